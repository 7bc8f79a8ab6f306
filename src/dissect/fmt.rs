//! Small formatting helpers shared by the field tree and the columns.

use std::fmt::Write;

/// `aa:bb:cc:dd:ee:ff` (any length).
pub fn mac(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A number with thousands separators: `3,841,201,717`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Lower-case hex without separators, at most `max` bytes, then `…` when cut.
pub fn hex(bytes: &[u8], max: usize) -> String {
    // Two digits a byte from a table: through `core::fmt`, the 64 KiB of a binary
    // WebSocket message's Messages line took 13 ms, a frame of the window.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len().min(max) * 2 + 3);
    for &b in bytes.iter().take(max) {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    if bytes.len() > max {
        s.push('…');
    }
    s
}

/// Seconds and fraction, nanosecond precision: `1.000123456`.
pub fn secs(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    format!("{sign}{}.{:09}", a / 1_000_000_000, a % 1_000_000_000)
}

/// Seconds with microseconds, as tshark's time column: `0.000123`.
pub fn secs6(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let us = (ns.unsigned_abs() + 500) / 1000;
    format!("{sign}{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// `n` in decimal, appended. The rows of `inspect` write some millions of numbers:
/// `itoa` (already in the tree through serde_json) does it without `core::fmt`, which
/// was a sixth of the time spent printing rows.
pub fn push_num(s: &mut String, n: impl itoa::Integer) {
    s.push_str(itoa::Buffer::new().format(n));
}

/// An address as `Display` writes it, appended; IPv4 without `core::fmt` (see [`push_num`]).
pub fn push_ip(s: &mut String, a: std::net::IpAddr) {
    // Room for the longest address at once (`255.255.255.255`, an IPv4-mapped IPv6
    // address): pushed piece by piece into an empty column, it grew three times a row.
    s.reserve(if a.is_ipv4() { 15 } else { 45 });
    match a {
        std::net::IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            for (i, o) in [a, b, c, d].into_iter().enumerate() {
                if i > 0 {
                    s.push('.');
                }
                push_num(s, o);
            }
        }
        std::net::IpAddr::V6(v6) => {
            let _ = write!(s, "{v6}");
        }
    }
}

/// `2024-05-01 12:00:00.123456789 UTC` from nanoseconds since the Unix epoch.
pub fn utc(ts_ns: i64) -> String {
    let secs = ts_ns.div_euclid(1_000_000_000);
    let nanos = ts_ns.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{nanos:09} UTC",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

/// `1 hour, 1 minute, 1 second`, as Wireshark writes a TTL.
pub fn duration_words(secs: u32) -> String {
    let units = [
        (secs / 86_400, "day"),
        (secs / 3_600 % 24, "hour"),
        (secs / 60 % 60, "minute"),
        (secs % 60, "second"),
    ];
    let words: Vec<String> = units
        .iter()
        .filter(|&&(n, unit)| n > 0 || (secs == 0 && unit == "second"))
        .map(|&(n, unit)| format!("{n} {unit}{}", if n == 1 { "" } else { "s" }))
        .collect();
    words.join(", ")
}

/// `text` on one line for display: control characters escaped (`\n`), cut after `max`
/// characters with `…`.
pub fn one_line(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Gregorian date from days since 1970-01-01 (Howard Hinnant's civil_from_days;
/// written here rather than pulling a date crate for one conversion).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
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
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(thousands(3_841_201_717), "3,841,201,717");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(0), "0");
    }

    #[test]
    fn formats() {
        assert_eq!(mac(&[0, 0x1b, 0xff]), "00:1b:ff");
        assert_eq!(hex(&[1, 2, 3], 2), "0102…");
        assert_eq!(hex(&[0xab], 8), "ab");
        let all: Vec<u8> = (0..=255).collect();
        let want: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&all, 256), want);
        assert_eq!(secs(1_500_000_000), "1.500000000");
        assert_eq!(secs(-1), "-0.000000001");
        assert_eq!(secs6(1_234_567_890), "1.234568");
        let mut s = String::from("x");
        push_num(&mut s, u32::MAX);
        push_num(&mut s, -7i64);
        assert_eq!(s, "x4294967295-7");
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v4 = std::net::IpAddr::from(((seed >> 32) as u32).to_be_bytes());
            let v6 = std::net::Ipv6Addr::from(u128::from(seed) * u128::from(seed >> 7));
            let short = std::net::Ipv6Addr::from(u128::from(seed >> 40));
            for a in [v4, v6.into(), short.into()] {
                let mut s = String::new();
                push_ip(&mut s, a);
                assert_eq!(s, a.to_string());
            }
        }
        assert_eq!(utc(0), "1970-01-01 00:00:00.000000000 UTC");
        assert_eq!(
            utc(951_782_400_000_000_001),
            "2000-02-29 00:00:00.000000001 UTC"
        );
        assert_eq!(utc(-1_000_000_000), "1969-12-31 23:59:59.000000000 UTC");
    }
}
