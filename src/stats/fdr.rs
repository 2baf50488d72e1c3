//! Ranking and Benjamini–Hochberg q-values, in log space.
//!
//! Order: ascending ln p, ties broken by input index (earlier index = better rank). The result
//! depends only on the slice, so a caller that presents its tests in a deterministic order
//! (e.g. sorted by list names) gets byte-identical ranks and q-values whatever its thread count.
//! NaN ln p values sort after every number (after +∞); −0.0 and 0.0 are the same value.

use super::StatsError;

/// A u64 whose unsigned order is the numeric order of `v` (NaN last, −0.0 = 0.0).
fn order_key(v: f64) -> u64 {
    if v.is_nan() {
        return u64::MAX;
    }
    let bits = (v + 0.0).to_bits(); // -0.0 + 0.0 = +0.0
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// Input indices sorted by (ln p, index).
fn sorted_order(ln_p: &[f64]) -> Vec<u32> {
    assert!(
        u32::try_from(ln_p.len()).is_ok(),
        "stats::fdr: more than u32::MAX tests"
    );
    let mut keyed: Vec<(u64, u32)> = ln_p
        .iter()
        .enumerate()
        .map(|(i, &v)| (order_key(v), i as u32))
        .collect();
    keyed.sort_unstable(); // keys unique by index, so the order is fully determined
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Ranks 1..=m by ascending `ln_p`, ties by input index (stable), NaN last.
///
/// # Panics
/// If there are more than `u32::MAX` values.
pub fn rank_ascending(ln_p: &[f64]) -> Vec<u32> {
    let order = sorted_order(ln_p);
    let mut rank = vec![0u32; ln_p.len()];
    for (pos, &i) in order.iter().enumerate() {
        rank[i as usize] = pos as u32 + 1;
    }
    rank
}

/// Benjamini–Hochberg q-values in log space, with the ranks: returns `(ln_q, rank)`.
///
/// `ln q_i = min(0, min over j with rank_j ≥ rank_i of (ln p_j + ln m − ln rank_j))`, m = the
/// number of values. Ties in ln p get different ranks (by index) but equal q. A NaN ln p is
/// counted in m and ranked last as if p = 1 (conservative for the others) and gets q = NaN.
pub fn bh_ln_q_ranked(ln_p: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let m = ln_p.len();
    let order = sorted_order(ln_p);
    let mut rank = vec![0u32; m];
    let mut ln_q = vec![0.0f64; m];
    let ln_m = (m as f64).ln();
    let mut running = 0.0f64;
    for (pos, &i) in order.iter().enumerate().rev() {
        let r = pos as u32 + 1;
        let i = i as usize;
        rank[i] = r;
        let v = ln_p[i];
        if v.is_nan() {
            ln_q[i] = f64::NAN;
            continue;
        }
        // ln m − ln r ≥ 0 first, so that q ≥ p survives rounding
        let candidate = v + (ln_m - f64::from(r).ln());
        if candidate < running {
            running = candidate;
        }
        ln_q[i] = running;
    }
    (ln_q, rank)
}

/// Benjamini–Hochberg q-values in log space (see [`bh_ln_q_ranked`] for the definition, ties
/// and NaN treatment).
pub fn bh_ln_q(ln_p: &[f64]) -> Vec<f64> {
    bh_ln_q_ranked(ln_p).0
}

/// [`bh_ln_q`], but an error naming the first NaN instead of the NaN treatment.
pub fn bh_ln_q_checked(ln_p: &[f64]) -> Result<Vec<f64>, StatsError> {
    if let Some(index) = ln_p.iter().position(|v| v.is_nan()) {
        return Err(StatsError::NanInput { index });
    }
    Ok(bh_ln_q(ln_p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_with_ties_and_nan() {
        let v = [-1.0, f64::NAN, -3.0, -1.0, 0.0, -0.0, f64::NEG_INFINITY];
        assert_eq!(rank_ascending(&v), vec![3, 7, 2, 4, 5, 6, 1]);
        assert!(rank_ascending(&[]).is_empty());
    }

    #[test]
    fn bh_matches_plain_formula() {
        let p = [0.01f64, 0.04, 0.03, 0.005, 0.5];
        let ln_p: Vec<f64> = p.iter().map(|x| x.ln()).collect();
        let q: Vec<f64> = bh_ln_q(&ln_p).iter().map(|x| x.exp()).collect();
        // sorted: 0.005 (1), 0.01 (2), 0.03 (3), 0.04 (4), 0.5 (5); m = 5
        // raw: .025, .025, .05, .05, .5 -> running min from the top: same
        let expect = [0.025, 0.05, 0.05, 0.025, 0.5];
        for (a, b) in q.iter().zip(expect) {
            assert!((a - b).abs() < 1e-15, "{q:?}");
        }
    }

    #[test]
    fn ties_share_q_and_clamp() {
        let q = bh_ln_q(&[-2.5; 5]);
        assert!(q.iter().all(|&x| x == q[0]));
        assert!((q[0] + 2.5).abs() < 1e-15);
        assert_eq!(bh_ln_q(&[0.0, 0.0]), vec![0.0, 0.0]);
        assert!(bh_ln_q(&[0.0])[0].is_sign_positive());
    }

    #[test]
    fn q_never_below_p_after_rounding() {
        // found by proptest: ln p + ln m − ln m rounded below ln p at rank m
        let ln_p = [
            -0.334731083004696,
            -20154.776031465386,
            -18600.449220012924,
            -19308.13395444467,
            -46970.41234566272,
            -16245.073830549309,
            -46206.7847171877,
            -11004.983550178476,
        ];
        let q = bh_ln_q(&ln_p);
        for (p, q) in ln_p.iter().zip(&q) {
            assert!(q >= p, "{q} < {p}");
        }
        assert_eq!(q[0], ln_p[0]);
    }

    #[test]
    fn nan_treatment() {
        let (q, r) = bh_ln_q_ranked(&[f64::NAN, -10.0]);
        assert!(q[0].is_nan());
        assert_eq!(r, vec![2, 1]);
        assert!((q[1] - (-10.0 + 2f64.ln())).abs() < 1e-15);
        assert_eq!(
            bh_ln_q_checked(&[-1.0, f64::NAN]),
            Err(StatsError::NanInput { index: 1 })
        );
    }
}
