//! Showing p-values that may be far below the smallest f64.

/// p = exp(ln p) as an f64: exact to rounding down to ~1e-308, subnormal below, 0.0 below
/// ~4.9e-324. For display and for consumers that want plain p; keep `ln_p` as the value of record.
pub fn p_from_ln(ln_p: f64) -> f64 {
    ln_p.exp()
}

/// Formats p = exp(ln_p) with 2 significant digits: plain decimals from 0.001 up
/// (`"0.54"`, `"0.0012"`, `"1.0"`), mantissa and exponent below (`"3.2e-13624"`), whatever the
/// magnitude; `"1"` for ln p ≥ 0, `"0"` for −∞ and `"NaN"` for NaN.
pub fn format_p(ln_p: f64) -> String {
    format_p_digits(ln_p, 2)
}

/// [`format_p`] with `digits` significant digits (clamped to 1..=15).
pub fn format_p_digits(ln_p: f64, digits: u32) -> String {
    if ln_p.is_nan() {
        return "NaN".to_string();
    }
    if ln_p >= 0.0 {
        return "1".to_string();
    }
    if ln_p == f64::NEG_INFINITY {
        return "0".to_string();
    }
    let digits = digits.clamp(1, 15) as i32;
    // log10 p = ln p · log10(e); for |ln p| ~ 3e4 its absolute error is ~1e-12, so the mantissa
    // keeps ~11 correct digits at any exponent.
    let log10 = ln_p * std::f64::consts::LOG10_E;
    let mut exponent = log10.floor();
    let scale = 10f64.powi(digits - 1);
    let mut mantissa = (10f64.powf(log10 - exponent) * scale).round() / scale;
    if mantissa >= 10.0 {
        mantissa /= 10.0;
        exponent += 1.0;
    }
    let decimals = (digits - 1) as usize;
    if exponent >= -3.0 {
        let e = exponent as i32;
        let places = (i64::from(digits - 1) - i64::from(e)).max(0) as usize;
        format!("{:.*}", places, mantissa * 10f64.powi(e))
    } else {
        format!("{mantissa:.decimals$}e{exponent}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(format_p(0.54f64.ln()), "0.54");
        assert_eq!(format_p(0.0012f64.ln()), "0.0012");
        assert_eq!(format_p(0.999f64.ln()), "1.0");
        assert_eq!(format_p(0.000_32f64.ln()), "3.2e-4");
        assert_eq!(format_p(0.0), "1");
        assert_eq!(format_p(f64::NEG_INFINITY), "0");
        assert_eq!(format_p(f64::NAN), "NaN");
        // 10^-13624 · 3.2
        let ln_p = (3.2f64.log10() - 13_624.0) / std::f64::consts::LOG10_E;
        assert_eq!(format_p(ln_p), "3.2e-13624");
        assert_eq!(format_p_digits(ln_p, 4), "3.200e-13624");
        assert_eq!(format_p((1e-300f64).ln()), "1.0e-300");
        assert_eq!(format_p((9.96e-5f64).ln()), "1.0e-4");
    }

    #[test]
    fn p_from_ln_roundtrip() {
        assert_eq!(p_from_ln(0.0), 1.0);
        assert!((p_from_ln(0.25f64.ln()) - 0.25).abs() < 1e-16);
        assert_eq!(p_from_ln(-31_370.0), 0.0);
    }
}
