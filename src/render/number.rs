//! Numbers written the way Spark writes them: `float` and `double` as Java's `toString`
//! (`1.0`, `1.0E10`, `1.0E-4`, `NaN`, `-Infinity`, `-0.0`), decimals exact to their scale.
//! Must not: round beyond what Spark shows.

use std::fmt::Write as _;

/// Java's `Double.toString` / `Float.toString` from Rust's shortest round-trip digits (what
/// Java 19 and later print): plain notation from 10⁻³ up to 10⁷, scientific outside.
fn write_java(scientific: &str, out: &mut String) {
    // `scientific` is Rust's `{:e}` form: `-1.2345e-5`, `1e7`, `0e0`.
    let (negative, body) = match scientific.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, scientific),
    };
    let (mantissa, exponent) = body.split_once('e').unwrap_or((body, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if negative {
        out.push('-');
    }
    if digits.bytes().all(|b| b == b'0') {
        out.push_str("0.0");
        return;
    }
    if (-3..7).contains(&exponent) {
        if exponent < 0 {
            out.push_str("0.");
            for _ in 0..(-exponent - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let point = usize::try_from(exponent).unwrap_or(0) + 1;
            if digits.len() > point {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            } else {
                out.push_str(&digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            }
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        out.push_str(if digits.len() > 1 { &digits[1..] } else { "0" });
        let _ = write!(out, "E{exponent}");
    }
}

fn write_special(value: f64, out: &mut String) -> bool {
    if value.is_nan() {
        out.push_str("NaN");
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        return false;
    }
    true
}

pub fn write_double(value: f64, out: &mut String) {
    if !write_special(value, out) {
        write_java(&format!("{value:e}"), out);
    }
}

pub fn write_float(value: f32, out: &mut String) {
    if !write_special(f64::from(value), out) {
        write_java(&format!("{value:e}"), out);
    }
}

/// A decimal from its digits (`unscaled`, with a sign) and scale: `12.50`, `-0.5`,
/// `0.000000000000000001` — plain, never scientific, all `scale` digits kept.
pub fn write_decimal(unscaled: &str, scale: i8, out: &mut String) {
    let (negative, digits) = match unscaled.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, unscaled),
    };
    if negative {
        out.push('-');
    }
    if scale <= 0 {
        out.push_str(digits);
        if digits != "0" {
            for _ in 0..scale.unsigned_abs() {
                out.push('0');
            }
        }
        return;
    }
    let scale = usize::from(scale.unsigned_abs());
    if digits.len() > scale {
        let point = digits.len() - scale;
        out.push_str(&digits[..point]);
        out.push('.');
        out.push_str(&digits[point..]);
    } else {
        out.push_str("0.");
        for _ in digits.len()..scale {
            out.push('0');
        }
        out.push_str(digits);
    }
}

/// A decimal as a variant's JSON shows it: trailing zeros of the fraction dropped (`1.50` →
/// `1.5`, `2.00` → `2`).
pub fn write_decimal_stripped(unscaled: &str, scale: i8, out: &mut String) {
    let mut text = String::new();
    write_decimal(unscaled, scale, &mut text);
    if text.contains('.') {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        out.push_str(if trimmed == "-0" { "0" } else { trimmed });
    } else {
        out.push_str(&text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double(v: f64) -> String {
        let mut s = String::new();
        write_double(v, &mut s);
        s
    }

    fn float(v: f32) -> String {
        let mut s = String::new();
        write_float(v, &mut s);
        s
    }

    fn decimal(unscaled: &str, scale: i8) -> String {
        let mut s = String::new();
        write_decimal(unscaled, scale, &mut s);
        s
    }

    #[test]
    fn doubles_and_floats_read_like_java() {
        let cases = [
            (1.0, "1.0"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (0.001, "0.001"),
            (1.0e-4, "1.0E-4"),
            (9_999_999.0, "9999999.0"),
            (1.0e7, "1.0E7"),
            (1.0e10, "1.0E10"),
            (1.0e-5, "1.0E-5"),
            (123.456, "123.456"),
            (-2.5e-7, "-2.5E-7"),
            (f64::MAX, "1.7976931348623157E308"),
            (f64::MIN_POSITIVE, "2.2250738585072014E-308"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (value, expected) in cases {
            assert_eq!(double(value), expected, "{value:?}");
        }
        assert_eq!(float(0.1), "0.1");
        assert_eq!(float(1.0e7), "1.0E7");
        assert_eq!(float(3.4028235e38), "3.4028235E38");
        assert_eq!(float(-1.5), "-1.5");
    }

    #[test]
    fn decimals_keep_their_scale_and_never_go_scientific() {
        assert_eq!(decimal("1250", 2), "12.50");
        assert_eq!(decimal("-5", 1), "-0.5");
        assert_eq!(decimal("1", 18), "0.000000000000000001");
        assert_eq!(decimal("0", 2), "0.00");
        assert_eq!(decimal("42", 0), "42");
        assert_eq!(decimal("42", -2), "4200");
        assert_eq!(
            decimal("12345678901234567890123456789012345678", 0),
            "12345678901234567890123456789012345678"
        );
        let mut s = String::new();
        write_decimal_stripped("150", 2, &mut s);
        s.push(' ');
        write_decimal_stripped("200", 2, &mut s);
        s.push(' ');
        write_decimal_stripped("-1000", 3, &mut s);
        assert_eq!(s, "1.5 2 -1");
    }
}
