//! One routing rule: [`UrlSpec`], the path arguments it extracts, and its builder.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use percent_encoding::percent_decode_str;
use regex::Regex;

use super::reverse::{self, ReverseTemplate};
use super::{PathArgError, RouteError, Router};

/// Compiles `pattern` so that it must match the whole of its input, as Tornado's `PathMatches`
/// and `HostMatches` intend (`re.match` from the start, `$` appended when missing).
///
/// The pattern is wrapped in a group, so a top-level alternation such as `/a|/b` is anchored
/// as a whole. (Tornado only anchors its last branch, so there `/a|/b` also matches `/ab`.)
pub(crate) fn compile_anchored(pattern: &str) -> Result<Regex, RouteError> {
    Regex::new(&format!("^(?:{pattern})$")).map_err(|source| RouteError::InvalidPattern {
        pattern: pattern.to_owned(),
        source: Box::new(source),
    })
}

/// What a rule hands over when it matches.
///
/// A rule either leads to a value of the caller's choosing (a handler factory, in the web layer)
/// or to another router that is asked in turn; see [the module docs](super#nesting-routers).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use tornado::web::routing::{RuleRouter, Target, UrlSpec};
///
/// let leaf: Target<&str> = Target::Leaf("home");
/// let inner = RuleRouter::from_rules([UrlSpec::new("/api/v1", Target::Leaf("v1"), None)?]);
/// let nested: Target<&str> = Target::Nested(Arc::new(inner));
/// assert!(leaf.leaf().is_some() && nested.leaf().is_none());
/// # Ok::<(), tornado::web::routing::RouteError>(())
/// ```
pub enum Target<T> {
    /// The end of the search: this value serves the request.
    Leaf(T),
    /// Another router, asked with the same request when the rule's pattern matches. If it finds
    /// nothing, the search goes on with the next rule.
    Nested(Arc<dyn Router<T>>),
}

impl<T> Target<T> {
    /// The leaf value, or `None` for a nested router.
    ///
    /// ```
    /// use tornado::web::routing::Target;
    /// assert_eq!(Target::Leaf(7).leaf(), Some(&7));
    /// ```
    pub fn leaf(&self) -> Option<&T> {
        match self {
            Target::Leaf(value) => Some(value),
            Target::Nested(_) => None,
        }
    }
}

impl<T: Clone> Clone for Target<T> {
    fn clone(&self) -> Self {
        match self {
            Target::Leaf(value) => Target::Leaf(value.clone()),
            Target::Nested(router) => Target::Nested(Arc::clone(router)),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Target<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Leaf(value) => f.debug_tuple("Leaf").field(value).finish(),
            Target::Nested(_) => f.write_str("Nested(..)"),
        }
    }
}

/// The arguments a matched path yields, percent-decoded.
///
/// Unnamed groups give [`positional`](Self::positional) arguments (Tornado's `path_args`),
/// named groups give [`named`](Self::named) ones (`path_kwargs`); a pattern never has both.
/// A group that took no part in the match, like `(\d+)?` against nothing, is `None`.
///
/// # Examples
///
/// ```
/// use tornado::web::routing::url;
///
/// let spec = url(r"/(\w+)/(\d+)?", ()).build()?;
/// let args = spec.match_path("/page/")?.expect("matches");
/// assert_eq!(args.positional, [Some("page".to_owned()), None]);
/// assert!(args.named.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathArgs {
    /// Values of unnamed groups, in order.
    pub positional: Vec<Option<String>>,
    /// Values of named groups, by name.
    pub named: BTreeMap<String, Option<String>>,
}

impl PathArgs {
    /// `true` when the pattern had no groups.
    ///
    /// ```
    /// use tornado::web::routing::PathArgs;
    /// assert!(PathArgs::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.positional.is_empty() && self.named.is_empty()
    }
}

/// How a pattern's groups turn into arguments.
#[derive(Debug, Clone)]
enum Groups {
    None,
    Positional,
    Named(Vec<String>),
}

/// A routing rule: an anchored path regex, what it leads to, and an optional name for
/// [`reverse_url`](super::RuleRouter::reverse_url). Tornado's `URLSpec` / `url()`.
///
/// Build one with [`url`] (or [`nest`] for a nested router) or [`UrlSpec::new`]. Building fails
/// with a [`RouteError`] when the regex does not compile or mixes named and unnamed groups.
///
/// # Examples
///
/// ```
/// use tornado::web::routing::url;
///
/// let story = url(r"/story/([0-9]+)", "StoryHandler").name("story").build()?;
/// assert_eq!(story.name(), Some("story"));
/// let args = story.match_path("/story/42")?.expect("matches");
/// assert_eq!(args.positional, [Some("42".to_owned())]);
/// assert_eq!(story.match_path("/story/42/comments")?, None);
/// assert_eq!(story.reverse(&["7"])?, "/story/7");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct UrlSpec<T> {
    pattern: String,
    /// How the pattern can be matched without running the regex, if it can.
    plain: Plain,
    regex: Regex,
    groups: Groups,
    reverse: Option<ReverseTemplate>,
    name: Option<String>,
    target: Target<T>,
}

impl<T> UrlSpec<T> {
    /// Compiles a rule. `pattern` uses the [`regex`] crate's syntax, which accepts Python's
    /// `(?P<name>…)` groups; it is anchored at both ends.
    ///
    /// # Errors
    ///
    /// [`RouteError::InvalidPattern`] when the regex does not compile and
    /// [`RouteError::MixedGroups`] when it has both named and unnamed groups. A pattern that
    /// cannot be reversed is accepted; only [`reverse`](Self::reverse) fails for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use tornado::web::routing::{RouteError, Target, UrlSpec};
    ///
    /// let spec = UrlSpec::new(r"/user/(?P<id>\d+)", Target::Leaf(1), Some("user"))?;
    /// assert_eq!(spec.pattern(), r"/user/(?P<id>\d+)");
    ///
    /// let mixed = UrlSpec::new(r"/(?P<a>\d+)/(\d+)", Target::Leaf(2), None);
    /// assert!(matches!(mixed, Err(RouteError::MixedGroups { .. })));
    /// # Ok::<(), RouteError>(())
    /// ```
    pub fn new(pattern: &str, target: Target<T>, name: Option<&str>) -> Result<Self, RouteError> {
        let regex = compile_anchored(pattern)?;
        // Group 0 of the wrapped regex is the whole match; the wrapper group is non-capturing.
        let total = regex.captures_len() - 1;
        let names: Vec<String> = regex.capture_names().flatten().map(str::to_owned).collect();
        let groups = if total == 0 {
            Groups::None
        } else if names.is_empty() {
            Groups::Positional
        } else if names.len() == total {
            Groups::Named(names)
        } else {
            return Err(RouteError::MixedGroups {
                pattern: pattern.to_owned(),
            });
        };
        let plain = Plain::of(pattern, &groups);
        Ok(UrlSpec {
            pattern: pattern.to_owned(),
            plain,
            reverse: ReverseTemplate::parse(pattern, total),
            regex,
            groups,
            name: name.map(str::to_owned),
            target,
        })
    }

    /// The pattern as written.
    ///
    /// ```
    /// use tornado::web::routing::url;
    /// assert_eq!(url("/a", ()).build()?.pattern(), "/a");
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The compiled, anchored regex (`^(?:pattern)$`).
    ///
    /// ```
    /// use tornado::web::routing::url;
    /// assert_eq!(url("/a", ()).build()?.regex().as_str(), "^(?:/a)$");
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn regex(&self) -> &Regex {
        &self.regex
    }

    /// The rule's name, if it has one.
    ///
    /// ```
    /// use tornado::web::routing::url;
    /// assert_eq!(url("/a", ()).name("a").build()?.name(), Some("a"));
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// What the rule leads to.
    ///
    /// ```
    /// use tornado::web::routing::url;
    /// assert_eq!(url("/a", 5).build()?.target().leaf(), Some(&5));
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn target(&self) -> &Target<T> {
        &self.target
    }

    /// Whether the whole of `path` matches, without extracting arguments.
    ///
    /// ```
    /// use tornado::web::routing::url;
    /// let spec = url("/a", ()).build()?;
    /// assert!(spec.is_match("/a") && !spec.is_match("/ab") && !spec.is_match("/x/a"));
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn is_match(&self, path: &str) -> bool {
        match &self.plain {
            Plain::Literal(literal) | Plain::LiteralGroup(literal, _) => literal == path,
            Plain::PrefixRest(prefix) => plain_rest(prefix, path).is_some(),
            Plain::No => self.regex.is_match(path),
        }
    }

    /// `true` when the pattern is matched without its regex (a plain path, or a plain prefix
    /// followed by `(.*)`).
    pub(crate) fn is_literal(&self) -> bool {
        !matches!(self.plain, Plain::No)
    }

    /// Matches the whole of `path` and returns its percent-decoded arguments, `Ok(None)` when
    /// it does not match.
    ///
    /// Decoding follows Tornado's `url_unescape(value, encoding=None, plus=False)`: `%XX` becomes
    /// a byte, malformed escapes stay as written, and `+` stays `+`.
    ///
    /// # Errors
    ///
    /// [`PathArgError`] (an HTTP 400) when a decoded argument is not valid UTF-8.
    ///
    /// # Examples
    ///
    /// ```
    /// use tornado::web::routing::url;
    ///
    /// let spec = url(r"/tag/(?P<tag>[^/]+)", ()).build()?;
    /// let args = spec.match_path("/tag/a+b%20c")?.expect("matches");
    /// assert_eq!(args.named["tag"].as_deref(), Some("a+b c"));
    ///
    /// let err = spec.match_path("/tag/%FF").unwrap_err();
    /// assert_eq!(err.status(), 400);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn match_path(&self, path: &str) -> Result<Option<PathArgs>, PathArgError> {
        if let Groups::None = self.groups {
            return Ok(self.is_match(path).then(PathArgs::default));
        }
        self.match_groups(path)
    }

    /// [`match_path`](Self::match_path) for a path already known to match (the router's
    /// search just matched it): a pattern without groups has no arguments to take, so the
    /// path is not matched a second time.
    pub(crate) fn args_of_match(&self, path: &str) -> Result<Option<PathArgs>, PathArgError> {
        debug_assert!(self.is_match(path));
        if let Groups::None = self.groups {
            return Ok(Some(PathArgs::default()));
        }
        self.match_groups(path)
    }

    /// [`match_path`](Self::match_path) for a pattern with groups.
    fn match_groups(&self, path: &str) -> Result<Option<PathArgs>, PathArgError> {
        let plain_arg = match &self.plain {
            Plain::PrefixRest(prefix) => Some(plain_rest(prefix, path)),
            Plain::LiteralGroup(literal, start) => Some((literal == path).then(|| &path[*start..])),
            Plain::Literal(_) | Plain::No => None,
        };
        if let Some(arg) = plain_arg {
            let Some(arg) = arg else {
                return Ok(None);
            };
            return Ok(Some(PathArgs {
                positional: vec![Some(decode_path_arg(arg, None, 0)?)],
                ..PathArgs::default()
            }));
        }
        let Some(captures) = self.regex.captures(path) else {
            return Ok(None);
        };
        let mut args = PathArgs::default();
        match &self.groups {
            Groups::None => {}
            Groups::Positional => {
                for (index, group) in captures.iter().skip(1).enumerate() {
                    let value = group
                        .map(|m| decode_path_arg(m.as_str(), None, index))
                        .transpose()?;
                    args.positional.push(value);
                }
            }
            Groups::Named(names) => {
                for (index, name) in names.iter().enumerate() {
                    let value = captures
                        .name(name)
                        .map(|m| decode_path_arg(m.as_str(), Some(name), index))
                        .transpose()?;
                    args.named.insert(name.clone(), value);
                }
            }
        }
        Ok(Some(args))
    }

    /// Whether [`reverse`](Self::reverse) can rebuild a path from this pattern.
    ///
    /// ```
    /// use tornado::web::routing::url;
    /// assert!(url(r"/(\d+)", ()).build()?.is_reversible());
    /// assert!(!url(r"/((a)b)", ()).build()?.is_reversible());
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn is_reversible(&self) -> bool {
        self.reverse.is_some()
    }

    /// Rebuilds a path: each group is replaced by the next argument, percent-encoded as UTF-8
    /// with `/` and `A-Z a-z 0-9 _ . - ~` kept (Tornado's `url_escape(arg, plus=False)`), and
    /// backslash escapes outside the groups are undone (`\.` → `.`).
    ///
    /// # Errors
    ///
    /// [`RouteError::NotReversible`] for patterns with nested groups, non-capturing groups,
    /// flags or escapes such as `\d` outside a group; [`RouteError::ArgumentCount`] when the
    /// number of arguments differs from the number of groups.
    ///
    /// # Examples
    ///
    /// ```
    /// use tornado::web::routing::url;
    ///
    /// let files = url(r"/files/(.*)", ()).build()?;
    /// assert_eq!(files.reverse(&["a b/ü"])?, "/files/a%20b/%C3%BC");
    /// assert!(files.reverse(&[]).is_err());
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn reverse(&self, args: &[&str]) -> Result<String, RouteError> {
        reverse::reverse(&self.pattern, self.reverse.as_ref(), args)
    }
}

impl<T: Clone> Clone for UrlSpec<T> {
    fn clone(&self) -> Self {
        UrlSpec {
            pattern: self.pattern.clone(),
            plain: self.plain.clone(),
            regex: self.regex.clone(),
            groups: self.groups.clone(),
            reverse: self.reverse.clone(),
            name: self.name.clone(),
            target: self.target.clone(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for UrlSpec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UrlSpec")
            .field("pattern", &self.pattern)
            .field("name", &self.name)
            .field("target", &self.target)
            .finish()
    }
}

/// Percent-decodes one captured group (`+` kept) and checks it is UTF-8.
/// A pattern that needs no regex to match.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plain {
    /// No regex syntax at all (`/`, `/about`): the path itself.
    Literal(String),
    /// Plain text with one unnamed group around plain text (`/(robots\.txt)`): the path, and
    /// where in it the argument starts.
    LiteralGroup(String, usize),
    /// A plain prefix then one unnamed `(.*)` group to the end (`/static/(.*)`): the prefix,
    /// and the rest of the path as the argument.
    PrefixRest(String),
    /// Run the regex.
    No,
}

impl Plain {
    fn of(pattern: &str, groups: &Groups) -> Plain {
        let body = pattern.strip_suffix('$').unwrap_or(pattern);
        match groups {
            Groups::None => unescape_plain(body).map_or(Plain::No, Plain::Literal),
            Groups::Positional => {
                if let Some(prefix) = body.strip_suffix("(.*)").and_then(unescape_plain) {
                    return Plain::PrefixRest(prefix);
                }
                let Some((prefix, inner)) = body.strip_suffix(')').and_then(|b| b.split_once('('))
                else {
                    return Plain::No;
                };
                match (unescape_plain(prefix), unescape_plain(inner)) {
                    (Some(prefix), Some(inner)) => {
                        Plain::LiteralGroup(format!("{prefix}{inner}"), prefix.len())
                    }
                    _ => Plain::No,
                }
            }
            Groups::Named(_) => Plain::No,
        }
    }
}

/// The text `pattern` matches when it is plain: no regex syntax apart from backslash escapes
/// of punctuation (`\.` is a dot); `None` otherwise.
fn unescape_plain(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e) if e.is_ascii_punctuation() => out.push(e),
                _ => return None,
            },
            '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' => {
                return None
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// What `(.*)` matches after `prefix` in `path`: the rest, unless it holds a line feed (which
/// `.` does not match).
fn plain_rest<'p>(prefix: &str, path: &'p str) -> Option<&'p str> {
    path.strip_prefix(prefix)
        .filter(|rest| !rest.contains('\n'))
}

fn decode_path_arg(raw: &str, name: Option<&str>, index: usize) -> Result<String, PathArgError> {
    // One allocation of the right size (the decoded text is borrowed when nothing is escaped).
    match percent_decode_str(raw).decode_utf8() {
        Ok(text) => Ok(text.into_owned()),
        Err(_) => Err(PathArgError {
            group: name.map(str::to_owned),
            index,
            value: percent_decode_str(raw).collect(),
        }),
    }
}

/// Starts a [`UrlSpec`] for a leaf target; finish it with [`UrlSpecBuilder::build`].
/// Tornado's `url(pattern, handler, name=…)`.
///
/// # Examples
///
/// ```
/// use tornado::web::routing::url;
///
/// let spec = url(r"/story/([0-9]+)", "StoryHandler").name("story").build()?;
/// assert_eq!(spec.target().leaf(), Some(&"StoryHandler"));
/// # Ok::<(), tornado::web::routing::RouteError>(())
/// ```
pub fn url<T>(pattern: &str, target: T) -> UrlSpecBuilder<T> {
    UrlSpecBuilder::new(pattern, Target::Leaf(target))
}

/// Starts a [`UrlSpec`] whose target is another router, asked with the same request when
/// `pattern` matches (the nested router sees the full path, and the outer rule's groups are
/// not passed on, as in Tornado).
///
/// # Examples
///
/// ```
/// use tornado::web::routing::{nest, url, RuleRouter};
///
/// let api = RuleRouter::from_rules([url(r"/api/users/(\d+)", "user").build()?]);
/// let root = RuleRouter::from_rules([nest("/api/.*", api).build()?]);
/// let found = root.find("/api/users/3")?.expect("matches");
/// assert_eq!(*found.target, "user");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn nest<T, R>(pattern: &str, router: R) -> UrlSpecBuilder<T>
where
    R: Router<T> + 'static,
{
    UrlSpecBuilder::new(pattern, Target::Nested(Arc::new(router)))
}

/// Collects a rule's parts; made by [`url`] and [`nest`].
///
/// ```
/// use tornado::web::routing::{Target, UrlSpecBuilder};
///
/// let spec = UrlSpecBuilder::new("/", Target::Leaf(())).name("home").build()?;
/// assert_eq!(spec.name(), Some("home"));
/// # Ok::<(), tornado::web::routing::RouteError>(())
/// ```
#[must_use = "call .build() to get a UrlSpec"]
pub struct UrlSpecBuilder<T> {
    pattern: String,
    target: Target<T>,
    name: Option<String>,
}

impl<T> UrlSpecBuilder<T> {
    /// A builder for `pattern` leading to `target`, without a name.
    ///
    /// ```
    /// use tornado::web::routing::{Target, UrlSpecBuilder};
    /// assert!(UrlSpecBuilder::new("/x", Target::Leaf(1)).build().is_ok());
    /// ```
    pub fn new(pattern: &str, target: Target<T>) -> Self {
        UrlSpecBuilder {
            pattern: pattern.to_owned(),
            target,
            name: None,
        }
    }

    /// Names the rule, for `reverse_url`. Default: no name.
    ///
    /// ```
    /// use tornado::web::routing::url;
    /// assert_eq!(url("/x", ()).name("x").build()?.name(), Some("x"));
    /// # Ok::<(), tornado::web::routing::RouteError>(())
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Compiles the rule; see [`UrlSpec::new`] for the errors.
    ///
    /// ```
    /// use tornado::web::routing::url;
    /// assert!(url("/unclosed/(", ()).build().is_err());
    /// ```
    pub fn build(self) -> Result<UrlSpec<T>, RouteError> {
        UrlSpec::new(&self.pattern, self.target, self.name.as_deref())
    }
}

impl<T: fmt::Debug> fmt::Debug for UrlSpecBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UrlSpecBuilder")
            .field("pattern", &self.pattern)
            .field("name", &self.name)
            .field("target", &self.target)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(pattern: &str) -> UrlSpec<()> {
        match url(pattern, ()).build() {
            Ok(spec) => spec,
            Err(err) => panic!("{pattern}: {err}"),
        }
    }

    #[test]
    fn plain_patterns_match_as_their_regex_does() {
        let paths = [
            "/static/a.css",
            "/static/",
            "/static",
            "/static/a/b%20c+d",
            "/static/line\nfeed",
            "/static/%FF",
            "/x/static/a",
            "/about",
            "/about/",
            "",
            "/robots.txt",
            "/robotsXtxt",
            "/a.b/x",
            "/a.b/",
        ];
        for pattern in [
            r"/static/(.*)",
            r"/static/(.*)$",
            "/about",
            "/about$",
            r"/(.*)",
            r"/(robots\.txt)",
            r"/a\.b/(.*)",
            r"/(about)$",
        ] {
            let fast = spec(pattern);
            assert!(fast.is_literal(), "{pattern} is matched without its regex");
            let mut slow = spec(pattern);
            slow.plain = Plain::No;
            for path in paths {
                assert_eq!(
                    fast.is_match(path),
                    slow.is_match(path),
                    "{pattern} on {path:?}"
                );
                assert_eq!(
                    fast.match_path(path),
                    slow.match_path(path),
                    "{pattern} on {path:?}"
                );
            }
        }
        for pattern in [
            r"/s/(.+)",
            r"/s\d/(.*)",
            r"/s/(.*)/x",
            r"/(?P<p>.*)",
            r"/(.*)(.*)",
            r"/(robots.txt)",
            r"/(a|b)",
        ] {
            assert!(!spec(pattern).is_literal(), "{pattern} needs its regex");
        }
    }

    #[test]
    fn top_level_alternation_is_anchored_as_a_whole() {
        let s = spec("/a|/b");
        assert!(s.is_match("/a") && s.is_match("/b"));
        assert!(!s.is_match("/ab") && !s.is_match("/bx"));
    }

    #[test]
    fn malformed_escapes_stay_as_written() {
        let args = spec("/(.*)").match_path("/%zz%4").ok().flatten();
        assert_eq!(
            args.map(|a| a.positional),
            Some(vec![Some("%zz%4".to_owned())])
        );
    }

    #[test]
    fn invalid_utf8_error_names_the_group() {
        let err = spec(r"/(?P<slug>.*)").match_path("/%C3%28").unwrap_err();
        assert_eq!(err.group_name(), Some("slug"));
        assert_eq!(err.value(), b"\xc3(");
        assert_eq!(err.to_string(), r#"Invalid unicode in slug: b"\xc3(""#);
    }

    #[test]
    fn no_groups_gives_empty_args() {
        let args = spec("/plain").match_path("/plain").ok().flatten();
        assert_eq!(args, Some(PathArgs::default()));
    }
}
