//! Expression evaluation with Python semantics.

use std::borrow::Cow;
use std::cell::Cell;
use std::cmp::Ordering;
use std::sync::Arc;

use super::builtins;
use super::expr::{BinOp, CmpOp, Expr, KeyHint, UnOp};
use super::limits::{MAX_EXPRESSION_WORK, MAX_OUTPUT_BYTES, MAX_SEQUENCE_LEN};
use super::value::Value;

/// Why an expression failed. `fatal` errors come from safety limits and escape `{% try %}`.
#[derive(Debug)]
pub(crate) struct EvalError {
    pub(crate) msg: String,
    pub(crate) fatal: bool,
}

pub(crate) type EResult<T> = Result<T, EvalError>;

pub(crate) fn err<T>(msg: impl Into<String>) -> EResult<T> {
    Err(EvalError {
        msg: msg.into(),
        fatal: false,
    })
}

pub(crate) fn limit<T>(msg: impl Into<String>) -> EResult<T> {
    Err(EvalError {
        msg: msg.into(),
        fatal: true,
    })
}

impl From<String> for EvalError {
    fn from(msg: String) -> Self {
        EvalError { msg, fatal: false }
    }
}

/// Where names are read from while evaluating one template's expressions.
pub(crate) struct Scope<'a> {
    /// The render's variable slots (`None` = not defined).
    pub(crate) slots: &'a [Option<Value>],
    /// This template's name ids → slot indexes.
    pub(crate) map: &'a [u32],
    /// This template's name table (for messages).
    pub(crate) names: &'a [Arc<str>],
    /// What is left of the render's expression work budget.
    pub(crate) work: &'a Cell<u64>,
}

/// Charges the size of a freshly built value against the render's work budget.
#[inline]
pub(crate) fn charge(s: &Scope<'_>, v: EResult<Value>) -> EResult<Value> {
    let v = v?;
    let cost = match &v {
        Value::Str(x) => x.len() as u64,
        Value::List(x) | Value::Tuple(x) => x.len() as u64,
        Value::Dict(d) => d.len() as u64,
        _ => 0,
    };
    let left = s.work.get();
    if cost > left {
        return limit(format!(
            "expression work budget of {MAX_EXPRESSION_WORK} exceeded"
        ));
    }
    s.work.set(left - cost);
    Ok(v)
}

impl<'a> Scope<'a> {
    #[inline]
    pub(crate) fn lookup(&self, id: u32) -> EResult<&'a Value> {
        match self.slots.get(self.map[id as usize] as usize) {
            Some(Some(v)) => Ok(v),
            _ => err(format!(
                "NameError: name '{}' is not defined",
                self.names[id as usize]
            )),
        }
    }
}

/// Evaluates without copying when the result already exists (a constant, a variable, or an
/// element reached through attributes and indexes); computes a new value otherwise.
pub(crate) fn eval_cow<'a>(e: &'a Expr, s: &Scope<'a>) -> EResult<Cow<'a, Value>> {
    match e {
        Expr::Const(v) => Ok(Cow::Borrowed(v)),
        Expr::Name(id) => s.lookup(*id).map(Cow::Borrowed),
        // `row.key` / `row['key']` on a variable (the common shape) skip one recursion.
        Expr::Attr(obj, name, hint) => match &**obj {
            Expr::Name(id) => attr_ref(s.lookup(*id)?, name, hint).map(Cow::Borrowed),
            _ => match eval_cow(obj, s)? {
                Cow::Borrowed(o) => attr_ref(o, name, hint).map(Cow::Borrowed),
                Cow::Owned(o) => attr_ref(&o, name, hint).cloned().map(Cow::Owned),
            },
        },
        Expr::Item(obj, key, hint) => match &**obj {
            Expr::Name(id) => item_ref(s.lookup(*id)?, key, hint).map(Cow::Borrowed),
            _ => match eval_cow(obj, s)? {
                Cow::Borrowed(o) => item_ref(o, key, hint).map(Cow::Borrowed),
                Cow::Owned(o) => item_ref(&o, key, hint).cloned().map(Cow::Owned),
            },
        },
        Expr::Index(obj, idx) => {
            let i = eval_cow(idx, s)?;
            match eval_cow(obj, s)? {
                Cow::Borrowed(o) => match index_ref(o, &i)? {
                    Some(v) => Ok(Cow::Borrowed(v)),
                    None => index(o, &i).map(Cow::Owned),
                },
                Cow::Owned(o) => index(&o, &i).map(Cow::Owned),
            }
        }
        Expr::IfElse(c, a, b) => {
            if eval_cow(c, s)?.truthy() {
                eval_cow(a, s)
            } else {
                eval_cow(b, s)
            }
        }
        Expr::And(a, b) => {
            let x = eval_cow(a, s)?;
            if x.truthy() {
                eval_cow(b, s)
            } else {
                Ok(x)
            }
        }
        Expr::Or(a, b) => {
            let x = eval_cow(a, s)?;
            if x.truthy() {
                Ok(x)
            } else {
                eval_cow(b, s)
            }
        }
        _ => eval(e, s).map(Cow::Owned),
    }
}

fn attr_ref<'v>(o: &'v Value, name: &str, hint: &KeyHint) -> EResult<&'v Value> {
    if let Value::Dict(d) = o {
        if let Some(v) = d.get_str_hinted(name, &hint.0) {
            return Ok(v);
        }
    }
    err(format!(
        "AttributeError: '{}' object has no attribute '{name}'",
        o.type_name()
    ))
}

fn item_ref<'v>(o: &'v Value, key: &Arc<str>, hint: &KeyHint) -> EResult<&'v Value> {
    match o {
        Value::Dict(d) => match d.get_str_hinted(key, &hint.0) {
            Some(v) => Ok(v),
            None => err(format!(
                "KeyError: {}",
                Value::Str(key.clone()).to_py_repr()
            )),
        },
        other => match index_ref(other, &Value::Str(key.clone()))? {
            Some(v) => Ok(v),
            None => err(format!(
                "TypeError: '{}' object is not subscriptable",
                other.type_name()
            )),
        },
    }
}

/// Indexing that can borrow (lists, tuples, dicts); `None` when a new value is needed (str).
fn index_ref<'v>(o: &'v Value, i: &Value) -> EResult<Option<&'v Value>> {
    match o {
        Value::List(items) | Value::Tuple(items) => {
            let Some(n) = i.as_i64() else {
                return Err(EvalError {
                    msg: format!(
                        "TypeError: {} indices must be integers or slices, not {}",
                        o.type_name(),
                        i.type_name()
                    ),
                    fatal: false,
                });
            };
            match norm_index(n, items.len()) {
                Some(j) => Ok(Some(&items[j])),
                None => err(format!("IndexError: {} index out of range", o.type_name())),
            }
        }
        Value::Dict(d) => {
            check_hashable(i)?;
            match d.get(i) {
                Some(v) => Ok(Some(v)),
                None => err(format!("KeyError: {}", i.to_py_repr())),
            }
        }
        Value::Str(_) => Ok(None),
        v => err(format!(
            "TypeError: '{}' object is not subscriptable",
            v.type_name()
        )),
    }
}

pub(crate) fn eval(e: &Expr, s: &Scope<'_>) -> EResult<Value> {
    match e {
        Expr::Const(_)
        | Expr::Name(_)
        | Expr::Attr(..)
        | Expr::Item(..)
        | Expr::Index(..)
        | Expr::IfElse(..)
        | Expr::And(..)
        | Expr::Or(..) => eval_cow(e, s).map(Cow::into_owned),
        Expr::Slice(obj, parts) => {
            let o = eval_cow(obj, s)?;
            let mut bounds = [None, None, None];
            for (b, p) in bounds.iter_mut().zip(parts.iter()) {
                if let Some(p) = p {
                    match &*eval_cow(p, s)? {
                        Value::None => {}
                        v => match v.as_i64() {
                            Some(i) => *b = Some(i),
                            None => {
                                return err("TypeError: slice indices must be integers or None")
                            }
                        },
                    }
                }
            }
            slice(&o, bounds)
        }
        Expr::Call(func, args, kwargs) => {
            let f = eval_cow(func, s)?;
            let kwargs = eval_kwargs(kwargs, s)?;
            with_args(args, s, |args| charge(s, call(&f, args, &kwargs)))
        }
        Expr::Method(obj, name, args, kwargs) => {
            let o = eval_cow(obj, s)?;
            let kwargs = eval_kwargs(kwargs, s)?;
            with_args(args, s, |args| {
                if let Value::Dict(d) = &*o {
                    if let Some(f @ (Value::Function(_) | Value::Builtin(_))) = d.get_str(name) {
                        return charge(s, call(f, args, &kwargs));
                    }
                }
                charge(s, builtins::call_method(&o, name, args, &kwargs))
            })
        }
        Expr::Unary(op, inner) => {
            let v = eval_cow(inner, s)?;
            match op {
                UnOp::Not => Ok(Value::Bool(!v.truthy())),
                UnOp::Neg => match &*v {
                    Value::Bool(b) => Ok(Value::Int(-(*b as i64))),
                    Value::Int(i) => i.checked_neg().map(Value::Int).ok_or_else(overflow),
                    Value::Float(f) => Ok(Value::Float(-f)),
                    v => err(format!(
                        "TypeError: bad operand type for unary -: '{}'",
                        v.type_name()
                    )),
                },
                UnOp::Pos => match &*v {
                    Value::Bool(b) => Ok(Value::Int(*b as i64)),
                    Value::Int(_) | Value::Float(_) => Ok(v.into_owned()),
                    v => err(format!(
                        "TypeError: bad operand type for unary +: '{}'",
                        v.type_name()
                    )),
                },
            }
        }
        Expr::Binary(op, a, b) => {
            let x = eval_cow(a, s)?;
            let y = eval_cow(b, s)?;
            charge(s, binary(*op, &x, &y))
        }
        Expr::Compare(first, rest) => {
            let mut left = eval_cow(first, s)?;
            for (op, e) in rest {
                let right = eval_cow(e, s)?;
                if !compare(*op, &left, &right)? {
                    return Ok(Value::Bool(false));
                }
                left = right;
            }
            Ok(Value::Bool(true))
        }
        Expr::List(items) => Ok(Value::list(eval_all(items, s)?)),
        Expr::Tuple(items) => Ok(Value::tuple(eval_all(items, s)?)),
        Expr::Dict(items) => {
            let mut d = super::value::Dict::new();
            for (k, v) in items {
                let k = eval(k, s)?;
                check_hashable(&k)?;
                d.insert(k, eval(v, s)?);
            }
            Ok(Value::dict(d))
        }
    }
}

/// Evaluates call arguments, on the stack for the common short argument lists.
fn with_args<R>(
    args: &[Expr],
    s: &Scope<'_>,
    f: impl FnOnce(&[Value]) -> EResult<R>,
) -> EResult<R> {
    match args {
        [] => f(&[]),
        [a] => {
            let a = eval(a, s)?;
            f(std::slice::from_ref(&a))
        }
        [a, b] => {
            let v = [eval(a, s)?, eval(b, s)?];
            f(&v)
        }
        _ => {
            let v = eval_all(args, s)?;
            f(&v)
        }
    }
}

fn eval_all(items: &[Expr], s: &Scope<'_>) -> EResult<Vec<Value>> {
    items.iter().map(|e| eval(e, s)).collect()
}

fn eval_kwargs(items: &[(Arc<str>, Expr)], s: &Scope<'_>) -> EResult<Vec<(Arc<str>, Value)>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    items
        .iter()
        .map(|(k, e)| Ok((k.clone(), eval(e, s)?)))
        .collect()
}

pub(crate) fn check_hashable(k: &Value) -> EResult<()> {
    match k {
        Value::List(_) | Value::Dict(_) => {
            err(format!("TypeError: unhashable type: '{}'", k.type_name()))
        }
        Value::Tuple(items) => items.iter().try_for_each(check_hashable),
        _ => Ok(()),
    }
}

fn overflow() -> EvalError {
    EvalError {
        msg: "OverflowError: integer result does not fit in 64 bits".into(),
        fatal: false,
    }
}

pub(crate) fn call(f: &Value, args: &[Value], kwargs: &[(Arc<str>, Value)]) -> EResult<Value> {
    match f {
        Value::Function(func) => func.call(args, kwargs).map_err(EvalError::from),
        Value::Builtin(b) => builtins::call_builtin(*b, args, kwargs),
        v => err(format!(
            "TypeError: '{}' object is not callable",
            v.type_name()
        )),
    }
}

pub(crate) fn get_attr(o: &Value, name: &str) -> EResult<Value> {
    if let Value::Dict(d) = o {
        if let Some(v) = d.get_str(name) {
            return Ok(v.clone());
        }
    }
    err(format!(
        "AttributeError: '{}' object has no attribute '{name}'",
        o.type_name()
    ))
}

fn norm_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let j = if i < 0 { i + len } else { i };
    if (0..len).contains(&j) {
        Some(j as usize)
    } else {
        None
    }
}

pub(crate) fn index(o: &Value, i: &Value) -> EResult<Value> {
    match o {
        Value::List(items) | Value::Tuple(items) => {
            let Some(n) = i.as_i64() else {
                return err(format!(
                    "TypeError: {} indices must be integers or slices, not {}",
                    o.type_name(),
                    i.type_name()
                ));
            };
            match norm_index(n, items.len()) {
                Some(j) => Ok(items[j].clone()),
                None => err(format!("IndexError: {} index out of range", o.type_name())),
            }
        }
        Value::Str(s) => {
            let Some(n) = i.as_i64() else {
                return err(format!(
                    "TypeError: string indices must be integers, not '{}'",
                    i.type_name()
                ));
            };
            let count = s.chars().count();
            match norm_index(n, count).and_then(|j| s.chars().nth(j)) {
                Some(c) => Ok(Value::from(c.to_string())),
                None => err("IndexError: string index out of range"),
            }
        }
        Value::Dict(d) => {
            check_hashable(i)?;
            match d.get(i) {
                Some(v) => Ok(v.clone()),
                None => err(format!("KeyError: {}", i.to_py_repr())),
            }
        }
        v => err(format!(
            "TypeError: '{}' object is not subscriptable",
            v.type_name()
        )),
    }
}

/// Python's `slice.indices` followed by the walk.
fn slice_indices(len: usize, [start, stop, step]: [Option<i64>; 3]) -> EResult<Vec<usize>> {
    let len = len as i64;
    let step = step.unwrap_or(1);
    if step == 0 {
        return err("ValueError: slice step cannot be zero");
    }
    let clamp = |v: Option<i64>, default: i64, lo: i64, hi: i64| match v {
        None => default,
        Some(v) if v < 0 => (v + len).max(lo),
        Some(v) => v.min(hi),
    };
    let mut out = Vec::new();
    if step > 0 {
        let (a, b) = (clamp(start, 0, 0, len), clamp(stop, len, 0, len));
        let mut i = a;
        while i < b {
            out.push(i as usize);
            i += step;
        }
    } else {
        let (a, b) = (
            clamp(start, len - 1, -1, len - 1),
            clamp(stop, -1, -1, len - 1),
        );
        let mut i = a;
        while i > b {
            out.push(i as usize);
            i += step;
        }
    }
    Ok(out)
}

fn slice(o: &Value, bounds: [Option<i64>; 3]) -> EResult<Value> {
    match o {
        Value::List(items) | Value::Tuple(items) => {
            let picked: Vec<Value> = slice_indices(items.len(), bounds)?
                .into_iter()
                .map(|i| items[i].clone())
                .collect();
            Ok(if matches!(o, Value::List(_)) {
                Value::list(picked)
            } else {
                Value::tuple(picked)
            })
        }
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            let out: String = slice_indices(chars.len(), bounds)?
                .into_iter()
                .map(|i| chars[i])
                .collect();
            Ok(Value::from(out))
        }
        v => err(format!(
            "TypeError: '{}' object is not subscriptable",
            v.type_name()
        )),
    }
}

fn type_error(op: &str, a: &Value, b: &Value) -> EvalError {
    EvalError {
        msg: format!(
            "TypeError: unsupported operand type(s) for {op}: '{}' and '{}'",
            a.type_name(),
            b.type_name()
        ),
        fatal: false,
    }
}

fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::FloorDiv => "//",
        BinOp::Mod => "%",
        BinOp::Pow => "** or pow()",
    }
}

fn repeat(v: &Value, n: i64) -> EResult<Value> {
    let n = n.max(0) as usize;
    match v {
        Value::Str(s) => {
            if s.len().saturating_mul(n) > MAX_OUTPUT_BYTES {
                return limit(format!(
                    "string repetition larger than the {MAX_OUTPUT_BYTES}-byte limit"
                ));
            }
            Ok(Value::from(s.repeat(n)))
        }
        Value::List(items) | Value::Tuple(items) => {
            if items.len().saturating_mul(n) > MAX_SEQUENCE_LEN {
                return limit(format!(
                    "sequence repetition longer than the {MAX_SEQUENCE_LEN}-item limit"
                ));
            }
            let mut out = Vec::with_capacity(items.len() * n);
            for _ in 0..n {
                out.extend(items.iter().cloned());
            }
            Ok(if matches!(v, Value::List(_)) {
                Value::list(out)
            } else {
                Value::tuple(out)
            })
        }
        _ => err("TypeError: can't multiply sequence"),
    }
}

pub(crate) fn py_floordiv(a: i64, b: i64) -> Option<i64> {
    let q = a.checked_div(b)?;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q.checked_sub(1)
    } else {
        Some(q)
    }
}

pub(crate) fn py_mod(a: i64, b: i64) -> Option<i64> {
    let r = a.checked_rem(b)?;
    Some(if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    })
}

fn float_mod(a: f64, b: f64) -> f64 {
    let r = a % b;
    if r != 0.0 && ((r < 0.0) != (b < 0.0)) {
        r + b
    } else if r == 0.0 {
        0.0f64.copysign(b)
    } else {
        r
    }
}

pub(crate) fn binary(op: BinOp, x: &Value, y: &Value) -> EResult<Value> {
    use Value::*;
    // Integer arithmetic (bools count as ints).
    if let (Some(a), Some(b)) = (x.as_i64(), y.as_i64()) {
        return match op {
            BinOp::Add => a.checked_add(b).map(Int).ok_or_else(overflow),
            BinOp::Sub => a.checked_sub(b).map(Int).ok_or_else(overflow),
            BinOp::Mul => a.checked_mul(b).map(Int).ok_or_else(overflow),
            BinOp::Div => {
                if b == 0 {
                    err("ZeroDivisionError: division by zero")
                } else {
                    Ok(Float(a as f64 / b as f64))
                }
            }
            BinOp::FloorDiv => {
                if b == 0 {
                    err("ZeroDivisionError: integer division or modulo by zero")
                } else {
                    py_floordiv(a, b).map(Int).ok_or_else(overflow)
                }
            }
            BinOp::Mod => {
                if b == 0 {
                    err("ZeroDivisionError: integer division or modulo by zero")
                } else {
                    py_mod(a, b).map(Int).ok_or_else(overflow)
                }
            }
            BinOp::Pow => {
                if b < 0 {
                    if a == 0 {
                        err("ZeroDivisionError: 0.0 cannot be raised to a negative power")
                    } else {
                        Ok(Float((a as f64).powf(b as f64)))
                    }
                } else {
                    u32::try_from(b)
                        .ok()
                        .and_then(|e| a.checked_pow(e))
                        .map(Int)
                        .ok_or_else(overflow)
                }
            }
        };
    }
    if let (Some(a), Some(b)) = (x.as_f64(), y.as_f64()) {
        return match op {
            BinOp::Add => Ok(Float(a + b)),
            BinOp::Sub => Ok(Float(a - b)),
            BinOp::Mul => Ok(Float(a * b)),
            BinOp::Div => {
                if b == 0.0 {
                    err("ZeroDivisionError: float division by zero")
                } else {
                    Ok(Float(a / b))
                }
            }
            BinOp::FloorDiv => {
                if b == 0.0 {
                    err("ZeroDivisionError: float floor division by zero")
                } else {
                    Ok(Float(((a - float_mod(a, b)) / b).round()))
                }
            }
            BinOp::Mod => {
                if b == 0.0 {
                    err("ZeroDivisionError: float modulo")
                } else {
                    Ok(Float(float_mod(a, b)))
                }
            }
            BinOp::Pow => {
                if a == 0.0 && b < 0.0 {
                    err("ZeroDivisionError: 0.0 cannot be raised to a negative power")
                } else {
                    Ok(Float(a.powf(b)))
                }
            }
        };
    }
    match (op, x, y) {
        (BinOp::Add, Str(a), Str(b)) => {
            if a.len() + b.len() > MAX_OUTPUT_BYTES {
                return limit("string concatenation larger than the output limit");
            }
            let mut s = String::with_capacity(a.len() + b.len());
            s.push_str(a);
            s.push_str(b);
            Ok(Value::from(s))
        }
        (BinOp::Add, List(a), List(b)) | (BinOp::Add, Tuple(a), Tuple(b)) => {
            if a.len() + b.len() > MAX_SEQUENCE_LEN {
                return limit("sequence concatenation longer than the item limit");
            }
            let mut v = Vec::with_capacity(a.len() + b.len());
            v.extend(a.iter().cloned());
            v.extend(b.iter().cloned());
            Ok(if matches!(x, List(_)) {
                Value::list(v)
            } else {
                Value::tuple(v)
            })
        }
        (BinOp::Mul, Str(_) | List(_) | Tuple(_), n) if n.as_i64().is_some() => {
            repeat(x, n.as_i64().unwrap_or(0))
        }
        (BinOp::Mul, n, Str(_) | List(_) | Tuple(_)) if n.as_i64().is_some() => {
            repeat(y, n.as_i64().unwrap_or(0))
        }
        (BinOp::Mod, Str(fmt), args) => builtins::percent_format(fmt, args).map(Value::from),
        (BinOp::Add, Str(_), _) => err(format!(
            "TypeError: can only concatenate str (not \"{}\") to str",
            y.type_name()
        )),
        _ => Err(type_error(op_symbol(op), x, y)),
    }
}

pub(crate) fn contains(container: &Value, item: &Value) -> EResult<bool> {
    match container {
        Value::Str(s) => match item {
            Value::Str(sub) => Ok(s.contains(&**sub)),
            _ => err(format!(
                "TypeError: 'in <string>' requires string as left operand, not {}",
                item.type_name()
            )),
        },
        Value::List(items) | Value::Tuple(items) => Ok(items.iter().any(|v| v.py_eq(item))),
        Value::Dict(d) => {
            check_hashable(item)?;
            Ok(d.get(item).is_some())
        }
        v => err(format!(
            "TypeError: argument of type '{}' is not iterable",
            v.type_name()
        )),
    }
}

fn is_same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => Arc::ptr_eq(x, y),
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => Arc::ptr_eq(x, y),
        (Value::Dict(x), Value::Dict(y)) => Arc::ptr_eq(x, y),
        (Value::Int(x), Value::Int(y)) => x == y && (-5..=256).contains(x),
        _ => {
            a.py_eq(b)
                && matches!(
                    (a, b),
                    (Value::Function(_), Value::Function(_))
                        | (Value::Builtin(_), Value::Builtin(_))
                )
        }
    }
}

pub(crate) fn compare(op: CmpOp, a: &Value, b: &Value) -> EResult<bool> {
    let ord = |sym: &str| -> EResult<Ordering> {
        a.py_cmp(b).ok_or_else(|| EvalError {
            msg: format!(
                "TypeError: '{sym}' not supported between instances of '{}' and '{}'",
                a.type_name(),
                b.type_name()
            ),
            fatal: false,
        })
    };
    Ok(match op {
        CmpOp::Eq => a.py_eq(b),
        CmpOp::Ne => !a.py_eq(b),
        CmpOp::Lt => ord("<")? == Ordering::Less,
        CmpOp::Le => ord("<=")? != Ordering::Greater,
        CmpOp::Gt => ord(">")? == Ordering::Greater,
        CmpOp::Ge => ord(">=")? != Ordering::Less,
        CmpOp::In => contains(b, a)?,
        CmpOp::NotIn => !contains(b, a)?,
        CmpOp::Is => is_same(a, b),
        CmpOp::IsNot => !is_same(a, b),
    })
}

/// The items of an iterable (str → characters, dict → keys).
pub(crate) fn iterate(v: &Value) -> EResult<Vec<Value>> {
    match v {
        Value::List(items) | Value::Tuple(items) => Ok(items.to_vec()),
        Value::Str(s) => Ok(s.chars().map(|c| Value::from(c.to_string())).collect()),
        Value::Dict(d) => Ok(d.iter().map(|(k, _)| k.clone()).collect()),
        v => err(format!(
            "TypeError: '{}' object is not iterable",
            v.type_name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_division_rules() {
        assert_eq!(py_floordiv(-7, 2), Some(-4));
        assert_eq!(py_mod(-7, 2), Some(1));
        assert_eq!(py_mod(7, -2), Some(-1));
        assert_eq!(float_mod(-7.5, 2.0), 0.5);
        assert!(binary(BinOp::Add, &Value::Int(i64::MAX), &Value::Int(1)).is_err());
        assert_eq!(
            binary(BinOp::FloorDiv, &Value::Float(-7.0), &Value::Int(2)).ok(),
            Some(Value::Float(-4.0))
        );
    }

    #[test]
    fn slices() {
        let l = Value::list((0..5).map(Value::Int).collect());
        let r = slice(&l, [None, None, Some(-1)]).ok();
        assert_eq!(
            r.map(|v| v.to_py_string()),
            Some("[4, 3, 2, 1, 0]".to_string())
        );
        let r = slice(&l, [Some(-2), None, None]).ok();
        assert_eq!(r.map(|v| v.to_py_string()), Some("[3, 4]".to_string()));
        let r = slice(&Value::from("héllo"), [Some(1), Some(3), None]).ok();
        assert_eq!(r.map(|v| v.to_py_string()), Some("él".to_string()));
    }
}
