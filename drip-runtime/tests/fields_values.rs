//! The value detectors: what a metadata string value may not contain, and
//! ordinary values that must not be mistaken for secrets.

use drip_runtime::fields::{ValueRefusal, check_literal_str, find_sensitive};

#[test]
fn secrets_and_personal_data_are_found() {
    use ValueRefusal::*;
    let cases = [
        ("ada@example.com", Email),
        ("Ada.Lovelace+billing@mail.example.co.uk", Email),
        ("contact: ops@drip.dev.", Email),
        ("sk_live_51NzQpL2eZvKYlo2C", DripKey),
        ("sk_test_4eC39HqLyjWDarjtT1zdp7dc", DripKey),
        ("pk_live_abcdef", DripKey),
        ("rk_test_abcdef", DripKey),
        ("sk-proj-Abc123_def456-ghi789jkl012", ProviderKey),
        ("sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv", ProviderKey),
        ("sk-AbCdEfGhIjKlMnOpQrStUvWxYz012345", ProviderKey),
        ("AKIAIOSFODNN7EXAMPLE", AwsAccessKey),
        ("ASIAY34FZKBOKMUTVV7A", AwsAccessKey),
        (
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            Jwt,
        ),
        ("Bearer 8f2a9c1d7e6b", BearerToken),
        (
            "authorization: bearer abcdefghijklmnopqrstuvwxyz",
            BearerToken,
        ),
        ("4242424242424242", CardNumber),
        ("4242 4242 4242 4242", CardNumber),
        ("4242-4242-4242-4242", CardNumber),
        ("3782 822463 10005", CardNumber),
        ("6011111111111117", CardNumber),
        ("5555555555554444", CardNumber),
    ];
    for (value, kind) in cases {
        assert_eq!(check_literal_str(value), Err(kind), "{value}");
        let embedded = format!("failed: {value} (retrying)");
        let (span, found) = find_sensitive(&embedded).expect(value);
        assert_eq!(found, kind, "{embedded}");
        assert!(value.contains(&embedded[span]), "{embedded}");
    }
}

#[test]
fn ordinary_values_are_not_mistaken_for_secrets() {
    for value in [
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1-2025-04-14",
        "claude-3-5-sonnet-20241022",
        "claude-sonnet-4-5",
        "gemini-1.5-pro-002",
        "llama-3.1-70b-instruct",
        "text-embedding-3-large",
        "openai",
        "anthropic",
        "eu-west-1",
        "production",
        "POST",
        "/v1/chat/completions",
        "0.1.0",
        "550e8400-e29b-41d4-a716-446655440000",
        "01J9Z3K4X5Y6Z7A8B9C0D1E2F3",
        "5d41402abc4b2a76b9719d911017c592",
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        "2026-11-29T06:30:00.123Z",
        "1732867200",
        "1732867200000",
        "1732867200123456789",
        "4111111111111112",
        "12",
        "-3.5",
        "retriever:bm25",
        "task_live_sync",
        "skill-level-expert",
        "the bearer bond",
        "Bearer token required",
        "image@2x",
        "@drip/sdk",
        "user@localhost",
        "+1 555 0100",
        "ASIAN",
        "AKIA",
        "eyJhbGciOi",
        "",
    ] {
        assert_eq!(check_literal_str(value), Ok(()), "{value:?}");
    }
}

#[test]
fn refusals_explain_themselves() {
    assert_eq!(
        ValueRefusal::Email.to_string(),
        "value looks like an e-mail address"
    );
    assert!(ValueRefusal::CardNumber.hint().contains("personal data"));
    assert!(ValueRefusal::DripKey.hint().contains("credentials"));
    assert!(ValueRefusal::Jwt.to_string().contains("JSON Web Token"));
}

#[test]
fn spans_are_on_char_boundaries_in_unicode_text() {
    let text = "Fehler für Jürgen <jürgen.x@bücher.de> und jurgen@example.de — ✓";
    let (span, kind) = find_sensitive(text).unwrap();
    assert_eq!(kind, ValueRefusal::Email);
    assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
}
