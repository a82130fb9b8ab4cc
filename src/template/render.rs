//! Compiled templates, namespaces and the renderer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::error::{ParseError, RenderError, TemplateError};
use super::eval::{self, EvalError, Scope};
use super::expr::{Expr, Target};
use super::limits::{
    MAX_EXPRESSION_WORK, MAX_INCLUDE_DEPTH, MAX_LOOP_ITERATIONS, MAX_OUTPUT_BYTES,
};
use super::loader::Loader;
use super::parse::{parse_template, BlockDef, Node};
use super::value::{Builtin, Dict, Function, Value};
use super::Whitespace;
use crate::escape::xhtml_escape_into;

/// The name under which `{% module Name(...) %}` looks modules up.
pub(crate) const MODULES_NAME: &str = "_tt_modules";

/// The values a template sees: names bound to [`Value`]s, including registered functions.
///
/// Lookup order while rendering: this namespace, then the loader's namespace, then the
/// built-ins (`escape`, `url_escape`, `len`, …). Names starting with `_tt_` are reserved;
/// [`Namespace::set_module`] fills the one Tornado uses for UI modules.
///
/// ```
/// use tornado::template::{Namespace, Template, Value};
/// let mut ns = Namespace::new();
/// ns.set("name", "Ann").set_function("shout", |args| {
///     Ok(Value::from(args.first().map(|v| v.to_py_string()).unwrap_or_default().to_uppercase() + "!"))
/// });
/// let t = Template::new("{{ shout(name) }}").unwrap();
/// assert_eq!(t.render(&ns).unwrap(), "ANN!");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Namespace {
    dict: Dict,
}

impl Namespace {
    /// An empty namespace.
    pub fn new() -> Namespace {
        Namespace::default()
    }

    /// Builds a namespace from anything that serialises to a map or struct
    /// (a `#[derive(Serialize)]` struct, a `HashMap`, `serde_json::json!({...})`).
    pub fn from_serialize<T: serde::Serialize + ?Sized>(
        value: &T,
    ) -> Result<Namespace, TemplateError> {
        match Value::from_serialize(value).map_err(TemplateError::Namespace)? {
            Value::Dict(d) => {
                let mut ns = Namespace::new();
                for (k, v) in d.iter() {
                    match k {
                        Value::Str(_) => ns.dict.insert(k.clone(), v.clone()),
                        other => {
                            return Err(TemplateError::Namespace(format!(
                                "namespace keys must be strings, found {}",
                                other.type_name()
                            )))
                        }
                    }
                }
                Ok(ns)
            }
            Value::None => Ok(Namespace::new()),
            other => Err(TemplateError::Namespace(format!(
                "a namespace must serialise to a map or struct, not {}",
                other.type_name()
            ))),
        }
    }

    /// Binds `name` (replacing any previous binding).
    pub fn set(&mut self, name: &str, value: impl Into<Value>) -> &mut Namespace {
        self.dict.insert(Value::from(name), value.into());
        self
    }

    /// Binds `name` to a Rust function of positional arguments.
    pub fn set_function<F>(&mut self, name: &str, f: F) -> &mut Namespace
    where
        F: Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    {
        self.set(name, Function::new(name, f))
    }

    /// Registers a UI module: `{% module Name(args) %}` calls `f` and writes its result
    /// without escaping.
    pub fn set_module(&mut self, name: &str, f: Function) -> &mut Namespace {
        let mut modules = match self.dict.get_str(MODULES_NAME) {
            Some(Value::Dict(d)) => (**d).clone(),
            _ => Dict::new(),
        };
        modules.insert(Value::from(name), Value::Function(f));
        self.set(MODULES_NAME, Value::dict(modules))
    }

    /// Copies every binding of `other` into this namespace (`other` wins).
    pub fn extend(&mut self, other: &Namespace) -> &mut Namespace {
        for (k, v) in other.dict.iter() {
            self.dict.insert(k.clone(), v.clone());
        }
        self
    }

    /// The value bound to `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.dict.get_str(name)
    }
}

/// Which template a block or unit belongs to: the one being rendered, or another one.
#[derive(Debug)]
enum Owner {
    This,
    Other(Arc<Template>),
}

/// How to render a template as the entry point: the chain's root, the effective named blocks
/// and the variable slots of every template involved.
#[derive(Debug, Default)]
struct Program {
    root: Option<Arc<Template>>,
    blocks: HashMap<Arc<str>, (usize, usize)>,
    /// Every template reachable from this one (index 0 is this one) with its name → slot map.
    units: Vec<(Owner, Vec<u32>)>,
    slots: Vec<Arc<str>>,
}

/// A compiled template.
///
/// Compiled once (parsed into a node tree with names resolved to slots), rendered many times;
/// share it behind an `Arc` (loaders do). See the [module docs](super) for the language.
#[derive(Debug)]
pub struct Template {
    name: String,
    body: Vec<Node>,
    blocks: Vec<BlockDef>,
    names: Vec<Arc<str>>,
    autoescape: Option<u32>,
    includes: Vec<Arc<Template>>,
    /// Parents from `{% extends %}`, nearest first, flattened.
    ancestors: Vec<Arc<Template>>,
    program: Program,
    namespace: Option<Arc<Namespace>>,
    size_hint: AtomicUsize,
}

/// Settings for compiling one template.
pub(crate) struct CompileOptions<'l> {
    pub(crate) name: String,
    pub(crate) autoescape: Option<Option<String>>,
    pub(crate) whitespace: Option<Whitespace>,
    pub(crate) loader: Option<&'l Loader>,
}

/// Builder for a [`Template`] with a name, autoescape, whitespace mode or loader.
///
/// ```
/// use tornado::template::{Template, Whitespace};
/// let t = Template::builder("<p>\n\n  {{ x }}</p>")
///     .name("page.html")
///     .autoescape(None)
///     .whitespace(Whitespace::Oneline)
///     .build()
///     .unwrap();
/// assert_eq!(t.generate(&serde_json::json!({"x": "<b>"})).unwrap(), "<p> <b></p>");
/// ```
#[derive(Debug)]
pub struct TemplateBuilder<'l> {
    source: String,
    name: String,
    autoescape: Option<Option<String>>,
    whitespace: Option<Whitespace>,
    loader: Option<&'l Loader>,
}

impl<'l> TemplateBuilder<'l> {
    /// The template's name, used in errors, for the default whitespace mode (`single` for
    /// names ending `.html`/`.js`) and to resolve relative includes. Default: `<string>`.
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// The autoescape function's name in the namespace, or `None` to disable escaping.
    /// Default: the loader's setting, else `xhtml_escape`. An `{% autoescape %}` directive in
    /// the file wins over this.
    pub fn autoescape(mut self, function: Option<&str>) -> Self {
        self.autoescape = Some(function.map(str::to_string));
        self
    }

    /// The whitespace mode. Default: the loader's setting, else by name.
    pub fn whitespace(mut self, mode: Whitespace) -> Self {
        self.whitespace = Some(mode);
        self
    }

    /// A loader for `{% extends %}` / `{% include %}` and its namespace and defaults.
    pub fn loader(mut self, loader: &'l Loader) -> Self {
        self.loader = Some(loader);
        self
    }

    /// Compiles the template. Included and parent templates are loaded (and compiled) now.
    pub fn build(self) -> Result<Template, TemplateError> {
        let mut stack = vec![self.name.clone()];
        let opts = CompileOptions {
            name: self.name,
            autoescape: self.autoescape,
            whitespace: self.whitespace,
            loader: self.loader,
        };
        Template::compile(&self.source, opts, &mut stack)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

fn no_loader(what: &str, name: &str, line: usize) -> TemplateError {
    TemplateError::Parse(ParseError::new(
        format!("{{% {what} %}} block found, but no template loader"),
        name,
        line,
    ))
}

impl Template {
    /// Compiles `source` as a template named `<string>` (whitespace mode `all`, autoescape
    /// `xhtml_escape`, no loader).
    ///
    /// ```
    /// use tornado::template::Template;
    /// let t = Template::new("Hello {{ name }}!").unwrap();
    /// assert_eq!(t.generate(&serde_json::json!({"name": "<World>"})).unwrap(), "Hello &lt;World&gt;!");
    /// ```
    pub fn new(source: &str) -> Result<Template, ParseError> {
        Template::with_name(source, "<string>")
    }

    /// Compiles `source` with a name (used in errors and for the default whitespace mode).
    pub fn with_name(source: &str, name: &str) -> Result<Template, ParseError> {
        let opts = CompileOptions {
            name: name.to_string(),
            autoescape: None,
            whitespace: None,
            loader: None,
        };
        match Template::compile(source, opts, &mut vec![name.to_string()]) {
            Ok(t) => Ok(t),
            Err(TemplateError::Parse(e)) => Err(e),
            // Without a loader only parse errors are possible; keep the message anyway.
            Err(other) => Err(ParseError::new(other.to_string(), name, 0)),
        }
    }

    /// A builder for the other settings.
    pub fn builder(source: &str) -> TemplateBuilder<'_> {
        TemplateBuilder {
            source: source.to_string(),
            name: "<string>".to_string(),
            autoescape: None,
            whitespace: None,
            loader: None,
        }
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn compile(
        source: &str,
        opts: CompileOptions<'_>,
        stack: &mut Vec<String>,
    ) -> Result<Template, TemplateError> {
        let name = opts.name;
        let whitespace = opts
            .whitespace
            .or_else(|| opts.loader.and_then(Loader::default_whitespace))
            .unwrap_or_else(|| Whitespace::for_name(&name));
        let mut parsed = parse_template(&name, source, whitespace)?;
        let autoescape = match parsed.autoescape.take() {
            Some(directive) => directive,
            None => match opts.autoescape {
                Some(explicit) => explicit,
                None => match opts.loader {
                    Some(l) => l.default_autoescape().map(str::to_string),
                    None => Some("xhtml_escape".to_string()),
                },
            },
        };
        let autoescape = autoescape.map(|f| parsed.names.intern(&f));

        let mut includes = Vec::with_capacity(parsed.includes.len());
        for (inc, line) in &parsed.includes {
            let loader = opts
                .loader
                .ok_or_else(|| no_loader("include", &name, *line))?;
            includes.push(load_child(loader, inc, &name, *line, stack)?);
        }
        let mut ancestors = Vec::new();
        for (parent, line) in &parsed.extends {
            let loader = opts
                .loader
                .ok_or_else(|| no_loader("extends", &name, *line))?;
            let p = load_child(loader, parent, &name, *line, stack)?;
            ancestors.extend(std::iter::once(p.clone()).chain(p.ancestors.iter().cloned()));
        }
        let mut t = Template {
            name,
            body: parsed.body,
            blocks: parsed.blocks,
            names: parsed.names.list,
            autoescape,
            includes,
            ancestors,
            program: Program::default(),
            namespace: opts.loader.map(Loader::namespace_arc),
            size_hint: AtomicUsize::new(256),
        };
        t.program = t.build_program();
        Ok(t)
    }

    fn build_program(&self) -> Program {
        let mut units: Vec<(Owner, Vec<u32>)> = Vec::new();
        let mut slot_ids: HashMap<Arc<str>, u32> = HashMap::new();
        let mut slots: Vec<Arc<str>> = Vec::new();
        let mut blocks = HashMap::new();

        fn unit_index(
            units: &mut Vec<(Owner, Vec<u32>)>,
            this: &Template,
            t: &Template,
            owner: impl FnOnce() -> Owner,
        ) -> (usize, bool) {
            let existing = units.iter().position(|(o, _)| match o {
                Owner::This => std::ptr::eq(this, t),
                Owner::Other(a) => std::ptr::eq(&**a, t),
            });
            match existing {
                Some(i) => (i, false),
                None => {
                    units.push((owner(), Vec::new()));
                    (units.len() - 1, true)
                }
            }
        }

        struct Walk<'a> {
            this: &'a Template,
            units: &'a mut Vec<(Owner, Vec<u32>)>,
            blocks: &'a mut HashMap<Arc<str>, (usize, usize)>,
        }

        impl Walk<'_> {
            fn template(
                &mut self,
                t: &Template,
                owner: impl FnOnce() -> Owner,
                register: bool,
            ) -> usize {
                let (u, new) = unit_index(self.units, self.this, t, owner);
                // Each template is walked once, so diamond-shaped includes stay linear.
                if register && new {
                    self.nodes(t, u, &t.body);
                }
                u
            }

            fn nodes(&mut self, t: &Template, u: usize, nodes: &[Node]) {
                for n in nodes {
                    match n {
                        Node::Block { id } => {
                            self.blocks.insert(t.blocks[*id].name.clone(), (u, *id));
                            self.nodes(t, u, &t.blocks[*id].body);
                        }
                        Node::Include { id, .. } => {
                            let inc = &t.includes[*id];
                            self.template(inc, || Owner::Other(inc.clone()), true);
                        }
                        Node::If {
                            branches, orelse, ..
                        } => {
                            for (_, b) in branches {
                                self.nodes(t, u, b);
                            }
                            if let Some(b) = orelse {
                                self.nodes(t, u, b);
                            }
                        }
                        Node::For { body, orelse, .. } | Node::While { body, orelse, .. } => {
                            self.nodes(t, u, body);
                            if let Some(b) = orelse {
                                self.nodes(t, u, b);
                            }
                        }
                        Node::Try {
                            body,
                            handler,
                            orelse,
                            finally,
                            ..
                        } => {
                            self.nodes(t, u, body);
                            for b in [
                                handler.as_ref().map(|h| &h.1),
                                orelse.as_ref(),
                                finally.as_ref(),
                            ]
                            .into_iter()
                            .flatten()
                            {
                                self.nodes(t, u, b);
                            }
                        }
                        Node::Apply { body, .. } => self.nodes(t, u, body),
                        _ => {}
                    }
                }
            }
        }

        {
            let mut w = Walk {
                this: self,
                units: &mut units,
                blocks: &mut blocks,
            };
            w.template(self, || Owner::This, false);
            // Register named blocks from the root down, so the most derived template wins.
            for a in self.ancestors.iter().rev() {
                w.template(a, || Owner::Other(a.clone()), true);
            }
            w.nodes(self, 0, &self.body);
        }
        // Assign slots to every name of every unit.
        for (owner, map) in units.iter_mut() {
            let t: &Template = match owner {
                Owner::This => self,
                Owner::Other(a) => a,
            };
            *map = t
                .names
                .iter()
                .map(|n| {
                    *slot_ids.entry(n.clone()).or_insert_with(|| {
                        slots.push(n.clone());
                        (slots.len() - 1) as u32
                    })
                })
                .collect();
        }
        Program {
            root: self.ancestors.last().cloned(),
            blocks,
            units,
            slots,
        }
    }

    /// Renders with a namespace built from any `serde::Serialize` value that serialises to a
    /// map or struct (`serde_json::json!({...})`, a derived struct, a `HashMap<String, _>`).
    pub fn generate<S: serde::Serialize + ?Sized>(
        &self,
        namespace: &S,
    ) -> Result<String, TemplateError> {
        self.render(&Namespace::from_serialize(namespace)?)
    }

    /// Renders with a prepared [`Namespace`].
    pub fn render(&self, namespace: &Namespace) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(self.size_hint.load(Ordering::Relaxed));
        self.render_into(namespace, &mut out)?;
        self.size_hint
            .store(out.len().min(1 << 20) + 64, Ordering::Relaxed);
        Ok(out)
    }

    /// Renders, appending to `out` (e.g. a response buffer). On error, `out` may hold a
    /// partial page.
    pub fn render_into(
        &self,
        namespace: &Namespace,
        out: &mut String,
    ) -> Result<(), TemplateError> {
        let loader_ns = self.namespace.as_deref();
        let slots = self
            .program
            .slots
            .iter()
            .map(|n| {
                namespace
                    .get(n)
                    .or_else(|| loader_ns.and_then(|l| l.get(n)))
                    .cloned()
                    .or_else(|| Builtin::by_name(n).map(Value::Builtin))
            })
            .collect();
        let mut r = Renderer {
            this: self,
            slots,
            out: std::mem::take(out),
            budget: MAX_LOOP_ITERATIONS,
            work: std::cell::Cell::new(MAX_EXPRESSION_WORK),
            depth: 0,
        };
        let entry: &Template = self.program.root.as_deref().unwrap_or(self);
        let result = r.exec(entry, r.unit_map(entry), &entry.body);
        *out = r.out;
        result.map(|_| ()).map_err(|e| TemplateError::Render(*e))
    }
}

fn load_child(
    loader: &Loader,
    name: &str,
    parent: &str,
    line: usize,
    stack: &mut Vec<String>,
) -> Result<Arc<Template>, TemplateError> {
    let resolved = loader.resolve_path(name, Some(parent));
    if stack.contains(&resolved) {
        let mut chain = stack.clone();
        chain.push(resolved);
        return Err(TemplateError::Parse(ParseError::new(
            format!("template cycle: {}", chain.join(" -> ")),
            parent,
            line,
        )));
    }
    if stack.len() >= MAX_INCLUDE_DEPTH {
        return Err(TemplateError::Parse(ParseError::new(
            format!("include/extends nested more than {MAX_INCLUDE_DEPTH} templates deep"),
            parent,
            line,
        )));
    }
    loader.load_resolved(&resolved, stack)
}

struct Renderer<'a> {
    this: &'a Template,
    slots: Vec<Option<Value>>,
    out: String,
    budget: u64,
    work: std::cell::Cell<u64>,
    depth: usize,
}

impl<'a> Renderer<'a> {
    fn unit_map(&self, t: &Template) -> &'a [u32] {
        let units = &self.this.program.units;
        for (owner, map) in units.iter() {
            let same = match owner {
                Owner::This => std::ptr::eq(self.this, t),
                Owner::Other(a) => std::ptr::eq(&**a, t),
            };
            if same {
                return map;
            }
        }
        // Every template reachable while rendering was registered by `build_program`.
        &[]
    }

    fn scope<'s>(&'s self, t: &'s Template, map: &'s [u32]) -> Scope<'s> {
        Scope {
            slots: &self.slots,
            map,
            names: &t.names,
            work: &self.work,
        }
    }

    fn fail(t: &Template, line: usize, e: EvalError) -> Box<RenderError> {
        Box::new(RenderError {
            message: e.msg,
            filename: t.name.clone(),
            lineno: line,
            fatal: e.fatal,
        })
    }

    fn limit_error(t: &Template, line: usize, msg: String) -> Box<RenderError> {
        Box::new(RenderError {
            message: msg,
            filename: t.name.clone(),
            lineno: line,
            fatal: true,
        })
    }

    fn tick(&mut self, t: &Template, line: usize) -> Result<(), Box<RenderError>> {
        if self.budget == 0 {
            return Err(Self::limit_error(
                t,
                line,
                format!("loop iteration budget of {MAX_LOOP_ITERATIONS} exceeded"),
            ));
        }
        self.budget -= 1;
        Ok(())
    }

    fn eval(
        &self,
        t: &Template,
        map: &[u32],
        e: &Expr,
        line: usize,
    ) -> Result<Value, Box<RenderError>> {
        let scope = self.scope(t, map);
        eval::eval(e, &scope).map_err(|err| Self::fail(t, line, err))
    }

    fn set_slot(&mut self, map: &[u32], id: u32, v: Value) {
        if let Some(s) = self.slots.get_mut(map[id as usize] as usize) {
            *s = Some(v);
        }
    }

    /// Recognises `for a, b in enumerate(list[, start])` (with `enumerate` still the
    /// built-in) and returns the list, the start and the two target names.
    #[allow(clippy::type_complexity)]
    fn enumerate_loop(
        &self,
        t: &Template,
        map: &[u32],
        iter: &Expr,
        target: &Target,
        line: usize,
    ) -> Result<Option<(Arc<Vec<Value>>, i64, (u32, u32))>, Box<RenderError>> {
        let (Expr::Call(func, args, kwargs), Target::Tuple(targets)) = (iter, target) else {
            return Ok(None);
        };
        let ([Target::Name(a), Target::Name(b)], Expr::Name(f)) = (targets.as_slice(), &**func)
        else {
            return Ok(None);
        };
        if !kwargs.is_empty() || args.is_empty() || args.len() > 2 {
            return Ok(None);
        }
        let scope = self.scope(t, map);
        if !matches!(scope.lookup(*f), Ok(Value::Builtin(Builtin::Enumerate))) {
            return Ok(None);
        }
        let seq = eval::eval_cow(&args[0], &scope).map_err(|e| Self::fail(t, line, e))?;
        let items = match &*seq {
            Value::List(items) | Value::Tuple(items) => items.clone(),
            other => Arc::new(eval::iterate(other).map_err(|e| Self::fail(t, line, e))?),
        };
        let start = match args.get(1) {
            Some(e) => {
                let v = eval::eval_cow(e, &scope).map_err(|err| Self::fail(t, line, err))?;
                match v.as_i64() {
                    Some(n) => n,
                    None => {
                        let msg = format!(
                            "TypeError: '{}' object cannot be interpreted as an integer",
                            v.type_name()
                        );
                        return Err(Self::fail(t, line, EvalError { msg, fatal: false }));
                    }
                }
            }
            None => 0,
        };
        Ok(Some((items, start, (*a, *b))))
    }

    fn truthy(
        &self,
        t: &Template,
        map: &[u32],
        e: &Expr,
        line: usize,
    ) -> Result<bool, Box<RenderError>> {
        let scope = self.scope(t, map);
        eval::eval_cow(e, &scope)
            .map(|v| v.truthy())
            .map_err(|err| Self::fail(t, line, err))
    }

    fn assign(
        &mut self,
        t: &Template,
        map: &[u32],
        target: &Target,
        v: Value,
        line: usize,
    ) -> Result<(), Box<RenderError>> {
        match target {
            Target::Name(id) => {
                let slot = map[*id as usize] as usize;
                if let Some(s) = self.slots.get_mut(slot) {
                    *s = Some(v);
                }
                Ok(())
            }
            Target::Tuple(targets) => {
                // Lists and tuples are unpacked in place; other iterables are expanded first.
                let expanded;
                let items: &[Value] = match &v {
                    Value::List(items) | Value::Tuple(items) => items,
                    other => {
                        expanded = eval::iterate(other).map_err(|e| {
                            Self::fail(
                                t,
                                line,
                                EvalError {
                                    msg: format!(
                                        "TypeError: cannot unpack non-iterable {} object",
                                        other.type_name()
                                    ),
                                    fatal: e.fatal,
                                },
                            )
                        })?;
                        &expanded
                    }
                };
                if items.len() != targets.len() {
                    let msg = if items.len() > targets.len() {
                        format!(
                            "ValueError: too many values to unpack (expected {})",
                            targets.len()
                        )
                    } else {
                        format!(
                            "ValueError: not enough values to unpack (expected {}, got {})",
                            targets.len(),
                            items.len()
                        )
                    };
                    return Err(Self::fail(t, line, EvalError { msg, fatal: false }));
                }
                for (tg, item) in targets.iter().zip(items) {
                    self.assign(t, map, tg, item.clone(), line)?;
                }
                Ok(())
            }
        }
    }

    fn check_size(&self, t: &Template, line: usize) -> Result<(), Box<RenderError>> {
        if self.out.len() > MAX_OUTPUT_BYTES {
            return Err(Self::limit_error(
                t,
                line,
                format!("output larger than {MAX_OUTPUT_BYTES} bytes"),
            ));
        }
        Ok(())
    }

    /// Evaluates `expr` and writes it, escaped unless `raw`, without copying the value when
    /// it already exists.
    fn write_expr(
        &mut self,
        t: &Template,
        map: &[u32],
        expr: &Expr,
        raw: bool,
        line: usize,
    ) -> Result<(), Box<RenderError>> {
        // Field-wise borrow: the output buffer is written while the scope is alive.
        let scope = Scope {
            slots: &self.slots,
            map,
            names: &t.names,
            work: &self.work,
        };
        let v = eval::eval_cow(expr, &scope).map_err(|e| Self::fail(t, line, e))?;
        let escape_fn = match (raw, t.autoescape) {
            (false, Some(id)) => Some(scope.lookup(id).map_err(|e| Self::fail(t, line, e))?),
            _ => None,
        };
        let out = &mut self.out;
        match escape_fn {
            None => v.write_str(out),
            Some(Value::Builtin(Builtin::XhtmlEscape)) => match &*v {
                Value::Str(s) => xhtml_escape_into(out, s),
                // Digits, signs, dots and letters never need escaping.
                Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::None => v.write_str(out),
                other => xhtml_escape_into(out, &other.to_py_string()),
            },
            Some(f) => {
                let text = match v.into_owned() {
                    s @ Value::Str(_) => s,
                    other => Value::from(other.to_py_string()),
                };
                let escaped = eval::call(f, &[text], &[]).map_err(|e| Self::fail(t, line, e))?;
                escaped.write_str(out);
            }
        }
        self.check_size(t, line)
    }

    fn exec(
        &mut self,
        t: &'a Template,
        map: &'a [u32],
        nodes: &'a [Node],
    ) -> Result<Flow, Box<RenderError>> {
        for node in nodes {
            match node {
                Node::Text(s) => {
                    self.out.push_str(s);
                    if self.out.len() > MAX_OUTPUT_BYTES {
                        return Err(Self::limit_error(
                            t,
                            0,
                            format!("output larger than {MAX_OUTPUT_BYTES} bytes"),
                        ));
                    }
                }
                Node::Expr { expr, raw, line } => self.write_expr(t, map, expr, *raw, *line)?,
                Node::If {
                    branches,
                    orelse,
                    line,
                } => {
                    let mut taken = None;
                    for (cond, body) in branches {
                        if self.truthy(t, map, cond, *line)? {
                            taken = Some(body);
                            break;
                        }
                    }
                    if let Some(body) = taken.or(orelse.as_ref()) {
                        let f = self.exec(t, map, body)?;
                        if f != Flow::Normal {
                            return Ok(f);
                        }
                    }
                }
                Node::For {
                    target,
                    iter,
                    body,
                    orelse,
                    line,
                } => {
                    // `for i, x in enumerate(seq)`: count instead of building tuples.
                    let (items, counter) = match self.enumerate_loop(t, map, iter, target, *line)? {
                        Some((seq, start, ids)) => (seq, Some((start, ids))),
                        None => match self.eval(t, map, iter, *line)? {
                            Value::List(items) | Value::Tuple(items) => (items, None),
                            other => {
                                let items =
                                    eval::iterate(&other).map_err(|e| Self::fail(t, *line, e))?;
                                (Arc::new(items), None)
                            }
                        },
                    };
                    let mut broke = false;
                    for (n, item) in items.iter().enumerate() {
                        self.tick(t, *line)?;
                        match counter {
                            Some((start, (index_id, item_id))) => {
                                self.set_slot(
                                    map,
                                    index_id,
                                    Value::Int(start.saturating_add(n as i64)),
                                );
                                self.set_slot(map, item_id, item.clone());
                            }
                            None => self.assign(t, map, target, item.clone(), *line)?,
                        }
                        if self.exec(t, map, body)? == Flow::Break {
                            broke = true;
                            break;
                        }
                    }
                    if !broke {
                        if let Some(e) = orelse {
                            let f = self.exec(t, map, e)?;
                            if f != Flow::Normal {
                                return Ok(f);
                            }
                        }
                    }
                }
                Node::While {
                    cond,
                    body,
                    orelse,
                    line,
                } => loop {
                    self.tick(t, *line)?;
                    if !self.truthy(t, map, cond, *line)? {
                        if let Some(e) = orelse {
                            let f = self.exec(t, map, e)?;
                            if f != Flow::Normal {
                                return Ok(f);
                            }
                        }
                        break;
                    }
                    if self.exec(t, map, body)? == Flow::Break {
                        break;
                    }
                },
                Node::Try {
                    body,
                    handler,
                    orelse,
                    finally,
                    line,
                } => {
                    let mut result = self.exec(t, map, body);
                    result = match result {
                        Ok(Flow::Normal) => match orelse {
                            Some(e) => self.exec(t, map, e),
                            None => Ok(Flow::Normal),
                        },
                        Err(err) if !err.fatal && handler.is_some() => {
                            let (var, hbody) = match handler {
                                Some(h) => h,
                                None => return Err(err),
                            };
                            if let Some(id) = var {
                                self.assign(
                                    t,
                                    map,
                                    &Target::Name(*id),
                                    Value::from(err.message.clone()),
                                    *line,
                                )?;
                            }
                            self.exec(t, map, hbody)
                        }
                        other => other,
                    };
                    if let Some(fin) = finally {
                        let f = self.exec(t, map, fin)?;
                        if f != Flow::Normal {
                            return Ok(f);
                        }
                    }
                    let f = result?;
                    if f != Flow::Normal {
                        return Ok(f);
                    }
                }
                Node::Set {
                    target,
                    op,
                    value,
                    line,
                } => {
                    let mut v = self.eval(t, map, value, *line)?;
                    if let (Some(op), Target::Name(id)) = (op, target) {
                        let scope = self.scope(t, map);
                        let cur = scope.lookup(*id).map_err(|e| Self::fail(t, *line, e))?;
                        v = eval::charge(&scope, eval::binary(*op, cur, &v))
                            .map_err(|e| Self::fail(t, *line, e))?;
                    } else if op.is_some() {
                        return Err(Self::fail(
                            t,
                            *line,
                            EvalError {
                                msg: "SyntaxError: illegal expression for augmented assignment"
                                    .into(),
                                fatal: false,
                            },
                        ));
                    }
                    self.assign(t, map, target, v, *line)?;
                }
                Node::Statement { expr, line } => {
                    self.eval(t, map, expr, *line)?;
                }
                Node::Break => return Ok(Flow::Break),
                Node::Continue => return Ok(Flow::Continue),
                Node::Block { id } => {
                    let name = &t.blocks[*id].name;
                    let (unit, bid) = match self.this.program.blocks.get(name) {
                        Some(&(u, b)) => (u, b),
                        None => continue,
                    };
                    let this: &'a Template = self.this;
                    let owner: &'a Template = match &this.program.units[unit].0 {
                        Owner::This => this,
                        Owner::Other(a) => a,
                    };
                    let omap: &'a [u32] = &this.program.units[unit].1;
                    self.enter(t, 0)?;
                    let f = self.exec(owner, omap, &owner.blocks[bid].body);
                    self.depth -= 1;
                    let f = f?;
                    if f != Flow::Normal {
                        return Ok(f);
                    }
                }
                Node::Include { id, line } => {
                    let inc: &'a Template = &t.includes[*id];
                    let imap = self.unit_map(inc);
                    self.enter(t, *line)?;
                    let f = self.exec(inc, imap, &inc.body);
                    self.depth -= 1;
                    f?;
                }
                Node::Apply { func, body, line } => {
                    let saved = std::mem::take(&mut self.out);
                    let inner = self.exec(t, map, body);
                    let text = std::mem::replace(&mut self.out, saved);
                    inner?;
                    let f = self.eval(t, map, func, *line)?;
                    let v = eval::call(&f, &[Value::from(text)], &[])
                        .map_err(|e| Self::fail(t, *line, e))?;
                    v.write_str(&mut self.out);
                    self.check_size(t, *line)?;
                }
            }
        }
        Ok(Flow::Normal)
    }

    fn enter(&mut self, t: &Template, line: usize) -> Result<(), Box<RenderError>> {
        self.depth += 1;
        if self.depth > MAX_INCLUDE_DEPTH * 4 {
            self.depth -= 1;
            return Err(Self::limit_error(
                t,
                line,
                "blocks and includes nested too deeply while rendering".into(),
            ));
        }
        Ok(())
    }
}
