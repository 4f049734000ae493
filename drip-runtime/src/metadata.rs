//! Metadata values attached to usage, events and runs.
//!
//! A [`Metadata`] map only ever holds flat primitive [`Value`]s; every key and
//! value passes the allowlist in [`crate::fields`] and the sanitiser in
//! [`crate::privacy`] before anything is queued for delivery.

use std::collections::BTreeMap;

/// A flat metadata value: string, integer, finite float or bool. Nothing nested.
///
/// ```
/// use drip_runtime::Value;
/// assert_eq!(Value::from(12), Value::Int(12));
/// assert_eq!(Value::from("gpt-4o"), Value::Str("gpt-4o".into()));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A string, cut to 256 characters by the sanitiser.
    Str(String),
    /// A signed integer.
    Int(i64),
    /// A float; NaN and infinities are dropped by the sanitiser.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Str(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Str(v.clone())
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<f32> for Value {
    fn from(v: f32) -> Self {
        Value::Float(f64::from(v))
    }
}
macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Int(i64::from(v))
            }
        }
    )*};
}
int_value!(i8, i16, i32, i64, u8, u16, u32);
macro_rules! wide_int_value {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            /// Values beyond `i64::MAX` saturate rather than wrap.
            fn from(v: $t) -> Self {
                Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
            }
        }
    )*};
}
wide_int_value!(u64, usize, u128, i128);

/// An ordered map of metadata keys (snake_case after normalisation) to [`Value`]s.
///
/// ```
/// use drip_runtime::{Metadata, Value};
/// let mut m = Metadata::new();
/// m.insert("model", "gpt-4o");
/// m.insert("latency_ms", 12);
/// assert_eq!(m.get("model"), Some(&Value::from("gpt-4o")));
/// assert_eq!(m.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    entries: BTreeMap<String, Value>,
}

impl Metadata {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts or replaces `key`. Keys are checked when the map is sanitised, not here.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        self.entries.insert(key.into(), value.into());
        self
    }

    /// The value under `key`, if any.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key)
    }

    /// Removes and returns the value under `key`.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.entries.remove(key)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Retains only the entries for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &mut Value) -> bool) {
        self.entries.retain(|k, v| keep(k, v));
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Metadata {
            entries: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

impl IntoIterator for Metadata {
    type Item = (String, Value);
    type IntoIter = std::collections::btree_map::IntoIter<String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Str(v) => s.serialize_str(v),
            Value::Int(v) => s.serialize_i64(*v),
            // Non-finite floats never reach the wire; the sanitiser drops them.
            Value::Float(v) => s.serialize_f64(*v),
            Value::Bool(v) => s.serialize_bool(*v),
        }
    }
}

impl serde::Serialize for Metadata {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.entries.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Value::Str(s)),
            serde_json::Value::Bool(b) => Ok(Value::Bool(b)),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Ok(Value::Int(i)),
                None => Ok(Value::Float(n.as_f64().unwrap_or(f64::NAN))),
            },
            other => Err(serde::de::Error::custom(format_args!(
                "metadata values must be flat primitives, found {other}"
            ))),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Metadata {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Metadata {
            entries: BTreeMap::deserialize(d)?,
        })
    }
}
