//! Virtual hosts: the routing table behind Tornado's `Application`, `add_handlers` and
//! `default_host`.

use std::fmt;

use regex::Regex;

use super::rule::compile_anchored;
use super::{
    not_found, RouteError, RouteRequest, RouteResult, Router, RuleRouter, Target, UrlSpec,
};

/// A host regex, anchored at both ends and matched against the lower-cased host name without
/// its port. Tornado's `HostMatches`.
///
/// The pattern is matched as written: write it in lower case (`Example\.com` never matches,
/// since host names are lower-cased first).
///
/// # Examples
///
/// ```
/// use tornado::web::routing::HostPattern;
///
/// let pattern = HostPattern::new(r"(www\.)?example\.com")?;
/// assert!(pattern.is_match("example.com") && pattern.is_match("www.example.com"));
/// assert!(!pattern.is_match("example.com.evil.net") && !pattern.is_match("myexample.com"));
/// # Ok::<(), tornado::web::routing::RouteError>(())
/// ```
#[derive(Debug, Clone)]
pub struct HostPattern {
    pattern: String,
    regex: Regex,
}

impl HostPattern {
    /// Compiles `pattern`.
    ///
    /// # Errors
    ///
    /// [`RouteError::InvalidPattern`] when the regex does not compile.
    ///
    /// ```
    /// use tornado::web::routing::HostPattern;
    /// assert!(HostPattern::new("[").is_err());
    /// ```
    pub fn new(pattern: &str) -> Result<Self, RouteError> {
        Ok(HostPattern {
            pattern: pattern.to_owned(),
            regex: compile_anchored(pattern)?,
        })
    }

    /// The pattern as written.
    ///
    /// ```
    /// use tornado::web::routing::HostPattern;
    /// assert_eq!(HostPattern::new(".*")?.as_str(), ".*");
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether the whole of `host_name` matches.
    ///
    /// ```
    /// use tornado::web::routing::HostPattern;
    /// assert!(!HostPattern::new("a")?.is_match("ab"));
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn is_match(&self, host_name: &str) -> bool {
        self.regex.is_match(host_name)
    }
}

/// Rules for the hosts matching one pattern.
struct HostGroup<T> {
    host: HostPattern,
    rules: RuleRouter<T>,
}

/// The routing table of an application with virtual hosts, as Tornado's `Application` builds it.
///
/// It holds:
///
/// * **host groups**, added with [`add_handlers`](Self::add_handlers): a host regex and its
///   rules. Several groups may share a pattern.
/// * **wildcard rules**, given to [`new`](Self::new): the rules passed to Tornado's
///   `Application(handlers)`, which serve every host.
/// * an optional **default host**, set with [`with_default_host`](Self::with_default_host).
///
/// # Search order
///
/// As in Tornado 6, a request is offered, until one rule matches its path:
///
/// 1. to every host group whose pattern matches the request's host name, in the order added;
/// 2. to the wildcard rules;
/// 3. when a default host is set and the request has no `X-Real-Ip` header, to every host
///    group whose pattern matches the default host, in the order added.
///
/// So a host group whose rules miss the path does not end the search, and the default host's
/// rules serve any host (even a matching one) whose own rules missed.
///
/// With no TLS, routing on `.*` or using a default host leaves an application open to DNS
/// rebinding; prefer explicit host patterns for services bound to private addresses.
///
/// # Examples
///
/// ```
/// use tornado::web::routing::{url, HostRouter, RouteRequest, RuleRouter};
///
/// let mut app = HostRouter::new(RuleRouter::from_rules([url("/", "home").build()?]))
///     .with_default_host("www.example.com");
/// app.add_handlers(r"www\.example\.com", [url("/article/([0-9]+)", "article").build()?])?;
///
/// let find = |host: &str, path: &str, real_ip: bool| {
///     let request = RouteRequest::new(host, path).with_x_real_ip(real_ip);
///     app.find(&request).map(|found| found.map(|m| *m.target))
/// };
/// assert_eq!(find("WWW.example.com:80", "/article/1", false)?, Some("article"));
/// assert_eq!(find("10.0.0.1", "/", false)?, Some("home"));
/// // Unknown host: the default host's rules apply, unless X-Real-Ip is present.
/// assert_eq!(find("10.0.0.1", "/article/1", false)?, Some("article"));
/// assert_eq!(find("10.0.0.1", "/article/1", true)?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct HostRouter<T> {
    default_host: Option<String>,
    groups: Vec<HostGroup<T>>,
    wildcard: RuleRouter<T>,
}

impl<T> HostRouter<T> {
    /// A table whose `wildcard` rules serve every host. Default: no host groups, no default
    /// host.
    ///
    /// ```
    /// use tornado::web::routing::{url, HostRouter, RouteRequest, RuleRouter};
    /// let app = HostRouter::new(RuleRouter::from_rules([url("/", 0).build()?]));
    /// assert!(app.find(&RouteRequest::new("any.host", "/"))?.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(wildcard: RuleRouter<T>) -> Self {
        HostRouter {
            default_host: None,
            groups: Vec::new(),
            wildcard,
        }
    }

    /// Sets Tornado's `default_host`: the host name whose groups serve requests the other rules
    /// missed. It is matched against host patterns as given, so write it in lower case.
    /// Default: none.
    ///
    /// ```
    /// use tornado::web::routing::{HostRouter, RuleRouter};
    /// let app = HostRouter::<()>::new(RuleRouter::new()).with_default_host("example.com");
    /// assert_eq!(app.default_host(), Some("example.com"));
    /// ```
    pub fn with_default_host(mut self, host: impl Into<String>) -> Self {
        self.default_host = Some(host.into());
        self
    }

    /// The default host, if set.
    ///
    /// ```
    /// use tornado::web::routing::{HostRouter, RuleRouter};
    /// assert_eq!(HostRouter::<()>::new(RuleRouter::new()).default_host(), None);
    /// ```
    pub fn default_host(&self) -> Option<&str> {
        self.default_host.as_deref()
    }

    /// Adds a group of rules for the hosts matching `host_pattern` (anchored at both ends),
    /// tried after the groups added before it. Tornado's `Application.add_handlers`.
    ///
    /// # Errors
    ///
    /// [`RouteError::InvalidPattern`] when the host regex does not compile.
    ///
    /// ```
    /// use tornado::web::routing::{url, HostRouter, RouteRequest, RuleRouter};
    /// let mut app = HostRouter::new(RuleRouter::new());
    /// app.add_handlers(r".*\.example\.org", [url("/", "org").build()?])?;
    /// let found = app.find(&RouteRequest::new("docs.example.org", "/"))?;
    /// assert_eq!(found.map(|m| *m.target), Some("org"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_handlers(
        &mut self,
        host_pattern: &str,
        rules: impl IntoIterator<Item = UrlSpec<T>>,
    ) -> Result<(), RouteError> {
        self.groups.push(HostGroup {
            host: HostPattern::new(host_pattern)?,
            rules: RuleRouter::from_rules(rules),
        });
        Ok(())
    }

    /// The rules that serve every host.
    ///
    /// ```
    /// use tornado::web::routing::{url, HostRouter, RuleRouter};
    /// let app = HostRouter::new(RuleRouter::from_rules([url("/", ()).build()?]));
    /// assert_eq!(app.wildcard().rules().len(), 1);
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn wildcard(&self) -> &RuleRouter<T> {
        &self.wildcard
    }

    /// The rules that serve every host, to add to them.
    ///
    /// ```
    /// use tornado::web::routing::{url, HostRouter, RuleRouter};
    /// let mut app = HostRouter::new(RuleRouter::new());
    /// app.wildcard_mut().add_rule(url("/late", ()).build()?);
    /// assert_eq!(app.wildcard().rules().len(), 1);
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn wildcard_mut(&mut self) -> &mut RuleRouter<T> {
        &mut self.wildcard
    }

    /// The host patterns, in the order they are tried.
    ///
    /// ```
    /// use tornado::web::routing::{HostRouter, RuleRouter};
    /// let mut app = HostRouter::<()>::new(RuleRouter::new());
    /// app.add_handlers("a", [])?;
    /// assert_eq!(app.host_patterns().map(|p| p.as_str()).collect::<Vec<_>>(), ["a"]);
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn host_patterns(&self) -> impl Iterator<Item = &HostPattern> {
        self.groups.iter().map(|group| &group.host)
    }

    /// Whether [`find`](Self::find)'s answer can depend on the request's host (or on
    /// `X-Real-Ip`): there are host groups, or a wildcard rule hands over to a nested router,
    /// which may look at it.
    pub(crate) fn may_read_host(&self) -> bool {
        !self.groups.is_empty()
            || self
                .wildcard
                .rules
                .iter()
                .any(|spec| matches!(spec.target(), Target::Nested(_)))
    }

    /// Finds the target for `request`; see [the search order](Self#search-order).
    ///
    /// # Errors
    ///
    /// [`PathArgError`](super::PathArgError) when the first matching rule's arguments are not
    /// UTF-8.
    ///
    /// ```
    /// use tornado::web::routing::{url, HostRouter, RouteRequest, RuleRouter};
    /// let app = HostRouter::new(RuleRouter::from_rules([url("/(.*)", ()).build()?]));
    /// assert_eq!(app.find(&RouteRequest::new("h", "/%FF")).unwrap_err().status(), 400);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn find<'r>(&'r self, request: &RouteRequest<'_>) -> RouteResult<'r, T> {
        for group in &self.groups {
            if group.host.is_match(request.host_name()) {
                if let Some(found) = group.rules.find_in(request)? {
                    return Ok(Some(found));
                }
            }
        }
        if let Some(found) = self.wildcard.find_in(request)? {
            return Ok(Some(found));
        }
        if let Some(default_host) = self.default_host.as_deref() {
            if !request.has_x_real_ip() {
                for group in &self.groups {
                    if group.host.is_match(default_host) {
                        if let Some(found) = group.rules.find_in(request)? {
                            return Ok(Some(found));
                        }
                    }
                }
            }
        }
        Ok(None)
    }

    /// Rebuilds the path of the rule called `name`. Host groups are searched in the order
    /// added, then the wildcard rules; the first router that knows the name answers.
    ///
    /// # Errors
    ///
    /// [`RouteError::NotFound`] for an unknown name; the errors of [`UrlSpec::reverse`].
    ///
    /// ```
    /// use tornado::web::routing::{url, HostRouter, RuleRouter};
    /// let mut app = HostRouter::new(RuleRouter::new());
    /// app.add_handlers("a", [url("/p/(.*)", ()).name("p").build()?])?;
    /// assert_eq!(app.reverse_url("p", &["x/y z"])?, "/p/x/y%20z");
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn reverse_url(&self, name: &str, args: &[&str]) -> Result<String, RouteError> {
        self.reverse_in(name, args)?.ok_or_else(|| not_found(name))
    }

    fn reverse_in(&self, name: &str, args: &[&str]) -> Result<Option<String>, RouteError> {
        for group in &self.groups {
            if let Some(path) = group.rules.reverse_in(name, args)? {
                return Ok(Some(path));
            }
        }
        self.wildcard.reverse_in(name, args)
    }
}

impl<T> Default for HostRouter<T> {
    fn default() -> Self {
        HostRouter::new(RuleRouter::new())
    }
}

impl<T: fmt::Debug> fmt::Debug for HostRouter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hosts: Vec<(&str, &RuleRouter<T>)> = self
            .groups
            .iter()
            .map(|group| (group.host.as_str(), &group.rules))
            .collect();
        f.debug_struct("HostRouter")
            .field("default_host", &self.default_host)
            .field("hosts", &hosts)
            .field("wildcard", &self.wildcard)
            .finish()
    }
}

impl<T: Send + Sync> Router<T> for HostRouter<T> {
    fn find_target<'r>(&'r self, request: &RouteRequest<'_>) -> RouteResult<'r, T> {
        self.find(request)
    }

    fn reverse(&self, name: &str, args: &[&str]) -> Result<Option<String>, RouteError> {
        self.reverse_in(name, args)
    }
}
