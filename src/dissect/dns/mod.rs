//! DNS (RFC 1035) at layer 7: a bounds-checked view of the message, the field
//! tree, and the Info column as tshark writes it.
//!
//! Lax like the rest of `dissect`: a message cut short, or with broken names,
//! shows every record that decoded, and its first problem becomes the one
//! warning of the message ([`malformed`] answers the same question without
//! allocating, for the summary's anomaly bit). Counts come from the packet, so
//! nothing is sized by them: every loop is bounded by the bytes left.
//!
//! Here: the view, the entry points, the record walk and the problem scan.
//! [`name`] reads names, [`rdata`] each type's data, [`tree`] makes the layer.

use std::fmt::Write;

use name::{read_name, Name, NameErr};
use rdata::{rdata_items, type_name, visit_rdata};
pub(crate) use tree::{dns_layer, hf};
use tree::{opcode_text, rcode_text};

mod name;
mod rdata;
#[cfg(test)]
mod testdata;
mod tree;

/// Header layout (RFC 1035 4.1.1): ID, flags, then four 16-bit counts.
mod field {
    pub const FLAGS: usize = 2;
    pub const COUNTS: usize = 4;
    pub const HEADER_LEN: usize = 12;
}
use field::HEADER_LEN;

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

// ---- Info column -------------------------------------------------------------

/// The Info column as tshark writes it: `Standard query 0x1a2b A example.org`,
/// `Standard query response 0x1a2b No such name A nx.example.org SOA ns.example.org`.
/// `None` below 12 bytes or when the first question cannot be read.
pub(crate) fn info(bytes: &[u8]) -> Option<String> {
    let v = DnsView::new(bytes)?;
    let mut s = opcode_text(v.opcode());
    s.push_str(if v.is_response() { " response" } else { "" });
    write!(s, " 0x{:04x}", v.id()).ok()?;
    if v.is_response() && v.rcode() != 0 {
        write!(s, " {}", rcode_text(v.rcode())).ok()?;
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

#[cfg(test)]
mod tests {
    use super::testdata::{assorted, layer, msg, nxdomain, query, response, with_opt, AT};
    use super::*;
    use crate::dissect::tree::Field;

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
}
