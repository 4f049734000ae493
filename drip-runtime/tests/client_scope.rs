//! Key scopes and key secrecy: a public key never reaches the admin surface,
//! and the key never shows in Debug, Display or errors.

mod client_support;

use drip_runtime::{Client, Error, KeyKind, RetryPolicy};

#[tokio::test]
async fn a_public_key_is_refused_admin_before_any_request() {
    let env = client_support::start().await;
    assert_eq!(env.pk.key_kind(), KeyKind::Public);
    let err = env.pk.admin().unwrap_err();
    assert!(matches!(err, Error::PublicKeyNotAllowed { .. }), "{err:?}");
    assert_eq!(err.code(), Some("PUBLIC_KEY_NOT_ALLOWED"));
    assert_eq!(err.status(), Some(403));
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("secret key"));
    assert!(env.emulator.requests().is_empty());

    let admin = env.sk.admin().unwrap();
    assert_eq!(admin.client().key_kind(), KeyKind::Secret);
    assert!(env.emulator.requests().is_empty());
}

#[tokio::test]
async fn the_key_never_appears_in_debug_display_or_errors() {
    let env = client_support::start().await;
    for key in [env.emulator.public_key(), env.emulator.secret_key()] {
        let client = client_support::client(&env.emulator, key, RetryPolicy::none());
        assert!(!format!("{client:?}").contains(key));
    }

    // A wrong key of the right shape: the server's 401 must not echo it.
    let wrong = "sk_test_WRONGKEY0123456789";
    let client = client_support::client(&env.emulator, wrong, RetryPolicy::none());
    let err = client.list_workflows().await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(
        err.to_string().contains("DRIP_API_KEY"),
        "the message says what to do: {err}"
    );
    for text in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(!text.contains("WRONGKEY"), "{text}");
    }

    // Network errors neither.
    let offline = Client::builder()
        .api_key(wrong)
        .base_url("http://127.0.0.1:9/v1")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = offline.ping().await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains("WRONGKEY"));

    // Nor any request the emulator logged outside the Authorization header.
    for r in env.emulator.requests() {
        assert!(!r.path_and_query.contains("WRONGKEY") && !r.body_text().contains("WRONGKEY"));
    }
}
