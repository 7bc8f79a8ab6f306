//! Comparing a field's typed value with a literal of the filter, and checking, where the
//! field's type is known, that a literal can be a value of it.
//!
//! See the module documentation of [`crate::filter`] for the rules in words.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::net::IpAddr;

use regex::Regex;

use crate::dissect::{Field, Kind, Value};

use super::parser::Literal;

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

/// A byte string as Wireshark writes one: hex bytes separated by `:`, `-` or `.`
/// (`47:45:54`), or a single byte (`47`).
pub fn parse_bytes(s: &str) -> Option<Vec<u8>> {
    let sep = s.chars().find(|c| matches!(c, ':' | '-' | '.'));
    let parts: Vec<&str> = match sep {
        Some(c) => s.split(c).collect(),
        None if s.len() == 2 => vec![s],
        None => return None,
    };
    parts
        .iter()
        .map(|p| {
            let ok = (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_hexdigit());
            ok.then(|| u8::from_str_radix(p, 16).ok()).flatten()
        })
        .collect()
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

/// One occurrence of a name in a packet: a field, or a protocol's layer (no value of its
/// own; its words are its title), or a value the quick tier knows.
pub(crate) enum Occ<'a> {
    Field(&'a Field),
    Title(&'a str),
    Value(&'a Value),
}

static NONE: Value = Value::None;

impl Occ<'_> {
    /// Its typed value ([`Value::None`] for a layer).
    pub(crate) fn value(&self) -> &Value {
        match self {
            Occ::Field(f) => &f.value,
            Occ::Title(_) => &NONE,
            Occ::Value(v) => v,
        }
    }

    /// The occurrence in words, as the tree shows it.
    fn shown(&self) -> Cow<'_, str> {
        match self {
            Occ::Field(f) => Cow::Owned(f.shown()),
            Occ::Title(t) => Cow::Borrowed(t),
            Occ::Value(v) => Cow::Owned(v.to_string()),
        }
    }
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
    let v = o.value();
    if l.quoted {
        return match v {
            Value::Text(s) => **s == *l.text,
            Value::Bytes(b) => **b == *l.text.as_bytes(),
            Value::Named(_, name) => *name == l.text || o.shown() == l.text,
            _ => o.shown() == l.text,
        };
    }
    match v {
        Value::None => false,
        Value::Ipv4(a) => addr_equals(IpAddr::V4(*a), l),
        Value::Ipv6(a) => addr_equals(IpAddr::V6(*a), l),
        Value::Mac(m) => l.mac == Some(*m),
        Value::Bytes(b) => l.bytes.as_deref() == Some(&**b),
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
/// addresses of one family, MAC addresses, bytes, text; `None` when they do not compare.
pub(crate) fn order(o: &Occ<'_>, l: &Literal) -> Option<Ordering> {
    let v = o.value();
    if l.quoted {
        return match v {
            Value::Text(s) => Some((**s).cmp(&*l.text)),
            Value::Bytes(b) => Some((**b).cmp(l.text.as_bytes())),
            _ => Some((*o.shown()).cmp(&*l.text)),
        };
    }
    match v {
        Value::None | Value::Frames(_) => None,
        Value::Ipv4(a) => l.ip.filter(IpAddr::is_ipv4).map(|b| IpAddr::V4(*a).cmp(&b)),
        Value::Ipv6(a) => l.ip.filter(IpAddr::is_ipv6).map(|b| IpAddr::V6(*a).cmp(&b)),
        Value::Mac(m) => l.mac.map(|b| m.cmp(&b)),
        Value::Bytes(b) => l.bytes.as_deref().map(|x| (**b).cmp(x)),
        Value::Text(s) => Some((**s).cmp(&*l.text)),
        _ => number(v)?.cmp(literal_number(v, l)?),
    }
}

/// `contains`: text in text, bytes in bytes (a byte string like `47:45:54` or the bytes of
/// a quoted string); other values are searched in their words.
pub(crate) fn contains(o: &Occ<'_>, l: &Literal) -> bool {
    match o.value() {
        Value::Text(s) => s.contains(l.text.as_str()),
        Value::Bytes(b) => {
            let needle = match (&l.bytes, l.quoted) {
                (Some(x), false) => x.as_slice(),
                _ => l.text.as_bytes(),
            };
            needle.is_empty() || b.windows(needle.len()).any(|w| w == needle)
        }
        _ => o.shown().contains(l.text.as_str()),
    }
}

/// `matches`: the regular expression finds a match in the text (bytes read as UTF-8, with
/// invalid sequences replaced; other values in their words).
pub(crate) fn matches(o: &Occ<'_>, re: &Regex) -> bool {
    match o.value() {
        Value::Text(s) => re.is_match(s),
        Value::Bytes(b) => re.is_match(&String::from_utf8_lossy(b)),
        _ => re.is_match(&o.shown()),
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
        assert_eq!(parse_bytes("474"), None);
        assert_eq!(parse_bytes("GET"), None);
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
