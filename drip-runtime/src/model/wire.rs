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

/// Any value whose shape is wrong reads as `T::default()`: for fields of
/// answers that delivery does not need, so a new or differently formatted
/// field (a timestamp as a number, say) cannot make a stored request look
/// refused.
pub(crate) fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned + Default,
{
    let value = serde_json::Value::deserialize(d)?;
    Ok(T::deserialize(value).unwrap_or_default())
}

/// A run's status; missing or unknown reads as `RUNNING` (what a start answers).
pub(crate) fn status_or_running<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<super::RunStatus, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(super::RunStatus::deserialize(value).unwrap_or(super::RunStatus::Running))
}

pub(crate) fn running() -> super::RunStatus {
    super::RunStatus::Running
}

#[cfg(test)]
mod tests {
    use crate::model::{EventBatchResult, RunStarted, RunStatus};

    #[test]
    fn answers_with_odd_optional_fields_still_decode() {
        let r: RunStarted = serde_json::from_str(
            r#"{"id":"run_1","status":"WARMING_UP","createdAt":1733300000000,"customerId":{"x":1},"isDuplicate":"no"}"#,
        )
        .unwrap();
        assert_eq!(r.id, "run_1");
        assert_eq!(r.status, RunStatus::Running);
        assert_eq!(r.created_at, None);
        let r: RunStarted = serde_json::from_str(r#"{"id":"run_2"}"#).unwrap();
        assert_eq!(r.status, RunStatus::Running);

        let b: EventBatchResult = serde_json::from_str(
            r#"{"created":1,"events":[{"id":7,"isDuplicate":true,"timestamp":12,"reason":[1]}]}"#,
        )
        .unwrap();
        assert_eq!(b.created, 1);
        assert!(b.events[0].is_duplicate);
        assert_eq!(b.events[0].id, None);
        let b: EventBatchResult = serde_json::from_str(r#"{"created":2,"events":"n/a"}"#).unwrap();
        assert_eq!((b.created, b.events.len()), (2, 0));
    }
}
