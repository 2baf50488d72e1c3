//! Normalisation of raw cells: phone numbers to E.164 digits (`phone`), timestamps to UTC
//! microseconds and durations to milliseconds (`time`).

pub mod phone;
pub mod time;

/// The libphonenumber metadata release compiled in through the `phonenumber` crate (its version
/// `0.3.10+9.0.33` carries it; Cargo.lock pins it). Recorded in every run manifest.
pub const PHONE_METADATA: &str = "libphonenumber 9.0.33 (phonenumber 0.3.10)";
