//! RFC 3339 timestamps without a date-time dependency.

use std::time::{SystemTime, UNIX_EPOCH};

/// Formats `t` as RFC 3339 UTC with milliseconds, e.g. `2026-11-29T06:20:05.123Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let mut out = Vec::with_capacity(24);
    write_rfc3339(t, &mut out);
    // Only ASCII digits and separators were written.
    String::from_utf8(out).unwrap_or_default()
}

/// [`rfc3339`] appended to `out`.
pub(crate) fn write_rfc3339(t: SystemTime, out: &mut Vec<u8>) {
    let ms = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let (secs, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    if !(0..=9999).contains(&y) {
        use std::io::Write;
        // Writing into a Vec cannot fail.
        let _ = write!(
            out,
            "{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{millis:03}Z"
        );
        return;
    }
    // Every run event gets one of these on the transport thread: digits by
    // hand instead of the formatting machinery.
    push_digits(out, y, 4);
    out.push(b'-');
    push_digits(out, i64::from(m), 2);
    out.push(b'-');
    push_digits(out, i64::from(d), 2);
    out.push(b'T');
    push_digits(out, hh, 2);
    out.push(b':');
    push_digits(out, mm, 2);
    out.push(b':');
    push_digits(out, ss, 2);
    out.push(b'.');
    push_digits(out, millis, 3);
    out.push(b'Z');
}

/// Writes [`rfc3339`] timestamps of instants close together (the events of
/// one batch): the part down to the second is formatted once per second.
#[derive(Debug, Default)]
pub(crate) struct TimestampWriter {
    /// The second `head` is for.
    second: Option<i64>,
    /// `YYYY-MM-DDTHH:MM:SS.`
    head: [u8; 20],
}

impl TimestampWriter {
    /// [`rfc3339`] of `t`, appended to `out`.
    pub(crate) fn write(&mut self, t: SystemTime, out: &mut Vec<u8>) {
        let ms = t
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let (second, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
        if self.second != Some(second) {
            let start = out.len();
            write_rfc3339(t, out);
            match out.get(start..start + 20) {
                // Four-digit years: the common shape, kept for the next.
                Some(head) if out.len() - start == 24 => {
                    self.head.copy_from_slice(head);
                    self.second = Some(second);
                }
                _ => self.second = None,
            }
            return;
        }
        out.extend_from_slice(&self.head);
        push_digits(out, millis, 3);
        out.push(b'Z');
    }
}

/// Appends the last `width` decimal digits of `n` (0 ≤ n), zero-padded.
fn push_digits(out: &mut Vec<u8>, n: i64, width: u32) {
    for place in (0..width).rev() {
        let digit = (n / 10_i64.pow(place)) % 10;
        out.push(b'0' + digit as u8);
    }
}

/// The current time as RFC 3339.
pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timestamp_writer_writes_what_rfc3339_makes() {
        let mut writer = TimestampWriter::default();
        let base = UNIX_EPOCH + std::time::Duration::from_millis(1_764_000_000_998);
        let far = UNIX_EPOCH + std::time::Duration::from_secs(400_000_000_000);
        for t in [
            base,
            base + std::time::Duration::from_millis(1),
            base + std::time::Duration::from_millis(2),
            base + std::time::Duration::from_millis(1_500),
            far,
            base,
            UNIX_EPOCH - std::time::Duration::from_secs(1),
        ] {
            let mut out = b"x".to_vec();
            writer.write(t, &mut out);
            assert_eq!(out, format!("x{}", rfc3339(t)).into_bytes());
        }
    }
    use proptest::prelude::*;
    use std::time::Duration;

    fn at(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(ms)
    }

    #[test]
    fn known_instants() {
        assert_eq!(rfc3339(at(0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(at(951_782_400_007)), "2000-02-29T00:00:00.007Z");
        assert_eq!(rfc3339(at(1_709_251_199_999)), "2024-02-29T23:59:59.999Z");
        assert_eq!(rfc3339(at(1_798_761_599_050)), "2026-12-31T23:59:59.050Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH - Duration::from_secs(5)),
            "1970-01-01T00:00:00.000Z"
        );
    }

    proptest! {
        // The hand-written digits agree with the formatting machinery.
        #[test]
        fn agrees_with_format(ms in 0u64..253_402_300_799_999) {
            let t = at(ms);
            let secs = (ms / 1000) as i64;
            let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
            let (y, m, d) = civil_from_days(days);
            let expected = format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
                rem / 3600, (rem % 3600) / 60, rem % 60, ms % 1000
            );
            prop_assert_eq!(rfc3339(t), expected);
        }
    }
}
