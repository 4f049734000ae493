//! The secret and personal-data detectors: never panic, spans lie inside the
//! text on char boundaries, and `check_literal_str` refuses whatever `find_sensitive` finds.
#![no_main]

use drip_runtime::fields::{check_literal_str, find_sensitive};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let found = find_sensitive(&text);
    if let Some((span, _)) = &found {
        assert!(span.start < span.end && span.end <= text.len());
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        assert!(check_literal_str(&text).is_err());
        // The span alone is sensitive too.
        assert!(find_sensitive(&text[span.clone()]).is_some());
    }
});
