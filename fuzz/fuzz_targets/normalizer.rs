//! The de-obfuscating normaliser: never panics; its output has no invisible
//! characters left; plain ASCII without `%`/`&` passes unchanged; whatever is
//! detected in the output is detected by `check_literal_str` on the input;
//! and a secret hidden with invisible characters, percent- or entity-encoding
//! is found again.
#![no_main]

use drip_runtime::fields::{check_literal_str, deobfuscate, find_sensitive};
use libfuzzer_sys::fuzz_target;

const INVISIBLE: &[char] = &['\u{200B}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{202E}', '\u{00AD}'];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let plain = deobfuscate(&text);
    if text.is_ascii() && !text.contains(['%', '&']) {
        assert_eq!(plain, text);
    }
    assert!(!plain.contains(INVISIBLE), "{plain:?}");
    if find_sensitive(&plain).is_some() {
        assert!(check_literal_str(&text).is_err());
    }

    // Obfuscate a known secret at positions the input chooses.
    let secret = "sk_live_51HxYzQpL2eZvKYlo2C";
    let mut hidden = String::new();
    for (i, c) in secret.chars().enumerate() {
        let pick = data.get(i).copied().unwrap_or(0);
        match pick % 4 {
            0 => {
                hidden.push(INVISIBLE[usize::from(pick / 4) % INVISIBLE.len()]);
                hidden.push(c);
            }
            1 => hidden.push_str(&format!("%{:02X}", c as u32)),
            2 => hidden.push_str(&format!("&#{};", c as u32)),
            _ => hidden.push(c),
        }
    }
    assert!(check_literal_str(&hidden).is_err(), "{hidden:?}");
});
