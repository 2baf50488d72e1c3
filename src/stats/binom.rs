//! Binomial distribution in log space: pmf and both tails.

use super::hypergeom::{clamp_ln_p, TAIL_EPS};
use super::loader::{ln_1m_exp, ln_dbinom_raw};

/// Binomial(n, p) with `q = 1 − p` held separately (each rounded once).
#[derive(Clone, Copy, Debug)]
struct Binom {
    n: u64,
    p: f64,
    q: f64,
}

impl Binom {
    fn from_p(n: u64, p: f64) -> Option<Binom> {
        if !(0.0..=1.0).contains(&p) {
            return None; // also NaN
        }
        Some(Binom { n, p, q: 1.0 - p })
    }

    fn from_frac(n: u64, num: u64, den: u64) -> Option<Binom> {
        if den == 0 || num > den {
            return None;
        }
        let d = den as f64;
        Some(Binom {
            n,
            p: num as f64 / d,
            q: (den - num) as f64 / d,
        })
    }

    /// Support of the distribution: [lo, hi].
    fn support(&self) -> (u64, u64) {
        if self.p == 0.0 {
            (0, 0)
        } else if self.q == 0.0 {
            (self.n, self.n)
        } else {
            (0, self.n)
        }
    }

    /// floor((n+1) p), clamped to [0, n]; a misplacement by one only changes which side is summed.
    fn mode(&self) -> u64 {
        let m = ((self.n as f64 + 1.0) * self.p).floor();
        (m as u64).min(self.n)
    }

    fn ln_pmf(&self, x: u64) -> f64 {
        if x > self.n {
            return f64::NEG_INFINITY;
        }
        ln_dbinom_raw(x as f64, self.n as f64, self.p, self.q)
    }

    /// ln Σ_{x ≥ k} pmf(x), summed upward from pmf(k); requires 0 < p < 1.
    fn ln_upper_sum(&self, k: u64) -> f64 {
        let lead = self.ln_pmf(k);
        let odds = self.p / self.q;
        let mut a = (self.n - k) as f64; // n - x
        let mut c = k as f64 + 1.0; // x + 1
        let (mut t, mut s) = (1.0f64, 1.0f64);
        let mut x = k;
        while x < self.n {
            t *= a / c * odds;
            s += t;
            if t <= s * TAIL_EPS {
                break;
            }
            a -= 1.0;
            c += 1.0;
            x += 1;
        }
        lead + s.ln()
    }

    /// ln Σ_{x ≤ k} pmf(x), summed downward from pmf(k); requires 0 < p < 1.
    fn ln_lower_sum(&self, k: u64) -> f64 {
        let lead = self.ln_pmf(k);
        let odds = self.q / self.p;
        let mut a = k as f64; // x
        let mut c = (self.n - k) as f64 + 1.0; // n - x + 1
        let (mut t, mut s) = (1.0f64, 1.0f64);
        let mut x = k;
        while x > 0 {
            t *= a / c * odds;
            s += t;
            if t <= s * TAIL_EPS {
                break;
            }
            a -= 1.0;
            c += 1.0;
            x -= 1;
        }
        lead + s.ln()
    }

    fn ln_sf_ge(&self, k: u64) -> f64 {
        let (lo, hi) = self.support();
        if k <= lo {
            return 0.0;
        }
        if k > hi {
            return f64::NEG_INFINITY;
        }
        // here 0 < p < 1 and 0 < k <= n
        let v = if k > self.mode() {
            self.ln_upper_sum(k)
        } else {
            ln_1m_exp(self.ln_lower_sum(k - 1))
        };
        clamp_ln_p(v)
    }

    fn ln_cdf_le(&self, k: u64) -> f64 {
        let (lo, hi) = self.support();
        if k >= hi {
            return 0.0;
        }
        if k < lo {
            return f64::NEG_INFINITY;
        }
        let v = if k < self.mode() {
            self.ln_lower_sum(k)
        } else {
            ln_1m_exp(self.ln_upper_sum(k + 1))
        };
        clamp_ln_p(v)
    }
}

/// ln P(X = x), X ~ Binomial(n, p). NaN unless 0 ≤ p ≤ 1.
pub fn ln_binom_pmf(n: u64, x: u64, p: f64) -> f64 {
    Binom::from_p(n, p).map_or(f64::NAN, |b| b.ln_pmf(x))
}

/// ln P(X ≥ k), X ~ Binomial(n, p), 0 ≤ p ≤ 1.
///
/// `0.0` when the event is certain (k = 0, or p = 1 and k ≤ n), −∞ when impossible (k > n, or
/// p = 0 and k ≥ 1), NaN when p is NaN or outside [0, 1]. `q = 1 − p` is formed here; when p is
/// a ratio of counts, [`ln_binom_sf_ge_frac`] rounds p and q once each and is slightly more exact.
pub fn ln_binom_sf_ge(n: u64, k: u64, p: f64) -> f64 {
    Binom::from_p(n, p).map_or(f64::NAN, |b| b.ln_sf_ge(k))
}

/// ln P(X ≥ k), X ~ Binomial(n, num/den): p given as an exact ratio (e.g. incident length over
/// incident + baseline length in microseconds). NaN if `den == 0` or `num > den`.
pub fn ln_binom_sf_ge_frac(n: u64, k: u64, num: u64, den: u64) -> f64 {
    Binom::from_frac(n, num, den).map_or(f64::NAN, |b| b.ln_sf_ge(k))
}

/// ln P(X ≤ k), X ~ Binomial(n, p). NaN unless 0 ≤ p ≤ 1.
pub fn ln_binom_cdf_le(n: u64, k: u64, p: f64) -> f64 {
    Binom::from_p(n, p).map_or(f64::NAN, |b| b.ln_cdf_le(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_cases() {
        assert_eq!(ln_binom_sf_ge(0, 0, 0.5), 0.0);
        assert_eq!(ln_binom_sf_ge(0, 1, 0.5), f64::NEG_INFINITY);
        assert_eq!(ln_binom_sf_ge(10, 0, 0.0), 0.0);
        assert_eq!(ln_binom_sf_ge(10, 1, 0.0), f64::NEG_INFINITY);
        assert_eq!(ln_binom_sf_ge(10, 10, 1.0), 0.0);
        assert_eq!(ln_binom_sf_ge(10, 11, 1.0), f64::NEG_INFINITY);
        assert!(ln_binom_sf_ge(10, 1, f64::NAN).is_nan());
        assert!(ln_binom_sf_ge(10, 1, 1.5).is_nan());
        assert!(ln_binom_sf_ge_frac(10, 1, 3, 0).is_nan());
        assert!(ln_binom_sf_ge_frac(10, 1, 4, 3).is_nan());
        assert_eq!(ln_binom_cdf_le(10, 10, 0.3), 0.0);
    }

    #[test]
    fn small_exact() {
        // P(X >= 2), n = 3, p = 1/2: 4/8
        assert!((ln_binom_sf_ge(3, 2, 0.5) - 0.5f64.ln()).abs() < 1e-15);
        // P(X >= 3), n = 3, p = 1/2: 1/8
        assert!((ln_binom_sf_ge(3, 3, 0.5) - 0.125f64.ln()).abs() < 1e-15);
        // P(X >= 1), n = 10, p = 1/15: 1 - (14/15)^10
        let exact = (1.0 - (14.0f64 / 15.0).powi(10)).ln();
        assert!((ln_binom_sf_ge_frac(10, 1, 1, 15) - exact).abs() < 1e-14);
    }

    #[test]
    fn deep_tail_survives() {
        // P(X = n) = 3^-100000, p = 1/3
        let v = ln_binom_sf_ge_frac(100_000, 100_000, 1, 3);
        let exact = -100_000.0 * 3.0f64.ln();
        assert!((v - exact).abs() < 1e-9 * exact.abs(), "{v} vs {exact}");
    }
}
