//! JSON in Python's `json.dumps` dialect.

use serde::Serialize;
use std::io;

/// Formats a float as Python's `repr(float)` does: the shortest text that reads back to the
/// same value, `1.0` for integral values, and scientific notation (`1e+16`, `1e-05`) when the
/// decimal exponent is below -4 or at least 16. Non-finite values are `inf`, `-inf` and `nan`.
pub(crate) fn python_float_repr(x: f64) -> String {
    let mut out = String::with_capacity(24);
    write_python_float(&mut out, x);
    out
}

/// Appends Python's `repr(x)` to `out` without allocating.
pub(crate) fn write_python_float(out: &mut String, x: f64) {
    if !write_short_decimal(out, x) {
        write_python_float_general(out, x);
    }
}

/// Fast path for the common case of a value with at most six decimals below 1e9 (prices,
/// percentages): the fewest decimals that read back to `x` are its shortest repr. With
/// `|x| * 10^6 < 1e15`, `round(|x| * 10^k)` is exact and at most one k-decimal maps to `x`.
fn write_short_decimal(out: &mut String, x: f64) -> bool {
    const POW10: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];
    let a = x.abs();
    if !(1e-4..1e9).contains(&a) {
        return false;
    }
    for (k, p) in POW10.iter().enumerate() {
        let m = (a * p).round();
        if m / p != a {
            continue;
        }
        let m = m as u64;
        let scale = 10u64.pow(k as u32);
        if x.is_sign_negative() {
            out.push('-');
        }
        push_u64(out, m / scale);
        out.push('.');
        if k == 0 {
            out.push('0');
        } else {
            let frac = m % scale;
            let mut digits = [b'0'; 6];
            let mut f = frac;
            for i in (0..k).rev() {
                digits[i] = b'0' + (f % 10) as u8;
                f /= 10;
            }
            out.push_str(std::str::from_utf8(&digits[..k]).unwrap_or("0"));
        }
        return true;
    }
    false
}

/// Appends the decimal digits of `n`.
pub(crate) fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(buf[pos..].iter().map(|&b| b as char));
}

fn write_python_float_general(out: &mut String, x: f64) {
    use std::io::Write as _;
    if x.is_nan() {
        out.push_str("nan");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits, as Python's repr does.
    let mut buf = [0u8; 40];
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    if write!(cursor, "{:e}", x.abs()).is_err() {
        out.push_str(&format!("{x}"));
        return;
    }
    let len = cursor.position() as usize;
    let sci = std::str::from_utf8(&buf[..len]).unwrap_or("0e0");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (first, rest) = match mantissa.split_once('.') {
        Some((a, b)) => (a, b),
        None => (mantissa, ""),
    };
    let ndigits = first.len() + rest.len();
    let digit = |i: usize| -> char {
        if i < first.len() {
            first.as_bytes()[i] as char
        } else {
            rest.as_bytes()[i - first.len()] as char
        }
    };
    if x.is_sign_negative() {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        let point = exp + 1;
        if point <= 0 {
            out.push_str("0.");
            for _ in 0..(-point) {
                out.push('0');
            }
            (0..ndigits).for_each(|i| out.push(digit(i)));
        } else {
            let point = point as usize;
            if point >= ndigits {
                (0..ndigits).for_each(|i| out.push(digit(i)));
                for _ in ndigits..point {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                (0..point).for_each(|i| out.push(digit(i)));
                out.push('.');
                (point..ndigits).for_each(|i| out.push(digit(i)));
            }
        }
    } else {
        out.push(digit(0));
        if ndigits > 1 {
            out.push('.');
            (1..ndigits).for_each(|i| out.push(digit(i)));
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        let _ = std::fmt::Write::write_fmt(out, format_args!("{a}"));
    }
}

/// A serde_json formatter that writes what Python's `json.dumps` writes by default:
/// `", "` and `": "` separators, ASCII-only output (`\uXXXX`, surrogate pairs above U+FFFF) and
/// floats in `repr` form.
pub(crate) struct PythonFormatter;

/// Python's item separator: `", "` before every item but the first.
fn item_separator<W: ?Sized + io::Write>(w: &mut W, first: bool) -> io::Result<()> {
    if first {
        Ok(())
    } else {
        w.write_all(b", ")
    }
}

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        item_separator(w, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        item_separator(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(python_float_repr(value).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        // Python has one float type: widen through the shortest decimal form of the f32.
        let widened: f64 = value.to_string().parse().unwrap_or(value as f64);
        w.write_all(python_float_repr(widened).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut last = 0;
        for (i, c) in fragment.char_indices() {
            if (' '..='~').contains(&c) {
                continue;
            }
            w.write_all(&fragment.as_bytes()[last..i])?;
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                write!(w, "\\u{:04x}", unit)?;
            }
            last = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[last..])
    }
}

/// Serialises `value` as Python's `json.dumps` would, then writes every `</` as `<\/`.
pub(crate) fn json_encode_impl<T: Serialize + ?Sized>(
    value: &T,
) -> Result<String, serde_json::Error> {
    let mut buf = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, PythonFormatter);
    value.serialize(&mut ser)?;
    // The formatter writes ASCII only, so this cannot fail; map the impossible case anyway.
    let text = String::from_utf8(buf).map_err(|e| {
        <serde_json::Error as serde::ser::Error>::custom(format!("non-UTF-8 JSON output: {e}"))
    })?;
    Ok(if text.contains("</") {
        text.replace("</", "<\\/")
    } else {
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (123.456, "123.456"),
            (1e100, "1e+100"),
            (2.5e-300, "2.5e-300"),
            (f64::INFINITY, "inf"),
        ];
        for (x, want) in cases {
            assert_eq!(python_float_repr(x), want, "{x}");
        }
    }

    #[test]
    fn fast_path_agrees_with_general_formatting() {
        // A deterministic LCG: prices, small decimals and arbitrary doubles.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state
        };
        for i in 0..300_000u64 {
            let r = next();
            let x = match i % 4 {
                0 => (r % 10_000_000) as f64 / 100.0,
                1 => (r % 1_000_000) as f64 / 1e6,
                2 => f64::from_bits(r >> 2) % 1e9,
                _ => (r % 100_000) as f64 * 0.1 - 5000.0,
            };
            let mut fast = String::new();
            let mut general = String::new();
            if write_short_decimal(&mut fast, x) {
                write_python_float_general(&mut general, x);
                assert_eq!(fast, general, "{x:e}");
            }
        }
    }

    #[test]
    fn python_dialect() {
        let v = serde_json::json!({"a": [1, 2.0, "é</"], "b": null});
        assert_eq!(
            json_encode_impl(&v).unwrap_or_default(),
            r#"{"a": [1, 2.0, "\u00e9<\/"], "b": null}"#
        );
    }
}
