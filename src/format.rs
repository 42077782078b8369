//! Numbers as the original prints them, and counts as people write them.

/// `n thing` or `n things` ("1 function", "2 functions").
pub fn plural(n: u64, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// Python's `repr` of a float: the shortest digits that read back, in fixed notation for
/// decimal exponents -4..16 (`1.0`, `0.5`, `600.0`), else scientific (`1e-05`, `1.5e+20`) —
/// Rust's `Display` never switches, and printed `1e-300` as 300 zeros.
pub fn py_float(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "nan".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    // `{:e}` gives the same shortest digits, and the exponent.
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if v == 0.0 || (-4..16).contains(&exp) {
        let fixed = format!("{v}");
        if fixed.contains('.') {
            fixed
        } else {
            fixed + ".0"
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_floats() {
        // What Python's repr prints for each.
        for (v, want) in [
            (1.0, "1.0"),
            (0.25, "0.25"),
            (600.0, "600.0"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e-300, "1e-300"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e20, "1.5e+20"),
            (1e308, "1e+308"),
            (123456789.125, "123456789.125"),
            (f64::INFINITY, "inf"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(py_float(v), want, "{v:e}");
        }
    }
}
