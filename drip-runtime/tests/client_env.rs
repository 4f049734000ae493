//! `Client::from_env`: DRIP_API_KEY, then DRIP_API_URL before DRIP_BASE_URL;
//! no key means disabled, as for `Config::from_env` + `init`.
//! Alone in its binary because it changes the process environment.

use drip_runtime::{Client, Error, KeyKind};

const KEY: &str = "sk_test_Zx9secretvalue";

#[test]
fn from_env_reads_key_then_api_url_then_base_url() {
    // SAFETY: the only test in this binary, so no other thread reads the
    // environment meanwhile.
    unsafe {
        std::env::remove_var("DRIP_API_KEY");
        std::env::remove_var("DRIP_API_URL");
        std::env::remove_var("DRIP_BASE_URL");
    }
    // The same rule as Config::from_env + init: no key, drip disabled.
    assert!(Client::from_env().unwrap().is_none());
    assert!(drip_runtime::Config::from_env().is_disabled());

    unsafe { std::env::set_var("DRIP_API_KEY", format!("{KEY}\n")) };
    let client = Client::from_env().unwrap().unwrap();
    assert_eq!(client.base_url(), "https://api.drippay.dev/v1");
    assert_eq!(client.key_kind(), KeyKind::Secret);

    unsafe { std::env::set_var("DRIP_BASE_URL", "http://127.0.0.1:9/base/v1") };
    assert_eq!(
        Client::from_env().unwrap().unwrap().base_url(),
        "http://127.0.0.1:9/base/v1"
    );

    unsafe { std::env::set_var("DRIP_API_URL", "http://localhost:9/api/v1/") };
    assert_eq!(
        Client::from_env().unwrap().unwrap().base_url(),
        "http://localhost:9/api/v1"
    );

    unsafe { std::env::set_var("DRIP_API_URL", "http://attacker.example/v1") };
    let err = Client::from_env().unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert!(
        drip_runtime::init(drip_runtime::Config::from_env()).is_err(),
        "init refuses the same untrusted URL"
    );
    assert!(!err.to_string().contains("secretvalue"));

    unsafe {
        std::env::remove_var("DRIP_API_KEY");
        std::env::remove_var("DRIP_API_URL");
        std::env::remove_var("DRIP_BASE_URL");
    }
}
