//! Typed field values and how they are shown (Wireshark's `FT_*` types, `BASE_*` display
//! and value strings are the model).
//!
//! A [`Field`](super::Field) carries a [`Value`], the truth that filters compare and
//! exports carry, plus a [`Show`] that says how to put it in words (hex with a width,
//! `Set`/`Not set`, a unit) and an optional note appended to those words (`" [correct]"`).
//! The display text is rendered from these where it is shown; nothing parses it back.

use std::fmt::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

use super::fmt::{duration_words, mac, one_line, secs, utc};

/// Bytes shown in full by the plain hex rendering of [`Value::Bytes`] (then `…`).
pub const BYTES_SHOWN: usize = 64;

/// The value of one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A heading with no value of its own (a protocol, a group of fields).
    None,
    Unsigned(u64),
    Signed(i64),
    Bool(bool),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Mac([u8; 6]),
    Bytes(Box<[u8]>),
    Text(Box<str>),
    /// Nanoseconds since the Unix epoch.
    Time(i64),
    /// Nanoseconds.
    Duration(i64),
    /// A number with its name from the protocol's table (opcode 1 `Text`, EtherType 0x0800
    /// `IPv4`); `Unknown` when the table has none.
    Named(u64, &'static str),
    /// A link to another packet: its number, from 1 (Wireshark's `FT_FRAMENUM`).
    Frame(u64),
    /// Links to several packets (the frames a message was reassembled from), by number.
    Frames(Box<[u64]>),
}

/// The type of a [`Value`], as a field definition declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    None,
    Unsigned,
    Signed,
    Bool,
    Ipv4,
    Ipv6,
    Mac,
    Bytes,
    Text,
    Time,
    Duration,
    Named,
    Frame,
    Frames,
}

impl Kind {
    /// The name used in `inspect --json` and in messages (`uint`, `ipv4`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Kind::None => "none",
            Kind::Unsigned => "uint",
            Kind::Signed => "int",
            Kind::Bool => "bool",
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Mac => "mac",
            Kind::Bytes => "bytes",
            Kind::Text => "text",
            Kind::Time => "time",
            Kind::Duration => "duration",
            Kind::Named => "named",
            Kind::Frame => "frame",
            Kind::Frames => "frames",
        }
    }
}

impl Value {
    /// Its type.
    pub fn kind(&self) -> Kind {
        match self {
            Value::None => Kind::None,
            Value::Unsigned(_) => Kind::Unsigned,
            Value::Signed(_) => Kind::Signed,
            Value::Bool(_) => Kind::Bool,
            Value::Ipv4(_) => Kind::Ipv4,
            Value::Ipv6(_) => Kind::Ipv6,
            Value::Mac(_) => Kind::Mac,
            Value::Bytes(_) => Kind::Bytes,
            Value::Text(_) => Kind::Text,
            Value::Time(_) => Kind::Time,
            Value::Duration(_) => Kind::Duration,
            Value::Named(..) => Kind::Named,
            Value::Frame(_) => Kind::Frame,
            Value::Frames(_) => Kind::Frames,
        }
    }

    /// Text (owned).
    pub fn text(s: impl Into<Box<str>>) -> Value {
        Value::Text(s.into())
    }

    /// Bytes (copied).
    pub fn bytes(b: &[u8]) -> Value {
        Value::Bytes(b.into())
    }

    /// The packets this value links to, by number (from 1).
    pub fn links(&self) -> &[u64] {
        match self {
            Value::Frame(n) => std::slice::from_ref(n),
            Value::Frames(v) => v,
            _ => &[],
        }
    }
}

macro_rules! unsigned_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::Unsigned(v as u64)
            }
        }
    )*};
}
unsigned_from!(u8, u16, u32, u64, usize);

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl From<Ipv4Addr> for Value {
    fn from(v: Ipv4Addr) -> Value {
        Value::Ipv4(v)
    }
}

impl From<Ipv6Addr> for Value {
    fn from(v: Ipv6Addr) -> Value {
        Value::Ipv6(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.into())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v.into())
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.as_str().into())
    }
}

/// How a value is put in words (Wireshark's `BASE_*` and friends).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Show {
    /// The value's own words: decimal, `True`/`False`, an address, hex bytes, the text,
    /// a UTC date, `1.5 seconds`, `Text (1)`, a packet number, `3, 4, 5`.
    #[default]
    Plain,
    /// Nothing of the value: the note says it all.
    Hidden,
    /// `0x0800` with at least this many hex digits (`IPv4 (0x0800)` for a named number).
    Hex(u8),
    /// `0x1c46 (7238)`.
    HexDec(u8),
    /// `7238 (0x1c46)`.
    DecHex(u8),
    /// A bit: `Set` / `Not set`.
    SetNotSet,
    /// A bit in words: the first for true, the second for false.
    Words(&'static str, &'static str),
    /// A number and its unit: `74 bytes`, `250 ms`.
    Unit(&'static str),
    /// A named number with a description: `A (Host Address) (1)`.
    NameDesc(&'static str),
    /// Seconds, and the same in words: `300 (5 minutes)`.
    Seconds,
    /// A time as seconds since the epoch: `1714564800.123456789`.
    EpochSecs,
    /// A duration in milliseconds: `0.250 ms`.
    Millis,
    /// A link: `packet 12`.
    Packet,
    /// Links with their count: `4 (in packets 16, 17, 18, 19)`.
    InPackets,
    /// Bytes as text (control characters escaped) when `text` and they are UTF-8, else as
    /// spaced hex; cut after `max` characters with `…`. Text on one line, cut the same way.
    Preview { text: bool, max: u16 },
    /// Bytes as spaced hex: `3f 2a 91 c0`.
    HexSpaced,
    /// Bytes by their count: `12 bytes`.
    ByteCount,
}

/// Writes `v` as `show` says into `out`.
pub fn render(out: &mut String, v: &Value, show: Show) {
    let _ = render_fmt(out, v, show);
}

fn render_fmt(out: &mut String, v: &Value, show: Show) -> fmt::Result {
    let w = |n: u8| usize::from(n);
    match (show, v) {
        (Show::Hidden, _) | (_, Value::None) => Ok(()),
        (Show::Hex(n), Value::Unsigned(x)) => write!(out, "0x{x:0w$x}", w = w(n)),
        (Show::Hex(n), Value::Named(x, name)) => write!(out, "{name} (0x{x:0w$x})", w = w(n)),
        (Show::HexDec(n), Value::Unsigned(x)) => write!(out, "0x{x:0w$x} ({x})", w = w(n)),
        (Show::DecHex(n), Value::Unsigned(x)) => write!(out, "{x} (0x{x:0w$x})", w = w(n)),
        (Show::SetNotSet, Value::Bool(b)) => out.write_str(if *b { "Set" } else { "Not set" }),
        (Show::Words(yes, no), Value::Bool(b)) => out.write_str(if *b { yes } else { no }),
        (Show::Unit(unit), v) => {
            render_fmt(out, v, Show::Plain)?;
            out.write_str(unit)
        }
        (Show::NameDesc(d), Value::Named(x, name)) => write!(out, "{name} ({d}) ({x})"),
        (Show::Seconds, Value::Unsigned(x)) => {
            let words = duration_words(u32::try_from(*x).unwrap_or(u32::MAX));
            write!(out, "{x} ({words})")
        }
        (Show::EpochSecs, Value::Time(ns)) => out.write_str(&secs(*ns)),
        (Show::Millis, Value::Duration(ns)) => write!(out, "{:.3} ms", *ns as f64 / 1e6),
        (Show::Packet, Value::Frame(n)) => write!(out, "packet {n}"),
        (Show::InPackets, Value::Frames(v)) => {
            write!(out, "{} (in packets ", v.len())?;
            list(out, v)?;
            out.write_char(')')
        }
        (Show::Preview { text, max }, Value::Bytes(b)) => {
            preview(out, b, text, usize::from(max));
            Ok(())
        }
        (Show::Preview { max, .. }, Value::Text(s)) => {
            out.write_str(&one_line(s, usize::from(max)))
        }
        (Show::HexSpaced, Value::Bytes(b)) => {
            spaced_hex(out, b, usize::MAX);
            Ok(())
        }
        (Show::ByteCount, Value::Bytes(b)) => write!(out, "{} bytes", b.len()),
        (_, v) => plain(out, v),
    }
}

fn plain(out: &mut String, v: &Value) -> fmt::Result {
    match v {
        Value::None => Ok(()),
        Value::Unsigned(x) => write!(out, "{x}"),
        Value::Signed(x) => write!(out, "{x}"),
        Value::Bool(b) => out.write_str(if *b { "True" } else { "False" }),
        Value::Ipv4(a) => write!(out, "{a}"),
        Value::Ipv6(a) => write!(out, "{a}"),
        Value::Mac(m) => out.write_str(&mac(m)),
        Value::Bytes(b) => out.write_str(&super::fmt::hex(b, BYTES_SHOWN)),
        Value::Text(s) => out.write_str(s),
        Value::Time(ns) => out.write_str(&utc(*ns)),
        Value::Duration(ns) => write!(out, "{} seconds", secs(*ns)),
        Value::Named(x, name) => write!(out, "{name} ({x})"),
        Value::Frame(n) => write!(out, "{n}"),
        Value::Frames(v) => list(out, v),
    }
}

fn list(out: &mut String, v: &[u64]) -> fmt::Result {
    for (i, n) in v.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write!(out, "{n}")?;
    }
    Ok(())
}

fn spaced_hex(out: &mut String, b: &[u8], max_bytes: usize) {
    for (i, x) in b.iter().take(max_bytes).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{x:02x}");
    }
    if b.len() > max_bytes {
        out.push('…');
    }
}

/// Text when asked for and valid UTF-8, else spaced hex, within `max` characters.
fn preview(out: &mut String, b: &[u8], text: bool, max: usize) {
    match (text, std::str::from_utf8(b)) {
        (true, Ok(s)) => out.push_str(&one_line(s, max)),
        _ => spaced_hex(out, b, max / 3),
    }
}

impl fmt::Display for Value {
    /// The plain rendering ([`Show::Plain`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        render(&mut s, self, Show::Plain);
        f.write_str(&s)
    }
}

/// A field's definition, as a protocol module declares it next to the code that emits the
/// field (Wireshark's `hf_register_info`): the filter's list of names, their completion
/// and the type a filter literal is checked against all come from these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDef {
    /// The filter name (`tcp.srcport`), or a protocol's (`tcp`).
    pub name: &'static str,
    /// The label shown in the tree (`Source Port`).
    pub label: &'static str,
    /// The type of the values it carries ([`Kind::None`] for protocols and headings).
    pub kind: Kind,
    /// What it is, for completion and `known_fields`.
    pub description: &'static str,
}

impl FieldDef {
    /// A field of this definition with `value` at `range`, shown plainly.
    pub fn at(&self, value: impl Into<Value>, range: super::tree::Range) -> super::Field {
        super::Field {
            name: self.name,
            label: self.label,
            value: value.into(),
            show: Show::Plain,
            note: None,
            range,
            src: super::Src::Frame,
            children: Vec::new(),
        }
    }
}

/// Declares field definitions as statics, and `FIELDS`, the list of them all:
///
/// ```ignore
/// fields! {
///     SRCPORT = "tcp.srcport", "Source Port", Unsigned;
///     PORT = "tcp.port", "Port", Unsigned, "Source or destination TCP port";
/// }
/// ```
/// The description defaults to the label.
macro_rules! fields {
    ($($id:ident = $name:literal, $label:literal, $kind:ident $(, $desc:literal)?;)*) => {
        $(
            #[doc = $name]
            pub(crate) static $id: $crate::dissect::FieldDef = $crate::dissect::FieldDef {
                name: $name,
                label: $label,
                kind: $crate::dissect::Kind::$kind,
                description: {
                    #[allow(unused_variables)]
                    let d = $label;
                    $(let d = $desc;)?
                    d
                },
            };
        )*
        /// Every field this module defines.
        pub(crate) static FIELDS: &[&$crate::dissect::FieldDef] = &[$(&$id),*];
    };
}
pub(crate) use fields;

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(v: Value, s: Show) -> String {
        let mut out = String::new();
        render(&mut out, &v, s);
        out
    }

    #[test]
    fn renderings() {
        assert_eq!(shown(Value::Unsigned(2), Show::Hex(3)), "0x002");
        assert_eq!(
            shown(Value::Named(0x800, "IPv4"), Show::Hex(4)),
            "IPv4 (0x0800)"
        );
        assert_eq!(shown(Value::Named(1, "Text"), Show::Plain), "Text (1)");
        assert_eq!(
            shown(Value::Unsigned(7238), Show::HexDec(4)),
            "0x1c46 (7238)"
        );
        assert_eq!(
            shown(Value::Unsigned(7238), Show::DecHex(4)),
            "7238 (0x1c46)"
        );
        assert_eq!(shown(Value::Bool(false), Show::SetNotSet), "Not set");
        assert_eq!(shown(Value::Bool(true), Show::Plain), "True");
        assert_eq!(shown(Value::Unsigned(74), Show::Unit(" bytes")), "74 bytes");
        assert_eq!(
            shown(Value::Unsigned(300), Show::Seconds),
            "300 (5 minutes)"
        );
        assert_eq!(
            shown(Value::Named(1, "A"), Show::NameDesc("Host Address")),
            "A (Host Address) (1)"
        );
        assert_eq!(
            shown(Value::Duration(1_500_000_000), Show::Plain),
            "1.500000000 seconds"
        );
        assert_eq!(shown(Value::Duration(250_000), Show::Millis), "0.250 ms");
        assert_eq!(
            shown(Value::Time(1_000_000_001), Show::EpochSecs),
            "1.000000001"
        );
        assert_eq!(shown(Value::Frame(12), Show::Packet), "packet 12");
        assert_eq!(
            shown(Value::Frames([16, 17].into()), Show::InPackets),
            "2 (in packets 16, 17)"
        );
        assert_eq!(shown(Value::bytes(&[0x3f, 0x2a]), Show::HexSpaced), "3f 2a");
        assert_eq!(shown(Value::bytes(&[0x3f, 0x2a]), Show::Plain), "3f2a");
        assert_eq!(
            shown(
                Value::bytes(b"a\nb"),
                Show::Preview {
                    text: true,
                    max: 10
                }
            ),
            "a\\nb"
        );
        assert_eq!(shown(Value::bytes(&[1, 2, 3]), Show::ByteCount), "3 bytes");
        assert_eq!(
            shown(Value::Mac([0, 0x11, 0x22, 0x33, 0x44, 0x55]), Show::Plain),
            "00:11:22:33:44:55"
        );
        assert_eq!(shown(Value::Unsigned(9), Show::Hidden), "");
        assert_eq!(Value::Frames([3, 4].into()).links(), [3, 4]);
    }
}
