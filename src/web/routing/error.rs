//! The routing errors: mistakes in a table or a `reverse_url` call, and undecodable path
//! arguments.

use std::fmt;

/// An error in a routing table or in a `reverse_url` call.
///
/// Building errors ([`InvalidPattern`](Self::InvalidPattern),
/// [`MixedGroups`](Self::MixedGroups)) are programming mistakes found at start-up; the others come
/// from `reverse_url`.
///
/// # Examples
///
/// ```
/// use tornado::web::routing::{url, RouteError, RuleRouter};
///
/// let router = RuleRouter::from_rules([url("/a/(\\d+)", ()).name("a").build()?]);
/// let err = router.reverse_url("b", &[]).unwrap_err();
/// assert!(matches!(err, RouteError::NotFound { .. }));
/// assert_eq!(err.to_string(), "b not found in named urls");
/// # Ok::<(), RouteError>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum RouteError {
    /// The regex does not compile.
    InvalidPattern {
        /// The pattern as written.
        pattern: String,
        /// What the regex compiler said.
        source: Box<regex::Error>,
    },
    /// The regex has both named and unnamed capturing groups.
    MixedGroups {
        /// The pattern as written.
        pattern: String,
    },
    /// The pattern is too complex to rebuild a path from.
    NotReversible {
        /// The pattern as written.
        pattern: String,
    },
    /// `reverse_url` got a different number of arguments than the pattern has groups.
    ArgumentCount {
        /// The pattern as written.
        pattern: String,
        /// Number of groups in the pattern.
        expected: usize,
        /// Number of arguments given.
        given: usize,
    },
    /// No rule has this name.
    NotFound {
        /// The name asked for.
        name: String,
    },
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::InvalidPattern { pattern, source } => {
                write!(f, "invalid url regex {pattern:?}: {source}")
            }
            RouteError::MixedGroups { pattern } => write!(
                f,
                "groups in url regexes must either be all named or all positional: {pattern:?}"
            ),
            RouteError::NotReversible { pattern } => write!(
                f,
                "cannot reverse url regex {pattern:?}: it has nested or non-capturing groups, \
                 flags, or escapes like \\d outside its groups"
            ),
            RouteError::ArgumentCount {
                pattern,
                expected,
                given,
            } => write!(
                f,
                "url regex {pattern:?} takes {expected} argument(s) to reverse, {given} given"
            ),
            RouteError::NotFound { name } => write!(f, "{name} not found in named urls"),
        }
    }
}

impl std::error::Error for RouteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RouteError::InvalidPattern { source, .. } => Some(&**source),
            _ => None,
        }
    }
}

/// A path argument that is not UTF-8 once percent-decoded (`/files/%FF`). The request matched
/// a rule, but cannot be served: answer with [`status`](Self::status) (400), as Tornado's
/// `decode_argument` does.
///
/// # Examples
///
/// ```
/// use tornado::web::routing::url;
///
/// let spec = url("/files/(.*)", ()).build()?;
/// let err = spec.match_path("/files/%FF").unwrap_err();
/// assert_eq!(err.status(), 400);
/// assert_eq!(err.value(), b"\xff");
/// assert_eq!(err.to_string(), r#"Invalid unicode in url: b"\xff""#);
/// # Ok::<(), tornado::web::routing::RouteError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathArgError {
    pub(super) group: Option<String>,
    pub(super) index: usize,
    pub(super) value: Vec<u8>,
}

impl PathArgError {
    /// The HTTP status to answer with: always 400.
    ///
    /// ```
    /// # let err = tornado::web::routing::url("/(.*)", ()).build()?.match_path("/%FF").unwrap_err();
    /// assert_eq!(err.status(), 400);
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn status(&self) -> u16 {
        400
    }

    /// The name of the offending group, `None` for an unnamed group.
    ///
    /// ```
    /// # let err = tornado::web::routing::url("/(?P<f>.*)", ()).build()?.match_path("/%FF").unwrap_err();
    /// assert_eq!(err.group_name(), Some("f"));
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn group_name(&self) -> Option<&str> {
        self.group.as_deref()
    }

    /// Zero-based position of the offending group among the pattern's groups.
    ///
    /// ```
    /// # let err = tornado::web::routing::url("/(.*)/(.*)", ()).build()?.match_path("/a/%FF").unwrap_err();
    /// assert_eq!(err.index(), 1);
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// The decoded bytes that are not UTF-8.
    ///
    /// ```
    /// # let err = tornado::web::routing::url("/(.*)", ()).build()?.match_path("/a%FF").unwrap_err();
    /// assert_eq!(err.value(), b"a\xff");
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn value(&self) -> &[u8] {
        &self.value
    }
}

impl fmt::Display for PathArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tornado: "Invalid unicode in %s: %r" % (name or "url", value[:40]).
        let shown = &self.value[..self.value.len().min(40)];
        write!(
            f,
            "Invalid unicode in {}: b\"{}\"",
            self.group.as_deref().unwrap_or("url"),
            shown.escape_ascii()
        )
    }
}

impl std::error::Error for PathArgError {}
