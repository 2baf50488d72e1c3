//! Hand-written randomness for the synthetic world: a keyed hash (splitmix64 chained over the
//! key parts) for draws that must be a pure function of an entity's identity (a person, a
//! campaign attempt), xoshiro256** for streams seeded from such a key, and a keyed bijection
//! (a Feistel network with cycle walking) that scatters person indices over a number range.
//!
//! Nothing here depends on the thread that runs it or on the order in which entities are
//! visited: every draw is keyed, which is what makes the generator's output byte-identical for
//! any thread count.

/// The splitmix64 finaliser: a bijection on `u64` with good avalanche.
#[inline]
pub(crate) fn splitmix64(z: u64) -> u64 {
    let mut z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The splitmix64 stream: a tiny deterministic generator for benchmarks and tests that need
/// reproducible data without a random-number crate (the synthetic world itself uses keyed draws
/// and a xoshiro256** stream).
#[derive(Clone, Debug)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        let z = splitmix64(self.0);
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z
    }

    /// Uniform below `n` (modulo reduction: a negligible bias for the small `n` of test data);
    /// 0 when `n` is 0.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        unit(self.next())
    }
}

/// A hash of several key parts.
#[inline]
pub(crate) fn key(parts: &[u64]) -> u64 {
    let mut h = 0x243F_6A88_85A3_08D3u64;
    for &p in parts {
        h = splitmix64(h ^ p);
    }
    h
}

/// A hash of four parts (the common case, without a slice).
#[inline]
pub(crate) fn key4(a: u64, b: u64, c: u64, d: u64) -> u64 {
    splitmix64(splitmix64(splitmix64(splitmix64(0x243F_6A88_85A3_08D3 ^ a) ^ b) ^ c) ^ d)
}

/// A uniform float in `[0, 1)` from a hash.
#[inline]
pub(crate) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// xoshiro256**: a fast stream generator, seeded from a key.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator seeded from a key (expanded with splitmix64, as the authors recommend).
    pub(crate) fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut s = [0u64; 4];
        for v in &mut s {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            *v = splitmix64(x);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    /// The next 64 random bits.
    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub(crate) fn f64(&mut self) -> f64 {
        unit(self.next_u64())
    }

    /// Uniform in `0..n` (`n > 0`), by Lemire's multiply-shift with rejection.
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let mut m = (self.next_u64() as u128) * (n as u128);
        if (m as u64) < n {
            let t = n.wrapping_neg() % n;
            while (m as u64) < t {
                m = (self.next_u64() as u128) * (n as u128);
            }
        }
        (m >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `p`.
    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// A standard normal deviate (Box–Muller, one of the pair).
    pub(crate) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.f64();
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A log-normal deviate.
    pub(crate) fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        (mu + sigma * self.normal()).exp()
    }

    /// A Poisson deviate: multiplication of uniforms below a mean of 30, a rounded normal
    /// (continuity-corrected) above.
    pub(crate) fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            let l = (-lambda).exp();
            let mut k = 0u64;
            let mut p = 1.0;
            loop {
                p *= self.f64();
                if p <= l {
                    return k;
                }
                k += 1;
            }
        }
        let x = lambda + lambda.sqrt() * self.normal() + 0.5;
        if x < 0.0 {
            0
        } else {
            x as u64
        }
    }

    /// An index drawn with the weights whose running sums are `cum` (last = total).
    #[inline]
    pub(crate) fn pick_cum(&mut self, cum: &[f64]) -> usize {
        let total = *cum.last().unwrap_or(&0.0);
        let x = self.f64() * total;
        cum.partition_point(|&c| c <= x)
            .min(cum.len().saturating_sub(1))
    }
}

/// Running sums of weights, for [`Rng::pick_cum`].
pub(crate) fn cumulative(weights: &[f64]) -> Vec<f64> {
    let mut s = 0.0;
    weights
        .iter()
        .map(|w| {
            s += w;
            s
        })
        .collect()
}

/// An index drawn with the weights whose running sums are `cum`, from a uniform `u`.
#[inline]
pub(crate) fn pick_cum_u(cum: &[f64], u: f64) -> usize {
    let total = *cum.last().unwrap_or(&0.0);
    let x = u * total;
    cum.partition_point(|&c| c <= x)
        .min(cum.len().saturating_sub(1))
}

/// A keyed bijection of `0..m`: a four-round Feistel network on the smallest even number of
/// bits that covers `m`, with cycle walking (re-applied until the value falls below `m`; the
/// domain is at most four times `m`, so a few rounds on average).
#[derive(Clone, Debug)]
pub(crate) struct Perm {
    m: u64,
    half: u32,
    mask: u64,
    keys: [u64; 4],
}

impl Perm {
    /// A bijection of `0..m` (`m >= 1`) chosen by `seed`.
    pub(crate) fn new(m: u64, seed: u64) -> Perm {
        let bits = (64 - m.saturating_sub(1).leading_zeros()).max(2);
        let half = bits.div_ceil(2);
        let mut keys = [0u64; 4];
        for (i, k) in keys.iter_mut().enumerate() {
            *k = key(&[seed, i as u64]);
        }
        Perm {
            m: m.max(1),
            half,
            mask: (1u64 << half) - 1,
            keys,
        }
    }

    #[inline]
    fn round(&self, x: u64) -> u64 {
        let (mut l, mut r) = (x >> self.half, x & self.mask);
        for &k in &self.keys {
            let f = splitmix64(r ^ k) & self.mask;
            let nl = r;
            r = l ^ f;
            l = nl;
        }
        (l << self.half) | r
    }

    /// The image of `x < m`.
    #[inline]
    pub(crate) fn apply(&self, x: u64) -> u64 {
        let mut y = self.round(x);
        while y >= self.m {
            y = self.round(y);
        }
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perm_is_a_bijection() {
        for m in [1u64, 2, 3, 10, 1000, 12345] {
            let p = Perm::new(m, 7);
            let mut seen = vec![false; m as usize];
            for x in 0..m {
                let y = p.apply(x);
                assert!(y < m);
                assert!(!seen[y as usize]);
                seen[y as usize] = true;
            }
        }
    }

    #[test]
    fn streams_are_reproducible_and_uniformish() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let mut r = Rng::new(1);
        let n = 100_000;
        let mean = (0..n).map(|_| r.f64()).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
        let pm = (0..n).map(|_| r.poisson(4.0) as f64).sum::<f64>() / n as f64;
        assert!((pm - 4.0).abs() < 0.05, "{pm}");
        let pm = (0..n).map(|_| r.poisson(80.0) as f64).sum::<f64>() / n as f64;
        assert!((pm - 80.0).abs() < 0.3, "{pm}");
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[r.below(7) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_000..11_000).contains(&c)),
            "{counts:?}"
        );
    }
}
