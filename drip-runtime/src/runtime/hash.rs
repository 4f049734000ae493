//! `drip::hash_id`, keyed by the runtime instrumented code runs under.

use crate::error::{Error, Result};
use crate::privacy::{HashId, keyed_id};

/// HMAC-SHA256 of `raw` under the hash key of the runtime this code runs
/// under (`Config::hash_key(..)`, which `Config::from_env` fills from
/// `DRIP_HASH_KEY`), as 64 lowercase hex characters, as a [`HashId`]. Under
/// `testing::capture`, and when drip is disabled (no runtime: nothing will be
/// sent), a random key, the same for the whole process, is used — so an
/// instrumented function never fails for want of a key it does not need.
///
/// The same input and key give the same identifier in every process, so it
/// can be grouped on; without the key it cannot be reversed by hashing a
/// dictionary of likely inputs. Send it under a `_hash` key.
///
/// # Errors
/// [`Error::Config`] when the runtime's configuration has no hash key.
///
/// ```
/// let _cap = drip_runtime::testing::capture();
/// let h = drip_runtime::hash_id("what is the refund policy?")?;
/// assert_eq!(h.len(), 64);
/// assert_eq!(h, drip_runtime::hash_id("what is the refund policy?")?);
/// assert_ne!(h, drip_runtime::hash_id("what is the refund policy")?);
/// # Ok::<(), drip_runtime::Error>(())
/// ```
pub fn hash_id(raw: &str) -> Result<HashId> {
    let Some(runtime) = super::current() else {
        return keyed_id(&test_key(), raw);
    };
    match runtime.hash_key() {
        Some(key) => keyed_id(&key, raw),
        None => Err(Error::Config {
            reason: format!(
                "drip::hash_id needs a key: set Config::hash_key(..) (or the {} environment variable read by Config::from_env) to a long random secret that stays the same across deployments, and start drip with that configuration",
                crate::privacy::HASH_KEY_ENV
            ),
        }),
    }
}

/// The key of capture runtimes and of a disabled drip: random, one per process.
pub(super) fn test_key() -> std::sync::Arc<[u8]> {
    static KEY: std::sync::OnceLock<std::sync::Arc<[u8]>> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let bytes: Vec<u8> = (0..4)
            .flat_map(|_| crate::random::random_u64().to_le_bytes())
            .collect();
        bytes.into()
    })
    .clone()
}
