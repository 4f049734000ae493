//! `hash_id`: keyed by configuration or `DRIP_HASH_KEY`, a clear error without a key.
//! One test in this binary: it changes the process environment.
#![cfg(feature = "client")]

use drip_runtime::privacy::{HASH_KEY_ENV, set_hash_key};
use drip_runtime::{Error, hash_id};

#[test]
fn hash_id_is_keyed_stable_and_refuses_without_a_key() {
    // SAFETY: this binary has a single test, so no other thread reads the environment.
    unsafe { std::env::remove_var(HASH_KEY_ENV) };
    let err = hash_id("what is our refund policy?").unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert!(err.to_string().contains("DRIP_HASH_KEY"), "{err}");

    unsafe { std::env::set_var(HASH_KEY_ENV, "Jefe") };
    // RFC 4231 test case 2: HMAC-SHA256(key = "Jefe", data below).
    let rfc = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    assert_eq!(hash_id("what do ya want for nothing?").unwrap(), rfc);

    set_hash_key("another key set through Config");
    let configured = hash_id("what do ya want for nothing?").unwrap();
    assert_ne!(configured, rfc, "the configured key takes precedence");
    assert_eq!(configured.len(), 64);
    assert!(configured.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(hash_id("what do ya want for nothing?").unwrap(), configured);

    // The identifier is a valid metadata value under a `_hash` key.
    assert_eq!(drip_runtime::fields::check_literal_str(&configured), Ok(()));

    set_hash_key("");
    assert_eq!(hash_id("what do ya want for nothing?").unwrap(), rfc);
}
