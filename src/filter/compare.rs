//! Comparing a field's typed value with a literal of the filter, and checking, where the
//! field's type is known, that a literal can be a value of it.
//!
//! See the module documentation of [`crate::filter`] for the rules in words.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::net::IpAddr;

use crate::dissect::{Field, Kind, Value};

use super::parser::{Literal, Pattern};

/// A number read from a literal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// Seconds as nanoseconds (rounded to the nanosecond).
    fn secs_as_ns(self) -> Num {
        match self {
            Num::Int(i) => Num::Int(i.saturating_mul(1_000_000_000)),
            Num::Float(f) => Num::Int((f * 1e9).round() as i128),
        }
    }
}

/// `80`, `-3`, `0x1f`, `1.5` (no exponents, no `inf`/`NaN`).
pub fn parse_num(s: &str) -> Option<Num> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let sign = |v: i128| if neg { -v } else { v };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        if hex.is_empty() || hex.len() > 30 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        return i128::from_str_radix(hex, 16)
            .ok()
            .map(|v| Num::Int(sign(v)));
    }
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) {
        return None;
    }
    match frac {
        None if int.len() <= 30 => int.parse::<i128>().ok().map(|v| Num::Int(sign(v))),
        None => s.parse::<f64>().ok().map(Num::Float),
        Some(f) if digits(f) => s.parse::<f64>().ok().map(Num::Float),
        Some(_) => None,
    }
}

/// `00:11:22:aa:bb:cc` or `00-11-22-aa-bb-cc`.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    parse_bytes(s).and_then(|b| <[u8; 6]>::try_from(b).ok())
}

/// A byte string as Wireshark reads one: hex bytes, with or without a separator (`:`,
/// `-` or `.`) between them (`47:45:54`, `474554`, `0000.0000.0000`), a single hex digit
/// being a byte when a separator or the end follows it (`6` is `06`, `474` is `47:04`);
/// a leading `:` is skipped and `0xHH` is the byte `HH`.
pub fn parse_bytes(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_prefix(':').unwrap_or(s);
    let s = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hh) if hh.len() == 2 => hh,
        _ => s,
    };
    let b = s.as_bytes();
    let hex = |i: usize| b.get(i).is_some_and(u8::is_ascii_hexdigit);
    let sep = |i: usize| b.get(i).is_some_and(|c| matches!(c, b':' | b'-' | b'.'));
    let digit = |i: usize| char::from(b[i]).to_digit(16).unwrap_or(0) as u8;
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let n = if hex(i) && hex(i + 1) {
            out.push(digit(i) << 4 | digit(i + 1));
            2
        } else if hex(i) && (i + 1 == b.len() || sep(i + 1)) {
            out.push(digit(i));
            1
        } else {
            return None;
        };
        i += n;
        // After two digits a separator may follow; after one it must (or the end).
        if sep(i) && i + 1 < b.len() {
            i += 1;
        } else if sep(i) {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `10.0.0.0/8`, `fe80::/10`: an address and a prefix length no longer than it.
pub fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = s.split_once('/')?;
    let addr: IpAddr = addr.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((addr, bits))
}

/// Whether `a` is in the network `net`/`bits` (same family only).
fn in_net(a: IpAddr, (net, bits): (IpAddr, u8)) -> bool {
    let mask = |width: u32| {
        let b = u32::from(bits);
        if b == 0 {
            0u128
        } else {
            (!0u128 << (width - b)) & (!0u128 >> (128 - width))
        }
    };
    match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let m = mask(32);
            u128::from(u32::from(a)) & m == u128::from(u32::from(n)) & m
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let m = mask(128);
            u128::from(a) & m == u128::from(n) & m
        }
        _ => false,
    }
}

/// One occurrence of a name in a packet: a field, a protocol's bytes, bytes a slice cut
/// out, or a value the quick tier knows.
pub(crate) enum Occ<'a> {
    Field(&'a Field),
    /// A protocol's layer: its value is its bytes, from its first byte to the end of the
    /// data it was handed (Wireshark's protocol fields).
    Proto(&'a [u8]),
    /// Bytes cut out by a slice.
    Bytes(&'a [u8]),
    Value(&'a Value),
}

static NONE: Value = Value::None;

impl Occ<'_> {
    /// Its typed value ([`Value::None`] for bytes, which [`Occ::raw`] gives).
    pub(crate) fn value(&self) -> &Value {
        match self {
            Occ::Field(f) => &f.value,
            Occ::Proto(_) | Occ::Bytes(_) => &NONE,
            Occ::Value(v) => v,
        }
    }

    /// Its bytes, when its value is a sequence of bytes.
    fn raw(&self) -> Option<&[u8]> {
        match self {
            Occ::Proto(b) | Occ::Bytes(b) => Some(b),
            _ => match self.value() {
                Value::Bytes(b) => Some(b),
                _ => None,
            },
        }
    }

    /// The bytes a slice cuts from: a protocol's, a byte string, a text's UTF-8, an
    /// address (`None` for other values, which cannot be sliced).
    pub(crate) fn sliceable(&self) -> Option<Cow<'_, [u8]>> {
        if let Some(b) = self.raw() {
            return Some(Cow::Borrowed(b));
        }
        Some(match self.value() {
            Value::Text(t) => Cow::Borrowed(t.as_bytes()),
            Value::Mac(m) => Cow::Borrowed(&m[..]),
            Value::Ipv4(a) => Cow::Owned(a.octets().to_vec()),
            Value::Ipv6(a) => Cow::Owned(a.octets().to_vec()),
            _ => return None,
        })
    }

    /// The occurrence in words, as the tree shows it.
    fn shown(&self) -> Cow<'_, str> {
        match self {
            Occ::Field(f) => Cow::Owned(f.shown()),
            Occ::Proto(b) | Occ::Bytes(b) => Cow::Owned(crate::dissect::fmt::hex(b, usize::MAX)),
            Occ::Value(v) => Cow::Owned(v.to_string()),
        }
    }
}

/// The bytes of a literal compared with bytes: a quoted string's, or a byte string's.
fn literal_bytes(l: &Literal) -> Option<&[u8]> {
    l.bytes.as_deref()
}

/// Wireshark's order of byte strings: the shorter first, then byte by byte.
fn bytes_order(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The number a value compares as, for the types that have one.
fn number(v: &Value) -> Option<Num> {
    Some(match v {
        Value::Unsigned(u) | Value::Named(u, _) | Value::Frame(u) => Num::Int(i128::from(*u)),
        Value::Signed(i) | Value::Time(i) | Value::Duration(i) => Num::Int(i128::from(*i)),
        Value::Bool(b) => Num::Int(i128::from(*b)),
        _ => return None,
    })
}

/// The literal's number in the value's unit: seconds become nanoseconds for times.
fn literal_number(v: &Value, l: &Literal) -> Option<Num> {
    match v {
        Value::Time(_) | Value::Duration(_) => l.num.map(Num::secs_as_ns),
        Value::Bool(_) => l.boolean.map(|b| Num::Int(i128::from(b))).or(l.num),
        _ => l.num,
    }
}

/// `==`: the value equals the literal (for several packets linked, any of them).
pub(crate) fn equals(o: &Occ<'_>, l: &Literal) -> bool {
    // The common case first (a port, a length, a flag against a number), as the general
    // way below decides it: asked once per packet by the summary tier.
    if let (Occ::Value(Value::Unsigned(u)), Some(Num::Int(n)), false) = (o, l.num, l.quoted) {
        return i128::from(*u) == n;
    }
    if let Some(b) = o.raw() {
        return literal_bytes(l) == Some(b);
    }
    let v = o.value();
    if l.quoted {
        return match v {
            Value::Text(s) => **s == *l.text,
            Value::Named(_, name) => *name == l.text || o.shown() == l.text,
            _ => o.shown() == l.text,
        };
    }
    match v {
        Value::None => false,
        Value::Ipv4(a) => addr_equals(IpAddr::V4(*a), l),
        Value::Ipv6(a) => addr_equals(IpAddr::V6(*a), l),
        Value::Mac(m) => l.mac == Some(*m),
        Value::Text(s) => **s == *l.text,
        Value::Named(_, name) if *name == l.text => true,
        Value::Frames(v) => v.iter().any(|n| equals(&Occ::Value(&Value::Frame(*n)), l)),
        _ => match (number(v), literal_number(v, l)) {
            (Some(a), Some(b)) => a.cmp(b) == Some(Ordering::Equal),
            _ => false,
        },
    }
}

fn addr_equals(a: IpAddr, l: &Literal) -> bool {
    l.ip == Some(a) || l.net.is_some_and(|n| in_net(a, n))
}

/// The order of the value against the literal, for `<`, `<=`, `>`, `>=`: numbers, times,
/// addresses of one family, MAC addresses, bytes (the shorter first, as in Wireshark),
/// text; `None` when they do not compare.
pub(crate) fn order(o: &Occ<'_>, l: &Literal) -> Option<Ordering> {
    if let Some(b) = o.raw() {
        return literal_bytes(l).map(|x| bytes_order(b, x));
    }
    let v = o.value();
    if l.quoted {
        return match v {
            Value::Text(s) => Some((**s).cmp(&*l.text)),
            _ => Some((*o.shown()).cmp(&*l.text)),
        };
    }
    match v {
        Value::None | Value::Frames(_) => None,
        Value::Ipv4(a) => l.ip.filter(IpAddr::is_ipv4).map(|b| IpAddr::V4(*a).cmp(&b)),
        Value::Ipv6(a) => l.ip.filter(IpAddr::is_ipv6).map(|b| IpAddr::V6(*a).cmp(&b)),
        Value::Mac(m) => l.mac.map(|b| m.cmp(&b)),
        Value::Text(s) => Some((**s).cmp(&*l.text)),
        _ => number(v)?.cmp(literal_number(v, l)?),
    }
}

/// `contains`: text in text, bytes in bytes (a byte string like `47:45:54` or the bytes of
/// a quoted string); other values are searched in their words. A protocol contains no
/// empty string (Wireshark's rule; a byte field and a slice do).
pub(crate) fn contains(o: &Occ<'_>, l: &Literal) -> bool {
    if let Some(b) = o.raw() {
        let needle = literal_bytes(l).unwrap_or(l.text.as_bytes());
        if needle.is_empty() {
            return !matches!(o, Occ::Proto(_));
        }
        return b.windows(needle.len()).any(|w| w == needle);
    }
    match o.value() {
        Value::Text(s) => s.contains(l.text.as_str()),
        _ => o.shown().contains(l.text.as_str()),
    }
}

/// `matches`: the regular expression finds a match in the text, in the bytes (byte by
/// byte), or in other values' words.
pub(crate) fn matches(o: &Occ<'_>, re: &Pattern) -> bool {
    if let Some(b) = o.raw() {
        return re.bytes.is_match(b);
    }
    match o.value() {
        Value::Text(s) => re.text.is_match(s),
        _ => re.text.is_match(&o.shown()),
    }
}

/// Why an unquoted literal cannot be a value of a field of type `kind` (`None`: it can).
/// A quoted literal always can: it is compared with the value's words.
pub(crate) fn literal_error(kind: Kind, l: &Literal) -> Option<String> {
    if l.quoted {
        return None;
    }
    let t = &l.text;
    let int = matches!(l.num, Some(Num::Int(_)));
    let ok = match kind {
        Kind::Unsigned | Kind::Signed | Kind::Frame | Kind::Frames => int,
        Kind::Bool => l.boolean.is_some() || matches!(l.num, Some(Num::Int(0 | 1))),
        Kind::Ipv4 => l.ip.is_some_and(|a| a.is_ipv4()) || l.net.is_some_and(|n| n.0.is_ipv4()),
        Kind::Ipv6 => l.ip.is_some_and(|a| a.is_ipv6()) || l.net.is_some_and(|n| n.0.is_ipv6()),
        Kind::Mac => l.mac.is_some(),
        Kind::Bytes => l.bytes.is_some(),
        Kind::Time | Kind::Duration => l.num.is_some(),
        Kind::Named | Kind::Text | Kind::None => true,
    };
    let what = match kind {
        Kind::Unsigned | Kind::Frame | Kind::Frames => "unsigned integer",
        Kind::Signed => "integer",
        Kind::Bool => "boolean (true, false, 1 or 0)",
        Kind::Ipv4 => "IPv4 address",
        Kind::Ipv6 => "IPv6 address",
        Kind::Mac => "MAC address",
        Kind::Bytes => "byte string (such as 47:45:54)",
        Kind::Time | Kind::Duration => "time in seconds",
        _ => "value",
    };
    (!ok).then(|| format!("\"{t}\" is not a valid {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_num("80"), Some(Num::Int(80)));
        assert_eq!(parse_num("0x0002"), Some(Num::Int(2)));
        assert_eq!(parse_num("-0x10"), Some(Num::Int(-16)));
        assert_eq!(parse_num("0.031"), Some(Num::Float(0.031)));
        for bad in [
            "",
            "-",
            "0x",
            "1.",
            ".5",
            "1e5",
            "inf",
            "NaN",
            "127.0.0.1",
            "2probe",
            "1..2",
        ] {
            assert_eq!(parse_num(bad), None, "{bad}");
        }
        assert!(matches!(parse_num(&"9".repeat(40)), Some(Num::Float(_))));
        assert_eq!(parse_num(&format!("0x{}", "f".repeat(40))), None);
    }

    #[test]
    fn macs_bytes_and_networks() {
        assert_eq!(
            parse_mac("00-11-22-33-44-55"),
            Some([0, 0x11, 0x22, 0x33, 0x44, 0x55])
        );
        assert_eq!(parse_mac("00:11:22:33:44"), None);
        assert_eq!(parse_mac("00:11:22:33:44:55:66"), None);
        assert_eq!(parse_mac("0:11:22:33:44:555"), None);
        assert_eq!(parse_bytes("47:45:54"), Some(vec![0x47, 0x45, 0x54]));
        assert_eq!(parse_bytes("47"), Some(vec![0x47]));
        assert_eq!(parse_bytes("474"), Some(vec![0x47, 0x04]));
        assert_eq!(parse_bytes("6"), Some(vec![6]));
        assert_eq!(parse_bytes("0800"), Some(vec![8, 0]));
        assert_eq!(parse_bytes("0x06"), Some(vec![6]));
        assert_eq!(parse_bytes(":00"), Some(vec![0]));
        assert_eq!(parse_bytes("0000.0000.0000"), Some(vec![0; 6]));
        assert_eq!(
            parse_mac("001122334455"),
            Some([0, 0x11, 0x22, 0x33, 0x44, 0x55])
        );
        for bad in [
            "GET", "", "0x0800", "0x", "6x", "00:", "00::11", "-1", "::1",
        ] {
            assert_eq!(parse_bytes(bad), None, "{bad}");
        }
        let n = parse_cidr("10.0.0.0/8").unwrap();
        assert!(in_net("10.200.1.2".parse().unwrap(), n));
        assert!(!in_net("11.0.0.1".parse().unwrap(), n));
        assert!(!in_net("::1".parse().unwrap(), n));
        let all6 = parse_cidr("::/0").unwrap();
        assert!(in_net("2001:db8::1".parse().unwrap(), all6));
        assert!(in_net(
            "fe80::1".parse().unwrap(),
            parse_cidr("fe80::/10").unwrap()
        ));
        assert!(in_net(
            "1.2.3.4".parse().unwrap(),
            parse_cidr("1.2.3.4/32").unwrap()
        ));
        assert_eq!(parse_cidr("10.0.0.0/33"), None);
        assert_eq!(parse_cidr("10.0.0/8"), None);
    }
}
