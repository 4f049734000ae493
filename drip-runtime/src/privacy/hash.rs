//! `hash_id`: keyed, irreversible identifiers for things like `query_hash`.

use crate::error::{Error, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::RwLock;

static HASH_KEY: RwLock<Option<Vec<u8>>> = RwLock::new(None);

/// Environment variable holding the `hash_id` key when none is configured.
pub const HASH_KEY_ENV: &str = "DRIP_HASH_KEY";

pub(crate) fn set_key(key: &[u8]) {
    let key = (!key.is_empty()).then(|| key.to_vec());
    *HASH_KEY.write().unwrap_or_else(|e| e.into_inner()) = key;
}

/// HMAC-SHA256 of `raw`, keyed by [`set_hash_key`](super::set_hash_key)
/// (`Config`) or else the `DRIP_HASH_KEY` environment variable, as 64
/// lowercase hex characters.
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
pub fn hash_id(raw: &str) -> Result<String> {
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
    Ok(out)
}

const HEX: &[u8; 16] = b"0123456789abcdef";
