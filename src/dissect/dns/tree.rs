//! The DNS layer's field tree: the header and its flags, then each record in full,
//! with Wireshark's field names, labels and words.

use std::fmt::Write;

use super::rdata::{class_field, class_str, rdata_items, type_field, type_name, T_OPT};
use super::{field, scan, walk, DnsView, Record, Section, Span, HEADER_LEN, SECTIONS};
use crate::dissect::tree::{Field, Layer, Tree};
use crate::dissect::{FieldDef, Osi, Show, Value};

/// The fields of DNS (Wireshark's names, except `dns.query` and `dns.rr`, the headings of a
/// question and a record, which Wireshark leaves unnamed).
pub(crate) mod hf {
    crate::dissect::fields! {
        DNS = "dns", "Domain Name System", None;
        ID = "dns.id", "Transaction ID", Unsigned;
        FLAGS = "dns.flags", "Flags", Unsigned;
        RESPONSE = "dns.flags.response", "Response", Bool;
        OPCODE = "dns.flags.opcode", "Opcode", Named;
        AUTHORITATIVE = "dns.flags.authoritative", "Authoritative", Bool;
        TRUNCATED = "dns.flags.truncated", "Truncated", Bool;
        RECDESIRED = "dns.flags.recdesired", "Recursion desired", Bool;
        RECAVAIL = "dns.flags.recavail", "Recursion available", Bool;
        Z = "dns.flags.z", "Z", Bool;
        AUTHENTICATED = "dns.flags.authenticated", "Answer authenticated", Bool;
        CHECKDISABLE = "dns.flags.checkdisable", "Non-authenticated data", Bool;
        RCODE = "dns.flags.rcode", "Reply code", Named;
        COUNT_QUERIES = "dns.count.queries", "Questions", Unsigned;
        COUNT_ANSWERS = "dns.count.answers", "Answer RRs", Unsigned;
        COUNT_AUTH = "dns.count.auth_rr", "Authority RRs", Unsigned;
        COUNT_ADD = "dns.count.add_rr", "Additional RRs", Unsigned;
        QUERIES = "dns.queries", "Queries", None;
        ANSWERS = "dns.answers", "Answers", None;
        AUTHORITIES = "dns.authorities", "Authoritative nameservers", None;
        ADDITIONALS = "dns.additionals", "Additional records", None;
        QUERY = "dns.query", "Query", None;
        QRY_NAME = "dns.qry.name", "Name", Text;
        QRY_NAME_LEN = "dns.qry.name.len", "Name Length", Unsigned;
        COUNT_LABELS = "dns.count.labels", "Label Count", Unsigned;
        QRY_TYPE = "dns.qry.type", "Type", Named;
        QRY_CLASS = "dns.qry.class", "Class", Named;
        RR = "dns.rr", "Resource record", None;
        RESP_NAME = "dns.resp.name", "Name", Text;
        RESP_TYPE = "dns.resp.type", "Type", Named;
        RESP_CLASS = "dns.resp.class", "Class", Named;
        RESP_TTL = "dns.resp.ttl", "Time to live", Unsigned;
        RESP_LEN = "dns.resp.len", "Data length", Unsigned;
        UDP_PAYLOAD_SIZE = "dns.rr.udp_payload_size", "UDP payload size", Unsigned;
        EXT_RCODE = "dns.resp.ext_rcode", "Higher bits in extended RCODE", Unsigned;
        EDNS0_VERSION = "dns.resp.edns0_version", "EDNS0 version", Unsigned;
        RESP_Z = "dns.resp.z", "Z", Unsigned;
        RESP_Z_DO = "dns.resp.z.do", "DO bit", Bool;
        A = "dns.a", "Address", Ipv4;
        AAAA = "dns.aaaa", "AAAA Address", Ipv6;
        NS = "dns.ns", "Name Server", Text;
        CNAME = "dns.cname", "CNAME", Text;
        SOA_MNAME = "dns.soa.mname", "Primary name server", Text;
        SOA_RNAME = "dns.soa.rname", "Responsible authority's mailbox", Text;
        SOA_SERIAL = "dns.soa.serial_number", "Serial Number", Unsigned;
        SOA_REFRESH = "dns.soa.refresh_interval", "Refresh Interval", Unsigned;
        SOA_RETRY = "dns.soa.retry_interval", "Retry Interval", Unsigned;
        SOA_EXPIRE = "dns.soa.expire_limit", "Expire limit", Unsigned;
        SOA_MINIMUM = "dns.soa.minimum_ttl", "Minimum TTL", Unsigned;
        PTR = "dns.ptr.domain_name", "Domain Name", Text;
        MX_PREFERENCE = "dns.mx.preference", "Preference", Unsigned;
        MX_EXCHANGE = "dns.mx.mail_exchange", "Mail Exchange", Text;
        SRV_PRIORITY = "dns.srv.priority", "Priority", Unsigned;
        SRV_WEIGHT = "dns.srv.weight", "Weight", Unsigned;
        SRV_PORT = "dns.srv.port", "Port", Unsigned;
        SRV_TARGET = "dns.srv.target", "Target", Text;
        TXT = "dns.txt", "TXT", Text;
        TXT_LENGTH = "dns.txt.length", "TXT Length", Unsigned;
        DATA = "dns.data", "Data", Bytes;
        OPT = "dns.opt", "Option", Named;
    }
}

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
    fn r(&self, span: Span) -> [u32; 2] {
        self.t.sub(self.msg, span.0, span.1)
    }

    fn f(&self, def: &FieldDef, v: impl Into<Value>, span: Span) -> Field {
        def.at(v, self.r(span))
    }
}

fn header_fields(b: &Fields<'_, '_>, v: &DnsView<'_>) -> Vec<Field> {
    static COUNTS: [&FieldDef; 4] = [
        &hf::COUNT_QUERIES,
        &hf::COUNT_ANSWERS,
        &hf::COUNT_AUTH,
        &hf::COUNT_ADD,
    ];
    let mut f = vec![b.f(&hf::ID, v.id(), (0, 2)).show(Show::Hex(4))];
    f.push(flags_field(v, b.t.sub(b.msg, field::FLAGS, 2)));
    for (i, def) in COUNTS.iter().enumerate() {
        f.push(b.f(def, v.count(i), (field::COUNTS + 2 * i, 2)));
    }
    f
}

/// The one-bit flags (RFC 1035 4.1.1, RFC 4035 3.2): mask, field, set, clear.
#[rustfmt::skip]
static BITS: [(u16, &FieldDef, &str, &str); 8] = [
    (0x8000, &hf::RESPONSE, "Message is a response", "Message is a query"),
    (0x0400, &hf::AUTHORITATIVE,
        "Server is an authority for domain", "Server is not an authority for domain"),
    (0x0200, &hf::TRUNCATED, "Message is truncated", "Message is not truncated"),
    (0x0100, &hf::RECDESIRED, "Do query recursively", "Don't do query recursively"),
    (0x0080, &hf::RECAVAIL,
        "Server can do recursive queries", "Server can't do recursive queries"),
    (0x0040, &hf::Z, "reserved - incorrect!", "reserved (0)"),
    (0x0020, &hf::AUTHENTICATED,
        "Answer/authority portion was authenticated by the server",
        "Answer/authority portion was not authenticated by the server"),
    (0x0010, &hf::CHECKDISABLE, "Acceptable", "Unacceptable"),
];

/// The flags; like Wireshark, a query's omit the bits only a response sets (AA, RA,
/// RCODE), and its AD bit is shown as such.
fn flags_field(v: &DnsView<'_>, r: [u32; 2]) -> Field {
    let (f, resp, op, rc) = (v.flags(), v.is_response(), v.opcode(), v.rcode());
    let bit = |&(m, def, yes, no): &(u16, &FieldDef, &'static str, &'static str)| {
        let set = f & m != 0;
        match resp {
            false if m == 0x0020 => def.at(set, r).labelled("AD bit").show(Show::SetNotSet),
            _ => def.at(set, r).show(Show::Words(yes, no)),
        }
    };
    let for_queries = |b: &&(u16, _, _, _)| resp || !matches!(b.0, 0x0400 | 0x0080);
    let mut kids: Vec<Field> = BITS.iter().filter(for_queries).map(bit).collect();
    let opcode = Value::Named(
        u64::from(op),
        opcode_name(op).unwrap_or("Unknown operation"),
    );
    kids.insert(1, hf::OPCODE.at(opcode, r));
    let mut note = format!(" {}", opcode_text(op));
    if resp {
        let rcode = Value::Named(u64::from(rc), rcode_name(rc).unwrap_or("Unknown"));
        kids.push(hf::RCODE.at(rcode, r));
        write!(note, " response, {}", rcode_text(rc)).unwrap_or(());
    }
    hf::FLAGS.at(f, r).show(Show::Hex(4)).note(note).with(kids)
}

#[rustfmt::skip]
pub(super) fn opcode_name(op: u8) -> Option<&'static str> {
    const NAMES: [&str; 7] = ["Standard query", "Inverse query", "Server status request", "",
        "Zone change notification", "Dynamic update", "DNS Stateful operations (DSO)"];
    NAMES.get(usize::from(op)).copied().filter(|s| !s.is_empty())
}

#[rustfmt::skip]
pub(super) fn rcode_name(rc: u8) -> Option<&'static str> {
    const NAMES: [&str; 12] = ["No error", "Format error", "Server failure", "No such name",
        "Not implemented", "Refused", "Name exists", "RRset exists", "RRset does not exist",
        "Not authoritative", "Name out of zone", "DSO-Type not implemented"];
    NAMES.get(usize::from(rc)).copied()
}

/// The opcode in words: its name, or `Unknown operation (7)`.
pub(super) fn opcode_text(op: u8) -> String {
    opcode_name(op).map_or_else(|| format!("Unknown operation ({op})"), str::to_string)
}

/// The reply code in words: its name, or `Unknown (42)`.
pub(super) fn rcode_text(rc: u8) -> String {
    rcode_name(rc).map_or_else(|| format!("Unknown ({rc})"), str::to_string)
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
            let def = match sec {
                Section::Question => &hf::QUERIES,
                Section::Answer => &hf::ANSWERS,
                Section::Authority => &hf::AUTHORITIES,
                Section::Additional => &hf::ADDITIONALS,
            };
            out.push(b.f(def, Value::None, (from, to - from)).with(kids));
        }
    }
    out
}

fn question_field(b: &Fields<'_, '_>, rec: Record) -> Field {
    let (n, p) = (&rec.name, rec.data - 4);
    let name = (rec.start, n.in_place.unwrap_or(0));
    let (ty, class) = (type_name(rec.rtype), class_str(rec.class, false));
    let summary = format!("{}: type {ty}, class {class}", n.text);
    let kids = vec![
        b.f(&hf::QRY_NAME, n.text.as_str(), name),
        b.f(&hf::QRY_NAME_LEN, n.len, name),
        b.f(&hf::COUNT_LABELS, n.labels, name),
        type_field(&hf::QRY_TYPE, rec.rtype, b.r((p, 2))),
        class_field(&hf::QRY_CLASS, rec.class, b.r((p + 2, 2))),
    ];
    let (span, label) = ((rec.start, rec.end - rec.start), rec.who.0.words()[3]);
    b.f(&hf::QUERY, Value::None, span)
        .labelled(label)
        .note(summary)
        .with(kids)
}

fn rr_field(b: &Fields<'_, '_>, rec: Record) -> Field {
    let (p, opt, rdlen) = (rec.data - 10, rec.rtype == T_OPT, rec.end - rec.data);
    let mut summary = format!("{}: type {}", rec.name.text, type_name(rec.rtype));
    let name = (rec.start, rec.name.in_place.unwrap_or(0));
    let mut kids = vec![
        b.f(&hf::RESP_NAME, rec.name.text.as_str(), name),
        type_field(&hf::RESP_TYPE, rec.rtype, b.r((p, 2))),
    ];
    if opt {
        kids.extend(opt_fields(b, &rec));
    } else {
        write!(summary, ", class {}", class_str(rec.class, false)).unwrap_or(());
        kids.push(class_field(&hf::RESP_CLASS, rec.class, b.r((p + 2, 2))));
        kids.push(b.f(&hf::RESP_TTL, rec.ttl, (p + 4, 4)).show(Show::Seconds));
    }
    kids.push(b.f(&hf::RESP_LEN, rdlen, (p + 8, 2)));
    let (items, words) = rdata_items(b.msg, &rec);
    for (it, word) in items.iter().zip(words) {
        let sep = if word.is_empty() { "" } else { " " };
        write!(summary, ", {word}{sep}{}", it.text(b.msg)).unwrap_or(());
    }
    kids.extend(items.iter().map(|it| it.field(b.msg, b.r(it.1))));
    let label = match opt {
        true => "Option record",
        false => rec.who.0.words()[3],
    };
    let span = (rec.start, rec.end - rec.start);
    b.f(&hf::RR, Value::None, span)
        .labelled(label)
        .note(summary)
        .with(kids)
}

/// The OPT pseudo-RR's class and TTL (RFC 6891 6.1.3): payload size, extended RCODE,
/// EDNS version, and the DO bit.
fn opt_fields(b: &Fields<'_, '_>, rec: &Record) -> Vec<Field> {
    let (p, z) = (rec.data - 10, rec.ttl as u16);
    let dnssec = (
        "Accepts DNSSEC security RRs",
        "Cannot handle DNSSEC security RRs",
    );
    vec![
        b.f(&hf::UDP_PAYLOAD_SIZE, rec.class, (p + 2, 2)),
        b.f(&hf::EXT_RCODE, rec.ttl >> 24, (p + 4, 1))
            .show(Show::Hex(2)),
        b.f(&hf::EDNS0_VERSION, rec.ttl >> 16 & 0xff, (p + 5, 1)),
        b.f(&hf::RESP_Z, z, (p + 6, 2))
            .show(Show::Hex(4))
            .with(vec![b
                .f(&hf::RESP_Z_DO, z >> 15 != 0, (p + 6, 2))
                .show(Show::Words(dnssec.0, dnssec.1))]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{at, layer, query, response, with_opt};
    use super::super::{info, looks_like_dns, malformed, DnsView};
    use crate::dissect::Osi;

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
        assert_eq!(flags.shown(), "0x8180 Standard query response, No error");
        assert_eq!(flags.children.last().unwrap().shown(), "No error (0)");
        let ans = &l.find("dns.answers").unwrap();
        assert_eq!((ans.children.len(), at(ans).1), (3, [33, 104]));
        let cname = &ans.children[0];
        let summary = "www.example.org: type CNAME, class IN, cname x.example.net";
        assert_eq!(at(cname), (summary, [33, 60]));
        assert_eq!(at(&cname.children[0]), ("www.example.org", [33, 35]));
        assert_eq!(
            cname.find("dns.resp.ttl").unwrap().shown(),
            "300 (5 minutes)"
        );
        assert_eq!(
            at(cname.find("dns.cname").unwrap()),
            ("x.example.net", [45, 60])
        );
        let a = &ans.children[1];
        assert_eq!(
            a.shown(),
            "x.example.net: type A, class IN, addr 93.184.216.34"
        );
        assert_eq!(at(&a.children[0]), ("x.example.net", [60, 62]));
        assert_eq!(at(a.find("dns.resp.len").unwrap()), ("4", [70, 72]));
        assert_eq!(at(a.find("dns.a").unwrap()), ("93.184.216.34", [72, 76]));
        let aaaa = ans.children[2].find("dns.aaaa").unwrap();
        assert_eq!(at(aaaa), ("2606:2800:220:1:248:1893:25c8:1946", [88, 104]));
    }

    #[test]
    fn opt_pseudo_record() {
        let o = with_opt();
        assert_eq!(DnsView::new(&o).unwrap().arcount(), 1);
        assert_eq!(info(&o).unwrap(), "Standard query 0x1a2b A example.org OPT");
        let (l, warnings) = layer(&o);
        assert!(warnings.is_empty());
        assert_eq!(l.find("dns.flags.authenticated").unwrap().shown(), "Set");
        let opt = &l.find("dns.additionals").unwrap().children[0];
        assert_eq!(
            (opt.name, at(opt)),
            ("dns.rr", ("<Root>: type OPT", [29, 52]))
        );
        let value = |name| at(opt.find(name).unwrap());
        assert_eq!(value("dns.rr.udp_payload_size"), ("1232", [32, 34]));
        assert_eq!(value("dns.resp.edns0_version"), ("0", [35, 36]));
        assert_eq!(value("dns.resp.z.do").0, "Accepts DNSSEC security RRs");
        let cookie = opt.children.last().unwrap();
        let shown = "COOKIE (10), 8 bytes: 0102030405060708";
        assert_eq!((cookie.name, at(cookie)), ("dns.opt", (shown, [40, 52])));
    }
}
