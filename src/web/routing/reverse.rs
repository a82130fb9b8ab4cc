//! Turning a URL pattern back into a path: Tornado's `_find_groups` and `URLSpec.reverse`.
//!
//! A pattern is reversible when every `(` in it opens a capturing group, no group is nested in
//! another, and the text between groups is literal apart from backslash escapes of
//! non-alphanumeric characters (`\.` → `.`). The text outside the groups is copied as written,
//! as Tornado does, so `/favicon.ico` reverses to itself and `/(\d+)/?` to `/5/?`.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::RouteError;

/// Bytes that `url_escape(value, plus=False)` (Python's `urllib.parse.quote` with `safe='/'`)
/// leaves alone: ASCII letters, digits, `_ . - ~` and `/`.
const PATH_ARG: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes one argument of `reverse_url` the way Tornado's `url_escape(arg, plus=False)`
/// does: UTF-8, upper-case hex, space as `%20`, `/` kept.
pub(crate) fn escape_path_arg(arg: &str) -> String {
    utf8_percent_encode(arg, PATH_ARG).to_string()
}

/// One piece of a reverse template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Text copied as is.
    Literal(String),
    /// Where the next argument goes.
    Slot,
}

/// A pattern turned into literal text with one slot for each capturing group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReverseTemplate {
    pieces: Vec<Piece>,
    slots: usize,
}

impl ReverseTemplate {
    /// Builds the template for `pattern` (as written by the user, before anchoring), whose
    /// compiled form has `groups` capturing groups. `None` when the pattern cannot be reversed.
    pub(crate) fn parse(pattern: &str, groups: usize) -> Option<ReverseTemplate> {
        let pattern = pattern.strip_prefix('^').unwrap_or(pattern);
        let pattern = strip_end_anchor(pattern);
        // Tornado's first test: every `(` must be a capturing group. This rules out `(?:…)`,
        // `(?i)`, `\(` and `[(]` in one go.
        if pattern.matches('(').count() != groups {
            return None;
        }
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    // `re_unescape`: `\.` is a dot, `\d` cannot be turned back into text.
                    let escaped = chars.next()?;
                    if escaped.is_ascii_alphanumeric() {
                        return None;
                    }
                    literal.push(escaped);
                }
                '(' => {
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Slot);
                    skip_group(&mut chars)?;
                }
                ')' => return None,
                other => literal.push(other),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        let slots = pieces.iter().filter(|p| **p == Piece::Slot).count();
        Some(ReverseTemplate { pieces, slots })
    }

    /// How many arguments [`fill`](Self::fill) wants.
    pub(crate) fn slots(&self) -> usize {
        self.slots
    }

    /// Puts the escaped `args` into the slots. The caller checks the count first.
    pub(crate) fn fill(&self, args: &[&str]) -> String {
        let mut out = String::new();
        let mut args = args.iter();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Slot => {
                    if let Some(arg) = args.next() {
                        out.push_str(&escape_path_arg(arg));
                    }
                }
            }
        }
        out
    }
}

/// Drops a trailing `$` unless it is escaped (`\$` is a literal dollar sign).
fn strip_end_anchor(pattern: &str) -> &str {
    match pattern.strip_suffix('$') {
        Some(rest) => {
            let backslashes = rest.bytes().rev().take_while(|b| *b == b'\\').count();
            if backslashes % 2 == 0 {
                rest
            } else {
                pattern
            }
        }
        None => pattern,
    }
}

/// Consumes the body of a group up to and including its `)`. Fails on a nested group (Tornado
/// builds a broken format string for those and errors when reversing) or a missing `)`.
fn skip_group(chars: &mut std::str::Chars<'_>) -> Option<()> {
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next()?;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => return None,
            ')' if !in_class => return Some(()),
            _ => {}
        }
    }
    None
}

/// Checks the argument count and fills the template, or explains why not.
pub(crate) fn reverse(
    pattern: &str,
    template: Option<&ReverseTemplate>,
    args: &[&str],
) -> Result<String, RouteError> {
    let template = template.ok_or_else(|| RouteError::NotReversible {
        pattern: pattern.to_owned(),
    })?;
    if args.len() != template.slots() {
        return Err(RouteError::ArgumentCount {
            pattern: pattern.to_owned(),
            expected: template.slots(),
            given: args.len(),
        });
    }
    Ok(template.fill(args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(pattern: &str) -> Option<ReverseTemplate> {
        let groups = regex::Regex::new(pattern).map(|r| r.captures_len() - 1);
        ReverseTemplate::parse(pattern, groups.unwrap_or(usize::MAX))
    }

    #[test]
    fn literal_pattern_reverses_to_itself_without_anchors() {
        let t = template("^/about$").map(|t| t.fill(&[]));
        assert_eq!(t.as_deref(), Some("/about"));
    }

    #[test]
    fn escaped_dollar_at_the_end_is_kept() {
        let t = template(r"/price\$").map(|t| t.fill(&[]));
        assert_eq!(t.as_deref(), Some("/price$"));
    }

    #[test]
    fn groups_become_slots_and_escapes_are_undone() {
        let t = template(r"/a\.b/(\d+)\-x/([^/]+)");
        assert_eq!(t.as_ref().map(ReverseTemplate::slots), Some(2));
        assert_eq!(
            t.map(|t| t.fill(&["7", "y z"])).as_deref(),
            Some("/a.b/7-x/y%20z")
        );
    }

    #[test]
    fn parenthesis_in_a_class_inside_a_group_is_skipped() {
        let t = template(r"/x/([)a]+)/y").map(|t| t.fill(&["a"]));
        assert_eq!(t.as_deref(), Some("/x/a/y"));
    }

    #[test]
    fn unreversible_shapes() {
        for pattern in [
            r"/n/((a)b)",
            r"/nc/(?:x)(\d+)",
            r"/bad\d/(\d+)",
            r"(?i)/case",
            r"/lit\(/(\d+)",
        ] {
            assert_eq!(template(pattern), None, "{pattern}");
        }
    }

    #[test]
    fn escape_keeps_unreserved_and_slash() {
        assert_eq!(escape_path_arg("~_.-/aZ9"), "~_.-/aZ9");
        assert_eq!(escape_path_arg("a+b c%"), "a%2Bb%20c%25");
        assert_eq!(escape_path_arg("é"), "%C3%A9");
    }
}
