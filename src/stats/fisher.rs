//! Fisher's exact test on a 2×2 table, as hypergeometric tails on the table's margins.
//!
//! For `[[a, b], [c, d]]` the top-left cell is, given the margins, Hypergeometric with
//! population `a+b+c+d`, marked `a+c` (first column) and drawn `a+b` (first row).

use super::hypergeom::{ln_hyper_cdf_le, ln_hyper_sf_ge, ln_hyper_two_sided};

/// (population, marked, drawn) of the table, or None if `a+b+c+d` overflows.
fn margins(a: u64, b: u64, c: u64, d: u64) -> Option<(u64, u64, u64)> {
    let row1 = a.checked_add(b)?;
    let col1 = a.checked_add(c)?;
    let total = row1.checked_add(c)?.checked_add(d)?;
    Some((total, col1, row1))
}

/// ln of the one-sided (greater) Fisher exact p for `[[a, b], [c, d]]`: ln P(X ≥ a) on its
/// margins (association / enrichment). NaN if the cell total overflows `u64`.
pub fn ln_fisher_greater(a: u64, b: u64, c: u64, d: u64) -> f64 {
    margins(a, b, c, d).map_or(f64::NAN, |(n, k, m)| ln_hyper_sf_ge(n, k, m, a))
}

/// ln of the one-sided (less) Fisher exact p: ln P(X ≤ a) on the margins (depletion).
pub fn ln_fisher_less(a: u64, b: u64, c: u64, d: u64) -> f64 {
    margins(a, b, c, d).map_or(f64::NAN, |(n, k, m)| ln_hyper_cdf_le(n, k, m, a))
}

/// ln of the two-sided Fisher exact p: total probability of the tables on the same margins
/// that are at most `1 + 1e-7` times as probable as the observed one (R's `fisher.test` rule;
/// statrs 0.19 uses 1e-4 and evaluates the pmf outside log space, which breaks on large tables).
pub fn ln_fisher_two_sided(a: u64, b: u64, c: u64, d: u64) -> f64 {
    margins(a, b, c, d).map_or(f64::NAN, |(n, k, m)| ln_hyper_two_sided(n, k, m, a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tea_tasting() {
        // [[3,1],[1,3]]: greater p = 17/70, two-sided p = 34/70
        let g = ln_fisher_greater(3, 1, 1, 3);
        assert!((g - (17.0f64 / 70.0).ln()).abs() < 1e-14);
        let t = ln_fisher_two_sided(3, 1, 1, 3);
        assert!((t - (34.0f64 / 70.0).ln()).abs() < 1e-14);
        let l = ln_fisher_less(3, 1, 1, 3);
        assert!((l - (69.0f64 / 70.0).ln()).abs() < 1e-14);
    }

    #[test]
    fn empty_and_overflow() {
        assert_eq!(ln_fisher_greater(0, 0, 0, 0), 0.0);
        assert_eq!(ln_fisher_two_sided(0, 0, 0, 0), 0.0);
        assert!(ln_fisher_greater(u64::MAX, 1, 0, 0).is_nan());
    }

    #[test]
    fn large_table_is_not_underflowed() {
        // statrs 0.19: Greater = 0 (underflow), TwoSided = 0.42 (wrong)
        let v = ln_fisher_two_sided(5000, 1000, 25_000, 24_969_000);
        assert!((v + 31_370.453_606_204_257).abs() < 1e-6, "{v}");
    }
}
