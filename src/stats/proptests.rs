//! Property tests of the stats module.

use super::*;
use proptest::prelude::*;

/// Monotonicity is checked up to this relative slack: neighbouring tails are computed by
/// separate sums (sometimes from different sides of the mode), each exact to ~1e-15.
const SLACK: f64 = 1e-12;

fn urn() -> impl Strategy<Value = (u64, u64, u64)> {
    prop_oneof![
        // population 25 M, list sizes like the overlap analysis
        (1u64..=60_000, 1u64..=60_000).prop_map(|(a, b)| (25_000_000u64, a, b)),
        // small and moderate urns, any shape
        (1u64..=3_000).prop_flat_map(|n| (Just(n), 0..=n, 0..=n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn hyper_tail_is_a_log_probability_and_monotone((n, m, d) in urn(), frac in 0.0f64..=1.0) {
        let hi = m.min(d);
        let k = (frac * (hi as f64 + 1.0)) as u64;
        let here = ln_hyper_sf_ge(n, m, d, k);
        let next = ln_hyper_sf_ge(n, m, d, k + 1);
        prop_assert!(here <= 0.0 && !here.is_nan(), "{here}");
        prop_assert!(next <= here + SLACK * here.abs().max(1.0), "k={k}: {next} > {here}");
        prop_assert_eq!(ln_hyper_sf_ge(n, m, d, hi + 1), f64::NEG_INFINITY);
    }

    #[test]
    fn hyper_is_symmetric_in_marked_and_drawn((n, m, d) in urn(), frac in 0.0f64..=1.0) {
        let k = (frac * (m.min(d) as f64 + 1.0)) as u64;
        prop_assert_eq!(
            ln_hyper_sf_ge(n, m, d, k).to_bits(),
            ln_hyper_sf_ge(n, d, m, k).to_bits()
        );
    }

    #[test]
    fn hyper_tails_are_complementary((n, m, d) in urn(), frac in 0.0f64..=1.0) {
        let lo = (m + d).saturating_sub(n);
        let hi = m.min(d);
        let k = lo + 1 + (frac * (hi - lo) as f64) as u64;
        prop_assume!(k <= hi);
        let sf = ln_hyper_sf_ge(n, m, d, k).exp();
        let cdf = ln_hyper_cdf_le(n, m, d, k - 1).exp();
        prop_assert!((sf + cdf - 1.0).abs() < 1e-12, "{sf} + {cdf}");
    }

    #[test]
    fn fisher_greater_is_the_hyper_tail(a in 0u64..500, b in 0u64..5000, c in 0u64..5000, d in 0u64..1_000_000) {
        prop_assert_eq!(
            ln_fisher_greater(a, b, c, d).to_bits(),
            ln_hyper_sf_ge(a + b + c + d, a + c, a + b, a).to_bits()
        );
        let two = ln_fisher_two_sided(a, b, c, d);
        prop_assert!(two <= 0.0 && !two.is_nan());
    }

    #[test]
    fn binom_tail_is_a_log_probability_and_monotone(n in 0u64..200_000, frac in 0.0f64..=1.0, p in 0.0f64..=1.0) {
        let k = (frac * (n as f64 + 1.0)) as u64;
        let here = ln_binom_sf_ge(n, k, p);
        let next = ln_binom_sf_ge(n, k + 1, p);
        prop_assert!(here <= 0.0 && !here.is_nan(), "{here}");
        prop_assert!(next <= here + SLACK * here.abs().max(1.0), "k={k}: {next} > {here}");
    }

    #[test]
    fn binom_tails_are_complementary(n in 1u64..100_000, frac in 0.0f64..1.0, p in 0.001f64..0.999) {
        let k = 1 + (frac * n as f64) as u64;
        let sf = ln_binom_sf_ge(n, k, p).exp();
        let cdf = ln_binom_cdf_le(n, k - 1, p).exp();
        prop_assert!((sf + cdf - 1.0).abs() < 1e-12, "{sf} + {cdf}");
    }

    #[test]
    fn bh_q_at_least_p_and_monotone_in_rank(ln_p in proptest::collection::vec(
        prop_oneof![-50_000.0f64..0.0, -5.0f64..0.0, Just(-1.0), Just(0.0)], 0..300)) {
        let (ln_q, rank) = bh_ln_q_ranked(&ln_p);
        prop_assert_eq!(&rank, &rank_ascending(&ln_p));
        let mut by_rank = vec![(0.0, 0.0); ln_p.len()];
        for i in 0..ln_p.len() {
            prop_assert!(ln_q[i] >= ln_p[i] && ln_q[i] <= 0.0);
            by_rank[rank[i] as usize - 1] = (ln_p[i], ln_q[i]);
        }
        for w in by_rank.windows(2) {
            prop_assert!(w[0].0 <= w[1].0, "ranks not ascending in p");
            prop_assert!(w[0].1 <= w[1].1, "q not monotone in rank");
        }
    }

    #[test]
    fn chisq_tail_monotone(x in 0.0f64..5_000.0, dx in 0.0f64..100.0, df in 1u32..400) {
        let a = ln_chisq_sf(x, df);
        let b = ln_chisq_sf(x + dx, df);
        prop_assert!(a <= 0.0 && b <= a + SLACK * a.abs().max(1.0), "{a} {b}");
    }
}
