//! Built-in functions, methods of str/list/dict, and string formatting.

use std::cmp::Ordering;
use std::sync::Arc;

use super::eval::{self, err, limit, EResult, EvalError};
use super::limits::MAX_SEQUENCE_LEN;
use super::value::{Builtin, Dict, Value};
use crate::escape;

type Kwargs<'a> = &'a [(Arc<str>, Value)];

fn kwarg<'a>(kwargs: Kwargs<'a>, name: &str) -> Option<&'a Value> {
    kwargs.iter().find(|(k, _)| &**k == name).map(|(_, v)| v)
}

fn no_kwargs(fname: &str, kwargs: Kwargs<'_>) -> EResult<()> {
    match kwargs.first() {
        Some((k, _)) => err(format!(
            "TypeError: {fname}() got an unexpected keyword argument '{k}'"
        )),
        None => Ok(()),
    }
}

fn check_kwargs(fname: &str, kwargs: Kwargs<'_>, allowed: &[&str]) -> EResult<()> {
    for (k, _) in kwargs {
        if !allowed.contains(&&**k) {
            return err(format!(
                "TypeError: {fname}() got an unexpected keyword argument '{k}'"
            ));
        }
    }
    Ok(())
}

fn arity(fname: &str, args: &[Value], min: usize, max: usize) -> EResult<()> {
    if args.len() < min || args.len() > max {
        let want = if min == max {
            format!("exactly {min}")
        } else {
            format!("from {min} to {max}")
        };
        return err(format!(
            "TypeError: {fname}() takes {want} arguments ({} given)",
            args.len()
        ));
    }
    Ok(())
}

fn want_str<'a>(fname: &str, v: &'a Value) -> EResult<&'a str> {
    match v {
        Value::Str(s) => Ok(s),
        v => err(format!(
            "TypeError: {fname}() expected str, got {}",
            v.type_name()
        )),
    }
}

fn want_int(fname: &str, v: &Value) -> EResult<i64> {
    v.as_i64().ok_or_else(|| {
        EvalError::from(format!(
            "TypeError: {fname}() expected int, got {}",
            v.type_name()
        ))
    })
}

fn sort_values(items: &mut [Value]) -> EResult<()> {
    let mut failure = None;
    items.sort_by(|a, b| match a.py_cmp(b) {
        Some(o) => o,
        None => {
            failure.get_or_insert_with(|| {
                format!(
                    "TypeError: '<' not supported between instances of '{}' and '{}'",
                    b.type_name(),
                    a.type_name()
                )
            });
            Ordering::Equal
        }
    });
    match failure {
        Some(m) => err(m),
        None => Ok(()),
    }
}

fn parse_int_text(s: &str, base: u32) -> Option<i64> {
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    let digits: String = t.chars().filter(|c| *c != '_').collect();
    let v = i64::from_str_radix(&digits, base).ok()?;
    Some(if neg { -v } else { v })
}

fn parse_float_text(s: &str) -> Option<f64> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => return Some(f64::INFINITY),
        "-inf" | "-infinity" => return Some(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => return Some(f64::NAN),
        _ => {}
    }
    if t.contains("__") || t.starts_with('_') || t.ends_with('_') {
        return None;
    }
    let cleaned: String = t.chars().filter(|c| *c != '_').collect();
    if cleaned
        .chars()
        .any(|c| c.is_alphabetic() && c != 'e' && c != 'E')
    {
        return None;
    }
    cleaned.parse().ok()
}

/// Round half to even, as Python's `round(x)`.
fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

fn float_to_int(f: f64) -> EResult<i64> {
    if f.is_nan() {
        return err("ValueError: cannot convert float NaN to integer");
    }
    if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        return err("OverflowError: cannot convert float to a 64-bit integer");
    }
    Ok(f as i64)
}

pub(crate) fn call_builtin(b: Builtin, args: &[Value], kwargs: Kwargs<'_>) -> EResult<Value> {
    let name = b.name();
    match b {
        Builtin::XhtmlEscape => {
            no_kwargs(name, kwargs)?;
            arity(name, args, 1, 1)?;
            Ok(Value::from(escape::xhtml_escape(&str_arg(name, &args[0])?)))
        }
        Builtin::UrlEscape => {
            check_kwargs(name, kwargs, &["plus"])?;
            arity(name, args, 1, 2)?;
            let plus = args
                .get(1)
                .or(kwarg(kwargs, "plus"))
                .is_none_or(Value::truthy);
            Ok(Value::from(escape::url_escape(
                &str_arg(name, &args[0])?,
                plus,
            )))
        }
        Builtin::JsonEncode => {
            no_kwargs(name, kwargs)?;
            arity(name, args, 1, 1)?;
            escape::json_encode(&args[0])
                .map(Value::from)
                .map_err(|e| EvalError::from(format!("TypeError: {e}")))
        }
        Builtin::Squeeze => {
            no_kwargs(name, kwargs)?;
            arity(name, args, 1, 1)?;
            Ok(Value::from(escape::squeeze(want_str(name, &args[0])?)))
        }
        Builtin::Linkify => linkify(args, kwargs),
        Builtin::Len => {
            no_kwargs(name, kwargs)?;
            arity(name, args, 1, 1)?;
            let n = match &args[0] {
                Value::Str(s) => s.chars().count(),
                Value::List(l) | Value::Tuple(l) => l.len(),
                Value::Dict(d) => d.len(),
                v => {
                    return err(format!(
                        "TypeError: object of type '{}' has no len()",
                        v.type_name()
                    ))
                }
            };
            Ok(Value::Int(n as i64))
        }
        Builtin::Str => {
            no_kwargs(name, kwargs)?;
            arity(name, args, 0, 1)?;
            Ok(match args.first() {
                Some(v @ Value::Str(_)) => v.clone(),
                Some(v) => Value::from(v.to_py_string()),
                None => Value::from(""),
            })
        }
        Builtin::Int => {
            check_kwargs(name, kwargs, &["base"])?;
            arity(name, args, 0, 2)?;
            let base = match args.get(1).or(kwarg(kwargs, "base")) {
                Some(b) => Some(want_int(name, b)?),
                None => None,
            };
            match (args.first(), base) {
                (None, _) => Ok(Value::Int(0)),
                (Some(Value::Str(s)), base) => {
                    let base = base.unwrap_or(10);
                    if !(2..=36).contains(&base) {
                        return err("ValueError: int() base must be >= 2 and <= 36");
                    }
                    parse_int_text(s, base as u32).map(Value::Int).ok_or_else(|| {
                        EvalError::from(format!(
                            "ValueError: invalid literal for int() with base {base}: {}",
                            Value::Str(s.clone()).to_py_repr()
                        ))
                    })
                }
                (Some(_), Some(_)) => err("TypeError: int() can't convert non-string with explicit base"),
                (Some(v), None) => match v {
                    Value::Bool(_) | Value::Int(_) => Ok(Value::Int(v.as_i64().unwrap_or(0))),
                    Value::Float(f) => float_to_int(*f).map(Value::Int),
                    v => err(format!(
                        "TypeError: int() argument must be a string, a bytes-like object or a real number, not '{}'",
                        v.type_name()
                    )),
                },
            }
        }
        Builtin::Float => {
            no_kwargs(name, kwargs)?;
            arity(name, args, 0, 1)?;
            match args.first() {
                None => Ok(Value::Float(0.0)),
                Some(Value::Str(s)) => parse_float_text(s).map(Value::Float).ok_or_else(|| {
                    EvalError::from(format!(
                        "ValueError: could not convert string to float: {}",
                        Value::Str(s.clone()).to_py_repr()
                    ))
                }),
                Some(v) => match v.as_f64() {
                    Some(f) => Ok(Value::Float(f)),
                    None => err(format!(
                        "TypeError: float() argument must be a string or a real number, not '{}'",
                        v.type_name()
                    )),
                },
            }
        }
        Builtin::Range => {
            no_kwargs(name, kwargs)?;
            arity(name, args, 1, 3)?;
            let ints: Vec<i64> = args
                .iter()
                .map(|a| want_int(name, a))
                .collect::<EResult<_>>()?;
            let (start, stop, step) = match ints.as_slice() {
                [stop] => (0, *stop, 1),
                [start, stop] => (*start, *stop, 1),
                [start, stop, step] => (*start, *stop, *step),
                _ => return err("TypeError: range expected at most 3 arguments"),
            };
            if step == 0 {
                return err("ValueError: range() arg 3 must not be zero");
            }
            let len = if step > 0 {
                if stop > start {
                    ((stop as i128 - start as i128 - 1) / step as i128 + 1) as u128
                } else {
                    0
                }
            } else if start > stop {
                ((start as i128 - stop as i128 - 1) / (-(step as i128)) + 1) as u128
            } else {
                0
            };
            if len > MAX_SEQUENCE_LEN as u128 {
                return limit(format!(
                    "range() of {len} items is over the {MAX_SEQUENCE_LEN}-item limit"
                ));
            }
            let mut out = Vec::with_capacity(len as usize);
            let mut v = start;
            for _ in 0..len {
                out.push(Value::Int(v));
                v = v.wrapping_add(step);
            }
            Ok(Value::list(out))
        }
        Builtin::Enumerate => {
            check_kwargs(name, kwargs, &["start"])?;
            arity(name, args, 1, 2)?;
            let start = match args.get(1).or(kwarg(kwargs, "start")) {
                Some(s) => want_int(name, s)?,
                None => 0,
            };
            let items = eval::iterate(&args[0])?;
            let out = items
                .into_iter()
                .enumerate()
                .map(|(i, v)| Value::tuple(vec![Value::Int(start.saturating_add(i as i64)), v]))
                .collect();
            Ok(Value::list(out))
        }
        Builtin::Sorted => {
            check_kwargs(name, kwargs, &["reverse", "key"])?;
            arity(name, args, 1, 1)?;
            let mut items = eval::iterate(&args[0])?;
            match kwarg(kwargs, "key") {
                Some(Value::None) | None => sort_values(&mut items)?,
                Some(f) => {
                    let mut keyed: Vec<(Value, Value)> = items
                        .into_iter()
                        .map(|v| Ok((eval::call(f, std::slice::from_ref(&v), &[])?, v)))
                        .collect::<EResult<_>>()?;
                    let mut keys: Vec<Value> = keyed.iter().map(|(k, _)| k.clone()).collect();
                    sort_values(&mut keys)?;
                    keyed.sort_by(|a, b| a.0.py_cmp(&b.0).unwrap_or(Ordering::Equal));
                    items = keyed.into_iter().map(|(_, v)| v).collect();
                }
            }
            if kwarg(kwargs, "reverse").is_some_and(Value::truthy) {
                items.reverse();
            }
            Ok(Value::list(items))
        }
        Builtin::Min | Builtin::Max => {
            check_kwargs(name, kwargs, &["default"])?;
            let items = match args {
                [] => {
                    return err(format!(
                        "TypeError: {name} expected at least 1 argument, got 0"
                    ))
                }
                [one] => eval::iterate(one)?,
                many => many.to_vec(),
            };
            let want = if b == Builtin::Min {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            let mut best: Option<Value> = None;
            for v in items {
                best = Some(match best {
                    None => v,
                    Some(cur) => match v.py_cmp(&cur) {
                        Some(o) if o == want => v,
                        Some(_) => cur,
                        None => {
                            return err(format!(
                                "TypeError: '<' not supported between instances of '{}' and '{}'",
                                v.type_name(),
                                cur.type_name()
                            ))
                        }
                    },
                });
            }
            match (best, kwarg(kwargs, "default")) {
                (Some(v), _) => Ok(v),
                (None, Some(d)) => Ok(d.clone()),
                (None, None) => err(format!("ValueError: {name}() arg is an empty sequence")),
            }
        }
        Builtin::Abs => {
            no_kwargs(name, kwargs)?;
            arity(name, args, 1, 1)?;
            match &args[0] {
                Value::Float(f) => Ok(Value::Float(f.abs())),
                v => match v.as_i64() {
                    Some(i) => i.checked_abs().map(Value::Int).ok_or_else(|| {
                        EvalError::from("OverflowError: abs() of the smallest int".to_string())
                    }),
                    None => err(format!(
                        "TypeError: bad operand type for abs(): '{}'",
                        v.type_name()
                    )),
                },
            }
        }
        Builtin::Round => {
            check_kwargs(name, kwargs, &["ndigits"])?;
            arity(name, args, 1, 2)?;
            let nd = args
                .get(1)
                .or(kwarg(kwargs, "ndigits"))
                .filter(|v| !matches!(v, Value::None));
            match (&args[0], nd) {
                (Value::Float(f), None) => float_to_int(round_half_even(*f)).map(Value::Int),
                (Value::Float(f), Some(n)) => {
                    let n = want_int(name, n)?;
                    if !f.is_finite() {
                        return Ok(Value::Float(*f));
                    }
                    if n >= 0 {
                        let n = n.min(300) as usize;
                        Ok(Value::Float(format!("{f:.n$}").parse().unwrap_or(*f)))
                    } else {
                        let p = 10f64.powi((-n).min(308) as i32);
                        Ok(Value::Float(round_half_even(f / p) * p))
                    }
                }
                (v, nd) => match v.as_i64() {
                    Some(i) => match nd {
                        Some(n) if want_int(name, n)? < 0 => {
                            let n = want_int(name, n)?;
                            let p = 10i64.checked_pow((-n) as u32).unwrap_or(i64::MAX);
                            let r = eval::py_mod(i, p).unwrap_or(0);
                            let base = i - r;
                            let up = r * 2 > p || (r * 2 == p && (base / p) % 2 != 0);
                            Ok(Value::Int(if up { base + p } else { base }))
                        }
                        _ => Ok(Value::Int(i)),
                    },
                    None => err(format!(
                        "TypeError: type {} doesn't define __round__ method",
                        v.type_name()
                    )),
                },
            }
        }
        Builtin::Bool => {
            no_kwargs(name, kwargs)?;
            arity(name, args, 0, 1)?;
            Ok(Value::Bool(args.first().is_some_and(Value::truthy)))
        }
        Builtin::List | Builtin::Tuple => {
            no_kwargs(name, kwargs)?;
            arity(name, args, 0, 1)?;
            let items = match args.first() {
                Some(v) => eval::iterate(v)?,
                None => Vec::new(),
            };
            Ok(if b == Builtin::List {
                Value::list(items)
            } else {
                Value::tuple(items)
            })
        }
        Builtin::Zip => {
            no_kwargs(name, kwargs)?;
            let lists: Vec<Vec<Value>> = args.iter().map(eval::iterate).collect::<EResult<_>>()?;
            let n = lists.iter().map(Vec::len).min().unwrap_or(0);
            let out = (0..n)
                .map(|i| Value::tuple(lists.iter().map(|l| l[i].clone()).collect()))
                .collect();
            Ok(Value::list(out))
        }
    }
}

/// Escaping functions take text; Tornado also accepts bytes, which templates do not have.
fn str_arg(fname: &str, v: &Value) -> EResult<String> {
    match v {
        Value::Str(s) => Ok(s.to_string()),
        v => err(format!(
            "TypeError: {fname}() expected str, got {} (use str() first)",
            v.type_name()
        )),
    }
}

fn linkify(args: &[Value], kwargs: Kwargs<'_>) -> EResult<Value> {
    let name = "linkify";
    check_kwargs(
        name,
        kwargs,
        &[
            "shorten",
            "extra_params",
            "require_protocol",
            "permitted_protocols",
        ],
    )?;
    arity(name, args, 1, 5)?;
    let get = |i: usize, k: &str| args.get(i).or(kwarg(kwargs, k));
    let text = str_arg(name, &args[0])?;
    let mut opts = escape::LinkifyOptions {
        shorten: get(1, "shorten").is_some_and(Value::truthy),
        require_protocol: get(3, "require_protocol").is_some_and(Value::truthy),
        ..Default::default()
    };
    match get(2, "extra_params") {
        None => {}
        Some(Value::Str(s)) => opts.extra_params = escape::ExtraParams::Text(s.to_string()),
        Some(f @ (Value::Function(_) | Value::Builtin(_))) => {
            let f = f.clone();
            opts.extra_params = escape::ExtraParams::Fn(Arc::new(move |href: &str| {
                eval::call(&f, &[Value::from(href)], &[])
                    .map(|v| v.to_py_string())
                    .unwrap_or_default()
            }));
        }
        Some(v) => {
            return err(format!(
                "TypeError: extra_params must be a str or a function, not {}",
                v.type_name()
            ))
        }
    }
    if let Some(p) = get(4, "permitted_protocols") {
        opts.permitted_protocols = eval::iterate(p)?.iter().map(Value::to_py_string).collect();
    }
    Ok(Value::from(escape::linkify(&text, &opts)))
}

fn python_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        prev_cased = c.is_lowercase() || c.is_uppercase();
    }
    out
}

fn strip_chars<'a>(s: &'a str, chars: Option<&Value>, left: bool, right: bool) -> EResult<&'a str> {
    match chars {
        None | Some(Value::None) => Ok(match (left, right) {
            (true, true) => s.trim(),
            (true, false) => s.trim_start(),
            _ => s.trim_end(),
        }),
        Some(Value::Str(cs)) => {
            let f = |c: char| cs.contains(c);
            Ok(match (left, right) {
                (true, true) => s.trim_matches(f),
                (true, false) => s.trim_start_matches(f),
                _ => s.trim_end_matches(f),
            })
        }
        Some(v) => err(format!(
            "TypeError: strip arg must be None or str, not {}",
            v.type_name()
        )),
    }
}

fn str_list(items: Vec<&str>) -> Value {
    Value::list(items.into_iter().map(Value::from).collect())
}

fn prefix_test(s: &str, arg: &Value, start: bool) -> EResult<bool> {
    let test = |p: &str| {
        if start {
            s.starts_with(p)
        } else {
            s.ends_with(p)
        }
    };
    match arg {
        Value::Str(p) => Ok(test(p)),
        Value::Tuple(ps) => {
            for p in ps.iter() {
                match p {
                    Value::Str(p) if test(p) => return Ok(true),
                    Value::Str(_) => {}
                    v => {
                        return err(format!(
                            "TypeError: tuple for startswith must only contain str, not {}",
                            v.type_name()
                        ))
                    }
                }
            }
            Ok(false)
        }
        v => err(format!(
            "TypeError: startswith first arg must be str or a tuple of str, not {}",
            v.type_name()
        )),
    }
}

fn pad(s: &str, width: i64, fill: &Value, align: char) -> EResult<Value> {
    let fill = match fill {
        Value::Str(f) if f.chars().count() == 1 => f.chars().next().unwrap_or(' '),
        Value::None => ' ',
        _ => return err("TypeError: The fill character must be exactly one character long"),
    };
    Ok(Value::from(pad_str(s, width.max(0) as usize, fill, align)))
}

fn pad_str(s: &str, width: usize, fill: char, align: char) -> String {
    let len = s.chars().count();
    if len >= width {
        return s.to_string();
    }
    let total = width - len;
    let (l, r) = match align {
        '<' => (0, total),
        '>' => (total, 0),
        // Python's str.center puts the extra space on the left when the width is odd and the
        // string length even; format's '^' puts it on the right.
        'c' => {
            let left = total / 2 + (total & width & 1);
            (left, total - left)
        }
        _ => (total / 2, total - total / 2),
    };
    let mut out = String::with_capacity(s.len() + total);
    out.extend(std::iter::repeat_n(fill, l));
    out.push_str(s);
    out.extend(std::iter::repeat_n(fill, r));
    out
}

pub(crate) fn call_method(
    o: &Value,
    name: &str,
    args: &[Value],
    kwargs: Kwargs<'_>,
) -> EResult<Value> {
    match o {
        Value::Str(s) => str_method(s, name, args, kwargs),
        Value::List(items) | Value::Tuple(items) => {
            no_kwargs(name, kwargs)?;
            match name {
                "count" => {
                    arity(name, args, 1, 1)?;
                    Ok(Value::Int(
                        items.iter().filter(|v| v.py_eq(&args[0])).count() as i64,
                    ))
                }
                "index" => {
                    arity(name, args, 1, 1)?;
                    match items.iter().position(|v| v.py_eq(&args[0])) {
                        Some(i) => Ok(Value::Int(i as i64)),
                        None => err(format!(
                            "ValueError: {} is not in list",
                            args[0].to_py_repr()
                        )),
                    }
                }
                _ => no_attr(o, name),
            }
        }
        Value::Dict(d) => {
            no_kwargs(name, kwargs)?;
            match name {
                "items" => {
                    arity(name, args, 0, 0)?;
                    Ok(Value::list(
                        d.iter()
                            .map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()]))
                            .collect(),
                    ))
                }
                "keys" => {
                    arity(name, args, 0, 0)?;
                    Ok(Value::list(d.iter().map(|(k, _)| k.clone()).collect()))
                }
                "values" => {
                    arity(name, args, 0, 0)?;
                    Ok(Value::list(d.iter().map(|(_, v)| v.clone()).collect()))
                }
                "get" => {
                    arity(name, args, 1, 2)?;
                    eval::check_hashable(&args[0])?;
                    Ok(d.get(&args[0])
                        .cloned()
                        .unwrap_or_else(|| args.get(1).cloned().unwrap_or(Value::None)))
                }
                _ => match d.get_str(name) {
                    Some(f) => eval::call(f, args, kwargs),
                    None => no_attr(o, name),
                },
            }
        }
        _ => no_attr(o, name),
    }
}

fn no_attr<T>(o: &Value, name: &str) -> EResult<T> {
    err(format!(
        "AttributeError: '{}' object has no attribute '{name}'",
        o.type_name()
    ))
}

fn str_method(s: &Arc<str>, name: &str, args: &[Value], kwargs: Kwargs<'_>) -> EResult<Value> {
    if name == "format" {
        return str_format(s, args, kwargs).map(Value::from);
    }
    match name {
        "split" | "rsplit" => check_kwargs(name, kwargs, &["sep", "maxsplit"])?,
        _ => no_kwargs(name, kwargs)?,
    }
    let text: &str = s;
    match name {
        "upper" => Ok(Value::from(text.to_uppercase())),
        "lower" => Ok(Value::from(text.to_lowercase())),
        "title" => Ok(Value::from(python_title(text))),
        "capitalize" => {
            let mut cs = text.chars();
            Ok(Value::from(match cs.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(cs.as_str().to_lowercase().chars())
                    .collect::<String>(),
                None => String::new(),
            }))
        }
        "swapcase" => Ok(Value::from(
            text.chars()
                .flat_map(|c| {
                    if c.is_uppercase() {
                        c.to_lowercase().collect::<Vec<_>>()
                    } else {
                        c.to_uppercase().collect()
                    }
                })
                .collect::<String>(),
        )),
        "strip" | "lstrip" | "rstrip" => {
            arity(name, args, 0, 1)?;
            let r = strip_chars(text, args.first(), name != "rstrip", name != "lstrip")?;
            Ok(Value::from(r))
        }
        "split" | "rsplit" => {
            arity(name, args, 0, 2)?;
            let sep = args
                .first()
                .or(kwarg(kwargs, "sep"))
                .filter(|v| !matches!(v, Value::None));
            let maxsplit = match args.get(1).or(kwarg(kwargs, "maxsplit")) {
                Some(v) => want_int(name, v)?,
                None => -1,
            };
            let limit = if maxsplit < 0 {
                usize::MAX
            } else {
                maxsplit as usize + 1
            };
            match sep {
                None => {
                    let mut parts = Vec::new();
                    let mut rest = text.trim_start();
                    if name == "rsplit" {
                        let mut rest = text.trim_end();
                        while !rest.is_empty() {
                            if parts.len() + 1 == limit {
                                parts.push(rest.trim_end());
                                break;
                            }
                            match rest.rfind(char::is_whitespace) {
                                Some(i) => {
                                    let ws = rest[i..].chars().next().map_or(1, char::len_utf8);
                                    parts.push(&rest[i + ws..]);
                                    rest = rest[..i].trim_end();
                                }
                                None => {
                                    parts.push(rest);
                                    break;
                                }
                            }
                        }
                        parts.reverse();
                        return Ok(str_list(parts));
                    }
                    while !rest.is_empty() {
                        if parts.len() + 1 == limit {
                            parts.push(rest.trim_end());
                            break;
                        }
                        match rest.find(char::is_whitespace) {
                            Some(i) => {
                                parts.push(&rest[..i]);
                                rest = rest[i..].trim_start();
                            }
                            None => {
                                parts.push(rest);
                                break;
                            }
                        }
                    }
                    Ok(str_list(parts))
                }
                Some(Value::Str(sep)) => {
                    if sep.is_empty() {
                        return err("ValueError: empty separator");
                    }
                    if name == "rsplit" {
                        let mut parts: Vec<&str> = text.rsplitn(limit, &**sep).collect();
                        parts.reverse();
                        Ok(str_list(parts))
                    } else {
                        Ok(str_list(text.splitn(limit, &**sep).collect()))
                    }
                }
                Some(v) => err(format!(
                    "TypeError: must be str or None, not {}",
                    v.type_name()
                )),
            }
        }
        "splitlines" => {
            arity(name, args, 0, 0)?;
            Ok(str_list(text.lines().collect()))
        }
        "join" => {
            arity(name, args, 1, 1)?;
            let expanded;
            let items: &[Value] = match &args[0] {
                Value::List(l) | Value::Tuple(l) => l,
                other => {
                    expanded = eval::iterate(other)?;
                    &expanded
                }
            };
            let mut out = String::new();
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(text);
                }
                match v {
                    Value::Str(p) => out.push_str(p),
                    v => {
                        return err(format!(
                            "TypeError: sequence item {i}: expected str instance, {} found",
                            v.type_name()
                        ))
                    }
                }
            }
            Ok(Value::from(out))
        }
        "replace" => {
            arity(name, args, 2, 3)?;
            let old = want_str(name, &args[0])?;
            let new = want_str(name, &args[1])?;
            let count = match args.get(2) {
                Some(c) => want_int(name, c)?,
                None => -1,
            };
            if count < 0 {
                if old.is_empty() {
                    let n = text.chars().count() + 1;
                    if new.len().saturating_mul(n) > super::limits::MAX_OUTPUT_BYTES {
                        return limit("replace() result over the output limit");
                    }
                }
                Ok(Value::from(text.replace(old, new)))
            } else {
                Ok(Value::from(text.replacen(old, new, count as usize)))
            }
        }
        "startswith" | "endswith" => {
            arity(name, args, 1, 1)?;
            prefix_test(text, &args[0], name == "startswith").map(Value::Bool)
        }
        "count" => {
            arity(name, args, 1, 1)?;
            let sub = want_str(name, &args[0])?;
            let n = if sub.is_empty() {
                text.chars().count() + 1
            } else {
                text.matches(sub).count()
            };
            Ok(Value::Int(n as i64))
        }
        "find" | "index" | "rfind" | "rindex" => {
            arity(name, args, 1, 1)?;
            let sub = want_str(name, &args[0])?;
            let pos = if name.starts_with('r') {
                text.rfind(sub)
            } else {
                text.find(sub)
            };
            match pos {
                Some(b) => Ok(Value::Int(text[..b].chars().count() as i64)),
                None if name.ends_with("find") => Ok(Value::Int(-1)),
                None => err("ValueError: substring not found"),
            }
        }
        "isdigit" | "isnumeric" | "isdecimal" => Ok(Value::Bool(
            !text.is_empty() && text.chars().all(|c| c.is_numeric()),
        )),
        "isalpha" => Ok(Value::Bool(
            !text.is_empty() && text.chars().all(char::is_alphabetic),
        )),
        "isalnum" => Ok(Value::Bool(
            !text.is_empty() && text.chars().all(char::is_alphanumeric),
        )),
        "isspace" => Ok(Value::Bool(
            !text.is_empty() && text.chars().all(char::is_whitespace),
        )),
        "isupper" => Ok(Value::Bool(
            text.chars().any(char::is_uppercase) && !text.chars().any(char::is_lowercase),
        )),
        "islower" => Ok(Value::Bool(
            text.chars().any(char::is_lowercase) && !text.chars().any(char::is_uppercase),
        )),
        "zfill" => {
            arity(name, args, 1, 1)?;
            let w =
                want_int(name, &args[0])?.clamp(0, super::limits::MAX_OUTPUT_BYTES as i64) as usize;
            let len = text.chars().count();
            if len >= w {
                return Ok(Value::Str(s.clone()));
            }
            let (sign, digits) = match text.chars().next() {
                Some(c @ ('+' | '-')) => (Some(c), &text[1..]),
                _ => (None, text),
            };
            let mut out = String::new();
            out.extend(sign);
            out.extend(std::iter::repeat_n('0', w - len));
            out.push_str(digits);
            Ok(Value::from(out))
        }
        "ljust" | "rjust" | "center" => {
            arity(name, args, 1, 2)?;
            let w = want_int(name, &args[0])?.min(super::limits::MAX_OUTPUT_BYTES as i64);
            let align = match name {
                "ljust" => '<',
                "rjust" => '>',
                _ => 'c',
            };
            pad(text, w, args.get(1).unwrap_or(&Value::None), align)
        }
        _ => no_attr(&Value::Str(s.clone()), name),
    }
}

// ---------------------------------------------------------------------------------------------
// Formatting: `str.format` and `%`.

#[derive(Default)]
struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    alternate: bool,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

fn parse_spec(spec: &str) -> EResult<Spec> {
    let cs: Vec<char> = spec.chars().collect();
    let mut sp = Spec::default();
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
    if cs.len() >= 2 && is_align(cs[1]) {
        sp.fill = Some(cs[0]);
        sp.align = Some(cs[1]);
        i = 2;
    } else if !cs.is_empty() && is_align(cs[0]) {
        sp.align = Some(cs[0]);
        i = 1;
    }
    if i < cs.len() && matches!(cs[i], '+' | '-' | ' ') {
        sp.sign = Some(cs[i]);
        i += 1;
    }
    if i < cs.len() && cs[i] == '#' {
        sp.alternate = true;
        i += 1;
    }
    if i < cs.len() && cs[i] == '0' {
        sp.zero = true;
        i += 1;
    }
    let ws = i;
    while i < cs.len() && cs[i].is_ascii_digit() {
        i += 1;
    }
    if i > ws {
        let w: String = cs[ws..i].iter().collect();
        sp.width = w
            .parse::<usize>()
            .unwrap_or(0)
            .min(super::limits::MAX_OUTPUT_BYTES);
    }
    if i < cs.len() && matches!(cs[i], ',' | '_') {
        sp.grouping = Some(cs[i]);
        i += 1;
    }
    if i < cs.len() && cs[i] == '.' {
        i += 1;
        let ps = i;
        while i < cs.len() && cs[i].is_ascii_digit() {
            i += 1;
        }
        if i == ps {
            return err("ValueError: Format specifier missing precision");
        }
        let p: String = cs[ps..i].iter().collect();
        sp.precision = Some(p.parse::<usize>().unwrap_or(0).min(1000));
    }
    if i < cs.len() {
        sp.ty = Some(cs[i]);
        i += 1;
    }
    if i < cs.len() {
        return err("ValueError: Invalid format specifier");
    }
    Ok(sp)
}

fn group_digits(int_part: &str, sep: char) -> String {
    let n = int_part.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (n - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn sci(f: f64, prec: usize, upper: bool) -> String {
    let s = format!("{f:.prec$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let out = format!(
        "{m}e{}{:02}",
        if e < 0 { '-' } else { '+' },
        e.unsigned_abs()
    );
    if upper {
        out.to_uppercase()
    } else {
        out
    }
}

fn general(f: f64, prec: usize, upper: bool, alternate: bool) -> String {
    let p = prec.max(1);
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let exp = format!("{:.*e}", p - 1, f)
        .split_once('e')
        .and_then(|(_, e)| e.parse::<i32>().ok())
        .unwrap_or(0);
    let s = if exp < -4 || exp >= p as i32 {
        sci(f, p - 1, upper)
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        format!("{f:.decimals$}")
    };
    if alternate {
        return s;
    }
    // Strip trailing zeros of the mantissa.
    let (m, e) = match s.find(['e', 'E']) {
        Some(i) => (s[..i].to_string(), s[i..].to_string()),
        None => (s.clone(), String::new()),
    };
    let m = if m.contains('.') {
        m.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        m
    };
    m + &e
}

/// Formats one value with a format spec (`format(v, spec)`).
fn format_with_spec(v: &Value, spec: &str) -> EResult<String> {
    let sp = parse_spec(spec)?;
    let is_num = matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_));
    let (mut body, sign_str) = match (v, sp.ty) {
        (Value::Str(s), None | Some('s')) => {
            let mut t = s.to_string();
            if let Some(p) = sp.precision {
                t = t.chars().take(p).collect();
            }
            (t, String::new())
        }
        (_, None) if !is_num => {
            if spec.is_empty() {
                return Ok(v.to_py_string());
            }
            (v.to_py_string(), String::new())
        }
        (v, ty) if is_num => {
            let f = v.as_f64().unwrap_or(0.0);
            let neg =
                f.is_sign_negative() && !(f == 0.0 && matches!(v, Value::Int(_) | Value::Bool(_)));
            let negi = v.as_i64().is_some_and(|i| i < 0);
            let is_int = matches!(v, Value::Int(_) | Value::Bool(_));
            let neg = if is_int { negi } else { neg };
            let a = f.abs();
            let text = match ty {
                None if is_int && sp.precision.is_none() => {
                    v.as_i64().unwrap_or(0).unsigned_abs().to_string()
                }
                None if is_int => general(a, sp.precision.unwrap_or(6), false, sp.alternate),
                None => match sp.precision {
                    None => crate::escape::python_float_repr(a),
                    Some(p) => general(a, p, false, sp.alternate),
                },
                Some('d' | 'n') => {
                    if !is_int {
                        return err(format!(
                            "ValueError: Unknown format code 'd' for object of type '{}'",
                            v.type_name()
                        ));
                    }
                    v.as_i64().unwrap_or(0).unsigned_abs().to_string()
                }
                Some(c @ ('x' | 'X' | 'o' | 'b')) => {
                    if !is_int {
                        return err(format!(
                            "ValueError: Unknown format code '{c}' for object of type 'float'"
                        ));
                    }
                    let u = v.as_i64().unwrap_or(0).unsigned_abs();
                    let digits = match c {
                        'x' => format!("{u:x}"),
                        'X' => format!("{u:X}"),
                        'o' => format!("{u:o}"),
                        _ => format!("{u:b}"),
                    };
                    if sp.alternate {
                        format!("0{}{digits}", if c == 'X' { 'X' } else { c })
                    } else {
                        digits
                    }
                }
                Some('c') => {
                    let c = v
                        .as_i64()
                        .and_then(|i| u32::try_from(i).ok())
                        .and_then(char::from_u32);
                    match c {
                        Some(c) => c.to_string(),
                        None => return err("OverflowError: %c arg not in range(0x110000)"),
                    }
                }
                Some('f' | 'F') => format!("{a:.*}", sp.precision.unwrap_or(6)),
                Some(c @ ('e' | 'E')) => sci(a, sp.precision.unwrap_or(6), c == 'E'),
                Some(c @ ('g' | 'G')) => {
                    general(a, sp.precision.unwrap_or(6), c == 'G', sp.alternate)
                }
                Some('%') => format!("{:.*}%", sp.precision.unwrap_or(6), a * 100.0),
                Some(c) => {
                    return err(format!(
                        "ValueError: Unknown format code '{c}' for object of type '{}'",
                        v.type_name()
                    ))
                }
            };
            let text = match sp.grouping {
                Some(sep) => {
                    let split = text
                        .find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(text.len());
                    format!("{}{}", group_digits(&text[..split], sep), &text[split..])
                }
                None => text,
            };
            let sign = if neg {
                "-".to_string()
            } else {
                match sp.sign {
                    Some('+') => "+".into(),
                    Some(' ') => " ".into(),
                    _ => String::new(),
                }
            };
            (text, sign)
        }
        (v, ty) => {
            let c = ty.unwrap_or('s');
            return err(format!(
                "ValueError: Unknown format code '{c}' for object of type '{}'",
                v.type_name()
            ));
        }
    };
    let len = body.chars().count() + sign_str.chars().count();
    let default_align = if is_num { '>' } else { '<' };
    let (fill, align) = if sp.zero && sp.align.is_none() && is_num {
        ('0', '=')
    } else {
        (
            sp.fill.unwrap_or(if sp.zero { '0' } else { ' ' }),
            sp.align.unwrap_or(default_align),
        )
    };
    if len < sp.width {
        let pad_n = sp.width - len;
        if align == '=' {
            let pad: String = std::iter::repeat_n(fill, pad_n).collect();
            body = format!("{sign_str}{pad}{body}");
            return Ok(body);
        }
        let full = format!("{sign_str}{body}");
        return Ok(pad_str(&full, sp.width, fill, align));
    }
    Ok(format!("{sign_str}{body}"))
}

fn resolve_field(root: Value, rest: &str) -> EResult<Value> {
    let mut v = root;
    let mut r = rest;
    while !r.is_empty() {
        if let Some(after) = r.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            v = eval::get_attr(&v, &after[..end])?;
            r = &after[end..];
        } else if let Some(after) = r.strip_prefix('[') {
            let Some(end) = after.find(']') else {
                return err("ValueError: Missing ']' in format string");
            };
            let key = &after[..end];
            let k = match key.parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => Value::from(key),
            };
            v = eval::index(&v, &k)?;
            r = &after[end + 1..];
        } else {
            return err("ValueError: Only '.' or '[' may follow ']' in format field specifier");
        }
    }
    Ok(v)
}

/// Python's `str.format`.
pub(crate) fn str_format(fmt: &str, args: &[Value], kwargs: Kwargs<'_>) -> EResult<String> {
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut auto = 0usize;
    let mut manual = false;
    let mut rest = fmt;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let c = rest.as_bytes()[i];
        let after = &rest[i + 1..];
        if c == b'}' {
            if let Some(a) = after.strip_prefix('}') {
                out.push('}');
                rest = a;
                continue;
            }
            return err("ValueError: Single '}' encountered in format string");
        }
        if let Some(a) = after.strip_prefix('{') {
            out.push('{');
            rest = a;
            continue;
        }
        let Some(end) = after.find('}') else {
            return err("ValueError: Single '{' encountered in format string");
        };
        let field = &after[..end];
        rest = &after[end + 1..];
        let (field, spec) = match field.find(':') {
            Some(p) => (&field[..p], &field[p + 1..]),
            None => (field, ""),
        };
        let (field, conv) = match field.find('!') {
            Some(p) => (&field[..p], Some(&field[p + 1..])),
            None => (field, None),
        };
        let name_end = field.find(['.', '[']).unwrap_or(field.len());
        let (head, tail) = field.split_at(name_end);
        let root = if head.is_empty() {
            if manual {
                return err("ValueError: cannot switch from manual field specification to automatic field numbering");
            }
            let v = args.get(auto).cloned();
            auto += 1;
            v.ok_or_else(|| {
                EvalError::from(format!(
                    "IndexError: Replacement index {} out of range for positional args tuple",
                    auto - 1
                ))
            })?
        } else if let Ok(n) = head.parse::<usize>() {
            manual = true;
            args.get(n).cloned().ok_or_else(|| {
                EvalError::from(format!(
                    "IndexError: Replacement index {n} out of range for positional args tuple"
                ))
            })?
        } else {
            kwarg(kwargs, head)
                .cloned()
                .ok_or_else(|| EvalError::from(format!("KeyError: '{head}'")))?
        };
        let v = resolve_field(root, tail)?;
        let v = match conv {
            None => v,
            Some("r") | Some("a") => Value::from(v.to_py_repr()),
            Some("s") => Value::from(v.to_py_string()),
            Some(c) => return err(format!("ValueError: Unknown conversion specifier {c}")),
        };
        out.push_str(&format_with_spec(&v, spec)?);
        if out.len() > super::limits::MAX_OUTPUT_BYTES {
            return limit("format() result over the output limit");
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Python's `fmt % args` for strings.
pub(crate) fn percent_format(fmt: &str, args: &Value) -> EResult<String> {
    let (positional, mapping): (Vec<Value>, Option<&Dict>) = match args {
        Value::Tuple(items) => (items.to_vec(), None),
        Value::Dict(d) => (vec![args.clone()], Some(d)),
        v => (vec![v.clone()], None),
    };
    let mut next = 0usize;
    let mut used_mapping = false;
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut chars = fmt.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut key: Option<String> = None;
        if let Some((_, '(')) = chars.peek() {
            chars.next();
            let mut depth = 1;
            let mut k = String::new();
            for (_, c) in chars.by_ref() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                k.push(c);
            }
            if depth != 0 {
                return err("ValueError: incomplete format key");
            }
            key = Some(k);
        }
        let mut spec = String::new();
        let mut flags_left = false;
        let mut ty = None;
        let mut take_arg = |key: &Option<String>| -> EResult<Value> {
            match key {
                Some(k) => {
                    used_mapping = true;
                    match mapping {
                        Some(d) => d
                            .get_str(k)
                            .cloned()
                            .ok_or_else(|| EvalError::from(format!("KeyError: '{k}'"))),
                        None => err("TypeError: format requires a mapping"),
                    }
                }
                None => {
                    let v = positional.get(next).cloned();
                    next += 1;
                    v.ok_or_else(|| {
                        EvalError::from(
                            "TypeError: not enough arguments for format string".to_string(),
                        )
                    })
                }
            }
        };
        let mut sign = None;
        let mut zero = false;
        let mut alternate = false;
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '-' => flags_left = true,
                '+' => sign = Some('+'),
                ' ' => {
                    if sign.is_none() {
                        sign = Some(' ')
                    }
                }
                '0' => zero = true,
                '#' => alternate = true,
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        if let Some(&(_, '*')) = chars.peek() {
            chars.next();
            let w = take_arg(&None)?;
            width = want_int("%", &w)?.to_string();
            if width.starts_with('-') {
                flags_left = true;
                width.remove(0);
            }
        } else {
            while let Some(&(_, d)) = chars.peek() {
                if d.is_ascii_digit() {
                    width.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
        }
        let mut precision = None;
        if let Some(&(_, '.')) = chars.peek() {
            chars.next();
            let mut p = String::new();
            if let Some(&(_, '*')) = chars.peek() {
                chars.next();
                p = want_int("%", &take_arg(&None)?)?.max(0).to_string();
            } else {
                while let Some(&(_, d)) = chars.peek() {
                    if d.is_ascii_digit() {
                        p.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
            }
            precision = Some(if p.is_empty() { "0".to_string() } else { p });
        }
        // Length modifiers are accepted and ignored, as in Python.
        while let Some(&(_, 'h' | 'l' | 'L')) = chars.peek() {
            chars.next();
        }
        if let Some((_, t)) = chars.next() {
            ty = Some(t);
        }
        let Some(ty) = ty else {
            return err("ValueError: incomplete format");
        };
        if ty == '%' {
            out.push('%');
            continue;
        }
        let v = take_arg(&key)?;
        let width_n: usize = width
            .parse::<usize>()
            .unwrap_or(0)
            .min(super::limits::MAX_OUTPUT_BYTES);
        let text = match ty {
            's' | 'r' | 'a' => {
                let mut t = if ty == 's' {
                    v.to_py_string()
                } else {
                    v.to_py_repr()
                };
                if let Some(p) = &precision {
                    t = t.chars().take(p.parse().unwrap_or(0)).collect();
                }
                t
            }
            'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'c' => {
                let num = match (&v, ty) {
                    (Value::Float(f), 'd' | 'i' | 'u' | 'x' | 'X' | 'o') => {
                        Value::Int(float_to_int(f.trunc())?)
                    }
                    (Value::Str(s), 'c') if s.chars().count() == 1 => {
                        out.push_str(&pad_str(
                            s,
                            width_n,
                            ' ',
                            if flags_left { '<' } else { '>' },
                        ));
                        continue;
                    }
                    (v, _) if v.as_f64().is_some() => v.clone(),
                    (v, _) => {
                        return err(format!(
                            "TypeError: %{ty} format: a real number is required, not {}",
                            v.type_name()
                        ))
                    }
                };
                if let Some(s) = sign {
                    spec.push(s);
                }
                if alternate {
                    spec.push('#');
                }
                if let Some(p) = &precision {
                    if !matches!(ty, 'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'c') {
                        spec.push('.');
                        spec.push_str(p);
                    }
                }
                let t = match ty {
                    'i' | 'u' => 'd',
                    t => t,
                };
                spec.push(t);
                let num = if matches!(t, 'e' | 'E' | 'f' | 'F' | 'g' | 'G') {
                    Value::Float(num.as_f64().unwrap_or(0.0))
                } else {
                    num
                };
                let mut body = format_with_spec(&num, &spec)?;
                if let (Some(p), 'd' | 'x' | 'X' | 'o') = (&precision, t) {
                    let p: usize = p.parse().unwrap_or(0);
                    let (sgn, digits) = match body.chars().next() {
                        Some(c @ ('-' | '+' | ' ')) => (c.to_string(), body[1..].to_string()),
                        _ => (String::new(), body.clone()),
                    };
                    if digits.len() < p {
                        body = format!("{sgn}{}{digits}", "0".repeat(p - digits.len()));
                    }
                }
                if zero && !flags_left && body.chars().count() < width_n {
                    let (sgn, digits) = match body.chars().next() {
                        Some(c @ ('-' | '+' | ' ')) => (c.to_string(), body[1..].to_string()),
                        _ => (String::new(), body.clone()),
                    };
                    let fill = width_n - body.chars().count();
                    body = format!("{sgn}{}{digits}", "0".repeat(fill));
                }
                body
            }
            other => {
                return err(format!(
                    "ValueError: unsupported format character '{other}'"
                ));
            }
        };
        out.push_str(&pad_str(
            &text,
            width_n,
            ' ',
            if flags_left { '<' } else { '>' },
        ));
        if out.len() > super::limits::MAX_OUTPUT_BYTES {
            return limit("%-format result over the output limit");
        }
    }
    if key_mismatch(
        mapping.is_some(),
        used_mapping,
        next,
        positional.len(),
        args,
    ) {
        return err("TypeError: not all arguments converted during string formatting");
    }
    Ok(out)
}

fn key_mismatch(
    is_mapping: bool,
    used_mapping: bool,
    used: usize,
    given: usize,
    args: &Value,
) -> bool {
    if is_mapping {
        // A dict argument may be used as a mapping or as the single positional value.
        return !used_mapping && used == 0;
    }
    match args {
        Value::Tuple(_) => used < given,
        _ => used == 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pf(fmt: &str, args: Value) -> String {
        percent_format(fmt, &args).unwrap_or_else(|e| e.msg)
    }

    fn sf(fmt: &str, args: &[Value]) -> String {
        str_format(fmt, args, &[]).unwrap_or_else(|e| e.msg)
    }

    #[test]
    fn percent_formatting() {
        assert_eq!(
            pf("%s-%d", Value::tuple(vec!["a".into(), Value::Int(3)])),
            "a-3"
        );
        assert_eq!(
            pf(
                "%5.2f|%-4s|%03d",
                Value::tuple(vec![Value::Float(1.23456), "x".into(), Value::Int(7)])
            ),
            " 1.23|x   |007"
        );
        assert_eq!(pf("%r %%", Value::from("q")), "'q' %");
        assert_eq!(
            pf(
                "%x %o %e",
                Value::tuple(vec![
                    Value::Int(255),
                    Value::Int(8),
                    Value::Float(12345.678)
                ])
            ),
            "ff 10 1.234568e+04"
        );
        assert!(pf("%s %s", Value::tuple(vec![Value::Int(1)])).starts_with("TypeError"));
        assert!(pf("%s", Value::tuple(vec![Value::Int(1), Value::Int(2)])).starts_with("TypeError"));
    }

    #[test]
    fn format_method() {
        assert_eq!(sf("{} and {}", &[Value::Int(1), "b".into()]), "1 and b");
        assert_eq!(sf("{0}{1}{0}", &["a".into(), "b".into()]), "aba");
        assert_eq!(
            sf(
                "{:>5}|{:<3}|{:^7}|{:05.1f}",
                &["ab".into(), Value::Int(1), "mid".into(), Value::Float(2.25)]
            ),
            "   ab|1  |  mid  |002.2"
        );
        assert_eq!(
            sf(
                "{:,}|{:.2%}|{{x}}",
                &[Value::Int(1234567), Value::Float(0.125)]
            ),
            "1,234,567|12.50%|{x}"
        );
        assert_eq!(sf("{!r}", &["s".into()]), "'s'");
        let kw = [(Arc::from("name"), Value::from("Ann"))];
        assert_eq!(
            str_format("hi {name}", &[], &kw).unwrap_or_default(),
            "hi Ann"
        );
    }

    #[test]
    fn titles_and_rounding() {
        assert_eq!(python_title("hello wORLD they're"), "Hello World They'Re");
        assert_eq!(round_half_even(2.5), 2.0);
        assert_eq!(round_half_even(3.5), 4.0);
        assert_eq!(round_half_even(-2.5), -2.0);
    }
}
