//! Checks `callsift::stats` against reference values computed in exact arithmetic.
//!
//! The vectors are `fixtures/stats/vectors.json`, made by
//! `python3 fixtures/stats/make_vectors.py > fixtures/stats/vectors.json` (integer binomial
//! coefficients and fractions, logged with mpmath at 60 digits; see the script's header). This
//! test needs no Python. Every ln p must satisfy
//! `|mine − reference| ≤ 1e-9 · max(1, |reference|)`; the worst error is printed
//! (`cargo test --test stats_vectors -- --nocapture`).

use callsift::stats::{
    bh_ln_q_ranked, g_test, ln_binom_sf_ge, ln_binom_sf_ge_frac, ln_chisq_sf, ln_fisher_greater,
    ln_fisher_two_sided, ln_hyper_cdf_le, ln_hyper_sf_ge,
};
use serde_json::Value;

const TOL: f64 = 1e-9;

fn load() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/stats/vectors.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).expect("vectors.json parses")
}

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => s
            .parse()
            .unwrap_or_else(|e| panic!("bad number {s:?}: {e}")),
        other => other.as_f64().expect("number"),
    }
}

fn int(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// Tracks the worst relative error per family and collects failures.
#[derive(Default)]
struct Checker {
    checked: usize,
    failures: Vec<String>,
    worst: Vec<(String, f64, String)>,
}

impl Checker {
    fn check(&mut self, family: &str, mine: f64, reference: f64, what: &str) {
        self.checked += 1;
        let err = if reference == f64::NEG_INFINITY || mine == f64::NEG_INFINITY {
            if mine == reference {
                0.0
            } else {
                f64::INFINITY
            }
        } else {
            (mine - reference).abs() / reference.abs().max(1.0)
        };
        let ok = err <= TOL && !mine.is_nan();
        if !ok {
            self.failures.push(format!(
                "{family} {what}: got {mine:e}, exact {reference:e}, rel err {err:e}"
            ));
        }
        match self.worst.iter_mut().find(|(f, _, _)| f == family) {
            Some(slot) if err > slot.1 => {
                slot.1 = err;
                slot.2 = what.to_string();
            }
            Some(_) => {}
            None => self.worst.push((family.to_string(), err, what.to_string())),
        }
    }

    fn finish(self, expected_min: usize) {
        for (family, err, what) in &self.worst {
            println!("worst relative error {family:>16}: {err:.3e} at {what}");
        }
        println!("{} values checked", self.checked);
        assert!(
            self.failures.is_empty(),
            "{} failures:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        assert!(self.checked >= expected_min, "only {} values", self.checked);
    }
}

#[test]
fn stats_match_exact_reference_vectors() {
    let v = load();
    let mut c = Checker::default();

    for case in v["hyper_sf"].as_array().unwrap() {
        let (n, m, d, k) = (
            int(case, "population"),
            int(case, "marked"),
            int(case, "drawn"),
            int(case, "k"),
        );
        let what = format!("N={n} K={m} n={d} k={k}");
        let reference = num(&case["ln_p"]);
        c.check("hyper_sf", ln_hyper_sf_ge(n, m, d, k), reference, &what);
        // the same tail with the two lists swapped, and as the lower tail's complement
        c.check("hyper_sf", ln_hyper_sf_ge(n, d, m, k), reference, &what);
        let exact_zero = case["ln_p"] == "0";
        if exact_zero {
            assert_eq!(ln_hyper_sf_ge(n, m, d, k), 0.0, "{what}: certain event");
        }
    }
    for case in v["hyper_cdf"].as_array().unwrap() {
        let (n, m, d, k) = (
            int(case, "population"),
            int(case, "marked"),
            int(case, "drawn"),
            int(case, "k"),
        );
        let what = format!("N={n} K={m} n={d} k<={k}");
        c.check(
            "hyper_cdf",
            ln_hyper_cdf_le(n, m, d, k),
            num(&case["ln_p"]),
            &what,
        );
    }
    for case in v["binom_sf"].as_array().unwrap() {
        let (n, k, a, b) = (
            int(case, "n"),
            int(case, "k"),
            int(case, "p_num"),
            int(case, "p_den"),
        );
        let what = format!("n={n} k={k} p={a}/{b}");
        let reference = num(&case["ln_p"]);
        c.check(
            "binom_sf_frac",
            ln_binom_sf_ge_frac(n, k, a, b),
            reference,
            &what,
        );
        // the f64 API sees p rounded to the nearest double: still within tolerance
        c.check(
            "binom_sf_f64",
            ln_binom_sf_ge(n, k, a as f64 / b as f64),
            reference,
            &what,
        );
    }
    for (family, f) in [
        (
            "fisher_greater",
            ln_fisher_greater as fn(u64, u64, u64, u64) -> f64,
        ),
        ("fisher_two_sided", ln_fisher_two_sided),
    ] {
        for case in v[family].as_array().unwrap() {
            let t: Vec<u64> = case["table"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect();
            let what = format!("{t:?}");
            c.check(family, f(t[0], t[1], t[2], t[3]), num(&case["ln_p"]), &what);
        }
    }
    for case in v["chisq_sf"].as_array().unwrap() {
        let x = num(&case["x"]);
        let df = int(case, "df") as u32;
        let what = format!("x={x} df={df}");
        c.check("chisq_sf", ln_chisq_sf(x, df), num(&case["ln_p"]), &what);
    }
    for case in v["g_test"].as_array().unwrap() {
        let obs: Vec<u64> = case["observed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        let props: Vec<f64> = case["proportions"]
            .as_array()
            .unwrap()
            .iter()
            .map(num)
            .collect();
        let t = g_test(&obs, &props);
        let what = format!("{obs:?} vs {props:?}");
        assert_eq!(u64::from(t.df), int(case, "df"), "{what}: df");
        c.check("g_test G", t.g, num(&case["g"]), &what);
        c.check("g_test ln_p", t.ln_p, num(&case["ln_p"]), &what);
    }
    for case in v["bh"].as_array().unwrap() {
        let ln_p: Vec<f64> = case["ln_p"].as_array().unwrap().iter().map(num).collect();
        let (ln_q, rank) = bh_ln_q_ranked(&ln_p);
        let want_rank: Vec<u32> = case["rank"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(rank, want_rank, "BH ranks for {ln_p:?}");
        for (i, q) in case["ln_q"].as_array().unwrap().iter().enumerate() {
            c.check("bh_ln_q", ln_q[i], num(q), &format!("{ln_p:?}[{i}]"));
        }
    }
    let declared = v["cases"].as_u64().unwrap() as usize;
    assert!(declared >= 200, "fewer than 200 reference cases");
    c.finish(declared);
}
