//! Tornado's template language: `tornado.template`.
//!
//! Templates are text with `{{ expression }}` insertions and `{% directive %}` control flow.
//! A [`Template`] is compiled once into a node tree (names resolved to slots) and rendered
//! many times with a namespace of values. Loaders ([`Loader`], [`DictLoader`]) find templates
//! by name, compile them once and cache them; they are required for `{% extends %}` and
//! `{% include %}`.
//!
//! Output matches Python Tornado 6 byte for byte for the supported language (the test suite
//! checks a corpus of templates rendered by Tornado in all three whitespace modes).
//!
//! # Syntax
//!
//! | syntax | meaning |
//! |---|---|
//! | `{{ expr }}` | insert `str(expr)`, passed through the autoescape function |
//! | `{% raw expr %}` | insert without escaping |
//! | `{# comment #}` | removed (may wrap directives) |
//! | `{{!`, `{%!`, `{#!` | the literal text `{{`, `{%`, `{#` |
//! | `{% if c %}…{% elif c %}…{% else %}…{% end %}` | conditionals |
//! | `{% for a, b in seq %}…{% else %}…{% end %}` | loops with unpacking; `else` runs when no `break` happened |
//! | `{% while c %}…{% end %}` | loops |
//! | `{% break %}`, `{% continue %}` | only inside loops (not across `{% apply %}`) |
//! | `{% try %}…{% except %}…{% else %}…{% finally %}…{% end %}` | catch render errors |
//! | `{% set x = expr %}` | assignment (also `a, b = …` and `x += …`) |
//! | `{% extends "base.html" %}` + `{% block name %}…{% end %}` | inheritance: a child's blocks replace its parents'; text outside blocks in a child is dropped |
//! | `{% include "file.html" %}` | inline another template, sharing the namespace |
//! | `{% apply fn %}…{% end %}` | pass the rendered body through `fn` |
//! | `{% autoescape fn %}` / `{% autoescape None %}` | this file's escaping function |
//! | `{% whitespace all\|single\|oneline %}` | whitespace mode for the rest of the file |
//! | `{% comment text %}` | removed |
//! | `{% module Name(args) %}` | call the UI module registered with [`Namespace::set_module`]; not escaped |
//!
//! `{% end %}` closes the innermost block; directives may span lines. `{% import %}` and
//! `{% from %}` are parse errors: there are no Python modules, register functions instead.
//!
//! As in Tornado, `{% autoescape %}` applies to the *whole* file it appears in (the last one
//! wins), and each file — included, parent or child — keeps its own setting.
//!
//! # Expressions
//!
//! A subset of Python with Python's semantics:
//!
//! - literals: strings (`'…'`, `"…"`, escapes, `r'…'`), ints (64-bit; `0x…`), floats, `True`,
//!   `False`, `None`, lists, tuples, dicts;
//! - names, attributes (`user.name` reads a dict key, so serialised structs work like objects),
//!   indexes (`d['k']`, `l[-1]`), slices (`s[1:-1]`, `l[::-1]`);
//! - calls of namespace functions with positional and keyword arguments;
//! - arithmetic `+ - * / // % **` (Python's floor division and modulo on negatives, string and
//!   list repetition and concatenation, `'%s: %d' % (a, b)` formatting); an int result that does
//!   not fit in 64 bits is an `OverflowError` (there are no big integers);
//! - comparisons, chained (`0 < x <= 10`), `in`, `not in`, `is None`, `is not None`;
//! - `and`/`or` (returning the deciding operand), `not`, `a if cond else b`.
//!
//! `str()` of a value prints as Python does: `True`, `None`, `[1, 'a']`, `{'k': (1,)}`, `1.0`,
//! `0.1`, `1e+16`.
//!
//! Built-in functions: `escape`/`xhtml_escape`, `url_escape`, `json_encode`, `squeeze`,
//! `linkify`, `len`, `str`, `int`, `float`, `range`, `enumerate`, `sorted`, `min`, `max`,
//! `abs`, `round`, `bool`, `list`, `tuple`, `zip`.
//!
//! Methods: on strings `upper lower title capitalize swapcase strip lstrip rstrip split rsplit
//! splitlines join replace startswith endswith count find rfind index rindex format zfill ljust
//! rjust center isdigit isalpha isalnum isspace isupper islower`; on lists and tuples `count
//! index`; on dicts `items keys values get`.
//!
//! Not supported: comprehensions, `lambda`, bytes, sets, assignment to attributes or items,
//! exception types in `{% except %}` (every error matches the first handler, whose `as` name
//! receives the message), bound methods as values, `datetime`.
//!
//! # Namespaces and values
//!
//! [`Template::generate`] takes any `serde::Serialize` value that serialises to a map or struct;
//! it is converted to [`Value`]s by a dedicated serializer (field order kept).
//! [`Template::render`] takes a prepared [`Namespace`], which can also hold Rust functions.
//! A name that is not found is a [`RenderError`] naming the template and line
//! (`NameError: name 'x' is not defined at page.html:3`).
//!
//! # Whitespace
//!
//! [`Whitespace::All`] keeps text as written; [`Whitespace::Single`] collapses runs of spaces
//! and tabs to one space and any whitespace run containing a newline to one newline;
//! [`Whitespace::Oneline`] collapses every run to one space. The default is `single` for names
//! ending in `.html` or `.js` and `all` otherwise; a text chunk containing `<pre>` is never
//! filtered.
//!
//! # Autoescape
//!
//! Precedence: an `{% autoescape %}` directive in the file, then the template's own setting
//! ([`TemplateBuilder::autoescape`]), then the loader's ([`Loader::with_autoescape`]), then the
//! default `xhtml_escape`.
//!
//! # Limits
//!
//! A template cannot panic, recurse without bound or run forever: see [`limits`] for the
//! output size, sequence length, loop iteration, block nesting and include depth caps.
//! Hitting one is a [`RenderError`] (or [`ParseError`]) that `{% try %}` does not catch.
//!
//! # Examples
//!
//! ```
//! use tornado::template::{DictLoader, Namespace, Value, Function};
//!
//! let loader = DictLoader::new([
//!     ("base.html", "<h1>{% block title %}{% end %}</h1>\n<ul>\n{% block body %}{% end %}</ul>"),
//!     ("list.html", r#"{% extends "base.html" %}
//! {% block title %}{{ title }}{% end %}
//! {% block body %}{% for i, item in enumerate(items) %}  <li class="{{ 'odd' if i % 2 else 'even' }}">{{ item }}</li>
//! {% end %}{% end %}"#),
//! ]);
//! let page = loader.load("list.html").unwrap();
//! let html = page
//!     .generate(&serde_json::json!({"title": "Tom & Jerry", "items": ["<cat>", "mouse"]}))
//!     .unwrap();
//! assert_eq!(
//!     html,
//!     "<h1>Tom &amp; Jerry</h1>\n<ul>\n <li class=\"even\">&lt;cat&gt;</li>\n <li class=\"odd\">mouse</li>\n</ul>"
//! );
//!
//! // Functions and UI modules from Rust:
//! let mut ns = Namespace::new();
//! ns.set_function("double", |args| match args {
//!     [Value::Int(i)] => Ok(Value::Int(i * 2)),
//!     _ => Err("TypeError: double() takes one int".into()),
//! });
//! ns.set_module("Badge", Function::new("Badge", |args| {
//!     Ok(Value::from(format!("<b>{}</b>", args[0])))
//! }));
//! let t = tornado::template::Template::new("{{ double(21) }} {% module Badge('new') %}").unwrap();
//! assert_eq!(t.render(&ns).unwrap(), "42 <b>new</b>");
//! ```

mod builtins;
mod error;
mod eval;
mod expr;
pub mod limits;
mod loader;
mod parse;
mod render;
mod ser;
mod value;

pub use error::{ParseError, RenderError, TemplateError};
pub use loader::{DictLoader, Loader, TemplateSource};
pub use render::{Namespace, Template, TemplateBuilder};
pub use value::{Builtin, Dict, Function, NativeFn, Value};

use std::fmt;
use std::str::FromStr;

/// How literal text between directives is treated. See the [module docs](self#whitespace).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Whitespace {
    /// Keep all whitespace.
    All,
    /// Collapse runs of spaces/tabs to one space, and runs containing a newline to `\n`.
    Single,
    /// Collapse every whitespace run to one space.
    Oneline,
}

impl Whitespace {
    /// Tornado's default for a template name: `Single` for `.html` and `.js`, else `All`.
    pub fn for_name(name: &str) -> Whitespace {
        if name.ends_with(".html") || name.ends_with(".js") {
            Whitespace::Single
        } else {
            Whitespace::All
        }
    }

    /// The mode's name as written in `{% whitespace %}`.
    pub fn as_str(self) -> &'static str {
        match self {
            Whitespace::All => "all",
            Whitespace::Single => "single",
            Whitespace::Oneline => "oneline",
        }
    }
}

impl FromStr for Whitespace {
    type Err = String;
    fn from_str(s: &str) -> Result<Whitespace, String> {
        match s {
            "all" => Ok(Whitespace::All),
            "single" => Ok(Whitespace::Single),
            "oneline" => Ok(Whitespace::Oneline),
            other => Err(format!("invalid whitespace mode {other}")),
        }
    }
}

impl fmt::Display for Whitespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
