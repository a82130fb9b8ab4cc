//! Mapping requests to targets: Tornado's `URLSpec`, `tornado.routing` and the virtual hosts of
//! `Application.add_handlers`.
//!
//! Routing here knows nothing about handlers. Every type is generic over the target `T` a rule
//! leads to; the web layer uses a handler factory, tests can use a `&str`.
//!
//! # Rules
//!
//! A [`UrlSpec`] pairs a regex with a [`Target`] and an optional name. Build one with [`url`]:
//!
//! ```
//! use tornado::web::routing::{url, RuleRouter};
//!
//! let router = RuleRouter::from_rules([
//!     url("/", "MainHandler").build()?,
//!     url(r"/story/([0-9]+)", "StoryHandler").name("story").build()?,
//!     url(r"/user/(?P<id>\d+)/(?P<tab>\w+)?", "UserHandler").build()?,
//! ]);
//!
//! let found = router.find("/story/42")?.expect("a rule matches");
//! assert_eq!(*found.target, "StoryHandler");
//! assert_eq!(found.path_args.positional, [Some("42".to_owned())]);
//!
//! let found = router.find("/user/7/")?.expect("a rule matches");
//! assert_eq!(found.path_args.named["id"].as_deref(), Some("7"));
//! assert_eq!(found.path_args.named["tab"], None);
//!
//! assert!(router.find("/story/42/edit")?.is_none());
//! assert_eq!(router.reverse_url("story", &["9"])?, "/story/9");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Patterns follow Tornado:
//!
//! * The regex must match the **whole** path: `/a` matches neither `/ab` nor `/x/a`.
//! * Unnamed groups become positional arguments, named groups (`(?P<name>…)`) keyword
//!   arguments; a pattern with both is refused when the rule is built
//!   ([`RouteError::MixedGroups`]).
//! * Arguments are percent-decoded with `+` kept as `+`, then must be UTF-8; otherwise the
//!   search stops with a [`PathArgError`], which the web layer answers with 400.
//! * A group that took no part in the match is `None`.
//! * Rules are tried in order and the first match wins.
//!
//! The regex syntax is the [`regex`] crate's, which accepts Python's `(?P<name>…)` but has no
//! look-around or back-references.
//!
//! # Reversing
//!
//! [`RuleRouter::reverse_url`] and [`HostRouter::reverse_url`] rebuild the path of a named rule,
//! percent-encoding each argument as Tornado's `url_escape(arg, plus=False)` does (UTF-8,
//! `%20` for a space, `/` kept). A pattern that cannot be turned back into text (nested or
//! non-capturing groups, `\d` outside a group…) still routes, but reversing it is an error.
//!
//! # Virtual hosts
//!
//! [`HostRouter`] is the routing table of Tornado's `Application`: groups of rules added with
//! [`add_handlers`](HostRouter::add_handlers) for a host regex, the rules given to the
//! application itself that serve every host, and `default_host`. See its docs for the order in
//! which they are tried.
//!
//! # Differences from Tornado
//!
//! * The whole pattern is anchored (`^(?:pattern)$`). Tornado appends `$` to the text, which
//!   anchors only the last branch of a top-level alternation: there `/a|/b` matches `/ab`.
//! * A pattern ending in an escaped `\$` keeps its end anchor, and reverses to a literal `$`.
//! * Literal `%` in a pattern reverses as itself (Tornado's `%`-format string breaks on it).
//! * `reverse_url` takes string arguments; format numbers yourself (`&id.to_string()`).
//! * A rule's `kwargs` (the handler's `initialize` arguments) are part of the target value.
//!
//! # Nesting routers
//!
//! Anything that implements [`Router`] can be the target of a rule ([`Target::Nested`], built
//! with [`nest`]). When the rule's pattern matches, the nested router is asked with the same
//! request; if it finds nothing, the search goes on with the next rule, as in
//! `tornado.routing.RuleRouter`. `reverse_url` looks through nested routers too.
//!
//! ```
//! use tornado::web::routing::{nest, url, HostRouter, RouteRequest, RuleRouter};
//!
//! let admin = RuleRouter::from_rules([url("/admin/users", "users").name("users").build()?]);
//! let mut app = HostRouter::new(RuleRouter::from_rules([
//!     nest("/admin/.*", admin).build()?,
//!     url("/.*", "fallback").build()?,
//! ]));
//! app.add_handlers(r"api\.example\.com", [url("/v1", "api").build()?])?;
//!
//! let request = RouteRequest::new("API.example.com:8080", "/v1");
//! assert_eq!(*app.find(&request)?.expect("host rule").target, "api");
//! let request = RouteRequest::new("example.com", "/admin/users");
//! assert_eq!(*app.find(&request)?.expect("nested rule").target, "users");
//! assert_eq!(app.reverse_url("users", &[])?, "/admin/users");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod host;
mod reverse;
mod rule;

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use regex::RegexSet;

pub use error::{PathArgError, RouteError};
pub use host::{HostPattern, HostRouter};
pub use rule::{nest, url, PathArgs, Target, UrlSpec, UrlSpecBuilder};

use crate::http::{split_host_and_port, HttpServerRequest};

/// What a router looks at: the host name, the path, and whether `X-Real-Ip` was sent (which
/// turns `default_host` off).
///
/// # Examples
///
/// ```
/// use tornado::web::routing::RouteRequest;
///
/// let request = RouteRequest::new("WWW.Example.com:8443", "/index.html");
/// assert_eq!(request.host_name(), "www.example.com");
/// assert_eq!(request.path(), "/index.html");
/// assert!(!request.has_x_real_ip());
/// ```
#[derive(Clone)]
pub struct RouteRequest<'a> {
    /// The `Host` value as sent (or the host name itself, for `from_host_name`).
    host: &'a str,
    /// Worked out from `host` on first use: an application without host groups never asks.
    host_name: OnceCell<Cow<'a, str>>,
    path: &'a str,
    x_real_ip: bool,
}

impl fmt::Debug for RouteRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouteRequest")
            .field("host_name", &self.host_name())
            .field("path", &self.path)
            .field("x_real_ip", &self.x_real_ip)
            .finish()
    }
}

impl PartialEq for RouteRequest<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.host_name() == other.host_name()
            && self.path == other.path
            && self.x_real_ip == other.x_real_ip
    }
}

impl Eq for RouteRequest<'_> {}

impl<'a> RouteRequest<'a> {
    /// From a raw `Host` header value: lower-cased (ASCII) and stripped of its port, like
    /// `HttpServerRequest::host_name` (worked out when a router first asks for it). Tornado
    /// uses `127.0.0.1` when the header is missing.
    ///
    /// ```
    /// use tornado::web::routing::RouteRequest;
    /// assert_eq!(RouteRequest::new("[::1]:80", "/").host_name(), "[::1]");
    /// ```
    pub fn new(host: &'a str, path: &'a str) -> Self {
        RouteRequest {
            host,
            host_name: OnceCell::new(),
            path,
            x_real_ip: false,
        }
    }

    /// `host` lower-cased (ASCII) and without its port.
    fn host_name_of(host: &'a str) -> Cow<'a, str> {
        // The common case — a lower-case name, maybe with a port — borrows. One pass finds
        // out whether the host is plain and where its port starts.
        let mut plain = true;
        let mut colon = None;
        for (i, b) in host.bytes().enumerate() {
            match b {
                b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' => {}
                b':' if colon.is_none() => colon = Some(i),
                _ => {
                    plain = false;
                    break;
                }
            }
        }
        let fast = plain
            && match colon {
                None => true,
                Some(i) => {
                    let port = &host.as_bytes()[i + 1..];
                    i > 0 && !port.is_empty() && port.iter().all(u8::is_ascii_digit)
                }
            };
        if fast {
            Cow::Borrowed(&host[..colon.unwrap_or(host.len())])
        } else {
            Cow::Owned(split_host_and_port(&host.to_ascii_lowercase()).0)
        }
    }

    /// From a host name that is already lower-cased and without a port.
    ///
    /// ```
    /// use tornado::web::routing::RouteRequest;
    /// assert_eq!(RouteRequest::from_host_name("example.com", "/").host_name(), "example.com");
    /// ```
    pub fn from_host_name(host_name: &'a str, path: &'a str) -> Self {
        RouteRequest {
            host: host_name,
            host_name: OnceCell::from(Cow::Borrowed(host_name)),
            path,
            x_real_ip: false,
        }
    }

    /// From a parsed request: its `host_name`, `path` and `X-Real-Ip` header.
    ///
    /// ```
    /// use tornado::http::HttpServerRequest;
    /// use tornado::web::routing::RouteRequest;
    ///
    /// let req = HttpServerRequest::builder("GET", "/a?b=c").build().unwrap();
    /// let route = RouteRequest::from_request(&req);
    /// assert_eq!((route.host_name(), route.path()), ("127.0.0.1", "/a"));
    /// ```
    pub fn from_request(request: &'a HttpServerRequest) -> Self {
        RouteRequest {
            host: request.host_name(),
            host_name: OnceCell::from(Cow::Borrowed(request.host_name())),
            path: &request.path,
            x_real_ip: request.headers.contains("X-Real-Ip"),
        }
    }

    /// Records whether the request carries an `X-Real-Ip` header. Default: `false`.
    ///
    /// ```
    /// use tornado::web::routing::RouteRequest;
    /// assert!(RouteRequest::new("h", "/").with_x_real_ip(true).has_x_real_ip());
    /// ```
    pub fn with_x_real_ip(mut self, present: bool) -> Self {
        self.x_real_ip = present;
        self
    }

    /// The lower-cased host without its port.
    ///
    /// ```
    /// use tornado::web::routing::RouteRequest;
    /// assert_eq!(RouteRequest::new("A.B", "/").host_name(), "a.b");
    /// ```
    pub fn host_name(&self) -> &str {
        self.host_name.get_or_init(|| Self::host_name_of(self.host))
    }

    /// The path, still percent-encoded.
    ///
    /// ```
    /// use tornado::web::routing::RouteRequest;
    /// assert_eq!(RouteRequest::new("h", "/a%20b").path(), "/a%20b");
    /// ```
    pub fn path(&self) -> &str {
        self.path
    }

    /// Whether an `X-Real-Ip` header was sent.
    ///
    /// ```
    /// use tornado::web::routing::RouteRequest;
    /// assert!(!RouteRequest::new("h", "/").has_x_real_ip());
    /// ```
    pub fn has_x_real_ip(&self) -> bool {
        self.x_real_ip
    }
}

/// A successful search: the leaf target, the decoded path arguments of the rule that led to it,
/// and that rule.
///
/// ```
/// use tornado::web::routing::{url, RuleRouter};
///
/// let router = RuleRouter::from_rules([url("/(a)", 1).name("a").build()?]);
/// let found = router.find("/a")?.expect("matches");
/// assert_eq!((*found.target, found.spec.name()), (1, Some("a")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RouteMatch<'r, T> {
    /// The value that serves the request.
    pub target: &'r T,
    /// Arguments from the leaf rule's groups.
    pub path_args: PathArgs,
    /// The leaf rule.
    pub spec: &'r UrlSpec<T>,
}

/// What a search returns: `Ok(None)` when nothing matched (the web layer's 404), `Err` when a
/// rule matched but its arguments are not UTF-8 (400).
pub type RouteResult<'r, T> = Result<Option<RouteMatch<'r, T>>, PathArgError>;

/// Something that picks a target for a request. Tornado's `Router` and `ReversibleRouter`.
///
/// [`RuleRouter`] and [`HostRouter`] implement it; implement it yourself to route on something
/// else and put your router inside another with [`nest`].
///
/// # Examples
///
/// ```
/// use tornado::web::routing::{nest, url, RouteRequest, RouteResult, Router, RuleRouter, UrlSpec};
///
/// /// Sends everything under `/beta/` to the new code when the host is `beta.example.com`.
/// struct Beta(RuleRouter<&'static str>);
///
/// impl Router<&'static str> for Beta {
///     fn find_target<'r>(&'r self, request: &RouteRequest<'_>) -> RouteResult<'r, &'static str> {
///         if request.host_name() == "beta.example.com" {
///             self.0.find_target(request)
///         } else {
///             Ok(None)
///         }
///     }
/// }
///
/// let beta = Beta(RuleRouter::from_rules([url("/beta/.*", "new").build()?]));
/// let root = RuleRouter::from_rules([nest("/beta/.*", beta).build()?, url("/.*", "old").build()?]);
/// let on_beta = RouteRequest::new("beta.example.com", "/beta/x");
/// assert_eq!(*root.find_target(&on_beta)?.expect("found").target, "new");
/// let elsewhere = RouteRequest::new("example.com", "/beta/x");
/// assert_eq!(*root.find_target(&elsewhere)?.expect("found").target, "old");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Router<T>: Send + Sync {
    /// Finds the target for `request`.
    fn find_target<'r>(&'r self, request: &RouteRequest<'_>) -> RouteResult<'r, T>;

    /// Rebuilds the path of the rule called `name`: `Ok(None)` when this router knows no such
    /// name. Default: knows no names.
    fn reverse(&self, name: &str, args: &[&str]) -> Result<Option<String>, RouteError> {
        let _ = (name, args);
        Ok(None)
    }
}

/// An ordered list of rules; the first that matches wins. Tornado's `ReversibleRuleRouter`.
///
/// A rule with a nested router is skipped over when that router finds nothing. Names are
/// unique: adding a second rule with a name already used replaces the first for
/// [`reverse_url`](Self::reverse_url) (with a warning, as Tornado does).
///
/// # Examples
///
/// ```
/// use tornado::web::routing::{url, RuleRouter};
///
/// let mut router = RuleRouter::new();
/// router.add_rule(url("/a", "first").build()?);
/// router.add_rule(url("/a", "second").build()?);
/// router.add_rule(url(r"/(.*)", "catch-all").build()?);
/// assert_eq!(*router.find("/a")?.expect("found").target, "first");
/// assert_eq!(*router.find("/zzz")?.expect("found").target, "catch-all");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RuleRouter<T> {
    rules: Vec<UrlSpec<T>>,
    named: HashMap<String, usize>,
    /// All the rules' regexes in one automaton, so a search scans the path once instead of
    /// once per rule. Built on the first search after a change; `None` when the set is too
    /// big for the regex engine, in which case rules are tried one by one.
    set: OnceLock<Option<RegexSet>>,
}

impl<T> RuleRouter<T> {
    /// An empty router.
    ///
    /// ```
    /// use tornado::web::routing::RuleRouter;
    /// assert!(RuleRouter::<()>::new().rules().is_empty());
    /// ```
    pub fn new() -> Self {
        RuleRouter {
            rules: Vec::new(),
            named: HashMap::new(),
            set: OnceLock::new(),
        }
    }

    /// A router with `rules`, in order.
    ///
    /// ```
    /// use tornado::web::routing::{url, RuleRouter};
    /// let router = RuleRouter::from_rules([url("/", ()).build()?]);
    /// assert_eq!(router.rules().len(), 1);
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn from_rules(rules: impl IntoIterator<Item = UrlSpec<T>>) -> Self {
        let mut router = RuleRouter::new();
        router.add_rules(rules);
        router
    }

    /// Appends one rule.
    ///
    /// ```
    /// use tornado::web::routing::{url, RuleRouter};
    /// let mut router = RuleRouter::new();
    /// router.add_rule(url("/", ()).build()?);
    /// assert!(router.find("/")?.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_rule(&mut self, rule: UrlSpec<T>) {
        if let Some(name) = rule.name() {
            let replaced = self.named.insert(name.to_owned(), self.rules.len());
            if replaced.is_some() {
                tracing::warn!("Multiple handlers named {name}; replacing previous value");
            }
        }
        self.rules.push(rule);
        self.set = OnceLock::new();
    }

    /// Appends rules, in order.
    ///
    /// ```
    /// use tornado::web::routing::{url, RuleRouter};
    /// let mut router = RuleRouter::new();
    /// router.add_rules([url("/a", 1).build()?, url("/b", 2).build()?]);
    /// assert_eq!(router.rules().len(), 2);
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn add_rules(&mut self, rules: impl IntoIterator<Item = UrlSpec<T>>) {
        for rule in rules {
            self.add_rule(rule);
        }
    }

    /// The rules, in the order they are tried.
    ///
    /// ```
    /// use tornado::web::routing::{url, RuleRouter};
    /// let router = RuleRouter::from_rules([url("/a", ()).build()?]);
    /// assert_eq!(router.rules()[0].pattern(), "/a");
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn rules(&self) -> &[UrlSpec<T>] {
        &self.rules
    }

    /// Finds the first rule matching `path`, for routers that do not look at the host. Nested
    /// routers are asked with an empty host name.
    ///
    /// # Errors
    ///
    /// [`PathArgError`] when the first matching rule's arguments are not UTF-8.
    ///
    /// ```
    /// use tornado::web::routing::{url, RuleRouter};
    /// let router = RuleRouter::from_rules([url("/a/(.*)", ()).build()?]);
    /// assert!(router.find("/a/%FF").is_err());
    /// assert!(router.find("/b").map(|m| m.is_none())?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn find<'r>(&'r self, path: &str) -> RouteResult<'r, T> {
        self.find_in(&RouteRequest::from_host_name("", path))
    }

    /// Rebuilds the path of the rule called `name`, looking through nested routers in rule
    /// order when this router has no rule of that name. Tornado's `reverse_url`.
    ///
    /// # Errors
    ///
    /// [`RouteError::NotFound`] for an unknown name; the errors of [`UrlSpec::reverse`].
    ///
    /// ```
    /// use tornado::web::routing::{url, RuleRouter};
    /// let router = RuleRouter::from_rules([url("/u/([^/]+)", ()).name("u").build()?]);
    /// assert_eq!(router.reverse_url("u", &["a b"])?, "/u/a%20b");
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn reverse_url(&self, name: &str, args: &[&str]) -> Result<String, RouteError> {
        self.reverse_in(name, args)?.ok_or_else(|| not_found(name))
    }

    fn find_in<'r>(&'r self, request: &RouteRequest<'_>) -> RouteResult<'r, T> {
        let set = self.set.get_or_init(|| {
            RegexSet::new(self.rules.iter().map(|spec| spec.regex().as_str())).ok()
        });
        let path = request.path();
        // Plain-path rules are compared directly; the regex set runs (once) only when a rule
        // that needs it is reached.
        let mut set_matches = None;
        for (index, spec) in self.rules.iter().enumerate() {
            let hit = if spec.is_literal() {
                spec.is_match(path)
            } else {
                match set {
                    Some(set) => set_matches
                        .get_or_insert_with(|| set.matches(path))
                        .matched(index),
                    None => spec.is_match(path),
                }
            };
            if hit {
                if let Some(found) = self.try_rule(spec, request)? {
                    return Ok(Some(found));
                }
            }
        }
        Ok(None)
    }

    /// Follows a rule whose pattern is known to match the path.
    fn try_rule<'r>(
        &'r self,
        spec: &'r UrlSpec<T>,
        request: &RouteRequest<'_>,
    ) -> RouteResult<'r, T> {
        match spec.target() {
            Target::Leaf(target) => {
                Ok(spec
                    .args_of_match(request.path())?
                    .map(|path_args| RouteMatch {
                        target,
                        path_args,
                        spec,
                    }))
            }
            Target::Nested(router) => router.find_target(request),
        }
    }

    fn reverse_in(&self, name: &str, args: &[&str]) -> Result<Option<String>, RouteError> {
        if let Some(&index) = self.named.get(name) {
            return self.rules[index].reverse(args).map(Some);
        }
        for spec in &self.rules {
            if let Target::Nested(router) = spec.target() {
                if let Some(path) = router.reverse(name, args)? {
                    return Ok(Some(path));
                }
            }
        }
        Ok(None)
    }
}

impl<T> Default for RuleRouter<T> {
    fn default() -> Self {
        RuleRouter::new()
    }
}

impl<T: Clone> Clone for RuleRouter<T> {
    fn clone(&self) -> Self {
        RuleRouter {
            rules: self.rules.clone(),
            named: self.named.clone(),
            set: self.set.clone(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for RuleRouter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleRouter")
            .field("rules", &self.rules)
            .finish()
    }
}

impl<T: Send + Sync> Router<T> for RuleRouter<T> {
    fn find_target<'r>(&'r self, request: &RouteRequest<'_>) -> RouteResult<'r, T> {
        self.find_in(request)
    }

    fn reverse(&self, name: &str, args: &[&str]) -> Result<Option<String>, RouteError> {
        self.reverse_in(name, args)
    }
}

fn not_found(name: &str) -> RouteError {
    RouteError::NotFound {
        name: name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A table where several rules match the same paths, so order matters.
    fn overlapping() -> Result<RuleRouter<usize>, RouteError> {
        let patterns = [
            "/a",
            r"/a/(\d+)",
            r"/a/(?P<word>\w+)",
            "/a/.*",
            r"/(b|c)/(.*)",
            "/b/x",
            "/.*",
        ];
        let mut router = RuleRouter::new();
        for (i, pattern) in patterns.iter().enumerate() {
            router.add_rule(url(pattern, i).build()?);
        }
        Ok(router)
    }

    /// The same router with the combined regex switched off.
    fn linear(router: &RuleRouter<usize>) -> RuleRouter<usize> {
        let copy = RuleRouter::from_rules(router.rules().iter().cloned());
        let _ = copy.set.set(None);
        copy
    }

    fn outcome(router: &RuleRouter<usize>, path: &str) -> Result<Option<usize>, PathArgError> {
        Ok(router.find(path)?.map(|found| *found.target))
    }

    #[test]
    fn linear_fallback_gives_the_same_answers() -> Result<(), RouteError> {
        let fast = overlapping()?;
        let slow = linear(&fast);
        for path in [
            "/a", "/a/1", "/a/w", "/a/-", "/b/x", "/c/y", "/d", "", "/a/%FF",
        ] {
            assert_eq!(outcome(&fast, path), outcome(&slow, path), "{path}");
        }
        assert_eq!(outcome(&slow, "/b/x"), Ok(Some(4)));
        Ok(())
    }

    #[test]
    fn adding_a_rule_rebuilds_the_combined_regex() -> Result<(), Box<dyn std::error::Error>> {
        let mut router = RuleRouter::from_rules([url("/a", 0).build()?]);
        assert_eq!(outcome(&router, "/b")?, None);
        router.add_rule(url("/b", 1).build()?);
        assert_eq!(outcome(&router, "/b")?, Some(1));
        Ok(())
    }

    proptest! {
        #[test]
        fn combined_and_linear_search_agree(path in "/[abc/%0-9F]{0,8}") {
            let fast = overlapping().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let slow = linear(&fast);
            prop_assert_eq!(outcome(&fast, &path), outcome(&slow, &path));
        }
    }
}
