//! Evaluating an expression against one packet's field tree.
//!
//! Field values are display text (`"80"`, `"0x0002 (SYN)"`, `"Set"`); each
//! occurrence is read as a number, boolean, address or string as the
//! comparison needs (see the module documentation of [`crate::filter`]).

use std::cmp::Ordering;
use std::net::IpAddr;

use crate::dissect::{Dissection, Field};

use super::fields;
use super::lexer::Cmp;
use super::parser::{Expr, Literal, SetItem, Test};

/// A number read from a literal or a field value.
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
    let sep = if s.contains(':') { ':' } else { '-' };
    let mut out = [0u8; 6];
    let mut parts = s.split(sep);
    for b in &mut out {
        let p = parts.next()?;
        if p.len() != 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// The typed readings of one field value's display text.
struct Value<'a> {
    text: &'a str,
    /// `"Text"` of `"Text (1)"`: the words before a parenthesized part.
    word: Option<&'a str>,
    num: Option<Num>,
    boolean: Option<bool>,
}

impl<'a> Value<'a> {
    fn read(text: &'a str) -> Value<'a> {
        let boolean = match text {
            "True" | "Set" => Some(true),
            "False" | "Not set" => Some(false),
            // The one-bit DNS flags are shown in words, as in Wireshark.
            _ => crate::dissect::flag_text_bit(text),
        };
        let paren = text
            .strip_suffix(')')
            .and_then(|t| t.rsplit_once(" ("))
            .filter(|(w, _)| !w.is_empty());
        let lead = text.split_whitespace().next().and_then(parse_num);
        let num = lead
            .or_else(|| paren.and_then(|(_, n)| parse_num(n)))
            .or_else(|| boolean.map(|b| Num::Int(i128::from(b))));
        Value {
            text,
            word: paren.map(|(w, _)| w),
            num,
            boolean,
        }
    }

    fn ip(&self) -> Option<IpAddr> {
        self.text.parse().ok()
    }

    fn equals(&self, l: &Literal) -> bool {
        let as_string = self.text == l.text || self.word == Some(l.text.as_str());
        if l.quoted {
            return as_string;
        }
        if let (Some(a), Some(b)) = (self.num, l.num) {
            return a.cmp(b) == Some(Ordering::Equal);
        }
        if let (Some(a), Some(b)) = (self.boolean, l.boolean) {
            return a == b;
        }
        if let Some(b) = l.ip {
            if let Some(a) = self.ip() {
                return a == b;
            }
        }
        if let Some(b) = l.mac {
            if let Some(a) = parse_mac(self.text) {
                return a == b;
            }
        }
        as_string
    }

    /// Ordering for `<`, `<=`, `>`, `>=`: numbers, then addresses of one family,
    /// then strings (only when the literal is not a number).
    fn order(&self, l: &Literal) -> Option<Ordering> {
        if !l.quoted {
            if let (Some(a), Some(b)) = (self.num, l.num) {
                return a.cmp(b);
            }
            if let (Some(b), Some(a)) = (l.ip, self.ip()) {
                return (a.is_ipv4() == b.is_ipv4()).then(|| a.cmp(&b));
            }
            if let (Some(b), Some(a)) = (l.mac, parse_mac(self.text)) {
                return Some(a.cmp(&b));
            }
            if l.num.is_some() {
                return None;
            }
        }
        Some(self.text.cmp(l.text.as_str()))
    }

    fn in_set(&self, items: &[SetItem]) -> bool {
        items.iter().any(|i| match i {
            SetItem::One(l) => self.equals(l),
            SetItem::Range(lo, hi) => {
                self.order(lo).is_some_and(|o| o != Ordering::Less)
                    && self.order(hi).is_some_and(|o| o != Ordering::Greater)
            }
        })
    }
}

/// Calls `f` on the value of every occurrence of `name` (fields of that name,
/// and the title of layers of that protocol) until it returns true.
fn any_value(d: &Dissection, name: &str, f: &mut dyn FnMut(&str) -> bool) -> bool {
    let names = fields::alias(name);
    let wanted = |n: &str| match names {
        Some([a, b]) => n == a || n == b,
        None => n == name,
    };
    let mut stack = Vec::new();
    for l in &d.layers {
        if wanted(l.protocol) && f(&l.title) {
            return true;
        }
        stack.extend(l.fields.iter().rev());
        while let Some(field) = stack.pop() {
            if wanted(field.name) && f(filter_value(field)) {
                return true;
            }
            stack.extend(field.children.iter().rev());
        }
    }
    false
}

/// The text a field is compared on: its display value, except that a named
/// HTTP header (`http.host`, shown `Host: example.org`) is compared on the
/// header's value, as in Wireshark. `http.header` keeps the whole line.
fn filter_value(f: &Field) -> &str {
    match f.value.split_once(": ") {
        Some((_, v)) if f.label == "Header" && f.name != "http.header" => v,
        _ => &f.value,
    }
}

/// Whether `n` is `name` or below it (`tcp.flags.syn` is below `tcp`).
fn under(n: &str, name: &str) -> bool {
    n.strip_prefix(name)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

fn present(d: &Dissection, name: &str) -> bool {
    if let Some([a, b]) = fields::alias(name) {
        return present(d, a) || present(d, b);
    }
    let mut stack = Vec::new();
    for l in &d.layers {
        if under(l.protocol, name) {
            return true;
        }
        stack.extend(l.fields.iter());
        while let Some(field) = stack.pop() {
            if under(field.name, name) {
                return true;
            }
            stack.extend(field.children.iter());
        }
    }
    false
}

pub fn eval(e: &Expr, d: &Dissection) -> bool {
    match e {
        Expr::All => true,
        Expr::And(v) => v.iter().all(|e| eval(e, d)),
        Expr::Or(v) => v.iter().any(|e| eval(e, d)),
        Expr::Not(e) => !eval(e, d),
        Expr::Has(n) => present(d, n),
        Expr::Test(n, t) => test(n, t, d),
    }
}

fn test(name: &str, t: &Test, d: &Dissection) -> bool {
    test_values(t, &mut |f| any_value(d, name, f))
}

/// Calls the function it is given on the value of every occurrence of a field until that
/// returns true, and says whether it did.
pub(crate) type Occurrences<'a> = dyn FnMut(&mut dyn FnMut(&str) -> bool) -> bool + 'a;

/// Applies test `t` to the occurrences of a field.
pub(crate) fn test_values(t: &Test, each: &mut Occurrences<'_>) -> bool {
    match t {
        Test::Cmp(Cmp::Ne, l) => {
            // Wireshark >= 3.6: `a != b` is `!(a == b)` over the occurrences
            // present: at least one occurrence, and none equal to b.
            let mut seen = false;
            let any_equal = each(&mut |v| {
                seen = true;
                Value::read(v).equals(l)
            });
            seen && !any_equal
        }
        Test::Cmp(Cmp::Eq, l) => each(&mut |v| Value::read(v).equals(l)),
        Test::Cmp(c, l) => each(&mut |v| {
            Value::read(v).order(l).is_some_and(|o| match c {
                Cmp::Lt => o == Ordering::Less,
                Cmp::Le => o != Ordering::Greater,
                Cmp::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            })
        }),
        Test::Contains(s) => each(&mut |v| v.contains(s.as_str())),
        Test::Matches(re) => each(&mut |v| re.is_match(v)),
        Test::In(items) => each(&mut |v| Value::read(v).in_set(items)),
    }
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
    fn macs() {
        assert_eq!(
            parse_mac("00-11-22-33-44-55"),
            Some([0, 0x11, 0x22, 0x33, 0x44, 0x55])
        );
        assert_eq!(parse_mac("00:11:22:33:44"), None);
        assert_eq!(parse_mac("00:11:22:33:44:55:66"), None);
        assert_eq!(parse_mac("0:11:22:33:44:555"), None);
    }

    #[test]
    fn value_readings() {
        let v = Value::read("0x0002 (SYN)");
        assert_eq!((v.num, v.word), (Some(Num::Int(2)), Some("0x0002")));
        let v = Value::read("Text (1)");
        assert_eq!((v.num, v.word), (Some(Num::Int(1)), Some("Text")));
        let v = Value::read("1000 (Normal Closure)");
        assert_eq!(v.num, Some(Num::Int(1000)));
        let v = Value::read("74 bytes");
        assert_eq!(v.num, Some(Num::Int(74)));
        let v = Value::read("IPv4 (0x0800)");
        assert_eq!((v.num, v.word), (Some(Num::Int(0x800)), Some("IPv4")));
        let v = Value::read("Not set");
        assert_eq!((v.num, v.boolean), (Some(Num::Int(0)), Some(false)));
        let v = Value::read("True");
        assert_eq!((v.num, v.boolean), (Some(Num::Int(1)), Some(true)));
        let v = Value::read("Message is a response");
        assert_eq!((v.num, v.boolean), (Some(Num::Int(1)), Some(true)));
        let v = Value::read("Don't do query recursively");
        assert_eq!((v.num, v.boolean), (Some(Num::Int(0)), Some(false)));
        let v = Value::read("2probe");
        assert_eq!(v.num, None);
        let v = Value::read("127.0.0.1");
        assert_eq!(v.num, None);
        assert_eq!(v.ip(), Some("127.0.0.1".parse().unwrap()));
    }
}
