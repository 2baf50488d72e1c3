//! Analysis 1, the calls: which calls count (received by a complainant in the orders, inside
//! the orders window) and the caller IDs that cannot be traced (blocked, invalid).
//!
//! *count*: every figure here is a number of calls, so counts over any split of the calls add.
//! There is nothing to *finish*.

use rayon::prelude::*;

use super::input::{Calls, Complainants};
use crate::config::Window;
use serde::{Deserialize, Serialize};

/// Calls by what became of them. Every call is in exactly one of the first three.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallCounts {
    /// To a complainant in the orders, inside the orders window.
    pub received: u64,
    /// To a complainant in the orders, outside the orders window.
    pub outside_orders: u64,
    /// Not to a complainant in the orders.
    pub not_to_complainants: u64,
    /// Received calls whose caller ID was withheld.
    pub blocked: u64,
    /// Received calls whose caller ID was not a valid number.
    pub invalid: u64,
}

impl CallCounts {
    /// The counts of two disjoint sets of calls, added.
    pub fn merge(self, o: CallCounts) -> CallCounts {
        CallCounts {
            received: self.received + o.received,
            outside_orders: self.outside_orders + o.outside_orders,
            not_to_complainants: self.not_to_complainants + o.not_to_complainants,
            blocked: self.blocked + o.blocked,
            invalid: self.invalid + o.invalid,
        }
    }
}

/// The received calls (rows, ascending) and the counts.
pub(crate) fn count(
    calls: &Calls<'_>,
    comp: &Complainants,
    orders: Option<Window>,
) -> (Vec<usize>, CallCounts) {
    // 0: received, 1: outside the orders window, 2: not to a complainant in the orders.
    let class: Vec<u8> = (0..calls.len())
        .into_par_iter()
        .map(|i| {
            if !comp.by_number.contains_key(&calls.called[i]) {
                2
            } else if orders.is_some_and(|w| !w.contains(calls.start[i])) {
                1
            } else {
                0
            }
        })
        .collect();
    let received: Vec<usize> = (0..class.len()).filter(|&i| class[i] == 0).collect();
    let with_status = |code: Option<u32>| {
        received
            .iter()
            .filter(|&&i| Some(calls.status.codes[i]) == code)
            .count() as u64
    };
    let counts = CallCounts {
        received: received.len() as u64,
        outside_orders: class.iter().filter(|&&c| c == 1).count() as u64,
        not_to_complainants: class.iter().filter(|&&c| c == 2).count() as u64,
        blocked: with_status(calls.status.code_of("blocked")),
        invalid: with_status(calls.status.code_of("invalid")),
    };
    (received, counts)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{self, Call};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_by_fate_and_caller_id() {
        let comp = testkit::complainants(&[(100, "a", true, None), (200, "b", false, None)]);
        let rows = [
            Call::new(100, Some(9), 10),
            Call::blocked(100, 11),
            Call::invalid(100, "555", 12),
            Call::new(100, Some(9), 99), // outside the orders window
            Call::new(200, Some(9), 10), // late complainant
            Call::new(300, Some(9), 10), // not a complainant
        ];
        let b = testkit::calls(&rows);
        let calls = Calls::new(&b).unwrap();
        let (received, c) = count(&calls, &comp, Some(testkit::window(0, 50)));
        assert_eq!(received, [0, 1, 2]);
        assert_eq!(
            c,
            CallCounts {
                received: 3,
                outside_orders: 1,
                not_to_complainants: 2,
                blocked: 1,
                invalid: 1,
            }
        );
    }

    proptest! {
        /// count(A) + count(B) == count(A ∪ B) for any split of the calls.
        #[test]
        fn counts_add_over_any_split(
            rows in testkit::arb_calls(40),
            side in prop::collection::vec(any::<bool>(), 40),
        ) {
            let comp = testkit::arb_complainants();
            let w = Some(testkit::window(0, 60));
            let all = testkit::calls(&rows);
            let (_, whole) = count(&Calls::new(&all).unwrap(), &comp, w);
            let (a, b) = testkit::split(&rows, |i, _| side[i]);
            let (_, ca) = count(&Calls::new(&testkit::calls(&a)).unwrap(), &comp, w);
            let (_, cb) = count(&Calls::new(&testkit::calls(&b)).unwrap(), &comp, w);
            prop_assert_eq!(ca.merge(cb), whole);
        }
    }
}
