//! Hypergeometric distribution in log space: pmf, both tails and the two-sided exact p.

use super::loader::{ln_1m_exp, ln_add_exp, ln_dbinom_raw};

/// Stop summing a tail once a term falls below this fraction of the running sum. The terms
/// past the starting point decrease with ratios that themselves decrease (the distribution is
/// log-concave), so the neglected remainder is far below the 1e-9 accuracy target.
pub(crate) const TAIL_EPS: f64 = 1e-17;

/// R's `fisher.test` relative tolerance for "as or less probable than the observed table".
pub const TWO_SIDED_REL_TOL: f64 = 1e-7;

/// A validated urn. `marked >= drawn` (the distribution is symmetric in the two, so the
/// canonical order makes `f(N, K, n)` and `f(N, n, K)` bit-identical).
#[derive(Clone, Copy, Debug)]
struct Urn {
    population: u64,
    marked: u64,
    drawn: u64,
    lo: u64,
    hi: u64,
}

impl Urn {
    fn new(population: u64, marked: u64, drawn: u64) -> Option<Urn> {
        if marked > population || drawn > population {
            return None;
        }
        let (marked, drawn) = if marked >= drawn {
            (marked, drawn)
        } else {
            (drawn, marked)
        };
        // n + K - N, without overflow: both are <= N
        let lo = drawn.saturating_sub(population - marked);
        let hi = drawn; // min(drawn, marked) = drawn after the swap
        Some(Urn {
            population,
            marked,
            drawn,
            lo,
            hi,
        })
    }

    /// floor((n+1)(K+1)/(N+2)), the (largest) mode, clamped to the support.
    fn mode(&self) -> u64 {
        let m = (u128::from(self.drawn) + 1) * (u128::from(self.marked) + 1)
            / (u128::from(self.population) + 2);
        (m as u64).clamp(self.lo, self.hi)
    }

    /// ln P(X = x): R's `dhyper` decomposition into three saddle-point binomial densities with
    /// the common p = n/N (the p-dependence cancels exactly, the pieces stay small).
    fn ln_pmf(&self, x: u64) -> f64 {
        if x < self.lo || x > self.hi {
            return f64::NEG_INFINITY;
        }
        if self.lo == self.hi {
            return 0.0;
        }
        // here 0 < drawn < population, so 0 < p, q < 1
        let big_n = self.population as f64;
        let r = self.marked as f64;
        let b = (self.population - self.marked) as f64;
        let n = self.drawn as f64;
        let xf = x as f64;
        let p = n / big_n;
        let q = (self.population - self.drawn) as f64 / big_n;
        let p1 = ln_dbinom_raw(xf, r, p, q);
        let p2 = ln_dbinom_raw(n - xf, b, p, q);
        let p3 = ln_dbinom_raw(n, big_n, p, q);
        p1 + p2 - p3
    }

    /// ln Σ_{x ≥ k} pmf(x) by summing from k upward relative to pmf(k). Meant for k > mode
    /// (terms decrease); correct but slower elsewhere.
    fn ln_upper_sum(&self, k: u64) -> f64 {
        let lead = self.ln_pmf(k);
        let mut a = (self.marked - k) as f64; // K - x
        let mut b = (self.drawn - k) as f64; // n - x
        let mut c = k as f64 + 1.0; // x + 1
                                    // N - K - n + x + 1 (non-negative for x >= lo)
        let mut d = (self.population - self.marked) as f64 - self.drawn as f64 + k as f64 + 1.0;
        let mut t = 1.0f64;
        let mut s = 1.0f64;
        let mut x = k;
        while x < self.hi {
            t *= (a * b) / (c * d);
            s += t;
            if t <= s * TAIL_EPS {
                break;
            }
            a -= 1.0;
            b -= 1.0;
            c += 1.0;
            d += 1.0;
            x += 1;
        }
        lead + s.ln()
    }

    /// ln Σ_{x ≤ k} pmf(x) by summing from k downward relative to pmf(k). Meant for k < mode.
    fn ln_lower_sum(&self, k: u64) -> f64 {
        let lead = self.ln_pmf(k);
        let mut a = k as f64; // x
        let mut d = (self.population - self.marked) as f64 - self.drawn as f64 + k as f64; // N-K-n+x
        let mut b = (self.marked - k) as f64 + 1.0; // K - x + 1
        let mut c = (self.drawn - k) as f64 + 1.0; // n - x + 1
        let mut t = 1.0f64;
        let mut s = 1.0f64;
        let mut x = k;
        while x > self.lo {
            t *= (a * d) / (b * c);
            s += t;
            if t <= s * TAIL_EPS {
                break;
            }
            a -= 1.0;
            d -= 1.0;
            b += 1.0;
            c += 1.0;
            x -= 1;
        }
        lead + s.ln()
    }

    fn ln_sf_ge(&self, k: u64) -> f64 {
        if k <= self.lo {
            return 0.0;
        }
        if k > self.hi {
            return f64::NEG_INFINITY;
        }
        let v = if k > self.mode() {
            self.ln_upper_sum(k)
        } else {
            // the tail holds the mode: 1 - P(X <= k-1), the small side summed directly
            ln_1m_exp(self.ln_lower_sum(k - 1))
        };
        clamp_ln_p(v)
    }

    fn ln_cdf_le(&self, k: u64) -> f64 {
        if k >= self.hi {
            return 0.0;
        }
        if k < self.lo {
            return f64::NEG_INFINITY;
        }
        let v = if k < self.mode() {
            self.ln_lower_sum(k)
        } else {
            ln_1m_exp(self.ln_upper_sum(k + 1))
        };
        clamp_ln_p(v)
    }

    fn ln_two_sided(&self, x: u64) -> f64 {
        if self.lo == self.hi {
            return if x == self.lo { 0.0 } else { f64::NEG_INFINITY };
        }
        let observed = self.ln_pmf(x);
        if observed == f64::NEG_INFINITY {
            return f64::NEG_INFINITY;
        }
        let threshold = observed + TWO_SIDED_REL_TOL.ln_1p();
        let mode = self.mode();
        if self.ln_pmf(mode) <= threshold {
            return 0.0;
        }
        // smallest u in (mode, hi] with pmf(u) <= threshold (pmf non-increasing there)
        let upper = {
            let (mut lo, mut hi) = (mode + 1, self.hi + 1);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if self.ln_pmf(mid) <= threshold {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            (lo <= self.hi).then(|| self.ln_upper_sum(lo))
        };
        // largest l in [lo, mode) with pmf(l) <= threshold (pmf non-decreasing there)
        let lower = if mode == self.lo {
            None
        } else {
            let (mut lo, mut hi) = (self.lo, mode); // answer in [lo, hi), or none
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if self.ln_pmf(mid) <= threshold {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            // lo = first index in [self.lo, mode) with pmf > threshold
            (lo > self.lo).then(|| self.ln_lower_sum(lo - 1))
        };
        let v = match (upper, lower) {
            (Some(u), Some(l)) => ln_add_exp(u, l),
            (Some(u), None) => u,
            (None, Some(l)) => l,
            (None, None) => f64::NEG_INFINITY,
        };
        clamp_ln_p(v)
    }
}

/// ln p is never above 0, and never −0.0 (it would print as "-0").
pub(crate) fn clamp_ln_p(v: f64) -> f64 {
    if v >= 0.0 {
        0.0
    } else {
        v
    }
}

/// ln P(X = x), X ~ Hypergeometric(population N, marked K, drawn n).
///
/// −∞ outside the support `max(0, n+K−N) ..= min(n, K)`; NaN if `marked` or `drawn` exceeds
/// `population`.
pub fn ln_hyper_pmf(population: u64, marked: u64, drawn: u64, x: u64) -> f64 {
    match Urn::new(population, marked, drawn) {
        Some(urn) => urn.ln_pmf(x),
        None => f64::NAN,
    }
}

/// ln P(X ≥ k), X ~ Hypergeometric(population N, marked K, drawn n): the probability that two
/// random subsets of sizes K and n of a population of N overlap in k or more members.
///
/// Returns exactly `0.0` when `k <= max(0, n+K−N)` (certain), `f64::NEG_INFINITY` only when
/// `k > min(n, K)` (impossible), NaN if `marked` or `drawn` exceeds `population`. Symmetric in
/// `marked` and `drawn` (bit-identical when they are swapped).
pub fn ln_hyper_sf_ge(population: u64, marked: u64, drawn: u64, k: u64) -> f64 {
    match Urn::new(population, marked, drawn) {
        Some(urn) => urn.ln_sf_ge(k),
        None => f64::NAN,
    }
}

/// ln P(X ≤ k), X ~ Hypergeometric(population N, marked K, drawn n) (the depletion tail).
///
/// `0.0` when `k >= min(n, K)`, −∞ when `k < max(0, n+K−N)`, NaN for invalid parameters.
pub fn ln_hyper_cdf_le(population: u64, marked: u64, drawn: u64, k: u64) -> f64 {
    match Urn::new(population, marked, drawn) {
        Some(urn) => urn.ln_cdf_le(k),
        None => f64::NAN,
    }
}

/// ln of the two-sided exact p for an observed overlap `x`: the total probability of every
/// overlap `y` with `pmf(y) <= pmf(x) · (1 + 1e-7)` (R's `fisher.test` rule). NaN for invalid
/// parameters, −∞ if `x` is outside the support.
pub fn ln_hyper_two_sided(population: u64, marked: u64, drawn: u64, x: u64) -> f64 {
    match Urn::new(population, marked, drawn) {
        Some(urn) => urn.ln_two_sided(x),
        None => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact P(X >= k) for tiny urns by direct enumeration with u128 binomials.
    fn choose(n: u64, k: u64) -> u128 {
        if k > n {
            return 0;
        }
        let mut c: u128 = 1;
        for i in 0..k {
            c = c * u128::from(n - i) / u128::from(i + 1);
        }
        c
    }

    fn exact_sf(pop: u64, marked: u64, drawn: u64, k: u64) -> f64 {
        let total = choose(pop, drawn);
        let num: u128 = (k..=drawn.min(marked))
            .map(|x| choose(marked, x) * choose(pop - marked, drawn - x))
            .sum();
        (num as f64 / total as f64).ln()
    }

    #[test]
    fn tiny_urns_match_enumeration() {
        for pop in 1..=30u64 {
            for marked in 0..=pop {
                for drawn in 0..=pop {
                    let lo = (drawn + marked).saturating_sub(pop);
                    for k in lo..=drawn.min(marked) {
                        let mine = ln_hyper_sf_ge(pop, marked, drawn, k);
                        let exact = exact_sf(pop, marked, drawn, k);
                        let tol = 1e-12 * exact.abs().max(1.0);
                        assert!(
                            (mine - exact).abs() <= tol,
                            "N={pop} K={marked} n={drawn} k={k}: {mine} vs {exact}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn notes_reference_values() {
        let n = 25_000_000;
        let cases = [
            (7, -0.545_125_151_035_787_8),
            (2, -0.006_116_702_300_186_333),
            (5000, -31_370.453_606_204_257),
        ];
        for (k, exact) in cases {
            let mine = ln_hyper_sf_ge(n, 30_000, 6_000, k);
            let err = (mine - exact).abs() / f64::max(1.0, exact.abs());
            assert!(err < 1e-12, "k={k}: {mine} vs {exact} (rel {err:e})");
        }
    }

    #[test]
    fn degenerate_cases() {
        assert_eq!(ln_hyper_sf_ge(0, 0, 0, 0), 0.0);
        assert_eq!(ln_hyper_sf_ge(0, 0, 0, 1), f64::NEG_INFINITY);
        assert_eq!(ln_hyper_sf_ge(100, 0, 10, 0), 0.0);
        assert_eq!(ln_hyper_sf_ge(100, 0, 10, 1), f64::NEG_INFINITY);
        assert_eq!(ln_hyper_sf_ge(100, 100, 10, 10), 0.0);
        assert_eq!(ln_hyper_sf_ge(100, 100, 10, 11), f64::NEG_INFINITY);
        assert_eq!(ln_hyper_sf_ge(100, 95, 10, 5), 0.0); // support starts at 5
        assert!(ln_hyper_sf_ge(10, 11, 3, 1).is_nan());
        assert!(ln_hyper_sf_ge(10, 3, 11, 1).is_nan());
        let full = ln_hyper_sf_ge(25_000_000, 50_000, 50_000, 50_000);
        assert!(full.is_finite() && full < -300_000.0);
        assert_eq!(ln_hyper_cdf_le(100, 30, 20, 20), 0.0);
        assert_eq!(ln_hyper_two_sided(10, 10, 3, 3), 0.0);
    }

    #[test]
    fn symmetry_is_bit_identical() {
        for (pop, a, b, k) in [
            (25_000_000u64, 100u64, 50_000u64, 3u64),
            (1000, 30, 400, 17),
        ] {
            assert_eq!(
                ln_hyper_sf_ge(pop, a, b, k).to_bits(),
                ln_hyper_sf_ge(pop, b, a, k).to_bits()
            );
        }
    }

    #[test]
    fn tails_are_complementary() {
        let (pop, m, d) = (1000u64, 300u64, 400u64);
        for k in 100..=150u64 {
            let sf = ln_hyper_sf_ge(pop, m, d, k).exp();
            let cdf = ln_hyper_cdf_le(pop, m, d, k - 1).exp();
            assert!((sf + cdf - 1.0).abs() < 1e-13, "k={k}");
        }
    }
}
