//! The phone normaliser on arbitrary text, with the invariants `src/normalize/phone.rs`
//! promises, and a differential check of the register fast path against the general classifier
//! and against libphonenumber (the `phonenumber` crate) for NANP spellings.
#![no_main]

use std::sync::OnceLock;

use callsift::normalize::phone::{
    country_code, format_e164, fuzz_api, nanp_parts, InvalidReason, Phone, PhoneParser,
};
use libfuzzer_sys::fuzz_target;
use phonenumber::country::Id as CountryId;

struct Parsers {
    ca: PhoneParser,
    us: PhoneParser,
    others: Vec<PhoneParser>,
}

fn parsers() -> &'static Parsers {
    static P: OnceLock<Parsers> = OnceLock::new();
    P.get_or_init(|| {
        let tokens = ["Appel masqué".to_string(), "-1".to_string(), "NO CID".to_string()];
        Parsers {
            ca: PhoneParser::try_new("CA", &[]).unwrap(),
            us: PhoneParser::try_new("US", &[]).unwrap(),
            others: vec![
                PhoneParser::try_new("FR", &[]).unwrap(),
                PhoneParser::try_new("GB", &[]).unwrap(),
                PhoneParser::try_new("DE", &[]).unwrap(),
                // Extra tokens, one without letters: tokens are tried first.
                PhoneParser::try_new("CA", &tokens).unwrap(),
            ],
        }
    })
}

fn digit_count(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |l| l as usize + 1)
}

/// What every `Ok` promises (the unit tests' `check_invariants`): at most 15 digits, a known
/// country code, its own E.164 text reads back to it, NANP area code and exchange 2-9.
fn check(p: &PhoneParser, what: &dyn std::fmt::Debug, r: Phone) {
    if let Phone::Ok(n) = r {
        assert!(digit_count(n) <= 15, "{what:?} -> {n}");
        assert!(country_code(n).is_some(), "{what:?} -> {n}: unknown country code");
        let text = format_e164(n);
        assert_eq!(p.parse(&text), Phone::Ok(n), "{what:?} -> {text}");
        if let Some((npa, nxx)) = nanp_parts(n) {
            assert!(npa >= 200 && nxx >= 200, "{what:?} -> {n}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let ps = parsers();
    let s = String::from_utf8_lossy(data);
    let s: &str = &s;
    for p in [&ps.ca, &ps.us].into_iter().chain(&ps.others) {
        let r = p.parse(s);
        check(p, &s, r);
    }
    // Cells: integers and floats from the first 8 bytes.
    if let Some(b) = data.get(..8) {
        let v = u64::from_le_bytes(b.try_into().unwrap());
        for p in [&ps.ca, &ps.us].into_iter().chain(&ps.others) {
            check(p, &v, p.parse_int(v));
            let f = f64::from_bits(v);
            check(p, &f, p.parse_float(f));
            check(p, &(v % 100_000_000_000), p.parse_int(v % 100_000_000_000));
        }
    }

    // Differential: where the register fast path answers (plain 10- or 11-digit NANP text)...
    let Some(fast) = fuzz_api::fast_nanp(s, true) else {
        return;
    };
    for (p, region) in [(&ps.ca, CountryId::CA), (&ps.us, CountryId::US)] {
        // ...the general classifier gives the same answer, and so does `parse`...
        assert_eq!(fuzz_api::classify_plain(p, s), Some(fast), "{s:?}");
        assert_eq!(p.parse(s), fast, "{s:?}");
        // ...and libphonenumber never calls valid a different E.164; it calls valid a number
        // we reject only for an exchange starting 0 or 1 (documented: the Dominican
        // Republic's and toll-free patterns accept those, the NANP format does not).
        let Ok(lib) = phonenumber::parse(Some(region), s) else {
            continue;
        };
        if !phonenumber::is_valid(&lib) {
            continue;
        }
        match fast {
            Phone::Ok(n) => {
                assert_eq!(fuzz_api::e164_of(&lib), Some(n), "{s:?}: libphonenumber differs")
            }
            Phone::Invalid(r) => {
                let lib_n = fuzz_api::e164_of(&lib);
                let nxx = lib_n.and_then(nanp_parts).map(|(_, nxx)| nxx);
                assert!(
                    r == InvalidReason::BadExchange && nxx.is_some_and(|x| x < 200),
                    "{s:?}: we say {r:?}, libphonenumber says valid {lib_n:?}"
                );
            }
            Phone::Blocked => panic!("{s:?}: the fast path said blocked"),
        }
    }
});
