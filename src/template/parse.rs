//! The template lexer/parser: source text → a tree of [`Node`]s.

use std::sync::Arc;

use super::error::ParseError;
use super::expr::{parse_expression, BinOp, Expr, Names, Parser, Target};
use super::limits::MAX_NESTING;
use super::Whitespace;

/// One compiled piece of a template.
#[derive(Debug)]
pub(crate) enum Node {
    /// Literal text, already whitespace-filtered.
    Text(Box<str>),
    /// `{{ e }}`, `{% raw e %}` (raw), `{% module e %}` (raw).
    Expr {
        expr: Expr,
        raw: bool,
        line: usize,
    },
    If {
        branches: Vec<(Expr, Vec<Node>)>,
        orelse: Option<Vec<Node>>,
        line: usize,
    },
    For {
        target: Target,
        iter: Expr,
        body: Vec<Node>,
        orelse: Option<Vec<Node>>,
        line: usize,
    },
    While {
        cond: Expr,
        body: Vec<Node>,
        orelse: Option<Vec<Node>>,
        line: usize,
    },
    Try {
        body: Vec<Node>,
        handler: Option<(Option<u32>, Vec<Node>)>,
        orelse: Option<Vec<Node>>,
        finally: Option<Vec<Node>>,
        line: usize,
    },
    Set {
        target: Target,
        op: Option<BinOp>,
        value: Expr,
        line: usize,
    },
    /// `{% set f(x) %}`: an expression evaluated for its effect.
    Statement {
        expr: Expr,
        line: usize,
    },
    Break,
    Continue,
    /// `{% block %}`: an index into the template's block table.
    Block {
        id: usize,
    },
    /// `{% include %}`: an index into the template's include table.
    Include {
        id: usize,
        line: usize,
    },
    Apply {
        func: Expr,
        body: Vec<Node>,
        line: usize,
    },
}

/// A named block defined in a template.
#[derive(Debug)]
pub(crate) struct BlockDef {
    pub(crate) name: Arc<str>,
    pub(crate) body: Vec<Node>,
}

/// Everything the parser learns from one template source.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) body: Vec<Node>,
    pub(crate) blocks: Vec<BlockDef>,
    pub(crate) names: Names,
    /// `(name as written, line)` per `{% include %}`.
    pub(crate) includes: Vec<(String, usize)>,
    /// Top-level `{% extends %}` names with their lines.
    pub(crate) extends: Vec<(String, usize)>,
    /// The last `{% autoescape %}` directive: `Some(None)` for `None`.
    pub(crate) autoescape: Option<Option<String>>,
}

/// Tornado's `filter_whitespace`.
pub(crate) fn filter_whitespace(mode: Whitespace, text: &str) -> String {
    fn is_space(c: char) -> bool {
        c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
    }
    match mode {
        Whitespace::All => text.to_string(),
        Whitespace::Oneline => crate::escape::collapse_runs(text, is_space, " "),
        Whitespace::Single => {
            // Pass 1: runs of spaces and tabs → one space.
            let pass1 = crate::escape::collapse_runs(text, |c| c == ' ' || c == '\t', " ");
            // Pass 2: a whitespace run holding a newline → one newline.
            let mut out = String::with_capacity(pass1.len());
            let mut run = String::new();
            let flush = |run: &mut String, out: &mut String| {
                if run.contains('\n') {
                    out.push('\n');
                } else {
                    out.push_str(run);
                }
                run.clear();
            };
            for c in pass1.chars() {
                if is_space(c) {
                    run.push(c);
                } else {
                    flush(&mut run, &mut out);
                    out.push(c);
                }
            }
            flush(&mut run, &mut out);
            out
        }
    }
}

struct Reader<'s> {
    name: &'s str,
    text: &'s str,
    pos: usize,
    line: usize,
    whitespace: Whitespace,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn consume(&mut self, n: usize) -> &str {
        let s = &self.text[self.pos..self.pos + n];
        self.line += s.bytes().filter(|b| *b == b'\n').count();
        self.pos += n;
        s
    }

    fn error(&self, msg: impl Into<String>) -> ParseError {
        ParseError::new(msg, self.name, self.line)
    }
}

/// A body plus the intermediate sections (`elif`, `else`, …) that split it.
struct Sections {
    first: Vec<Node>,
    rest: Vec<(String, String, usize, Vec<Node>)>,
}

struct ParseState<'s> {
    r: Reader<'s>,
    names: Names,
    blocks: Vec<BlockDef>,
    includes: Vec<(String, usize)>,
    extends: Vec<(String, usize)>,
    autoescape: Option<Option<String>>,
}

fn intermediate_parents(op: &str) -> Option<&'static [&'static str]> {
    match op {
        // Tornado prints these Python sets in hash order; they are written sorted here.
        "else" => Some(&["for", "if", "try", "while"]),
        "elif" => Some(&["if"]),
        "except" | "finally" => Some(&["try"]),
        _ => None,
    }
}

fn py_set(items: &[&str]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    format!("{{{}}}", inner.join(", "))
}

fn strip_quotes(s: &str) -> &str {
    s.trim_matches('"').trim_matches('\'')
}

fn push_text(body: &mut Vec<Node>, text: &str, mode: Whitespace) {
    let value = if text.contains("<pre>") {
        text.to_string()
    } else {
        filter_whitespace(mode, text)
    };
    if value.is_empty() {
        return;
    }
    if let Some(Node::Text(prev)) = body.last_mut() {
        let mut merged = String::with_capacity(prev.len() + value.len());
        merged.push_str(prev);
        merged.push_str(&value);
        *prev = merged.into_boxed_str();
    } else {
        body.push(Node::Text(value.into_boxed_str()));
    }
}

impl ParseState<'_> {
    fn expr(&mut self, src: &str, line: usize) -> Result<Expr, ParseError> {
        parse_expression(src, &mut self.names).map_err(|m| {
            ParseError::new(
                format!("invalid expression {src:?}: {m}"),
                self.r.name,
                line,
            )
        })
    }

    /// Tornado's `_parse`: reads until EOF (top level) or the `{% end %}` of `in_block`.
    fn parse(
        &mut self,
        in_block: Option<&str>,
        in_loop: bool,
        depth: usize,
        top: bool,
    ) -> Result<Sections, ParseError> {
        if depth > MAX_NESTING {
            return Err(self
                .r
                .error(format!("blocks nested more than {MAX_NESTING} levels deep")));
        }
        let mut sections = Sections {
            first: Vec::new(),
            rest: Vec::new(),
        };
        loop {
            let body = match sections.rest.last_mut() {
                Some(s) => &mut s.3,
                None => &mut sections.first,
            };
            // Find the next directive.
            let rest = self.r.rest();
            let bytes = rest.as_bytes();
            let mut curly = 0;
            let found = loop {
                match rest[curly..].find('{') {
                    None => break None,
                    Some(off) => {
                        curly += off;
                        if curly + 1 >= bytes.len() {
                            break None;
                        }
                        let next = bytes[curly + 1];
                        if !matches!(next, b'{' | b'%' | b'#') {
                            curly += 1;
                            continue;
                        }
                        // With three or more braces in a row, the innermost pair is the tag.
                        if curly + 2 < bytes.len() && next == b'{' && bytes[curly + 2] == b'{' {
                            curly += 1;
                            continue;
                        }
                        break Some(curly);
                    }
                }
            };
            let Some(curly) = found else {
                if let Some(op) = in_block {
                    // Tornado reports the line where the unclosed body's last directive ended.
                    return Err(self.r.error(format!("Missing {{% end %}} block for {op}")));
                }
                let all = self.r.rest().len();
                let mode = self.r.whitespace;
                let text = self.r.consume(all).to_string();
                push_text(body, &text, mode);
                return Ok(sections);
            };
            if curly > 0 {
                let mode = self.r.whitespace;
                let text = self.r.consume(curly).to_string();
                push_text(body, &text, mode);
            }
            let start = self.r.consume(2).to_string();
            let line = self.r.line;
            if self.r.rest().starts_with('!') {
                self.r.consume(1);
                body.push(Node::Text(start.into_boxed_str()));
                continue;
            }
            let close = match start.as_str() {
                "{#" => "#}",
                "{{" => "}}",
                _ => "%}",
            };
            let Some(end) = self.r.rest().find(close) else {
                return Err(self.r.error(match close {
                    "#}" => "Missing end comment #}",
                    "}}" => "Missing end expression }}",
                    _ => "Missing end block %}",
                }));
            };
            let contents = self.r.consume(end).trim().to_string();
            self.r.consume(2);
            match close {
                "#}" => continue,
                "}}" => {
                    if contents.is_empty() {
                        return Err(self.r.error("Empty expression"));
                    }
                    let expr = self.expr(&contents, line)?;
                    body.push(Node::Expr {
                        expr,
                        raw: false,
                        line,
                    });
                    continue;
                }
                _ => {}
            }
            if contents.is_empty() {
                return Err(self.r.error("Empty block tag ({% %})"));
            }
            let (operator, suffix) = match contents.find(' ') {
                Some(i) => (&contents[..i], contents[i + 1..].trim()),
                None => (contents.as_str(), ""),
            };
            let (operator, suffix) = (operator.to_string(), suffix.to_string());

            if let Some(parents) = intermediate_parents(&operator) {
                let Some(blk) = in_block else {
                    return Err(self
                        .r
                        .error(format!("{operator} outside {} block", py_set(parents))));
                };
                if !parents.contains(&blk) {
                    return Err(self.r.error(format!(
                        "{operator} block cannot be attached to {blk} block"
                    )));
                }
                sections.rest.push((operator, suffix, line, Vec::new()));
                continue;
            }
            match operator.as_str() {
                "end" => {
                    if in_block.is_none() {
                        return Err(self.r.error("Extra {% end %} block"));
                    }
                    return Ok(sections);
                }
                "comment" => {}
                "extends" => {
                    let name = strip_quotes(&suffix);
                    if name.is_empty() {
                        return Err(self.r.error("extends missing file path"));
                    }
                    if !top || depth > 0 {
                        return Err(ParseError::new(
                            "{% extends %} must be at the top level of the template",
                            self.r.name,
                            line,
                        ));
                    }
                    self.extends.push((name.to_string(), line));
                }
                "import" | "from" => {
                    if suffix.is_empty() {
                        return Err(self.r.error("import missing statement"));
                    }
                    return Err(ParseError::new(
                        format!(
                            "{{% {operator} %}} is not supported: templates cannot import Python modules; \
                             register functions in the template namespace instead"
                        ),
                        self.r.name,
                        line,
                    ));
                }
                "include" => {
                    let name = strip_quotes(&suffix);
                    if name.is_empty() {
                        return Err(self.r.error("include missing file path"));
                    }
                    let id = self.includes.len();
                    self.includes.push((name.to_string(), line));
                    body.push(Node::Include { id, line });
                }
                "set" => {
                    if suffix.is_empty() {
                        return Err(self.r.error("set missing statement"));
                    }
                    let node = self.parse_set(&suffix, line)?;
                    body.push(node);
                }
                "autoescape" => {
                    let f = suffix.trim();
                    self.autoescape = Some(if f == "None" || f.is_empty() {
                        None
                    } else {
                        Some(f.to_string())
                    });
                }
                "whitespace" => {
                    let mode = suffix.trim();
                    self.r.whitespace = mode.parse().map_err(|_| {
                        ParseError::new(
                            format!("invalid whitespace mode {mode}"),
                            self.r.name,
                            line,
                        )
                    })?;
                }
                "raw" => {
                    if suffix.is_empty() {
                        return Err(self.r.error("raw missing expression"));
                    }
                    let expr = self.expr(&suffix, line)?;
                    body.push(Node::Expr {
                        expr,
                        raw: true,
                        line,
                    });
                }
                "module" => {
                    if suffix.is_empty() {
                        return Err(self.r.error("module missing expression"));
                    }
                    let expr = self.expr(&format!("_tt_modules.{suffix}"), line)?;
                    body.push(Node::Expr {
                        expr,
                        raw: true,
                        line,
                    });
                }
                "apply" | "block" | "try" | "if" | "for" | "while" => {
                    let node = self.parse_compound(&operator, &suffix, line, in_loop, depth)?;
                    body.push(node);
                }
                "break" | "continue" => {
                    if !in_loop {
                        return Err(self.r.error(format!(
                            "{operator} outside {} block",
                            py_set(&["for", "while"])
                        )));
                    }
                    if !suffix.is_empty() {
                        return Err(ParseError::new(
                            format!("{operator} takes no arguments"),
                            self.r.name,
                            line,
                        ));
                    }
                    body.push(if operator == "break" {
                        Node::Break
                    } else {
                        Node::Continue
                    });
                }
                _ => {
                    let shown = super::value::Value::from(operator.as_str()).to_py_repr();
                    return Err(self.r.error(format!("unknown operator: {shown}")));
                }
            }
        }
    }

    fn parse_set(&mut self, suffix: &str, line: usize) -> Result<Node, ParseError> {
        let err = |m: String, name: &str| {
            ParseError::new(format!("invalid set statement {suffix:?}: {m}"), name, line)
        };
        // An assignment first; failing that, an expression evaluated for its effect.
        let attempt = (|| {
            let mut p = Parser::new(suffix, &mut self.names)?;
            let target = p.parse_target_list()?;
            let op = p.parse_assign_op()?;
            let value = p.parse_expr_list()?;
            p.expect_end()?;
            Ok::<_, String>(Node::Set {
                target,
                op,
                value,
                line,
            })
        })();
        match attempt {
            Ok(node) => Ok(node),
            Err(first) => match parse_expression(suffix, &mut self.names) {
                Ok(expr) if !suffix.contains('=') || suffix.contains("==") => {
                    Ok(Node::Statement { expr, line })
                }
                _ => Err(err(first, self.r.name)),
            },
        }
    }

    fn parse_compound(
        &mut self,
        op: &str,
        suffix: &str,
        line: usize,
        in_loop: bool,
        depth: usize,
    ) -> Result<Node, ParseError> {
        let body_in_loop = match op {
            "for" | "while" => true,
            // apply makes a nested function, so loops outside do not reach inside.
            "apply" => false,
            _ => in_loop,
        };
        // Validate the header before the body so errors point at the directive.
        let name = self.r.name;
        let header_err = |m: String| ParseError::new(m, name, line);
        let sections = self.parse(Some(op), body_in_loop, depth + 1, false)?;
        let Sections { first, rest } = sections;
        let end_line = self.r.line;
        let bad_order =
            |what: &str| ParseError::new(format!("{what} in {op} block"), name, end_line);
        match op {
            "apply" => {
                if suffix.is_empty() {
                    return Err(self.r.error("apply missing method name"));
                }
                let func = self.expr(suffix, line)?;
                Ok(Node::Apply {
                    func,
                    body: first,
                    line,
                })
            }
            "block" => {
                if suffix.is_empty() {
                    return Err(self.r.error("block missing name"));
                }
                let id = self.blocks.len();
                self.blocks.push(BlockDef {
                    name: Arc::from(suffix),
                    body: first,
                });
                Ok(Node::Block { id })
            }
            "if" => {
                if suffix.is_empty() {
                    return Err(header_err("if missing expression".into()));
                }
                let mut branches = vec![(self.expr(suffix, line)?, first)];
                let mut orelse = None;
                for (kind, cond, l, nodes) in rest {
                    if orelse.is_some() {
                        return Err(bad_order(&format!("'{kind}' after 'else'")));
                    }
                    if kind == "elif" {
                        if cond.is_empty() {
                            return Err(ParseError::new("elif missing expression", name, l));
                        }
                        branches.push((self.expr(&cond, l)?, nodes));
                    } else {
                        if !cond.is_empty() {
                            return Err(ParseError::new(
                                format!("else takes no expression (found {cond:?})"),
                                name,
                                l,
                            ));
                        }
                        orelse = Some(nodes);
                    }
                }
                Ok(Node::If {
                    branches,
                    orelse,
                    line,
                })
            }
            "for" | "while" => {
                let mut orelse = None;
                for (kind, cond, l, nodes) in rest {
                    if orelse.is_some() {
                        return Err(bad_order("more than one 'else'"));
                    }
                    if !cond.is_empty() {
                        return Err(ParseError::new(
                            format!("{kind} takes no expression (found {cond:?})"),
                            name,
                            l,
                        ));
                    }
                    orelse = Some(nodes);
                }
                if op == "while" {
                    if suffix.is_empty() {
                        return Err(header_err("while missing expression".into()));
                    }
                    let cond = self.expr(suffix, line)?;
                    return Ok(Node::While {
                        cond,
                        body: first,
                        orelse,
                        line,
                    });
                }
                let (target, iter) = (|| {
                    let mut p = Parser::new(suffix, &mut self.names)?;
                    let target = p.parse_target_list()?;
                    p.expect_kw("in")?;
                    let iter = p.parse_expr_list()?;
                    p.expect_end()?;
                    Ok::<_, String>((target, iter))
                })()
                .map_err(|m| header_err(format!("invalid for statement {suffix:?}: {m}")))?;
                Ok(Node::For {
                    target,
                    iter,
                    body: first,
                    orelse,
                    line,
                })
            }
            "try" => {
                if !suffix.is_empty() {
                    return Err(header_err(format!(
                        "try takes no expression (found {suffix:?})"
                    )));
                }
                let mut handler = None;
                let mut orelse = None;
                let mut finally = None;
                for (kind, clause, l, nodes) in rest {
                    if finally.is_some() {
                        return Err(bad_order(&format!("'{kind}' after 'finally'")));
                    }
                    match kind.as_str() {
                        "except" => {
                            if orelse.is_some() {
                                return Err(bad_order("'except' after 'else'"));
                            }
                            let var = {
                                let mut p = Parser::new(&clause, &mut self.names).map_err(|m| {
                                    ParseError::new(format!("invalid except clause: {m}"), name, l)
                                })?;
                                let v = p.parse_except_clause().map_err(|m| {
                                    ParseError::new(format!("invalid except clause: {m}"), name, l)
                                })?;
                                p.expect_end().map_err(|m| {
                                    ParseError::new(format!("invalid except clause: {m}"), name, l)
                                })?;
                                v
                            };
                            // Every error matches the first handler; later ones are unreachable.
                            if handler.is_none() {
                                handler = Some((var, nodes));
                            }
                        }
                        "else" => {
                            if handler.is_none() {
                                return Err(bad_order("'else' without 'except'"));
                            }
                            if orelse.is_some() {
                                return Err(bad_order("more than one 'else'"));
                            }
                            orelse = Some(nodes);
                        }
                        _ => finally = Some(nodes),
                    }
                }
                if handler.is_none() && finally.is_none() {
                    return Err(ParseError::new(
                        "try block needs an except or finally",
                        name,
                        end_line,
                    ));
                }
                Ok(Node::Try {
                    body: first,
                    handler,
                    orelse,
                    finally,
                    line,
                })
            }
            _ => Err(header_err(format!("unknown operator: '{op}'"))),
        }
    }
}

/// Parses a template source.
pub(crate) fn parse_template(
    name: &str,
    text: &str,
    whitespace: Whitespace,
) -> Result<Parsed, ParseError> {
    let mut st = ParseState {
        r: Reader {
            name,
            text,
            pos: 0,
            line: 1,
            whitespace,
        },
        names: Names::default(),
        blocks: Vec::new(),
        includes: Vec::new(),
        extends: Vec::new(),
        autoescape: None,
    };
    let sections = st.parse(None, false, 0, true)?;
    Ok(Parsed {
        body: sections.first,
        blocks: st.blocks,
        names: st.names,
        includes: st.includes,
        extends: st.extends,
        autoescape: st.autoescape,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perr(src: &str) -> String {
        match parse_template("t.html", src, Whitespace::All) {
            Ok(_) => "ok".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn tornado_messages() {
        assert_eq!(
            perr("{% if x %}"),
            "Missing {% end %} block for if at t.html:1"
        );
        assert_eq!(perr("a\n{% end %}"), "Extra {% end %} block at t.html:2");
        assert_eq!(perr("{% foo %}"), "unknown operator: 'foo' at t.html:1");
        assert_eq!(
            perr("{% break %}"),
            "break outside {'for', 'while'} block at t.html:1"
        );
        assert_eq!(
            perr("{% continue %}"),
            "continue outside {'for', 'while'} block at t.html:1"
        );
        assert_eq!(
            perr("{% else %}"),
            "else outside {'for', 'if', 'try', 'while'} block at t.html:1"
        );
        assert_eq!(
            perr("{% elif x %}"),
            "elif outside {'if'} block at t.html:1"
        );
        assert_eq!(
            perr("{% for x in y %}{% elif %}{% end %}"),
            "elif block cannot be attached to for block at t.html:1"
        );
        assert_eq!(perr("{{ x"), "Missing end expression }} at t.html:1");
        assert_eq!(perr("{% x"), "Missing end block %} at t.html:1");
        assert_eq!(perr("{# x"), "Missing end comment #} at t.html:1");
        assert_eq!(perr("{{ }}"), "Empty expression at t.html:1");
        assert_eq!(perr("{% %}"), "Empty block tag ({% %}) at t.html:1");
        assert_eq!(
            perr("{% extends %}"),
            "extends missing file path at t.html:1"
        );
        assert_eq!(
            perr("{% include '' %}"),
            "include missing file path at t.html:1"
        );
        assert_eq!(perr("{% set %}"), "set missing statement at t.html:1");
        assert_eq!(
            perr("{% apply %}{% end %}"),
            "apply missing method name at t.html:1"
        );
        assert_eq!(
            perr("{% block %}{% end %}"),
            "block missing name at t.html:1"
        );
        assert_eq!(
            perr("{% whitespace bogus %}"),
            "invalid whitespace mode bogus at t.html:1"
        );
        assert!(perr("{% import os %}").starts_with("{% import %} is not supported"));
        assert!(perr("{% from os import path %}").starts_with("{% from %} is not supported"));
        assert_eq!(
            perr("{% for x in y %}{% apply f %}{% break %}{% end %}{% end %}"),
            "break outside {'for', 'while'} block at t.html:1"
        );
    }

    #[test]
    fn whitespace_filters() {
        assert_eq!(
            filter_whitespace(Whitespace::Single, "a  \t b\n\n  c \r\n d"),
            "a b\nc\nd"
        );
        assert_eq!(filter_whitespace(Whitespace::Oneline, "a  \n\n b"), "a b");
        assert_eq!(filter_whitespace(Whitespace::All, "a  \n b"), "a  \n b");
    }

    #[test]
    fn nesting_is_capped() {
        let src = "{% if 1 %}".repeat(MAX_NESTING + 5);
        assert!(perr(&src).contains("nested"));
    }
}
