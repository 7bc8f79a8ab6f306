//! DNS (RFC 1035) at layer 7: a bounds-checked view of the message, the field
//! tree, and the Info column as tshark writes it.
//!
//! Lax like the rest of `dissect`: a message cut short, or with broken names,
//! shows every record that decoded, and its first problem becomes the one
//! warning of the message ([`malformed`] answers the same question without
//! allocating, for the summary's anomaly bit). Counts come from the packet, so
//! nothing is sized by them: every loop is bounded by the bytes left.

use std::fmt::{Display, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

use super::fmt::hex;
use super::tree::{Field, Layer, Tree};
use super::Osi;

/// Header layout (RFC 1035 4.1.1): ID, flags, then four 16-bit counts.
mod field {
    pub const FLAGS: usize = 2;
    pub const COUNTS: usize = 4;
    pub const HEADER_LEN: usize = 12;
}
use field::HEADER_LEN;

/// Most pointers followed in one name, so loops end (RFC 1035 4.1.4 sets no limit).
const MAX_HOPS: usize = 32;
/// Longest name on the wire, length bytes included (RFC 1035 2.3.4).
const MAX_NAME: usize = 255;
/// Longest data shown in full in a hex value (the range always covers it all).
const DATA_SHOWN: usize = 64;
const T_OPT: u16 = 41;

/// A zero-copy view of a DNS message; every accessor is bounds-checked and never panics.
#[derive(Clone, Copy, Debug)]
pub struct DnsView<'a> {
    bytes: &'a [u8],
}

impl<'a> DnsView<'a> {
    /// `None` if fewer than 12 bytes (the header).
    pub fn new(bytes: &'a [u8]) -> Option<DnsView<'a>> {
        (bytes.len() >= HEADER_LEN).then_some(DnsView { bytes })
    }
    pub fn id(&self) -> u16 {
        be16(self.bytes, 0).unwrap_or(0)
    }
    pub fn flags(&self) -> u16 {
        be16(self.bytes, field::FLAGS).unwrap_or(0)
    }
    pub fn is_response(&self) -> bool {
        self.flags() & 0x8000 != 0
    }
    pub fn opcode(&self) -> u8 {
        (self.flags() >> 11) as u8 & 0x0f
    }
    pub fn rcode(&self) -> u8 {
        self.flags() as u8 & 0x0f
    }
    pub fn qdcount(&self) -> u16 {
        self.count(0)
    }
    pub fn ancount(&self) -> u16 {
        self.count(1)
    }
    pub fn nscount(&self) -> u16 {
        self.count(2)
    }
    pub fn arcount(&self) -> u16 {
        self.count(3)
    }
    fn count(&self, section: usize) -> u16 {
        be16(self.bytes, field::COUNTS + 2 * section).unwrap_or(0)
    }
}

fn arr<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at.checked_add(N)?)?.try_into().ok()
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    arr(b, at).map(u16::from_be_bytes)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    arr(b, at).map(u32::from_be_bytes)
}

/// Plausibility test for a UDP/TCP payload on port 53 (or 5353): a header, an
/// opcode in 0..=6 but not 3, at most 16 questions, and a first record (the first
/// question, or the first answer of a question-less mDNS announcement) that decodes.
pub(crate) fn looks_like_dns(bytes: &[u8]) -> bool {
    let Some(v) = DnsView::new(bytes) else {
        return false;
    };
    if !matches!(v.opcode(), 0..=2 | 4..=6) || v.qdcount() > 16 {
        return false;
    }
    matches!(walk(bytes, false).next(), Some(Ok(r)) if r.name.err.is_none())
}

/// DNS over TCP (RFC 1035 4.2.2): the message after the 2-byte length prefix, when
/// the prefix announces at least a header and a header follows; cut to that length.
pub(crate) fn tcp_dns(bytes: &[u8]) -> Option<&[u8]> {
    let len = usize::from(be16(bytes, 0)?);
    let rest = bytes.get(2..)?;
    let whole = len >= HEADER_LEN && rest.len() >= HEADER_LEN;
    whole.then(|| &rest[..len.min(rest.len())])
}

/// Whether [`dns_layer`] adds a warning for these bytes; allocates nothing, for the
/// summary's anomaly bit.
pub(crate) fn malformed(bytes: &[u8]) -> bool {
    bytes.len() < HEADER_LEN || scan(bytes).0 > 0
}

// ---- Names -------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameErr {
    Cut,
    Loop,
    PastEnd,
    TooLong,
    LabelType(u8),
}

impl NameErr {
    /// What the name shows in place of what could not be read (Wireshark's words where
    /// it has them), and what the warning says.
    fn words(self) -> (&'static str, &'static str) {
        match self {
            NameErr::Cut => ("<name cut short>", "runs past the end of the message"),
            NameErr::Loop => (
                "<Name contains a pointer that loops>",
                "has compression pointers that loop (over 32 jumps)",
            ),
            NameErr::PastEnd => (
                "<pointer past the end of the message>",
                "has a compression pointer past the end of the message",
            ),
            NameErr::TooLong => ("<name longer than 255 bytes>", "is longer than 255 bytes"),
            NameErr::LabelType(_) => ("<Unknown extended label>", "uses a reserved label type"),
        }
    }
}

/// A decoded domain name.
#[derive(Clone, Debug, Default)]
struct Name {
    /// Escaped text (`<Root>` for the root); empty when text was not asked for.
    text: String,
    /// Bytes it takes where it stands (through its first pointer); `None` if unknown.
    in_place: Option<usize>,
    /// Length of the dotted name and number of labels.
    len: usize,
    labels: usize,
    err: Option<NameErr>,
}

impl Name {
    fn push(&mut self, label: &[u8], text: bool) {
        self.len += label.len() + usize::from(self.labels > 0);
        if text {
            if self.labels > 0 {
                self.text.push('.');
            }
            push_escaped(&mut self.text, label);
        }
        self.labels += 1;
    }
    fn finish(&mut self, err: Option<NameErr>, text: bool) {
        self.err = err;
        let marker = match err {
            Some(e) => e.words().0,
            None if self.labels == 0 => "<Root>",
            None => return,
        };
        if text {
            let sep = if self.text.is_empty() { "" } else { " " };
            write!(self.text, "{sep}{marker}").unwrap_or(());
        }
    }
}

/// Read the name at `at` (RFC 1035 3.1, with 4.1.4 compression). Ends after at most
/// [`MAX_HOPS`] pointers and [`MAX_NAME`] bytes of labels, so it cannot loop.
fn read_name(msg: &[u8], at: usize, text: bool) -> Name {
    let mut n = Name::default();
    let (mut pos, mut hops, mut wire) = (at, 0, 1);
    let err = loop {
        let Some(&b) = msg.get(pos) else {
            break Some(NameErr::Cut);
        };
        if b == 0 {
            n.in_place.get_or_insert_with(|| pos + 1 - at);
            break None;
        } else if b < 0x40 {
            let Some(label) = msg.get(pos + 1..pos + 1 + usize::from(b)) else {
                break Some(NameErr::Cut);
            };
            wire += label.len() + 1;
            if wire > MAX_NAME {
                break Some(NameErr::TooLong);
            }
            n.push(label, text);
            pos += 1 + label.len();
        } else if b < 0xc0 {
            break Some(NameErr::LabelType(b & 0xc0));
        } else {
            let Some(&lo) = msg.get(pos + 1) else {
                break Some(NameErr::Cut);
            };
            n.in_place.get_or_insert_with(|| pos + 2 - at);
            hops += 1;
            pos = usize::from(b & 0x3f) << 8 | usize::from(lo);
            if hops > MAX_HOPS {
                break Some(NameErr::Loop);
            } else if pos >= msg.len() {
                break Some(NameErr::PastEnd);
            }
        }
    };
    n.finish(err, text);
    n
}

/// Label or text bytes as Wireshark shows them: UTF-8 kept, control bytes as `\NNN`
/// (octal); and, where Wireshark would lose them, bytes that are not UTF-8 as `\xNN`
/// and `\` itself as `\\`.
fn push_escaped(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_ascii_control() => write!(out, "\\{:03o}", c as u32).unwrap_or(()),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            write!(out, "\\x{b:02x}").unwrap_or(());
        }
    }
}

// ---- Records -----------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Question,
    Answer,
    Authority,
    Additional,
}

const SECTIONS: [Section; 4] = [
    Section::Question,
    Section::Answer,
    Section::Authority,
    Section::Additional,
];

impl Section {
    /// Noun in messages, group field name and label, item label.
    #[rustfmt::skip]
    fn words(self) -> [&'static str; 4] {
        match self {
            Section::Question => ["question", "dns.queries", "Queries", "Query"],
            Section::Answer => ["answer", "dns.answers", "Answers", "Answer"],
            Section::Authority => ["authority record", "dns.authorities",
                "Authoritative nameservers", "Authority record"],
            Section::Additional => ["additional record", "dns.additionals",
                "Additional records", "Additional record"],
        }
    }
}

/// A section and a 1-based index in it; a (start, length) in the message.
type Who = (Section, usize);
type Span = (usize, usize);

/// A question (RFC 1035 4.1.2) or resource record (4.1.3) that fits in the message.
#[derive(Debug)]
struct Record {
    who: Who,
    start: usize,
    name: Name,
    rtype: u16,
    class: u16,
    ttl: u32,
    /// Where the RR's data starts (a question's end).
    data: usize,
    end: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Needs, have, and whether "needs" is only a lower bound.
    Cut(usize, usize, bool),
    /// The error, and whether the name is in the record's data.
    Name(NameErr, bool),
    /// Type, data length, and the length its contents take.
    Data(u16, usize, usize),
}

/// Something wrong in a message: the record, what, and the bytes concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Problem(Who, Kind, Span);

impl Problem {
    fn message(&self) -> String {
        let what = format!("DNS {} {}", self.0 .0.words()[0], self.0 .1);
        match self.1 {
            Kind::Cut(needs, have, at_least) => {
                let least = if at_least { "at least " } else { "" };
                format!("{what} is cut short: needs {least}{needs} bytes, {have} captured")
            }
            Kind::Name(e, false) => format!("{what}: its name {}", e.words().1),
            Kind::Name(e, true) => format!("{what}: a name in its data {}", e.words().1),
            Kind::Data(ty, rdlen, used) => {
                let ty = type_name(ty);
                format!("{what}: {ty} data length is {rdlen} bytes, its contents take {used}")
            }
        }
    }
}

fn read_record(msg: &[u8], at: usize, who: Who, text: bool) -> Result<Record, Problem> {
    let fixed = if who.0 == Section::Question { 4 } else { 10 };
    let have = msg.len().saturating_sub(at);
    let cut = |needs, least| Err(Problem(who, Kind::Cut(needs, have, least), (at, have)));
    let name = read_name(msg, at, text);
    let Some(nlen) = name.in_place else {
        return match name.err {
            Some(NameErr::Cut) | None => cut(have + 1 + fixed, true),
            Some(e) => Err(Problem(who, Kind::Name(e, false), (at, have))),
        };
    };
    let (p, rr) = (at + nlen, fixed == 10);
    if have < nlen + fixed {
        return cut(nlen + fixed, rr);
    }
    let rdlen = be16(msg, p + 8).filter(|_| rr).map_or(0, usize::from);
    let end = p + fixed + rdlen;
    if end > msg.len() {
        return cut(end - at, false);
    }
    let (rtype, class) = (be16(msg, p).unwrap_or(0), be16(msg, p + 2).unwrap_or(0));
    let ttl = be32(msg, p + 4).filter(|_| rr).unwrap_or(0);
    let data = p + fixed;
    Ok(Record {
        who,
        start: at,
        name,
        rtype,
        class,
        ttl,
        data,
        end,
    })
}

/// The records of a message in order; a problem that stops decoding ends it. Each
/// record takes at least 5 bytes, so the walk is bounded by the bytes, not the counts.
struct Walk<'a> {
    msg: &'a [u8],
    counts: [u16; 4],
    /// Byte offset; section number and records read in it; names as text or not.
    at: usize,
    pos: (usize, usize),
    text: bool,
}

fn walk(msg: &[u8], text: bool) -> Walk<'_> {
    let v = DnsView { bytes: msg };
    let counts = [v.qdcount(), v.ancount(), v.nscount(), v.arcount()];
    let at = if msg.len() < HEADER_LEN {
        usize::MAX
    } else {
        HEADER_LEN
    };
    Walk {
        msg,
        counts,
        at,
        pos: (0, 0),
        text,
    }
}

impl Iterator for Walk<'_> {
    type Item = Result<Record, Problem>;
    fn next(&mut self) -> Option<Self::Item> {
        while self.pos.0 < 4 && self.pos.1 >= usize::from(self.counts[self.pos.0]) {
            self.pos = (self.pos.0 + 1, 0);
        }
        if self.at == usize::MAX || self.pos.0 == 4 {
            return None;
        }
        self.pos.1 += 1;
        let who = (SECTIONS[self.pos.0], self.pos.1);
        let r = read_record(self.msg, self.at, who, self.text);
        self.at = r.as_ref().map_or(usize::MAX, |rec| rec.end);
        Some(r)
    }
}

/// How many problems the message has, and the first (no allocation).
fn scan(msg: &[u8]) -> (usize, Option<Problem>) {
    let (mut count, mut first) = (0, None);
    let mut note = |p: Problem| {
        count += 1;
        first.get_or_insert(p);
    };
    for step in walk(msg, false) {
        let rec = match step {
            Ok(rec) => rec,
            Err(p) => {
                note(p);
                break;
            }
        };
        if let Some(e) = rec.name.err {
            let span = (rec.start, rec.name.in_place.unwrap_or(0));
            note(Problem(rec.who, Kind::Name(e, false), span));
        }
        if rec.who.0 != Section::Question {
            if let Some(p) = visit_rdata(msg, &rec, false, &mut |_| {}) {
                note(p);
            }
        }
    }
    (count, first)
}

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

type Spec = (Part, &'static str, &'static str);

/// The fixed layout of a type's data (RFC 1035 3.3, 3.4; RFC 3596; RFC 2782), and the
/// words that put its first pieces in the record's summary (the Info column shows
/// the same pieces, without the words).
#[rustfmt::skip]
fn layout(rtype: u16) -> (&'static [Spec], &'static [&'static str]) {
    use Part::*;
    match rtype {
        1 => (&[(V4, "dns.a", "Address")], &["addr"]),
        2 => (&[(Name, "dns.ns", "Name Server")], &["ns"]),
        5 => (&[(Name, "dns.cname", "CNAME")], &["cname"]),
        6 => (&[(Name, "dns.soa.mname", "Primary name server"),
                (Name, "dns.soa.rname", "Responsible authority's mailbox"),
                (U32, "dns.soa.serial_number", "Serial Number"),
                (Secs, "dns.soa.refresh_interval", "Refresh Interval"),
                (Secs, "dns.soa.retry_interval", "Retry Interval"),
                (Secs, "dns.soa.expire_limit", "Expire limit"),
                (Secs, "dns.soa.minimum_ttl", "Minimum TTL")], &["mname"]),
        12 => (&[(Name, "dns.ptr.domain_name", "Domain Name")], &[""]),
        15 => (&[(U16, "dns.mx.preference", "Preference"),
                 (Name, "dns.mx.mail_exchange", "Mail Exchange")], &["preference", "mx"]),
        28 => (&[(V6, "dns.aaaa", "AAAA Address")], &["addr"]),
        33 => (&[(U16, "dns.srv.priority", "Priority"), (U16, "dns.srv.weight", "Weight"),
                 (U16, "dns.srv.port", "Port"), (Name, "dns.srv.target", "Target")],
               &["priority", "weight", "port", "target"]),
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

/// One decoded piece of record data: field name and label, its bytes, its value.
struct Item(&'static str, &'static str, Span, Val);

impl Item {
    fn text(&self, msg: &[u8]) -> String {
        let (at, len) = self.2;
        let bytes = msg.get(at..at + len).unwrap_or(&[]);
        let mut s = String::new();
        match &self.3 {
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
fn visit_rdata(msg: &[u8], rec: &Record, text: bool, f: Sink<'_>) -> Option<Problem> {
    let (start, end) = (rec.data, rec.end);
    let reached = match rec.rtype {
        16 => strings(msg, start, end, f),
        T_OPT => options(msg, start, end, f),
        t if layout(t).0.is_empty() => {
            if end > start {
                f(Item("dns.data", "Data", (start, end - start), Val::Hex));
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
    for &(part, name, label) in layout(rec.rtype).0 {
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
        f(Item(name, label, (p, len), val));
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
        f(Item(
            "dns.txt.length",
            "TXT Length",
            (p, 1),
            Val::Num(n.into()),
        ));
        f(Item("dns.txt", "TXT", (p + 1, len - 1), Val::Text));
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
        f(Item("dns.opt", "Option", (p, len), Val::Opt(code)));
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

/// `A`, or `Unknown (n)`; with `long`, Wireshark's Type field: `A (Host Address) (1)`.
fn type_str(t: u16, long: bool) -> String {
    match TYPES.iter().find(|e| e.0 == t) {
        Some((_, n, d)) if long && !d.is_empty() => format!("{n} ({d}) ({t})"),
        Some((_, n, _)) if long => format!("{n} ({t})"),
        Some((_, n, _)) => n.to_string(),
        None => format!("Unknown ({t})"),
    }
}

fn type_name(t: u16) -> String {
    type_str(t, false)
}

/// `IN`, or with `long` Wireshark's Class field: `IN (0x0001)`.
fn class_str(c: u16, long: bool) -> String {
    let names = ["IN", "CS", "CH", "HS"];
    let n = match c {
        1..=4 => names[usize::from(c - 1)],
        254 => "NONE",
        255 => "ANY",
        _ => "Unknown",
    };
    if long {
        format!("{n} (0x{c:04x})")
    } else {
        n.to_string()
    }
}

#[rustfmt::skip]
fn opcode_name(op: u8) -> String {
    const NAMES: [&str; 7] = ["Standard query", "Inverse query", "Server status request", "",
        "Zone change notification", "Dynamic update", "DNS Stateful operations (DSO)"];
    match NAMES.get(usize::from(op)) {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => format!("Unknown operation ({op})"),
    }
}

#[rustfmt::skip]
fn rcode_name(rc: u8) -> String {
    const NAMES: [&str; 12] = ["No error", "Format error", "Server failure", "No such name",
        "Not implemented", "Refused", "Name exists", "RRset exists", "RRset does not exist",
        "Not authoritative", "Name out of zone", "DSO-Type not implemented"];
    NAMES.get(usize::from(rc)).map_or_else(|| format!("Unknown ({rc})"), |s| s.to_string())
}

/// EDNS option codes (IANA "DNS EDNS0 Option Codes").
fn option_name(code: u16) -> String {
    let name = match code {
        3 => "NSID",
        8 => "CSUBNET - Client subnet",
        10 => "COOKIE",
        11 => "EDNS TCP Keepalive",
        12 => "PADDING",
        15 => "Extended DNS Error",
        _ => "Unknown",
    };
    name.to_string()
}

/// `1 hour, 1 minute, 1 second`, as Wireshark writes a TTL.
fn duration(secs: u32) -> String {
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

// ---- Info column -------------------------------------------------------------

/// The Info column as tshark writes it: `Standard query 0x1a2b A example.org`,
/// `Standard query response 0x1a2b No such name A nx.example.org SOA ns.example.org`.
/// `None` below 12 bytes or when the first question cannot be read.
pub(crate) fn info(bytes: &[u8]) -> Option<String> {
    let v = DnsView::new(bytes)?;
    let mut s = opcode_name(v.opcode());
    s.push_str(if v.is_response() { " response" } else { "" });
    write!(s, " 0x{:04x}", v.id()).ok()?;
    if v.is_response() && v.rcode() != 0 {
        write!(s, " {}", rcode_name(v.rcode())).ok()?;
    }
    for step in walk(bytes, true) {
        let rec = match step {
            Ok(rec) => rec,
            Err(p) if p.0 == (Section::Question, 1) => return None,
            Err(_) => break,
        };
        write!(s, " {}", type_name(rec.rtype)).ok()?;
        if rec.who.0 == Section::Question {
            write!(s, " {}", rec.name.text).ok()?;
            continue;
        }
        let (items, words) = rdata_items(bytes, &rec);
        for it in items.iter().take(words.len()) {
            write!(s, " {}", it.text(bytes)).ok()?;
        }
    }
    Some(s)
}

fn rdata_items(msg: &[u8], rec: &Record) -> (Vec<Item>, &'static [&'static str]) {
    let mut items = Vec::new();
    visit_rdata(msg, rec, true, &mut |it| items.push(it));
    (items, layout(rec.rtype).1)
}

// ---- Field tree --------------------------------------------------------------

/// Append the layer 7 DNS layer for `bytes`, a sub-slice of `t.frame`.
pub(crate) fn dns_layer(t: &mut Tree<'_>, bytes: &[u8]) {
    let r = t.range(bytes);
    let Some(v) = DnsView::new(bytes) else {
        t.layers
            .push(Layer::new(Osi::Application, "dns", "Domain Name System", r));
        let msg = format!(
            "DNS header needs {HEADER_LEN} bytes, {} captured",
            bytes.len()
        );
        t.warn(Osi::Application, "dns", msg, Some(r));
        return;
    };
    let kind = if v.is_response() { "response" } else { "query" };
    let title = format!("Domain Name System ({kind})");
    let mut l = Layer::new(Osi::Application, "dns", title, r);
    let b = Fields { t, msg: bytes };
    l.fields = header_fields(&b, &v);
    l.fields.extend(section_fields(&b));
    t.layers.push(l);
    if let (n, Some(p)) = scan(bytes) {
        let mut msg = p.message();
        if n > 1 {
            let s = if n > 2 { "s" } else { "" };
            write!(msg, " (and {} more problem{s})", n - 1).unwrap_or(());
        }
        let range = t.sub(bytes, p.2 .0, p.2 .1);
        t.warn(Osi::Application, "dns", msg, Some(range));
    }
}

/// Makes fields whose ranges are given as offsets in one message.
struct Fields<'t, 'a> {
    t: &'t Tree<'a>,
    msg: &'t [u8],
}

impl Fields<'_, '_> {
    fn f(&self, name: &'static str, label: &'static str, v: impl Display, span: Span) -> Field {
        Field::new(name, label, v, self.t.sub(self.msg, span.0, span.1))
    }
}

fn header_fields(b: &Fields<'_, '_>, v: &DnsView<'_>) -> Vec<Field> {
    const COUNTS: [(&str, &str); 4] = [
        ("dns.count.queries", "Questions"),
        ("dns.count.answers", "Answer RRs"),
        ("dns.count.auth_rr", "Authority RRs"),
        ("dns.count.add_rr", "Additional RRs"),
    ];
    let id = format!("0x{:04x}", v.id());
    let mut f = vec![b.f("dns.id", "Transaction ID", id, (0, 2))];
    f.push(flags_field(v, b.t.sub(b.msg, field::FLAGS, 2)));
    for (i, (name, label)) in COUNTS.into_iter().enumerate() {
        f.push(b.f(name, label, v.count(i), (field::COUNTS + 2 * i, 2)));
    }
    f
}

/// The one-bit flags (RFC 1035 4.1.1, RFC 4035 3.2): mask, name, label, set, clear.
#[rustfmt::skip]
const BITS: [(u16, &str, &str, &str, &str); 8] = [
    (0x8000, "dns.flags.response", "Response", "Message is a response", "Message is a query"),
    (0x0400, "dns.flags.authoritative", "Authoritative",
        "Server is an authority for domain", "Server is not an authority for domain"),
    (0x0200, "dns.flags.truncated", "Truncated", "Message is truncated", "Message is not truncated"),
    (0x0100, "dns.flags.recdesired", "Recursion desired",
        "Do query recursively", "Don't do query recursively"),
    (0x0080, "dns.flags.recavail", "Recursion available",
        "Server can do recursive queries", "Server can't do recursive queries"),
    (0x0040, "dns.flags.z", "Z", "reserved - incorrect!", "reserved (0)"),
    (0x0020, "dns.flags.authenticated", "Answer authenticated",
        "Answer/authority portion was authenticated by the server",
        "Answer/authority portion was not authenticated by the server"),
    (0x0010, "dns.flags.checkdisable", "Non-authenticated data", "Acceptable", "Unacceptable"),
];

/// The flags; like Wireshark, a query's omit the bits only a response sets (AA, RA,
/// RCODE), and its AD bit is shown as such.
fn flags_field(v: &DnsView<'_>, r: [u32; 2]) -> Field {
    let (f, resp, op, rc) = (v.flags(), v.is_response(), v.opcode(), v.rcode());
    let bit = |&(m, name, label, yes, no): &(u16, _, _, _, _)| match (resp, f & m != 0) {
        (false, set) if m == 0x0020 => {
            Field::new(name, "AD bit", ["Not set", "Set"][set as usize], r)
        }
        (_, set) => Field::new(name, label, if set { yes } else { no }, r),
    };
    let for_queries = |b: &&(u16, _, _, _, _)| resp || !matches!(b.0, 0x0400 | 0x0080);
    let mut kids: Vec<Field> = BITS.iter().filter(for_queries).map(bit).collect();
    let opcode = format!("{} ({op})", opcode_name(op));
    kids.insert(1, Field::new("dns.flags.opcode", "Opcode", opcode, r));
    let mut value = format!("0x{f:04x} {}", opcode_name(op));
    if resp {
        let rcode = format!("{} ({rc})", rcode_name(rc));
        kids.push(Field::new("dns.flags.rcode", "Reply code", rcode, r));
        write!(value, " response, {}", rcode_name(rc)).unwrap_or(());
    }
    Field::new("dns.flags", "Flags", value, r).with(kids)
}

/// One group per section that has records, each record in full.
fn section_fields(b: &Fields<'_, '_>) -> Vec<Field> {
    let mut groups: [Vec<Field>; 4] = Default::default();
    let mut spans = [(usize::MAX, 0); 4];
    for rec in walk(b.msg, true).map_while(Result::ok) {
        let s = rec.who.0 as usize;
        spans[s] = (spans[s].0.min(rec.start), rec.end);
        groups[s].push(match rec.who.0 {
            Section::Question => question_field(b, rec),
            _ => rr_field(b, rec),
        });
    }
    let mut out = Vec::new();
    for ((sec, kids), (from, to)) in SECTIONS.iter().zip(groups).zip(spans) {
        if !kids.is_empty() {
            let [_, name, label, _] = sec.words();
            out.push(b.f(name, label, "", (from, to - from)).with(kids));
        }
    }
    out
}

fn question_field(b: &Fields<'_, '_>, rec: Record) -> Field {
    let (n, p) = (&rec.name, rec.data - 4);
    let name = (rec.start, n.in_place.unwrap_or(0));
    let (ty, class) = (type_name(rec.rtype), class_str(rec.class, false));
    let long_class = class_str(rec.class, true);
    let summary = format!("{}: type {ty}, class {class}", n.text);
    let kids = vec![
        b.f("dns.qry.name", "Name", &n.text, name),
        b.f("dns.qry.name.len", "Name Length", n.len, name),
        b.f("dns.count.labels", "Label Count", n.labels, name),
        b.f("dns.qry.type", "Type", type_str(rec.rtype, true), (p, 2)),
        b.f("dns.qry.class", "Class", long_class, (p + 2, 2)),
    ];
    let (span, label) = ((rec.start, rec.end - rec.start), rec.who.0.words()[3]);
    b.f("dns.qry.name", label, summary, span).with(kids)
}

fn rr_field(b: &Fields<'_, '_>, rec: Record) -> Field {
    let (p, opt, rdlen) = (rec.data - 10, rec.rtype == T_OPT, rec.end - rec.data);
    let mut summary = format!("{}: type {}", rec.name.text, type_name(rec.rtype));
    let name = (rec.start, rec.name.in_place.unwrap_or(0));
    let mut kids = vec![
        b.f("dns.resp.name", "Name", &rec.name.text, name),
        b.f("dns.resp.type", "Type", type_str(rec.rtype, true), (p, 2)),
    ];
    if opt {
        kids.extend(opt_fields(b, &rec));
    } else {
        write!(summary, ", class {}", class_str(rec.class, false)).unwrap_or(());
        let ttl = format!("{} ({})", rec.ttl, duration(rec.ttl));
        let class = class_str(rec.class, true);
        kids.push(b.f("dns.resp.class", "Class", class, (p + 2, 2)));
        kids.push(b.f("dns.resp.ttl", "Time to live", ttl, (p + 4, 4)));
    }
    kids.push(b.f("dns.resp.len", "Data length", rdlen, (p + 8, 2)));
    let (items, words) = rdata_items(b.msg, &rec);
    for (it, word) in items.iter().zip(words) {
        let sep = if word.is_empty() { "" } else { " " };
        write!(summary, ", {word}{sep}{}", it.text(b.msg)).unwrap_or(());
    }
    kids.extend(items.iter().map(|it| b.f(it.0, it.1, it.text(b.msg), it.2)));
    let (name, label) = match opt {
        true => ("dns.opt", "Option record"),
        false => ("dns.resp.name", rec.who.0.words()[3]),
    };
    let span = (rec.start, rec.end - rec.start);
    b.f(name, label, summary, span).with(kids)
}

/// The OPT pseudo-RR's class and TTL (RFC 6891 6.1.3): payload size, extended RCODE,
/// EDNS version, and the DO bit.
fn opt_fields(b: &Fields<'_, '_>, rec: &Record) -> Vec<Field> {
    const OPT: [(&str, &str, usize, usize); 4] = [
        ("dns.rr.udp_payload_size", "UDP payload size", 2, 2),
        ("dns.resp.ext_rcode", "Higher bits in extended RCODE", 4, 1),
        ("dns.resp.edns0_version", "EDNS0 version", 5, 1),
        ("dns.resp.z", "Z", 6, 2),
    ];
    let (p, z) = (rec.data - 10, rec.ttl as u16);
    let ext = format!("0x{:02x}", rec.ttl >> 24);
    let version = (rec.ttl >> 16 & 0xff).to_string();
    let values = [rec.class.to_string(), ext, version, format!("0x{z:04x}")];
    let field = |(&(name, label, at, len), v)| b.f(name, label, v, (p + at, len));
    let mut f: Vec<Field> = OPT.iter().zip(values).map(field).collect();
    let dnssec = ["Cannot handle", "Accepts"][usize::from(z >> 15)];
    let do_bit = format!("{dnssec} DNSSEC security RRs");
    f[3].children = vec![b.f("dns.resp.z.do", "DO bit", do_bit, (p + 6, 2))];
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Message bytes from hex (spaces ignored), `=dotted.name` (labels and the root)
    /// and `+dotted.name` (labels only, for a pointer to follow).
    fn msg(parts: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for part in parts {
            if let Some(name) = part.strip_prefix(['=', '+']) {
                for label in name.split('.').filter(|l| !l.is_empty()) {
                    out.push(label.len() as u8);
                    out.extend(label.bytes());
                }
                if part.starts_with('=') {
                    out.push(0);
                }
                continue;
            }
            let hex: Vec<u8> = part.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            for pair in hex.chunks(2) {
                let pair = std::str::from_utf8(pair).unwrap();
                out.push(u8::from_str_radix(pair, 16).unwrap());
            }
        }
        out
    }

    const AT: u32 = 8;

    /// The DNS layer and warnings for `dns` placed `AT` bytes into a frame.
    fn layer(dns: &[u8]) -> (Layer, Vec<String>) {
        let mut frame = vec![0xee; AT as usize];
        frame.extend_from_slice(dns);
        let mut t = Tree {
            frame: &frame,
            layers: vec![],
            warnings: vec![],
            stop: None,
        };
        dns_layer(&mut t, &frame[AT as usize..]);
        let warnings = t.warnings.iter().map(|w| w.message.clone()).collect();
        (t.layers.pop().unwrap(), warnings)
    }

    /// Value and range (in the message, not the frame) of a field.
    fn at(f: &Field) -> (&str, [u32; 2]) {
        (f.value.as_str(), [f.range[0] - AT, f.range[1] - AT])
    }

    fn query() -> Vec<u8> {
        msg(&["1a2b 0100 0001 0000 0000 0000", "=example.org", "0001 0001"])
    }

    /// A CNAME, an A and an AAAA answer, with names compressed.
    fn response() -> Vec<u8> {
        msg(&[
            "1a2b 8180 0001 0003 0000 0000",
            "=www.example.org",
            "0001 0001",
            "c00c 0005 0001 0000012c 000f",
            "=x.example.net",
            "c02d 0001 0001 0000003c 0004 5db8d822",
            "c02d 001c 0001 0000003c 0010 26062800 02200001 02481893 25c81946",
        ])
    }

    fn nxdomain() -> Vec<u8> {
        msg(&[
            "beef 8183 0001 0000 0001 0000",
            "=nx.example.org",
            "0001 0001",
            "c00f 0006 0001 00000384 0026",
            "+ns",
            "c00f",
            "+hostmaster",
            "c00f 78a3f175 00001c20 00000e10 00127500 0000012c",
        ])
    }

    fn with_opt() -> Vec<u8> {
        let opt = "00 0029 04d0 00008000 000c 000a 0008 0102030405060708";
        msg(&[
            "1a2b 0120 0001 0000 0000 0001",
            "=example.org",
            "0001 0001",
            opt,
        ])
    }

    fn assorted() -> Vec<u8> {
        msg(&[
            "0001 8580 0001 0006 0000 0000",
            "=example.org",
            "00ff 0001",
            "c00c 0002 0001 00015180 0005 026e73 c00c",
            "c00c 000f 0001 00000e10 0009 000a 046d61696c c00c",
            "c00c 0010 0001 00000e10 0010 0b763d73706631202d616c6c 03616263",
            "c00c 000c 0001 00000e10 0012",
            "=host.example.org",
            "c00c 0021 0001 00000e10 000c 0001 0005 13c4 03736970 c00c",
            "c00c 0041 0001 00000e10 000a 0001 00 0001 0003 026832",
        ])
    }

    #[test]
    fn query_for_example_org() {
        let q = query();
        let v = DnsView::new(&q).unwrap();
        assert_eq!(
            (v.id(), v.flags(), v.is_response()),
            (0x1a2b, 0x0100, false)
        );
        assert_eq!((v.opcode(), v.rcode()), (0, 0));
        let counts = [v.qdcount(), v.ancount(), v.nscount(), v.arcount()];
        assert_eq!(counts, [1, 0, 0, 0]);
        assert_eq!(info(&q).unwrap(), "Standard query 0x1a2b A example.org");
        assert!(looks_like_dns(&q) && !malformed(&q));
        let (l, warnings) = layer(&q);
        assert!(warnings.is_empty());
        assert_eq!(
            (l.osi, l.protocol, l.range),
            (Osi::Application, "dns", [8, 37])
        );
        assert_eq!(l.title, "Domain Name System (query)");
        assert_eq!(at(l.find("dns.id").unwrap()), ("0x1a2b", [0, 2]));
        let flags = l.find("dns.flags").unwrap();
        assert_eq!(at(flags), ("0x0100 Standard query", [2, 4]));
        let names: Vec<_> = flags.children.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), 7, "a query has no AA, RA or RCODE: {names:?}");
        assert_eq!(flags.children[5].label, "AD bit");
        assert_eq!(at(l.find("dns.count.queries").unwrap()), ("1", [4, 6]));
        let qry = &l.find("dns.queries").unwrap().children[0];
        assert_eq!(at(qry), ("example.org: type A, class IN", [12, 29]));
        let kids: Vec<_> = qry.children.iter().map(at).collect();
        assert_eq!(kids[0], ("example.org", [12, 25]));
        assert_eq!((kids[1].0, kids[2].0), ("11", "2"));
        assert_eq!(kids[3], ("A (Host Address) (1)", [25, 27]));
        assert_eq!(kids[4], ("IN (0x0001)", [27, 29]));
    }

    #[test]
    fn response_with_compressed_names() {
        let r = response();
        let v = DnsView::new(&r).unwrap();
        assert!(v.is_response() && v.ancount() == 3 && v.rcode() == 0);
        assert_eq!(
            info(&r).unwrap(),
            "Standard query response 0x1a2b A www.example.org CNAME x.example.net \
             A 93.184.216.34 AAAA 2606:2800:220:1:248:1893:25c8:1946"
        );
        let (l, warnings) = layer(&r);
        assert!(warnings.is_empty());
        assert_eq!(l.title, "Domain Name System (response)");
        let flags = l.find("dns.flags").unwrap();
        assert_eq!(flags.value, "0x8180 Standard query response, No error");
        assert_eq!(flags.children.last().unwrap().value, "No error (0)");
        let ans = &l.find("dns.answers").unwrap();
        assert_eq!((ans.children.len(), at(ans).1), (3, [33, 104]));
        let cname = &ans.children[0];
        let summary = "www.example.org: type CNAME, class IN, cname x.example.net";
        assert_eq!(at(cname), (summary, [33, 60]));
        assert_eq!(at(&cname.children[0]), ("www.example.org", [33, 35]));
        assert_eq!(cname.find("dns.resp.ttl").unwrap().value, "300 (5 minutes)");
        assert_eq!(
            at(cname.find("dns.cname").unwrap()),
            ("x.example.net", [45, 60])
        );
        let a = &ans.children[1];
        assert_eq!(
            a.value,
            "x.example.net: type A, class IN, addr 93.184.216.34"
        );
        assert_eq!(at(&a.children[0]), ("x.example.net", [60, 62]));
        assert_eq!(at(a.find("dns.resp.len").unwrap()), ("4", [70, 72]));
        assert_eq!(at(a.find("dns.a").unwrap()), ("93.184.216.34", [72, 76]));
        let aaaa = ans.children[2].find("dns.aaaa").unwrap();
        assert_eq!(at(aaaa), ("2606:2800:220:1:248:1893:25c8:1946", [88, 104]));
    }

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
        assert_eq!(flags.value, "0x8183 Standard query response, No such name");
        assert_eq!(l.find("dns.flags.rcode").unwrap().value, "No such name (3)");
        let soa = &l.find("dns.authorities").unwrap().children[0];
        assert_eq!(soa.label, "Authority record");
        assert_eq!(
            soa.value,
            "example.org: type SOA, class IN, mname ns.example.org"
        );
        let value = |name| soa.find(name).unwrap().value.as_str();
        assert_eq!(value("dns.resp.ttl"), "900 (15 minutes)");
        assert_eq!(value("dns.soa.rname"), "hostmaster.example.org");
        assert_eq!(value("dns.soa.serial_number"), "2024010101");
        assert_eq!(value("dns.soa.refresh_interval"), "7200 (2 hours)");
        assert_eq!(value("dns.soa.expire_limit"), "1209600 (14 days)");
        assert_eq!(at(soa.find("dns.soa.mname").unwrap()).1, [44, 49]);
    }

    #[test]
    fn opt_pseudo_record() {
        let o = with_opt();
        assert_eq!(DnsView::new(&o).unwrap().arcount(), 1);
        assert_eq!(info(&o).unwrap(), "Standard query 0x1a2b A example.org OPT");
        let (l, warnings) = layer(&o);
        assert!(warnings.is_empty());
        assert_eq!(l.find("dns.flags.authenticated").unwrap().value, "Set");
        let opt = &l.find("dns.additionals").unwrap().children[0];
        assert_eq!(
            (opt.name, at(opt)),
            ("dns.opt", ("<Root>: type OPT", [29, 52]))
        );
        let value = |name| at(opt.find(name).unwrap());
        assert_eq!(value("dns.rr.udp_payload_size"), ("1232", [32, 34]));
        assert_eq!(value("dns.resp.edns0_version"), ("0", [35, 36]));
        assert_eq!(value("dns.resp.z.do").0, "Accepts DNSSEC security RRs");
        let cookie = opt.children.last().unwrap();
        let shown = "COOKIE (10), 8 bytes: 0102030405060708";
        assert_eq!((cookie.name, at(cookie)), ("dns.opt", (shown, [40, 52])));
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
        assert_eq!(ans[1].value, mx);
        let txt: Vec<_> = ans[2]
            .children
            .iter()
            .filter(|f| f.name == "dns.txt")
            .collect();
        assert_eq!(
            (txt[0].value.as_str(), txt[1].value.as_str()),
            ("v=spf1 -all", "abc")
        );
        assert_eq!(
            ans[3].value,
            "example.org: type PTR, class IN, host.example.org"
        );
        assert_eq!(ans[4].find("dns.srv.port").unwrap().value, "5060");
        assert_eq!(
            ans[5].find("dns.data").unwrap().value,
            "00010000010003026832"
        );
        let ty = ans[5].find("dns.resp.type").unwrap();
        assert_eq!(ty.value, "HTTPS (HTTPS Specific Service Endpoints) (65)");
        assert_eq!(type_str(1234, true), "Unknown (1234)");
        assert_eq!(duration(3661), "1 hour, 1 minute, 1 second");
        assert_eq!(duration(0), "0 seconds");
        let most = "49710 days, 6 hours, 28 minutes, 15 seconds";
        assert_eq!(duration(u32::MAX), most);
    }

    fn with_flags(flags: &str, qdcount: &str) -> Vec<u8> {
        let head = format!("0007 {flags} {qdcount} 0000 0000 0000");
        msg(&[&head, "=example.org", "0006 0001"])
    }

    #[test]
    fn opcodes_are_named() {
        let cases = [
            ("2000", "Zone change notification 0x0007 SOA example.org"),
            ("2800", "Dynamic update 0x0007 SOA example.org"),
            (
                "a805",
                "Dynamic update response 0x0007 Refused SOA example.org",
            ),
            ("0800", "Inverse query 0x0007 SOA example.org"),
            ("1000", "Server status request 0x0007 SOA example.org"),
            ("3800", "Unknown operation (7) 0x0007 SOA example.org"),
        ];
        for (flags, text) in cases {
            assert_eq!(info(&with_flags(flags, "0001")).unwrap(), text);
        }
    }

    #[test]
    fn plausibility() {
        assert!(looks_like_dns(&with_flags("2800", "0001")));
        let unassigned = with_flags("1800", "0001");
        assert!(!looks_like_dns(&unassigned), "opcode 3");
        assert!(!looks_like_dns(&with_flags("3800", "0001")), "opcode 7");
        assert!(!looks_like_dns(&with_flags("0100", "0011")), "17 questions");
        assert!(!looks_like_dns(&msg(&["0000 8180 0000 0000 0000 0000"])));
        assert!(!looks_like_dns(&query()[..11]));
        let announce = "0001 8001 00000078 0004 0a000001";
        let mdns = msg(&["0000 8400 0000 0001 0000 0000", "=e.local", announce]);
        assert!(looks_like_dns(&mdns), "a question-less mDNS announcement");
        let text = "Standard query response 0x0000 A 10.0.0.1";
        assert_eq!(info(&mdns).unwrap(), text);
    }

    #[test]
    fn tcp_length_prefix() {
        let q = query();
        let framed = [&[0, q.len() as u8][..], &q].concat();
        assert_eq!(tcp_dns(&framed), Some(&q[..]));
        assert_eq!(tcp_dns(&[&[0, 20][..], &q].concat()), Some(&q[..20]));
        assert_eq!(tcp_dns(&[&[0, 11][..], &q].concat()), None);
        assert_eq!(tcp_dns(&framed[..13]), None);
    }

    /// Every field's range lies in `[lo, hi]`.
    fn ranges_within(fields: &[Field], lo: u32, hi: u32) -> bool {
        fields.iter().all(|f| {
            f.range[0] >= lo
                && f.range[0] <= f.range[1]
                && f.range[1] <= hi
                && ranges_within(&f.children, lo, hi)
        })
    }

    #[test]
    fn truncated_at_every_length() {
        for m in [query(), response(), nxdomain(), with_opt(), assorted()] {
            let first_question = 12 + m[12..].iter().position(|&b| b == 0).unwrap() + 5;
            for n in 0..=m.len() {
                let cut = &m[..n];
                let readable = n >= 12 && n >= first_question;
                assert_eq!(info(cut).is_some(), readable, "{n} bytes of {m:02x?}");
                let (l, warnings) = layer(cut);
                assert_eq!(l.range, [AT, AT + n as u32]);
                assert!(ranges_within(&l.fields, AT, AT + n as u32), "{n}: {l:?}");
                assert_eq!(
                    warnings.len(),
                    usize::from(n < m.len()),
                    "{n}: {warnings:?}"
                );
                assert_eq!(malformed(cut), n < m.len());
            }
        }
        let r = response();
        let (_, warnings) = layer(&r[..70]);
        let cut = "DNS answer 2 is cut short: needs at least 12 bytes, 10 captured";
        assert_eq!(warnings, [cut]);
        let (l, warnings) = layer(&r[..74]);
        assert_eq!(
            warnings,
            ["DNS answer 2 is cut short: needs 16 bytes, 14 captured"]
        );
        assert_eq!(l.find("dns.answers").unwrap().children.len(), 1);
        let text = "Standard query response 0x1a2b A www.example.org CNAME x.example.net";
        assert_eq!(info(&r[..70]).unwrap(), text);
        let (_, warnings) = layer(&query()[..20]);
        let cut = "DNS question 1 is cut short: needs at least 13 bytes, 8 captured";
        assert_eq!(warnings, [cut]);
        let (_, warnings) = layer(&query()[..5]);
        assert_eq!(warnings, ["DNS header needs 12 bytes, 5 captured"]);
    }

    #[test]
    fn pointer_loops_and_chains_end() {
        let looping = msg(&["000f 0100 0001 0000 0000 0000 c00c 0001 0001"]);
        let text = "Standard query 0x000f A <Name contains a pointer that loops>";
        assert_eq!(info(&looping).unwrap(), text);
        assert!(!looks_like_dns(&looping) && malformed(&looping));
        let (l, warnings) = layer(&looping);
        let says = "DNS question 1: its name has compression pointers that loop (over 32 jumps)";
        assert_eq!(warnings, [says]);
        assert_eq!(at(l.find("dns.qry.name").unwrap()).1, [12, 18]);
        // 12 -> 18 -> 20 -> 64, past the end of the 22 bytes.
        let chain = msg(&["0010 0100 0001 0000 0000 0000 c012 0001 0001 c014 c040"]);
        assert!(info(&chain)
            .unwrap()
            .ends_with("A <pointer past the end of the message>"));
        let (_, warnings) = layer(&chain);
        assert!(warnings[0].ends_with("has a compression pointer past the end of the message"));
        // A CNAME pointing at itself, after a question with a looping name.
        let both = msg(&[
            "0011 8180 0001 0001 0000 0000 c00c 0001 0001 c00c 0005 0001 0000 0000 0002 c01e",
        ]);
        let (_, warnings) = layer(&both);
        // The answer's owner name points at the looping one too: three problems.
        assert_eq!(warnings, [format!("{says} (and 2 more problems)")]);
        let cname = info(&both).unwrap();
        assert!(
            cname.ends_with(" CNAME <Name contains a pointer that loops>"),
            "{cname}"
        );
        let long = format!("{}00 0001 0001", format!("3f{}", "61".repeat(63)).repeat(5));
        let long = msg(&["0012 0100 0001 0000 0000 0000", &long]);
        assert_eq!(info(&long), None);
        assert_eq!(
            layer(&long).1,
            ["DNS question 1: its name is longer than 255 bytes"]
        );
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

    /// Arbitrary bytes, or a real message with a few bytes changed and cut anywhere:
    /// no panic, ranges inside the message, one warning exactly when `malformed`.
    fn holds(m: &[u8]) {
        let (l, warnings) = layer(m);
        assert!(ranges_within(&l.fields, AT, AT + m.len() as u32), "{l:?}");
        assert_eq!(warnings.len(), usize::from(malformed(m)), "{warnings:?}");
        let _ = (info(m), looks_like_dns(m), tcp_dns(m));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_hold(m in proptest::collection::vec(0u8..=255, 0..300)) {
            holds(&m);
        }

        #[test]
        fn mutated_messages_hold(which in 0usize..5, flips in proptest::collection::vec(
            (0usize..200, 0u8..=255), 1..6), cut in 0usize..200) {
            let mut m = [query(), response(), nxdomain(), with_opt(), assorted()][which].clone();
            for (i, b) in flips {
                let n = m.len();
                m[i % n] = b;
            }
            m.truncate(cut.max(12));
            holds(&m);
        }
    }

    #[test]
    fn label_bytes_are_escaped() {
        let name = "04 61016 22e 03 632064 07 7fff5c7822797a 05 636166c3a9 00";
        let m = msg(&["0007 0100 0001 0000 0000 0000", name, "0001 0001"]);
        let shown = r#"a\001b..c d.\177\xff\\x"yz.café"#;
        assert_eq!(
            info(&m).unwrap(),
            format!("Standard query 0x0007 A {shown}")
        );
        let (l, _) = layer(&m);
        assert_eq!(l.find("dns.qry.name.len").unwrap().value, "22");
        assert_eq!(l.find("dns.count.labels").unwrap().value, "4");
        let root = msg(&["0008 0100 0001 0000 0000 0000 00 0002 0001"]);
        assert_eq!(info(&root).unwrap(), "Standard query 0x0008 NS <Root>");
    }
}
