//! Detectors written as regular expressions (one `RegexSet` screens a value
//! in one pass; the single patterns then locate and validate candidates).
//!
//! Patterns follow the public rule sets (gitleaks, detect-secrets, GitHub's
//! secret-scanning prefixes). Where a shape has a checksum (IBAN, CPF, Spanish
//! DNI, Aadhaar) or a structure the standard library can parse (IPv6), a
//! candidate counts only when it validates, which keeps version strings,
//! dates and hashes out.

use super::detect::ValueRefusal;
use regex::{Regex, RegexSet};
use std::ops::Range;
use std::sync::LazyLock;

/// A pattern, the class it reports and the check a candidate must pass.
struct Rule {
    class: ValueRefusal,
    pattern: &'static str,
    valid: fn(&str) -> bool,
}

fn always(_: &str) -> bool {
    true
}

const RULES: &[Rule] = &[
    Rule {
        class: ValueRefusal::PrivateKey,
        // The whole block, to its END line or the end of the text: the key
        // material is what must go.
        pattern: r"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----(?s:.*?)(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|\z)",
        valid: always,
    },
    Rule {
        class: ValueRefusal::WebhookSecret,
        pattern: r"\bwhsec_[A-Za-z0-9+/=_-]{16,}",
        valid: always,
    },
    // Stripe/Drip, Slack, Google, GitLab, npm, PyPI, SendGrid, Twilio, OpenAI
    // admin and service-account keys not covered by the hand-written scanners.
    Rule {
        class: ValueRefusal::ProviderKey,
        pattern: r"(?x)
            \b(?:
                xox[baprse]-[A-Za-z0-9-]{10,}
              | xapp-[0-9]-[A-Za-z0-9-]{10,}
              | xoxe\.xox[bp]-[A-Za-z0-9-]{10,}
              | hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,}
              | GOCSPX-[A-Za-z0-9_-]{20,}
              | ya29\.[A-Za-z0-9_-]{20,}
              | glpat-[A-Za-z0-9_-]{20,}
              | gl(?:dt|ptt|rt|soat|cbt)-[A-Za-z0-9_-]{20,}
              | npm_[A-Za-z0-9]{36}
              | pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}
              | SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}
              | sk-(?:proj|svcacct|admin|ant-admin01|ant-api03)-[A-Za-z0-9_-]{8,}
              | SK[0-9a-f]{32}
            )",
        valid: always,
    },
    Rule {
        class: ValueRefusal::AwsAccessKey,
        pattern: r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}\b",
        valid: always,
    },
    Rule {
        class: ValueRefusal::AwsSecretKey,
        pattern: r"(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])",
        valid: looks_random_40,
    },
    Rule {
        class: ValueRefusal::CloudCredential,
        pattern: r#"(?xi)
            "type"\s*:\s*"service_account"
          | "private_key(?:_id)?"\s*:\s*"
          | [a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com
          | AccountKey=[A-Za-z0-9+/=]{20,}
          | SharedAccessSignature=[^;\s]{10,}
          | \bsig=[A-Za-z0-9%+/=]{30,}
          | aws_secret_access_key\s*[=:]\s*\S{8,}
        "#,
        valid: always,
    },
    Rule {
        class: ValueRefusal::BasicCredentials,
        pattern: r"(?i)\bbasic\s+[A-Za-z0-9+/]{6,}={0,2}",
        valid: basic_credentials,
    },
    Rule {
        class: ValueRefusal::BasicCredentials,
        pattern: r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/@:]+:[^\s/@]+@[^\s/@]+",
        valid: always,
    },
    Rule {
        class: ValueRefusal::GenericSecret,
        pattern: r#"(?i)\b(?:api[_-]?key|secret|token|passw(?:or)?d|pwd|client[_-]?secret|access[_-]?key)\s*[:=]\s*["']?[^\s"',;]{8,}"#,
        valid: always,
    },
    Rule {
        class: ValueRefusal::GenericSecret,
        pattern: r"(?:^|[^A-Za-z0-9_+/=-])([A-Za-z0-9_+/=-]{40,})",
        valid: high_entropy,
    },
    Rule {
        class: ValueRefusal::Email,
        pattern: r"[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}",
        valid: always,
    },
    Rule {
        class: ValueRefusal::NationalId,
        pattern: r"(?:^|[^0-9A-Za-z-])([0-9]{3}[- ][0-9]{2}[- ][0-9]{4})(?:$|[^0-9A-Za-z-])",
        valid: us_ssn,
    },
    Rule {
        class: ValueRefusal::NationalId,
        pattern: r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]\b",
        valid: always,
    },
    Rule {
        class: ValueRefusal::NationalId,
        pattern: r"\b[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}\b",
        valid: br_cpf,
    },
    Rule {
        class: ValueRefusal::NationalId,
        pattern: r"\b[0-9XYZ][0-9]{7}-?[A-Z]\b",
        valid: es_dni,
    },
    Rule {
        class: ValueRefusal::NationalId,
        pattern: r"\b[2-9][0-9]{3} [0-9]{4} [0-9]{4}\b",
        valid: aadhaar,
    },
    Rule {
        class: ValueRefusal::Iban,
        pattern: r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b",
        valid: iban,
    },
    Rule {
        class: ValueRefusal::IpAddress,
        pattern: r"(?:^|[^0-9A-Za-z.])((?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9]))(?:$|[^0-9A-Za-z.])",
        valid: always,
    },
    Rule {
        class: ValueRefusal::IpAddress,
        pattern: r"(?:^|[^0-9A-Za-z:])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%[0-9A-Za-z]+)?)(?:$|[^0-9A-Za-z:])",
        valid: ipv6,
    },
    Rule {
        class: ValueRefusal::PhoneNumber,
        pattern: r"(?:^|[^0-9A-Za-z+])(\+[1-9][0-9]{0,2}[ .-]?(?:\(?[0-9]{1,4}\)?[ .-]?){1,5}[0-9]{2,4})(?:$|[^0-9A-Za-z])",
        valid: phone_digits,
    },
    Rule {
        class: ValueRefusal::PhoneNumber,
        pattern: r"(?:^|[^0-9A-Za-z-])((?:\([0-9]{3}\) ?|[0-9]{3}[ .-])[0-9]{3}[ .-][0-9]{4}|0[1-9][0-9]{1,3} [0-9]{3,4} [0-9]{3,4}|0[1-9](?:[ .][0-9]{2}){4})(?:$|[^0-9A-Za-z-])",
        valid: always,
    },
];

struct Compiled {
    set: RegexSet,
    each: Vec<Regex>,
}

// Compiled once per process (immutable; not configuration).
static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    // ASCII word boundaries keep the lazy DFA usable on non-ASCII text.
    let patterns: Vec<String> = RULES
        .iter()
        .map(|r| r.pattern.replace(r"\b", r"(?-u:\b)"))
        .collect();
    Compiled {
        set: RegexSet::new(&patterns).expect("detector patterns compile"),
        each: patterns
            .iter()
            .map(|p| Regex::new(p).expect("detector pattern compiles"))
            .collect(),
    }
});

/// The earliest validated match at or after `from`, as a byte range of
/// `text` (on char boundaries).
pub(crate) fn find_from(text: &str, from: usize) -> Option<(Range<usize>, ValueRefusal)> {
    let compiled = &*COMPILED;
    // The common case, a benign value: one scan that can stop early.
    if !compiled.set.is_match_at(text, from) {
        return None;
    }
    let hits = compiled.set.matches_at(text, from);
    let mut best: Option<(Range<usize>, ValueRefusal)> = None;
    for i in hits.iter() {
        let rule = &RULES[i];
        let mut at = from;
        while let Some(caps) = compiled.each[i].captures_at(text, at) {
            let Some(whole) = caps.get(0) else { break };
            let span = caps.get(1).unwrap_or(whole).range();
            if best.as_ref().is_some_and(|(b, _)| b.start <= span.start) {
                break;
            }
            if (rule.valid)(&text[span.clone()]) {
                best = Some((span, rule.class));
                break;
            }
            // Resume after the candidate's first character.
            match text[whole.start()..].chars().next() {
                Some(c) => at = whole.start() + c.len_utf8(),
                None => break,
            }
        }
    }
    best
}

/// Mixed case and digits, not hex: random base64 rather than a word or digest.
fn looks_random_40(s: &str) -> bool {
    let upper = s.bytes().filter(u8::is_ascii_uppercase).count();
    let lower = s.bytes().filter(u8::is_ascii_lowercase).count();
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    upper >= 4 && lower >= 4 && digits >= 1 && entropy(s) >= 4.0
}

/// A long token with mixed case, digits and high Shannon entropy.
fn high_entropy(s: &str) -> bool {
    let upper = s.bytes().any(|b| b.is_ascii_uppercase());
    let lower = s.bytes().any(|b| b.is_ascii_lowercase());
    let digit = s.bytes().any(|b| b.is_ascii_digit());
    upper && lower && digit && entropy(s) >= 4.5
}

/// Shannon entropy in bits per byte.
fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// `Basic <base64>` whose decoding has a `user:password` shape.
fn basic_credentials(s: &str) -> bool {
    let token = s.split_whitespace().nth(1).unwrap_or_default();
    base64_decode(token).is_some_and(|d| d.contains(&b':') && d.len() >= 3)
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().take_while(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

fn digits(s: &str) -> Vec<u32> {
    s.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// Area 001–899 except 666, group 01–99, serial 0001–9999, one separator kind.
fn us_ssn(s: &str) -> bool {
    let d = digits(s);
    let sep: Vec<char> = s.chars().filter(|c| !c.is_ascii_digit()).collect();
    let area = d[0] * 100 + d[1] * 10 + d[2];
    let group = d[3] * 10 + d[4];
    let serial = d[5..].iter().fold(0, |a, &x| a * 10 + x);
    sep.windows(2).all(|w| w[0] == w[1])
        && area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
}

fn br_cpf(s: &str) -> bool {
    let d = digits(s);
    if d.len() != 11 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let check = |n: usize| {
        let sum: u32 = (0..n).map(|i| d[i] * (n as u32 + 1 - i as u32)).sum();
        let r = sum * 10 % 11;
        if r == 10 { 0 } else { r }
    };
    check(9) == d[9] && check(10) == d[10]
}

fn es_dni(s: &str) -> bool {
    const LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    let s: Vec<u8> = s.bytes().filter(|&b| b != b'-').collect();
    let lead = match s[0] {
        b'X' => 0,
        b'Y' => 1,
        b'Z' => 2,
        d => u32::from(d - b'0'),
    };
    let number = s[1..8]
        .iter()
        .fold(lead, |a, &b| a * 10 + u32::from(b - b'0'));
    LETTERS[(number % 23) as usize] == s[8]
}

/// The Verhoeff check every Aadhaar number carries.
fn aadhaar(s: &str) -> bool {
    const D: [[usize; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[usize; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let c = digits(s)
        .iter()
        .rev()
        .enumerate()
        .fold(0, |c, (i, &x)| D[c][P[i % 8][x as usize]]);
    c == 0
}

/// ISO 13616: moved country and check digits, letters as 10–35, mod 97 = 1.
fn iban(s: &str) -> bool {
    let compact: Vec<u8> = s.bytes().filter(|&b| b != b' ').collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let rotated = compact[4..].iter().chain(&compact[..4]);
    let mut rem = 0u32;
    for &b in rotated {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// Parses as an IPv6 address and has at least two groups written out, so
/// `::`, `a::b` (Rust paths) and times (`12:30:45`) do not count.
fn ipv6(s: &str) -> bool {
    let addr = s.split('%').next().unwrap_or_default();
    let written = addr.split(':').filter(|g| !g.is_empty()).count();
    let hexdigits = addr.bytes().filter(u8::is_ascii_hexdigit).count();
    written >= 3 && hexdigits >= 6 && addr.parse::<std::net::Ipv6Addr>().is_ok()
}

/// E.164 allows at most 15 digits; below 9 (`+1 555 0100`) are mostly
/// service or fictional numbers.
fn phone_digits(s: &str) -> bool {
    (9..=15).contains(&digits(s).len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> Option<ValueRefusal> {
        find_from(s, 0).map(|(_, c)| c)
    }

    #[test]
    fn every_rule_compiles_and_checksums_work() {
        assert_eq!(COMPILED.each.len(), RULES.len());
        assert!(iban("GB82WEST12345698765432"));
        assert!(!iban("GB82WEST12345698765433"));
        assert!(br_cpf("529.982.247-25"));
        assert!(!br_cpf("529.982.247-26"));
        assert!(es_dni("12345678Z"));
        assert!(!es_dni("12345678A"));
        assert_eq!(class("v1.2.3"), None);
        assert_eq!(class("10.0.0.1"), Some(ValueRefusal::IpAddress));
    }
}
