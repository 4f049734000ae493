//! Undoing the cheap obfuscations before detection: Unicode compatibility
//! forms, invisible characters, percent- and HTML-entity encoding.
//!
//! Detectors match ASCII shapes; without this step `ada@exam\u{200B}ple.com`,
//! `ada%40example.com`, `ada&#64;example.com` or a fullwidth `ｓｋ＿ｌｉｖｅ＿…`
//! would pass them.

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// Rounds of decoding: `%2540` needs two, a third covers one more layer.
const MAX_ROUNDS: usize = 3;

/// The form detectors see: NFKC, with zero-width, bidi and other invisible
/// format characters removed and percent- and HTML-entity escapes decoded
/// (up to three layers). Plain ASCII without `%` or `&` is returned
/// borrowed, unchanged, without scanning twice.
///
/// ```
/// use drip_runtime::fields::deobfuscate;
/// assert_eq!(deobfuscate("gpt-4o"), "gpt-4o");
/// assert_eq!(deobfuscate("ada\u{200B}@exam\u{202E}ple.com"), "ada@example.com");
/// assert_eq!(deobfuscate("ada%40example.com"), "ada@example.com");
/// assert_eq!(deobfuscate("ada&#64;example&period;com"), "ada@example.com");
/// assert_eq!(deobfuscate("ｓｋ＿ｌｉｖｅ"), "sk_live");
/// ```
pub fn deobfuscate(text: &str) -> Cow<'_, str> {
    if !needs_work(text) {
        return Cow::Borrowed(text);
    }
    let mut current = strip_and_fold(text);
    for _ in 0..MAX_ROUNDS {
        let percent = percent_decode(&current);
        let next = strip_and_fold(&decode_entities(&percent));
        if next == current {
            break;
        }
        current = next;
    }
    Cow::Owned(current)
}

fn needs_work(text: &str) -> bool {
    text.bytes()
        .any(|b| !b.is_ascii() || b == b'%' || b == b'&')
}

/// Zero-width, bidi and other invisible format characters that render as
/// nothing and so can split a shape without the reader noticing.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

fn strip_and_fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    text.chars()
        .filter(|&c| !is_invisible(c))
        .nfkc()
        .filter(|&c| !is_invisible(c))
        .collect()
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// `%XX` → byte; invalid UTF-8 after decoding is replaced, never panics.
fn percent_decode(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// Named entities worth decoding: the ones that can stand for the
/// punctuation detectors anchor on.
const NAMED_ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("commat", '@'),
    ("period", '.'),
    ("colon", ':'),
    ("sol", '/'),
    ("lowbar", '_'),
    ("hyphen", '-'),
    ("dash", '-'),
    ("plus", '+'),
    ("equals", '='),
    ("nbsp", ' '),
    ("num", '#'),
    ("percnt", '%'),
];

/// `&#64;`, `&#x40;`, `&commat;` → `@`; anything else is left as written.
fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match entity(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character an entity at the start of `s` stands for, and its length.
fn entity(s: &str) -> Option<(char, usize)> {
    // `;` is ASCII, so its position is a char boundary.
    let end = s.bytes().take(12).position(|b| b == b';')?;
    let name = s.get(1..end)?;
    let c = if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(h) => u32::from_str_radix(h, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(code)?
    } else {
        NAMED_ENTITIES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))?
            .1
    };
    Some((c, end + 1))
}

#[cfg(test)]
mod tests {
    use super::deobfuscate;

    #[test]
    fn layers_and_forms() {
        assert_eq!(deobfuscate("ada%2540example.com"), "ada@example.com");
        assert_eq!(deobfuscate("a&amp;#64;b"), "a@b");
        assert_eq!(deobfuscate("１００％"), "100%");
        assert_eq!(deobfuscate("50% off & more"), "50% off & more");
        assert_eq!(deobfuscate("%E2%80%8Bx"), "x");
        assert_eq!(deobfuscate("&#xD800;"), "&#xD800;");
        assert_eq!(deobfuscate("%ff"), "\u{FFFD}");
        assert_eq!(deobfuscate("a&#100;@例え"), "ad@例え");
        assert_eq!(deobfuscate("&例え;"), "&例え;");
    }
}
