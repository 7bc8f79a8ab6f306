//! The DNS layer's field tree: the header and its flags, then each record in full,
//! with Wireshark's field names, labels and words.

use std::fmt::{Display, Write};

use super::rdata::{class_str, duration, rdata_items, type_name, type_str, T_OPT};
use super::{field, scan, walk, DnsView, Record, Section, Span, HEADER_LEN, SECTIONS};
use crate::dissect::tree::{Field, Layer, Tree};
use crate::dissect::Osi;

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

/// The bit a one-bit flag's display text stands for (`"Message is a response"` is 1,
/// `"Message is a query"` 0), so `dns.flags.response == 1` compares the bit, as in
/// Wireshark; `None` for any other text.
pub(crate) fn flag_text_bit(text: &str) -> Option<bool> {
    BITS.iter().find_map(|&(_, _, _, yes, no)| {
        (text == yes)
            .then_some(true)
            .or((text == no).then_some(false))
    })
}

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

#[rustfmt::skip]
pub(super) fn opcode_name(op: u8) -> String {
    const NAMES: [&str; 7] = ["Standard query", "Inverse query", "Server status request", "",
        "Zone change notification", "Dynamic update", "DNS Stateful operations (DSO)"];
    match NAMES.get(usize::from(op)) {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => format!("Unknown operation ({op})"),
    }
}

#[rustfmt::skip]
pub(super) fn rcode_name(rc: u8) -> String {
    const NAMES: [&str; 12] = ["No error", "Format error", "Server failure", "No such name",
        "Not implemented", "Refused", "Name exists", "RRset exists", "RRset does not exist",
        "Not authoritative", "Name out of zone", "DSO-Type not implemented"];
    NAMES.get(usize::from(rc)).map_or_else(|| format!("Unknown ({rc})"), |s| s.to_string())
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
}
