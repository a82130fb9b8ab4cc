//! The expression language: tokens, AST and parser (evaluation lives in `eval.rs`).

use std::collections::HashMap;
use std::sync::Arc;

use super::value::Value;

/// Deepest nesting of brackets and sub-expressions the parser accepts.
pub(crate) const MAX_EXPR_DEPTH: usize = 64;

/// The names one template refers to; expressions hold indexes into this table.
#[derive(Debug, Default)]
pub(crate) struct Names {
    pub(crate) list: Vec<Arc<str>>,
    map: HashMap<Arc<str>, u32>,
}

impl Names {
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.map.get(name) {
            return id;
        }
        let id = self.list.len() as u32;
        let name: Arc<str> = Arc::from(name);
        self.list.push(name.clone());
        self.map.insert(name, id);
        id
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Is,
    IsNot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnOp {
    Neg,
    Pos,
    Not,
}

/// Where a string key was last found in a dict: rows of a table share their key order, so
/// `row['name']` usually finds its key at the remembered position with one comparison.
#[derive(Debug, Default)]
pub(crate) struct KeyHint(pub(crate) std::sync::atomic::AtomicU32);

/// An expression, with names resolved to indexes in the template's name table.
#[derive(Debug)]
pub(crate) enum Expr {
    Const(Value),
    Name(u32),
    Attr(Box<Expr>, Arc<str>, KeyHint),
    Index(Box<Expr>, Box<Expr>),
    /// `x['literal']`: the common dict lookup, without building a key value.
    Item(Box<Expr>, Arc<str>, KeyHint),
    Slice(Box<Expr>, [Option<Box<Expr>>; 3]),
    Call(Box<Expr>, Vec<Expr>, Vec<(Arc<str>, Expr)>),
    Method(Box<Expr>, Arc<str>, Vec<Expr>, Vec<(Arc<str>, Expr)>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    IfElse(Box<Expr>, Box<Expr>, Box<Expr>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
}

/// An assignment target: `x` or `a, (b, c)`.
#[derive(Debug)]
pub(crate) enum Target {
    Name(u32),
    Tuple(Vec<Target>),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    Op(&'static str),
    Eof,
}

const OPS: &[&str] = &[
    "**=", "//=", "**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "+", "-", "*",
    "/", "%", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", "=",
];

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            // String prefixes: r'..', u'..'.
            if i < chars.len()
                && (chars[i] == '\'' || chars[i] == '"')
                && matches!(word.as_str(), "r" | "u" | "R" | "U")
            {
                let raw = word.eq_ignore_ascii_case("r");
                let (s, next) = lex_string(&chars, i, raw)?;
                toks.push(Tok::Str(s));
                i = next;
                continue;
            }
            toks.push(Tok::Name(word));
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            let mut is_float = false;
            if c == '0' && matches!(chars.get(i + 1), Some('x' | 'X' | 'o' | 'O' | 'b' | 'B')) {
                let radix = match chars[i + 1] {
                    'x' | 'X' => 16,
                    'o' | 'O' => 8,
                    _ => 2,
                };
                i += 2;
                let ds = i;
                while i < chars.len() && (chars[i].is_digit(radix) || chars[i] == '_') {
                    i += 1;
                }
                let digits: String = chars[ds..i].iter().filter(|c| **c != '_').collect();
                let v = i64::from_str_radix(&digits, radix).map_err(|_| {
                    format!(
                        "invalid number literal '{}'",
                        chars[start..i].iter().collect::<String>()
                    )
                })?;
                toks.push(Tok::Int(v));
                continue;
            }
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '_') {
                i += 1;
            }
            if i < chars.len() && chars[i] == '.' {
                is_float = true;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '_') {
                    i += 1;
                }
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let save = i;
                i += 1;
                if i < chars.len() && (chars[i] == '+' || chars[i] == '-') {
                    i += 1;
                }
                if i < chars.len() && chars[i].is_ascii_digit() {
                    is_float = true;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                } else {
                    i = save;
                }
            }
            let text: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            if is_float {
                let v: f64 = text
                    .parse()
                    .map_err(|_| format!("invalid number literal '{text}'"))?;
                toks.push(Tok::Float(v));
            } else {
                match text.parse::<i64>() {
                    Ok(v) => toks.push(Tok::Int(v)),
                    Err(_) => {
                        return Err(format!(
                            "integer literal {text} is too large (ints are 64-bit)"
                        ))
                    }
                }
            }
            continue;
        }
        if c == '\'' || c == '"' {
            let (s, next) = lex_string(&chars, i, false)?;
            toks.push(Tok::Str(s));
            i = next;
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
        match OPS.iter().find(|op| rest.starts_with(**op)) {
            Some(op) => {
                toks.push(Tok::Op(op));
                i += op.chars().count();
            }
            None => return Err(format!("unexpected character '{c}'")),
        }
    }
    toks.push(Tok::Eof);
    Ok(toks)
}

fn lex_string(chars: &[char], start: usize, raw: bool) -> Result<(String, usize), String> {
    let quote = chars[start];
    let triple = chars.get(start + 1) == Some(&quote) && chars.get(start + 2) == Some(&quote);
    let mut i = start + if triple { 3 } else { 1 };
    let mut out = String::new();
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("unterminated string literal".into());
        };
        if c == quote {
            if !triple {
                return Ok((out, i + 1));
            }
            if chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote) {
                return Ok((out, i + 3));
            }
        }
        if c == '\n' && !triple {
            return Err("unterminated string literal".into());
        }
        if c == '\\' {
            let Some(&e) = chars.get(i + 1) else {
                return Err("unterminated string literal".into());
            };
            if raw {
                out.push('\\');
                out.push(e);
                i += 2;
                continue;
            }
            i += 2;
            match e {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'a' => out.push('\u{7}'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'v' => out.push('\u{b}'),
                '\\' => out.push('\\'),
                '\'' => out.push('\''),
                '"' => out.push('"'),
                '\n' => {}
                'x' | 'u' | 'U' => {
                    let n = match e {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex: String = chars
                        .get(i..i + n)
                        .map(|s| s.iter().collect())
                        .unwrap_or_default();
                    let code = u32::from_str_radix(&hex, 16)
                        .ok()
                        .filter(|_| hex.len() == n);
                    match code.and_then(char::from_u32) {
                        Some(ch) => out.push(ch),
                        None => return Err(format!("invalid \\{e} escape in string literal")),
                    }
                    i += n;
                }
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
}

/// A recursive-descent parser over one directive's expression text.
pub(crate) struct Parser<'n> {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
    names: &'n mut Names,
}

type P<T> = Result<T, String>;

/// Positional and keyword argument expressions of a call.
type CallArgs = (Vec<Expr>, Vec<(Arc<str>, Expr)>);

impl<'n> Parser<'n> {
    pub(crate) fn new(src: &str, names: &'n mut Names) -> P<Parser<'n>> {
        Ok(Parser {
            toks: lex(src)?,
            pos: 0,
            depth: 0,
            names,
        })
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Name(n) if n == kw)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_op(&mut self, op: &str) -> P<()> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(format!("expected '{op}', found {}", describe(self.peek())))
        }
    }

    pub(crate) fn at_end(&self) -> bool {
        matches!(self.peek(), Tok::Eof)
    }

    pub(crate) fn expect_end(&self) -> P<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(format!("unexpected {}", describe(self.peek())))
        }
    }

    /// `a` or `a, b, ...` (a tuple), as on the right of `=` or in `{{ }}`.
    pub(crate) fn parse_expr_list(&mut self) -> P<Expr> {
        let first = self.parse_expr()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_end() || self.is_op("=") {
                break;
            }
            items.push(self.parse_expr()?);
        }
        Ok(Expr::Tuple(items))
    }

    /// An assignment target list, stopping before `in`, `=` or an augmented operator.
    pub(crate) fn parse_target_list(&mut self) -> P<Target> {
        let first = self.parse_target()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.is_kw("in") || self.is_op("=") || self.at_end() {
                break;
            }
            items.push(self.parse_target()?);
        }
        Ok(Target::Tuple(items))
    }

    fn parse_target(&mut self) -> P<Target> {
        if self.eat_op("(") || self.eat_op("[") {
            let close = if matches!(self.toks[self.pos - 1], Tok::Op("(")) {
                ")"
            } else {
                "]"
            };
            self.enter()?;
            let t = self.parse_target_list()?;
            self.depth -= 1;
            self.expect_op(close)?;
            return Ok(match t {
                Target::Name(_) if close == "]" => Target::Tuple(vec![t]),
                t => t,
            });
        }
        match self.next() {
            Tok::Name(n) if !is_keyword(&n) => Ok(Target::Name(self.names.intern(&n))),
            t => Err(format!("cannot assign to {}", describe(&t))),
        }
    }

    /// After a target: `=`, or an augmented operator (`+=` …) with its operator.
    pub(crate) fn parse_assign_op(&mut self) -> P<Option<BinOp>> {
        let op = match self.next() {
            Tok::Op("=") => None,
            Tok::Op("+=") => Some(BinOp::Add),
            Tok::Op("-=") => Some(BinOp::Sub),
            Tok::Op("*=") => Some(BinOp::Mul),
            Tok::Op("/=") => Some(BinOp::Div),
            Tok::Op("//=") => Some(BinOp::FloorDiv),
            Tok::Op("%=") => Some(BinOp::Mod),
            Tok::Op("**=") => Some(BinOp::Pow),
            t => return Err(format!("expected '=', found {}", describe(&t))),
        };
        Ok(op)
    }

    pub(crate) fn expect_kw(&mut self, kw: &str) -> P<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(format!("expected '{kw}', found {}", describe(self.peek())))
        }
    }

    /// The name after `except X as`.
    pub(crate) fn parse_except_clause(&mut self) -> P<Option<u32>> {
        if self.at_end() {
            return Ok(None);
        }
        // The exception type (or a tuple of types) is parsed and ignored: every error matches.
        self.parse_expr_in_except()?;
        if self.eat_kw("as") {
            return match self.next() {
                Tok::Name(n) if !is_keyword(&n) => Ok(Some(self.names.intern(&n))),
                t => Err(format!(
                    "expected a name after 'as', found {}",
                    describe(&t)
                )),
            };
        }
        Ok(None)
    }

    fn parse_expr_in_except(&mut self) -> P<()> {
        // Exception class names are not template values; skip them without interning.
        if self.eat_op("(") {
            while !self.eat_op(")") {
                if self.at_end() {
                    return Err("expected ')'".into());
                }
                self.pos += 1;
            }
            return Ok(());
        }
        loop {
            match self.next() {
                Tok::Name(n) if !is_keyword(&n) => {}
                t => {
                    return Err(format!(
                        "expected an exception name, found {}",
                        describe(&t)
                    ))
                }
            }
            if !self.eat_op(".") {
                return Ok(());
            }
        }
    }

    fn enter(&mut self) -> P<()> {
        self.depth += 1;
        if self.depth > MAX_EXPR_DEPTH {
            Err(format!(
                "expression nested more than {MAX_EXPR_DEPTH} levels deep"
            ))
        } else {
            Ok(())
        }
    }

    pub(crate) fn parse_expr(&mut self) -> P<Expr> {
        self.enter()?;
        let e = self.parse_ternary();
        self.depth -= 1;
        e
    }

    fn parse_ternary(&mut self) -> P<Expr> {
        let body = self.parse_or()?;
        if self.eat_kw("if") {
            let cond = self.parse_or()?;
            self.expect_kw("else")?;
            let orelse = self.parse_expr()?;
            return Ok(Expr::IfElse(
                Box::new(cond),
                Box::new(body),
                Box::new(orelse),
            ));
        }
        Ok(body)
    }

    fn parse_or(&mut self) -> P<Expr> {
        let mut left = self.parse_and()?;
        while self.eat_kw("or") {
            let right = self.parse_and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> P<Expr> {
        let mut left = self.parse_not()?;
        while self.eat_kw("and") {
            let right = self.parse_not()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_not(&mut self) -> P<Expr> {
        if self.eat_kw("not") {
            self.enter()?;
            let e = self.parse_not()?;
            self.depth -= 1;
            return Ok(Expr::Unary(UnOp::Not, Box::new(e)));
        }
        self.parse_comparison()
    }

    fn parse_comparison(&mut self) -> P<Expr> {
        let first = self.parse_arith()?;
        let mut rest = Vec::new();
        loop {
            let op = match self.peek() {
                Tok::Op("==") => CmpOp::Eq,
                Tok::Op("!=") => CmpOp::Ne,
                Tok::Op("<") => CmpOp::Lt,
                Tok::Op("<=") => CmpOp::Le,
                Tok::Op(">") => CmpOp::Gt,
                Tok::Op(">=") => CmpOp::Ge,
                Tok::Name(n) if n == "in" => CmpOp::In,
                Tok::Name(n) if n == "not" => {
                    if matches!(self.toks.get(self.pos + 1), Some(Tok::Name(m)) if m == "in") {
                        self.pos += 1;
                        CmpOp::NotIn
                    } else {
                        break;
                    }
                }
                Tok::Name(n) if n == "is" => {
                    if matches!(self.toks.get(self.pos + 1), Some(Tok::Name(m)) if m == "not") {
                        self.pos += 1;
                        CmpOp::IsNot
                    } else {
                        CmpOp::Is
                    }
                }
                _ => break,
            };
            self.pos += 1;
            rest.push((op, self.parse_arith()?));
        }
        if rest.is_empty() {
            Ok(first)
        } else {
            Ok(Expr::Compare(Box::new(first), rest))
        }
    }

    fn parse_arith(&mut self) -> P<Expr> {
        let mut left = self.parse_term()?;
        loop {
            let op = if self.eat_op("+") {
                BinOp::Add
            } else if self.eat_op("-") {
                BinOp::Sub
            } else {
                return Ok(left);
            };
            let right = self.parse_term()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn parse_term(&mut self) -> P<Expr> {
        let mut left = self.parse_factor()?;
        loop {
            let op = if self.eat_op("*") {
                BinOp::Mul
            } else if self.eat_op("//") {
                BinOp::FloorDiv
            } else if self.eat_op("/") {
                BinOp::Div
            } else if self.eat_op("%") {
                BinOp::Mod
            } else {
                return Ok(left);
            };
            let right = self.parse_factor()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn parse_factor(&mut self) -> P<Expr> {
        let op = if self.eat_op("-") {
            UnOp::Neg
        } else if self.eat_op("+") {
            UnOp::Pos
        } else {
            return self.parse_power();
        };
        self.enter()?;
        let e = self.parse_factor()?;
        self.depth -= 1;
        // Fold negative literals so `-1` is a constant.
        Ok(match (op, e) {
            (UnOp::Neg, Expr::Const(Value::Int(i))) if i != i64::MIN => Expr::Const(Value::Int(-i)),
            (UnOp::Neg, Expr::Const(Value::Float(f))) => Expr::Const(Value::Float(-f)),
            (op, e) => Expr::Unary(op, Box::new(e)),
        })
    }

    fn parse_power(&mut self) -> P<Expr> {
        let base = self.parse_primary()?;
        if self.eat_op("**") {
            self.enter()?;
            let exp = self.parse_factor()?;
            self.depth -= 1;
            return Ok(Expr::Binary(BinOp::Pow, Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn parse_args(&mut self) -> P<CallArgs> {
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        while !self.eat_op(")") {
            if let (Tok::Name(n), Some(Tok::Op("="))) =
                (self.peek().clone(), self.toks.get(self.pos + 1))
            {
                self.pos += 2;
                kwargs.push((Arc::from(n.as_str()), self.parse_expr()?));
            } else {
                if !kwargs.is_empty() {
                    return Err("positional argument follows keyword argument".into());
                }
                args.push(self.parse_expr()?);
            }
            if !self.eat_op(",") {
                self.expect_op(")")?;
                break;
            }
        }
        Ok((args, kwargs))
    }

    fn parse_primary(&mut self) -> P<Expr> {
        let mut e = self.parse_atom()?;
        let mut trailers = 0;
        loop {
            if self.eat_op(".") {
                let name = match self.next() {
                    Tok::Name(n) => n,
                    t => {
                        return Err(format!(
                            "expected an attribute name, found {}",
                            describe(&t)
                        ))
                    }
                };
                if self.eat_op("(") {
                    self.enter()?;
                    let (args, kwargs) = self.parse_args()?;
                    self.depth -= 1;
                    e = Expr::Method(Box::new(e), Arc::from(name.as_str()), args, kwargs);
                } else {
                    e = Expr::Attr(Box::new(e), Arc::from(name.as_str()), KeyHint::default());
                }
            } else if self.eat_op("(") {
                self.enter()?;
                let (args, kwargs) = self.parse_args()?;
                self.depth -= 1;
                e = Expr::Call(Box::new(e), args, kwargs);
            } else if self.eat_op("[") {
                self.enter()?;
                e = self.parse_subscript(e)?;
                self.depth -= 1;
            } else {
                return Ok(e);
            }
            trailers += 1;
            if trailers > MAX_EXPR_DEPTH {
                return Err(format!(
                    "expression nested more than {MAX_EXPR_DEPTH} levels deep"
                ));
            }
        }
    }

    fn parse_subscript(&mut self, target: Expr) -> P<Expr> {
        let mut parts: [Option<Box<Expr>>; 3] = [None, None, None];
        let mut is_slice = false;
        let mut idx = 0;
        loop {
            if self.is_op(":") {
                is_slice = true;
                self.pos += 1;
                idx += 1;
                if idx > 2 {
                    return Err("invalid slice".into());
                }
                continue;
            }
            if self.eat_op("]") {
                break;
            }
            if parts[idx].is_some() {
                return Err(format!("expected ']', found {}", describe(self.peek())));
            }
            parts[idx] = Some(Box::new(if is_slice {
                self.parse_expr()?
            } else {
                self.parse_expr_list()?
            }));
        }
        if is_slice {
            Ok(Expr::Slice(Box::new(target), parts))
        } else {
            match parts[0].take() {
                Some(index) => match *index {
                    Expr::Const(Value::Str(key)) => {
                        Ok(Expr::Item(Box::new(target), key, KeyHint::default()))
                    }
                    index => Ok(Expr::Index(Box::new(target), Box::new(index))),
                },
                None => Err("empty subscript".into()),
            }
        }
    }

    fn parse_atom(&mut self) -> P<Expr> {
        match self.next() {
            Tok::Int(i) => Ok(Expr::Const(Value::Int(i))),
            Tok::Float(f) => Ok(Expr::Const(Value::Float(f))),
            Tok::Str(mut s) => {
                // Adjacent literals concatenate.
                while let Tok::Str(more) = self.peek().clone() {
                    s.push_str(&more);
                    self.pos += 1;
                }
                Ok(Expr::Const(Value::from(s)))
            }
            Tok::Name(n) => match n.as_str() {
                "None" => Ok(Expr::Const(Value::None)),
                "True" => Ok(Expr::Const(Value::Bool(true))),
                "False" => Ok(Expr::Const(Value::Bool(false))),
                "lambda" | "yield" | "await" | "import" => {
                    Err(format!("'{n}' is not supported in template expressions"))
                }
                kw if is_keyword(kw) => Err(format!("unexpected keyword '{kw}'")),
                _ => Ok(Expr::Name(self.names.intern(&n))),
            },
            Tok::Op("(") => {
                self.enter()?;
                if self.eat_op(")") {
                    self.depth -= 1;
                    return Ok(Expr::Tuple(Vec::new()));
                }
                let first = self.parse_expr()?;
                let e = if self.is_op(",") {
                    let mut items = vec![first];
                    while self.eat_op(",") {
                        if self.is_op(")") {
                            break;
                        }
                        items.push(self.parse_expr()?);
                    }
                    Expr::Tuple(items)
                } else {
                    first
                };
                self.expect_op(")")?;
                self.depth -= 1;
                Ok(e)
            }
            Tok::Op("[") => {
                self.enter()?;
                let mut items = Vec::new();
                while !self.eat_op("]") {
                    items.push(self.parse_expr()?);
                    if self.is_kw("for") {
                        return Err(
                            "list comprehensions are not supported in template expressions".into(),
                        );
                    }
                    if !self.eat_op(",") {
                        self.expect_op("]")?;
                        break;
                    }
                }
                self.depth -= 1;
                Ok(Expr::List(items))
            }
            Tok::Op("{") => {
                self.enter()?;
                let mut items = Vec::new();
                while !self.eat_op("}") {
                    let k = self.parse_expr()?;
                    self.expect_op(":")?;
                    let v = self.parse_expr()?;
                    items.push((k, v));
                    if !self.eat_op(",") {
                        self.expect_op("}")?;
                        break;
                    }
                }
                self.depth -= 1;
                Ok(Expr::Dict(items))
            }
            t => Err(format!("unexpected {}", describe(&t))),
        }
    }
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "and"
            | "or"
            | "not"
            | "in"
            | "is"
            | "if"
            | "else"
            | "for"
            | "while"
            | "lambda"
            | "None"
            | "True"
            | "False"
            | "import"
            | "from"
            | "as"
            | "def"
            | "class"
            | "return"
            | "yield"
            | "await"
            | "del"
            | "pass"
    )
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Name(n) => format!("'{n}'"),
        Tok::Int(i) => format!("'{i}'"),
        Tok::Float(f) => format!("'{f}'"),
        Tok::Str(_) => "a string".into(),
        Tok::Op(o) => format!("'{o}'"),
        Tok::Eof => "end of expression".into(),
    }
}

/// Parses a whole expression (a tuple if it has top-level commas).
pub(crate) fn parse_expression(src: &str, names: &mut Names) -> P<Expr> {
    let mut p = Parser::new(src, names)?;
    let e = p.parse_expr_list()?;
    p.expect_end()?;
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let mut names = Names::default();
        for src in [
            "a.b[1:2](x, y=3)",
            "1 if a else -2.5",
            "not a in b",
            "a < b <= c",
            "{'k': [1, (2,)], 3: ()}",
            "'%s and %s' % (a, b)",
            "x is not None and y not in z",
            "2 ** -1",
            "u'x' r'\\d' \"y\"",
        ] {
            assert!(parse_expression(src, &mut names).is_ok(), "{src}");
        }
        for bad in [
            "a +",
            "(",
            "[x for x in y]",
            "lambda: 1",
            "a b",
            "'abc",
            "1 if 2",
            "99999999999999999999",
        ] {
            assert!(parse_expression(bad, &mut names).is_err(), "{bad}");
        }
    }

    #[test]
    fn depth_is_capped() {
        let mut names = Names::default();
        let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert!(parse_expression(&deep, &mut names).is_err());
        let deep = format!("{}1", "-".repeat(500));
        assert!(parse_expression(&deep, &mut names).is_err());
        let deep = format!("{}a", "not ".repeat(500));
        assert!(parse_expression(&deep, &mut names).is_err());
    }
}
