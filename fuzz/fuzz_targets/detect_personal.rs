//! Personal-data detectors (e-mail incl. internationalised domains, phone
//! numbers, card numbers, US SSNs, IBANs, IP addresses): any generated value
//! of these shapes is found, also percent-encoded; arbitrary text never
//! panics and spans are sound.
#![no_main]

use drip_runtime::fields::{check_literal_str, find_sensitive};
use libfuzzer_sys::fuzz_target;

fn luhn_complete(digits: &mut Vec<u32>) {
    digits.push(0);
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| if i % 2 == 1 { let x = d * 2; if x > 9 { x - 9 } else { x } } else { d })
        .sum();
    *digits.last_mut().unwrap() = (10 - sum % 10) % 10;
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some((span, _)) = find_sensitive(&text) {
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
    }
    if data.len() < 20 {
        return;
    }
    let d = |i: usize| u32::from(data[i] % 10);
    let word: String = data[..8].iter().map(|&b| char::from(b'a' + b % 26)).collect();
    let mut card: Vec<u32> = vec![4];
    card.extend((1..15).map(d));
    luhn_complete(&mut card);
    let card: String = card.iter().map(|x| char::from_digit(*x, 10).unwrap()).collect();
    let area = 100 + (u32::from(data[0]) * 3 % 565);
    let cases = [
        format!("{word}@{word}.com"),
        format!("{word}@bücher-{word}.de"),
        format!("{word}%40{word}.org"),
        format!("+44 20 {}{}{}{} {}{}{}{}", d(1), d(2), d(3), d(4), d(5), d(6), d(7), d(8)),
        format!("({}{}2) 555-{}{}{}{}", 2 + d(1) % 8, d(2), d(3), d(4), d(5), d(6)),
        card,
        format!("{area}-{}{}-{}{}{}{}", 1 + d(2) % 9, d(3), 1 + d(4) % 9, d(5), d(6), d(7)),
        format!("10.{}.{}.{}", data[1], data[2], data[3]),
        format!("2001:db8:{:x}::{:x}", data[4], data[5]),
    ];
    for value in cases {
        assert!(check_literal_str(&value).is_err(), "{value:?}");
        let wrapped = format!("user {value} here");
        assert!(check_literal_str(&wrapped).is_err(), "{wrapped:?}");
    }
});
