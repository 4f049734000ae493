//! Lenient decoding helpers for response fields whose JSON type varies
//! between API versions (decimal amounts are sometimes strings, sometimes numbers).

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrNumber {
    Str(String),
    Num(serde_json::Number),
    Bool(bool),
}

/// Accepts a string, a number or null and keeps it as text (exact decimals survive).
pub(crate) fn opt_decimal_string<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    Ok(Option::<StringOrNumber>::deserialize(d)?.map(|v| match v {
        StringOrNumber::Str(s) => s,
        StringOrNumber::Num(n) => n.to_string(),
        StringOrNumber::Bool(b) => b.to_string(),
    }))
}

/// Accepts a number, a numeric string or null.
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(
        Option::<StringOrNumber>::deserialize(d)?.and_then(|v| match v {
            StringOrNumber::Str(s) => s.trim().parse().ok(),
            StringOrNumber::Num(n) => n.as_f64(),
            StringOrNumber::Bool(_) => None,
        }),
    )
}

/// Accepts a non-negative integer, a float (truncated), a numeric string or null.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(opt_f64(d)?
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| v as u64))
}

/// Like [`opt_u64`], with 0 for a missing or null value.
pub(crate) fn u64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(opt_u64(d)?.unwrap_or(0))
}

/// Accepts an integer (possibly negative), a float or a numeric string.
pub(crate) fn i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(opt_f64(d)?
        .filter(|v| v.is_finite())
        .map(|v| v as i64)
        .unwrap_or(0))
}
