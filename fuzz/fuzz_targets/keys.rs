//! Key normalisation and the key rules: never panic, normalising is
//! idempotent, checking a key and its normal form agree, an accepted key is
//! returned normalised and is accepted again.
#![no_main]

use drip_runtime::fields::{check_key, closest_allowed, normalize_key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(2, '\n');
    let key = parts.next().unwrap_or_default();
    let extension: Vec<&str> = parts.next().unwrap_or_default().split(',').collect();

    let once = normalize_key(key);
    assert_eq!(normalize_key(&once), once);
    let checked = check_key(key, &extension);
    assert_eq!(checked, check_key(&once, &extension));
    if let Ok(normalised) = &checked {
        assert_eq!(normalised, &once);
        assert_eq!(check_key(normalised, &extension).as_ref(), Ok(normalised));
    }
    if let Err(refusal) = &checked {
        let _ = (refusal.to_string(), refusal.hint());
    }
    if let Some(suggestion) = closest_allowed(key) {
        assert!(check_key(suggestion, &[]).is_ok());
    }
});
