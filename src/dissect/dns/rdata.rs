//! Record data by type: the fixed layouts (RFC 1035 3.3, 3.4; RFC 3596; RFC 2782),
//! TXT strings, OPT options, and the names of types, classes and options.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::name::{push_escaped, read_name, Name, NameErr};
use super::tree::hf;
use super::{arr, be16, be32, Kind, Problem, Record, Span};
use crate::dissect::fmt::hex;
use crate::dissect::{Field, FieldDef, Show, Value};

/// Longest data shown in full in a hex value (the range always covers it all).
const DATA_SHOWN: usize = 64;
pub(super) const T_OPT: u16 = 41;

// ---- Record data -------------------------------------------------------------

#[derive(Clone, Copy)]
enum Part {
    Name,
    U16,
    U32,
    Secs,
    V4,
    V6,
}

type Spec = (Part, &'static FieldDef);

/// The fixed layout of a type's data (RFC 1035 3.3, 3.4; RFC 3596; RFC 2782), and the
/// words that put its first pieces in the record's summary (the Info column shows
/// the same pieces, without the words).
#[rustfmt::skip]
fn layout(rtype: u16) -> (&'static [Spec], &'static [&'static str]) {
    use Part::*;
    static A: [Spec; 1] = [(V4, &hf::A)];
    static NS: [Spec; 1] = [(Name, &hf::NS)];
    static CNAME: [Spec; 1] = [(Name, &hf::CNAME)];
    static SOA: [Spec; 7] = [(Name, &hf::SOA_MNAME), (Name, &hf::SOA_RNAME),
        (U32, &hf::SOA_SERIAL), (Secs, &hf::SOA_REFRESH), (Secs, &hf::SOA_RETRY),
        (Secs, &hf::SOA_EXPIRE), (Secs, &hf::SOA_MINIMUM)];
    static PTR: [Spec; 1] = [(Name, &hf::PTR)];
    static MX: [Spec; 2] = [(U16, &hf::MX_PREFERENCE), (Name, &hf::MX_EXCHANGE)];
    static AAAA: [Spec; 1] = [(V6, &hf::AAAA)];
    static SRV: [Spec; 4] = [(U16, &hf::SRV_PRIORITY), (U16, &hf::SRV_WEIGHT),
        (U16, &hf::SRV_PORT), (Name, &hf::SRV_TARGET)];
    match rtype {
        1 => (&A, &["addr"]),
        2 => (&NS, &["ns"]),
        5 => (&CNAME, &["cname"]),
        6 => (&SOA, &["mname"]),
        12 => (&PTR, &[""]),
        15 => (&MX, &["preference", "mx"]),
        28 => (&AAAA, &["addr"]),
        33 => (&SRV, &["priority", "weight", "port", "target"]),
        _ => (&[], &[]),
    }
}

#[derive(Clone, Debug)]
enum Val {
    Name(Name),
    Num(u32),
    Secs(u32),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
    Text,
    Hex,
    Opt(u16),
}

/// One decoded piece of record data: its field, its bytes, its value.
pub(super) struct Item(pub(super) &'static FieldDef, pub(super) Span, Val);

impl Item {
    /// The piece as a field, its range made by `range` from its span in the message.
    pub(super) fn field(&self, msg: &[u8], range: [u32; 2]) -> Field {
        let (at, len) = self.1;
        let bytes = msg.get(at..at + len).unwrap_or(&[]);
        let def = self.0;
        match &self.2 {
            Val::Name(n) => def.at(n.text.as_str(), range),
            Val::Num(n) => def.at(*n, range),
            Val::Secs(n) => def.at(*n, range).show(Show::Seconds),
            Val::V4(a) => def.at(*a, range),
            Val::V6(a) => def.at(*a, range),
            Val::Text => def.at(self.text(msg), range),
            Val::Hex => def.at(Value::bytes(bytes), range),
            Val::Opt(code) => {
                let data = hex(bytes.get(4..).unwrap_or(&[]), DATA_SHOWN);
                let note = format!(", {} bytes: {data}", len.saturating_sub(4));
                def.at(Value::Named(u64::from(*code), option_name(*code)), range)
                    .note(note)
            }
        }
    }

    pub(super) fn text(&self, msg: &[u8]) -> String {
        let (at, len) = self.1;
        let bytes = msg.get(at..at + len).unwrap_or(&[]);
        let mut s = String::new();
        match &self.2 {
            Val::Name(n) => s.clone_from(&n.text),
            Val::Num(n) => s = n.to_string(),
            Val::Secs(n) => s = format!("{n} ({})", duration(*n)),
            Val::V4(a) => s = a.to_string(),
            Val::V6(a) => s = a.to_string(),
            Val::Text => push_escaped(&mut s, bytes),
            Val::Hex => s = hex(bytes, DATA_SHOWN),
            Val::Opt(code) => {
                let data = hex(bytes.get(4..).unwrap_or(&[]), DATA_SHOWN);
                s = format!("{} ({code}), {} bytes: {data}", option_name(*code), len - 4);
            }
        }
        s
    }
}

/// Where the pieces of some data end (past its end if they do not fit), or a problem.
type Reached = Result<usize, (Kind, Span)>;
type Sink<'s> = &'s mut dyn FnMut(Item);

/// Hand each piece of a record's data to `f`, by its type; the first problem ends it.
pub(super) fn visit_rdata(msg: &[u8], rec: &Record, text: bool, f: Sink<'_>) -> Option<Problem> {
    let (start, end) = (rec.data, rec.end);
    let reached = match rec.rtype {
        16 => strings(msg, start, end, f),
        T_OPT => options(msg, start, end, f),
        t if layout(t).0.is_empty() => {
            if end > start {
                f(Item(&hf::DATA, (start, end - start), Val::Hex));
            }
            Ok(end)
        }
        _ => parts(msg, rec, text, f),
    };
    let (kind, span) = match reached {
        Ok(p) if p == end => return None,
        Ok(p) => (
            Kind::Data(rec.rtype, end - start, p - start),
            (start, end - start),
        ),
        Err(fail) => fail,
    };
    Some(Problem(rec.who, kind, span))
}

/// The pieces of a fixed layout, in order.
fn parts(msg: &[u8], rec: &Record, text: bool, f: Sink<'_>) -> Reached {
    let (mut p, end) = (rec.data, rec.end);
    for &(part, def) in layout(rec.rtype).0 {
        let (val, len) = match part {
            Part::Name => {
                let n = read_name(msg, p, text);
                let Some(len) = n.in_place else {
                    let e = n.err.unwrap_or(NameErr::Cut);
                    return Err((Kind::Name(e, true), (p, end - p)));
                };
                (Val::Name(n), len)
            }
            Part::U16 => (Val::Num(be16(msg, p).map_or(0, u32::from)), 2),
            Part::U32 => (Val::Num(be32(msg, p).unwrap_or(0)), 4),
            Part::Secs => (Val::Secs(be32(msg, p).unwrap_or(0)), 4),
            Part::V4 => (Val::V4(arr(msg, p).unwrap_or([0; 4]).into()), 4),
            Part::V6 => (Val::V6(arr(msg, p).unwrap_or([0; 16]).into()), 16),
        };
        if p + len > end {
            return Ok(p + len);
        }
        let err = if let Val::Name(n) = &val { n.err } else { None };
        f(Item(def, (p, len), val));
        if let Some(e) = err {
            return Err((Kind::Name(e, true), (p, len)));
        }
        p += len;
    }
    Ok(p)
}

/// TXT data: character-strings, each a length byte and that many bytes (RFC 1035 3.3.14).
fn strings(msg: &[u8], mut p: usize, end: usize, f: Sink<'_>) -> Reached {
    while p < end {
        let n = msg.get(p).copied().unwrap_or(0);
        let len = 1 + usize::from(n);
        if p + len > end {
            return Ok(p + len);
        }
        f(Item(&hf::TXT_LENGTH, (p, 1), Val::Num(n.into())));
        f(Item(&hf::TXT, (p + 1, len - 1), Val::Text));
        p += len;
    }
    Ok(p)
}

/// OPT data: options, each a code, a length and that many bytes (RFC 6891 6.1.2).
fn options(msg: &[u8], mut p: usize, end: usize, f: Sink<'_>) -> Reached {
    while p < end {
        let (Some(code), Some(n)) = (be16(msg, p), be16(msg, p + 2)) else {
            return Ok(p + 4);
        };
        let len = 4 + usize::from(n);
        if p + len > end {
            return Ok(p + len);
        }
        f(Item(&hf::OPT, (p, len), Val::Opt(code)));
        p += len;
    }
    Ok(p)
}

// ---- Names of numbers ----------------------------------------------------------

/// Short name and Wireshark's description of record types (IANA "Resource Record (RR) TYPEs").
#[rustfmt::skip]
const TYPES: &[(u16, &str, &str)] = &[
    (1, "A", "Host Address"), (2, "NS", "authoritative Name Server"),
    (5, "CNAME", "Canonical NAME for an alias"), (6, "SOA", "Start Of a zone of Authority"),
    (12, "PTR", "domain name PoinTeR"), (13, "HINFO", "host information"),
    (15, "MX", "Mail eXchange"), (16, "TXT", "Text strings"), (28, "AAAA", "IPv6 Address"),
    (33, "SRV", "Server Selection"), (35, "NAPTR", "Naming Authority PoinTeR"),
    (39, "DNAME", "Non-terminal DNS name redirection"), (41, "OPT", ""),
    (43, "DS", "Delegation Signer"), (46, "RRSIG", "Resource Record Signature"),
    (47, "NSEC", "Next Secure"), (48, "DNSKEY", "DNS Public Key"), (50, "NSEC3", "Next Secure v3"),
    (52, "TLSA", "Transport Layer Security Authentication"),
    (64, "SVCB", "General Purpose Service Endpoints"),
    (65, "HTTPS", "HTTPS Specific Service Endpoints"), (99, "SPF", "Sender Policy Framework"),
    (250, "TSIG", "Transaction Signature"), (251, "IXFR", "Incremental Transfer"),
    (252, "AXFR", "transfer of an entire zone"),
    (255, "ANY", "A request for all records the server/cache has available"),
    (257, "CAA", "Certification Authority Restriction"),
];

/// A record type as a named value with Wireshark's description: `A (Host Address) (1)`.
pub(super) fn type_field(def: &FieldDef, t: u16, range: [u32; 2]) -> Field {
    let v = |name| Value::Named(u64::from(t), name);
    match TYPES.iter().find(|e| e.0 == t) {
        Some((_, n, d)) if !d.is_empty() => def.at(v(n), range).show(Show::NameDesc(d)),
        Some((_, n, _)) => def.at(v(n), range),
        None => def.at(v("Unknown"), range),
    }
}

/// A class as a named value: `IN (0x0001)`.
pub(super) fn class_field(def: &FieldDef, c: u16, range: [u32; 2]) -> Field {
    def.at(Value::Named(u64::from(c), class_name(c)), range)
        .show(Show::Hex(4))
}

fn class_name(c: u16) -> &'static str {
    let names = ["IN", "CS", "CH", "HS"];
    match c {
        1..=4 => names[usize::from(c - 1)],
        254 => "NONE",
        255 => "ANY",
        _ => "Unknown",
    }
}

/// `A`, or `Unknown (n)`; with `long`, Wireshark's Type field: `A (Host Address) (1)`.
pub(super) fn type_str(t: u16, long: bool) -> String {
    match TYPES.iter().find(|e| e.0 == t) {
        Some((_, n, d)) if long && !d.is_empty() => format!("{n} ({d}) ({t})"),
        Some((_, n, _)) if long => format!("{n} ({t})"),
        Some((_, n, _)) => n.to_string(),
        None => format!("Unknown ({t})"),
    }
}

pub(super) fn type_name(t: u16) -> String {
    type_str(t, false)
}

/// `IN`, or with `long` Wireshark's Class field: `IN (0x0001)`.
pub(super) fn class_str(c: u16, long: bool) -> String {
    let n = class_name(c);
    if long {
        format!("{n} (0x{c:04x})")
    } else {
        n.to_string()
    }
}

/// EDNS option codes (IANA "DNS EDNS0 Option Codes").
fn option_name(code: u16) -> &'static str {
    match code {
        3 => "NSID",
        8 => "CSUBNET - Client subnet",
        10 => "COOKIE",
        11 => "EDNS TCP Keepalive",
        12 => "PADDING",
        15 => "Extended DNS Error",
        _ => "Unknown",
    }
}

/// `1 hour, 1 minute, 1 second`, as Wireshark writes a TTL.
pub(super) fn duration(secs: u32) -> String {
    crate::dissect::fmt::duration_words(secs)
}

/// The pieces of a record's data, and the words that put the first ones in its summary.
pub(super) fn rdata_items(msg: &[u8], rec: &Record) -> (Vec<Item>, &'static [&'static str]) {
    let mut items = Vec::new();
    visit_rdata(msg, rec, true, &mut |it| items.push(it));
    (items, layout(rec.rtype).1)
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{assorted, at, layer, msg, nxdomain};
    use super::super::{info, DnsView};
    use super::{duration, type_str};

    #[test]
    fn nxdomain_with_soa() {
        let n = nxdomain();
        assert_eq!(DnsView::new(&n).unwrap().rcode(), 3);
        let text =
            "Standard query response 0xbeef No such name A nx.example.org SOA ns.example.org";
        assert_eq!(info(&n).unwrap(), text);
        let (l, warnings) = layer(&n);
        assert!(warnings.is_empty());
        let flags = l.find("dns.flags").unwrap();
        assert_eq!(
            flags.shown(),
            "0x8183 Standard query response, No such name"
        );
        assert_eq!(
            l.find("dns.flags.rcode").unwrap().shown(),
            "No such name (3)"
        );
        let soa = &l.find("dns.authorities").unwrap().children[0];
        assert_eq!(soa.label, "Authority record");
        assert_eq!(
            soa.shown(),
            "example.org: type SOA, class IN, mname ns.example.org"
        );
        let value = |name| soa.find(name).unwrap().shown();
        assert_eq!(value("dns.resp.ttl"), "900 (15 minutes)");
        assert_eq!(value("dns.soa.rname"), "hostmaster.example.org");
        assert_eq!(value("dns.soa.serial_number"), "2024010101");
        assert_eq!(value("dns.soa.refresh_interval"), "7200 (2 hours)");
        assert_eq!(value("dns.soa.expire_limit"), "1209600 (14 days)");
        assert_eq!(at(soa.find("dns.soa.mname").unwrap()).1, [44, 49]);
    }

    #[test]
    fn assorted_record_types() {
        let m = assorted();
        assert_eq!(
            info(&m).unwrap(),
            "Standard query response 0x0001 ANY example.org NS ns.example.org \
             MX 10 mail.example.org TXT PTR host.example.org SRV 1 5 5060 sip.example.org HTTPS"
        );
        let (l, warnings) = layer(&m);
        assert!(warnings.is_empty(), "{warnings:?}");
        let ans = &l.find("dns.answers").unwrap().children;
        let mx = "example.org: type MX, class IN, preference 10, mx mail.example.org";
        assert_eq!(ans[1].shown(), mx);
        let txt: Vec<_> = ans[2]
            .children
            .iter()
            .filter(|f| f.name == "dns.txt")
            .collect();
        assert_eq!(
            (txt[0].shown().as_str(), txt[1].shown().as_str()),
            ("v=spf1 -all", "abc")
        );
        assert_eq!(
            ans[3].shown(),
            "example.org: type PTR, class IN, host.example.org"
        );
        assert_eq!(ans[4].find("dns.srv.port").unwrap().shown(), "5060");
        assert_eq!(
            ans[5].find("dns.data").unwrap().shown(),
            "00010000010003026832"
        );
        let ty = ans[5].find("dns.resp.type").unwrap();
        assert_eq!(ty.shown(), "HTTPS (HTTPS Specific Service Endpoints) (65)");
        assert_eq!(type_str(1234, true), "Unknown (1234)");
        assert_eq!(duration(3661), "1 hour, 1 minute, 1 second");
        assert_eq!(duration(0), "0 seconds");
        let most = "49710 days, 6 hours, 28 minutes, 15 seconds";
        assert_eq!(duration(u32::MAX), most);
    }

    #[test]
    fn data_that_does_not_fit_its_type() {
        let short_a = msg(&[
            "0013 8180 0001 0001 0000 0000",
            "=e.org",
            "0001 0001",
            "c00c 0001 0001 0000003c 0003 010203",
        ]);
        assert_eq!(
            info(&short_a).unwrap(),
            "Standard query response 0x0013 A e.org A"
        );
        let (l, warnings) = layer(&short_a);
        assert_eq!(
            warnings,
            ["DNS answer 1: A data length is 3 bytes, its contents take 4"]
        );
        assert!(l.find("dns.a").is_none());
    }
}
