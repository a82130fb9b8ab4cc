//! The opening handshake (RFC 6455 §4): the server's checks with Tornado's answers, the
//! `Sec-WebSocket-Accept` computation, and subprotocol and origin helpers.

use base64::Engine;

use crate::http::HttpHeaders;

/// The GUID RFC 6455 appends to the client's key.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`.
///
/// ```
/// // RFC 6455 §1.3's example.
/// assert_eq!(
///     tornado::websocket::accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
///     "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
/// );
/// ```
pub fn accept_key(key: &str) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(key.trim().as_bytes());
    ctx.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(ctx.finish().as_ref())
}

/// A handshake the server refuses: the status, an optional reason phrase, the body text, and
/// extra headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) reason: Option<&'static str>,
    pub(crate) body: &'static str,
    pub(crate) headers: &'static [(&'static str, &'static str)],
}

impl Refusal {
    fn bad(body: &'static str) -> Self {
        Refusal {
            status: 400,
            reason: None,
            body,
            headers: &[],
        }
    }
}

/// The `Upgrade` and `Connection` checks, in Tornado's order and with its texts.
pub(crate) fn check_upgrade(headers: &HttpHeaders) -> Result<(), Refusal> {
    if !headers
        .get("Upgrade")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"))
    {
        return Err(Refusal::bad("Can \"Upgrade\" only to \"WebSocket\"."));
    }
    let upgrade_in_connection = headers
        .get_all("Connection")
        .any(|v| crate::http::codec::lists_token(v, "upgrade"));
    if !upgrade_in_connection {
        return Err(Refusal::bad("\"Connection\" must be \"Upgrade\"."));
    }
    Ok(())
}

/// The origin a browser sent (`Origin`, or the draft-8 `Sec-Websocket-Origin`).
pub(crate) fn origin(headers: &HttpHeaders) -> Option<&str> {
    headers
        .get("Origin")
        .or_else(|| headers.get("Sec-Websocket-Origin"))
}

/// The version and key checks; returns the key.
pub(crate) fn check_version_and_key(headers: &HttpHeaders) -> Result<&str, Refusal> {
    let version = headers.get("Sec-Websocket-Version").map(str::trim);
    if !matches!(version, Some("7" | "8" | "13")) {
        return Err(Refusal {
            status: 426,
            reason: Some("Upgrade Required"),
            body: "",
            headers: &[("Sec-WebSocket-Version", "7, 8, 13")],
        });
    }
    match headers.get("Sec-Websocket-Key").map(str::trim) {
        Some(k) if !k.is_empty() && headers.contains("Host") => Ok(k),
        _ => Err(Refusal::bad("Missing/Invalid WebSocket headers")),
    }
}

/// Tornado's default origin check: the origin's host (and port) equals the `Host` header.
pub fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let Some(host) = host else {
        return false;
    };
    let rest = match origin.split_once("://") {
        Some((_, rest)) => rest,
        None => return false,
    };
    let netloc = rest.split(['/', '?', '#']).next().unwrap_or("");
    netloc.eq_ignore_ascii_case(host.trim())
}

/// The subprotocols a client offered, in its order.
pub(crate) fn offered_subprotocols(headers: &HttpHeaders) -> Vec<String> {
    headers
        .get_list("Sec-Websocket-Protocol")
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A fresh `Sec-WebSocket-Key`: 16 random bytes, base64.
pub(crate) fn new_client_key() -> String {
    let mut nonce = [0u8; 16];
    // A failing system RNG leaves zeros: still a well-formed key.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce);
    base64::engine::general_purpose::STANDARD.encode(nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[(&str, &str)]) -> HttpHeaders {
        list.iter().copied().collect()
    }

    #[test]
    fn upgrade_checks_in_order() {
        let err = check_upgrade(&headers(&[])).unwrap_err();
        assert_eq!(
            (err.status, err.body),
            (400, "Can \"Upgrade\" only to \"WebSocket\".")
        );
        let err = check_upgrade(&headers(&[("Upgrade", "WebSocket")])).unwrap_err();
        assert_eq!(err.body, "\"Connection\" must be \"Upgrade\".");
        assert!(check_upgrade(&headers(&[
            ("Upgrade", "websocket"),
            ("Connection", "keep-alive, Upgrade")
        ]))
        .is_ok());
    }

    #[test]
    fn version_and_key() {
        let err = check_version_and_key(&headers(&[("Sec-WebSocket-Version", "12")])).unwrap_err();
        assert_eq!(err.status, 426);
        assert_eq!(err.headers, &[("Sec-WebSocket-Version", "7, 8, 13")]);
        let err =
            check_version_and_key(&headers(&[("Sec-WebSocket-Version", "13"), ("Host", "x")]))
                .unwrap_err();
        assert_eq!(
            (err.status, err.body),
            (400, "Missing/Invalid WebSocket headers")
        );
        assert_eq!(
            check_version_and_key(&headers(&[
                ("Sec-WebSocket-Version", "13"),
                ("Host", "x"),
                ("Sec-WebSocket-Key", "abc")
            ])),
            Ok("abc")
        );
    }

    #[test]
    fn origins() {
        assert!(same_origin("http://example.com", Some("example.com")));
        assert!(same_origin(
            "https://Example.com:8080/path",
            Some("example.com:8080")
        ));
        assert!(!same_origin("http://example.com", Some("example.com:8080")));
        assert!(!same_origin("http://evil.com", Some("example.com")));
        assert!(!same_origin("null", Some("example.com")));
        assert!(!same_origin("http://example.com", None));
    }

    #[test]
    fn subprotocol_list() {
        let h = headers(&[
            ("Sec-WebSocket-Protocol", "chat, superchat"),
            ("Sec-WebSocket-Protocol", " v2 "),
        ]);
        assert_eq!(offered_subprotocols(&h), vec!["chat", "superchat", "v2"]);
    }

    #[test]
    fn client_keys_are_fresh() {
        let a = new_client_key();
        assert_eq!(a.len(), 24);
        assert_ne!(a, new_client_key());
        assert_eq!(
            accept_key(" dGhlIHNhbXBsZSBub25jZQ== "),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
