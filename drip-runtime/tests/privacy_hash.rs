//! `hash_id`: keyed by the runtime's configuration (`Config::hash_key`, or
//! `DRIP_HASH_KEY` through `Config::from_env`), a clear error when a running
//! runtime has no key, and never an error when drip is disabled.
//! One test in this binary: it changes the process environment.
#![cfg(feature = "client")]

use drip_runtime::privacy::HASH_KEY_ENV;
use drip_runtime::{Config, Error, Runtime, hash_id};

#[test]
fn hash_id_is_keyed_by_the_runtime_and_refuses_only_without_a_configured_key() {
    let emulator = drip_emulator::Emulator::builder()
        .start_blocking()
        .expect("emulator");
    let spool = std::env::temp_dir().join(format!("drip-privacy-hash-{}", std::process::id()));
    let config = || {
        Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool)
    };
    // RFC 4231 test case 2: HMAC-SHA256(key = "Jefe", data below).
    let rfc = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    let data = "what do ya want for nothing?";

    // Disabled (no runtime): a per-process key, never an error.
    let disabled = hash_id(data).expect("no runtime: still an id");
    assert_ne!(disabled, rfc);
    assert_eq!(hash_id(data).unwrap(), disabled);

    // A runtime without a key refuses, naming what to set.
    let keyless = Runtime::start(config()).expect("runtime");
    {
        let _scope = keyless.enter();
        let err = hash_id(data).unwrap_err();
        assert!(matches!(err, Error::Config { .. }));
        assert!(err.to_string().contains("DRIP_HASH_KEY"), "{err}");
    }

    let keyed = Runtime::start(config().hash_key("Jefe")).expect("runtime");
    {
        let _scope = keyed.enter();
        assert_eq!(hash_id(data).unwrap(), rfc);
        // The identifier is a valid metadata value under a `_hash` key.
        assert_eq!(drip_runtime::fields::check_literal_str(rfc), Ok(()));
        // The innermost scope's key wins.
        let _inner = keyless.enter();
        assert!(hash_id(data).is_err());
    }

    // SAFETY: this binary has a single test, so no other thread reads the environment.
    unsafe {
        std::env::set_var("DRIP_API_KEY", emulator.secret_key());
        std::env::set_var("DRIP_API_URL", emulator.base_url());
        std::env::set_var(HASH_KEY_ENV, "Jefe");
    }
    let from_env = Runtime::start(Config::from_env().spool_dir(&spool)).expect("runtime");
    {
        let _scope = from_env.enter();
        assert_eq!(
            hash_id(data).unwrap(),
            rfc,
            "DRIP_HASH_KEY through Config::from_env"
        );
    }
    let overridden =
        Runtime::start(Config::from_env().spool_dir(&spool).hash_key("another key")).unwrap();
    {
        let _scope = overridden.enter();
        let id = hash_id(data).unwrap();
        assert_ne!(
            id, rfc,
            "Config::hash_key takes precedence over the environment"
        );
        assert_eq!(id.len(), 64);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    unsafe {
        std::env::remove_var("DRIP_API_KEY");
        std::env::remove_var("DRIP_API_URL");
        std::env::remove_var(HASH_KEY_ENV);
    }
    for rt in [keyless, keyed, from_env, overridden] {
        rt.shutdown(std::time::Duration::from_secs(2));
    }
    let _ = std::fs::remove_dir_all(&spool);
}
