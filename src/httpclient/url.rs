//! The small part of URL handling the client needs: splitting an `http(s)` URL into its parts
//! and resolving a redirect's `Location` against the URL it came from.

use std::fmt;

/// An `http` or `https` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    pub(crate) https: bool,
    /// `user[:password]` before the `@`, percent-encoded as sent.
    pub(crate) userinfo: Option<String>,
    /// The host without brackets (`::1` for `http://[::1]/`), lower-cased.
    pub(crate) host: String,
    /// The explicit port, if any.
    pub(crate) explicit_port: Option<u16>,
    /// Path and query, starting with `/` (the fragment is dropped).
    pub(crate) target: String,
}

impl Url {
    pub(crate) fn parse(url: &str) -> Result<Url, String> {
        let url = url.trim();
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("not an absolute URL: {url:?}"))?;
        let https = if scheme.eq_ignore_ascii_case("http") {
            false
        } else if scheme.eq_ignore_ascii_case("https") {
            true
        } else {
            return Err(format!("unsupported URL scheme {scheme:?}"));
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(authority_end);
        let target = match target.strip_prefix('?') {
            Some(_) => format!("/{target}"),
            None if target.is_empty() => "/".to_owned(),
            None => target.to_owned(),
        };
        if target.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(format!("invalid characters in URL {url:?}"));
        }
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_owned()), h),
            None => (None, authority),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6
                .split_once(']')
                .ok_or_else(|| format!("unclosed IPv6 bracket in {url:?}"))?;
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| format!("bad port in {url:?}"))?,
                ),
            };
            (host, port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty()
            || host
                .bytes()
                .any(|b| b <= b' ' || b == 0x7f || b"/?#@[]\\".contains(&b))
        {
            return Err(format!("invalid host in URL {url:?}"));
        }
        let explicit_port = match port {
            None | Some("") => None,
            Some(p) => Some(
                p.parse::<u16>()
                    .map_err(|_| format!("invalid port {p:?} in URL {url:?}"))?,
            ),
        };
        Ok(Url {
            https,
            userinfo,
            host: host.to_ascii_lowercase(),
            explicit_port,
            target,
        })
    }

    pub(crate) fn port(&self) -> u16 {
        self.explicit_port
            .unwrap_or(if self.https { 443 } else { 80 })
    }

    pub(crate) fn scheme(&self) -> &'static str {
        if self.https {
            "https"
        } else {
            "http"
        }
    }

    /// The `Host` header: host and a non-default port, without userinfo.
    pub(crate) fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.explicit_port {
            Some(p) if p != if self.https { 443 } else { 80 } => format!("{host}:{p}"),
            _ => host,
        }
    }

    /// Same scheme, host and port.
    pub(crate) fn same_origin(&self, other: &Url) -> bool {
        self.https == other.https && self.host == other.host && self.port() == other.port()
    }

    /// Resolves `location` (absolute, scheme-relative, absolute-path or relative) against this
    /// URL, as a browser does for a redirect.
    pub(crate) fn join(&self, location: &str) -> Result<Url, String> {
        let location = location.trim();
        if location.contains("://") && location.find("://") < location.find(['/', '?']) {
            return Url::parse(location);
        }
        if let Some(rest) = location.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", self.scheme()));
        }
        let origin = format!("{}://{}", self.scheme(), self.host_header());
        let location = location.split('#').next().unwrap_or_default();
        let (base_path, base_query) = match self.target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (self.target.as_str(), None),
        };
        let target = if location.is_empty() {
            match base_query {
                Some(q) => format!("{base_path}?{q}"),
                None => base_path.to_owned(),
            }
        } else if location.starts_with('?') {
            format!("{base_path}{location}")
        } else if location.starts_with('/') {
            location.to_owned()
        } else {
            let dir = match base_path.rfind('/') {
                Some(i) => &base_path[..=i],
                None => "/",
            };
            format!("{dir}{location}")
        };
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (target, None),
        };
        let mut joined = Url::parse(&format!("{origin}{}", remove_dot_segments(&path)))?;
        joined.userinfo.clone_from(&self.userinfo);
        if let Some(q) = query {
            joined.target = format!("{}?{q}", joined.target);
        }
        Ok(joined)
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}{}",
            self.scheme(),
            self.host_header(),
            self.target
        )
    }
}

/// Resolves `link` against `base` as a browser (and the client, for redirects) does:
/// absolute, scheme-relative, absolute-path and relative links, with `.`/`..` segments
/// resolved and any fragment dropped. `None` when either is not a usable `http(s)` URL.
///
/// ```
/// use tornado::httpclient::urljoin;
///
/// assert_eq!(urljoin("http://h/a/b", "../c#top").as_deref(), Some("http://h/c"));
/// assert_eq!(urljoin("http://h/a/b", "https://o/x").as_deref(), Some("https://o/x"));
/// assert_eq!(urljoin("http://h/", "mailto:x@y"), None);
/// ```
pub fn urljoin(base: &str, link: &str) -> Option<String> {
    let link = link.trim();
    if link.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && !scheme.contains(['/', '?', '#'])
            && !scheme.eq_ignore_ascii_case("http")
            && !scheme.eq_ignore_ascii_case("https")
    }) {
        return None;
    }
    Url::parse(base)
        .ok()?
        .join(link)
        .ok()
        .map(|u| u.to_string())
}

/// RFC 3986 §5.2.4: resolves `.` and `..` segments of a path.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    let mut trailing_slash = false;
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => trailing_slash = i == last,
            ".." => {
                out.pop();
                trailing_slash = i == last;
            }
            s => {
                out.push(s);
                trailing_slash = false;
            }
        }
    }
    let mut joined = format!("/{}", out.join("/"));
    if trailing_slash && !joined.ends_with('/') {
        joined.push('/');
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_parts() {
        let u = Url::parse("https://user:pw@Example.COM:8443/a/b?c=d#frag").unwrap();
        assert!(u.https);
        assert_eq!(u.userinfo.as_deref(), Some("user:pw"));
        assert_eq!(u.host, "example.com");
        assert_eq!(u.port(), 8443);
        assert_eq!(u.target, "/a/b?c=d");
        assert_eq!(u.host_header(), "example.com:8443");
        let v6 = Url::parse("http://[::1]:81?x").unwrap();
        assert_eq!((v6.host.as_str(), v6.port()), ("::1", 81));
        assert_eq!(v6.target, "/?x");
        assert_eq!(v6.host_header(), "[::1]:81");
        assert_eq!(Url::parse("http://a:80/").unwrap().host_header(), "a");
    }

    #[test]
    fn parse_errors() {
        for bad in [
            "ftp://a/",
            "a/b",
            "http:///x",
            "http://a:99999/",
            "http://[::1/",
            "http://a/b c",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn join_locations() {
        let base = Url::parse("http://h:8000/a/b/c?q=1").unwrap();
        for (loc, want) in [
            ("https://o/x", "https://o/x"),
            ("//o2/y", "http://o2/y"),
            ("/abs?z", "http://h:8000/abs?z"),
            ("d", "http://h:8000/a/b/d"),
            ("../d", "http://h:8000/a/d"),
            ("./", "http://h:8000/a/b/"),
            ("?r=2", "http://h:8000/a/b/c?r=2"),
            ("", "http://h:8000/a/b/c?q=1"),
        ] {
            assert_eq!(base.join(loc).unwrap().to_string(), want, "{loc}");
        }
    }
}
