//! Template values with Python semantics.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::escape::write_python_float;

/// The signature of a registered function: positional arguments, then keyword arguments.
/// An `Err` becomes a render error carrying the template name and line.
pub type NativeFn = dyn Fn(&[Value], &[(Arc<str>, Value)]) -> Result<Value, String> + Send + Sync;

/// A function callable from template expressions: a name (for messages) and a Rust closure
/// over [`Value`]s.
///
/// ```
/// use tornado::template::{Function, Value};
/// let double = Function::new("double", |args| match args {
///     [Value::Int(i)] => Ok(Value::Int(i * 2)),
///     _ => Err("double() takes one int".into()),
/// });
/// assert_eq!(double.call(&[Value::Int(21)], &[]).unwrap(), Value::Int(42));
/// ```
#[derive(Clone)]
pub struct Function {
    inner: Arc<FunctionInner>,
}

struct FunctionInner {
    name: Box<str>,
    f: Box<NativeFn>,
}

impl Function {
    /// Wraps a closure that takes positional arguments only; keyword arguments are rejected.
    pub fn new<F>(name: &str, f: F) -> Function
    where
        F: Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    {
        let n: Arc<str> = Arc::from(name);
        Function::with_kwargs(name, move |args: &[Value], kwargs: &[(Arc<str>, Value)]| {
            if let Some((k, _)) = kwargs.first() {
                return Err(format!(
                    "TypeError: {n}() got an unexpected keyword argument '{k}'"
                ));
            }
            f(args)
        })
    }

    /// Wraps a closure that also receives keyword arguments (`f(1, shorten=True)`).
    pub fn with_kwargs<F>(name: &str, f: F) -> Function
    where
        F: Fn(&[Value], &[(Arc<str>, Value)]) -> Result<Value, String> + Send + Sync + 'static,
    {
        Function {
            inner: Arc::new(FunctionInner {
                name: Box::from(name),
                f: Box::new(f),
            }),
        }
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Calls the function.
    pub fn call(&self, args: &[Value], kwargs: &[(Arc<str>, Value)]) -> Result<Value, String> {
        (self.inner.f)(args, kwargs)
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<function {}>", self.inner.name)
    }
}

/// The functions every template can call without registering them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Builtin {
    /// `escape(s)` / `xhtml_escape(s)`.
    XhtmlEscape,
    /// `url_escape(s, plus=True)`.
    UrlEscape,
    /// `json_encode(v)`.
    JsonEncode,
    /// `squeeze(s)`.
    Squeeze,
    /// `linkify(text, shorten=False, extra_params="", require_protocol=False, permitted_protocols=["http", "https"])`.
    Linkify,
    /// `len(x)`.
    Len,
    /// `str(x)`.
    Str,
    /// `int(x)`.
    Int,
    /// `float(x)`.
    Float,
    /// `range([start,] stop[, step])`.
    Range,
    /// `enumerate(x, start=0)`.
    Enumerate,
    /// `sorted(x, reverse=False)`.
    Sorted,
    /// `min(...)`.
    Min,
    /// `max(...)`.
    Max,
    /// `abs(x)`.
    Abs,
    /// `round(x[, n])`.
    Round,
    /// `bool(x)`.
    Bool,
    /// `list(x)`.
    List,
    /// `tuple(x)`.
    Tuple,
    /// `zip(a, b, ...)`.
    Zip,
}

impl Builtin {
    /// Every built-in with the name templates use for it.
    pub const ALL: &'static [(&'static str, Builtin)] = &[
        ("escape", Builtin::XhtmlEscape),
        ("xhtml_escape", Builtin::XhtmlEscape),
        ("url_escape", Builtin::UrlEscape),
        ("json_encode", Builtin::JsonEncode),
        ("squeeze", Builtin::Squeeze),
        ("linkify", Builtin::Linkify),
        ("len", Builtin::Len),
        ("str", Builtin::Str),
        ("int", Builtin::Int),
        ("float", Builtin::Float),
        ("range", Builtin::Range),
        ("enumerate", Builtin::Enumerate),
        ("sorted", Builtin::Sorted),
        ("min", Builtin::Min),
        ("max", Builtin::Max),
        ("abs", Builtin::Abs),
        ("round", Builtin::Round),
        ("bool", Builtin::Bool),
        ("list", Builtin::List),
        ("tuple", Builtin::Tuple),
        ("zip", Builtin::Zip),
    ];

    /// Looks a built-in up by name.
    pub fn by_name(name: &str) -> Option<Builtin> {
        Builtin::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| *b)
    }

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        Builtin::ALL
            .iter()
            .find(|(_, b)| *b == self)
            .map_or("?", |(n, _)| n)
    }
}

/// Dictionaries above this size get a hash index on their string keys.
const DICT_INDEX_THRESHOLD: usize = 12;

/// An insertion-ordered dictionary, like Python's `dict`.
///
/// Small dictionaries (the usual case: a serialised struct) are searched linearly; larger ones
/// keep a hash index of their string keys.
#[derive(Clone, Default)]
pub struct Dict {
    entries: Vec<(Value, Value)>,
    index: Option<HashMap<Arc<str>, usize>>,
}

impl Dict {
    /// An empty dictionary.
    pub fn new() -> Dict {
        Dict::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    fn position(&self, key: &Value) -> Option<usize> {
        if let (Some(index), Value::Str(s)) = (&self.index, key) {
            return index.get(&**s).copied();
        }
        self.entries.iter().position(|(k, _)| k.py_eq(key))
    }

    /// Looks up a string key.
    pub fn get_str(&self, key: &str) -> Option<&Value> {
        if let Some(index) = &self.index {
            return index.get(key).map(|&i| &self.entries[i].1);
        }
        self.entries
            .iter()
            .find(|(k, _)| matches!(k, Value::Str(s) if &**s == key))
            .map(|(_, v)| v)
    }

    /// Looks up a string key, trying the position remembered in `hint` first.
    pub(crate) fn get_str_hinted(
        &self,
        key: &str,
        hint: &std::sync::atomic::AtomicU32,
    ) -> Option<&Value> {
        use std::sync::atomic::Ordering::Relaxed;
        let h = hint.load(Relaxed) as usize;
        if let Some((Value::Str(k), v)) = self.entries.get(h) {
            if &**k == key {
                return Some(v);
            }
        }
        let i = match &self.index {
            Some(index) => *index.get(key)?,
            None => self
                .entries
                .iter()
                .position(|(k, _)| matches!(k, Value::Str(s) if &**s == key))?,
        };
        hint.store(i as u32, Relaxed);
        Some(&self.entries[i].1)
    }

    /// Looks up a key with Python equality (`1 == 1.0 == True`).
    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// Inserts or replaces; a replaced key keeps its position, as in Python.
    pub fn insert(&mut self, key: Value, value: Value) {
        if let Some(i) = self.position(&key) {
            self.entries[i].1 = value;
            return;
        }
        if let (Some(index), Value::Str(s)) = (&mut self.index, &key) {
            index.insert(s.clone(), self.entries.len());
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() > DICT_INDEX_THRESHOLD {
            let mut index = HashMap::with_capacity(self.entries.len() * 2);
            for (i, (k, _)) in self.entries.iter().enumerate() {
                if let Value::Str(s) = k {
                    index.insert(s.clone(), i);
                }
            }
            self.index = Some(index);
        }
    }
}

impl fmt::Debug for Dict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

impl FromIterator<(Value, Value)> for Dict {
    fn from_iter<I: IntoIterator<Item = (Value, Value)>>(iter: I) -> Dict {
        let mut d = Dict::new();
        for (k, v) in iter {
            d.insert(k, v);
        }
        d
    }
}

/// A value inside a template, with Python's semantics.
///
/// Containers are reference-counted, so cloning a value is cheap. Integers are `i64`: there are
/// no big integers, and arithmetic that overflows is a render error (`OverflowError`), never a
/// wrap-around.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Value {
    /// `None`.
    #[default]
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(Arc<str>),
    /// A list.
    List(Arc<Vec<Value>>),
    /// A tuple.
    Tuple(Arc<Vec<Value>>),
    /// A dictionary. Attribute access (`user.name`) also reads its string keys, so serialised
    /// structs behave like objects.
    Dict(Arc<Dict>),
    /// A registered Rust function.
    Function(Function),
    /// One of the built-in functions.
    Builtin(Builtin),
}

impl Value {
    /// A string value.
    pub fn str(s: impl Into<Arc<str>>) -> Value {
        Value::Str(s.into())
    }

    /// A list value.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }

    /// A tuple value.
    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Arc::new(items))
    }

    /// A dict value.
    pub fn dict(d: Dict) -> Value {
        Value::Dict(Arc::new(d))
    }

    /// Converts any `serde::Serialize` value: structs and maps become dicts (field order kept),
    /// sequences become lists, tuples become tuples, `Option::None` and `()` become `None`, unit
    /// enum variants become their name, other variants a one-entry dict. Unsigned integers above
    /// `i64::MAX` are rejected.
    ///
    /// ```
    /// use tornado::template::Value;
    /// #[derive(serde::Serialize)]
    /// struct User { name: String, admin: bool }
    /// let v = Value::from_serialize(&User { name: "Ann".into(), admin: true }).unwrap();
    /// assert_eq!(v.to_py_string(), "{'name': 'Ann', 'admin': True}");
    /// ```
    pub fn from_serialize<T: serde::Serialize + ?Sized>(value: &T) -> Result<Value, String> {
        value
            .serialize(super::ser::ValueSerializer)
            .map_err(|e| e.0)
    }

    /// Python's type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Function(_) | Value::Builtin(_) => "function",
        }
    }

    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) | Value::Tuple(l) => !l.is_empty(),
            Value::Dict(d) => !d.is_empty(),
            Value::Function(_) | Value::Builtin(_) => true,
        }
    }

    /// The number as a float if this is a bool, int or float.
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Bool(b) => Some(*b as i64 as f64),
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The number as an int if this is a bool or int.
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Bool(b) => Some(*b as i64),
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Python `==`.
    pub fn py_eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (None, None) => true,
            (Str(a), Str(b)) => a == b,
            (List(a), List(b)) | (Tuple(a), Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.py_eq(y))
            }
            (Dict(a), Dict(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v.py_eq(w)))
            }
            (Function(a), Function(b)) => Arc::ptr_eq(&a.inner, &b.inner),
            (Builtin(a), Builtin(b)) => a == b,
            _ => match (self.as_i64(), other.as_i64()) {
                (Some(a), Some(b)) => a == b,
                _ => match (self.as_f64(), other.as_f64()) {
                    (Some(a), Some(b)) => a == b,
                    _ => false,
                },
            },
        }
    }

    /// Python ordering (`<`), or `None` when Python raises `TypeError`.
    pub fn py_cmp(&self, other: &Value) -> Option<Ordering> {
        use Value::*;
        match (self, other) {
            (Str(a), Str(b)) => Some(a.cmp(b)),
            (List(a), List(b)) | (Tuple(a), Tuple(b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    if !x.py_eq(y) {
                        return x.py_cmp(y);
                    }
                }
                Some(a.len().cmp(&b.len()))
            }
            _ => match (self.as_i64(), other.as_i64()) {
                (Some(a), Some(b)) => Some(a.cmp(&b)),
                _ => match (self.as_f64(), other.as_f64()) {
                    (Some(a), Some(b)) => a.partial_cmp(&b),
                    _ => Option::None,
                },
            },
        }
    }

    /// Python's `str(value)`.
    pub fn to_py_string(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            _ => {
                let mut out = String::new();
                self.write_repr(&mut out, false);
                out
            }
        }
    }

    /// Python's `repr(value)`.
    pub fn to_py_repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out, true);
        out
    }

    /// Appends `str(self)` to `out`.
    pub(crate) fn write_str(&self, out: &mut String) {
        match self {
            Value::Str(s) => out.push_str(s),
            Value::Int(i) => write_int(out, *i),
            _ => self.write_repr(out, false),
        }
    }

    fn write_repr(&self, out: &mut String, quote_strings: bool) {
        use fmt::Write;
        match self {
            Value::None => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => write_python_float(out, *f),
            Value::Str(s) => {
                if quote_strings {
                    write_str_repr(out, s)
                } else {
                    out.push_str(s)
                }
            }
            Value::List(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out, true);
                }
                out.push(']');
            }
            Value::Tuple(items) => {
                out.push('(');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out, true);
                }
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Value::Dict(d) => {
                out.push('{');
                for (i, (k, v)) in d.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_repr(out, true);
                    out.push_str(": ");
                    v.write_repr(out, true);
                }
                out.push('}');
            }
            Value::Function(f) => {
                let _ = write!(out, "<function {}>", f.name());
            }
            Value::Builtin(b) => {
                let _ = write!(out, "<built-in function {}>", b.name());
            }
        }
    }
}

/// Appends the decimal form of `i` without going through `fmt`.
fn write_int(out: &mut String, i: i64) {
    if i < 0 {
        out.push('-');
    }
    crate::escape::push_u64(out, i.unsigned_abs());
}

/// Python's `repr()` of a string: single quotes unless the text holds `'` but no `"`.
fn write_str_repr(out: &mut String, s: &str) {
    use fmt::Write;
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.py_eq(other)
    }
}

impl fmt::Display for Value {
    /// Formats as Python's `str()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_py_string())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(Arc::from(s))
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Value {
        Value::Int(i as i64)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Value {
        Value::list(v)
    }
}

impl From<Function> for Value {
    fn from(f: Function) -> Value {
        Value::Function(f)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::None, Into::into)
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeMap, SerializeSeq};
        match self {
            Value::None => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(v) => s.serialize_str(v),
            Value::List(items) | Value::Tuple(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items.iter() {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Dict(d) => {
                let mut map = s.serialize_map(Some(d.len()))?;
                for (k, v) in d.iter() {
                    // JSON object keys are strings; Python's json converts simple keys.
                    let key = match k {
                        Value::Str(_) => k.clone(),
                        Value::Int(_) | Value::Float(_) => Value::from(k.to_py_string()),
                        Value::Bool(b) => Value::from(if *b { "true" } else { "false" }),
                        Value::None => Value::from("null"),
                        _ => {
                            return Err(S::Error::custom(format!(
                                "keys must be str, int, float, bool or None, not {}",
                                k.type_name()
                            )))
                        }
                    };
                    map.serialize_entry(&key, v)?;
                }
                map.end()
            }
            Value::Function(_) | Value::Builtin(_) => Err(S::Error::custom(
                "Object of type function is not JSON serializable",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn str_like_python() {
        let v = Value::list(vec![
            Value::Int(1),
            "a".into(),
            Value::Float(0.1),
            Value::None,
            Value::Bool(true),
        ]);
        assert_eq!(v.to_py_string(), "[1, 'a', 0.1, None, True]");
        assert_eq!(Value::tuple(vec![Value::Int(1)]).to_py_string(), "(1,)");
        assert_eq!(Value::from("it's").to_py_repr(), "\"it's\"");
        assert_eq!(Value::from("a\n\\").to_py_repr(), "'a\\n\\\\'");
    }

    #[test]
    fn equality_and_order() {
        assert!(Value::Int(1).py_eq(&Value::Float(1.0)));
        assert!(Value::Bool(true).py_eq(&Value::Int(1)));
        assert_eq!(
            Value::from("a").py_cmp(&Value::from("b")),
            Some(Ordering::Less)
        );
        assert_eq!(Value::from("a").py_cmp(&Value::Int(1)), None);
    }

    #[test]
    fn dict_index_kicks_in() {
        let mut d = Dict::new();
        for i in 0..40 {
            d.insert(Value::from(format!("k{i}")), Value::Int(i));
        }
        d.insert(Value::from("k3"), Value::Int(-3));
        assert_eq!(d.get_str("k3"), Some(&Value::Int(-3)));
        assert_eq!(d.get_str("k39"), Some(&Value::Int(39)));
        assert_eq!(d.len(), 40);
    }
}
