//! Property tests per detector family: generated true positives are refused
//! as written and in obfuscated forms (zero-width characters, percent- and
//! HTML-entity encoding, fullwidth letters), are dropped by the sanitiser and
//! leave no trace in redacted text; generated near-misses pass.

use drip_runtime::Metadata;
use drip_runtime::fields::{ValueRefusal, check_literal_str};
use drip_runtime::privacy::{redact_text, sanitize_metadata};
use proptest::prelude::*;

/// The ways a value can be hidden from a naive scanner.
fn obfuscations(value: &str, at: usize) -> Vec<String> {
    let chars: Vec<char> = value.chars().collect();
    let at = at % chars.len();
    let with = |insert: &dyn Fn(char) -> String| -> String {
        chars
            .iter()
            .enumerate()
            .map(|(i, &c)| if i == at { insert(c) } else { c.to_string() })
            .collect()
    };
    let fullwidth: String = value
        .chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
            _ => c,
        })
        .collect();
    vec![
        value.to_owned(),
        format!("note: {value}, thanks"),
        with(&|c| format!("\u{200B}{c}")),
        with(&|c| format!("{c}\u{2060}\u{202E}")),
        with(&|c| {
            let mut utf8 = [0u8; 4];
            c.encode_utf8(&mut utf8)
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect()
        }),
        with(&|c| format!("&#{};", c as u32)),
        fullwidth,
    ]
}

/// Refused in every form; dropped under an allowed key; redacted free text
/// keeps none of it and redacting again changes nothing.
fn assert_caught(value: &str, at: usize) -> Result<(), TestCaseError> {
    for form in obfuscations(value, at) {
        prop_assert!(check_literal_str(&form).is_err(), "not refused: {form:?}");
        let mut m = Metadata::new();
        m.insert("region", form.as_str());
        prop_assert!(sanitize_metadata(m).is_empty(), "not dropped: {form:?}");
        let redacted = redact_text(&form);
        prop_assert!(!redacted.contains(value), "left in text: {redacted:?}");
        prop_assert_eq!(redact_text(&redacted), redacted.clone());
    }
    Ok(())
}

fn luhn_complete(mut digits: Vec<u32>) -> String {
    digits.push(0);
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| match (i % 2, d * 2) {
            (1, x) if x > 9 => x - 9,
            (1, x) => x,
            _ => d,
        })
        .sum();
    if let Some(last) = digits.last_mut() {
        *last = (10 - sum % 10) % 10;
    }
    digits
        .iter()
        .filter_map(|&d| char::from_digit(d, 10))
        .collect()
}

fn iban(country: &str, bban: &str) -> String {
    let numeric: String = format!("{bban}{country}00")
        .chars()
        .map(|c| c.to_digit(36).unwrap_or(0).to_string())
        .collect();
    let rem = numeric
        .bytes()
        .fold(0u32, |r, b| (r * 10 + u32::from(b - b'0')) % 97);
    format!("{country}{:02}{bban}", 98 - rem)
}

fn cpf(d: &[u32]) -> String {
    let mut n: Vec<u32> = d.to_vec();
    for len in [9, 10] {
        let sum: u32 = (0..len).map(|i| n[i] * (len as u32 + 1 - i as u32)).sum();
        n.push(match sum * 10 % 11 {
            10 => 0,
            r => r,
        });
    }
    let s: String = n.iter().filter_map(|&x| char::from_digit(x, 10)).collect();
    format!("{}.{}.{}-{}", &s[..3], &s[3..6], &s[6..9], &s[9..])
}

fn b64(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(T[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn provider_and_drip_keys(
        prefix in prop::sample::select(vec![
            "sk_live_", "sk_test_", "pk_live_", "rk_test_", "whsec_", "sk-proj-", "sk-svcacct-",
            "sk-admin-", "sk-ant-api03-", "sk-ant-admin01-", "ghp_", "gho_", "ghu_", "ghs_",
            "ghr_", "github_pat_11", "xoxb-", "xoxp-", "xoxa-", "xapp-1-", "glpat-", "AIza",
            "hf_", "GOCSPX-", "npm_",
        ]),
        tail in "[A-Za-z0-9]{36}",
        at in 0usize..64,
    ) {
        assert_caught(&format!("{prefix}{tail}"), at)?;
    }

    #[test]
    fn aws_ids_and_secrets(
        id in "(AKIA|ASIA|AROA|AIDA)[A-Z2-7]{16}",
        secret in prop::collection::vec(0usize..64, 40).prop_map(|ix| {
            const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            ix.into_iter().map(|i| char::from(T[i])).collect::<String>()
        }),
        at in 0usize..40,
    ) {
        assert_caught(&id, at)?;
        let upper = secret.bytes().filter(u8::is_ascii_uppercase).count();
        let lower = secret.bytes().filter(u8::is_ascii_lowercase).count();
        let digits = secret.bytes().filter(u8::is_ascii_digit).count();
        let mut distinct = secret.clone().into_bytes();
        distinct.sort_unstable();
        distinct.dedup();
        prop_assume!(upper >= 4 && lower >= 4 && digits >= 1 && distinct.len() >= 20);
        assert_caught(&secret, at)?;
    }

    #[test]
    fn private_keys_basic_credentials_and_cloud_fragments(
        kind in "(RSA |EC |OPENSSH |ENCRYPTED |)",
        user in "[a-z]{3,10}",
        password in "[A-Za-z0-9!#$]{6,16}",
        host in "[a-z]{3,10}\\.(com|io|net)",
        at in 0usize..30,
    ) {
        assert_caught(&format!("-----BEGIN {kind}PRIVATE KEY-----\nMIIEvQIBADANBg"), at)?;
        assert_caught(&format!("Basic {}", b64(format!("{user}:{password}").as_bytes())), at)?;
        assert_caught(&format!("https://{user}:{password}@{host}/db"), at)?;
        assert_caught(&format!("{{\"type\": \"service_account\", \"project_id\": \"{user}\"}}"), at)?;
        assert_caught(&format!("password={password}x9"), at)?;
    }

    #[test]
    fn emails_including_internationalised_domains(
        local in "[a-z][a-z0-9._+-]{0,15}[a-z0-9]",
        domain in "([a-z]{2,10}|bücher|münchen|例え)",
        tld in "(com|de|co\\.uk|org|io)",
        at in 0usize..30,
    ) {
        assert_caught(&format!("{local}@{domain}.{tld}"), at)?;
    }

    #[test]
    fn phone_numbers(
        cc in "(1|33|44|49|81|91|351)",
        groups in prop::collection::vec("[0-9]{3,4}", 3),
        sep in "( |-|\\.)",
        at in 0usize..20,
    ) {
        let national = groups.join(&sep);
        assert_caught(&format!("+{cc} {national}"), at)?;
        assert_caught(&format!("({}) {}-{:0>4}", &groups[0][..3], &groups[1][..3], groups[2]), at)?;
    }

    #[test]
    fn cards_ssns_ibans_and_national_ids(
        card in prop::collection::vec(0u32..10, 14),
        first in 3u32..6,
        area in 1u32..899,
        group in 1u32..99,
        serial in 1u32..9999,
        bban in "[0-9]{18}",
        cpf_digits in prop::collection::vec(0u32..10, 9),
        at in 0usize..20,
    ) {
        let mut digits = vec![first];
        digits.extend(card);
        let card = luhn_complete(digits);
        assert_caught(&card, at)?;
        let spaced: Vec<&str> = [&card[..4], &card[4..8], &card[8..12], &card[12..]].to_vec();
        assert_caught(&spaced.join(" "), at)?;
        prop_assume!(area != 666);
        assert_caught(&format!("{area:03}-{group:02}-{serial:04}"), at)?;
        assert_caught(&iban("DE", &bban), at)?;
        prop_assume!(cpf_digits.iter().any(|&d| d != cpf_digits[0]));
        assert_caught(&cpf(&cpf_digits), at)?;
    }

    #[test]
    fn ip_addresses(
        a in 1u8..=223, b in 0u8..=255, c in 0u8..=255, d in 1u8..=254,
        groups in prop::collection::vec(1u16..=0xffff, 4),
        at in 0usize..20,
    ) {
        assert_caught(&format!("{a}.{b}.{c}.{d}"), at)?;
        assert_caught(
            &format!("2001:db8:{:x}:{:x}::{:x}:{:x}", groups[0], groups[1], groups[2], groups[3]),
            at,
        )?;
    }

    #[test]
    fn near_misses_pass(
        hex in "[0-9a-f]{16,64}",
        words in prop::collection::vec("[a-z]{2,8}", 1..5),
        n in 0u64..1_000_000_000_000,
        major in 0u32..30, minor in 0u32..100, patch in 0u32..1000,
        hh in 0u32..24, mm in 0u32..60, ss in 0u32..60,
    ) {
        for value in [
            hex.clone(),
            words.join("-"),
            words.join("_"),
            n.to_string(),
            format!("{major}.{minor}.{patch}"),
            format!("v{major}.{minor}.{patch}-beta.{patch}"),
            format!("2025-{:02}-{:02}T{hh:02}:{mm:02}:{ss:02}Z", 1 + minor % 12, 1 + patch % 28),
            format!("{hh:02}:{mm:02}:{ss:02}"),
            format!("/v1/{}/{{id}}", words[0]),
        ] {
            prop_assert_eq!(check_literal_str(&value), Ok(()), "{:?}", value);
        }
    }
}

#[test]
fn each_family_reports_its_class() {
    for (value, class) in [
        ("-----BEGIN PRIVATE KEY-----", ValueRefusal::PrivateKey),
        (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ValueRefusal::WebhookSecret,
        ),
        (
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ValueRefusal::AwsSecretKey,
        ),
        (
            "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
            ValueRefusal::BasicCredentials,
        ),
        ("078-05-1120", ValueRefusal::NationalId),
        ("GB82 WEST 1234 5698 7654 32", ValueRefusal::Iban),
        ("192.168.1.20", ValueRefusal::IpAddress),
        ("fe80::1ff:fe23:4567:890a", ValueRefusal::IpAddress),
        ("+44 20 7946 0958", ValueRefusal::PhoneNumber),
        ("AB 12 34 56 C", ValueRefusal::NationalId),
        ("ada@bücher.de", ValueRefusal::Email),
    ] {
        assert_eq!(check_literal_str(value), Err(class), "{value:?}");
    }
}
