//! Number formatting without `core`'s float formatter.
//!
//! `format!("{:.2}", x)` on an `f64` pulls in the float-to-decimal machinery (about 11 KB of
//! wasm); prices, changes, rates and seconds only ever need a fixed number of decimals, which
//! integer arithmetic does exactly. Pure, unit-tested natively.

/// `value` rounded half away from zero to `decimals` places (at most 6), e.g.
/// `fixed(-1.005, 2)` → `"-1.01"` when the double is just above, `"-1.00"` when just below.
/// Not-a-number and infinities come out as `"–"`.
pub fn fixed(value: f64, decimals: u8) -> String {
    let decimals = decimals.min(6);
    let scale = 10_i64.pow(u32::from(decimals));
    let scaled = (value * scale as f64).round();
    if !scaled.is_finite() || scaled.abs() >= 9.0e15 {
        return "–".to_owned();
    }
    // Exact: |scaled| < 2^53.
    let scaled = scaled as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let units = scaled.unsigned_abs();
    let whole = units / scale.unsigned_abs();
    if decimals == 0 {
        return format!("{sign}{whole}");
    }
    let fraction = units % scale.unsigned_abs();
    format!(
        "{sign}{whole}.{fraction:0width$}",
        width = usize::from(decimals)
    )
}

/// Milliseconds as seconds with `decimals` places (at most 3): `seconds(1234, 1)` → `"1.2"`.
pub fn seconds(ms: u64, decimals: u8) -> String {
    let decimals = decimals.min(3);
    let drop = 10_u64.pow(3 - u32::from(decimals));
    // Round half up on the dropped digits.
    let kept = (ms + drop / 2) / drop;
    if decimals == 0 {
        return kept.to_string();
    }
    let scale = 10_u64.pow(u32::from(decimals));
    format!(
        "{}.{:0width$}",
        kept / scale,
        kept % scale,
        width = usize::from(decimals)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_matches_the_float_formatter_on_ordinary_values() {
        for (value, decimals) in [
            (123.456, 2),
            (0.0, 2),
            (-0.004, 2),
            (-1.5, 1),
            (99.995, 2),
            (1e6, 0),
            (42.0, 1),
            (0.125, 3),
            (-1234.5678, 2),
        ] {
            let ours = fixed(value, decimals);
            let std = format!("{value:.prec$}", prec = usize::from(decimals));
            // The standard formatter rounds half to even on the exact binary value and
            // keeps a "-0.00"; both differences are allowed, nothing else.
            let std = std.replace("-0.00", "0.00");
            let close = ours == std
                || (ours.parse::<f64>().unwrap_or(f64::NAN)
                    - std.parse::<f64>().unwrap_or(f64::NAN))
                .abs()
                    <= 10_f64.powi(-i32::from(decimals)) + 1e-9;
            assert!(close, "{value} .{decimals}: {ours} vs {std}");
        }
        assert_eq!(fixed(123.456, 2), "123.46");
        assert_eq!(fixed(-1.5, 1), "-1.5");
        assert_eq!(fixed(-0.004, 2), "0.00");
        assert_eq!(fixed(7.0, 0), "7");
        assert_eq!(fixed(f64::NAN, 2), "–");
        assert_eq!(fixed(f64::INFINITY, 2), "–");
    }

    #[test]
    fn seconds_round_milliseconds() {
        assert_eq!(seconds(0, 1), "0.0");
        assert_eq!(seconds(1234, 1), "1.2");
        assert_eq!(seconds(1250, 1), "1.3");
        assert_eq!(seconds(61_005, 3), "61.005");
        assert_eq!(seconds(999, 0), "1");
    }
}
