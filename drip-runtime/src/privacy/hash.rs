//! `hash_id`: keyed, irreversible identifiers for things like `query_hash`.

use crate::error::{Error, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::RwLock;

static HASH_KEY: RwLock<Option<Vec<u8>>> = RwLock::new(None);

/// Environment variable holding the `hash_id` key when none is configured.
pub const HASH_KEY_ENV: &str = "DRIP_HASH_KEY";

pub(crate) fn set_key(key: &[u8]) {
    // The key is a secret too: never sent, scrubbed from server text.
    if let Ok(text) = std::str::from_utf8(key) {
        super::secrets::register(text);
    }
    let key = (!key.is_empty()).then(|| key.to_vec());
    *HASH_KEY.write().unwrap_or_else(|e| e.into_inner()) = key;
}

/// A keyed identifier made by [`hash_id`]: 64 lowercase hex characters.
///
/// A distinct type so that the macros can tell a hash from raw text at
/// compile time: `metadata(query_hash = drip::hash_id(q)?)` is accepted,
/// `metadata(query_hash = q)` with a `String` is a compile error. It converts
/// into a metadata value and reads as a `&str`.
///
/// ```
/// use drip_runtime::{HashId, Metadata, Value, hash_id};
/// drip_runtime::privacy::set_hash_key("a-long-random-project-secret");
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

/// HMAC-SHA256 of `raw`, keyed by [`set_hash_key`](super::set_hash_key)
/// (`Config`) or else the `DRIP_HASH_KEY` environment variable, as 64
/// lowercase hex characters, as a [`HashId`].
///
/// The same input and key give the same identifier in every process, so it
/// can be grouped on; without the key it cannot be reversed by hashing a
/// dictionary of likely inputs. Send it under a `_hash` key.
///
/// # Errors
/// [`Error::Config`] when no key is configured (and `DRIP_HASH_KEY` is unset or empty).
///
/// ```
/// drip_runtime::privacy::set_hash_key("a-long-random-project-secret");
/// let h = drip_runtime::hash_id("what is the refund policy?")?;
/// assert_eq!(h.len(), 64);
/// assert_eq!(h, drip_runtime::hash_id("what is the refund policy?")?);
/// assert_ne!(h, drip_runtime::hash_id("what is the refund policy")?);
/// # Ok::<(), drip_runtime::Error>(())
/// ```
pub fn hash_id(raw: &str) -> Result<HashId> {
    let configured = HASH_KEY.read().unwrap_or_else(|e| e.into_inner());
    let from_env;
    let key: &[u8] = match configured.as_deref() {
        Some(key) => key,
        None => {
            from_env = std::env::var(HASH_KEY_ENV).unwrap_or_default();
            if from_env.is_empty() {
                return Err(Error::Config {
                    reason: format!(
                        "drip::hash_id needs a key: set the {HASH_KEY_ENV} environment variable or Config::hash_key(..) to a long random secret that stays the same across deployments"
                    ),
                });
            }
            from_env.as_bytes()
        }
    };
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
