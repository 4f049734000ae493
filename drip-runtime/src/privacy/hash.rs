//! Keyed, irreversible identifiers for things like `query_hash`: the
//! [`HashId`] type and the HMAC behind `drip::hash_id` (whose key belongs to
//! the runtime, see `crate::runtime`).

use crate::error::{Error, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Environment variable [`Config::from_env`](crate::config::Config::from_env)
/// reads the `hash_id` key from.
pub const HASH_KEY_ENV: &str = "DRIP_HASH_KEY";

/// A keyed identifier made by [`hash_id`](crate::hash_id): 64 lowercase hex characters.
///
/// A distinct type so that the macros can tell a hash from raw text at
/// compile time: `metadata(query_hash = drip::hash_id(q)?)` is accepted,
/// `metadata(query_hash = q)` with a `String` is a compile error. It converts
/// into a metadata value and reads as a `&str`.
///
/// ```
/// use drip_runtime::{HashId, Metadata, Value, hash_id};
/// let _cap = drip_runtime::testing::capture(); // a test's runtime: a per-process key
/// let h: HashId = hash_id("what is the refund policy?")?;
/// let mut m = Metadata::new();
/// m.insert("query_hash", h.clone());
/// let m = drip_runtime::privacy::sanitize_metadata(m);
/// assert_eq!(m.get("query_hash"), Some(&Value::from(h.as_str())));
/// assert!(HashId::parse("not a digest").is_none());
/// # Ok::<(), drip_runtime::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HashId(String);

impl HashId {
    /// Wraps a digest made elsewhere (hex or base64, see
    /// [`is_hash_shaped`](crate::fields::is_hash_shaped)); `None` for anything
    /// that is not hash-shaped.
    ///
    /// ```
    /// use drip_runtime::HashId;
    /// let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /// assert_eq!(HashId::parse(sha).unwrap().as_str(), sha);
    /// assert!(HashId::parse("my raw prompt").is_none());
    /// ```
    pub fn parse(digest: &str) -> Option<HashId> {
        crate::fields::is_hash_shaped(digest).then(|| HashId(digest.to_owned()))
    }

    /// The digest text.
    ///
    /// ```
    /// let h = drip_runtime::HashId::parse("9f86d081884c7d659a2feaa0c55ad015").unwrap();
    /// assert_eq!(h.as_str().len(), 32);
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digest as an owned `String`.
    ///
    /// ```
    /// let h = drip_runtime::HashId::parse("9f86d081884c7d659a2feaa0c55ad015").unwrap();
    /// assert_eq!(h.into_string(), "9f86d081884c7d659a2feaa0c55ad015");
    /// ```
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::ops::Deref for HashId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for HashId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for HashId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for HashId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HashId({:?})", self.0)
    }
}

impl PartialEq<str> for HashId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for HashId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for HashId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl From<HashId> for String {
    fn from(h: HashId) -> String {
        h.0
    }
}

impl From<HashId> for crate::metadata::Value {
    fn from(h: HashId) -> Self {
        crate::metadata::Value::Str(h.0)
    }
}

impl From<&HashId> for crate::metadata::Value {
    fn from(h: &HashId) -> Self {
        crate::metadata::Value::Str(h.0.clone())
    }
}

/// HMAC-SHA256 of `raw` under `key`, as 64 lowercase hex characters.
pub(crate) fn keyed_id(key: &[u8], raw: &str) -> Result<HashId> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| Error::Config {
        reason: "the drip hash key cannot key HMAC-SHA256".to_owned(),
    })?;
    mac.update(raw.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    Ok(HashId(out))
}

const HEX: &[u8; 16] = b"0123456789abcdef";
