//! Turning an [`HttpRequest`] into what goes on the wire: checks, default headers, auth.

use base64::Engine as _;
use bytes::Bytes;

use super::request::{AuthMode, BodyProducer};
use super::url::Url;
use super::{ErrorKind, HttpClientError, HttpRequest};
use crate::http::HttpHeaders;

/// The `User-Agent` sent when the request names none.
pub(crate) const DEFAULT_USER_AGENT: &str = concat!("Tornado/", env!("CARGO_PKG_VERSION"));

const STANDARD_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

/// A request body ready to send.
#[derive(Clone)]
pub(crate) enum PreparedBody {
    Empty,
    Bytes(Bytes),
    Producer(BodyProducer),
}

impl PreparedBody {
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            PreparedBody::Empty => true,
            PreparedBody::Bytes(b) => b.is_empty(),
            PreparedBody::Producer(_) => false,
        }
    }
}

/// Method, target, complete headers and body of one request on the wire.
pub(crate) struct Prepared {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) headers: HttpHeaders,
    pub(crate) body: PreparedBody,
    pub(crate) expect_continue: bool,
}

impl Prepared {
    /// Safe to send again when a reused connection turned out to be closed.
    pub(crate) fn replayable(&self) -> bool {
        matches!(
            self.method.as_str(),
            "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS"
        ) && !matches!(self.body, PreparedBody::Producer(_))
    }
}

fn invalid(message: String) -> HttpClientError {
    HttpClientError::new(ErrorKind::InvalidRequest, message)
}

/// Checks the headers, and the method against the body as Tornado does unless
/// `allow_nonstandard_methods`.
pub(crate) fn check_request(req: &HttpRequest) -> Result<(), HttpClientError> {
    if req.method.is_empty() || !req.method.bytes().all(crate::http::headers::is_token_byte) {
        return Err(invalid(format!("invalid method {:?}", req.method)));
    }
    for (name, value) in req.headers.iter() {
        if name.is_empty()
            || !name.bytes().all(crate::http::headers::is_token_byte)
            || !value.bytes().all(crate::http::headers::is_value_byte)
        {
            return Err(invalid(format!("invalid request header {name}: {value:?}")));
        }
    }
    if req.allow_nonstandard_methods {
        return Ok(());
    }
    let method = req.method.as_str();
    if !STANDARD_METHODS.contains(&method) {
        return Err(invalid(format!(
            "unknown method {method} (unless allow_nonstandard_methods is true)"
        )));
    }
    let has_body = req.body.is_some() || req.body_producer.is_some();
    let body_expected = matches!(method, "POST" | "PUT" | "PATCH");
    if matches!(method, "POST" | "PUT") && !has_body {
        return Err(invalid(format!(
            "Body must not be None for method {method} (unless allow_nonstandard_methods is true)"
        )));
    }
    if !body_expected && has_body {
        return Err(invalid(format!(
            "Body must be None for method {method} (unless allow_nonstandard_methods is true)"
        )));
    }
    Ok(())
}

/// Builds the wire request for `req` sent to `url`.
pub(crate) fn prepare(req: &HttpRequest, url: &Url) -> Result<Prepared, HttpClientError> {
    let mut headers = req.headers.clone();
    if !headers.contains("Host") {
        headers.add("Host", url.host_header());
    }
    if !headers.contains("User-Agent") {
        headers.add(
            "User-Agent",
            req.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT),
        );
    }
    if req.decompress_response && !headers.contains("Accept-Encoding") {
        headers.add("Accept-Encoding", "gzip");
    }
    let credentials = match (&req.auth_username, &url.userinfo) {
        (Some(user), _) => Some((user.clone(), req.auth_password.clone().unwrap_or_default())),
        (None, Some(info)) => {
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            let (user, password) = info.split_once(':').unwrap_or((info, ""));
            Some((decode(user), decode(password)))
        }
        (None, None) => None,
    };
    if let Some((user, password)) = credentials {
        if !headers.contains("Authorization") {
            match req.auth_mode {
                AuthMode::Basic => {
                    let token = base64::engine::general_purpose::STANDARD
                        .encode(format!("{user}:{password}"));
                    headers.add("Authorization", format!("Basic {token}"));
                }
            }
        }
    }
    if let Some(t) = req.if_modified_since {
        headers.set("If-Modified-Since", httpdate::fmt_http_date(t));
    }
    let body = match (&req.body, &req.body_producer) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "body and body_producer may not both be set".to_owned(),
            ))
        }
        (Some(b), None) => {
            if !headers.contains("Content-Length") {
                headers.add("Content-Length", b.len().to_string());
            }
            PreparedBody::Bytes(b.clone())
        }
        (None, Some(p)) => {
            if !headers.contains("Content-Length") && !headers.contains("Transfer-Encoding") {
                headers.add("Transfer-Encoding", "chunked");
            }
            PreparedBody::Producer(p.clone())
        }
        (None, None) => PreparedBody::Empty,
    };
    if req.method == "POST" && !headers.contains("Content-Type") {
        headers.add("Content-Type", "application/x-www-form-urlencoded");
    }
    let expect_continue = req.expect_100_continue && !body.is_empty();
    if expect_continue {
        headers.set("Expect", "100-continue");
    }
    Ok(Prepared {
        method: req.method.clone(),
        target: url.target.clone(),
        headers,
        body,
        expect_continue,
    })
}

/// The request to send after a redirect from `from` to `to` with `status`: 303 (except for
/// `HEAD`) and 301/302 after `POST` become a `GET` without body; 307/308 keep both (a body
/// producer is called again). Credentials and cookies do not cross to another origin.
pub(crate) fn redirected(req: &HttpRequest, status: u16, from: &Url, to: &Url) -> HttpRequest {
    let mut next = req.clone();
    next.url = to.to_string();
    next.max_redirects = req.max_redirects.saturating_sub(1);
    next.headers.remove("Host");
    let to_get = status == 303 && req.method != "HEAD"
        || matches!(status, 301 | 302) && req.method == "POST";
    if to_get {
        next.method = "GET".to_owned();
        next.body = None;
        next.body_producer = None;
        for name in [
            "Content-Length",
            "Content-Type",
            "Content-Encoding",
            "Transfer-Encoding",
        ] {
            next.headers.remove(name);
        }
    }
    if !from.same_origin(to) {
        next.headers.remove("Authorization");
        next.headers.remove("Cookie");
        next.auth_username = None;
        next.auth_password = None;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_headers() {
        let url = Url::parse("http://u:p%40ss@h:81/x?y").unwrap();
        let req = HttpRequest::new(url.to_string()).method("POST").body("a=1");
        let p = prepare(&req, &url).unwrap();
        assert_eq!(p.target, "/x?y");
        assert_eq!(p.headers.get("Host"), Some("h:81"));
        assert_eq!(p.headers.get("Content-Length"), Some("3"));
        assert_eq!(
            p.headers.get("Content-Type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(p.headers.get("Accept-Encoding"), Some("gzip"));
        assert_eq!(p.headers.get("User-Agent"), Some(DEFAULT_USER_AGENT));
        assert_eq!(p.headers.get("Authorization"), Some("Basic dTpwQHNz"));
    }

    #[test]
    fn optional_headers() {
        let url = Url::parse("http://h/").unwrap();
        let req = HttpRequest::new("http://h/")
            .user_agent("spider/1")
            .decompress_response(false)
            .if_modified_since(std::time::UNIX_EPOCH + std::time::Duration::from_secs(784111777))
            .method("PUT")
            .body_producer(|_| async { Ok(()) })
            .expect_100_continue(true);
        let p = prepare(&req, &url).unwrap();
        assert_eq!(p.headers.get("User-Agent"), Some("spider/1"));
        assert_eq!(p.headers.get("Accept-Encoding"), None);
        assert_eq!(
            p.headers.get("If-Modified-Since"),
            Some("Sun, 06 Nov 1994 08:49:37 GMT")
        );
        assert_eq!(p.headers.get("Transfer-Encoding"), Some("chunked"));
        assert_eq!(p.headers.get("Expect"), Some("100-continue"));
        assert!(p.expect_continue);
        assert!(!p.replayable());
    }

    #[test]
    fn method_and_body_rules() {
        let ok = |r: HttpRequest| check_request(&r).is_ok();
        assert!(ok(HttpRequest::new("http://a/")));
        assert!(!ok(HttpRequest::new("http://a/").method("POST")));
        assert!(!ok(HttpRequest::new("http://a/").body("x")));
        assert!(ok(HttpRequest::new("http://a/").method("PATCH")));
        assert!(!ok(HttpRequest::new("http://a/").method("PROPFIND")));
        assert!(ok(HttpRequest::new("http://a/")
            .method("PROPFIND")
            .allow_nonstandard_methods(true)));
    }

    #[test]
    fn redirect_rewrites() {
        let from = Url::parse("http://a/x").unwrap();
        let same = Url::parse("http://a/y").unwrap();
        let other = Url::parse("http://b/y").unwrap();
        let post = HttpRequest::new("http://a/x")
            .method("POST")
            .body("data")
            .header("Content-Type", "text/plain")
            .header("Authorization", "Bearer t")
            .header("Cookie", "c=1");
        for (status, method, body) in [
            (301, "GET", false),
            (302, "GET", false),
            (303, "GET", false),
            (307, "POST", true),
            (308, "POST", true),
        ] {
            let next = redirected(&post, status, &from, &same);
            assert_eq!(next.method, method, "{status}");
            assert_eq!(next.body.is_some(), body, "{status}");
            assert_eq!(next.headers.contains("Content-Type"), body, "{status}");
            assert!(next.headers.contains("Authorization"));
        }
        let cross = redirected(&post, 307, &from, &other);
        assert!(!cross.headers.contains("Authorization"));
        assert!(!cross.headers.contains("Cookie"));
        assert_eq!(cross.max_redirects, 4);
        let head = HttpRequest::new("http://a/x").method("HEAD");
        assert_eq!(redirected(&head, 303, &from, &same).method, "HEAD");
    }
}
