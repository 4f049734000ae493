//! The secret and personal-data detectors: never panic, spans lie inside the
//! text on char boundaries, and `check_literal_str` agrees with `find_sensitive`.
#![no_main]

use drip_runtime::fields::{check_literal_str, find_sensitive};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let found = find_sensitive(&text);
    if let Some((span, kind)) = &found {
        assert!(span.start < span.end && span.end <= text.len());
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        assert_eq!(check_literal_str(&text), Err(*kind));
        // The span alone is sensitive too.
        assert!(find_sensitive(&text[span.clone()]).is_some());
    } else {
        assert_eq!(check_literal_str(&text), Ok(()));
    }
});
