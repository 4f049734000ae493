//! The key rules of DESIGN §2 as a user meets them: what a metadata key may be called.

use drip_runtime::fields::{
    BUILTIN_KEYS, KeyRefusal, MEASURE_SUFFIXES, check_key, closest_allowed, normalize_key,
};

fn refusal(key: &str) -> KeyRefusal {
    check_key(key, &[]).expect_err(key)
}

#[test]
fn secrets_are_refused_in_every_spelling_even_when_listed() {
    let secrets = [
        "password",
        "user_password",
        "userPassword",
        "db-passwd",
        "client_secret",
        "secrets",
        "authorization",
        "Authorization",
        "bearer",
        "session_cookie",
        "aws_credentials",
        "credential",
        "api_key",
        "apiKey",
        "x-api-key",
        "APIKey",
        "openai_apikey",
        "private_key",
        "accessToken",
        "refresh_token",
        "session_token",
        "auth_token",
        "password_hash",
        "secret_count",
        "api_key_id",
    ];
    for key in secrets {
        assert!(
            matches!(check_key(key, &[key]), Err(KeyRefusal::Secret { .. })),
            "{key} must be refused as a secret even when the project lists it"
        );
    }
}

#[test]
fn content_and_personal_data_are_refused_unless_a_measure() {
    let refused = [
        ("prompt", "prompt"),
        ("prompts", "prompts"),
        ("system_prompt", "prompt"),
        ("completion", "completion"),
        ("message", "message"),
        ("messages", "messages"),
        ("input", "input"),
        ("tool_output", "output"),
        ("response", "response"),
        ("request_body", "request"),
        ("body", "body"),
        ("text", "text"),
        ("query", "query"),
        ("searchQuery", "query"),
        ("content", "content"),
        ("user_email", "email"),
        ("userEmail", "email"),
        ("phone", "phone"),
        ("ssn", "ssn"),
        ("billing-address", "address"),
        ("card", "card"),
        // `_id` names an identifier, which lifts the content rule but not the
        // personal-data rule: `email_id` is too often the address itself.
        ("email_id", "email"),
        ("card_id", "card"),
    ];
    for (key, segment) in refused {
        match refusal(key) {
            KeyRefusal::Content { segment: s, .. } => assert_eq!(s, segment, "{key}"),
            other => panic!("{key}: expected a content refusal, got {other:?}"),
        }
        assert!(
            matches!(check_key(key, &[key]), Err(KeyRefusal::Content { .. })),
            "{key}: the project extension cannot allow content"
        );
    }
    for key in [
        "request_id",
        "requestId",
        "message_id",
        "response_id",
        "prompt_tokens",
        "promptTokens",
        "query_hash",
        "queryHash",
        "output_length",
        "input_len",
        "response_chars",
        "body_bytes",
        "message_count",
        "completion_ms",
        "email_hash",
    ] {
        assert!(
            check_key(key, &[]).is_ok(),
            "{key} is a measure and must pass"
        );
    }
}

#[test]
fn builtins_ids_and_measures_are_allowed_everything_else_needs_listing() {
    for key in BUILTIN_KEYS {
        assert_eq!(check_key(key, &[]).as_deref(), Ok(*key));
    }
    for suffix in MEASURE_SUFFIXES {
        let key = format!("widget{suffix}");
        assert_eq!(check_key(&key, &[]), Ok(key.clone()));
    }
    assert_eq!(check_key("customerId", &[]).as_deref(), Ok("customer_id"));
    assert_eq!(check_key("trace-id", &[]).as_deref(), Ok("trace_id"));

    assert!(matches!(
        refusal("favorite_color"),
        KeyRefusal::NotListed {
            suggestion: None,
            ..
        }
    ));
    assert_eq!(
        check_key("favoriteColor", &["favorite_color"]).as_deref(),
        Ok("favorite_color")
    );
    assert_eq!(
        check_key("plan_tier", &["planTier"]).as_deref(),
        Ok("plan_tier"),
        "extension entries may be spelt in any case style"
    );
}

#[test]
fn malformed_and_empty_keys_are_refused() {
    assert_eq!(refusal(""), KeyRefusal::Empty);
    assert_eq!(refusal("__"), KeyRefusal::Empty);
    for key in ["model name", "what is my balance_count", "ключ_id", "a/b"] {
        assert!(
            matches!(refusal(key), KeyRefusal::Malformed { .. }),
            "{key}"
        );
    }
    let long = format!("{}_count", "x".repeat(70));
    assert!(matches!(refusal(&long), KeyRefusal::Malformed { .. }));
}

#[test]
fn normalisation_handles_camel_kebab_and_acronyms() {
    for (raw, want) in [
        ("queryHash", "query_hash"),
        ("model-family", "model_family"),
        ("ModelFamily", "model_family"),
        ("HTTPStatus", "http_status"),
        ("statusCode", "status_code"),
        ("userID", "user_id"),
        ("gen_ai.usage.input_tokens", "gen_ai_usage_input_tokens"),
    ] {
        assert_eq!(normalize_key(raw), want, "{raw}");
        assert_eq!(
            normalize_key(want),
            want,
            "normalising twice changes nothing"
        );
    }
}

#[test]
fn refusals_name_the_key_and_say_what_to_do() {
    let prompt = refusal("prompt");
    assert_eq!(
        prompt.hint(),
        "raw prompts must never be sent; send `prompt_tokens` or a `query_hash`"
    );
    assert!(prompt.to_string().contains("`prompt`"));

    let typo = refusal("modelFamly");
    assert_eq!(
        typo,
        KeyRefusal::NotListed {
            key: "model_famly".into(),
            suggestion: Some("model_family")
        }
    );
    assert_eq!(typo.hint(), "did you mean `model_family`?");

    let unlisted = refusal("favorite_color");
    assert!(unlisted.to_string().contains("favorite_color"));
    assert!(unlisted.hint().contains("[package.metadata.drip]"));
    assert!(unlisted.hint().contains("allowed-metadata"));

    let email = refusal("user_email");
    assert!(email.to_string().contains("personal data"));
    assert!(email.hint().contains("hash_id"));

    let secret = refusal("apiKey");
    assert!(secret.to_string().contains("api_key"));
    assert!(secret.hint().contains("never"));

    let body = refusal("response_body");
    assert!(
        body.hint().contains("response_body_length"),
        "{}",
        body.hint()
    );
}

#[test]
fn suggestions_cover_typos_and_short_forms() {
    assert_eq!(closest_allowed("provder"), Some("provider"));
    assert_eq!(closest_allowed("latency"), Some("latency_ms"));
    assert_eq!(closest_allowed("toolName"), None, "already allowed");
    assert_eq!(closest_allowed("favorite_color"), None);
}
