//! Reading the timestamps drip writes, without a date library.

/// Milliseconds since 1970 of an RFC 3339 timestamp `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn unix_ms(t: &str) -> i64 {
    let n = |range: std::ops::Range<usize>| t[range].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Howard Hinnant's days-from-civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    ((days * 24 + n(11..13)) * 60 + n(14..16)) * 60_000 + n(17..19) * 1000 + n(20..23)
}
