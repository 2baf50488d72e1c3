//! G-test of observed category counts against expected proportions (attribute skew).

use super::gamma::ln_chisq_sf;
use super::loader::bd0;
use super::StatsError;

/// Result of [`g_test`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GTest {
    /// The G statistic, `2 Σ O_i ln(O_i / E_i)`.
    pub g: f64,
    /// Degrees of freedom: categories with a positive expected proportion, minus one.
    pub df: u32,
    /// ln P(χ²_df ≥ G), the asymptotic p of the G-test, in log space.
    pub ln_p: f64,
}

/// G-test of `observed` counts against `expected_proportions` (e.g. recipients by age band
/// against the population's shares).
///
/// `G = 2 Σ O_i ln(O_i / E_i)`, `E_i = n w_i / Σ w` (the weights need not sum to 1), `n = Σ O_i`;
/// under the null G ~ χ²(df), df = (number of categories with w_i > 0) − 1, and
/// `ln_p = ln P(χ²_df ≥ G)`. G is computed as `2 Σ bd0(O_i, E_i)` (equal because Σ O = Σ E),
/// which has no cancellation when the counts are close to expectation. Categories with w_i = 0
/// and O_i = 0 are dropped; w_i = 0 with O_i > 0 gives G = ∞, ln p = −∞ (impossible under the
/// null); no observations give G = 0, ln p = 0. The χ² approximation wants expected counts of
/// about 5 or more per category; below that, read ln p as indicative.
///
/// Invalid input (length mismatch, negative/NaN/infinite weights, all weights 0) returns
/// `g = NaN, df = 0, ln_p = NaN`; use [`try_g_test`] to get the reason instead.
pub fn g_test(observed: &[u64], expected_proportions: &[f64]) -> GTest {
    try_g_test(observed, expected_proportions).unwrap_or(GTest {
        g: f64::NAN,
        df: 0,
        ln_p: f64::NAN,
    })
}

/// [`g_test`] with an error for invalid input.
pub fn try_g_test(observed: &[u64], expected_proportions: &[f64]) -> Result<GTest, StatsError> {
    if observed.len() != expected_proportions.len() {
        return Err(StatsError::InvalidParameter(
            "observed and expected_proportions differ in length",
        ));
    }
    if expected_proportions
        .iter()
        .any(|w| !w.is_finite() || *w < 0.0)
    {
        return Err(StatsError::InvalidParameter(
            "expected proportions must be finite and non-negative",
        ));
    }
    let total_weight: f64 = expected_proportions.iter().sum();
    if total_weight <= 0.0 {
        return Err(StatsError::InvalidParameter(
            "expected proportions are all zero",
        ));
    }
    let kept = expected_proportions.iter().filter(|w| **w > 0.0).count();
    let df = u32::try_from(kept.saturating_sub(1))
        .map_err(|_| StatsError::InvalidParameter("too many categories"))?;
    let n: f64 = observed.iter().map(|&o| o as f64).sum();
    if n == 0.0 {
        return Ok(GTest {
            g: 0.0,
            df,
            ln_p: 0.0,
        });
    }
    let mut g = 0.0f64;
    for (&o, &w) in observed.iter().zip(expected_proportions) {
        if w == 0.0 {
            if o > 0 {
                return Ok(GTest {
                    g: f64::INFINITY,
                    df,
                    ln_p: f64::NEG_INFINITY,
                });
            }
            continue;
        }
        let expected = n * (w / total_weight);
        g += bd0(o as f64, expected);
    }
    let g = 2.0 * g;
    Ok(GTest {
        g,
        df,
        ln_p: ln_chisq_sf(g, df),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_expected_gives_zero() {
        let t = g_test(&[25, 25, 25, 25], &[0.25; 4]);
        assert_eq!(t.g, 0.0);
        assert_eq!(t.df, 3);
        assert_eq!(t.ln_p, 0.0);
    }

    #[test]
    fn plain_formula() {
        let obs = [30u64, 20, 25, 25];
        let t = g_test(&obs, &[1.0; 4]);
        let direct: f64 = 2.0
            * obs
                .iter()
                .map(|&o| o as f64 * (o as f64 / 25.0).ln())
                .sum::<f64>();
        assert!((t.g - direct).abs() < 1e-12);
        assert_eq!(t.df, 3);
        assert!(t.ln_p < 0.0);
    }

    #[test]
    fn degenerate_and_invalid() {
        let t = g_test(&[5, 1, 7], &[0.5, 0.0, 0.5]);
        assert_eq!((t.g, t.ln_p), (f64::INFINITY, f64::NEG_INFINITY));
        let t = g_test(&[0, 0], &[0.5, 0.5]);
        assert_eq!((t.g, t.df, t.ln_p), (0.0, 1, 0.0));
        let t = g_test(&[17], &[1.0]);
        assert_eq!((t.g, t.df, t.ln_p), (0.0, 0, 0.0));
        assert!(g_test(&[1, 2], &[1.0]).g.is_nan());
        assert!(try_g_test(&[1], &[-1.0]).is_err());
        assert!(try_g_test(&[1, 2], &[0.0, 0.0]).is_err());
        assert!(try_g_test(&[1], &[f64::NAN]).is_err());
    }
}
