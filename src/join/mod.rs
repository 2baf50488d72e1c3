//! Join core (doc to come).
pub mod band;
pub mod exact;
pub mod overlap;
mod partition;
pub mod spread;
pub use band::{band_join, estimate_offset, BandIndex, BandMatches, BandParams, OffsetEstimate};
pub use exact::{lookup_all, lookup_first, prefix_match, reach_by_window, Reach};
pub use overlap::{all_pairs_overlap, Overlaps};
pub use spread::district_counts;
