//! Secret and personal-data detectors for string values: hand-written
//! scanners for the hottest shapes (keys, cards, e-mail) and the regular
//! expressions of [`super::patterns`] for the rest.
//!
//! Every hand-written detector anchors on an ASCII byte and matches only ASCII, so every
//! span it returns starts and ends on a char boundary. Detectors require a
//! word boundary before the match (and, where a token has a fixed shape,
//! after it) so that ordinary values — model names, UUIDs, hex hashes,
//! timestamps — do not trip them.

use std::fmt;
use std::ops::Range;

/// Why a string value is refused: it looks like a secret or personal data.
///
/// ```
/// use drip_runtime::fields::{check_literal_str, ValueRefusal};
/// assert_eq!(check_literal_str("ada@example.com"), Err(ValueRefusal::Email));
/// assert!(ValueRefusal::Email.to_string().contains("e-mail"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRefusal {
    /// An e-mail address.
    Email,
    /// A Drip (or Stripe-style) key: `sk_`, `pk_`, `rk_` + `live_`/`test_`.
    DripKey,
    /// An LLM or SaaS provider key: `sk-…` (incl. `sk-proj-`, `sk-ant-`),
    /// GitHub `ghp_…`/`github_pat_…`, Slack `xox?-…`, Google `AIza…`, Hugging Face `hf_…`.
    ProviderKey,
    /// An AWS access key id (`AKIA…`/`ASIA…`).
    AwsAccessKey,
    /// A JSON Web Token (`eyJ….….…`).
    Jwt,
    /// An HTTP bearer credential (`Bearer <token>`).
    BearerToken,
    /// A payment card number: 13–19 digits passing the Luhn check.
    CardNumber,
    /// A PEM private-key block (`-----BEGIN … PRIVATE KEY-----`).
    PrivateKey,
    /// An AWS secret access key (40 random base64 characters).
    AwsSecretKey,
    /// A webhook signing secret (`whsec_…`).
    WebhookSecret,
    /// HTTP Basic credentials (`Basic <base64 user:pass>`) or a URL with `user:password@`.
    BasicCredentials,
    /// A cloud credential fragment: service-account JSON, Azure `AccountKey=`/SAS signature.
    CloudCredential,
    /// A secret assignment (`token=…`, `password: …`) or a long high-entropy token.
    GenericSecret,
    /// A national identifier: US SSN, UK NINO, Brazilian CPF, Spanish DNI/NIE, Aadhaar.
    NationalId,
    /// An IBAN (mod-97 check).
    Iban,
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// A phone number in international (`+…`) or a common national format.
    PhoneNumber,
}

impl ValueRefusal {
    /// What to do instead, in one sentence.
    ///
    /// ```
    /// use drip_runtime::fields::ValueRefusal;
    /// assert!(ValueRefusal::Email.hint().contains("hash_id"));
    /// ```
    pub fn hint(&self) -> String {
        match self {
            ValueRefusal::Email
            | ValueRefusal::CardNumber
            | ValueRefusal::NationalId
            | ValueRefusal::Iban
            | ValueRefusal::IpAddress
            | ValueRefusal::PhoneNumber => {
                "personal data must never be sent; send an opaque id or a hash made with drip::hash_id"
                    .to_owned()
            }
            _ => "credentials must never be sent as metadata; remove the value".to_owned(),
        }
    }

    fn what(self) -> &'static str {
        match self {
            ValueRefusal::Email => "an e-mail address",
            ValueRefusal::DripKey => "a Drip API key",
            ValueRefusal::ProviderKey => "a provider API key",
            ValueRefusal::AwsAccessKey => "an AWS access key",
            ValueRefusal::Jwt => "a JSON Web Token",
            ValueRefusal::BearerToken => "a bearer token",
            ValueRefusal::CardNumber => "a payment card number",
            ValueRefusal::PrivateKey => "a private key",
            ValueRefusal::AwsSecretKey => "an AWS secret access key",
            ValueRefusal::WebhookSecret => "a webhook signing secret",
            ValueRefusal::BasicCredentials => "HTTP Basic or URL credentials",
            ValueRefusal::CloudCredential => "a cloud credential",
            ValueRefusal::GenericSecret => "a secret token",
            ValueRefusal::NationalId => "a national identifier",
            ValueRefusal::Iban => "a bank account number (IBAN)",
            ValueRefusal::IpAddress => "an IP address",
            ValueRefusal::PhoneNumber => "a phone number",
        }
    }

    /// A short stable name of the class, for logs and counters.
    ///
    /// ```
    /// use drip_runtime::fields::ValueRefusal;
    /// assert_eq!(ValueRefusal::CardNumber.class(), "card_number");
    /// ```
    pub fn class(&self) -> &'static str {
        match self {
            ValueRefusal::Email => "email",
            ValueRefusal::DripKey => "drip_key",
            ValueRefusal::ProviderKey => "provider_key",
            ValueRefusal::AwsAccessKey => "aws_access_key",
            ValueRefusal::Jwt => "jwt",
            ValueRefusal::BearerToken => "bearer_token",
            ValueRefusal::CardNumber => "card_number",
            ValueRefusal::PrivateKey => "private_key",
            ValueRefusal::AwsSecretKey => "aws_secret_key",
            ValueRefusal::WebhookSecret => "webhook_secret",
            ValueRefusal::BasicCredentials => "basic_credentials",
            ValueRefusal::CloudCredential => "cloud_credential",
            ValueRefusal::GenericSecret => "generic_secret",
            ValueRefusal::NationalId => "national_id",
            ValueRefusal::Iban => "iban",
            ValueRefusal::IpAddress => "ip_address",
            ValueRefusal::PhoneNumber => "phone_number",
        }
    }
}

impl fmt::Display for ValueRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "value looks like {}", self.what())
    }
}

impl std::error::Error for ValueRefusal {}

/// Refuses a string value that contains a secret or personal data anywhere,
/// as written or in the form [`deobfuscate`](super::deobfuscate()) gives (so
/// zero-width, fullwidth, percent- and entity-encoded forms are caught too).
///
/// ```
/// use drip_runtime::fields::{check_literal_str, ValueRefusal};
/// assert_eq!(check_literal_str("gpt-4o"), Ok(()));
/// assert_eq!(check_literal_str("claude-3-5-sonnet-20241022"), Ok(()));
/// assert_eq!(check_literal_str("sk_live_51Habc"), Err(ValueRefusal::DripKey));
/// assert_eq!(check_literal_str("4111 1111 1111 1111"), Err(ValueRefusal::CardNumber));
/// assert_eq!(check_literal_str("ada%40example.com"), Err(ValueRefusal::Email));
/// ```
pub fn check_literal_str(value: &str) -> Result<(), ValueRefusal> {
    // Both forms: decoding can also split a shape the raw text shows.
    let found = find_sensitive(value).or_else(|| match super::deobfuscate(value) {
        std::borrow::Cow::Owned(plain) => find_sensitive(&plain),
        std::borrow::Cow::Borrowed(_) => None,
    });
    match found {
        Some((_, kind)) => Err(kind),
        None => Ok(()),
    }
}

/// Locates the first secret or personal-data span in `text` as written (byte
/// range on char boundaries), for redaction. Run it on
/// [`deobfuscate`](super::deobfuscate())`(text)` to see through obfuscation.
///
/// ```
/// use drip_runtime::fields::{find_sensitive, ValueRefusal};
/// let text = "failed for ada@example.com: quota";
/// let (span, kind) = find_sensitive(text).unwrap();
/// assert_eq!(&text[span], "ada@example.com");
/// assert_eq!(kind, ValueRefusal::Email);
/// assert_eq!(find_sensitive("timeout after 1732867200000 ms"), None);
/// ```
pub fn find_sensitive(text: &str) -> Option<(Range<usize>, ValueRefusal)> {
    find_sensitive_from(text, 0)
}

/// [`find_sensitive`] starting at byte `from` (a char boundary); no match
/// reaches before `from`.
pub(crate) fn find_sensitive_from(text: &str, from: usize) -> Option<(Range<usize>, ValueRefusal)> {
    let scanned = scan_from(text, from);
    // Only a pattern match that starts earlier can win over a scanner match.
    let limit = scanned.as_ref().map_or(text.len(), |(r, _)| r.start);
    match super::patterns::find_from(text, from) {
        Some((r, kind)) if r.start < limit || scanned.is_none() => Some((r, kind)),
        _ => scanned,
    }
}

fn scan_from(text: &str, from: usize) -> Option<(Range<usize>, ValueRefusal)> {
    let b = text.as_bytes();
    let mut i = from;
    while i < b.len() {
        let found = match b[i] {
            b'@' => email_at(b, from, i).map(|r| (r, ValueRefusal::Email)),
            b's' | b'p' | b'r' => drip_key_at(b, i)
                .map(|r| (r, ValueRefusal::DripKey))
                .or_else(|| provider_key_at(b, i).map(|r| (r, ValueRefusal::ProviderKey))),
            b'g' | b'x' | b'h' => provider_key_at(b, i).map(|r| (r, ValueRefusal::ProviderKey)),
            b'A' => aws_key_at(b, i)
                .map(|r| (r, ValueRefusal::AwsAccessKey))
                .or_else(|| provider_key_at(b, i).map(|r| (r, ValueRefusal::ProviderKey))),
            b'e' => jwt_at(b, i).map(|r| (r, ValueRefusal::Jwt)),
            b'b' | b'B' => bearer_at(b, i).map(|r| (r, ValueRefusal::BearerToken)),
            b'0'..=b'9' => card_at(b, i).map(|r| (r, ValueRefusal::CardNumber)),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
        i += 1;
    }
    None
}

fn starts_word(b: &[u8], i: usize) -> bool {
    i == 0 || !b[i - 1].is_ascii_alphanumeric()
}

fn ends_word(b: &[u8], end: usize) -> bool {
    b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// Length of the run starting at `i` of bytes satisfying `pred`.
fn run_len(b: &[u8], i: usize, pred: impl Fn(u8) -> bool) -> usize {
    b.get(i..)
        .map_or(0, |rest| rest.iter().take_while(|&&c| pred(c)).count())
}

fn is_token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn email_at(b: &[u8], from: usize, at: usize) -> Option<Range<usize>> {
    let is_local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
    let mut start = at;
    while start > from && is_local(b[start - 1]) {
        start -= 1;
    }
    if start == at {
        return None;
    }
    let is_domain = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'-';
    let mut end = at + 1 + run_len(b, at + 1, is_domain);
    while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
        end -= 1;
    }
    let domain = &b[at + 1..end];
    let mut labels = domain.split(|&c| c == b'.');
    let first_ok = labels.next().is_some_and(|l| !l.is_empty());
    let mut count = 1;
    let mut last: &[u8] = &[];
    for label in labels {
        if label.is_empty() {
            return None;
        }
        count += 1;
        last = label;
    }
    let tld_ok = last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic);
    (first_ok && count >= 2 && tld_ok).then_some(start..end)
}

fn drip_key_at(b: &[u8], i: usize) -> Option<Range<usize>> {
    if b.get(i + 1) != Some(&b'k') {
        return None;
    }
    let rest = &b[i..];
    let prefixed = rest
        .get(1..8)
        .is_some_and(|p| p == b"k_live_" || p == b"k_test_");
    if !prefixed {
        return None;
    }
    let tail = run_len(b, i + 8, |c| c.is_ascii_alphanumeric() || c == b'_');
    // Glued to a preceding word (`tokensk_live_…`), only a random-looking tail
    // counts, so that `task_live_update` stays an ordinary value.
    let found = if starts_word(b, i) {
        tail >= 2
    } else {
        tail >= 12 && b[i + 8..i + 8 + tail].iter().any(u8::is_ascii_digit)
    };
    found.then_some(i..i + 8 + tail)
}

/// One provider key shape: prefix, allowed tail bytes, minimum tail length.
type ProviderKeyShape = (&'static [u8], fn(u8) -> bool, usize);

const PROVIDER_KEYS: &[ProviderKeyShape] = &[
    (b"sk-", is_token_byte, 16),
    (b"ghp_", is_alnum, 30),
    (b"gho_", is_alnum, 30),
    (b"ghu_", is_alnum, 30),
    (b"ghs_", is_alnum, 30),
    (b"ghr_", is_alnum, 30),
    (b"github_pat_", is_token_byte, 20),
    (b"xoxb-", is_token_byte, 10),
    (b"xoxp-", is_token_byte, 10),
    (b"xoxa-", is_token_byte, 10),
    (b"xoxr-", is_token_byte, 10),
    (b"xoxs-", is_token_byte, 10),
    (b"AIza", is_token_byte, 30),
    (b"hf_", is_alnum, 30),
];

fn is_alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

fn provider_key_at(b: &[u8], i: usize) -> Option<Range<usize>> {
    let rest = &b[i..];
    let glued = !starts_word(b, i);
    PROVIDER_KEYS.iter().find_map(|(prefix, tail_byte, min)| {
        if rest.get(1) != prefix.get(1) || !rest.starts_with(prefix) {
            return None;
        }
        let tail = run_len(b, i + prefix.len(), tail_byte);
        let body = &b[i + prefix.len()..i + prefix.len() + tail];
        // Glued to a preceding word, only a random-looking tail counts
        // (`risk-assessment-…` is not a key).
        let random = body.iter().any(u8::is_ascii_uppercase)
            && body.iter().any(u8::is_ascii_lowercase)
            && body.iter().any(u8::is_ascii_digit);
        // A bare `sk-` before a tail of words (`sk-learn-model-notes`) is a
        // slug; OpenAI's keys carry digits (named kinds, `sk-proj-…`, are
        // matched by the pattern set whatever their tail).
        let plausible = *prefix != b"sk-" || body.iter().any(u8::is_ascii_digit) || tail >= 40;
        (tail >= *min && plausible && (!glued || random)).then_some(i..i + prefix.len() + tail)
    })
}

/// No boundary is needed before the id: its fixed shape (prefix, exactly 16
/// capitals or digits, then a boundary) is specific enough.
fn aws_key_at(b: &[u8], i: usize) -> Option<Range<usize>> {
    let rest = &b[i..];
    if !(rest.starts_with(b"AKIA") || rest.starts_with(b"ASIA")) {
        return None;
    }
    let tail = run_len(b, i + 4, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let end = i + 4 + tail;
    (tail == 16 && ends_word(b, end)).then_some(i..end)
}

fn jwt_at(b: &[u8], i: usize) -> Option<Range<usize>> {
    // The three-part shape is specific enough to match glued to a word.
    if b.get(i + 1) != Some(&b'y') || !b[i..].starts_with(b"eyJ") {
        return None;
    }
    let is_b64 = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let header = run_len(b, i, is_b64);
    let mut end = i + header;
    if header < 10 || b.get(end) != Some(&b'.') {
        return None;
    }
    let payload = run_len(b, end + 1, is_b64);
    end += 1 + payload;
    if payload < 2 || b.get(end) != Some(&b'.') {
        return None;
    }
    end += 1 + run_len(b, end + 1, is_b64);
    Some(i..end)
}

fn bearer_at(b: &[u8], i: usize) -> Option<Range<usize>> {
    if !matches!(b.get(i + 1), Some(b'e' | b'E'))
        || !starts_word(b, i)
        || !b.get(i..i + 6)?.eq_ignore_ascii_case(b"bearer")
    {
        return None;
    }
    let spaces = run_len(b, i + 6, |c| c == b' ' || c == b'\t');
    if spaces == 0 {
        return None;
    }
    let start = i + 6 + spaces;
    let is_tok = |c: u8| c.is_ascii_alphanumeric() || b"._~+/=-".contains(&c);
    let len = run_len(b, start, is_tok);
    let token = &b[start..start + len];
    let has_digit_or_symbol = token.iter().any(|c| !c.is_ascii_alphabetic());
    let mixed_case = token.iter().skip(1).any(u8::is_ascii_uppercase)
        && token.iter().any(u8::is_ascii_lowercase);
    let credential = len >= 16 || (len >= 8 && (has_digit_or_symbol || mixed_case));
    credential.then_some(i..start + len)
}

/// Card numbers: digit groups separated by single spaces or dashes. A window
/// of whole groups with 13–19 digits, a first digit 2–6 (the payment-card
/// industries; this keeps millisecond and nanosecond Unix timestamps, which
/// start with 1, out) and a valid Luhn checksum matches. Separated groups
/// must have at least 3 digits each, so lists of small numbers do not. A
/// group glued to a letter (`a1b2…`, hex hashes) never takes part.
fn card_at(b: &[u8], i: usize) -> Option<Range<usize>> {
    let inside_group = i > 0 && b[i - 1].is_ascii_digit();
    let continues_run = i >= 2 && matches!(b[i - 1], b' ' | b'-') && b[i - 2].is_ascii_digit();
    if inside_group || continues_run {
        return None;
    }
    if run_digits(b, i) < 13 {
        // Too few digits for any card: skip the allocation below.
        return None;
    }
    let mut groups: Vec<Range<usize>> = Vec::new();
    let mut pos = i;
    loop {
        let len = run_len(b, pos, |c| c.is_ascii_digit());
        groups.push(pos..pos + len);
        let next = pos + len;
        let more = matches!(b.get(next), Some(b' ' | b'-'))
            && b.get(next + 1).is_some_and(u8::is_ascii_digit);
        if !more || groups.len() > 40 {
            break;
        }
        pos = next + 1;
    }
    let first = usize::from(!starts_word(b, i));
    let end = groups.len() - usize::from(!ends_word(b, groups.last()?.end));
    let usable = groups.get(first..end)?;
    let separated = groups.len() > 1;
    for s in 0..usable.len() {
        if !matches!(b[usable[s].start], b'2'..=b'6') {
            continue;
        }
        let mut digits = 0;
        for e in s..usable.len() {
            if separated && usable[e].len() < 3 {
                break;
            }
            digits += usable[e].len();
            if digits > 19 {
                break;
            }
            if digits >= 13 && luhn_valid(b, &usable[s..=e]) {
                return Some(usable[s].start..usable[e].end);
            }
        }
    }
    None
}

/// Digits in the run of groups starting at `i` (single spaces or dashes between).
fn run_digits(b: &[u8], i: usize) -> usize {
    let mut pos = i;
    let mut digits = 0;
    loop {
        let len = run_len(b, pos, |c| c.is_ascii_digit());
        digits += len;
        let next = pos + len;
        let more = matches!(b.get(next), Some(b' ' | b'-'))
            && b.get(next + 1).is_some_and(u8::is_ascii_digit);
        if !more {
            return digits;
        }
        pos = next + 1;
    }
}

fn luhn_valid(b: &[u8], groups: &[Range<usize>]) -> bool {
    let mut sum = 0u32;
    let mut double = false;
    for group in groups.iter().rev() {
        for &c in b[group.clone()].iter().rev() {
            let mut d = u32::from(c - b'0');
            if double {
                d *= 2;
                if d > 9 {
                    d -= 9;
                }
            }
            sum += d;
            double = !double;
        }
    }
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Option<ValueRefusal> {
        find_sensitive(s).map(|(_, k)| k)
    }

    #[test]
    fn finds_each_family() {
        use ValueRefusal::*;
        let cases = [
            ("ada.lovelace+x@mail.example.co.uk", Email),
            ("sk_live_51HxYz", DripKey),
            ("pk_test_abc123", DripKey),
            ("rk_live_zz", DripKey),
            ("sk-proj-abcdefghijklmnopqrstuvwx", ProviderKey),
            ("sk-ant-api03-abcdefghijklmnop", ProviderKey),
            ("sk-abcdefghijklmnopqrstuvwxyz012345", ProviderKey),
            ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", ProviderKey),
            ("AKIAIOSFODNN7EXAMPLE", AwsAccessKey),
            ("ASIAIOSFODNN7EXAMPLE", AwsAccessKey),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                Jwt,
            ),
            ("Bearer abc123def456", BearerToken),
            ("authorization: bearer AbCdEfGhIj", BearerToken),
            ("4111111111111111", CardNumber),
            ("4111-1111-1111-1111", CardNumber),
            ("5500 0000 0000 0004", CardNumber),
            ("378282246310005", CardNumber),
            ("card 4111 1111 1111 1111 2024", CardNumber),
            ("7 4242 4242 4242 4242", CardNumber),
            ("1-4242-4242-4242-4242", CardNumber),
            ("a0 4242 4242 4242 4242 9z", CardNumber),
        ];
        for (text, want) in cases {
            assert_eq!(kind(text), Some(want), "{text:?}");
        }
    }

    #[test]
    fn ordinary_values_pass() {
        for text in [
            "gpt-4o",
            "gpt-4o-mini-2024-07-18",
            "claude-3-5-sonnet-20241022",
            "o1-preview",
            "us-east-1",
            "550e8400-e29b-41d4-a716-446655440000",
            "d41d8cd98f00b204e9800998ecf8427e",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "2026-11-29T06:30:00Z",
            "1732867200000",
            "1732867200000000000",
            "42",
            "3.14159",
            "task_live_update",
            "risk-assessment-framework-v2",
            "desk_test_01",
            "@mention",
            "user@localhost",
            "v1.2.3@4.5",
            "the bearer of bad news",
            "Bearer authentication",
            "sk-learn",
            "sk-aaa-aaa-aaaaaaaa",
            "sk-learn-model-training-notes",
            "1 2 3 4 5 6 7 8 9 1 2 3 4 5",
            "4111111111111111abc",
            "ASIAN-FOODS",
            "eyJ",
            "",
        ] {
            assert_eq!(kind(text), None, "{text:?}");
        }
    }

    #[test]
    fn finds_keys_glued_to_a_word() {
        for text in [
            "tokensk_live_51NzQpL2eZvKYlo2C",
            "keysk-proj-Abc123def456Ghi789jkl",
            "idAKIAIOSFODNN7EXAMPLE",
            "tokeneyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
        ] {
            assert!(kind(text).is_some(), "{text}");
        }
        for text in [
            "task_live_update",
            "task_test_results_v2",
            "risk-assessment-framework-v2024",
        ] {
            assert_eq!(kind(text), None, "{text}");
        }
    }

    #[test]
    fn spans_are_exact() {
        let text = "x=AKIAIOSFODNN7EXAMPLE;";
        let (span, _) = find_sensitive(text).unwrap();
        assert_eq!(&text[span], "AKIAIOSFODNN7EXAMPLE");
        let text = "héllo ünïcode sk_test_abc!";
        let (span, _) = find_sensitive(text).unwrap();
        assert_eq!(&text[span], "sk_test_abc");
    }
}
