//! Credential detectors (provider and Drip keys, webhook secrets, AWS ids,
//! PEM blocks, Basic credentials, secret assignments): any generated
//! credential between arbitrary separators is found, also when split by an
//! invisible character; arbitrary text never panics and spans are sound.
#![no_main]

use drip_runtime::fields::{check_literal_str, find_sensitive};
use libfuzzer_sys::fuzz_target;

const PREFIXES: &[&str] = &[
    "sk_live_", "pk_test_", "rk_live_", "whsec_", "sk-proj-", "sk-ant-api03-", "sk-admin-",
    "ghp_", "gho_", "ghs_", "github_pat_", "xoxb-", "xoxp-", "glpat-", "AIza", "hf_",
    "GOCSPX-", "npm_",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some((span, _)) = find_sensitive(&text) {
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
    }
    let Some((&pick, rest)) = data.split_first() else { return };
    let alnum: String = rest
        .iter()
        .map(|&b| char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[usize::from(b) % 62]))
        .collect();
    if alnum.len() < 40 {
        return;
    }
    let body = &alnum[..40];
    let prefix = PREFIXES[usize::from(pick) % PREFIXES.len()];
    for token in [
        format!("{prefix}{body}"),
        format!("AKIA{}", body[..16].to_ascii_uppercase()),
        format!("-----BEGIN RSA PRIVATE KEY-----\n{body}"),
        format!("token={body}"),
    ] {
        for wrapped in [token.clone(), format!("x {token} y"), format!("({token}),")] {
            assert!(check_literal_str(&wrapped).is_err(), "{wrapped:?}");
        }
        let mut split = token.clone();
        split.insert(token.len() / 2, '\u{200B}');
        assert!(check_literal_str(&split).is_err(), "{split:?}");
    }
});
