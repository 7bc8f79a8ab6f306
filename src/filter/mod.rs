//! Display filters: a subset of Wireshark's display-filter language, evaluated on the
//! typed values of each packet's fields ([`Dissection`]). The CLI
//! (`layerscope inspect -Y`) and the window use this same engine.
//!
//! # API
//!
//! ```
//! use std::sync::atomic::AtomicBool;
//! use layerscope::{capture::Capture, filter, store::{PacketId, Store}};
//!
//! let store = Store::build(Capture::open("samples/http-get.pcap".as_ref()).unwrap());
//! let f = filter::parse(r#"http.request.method == "GET""#).unwrap();
//! let hits = filter::filter_all(&store, &f, &AtomicBool::new(false), |_done, _total| {});
//! assert_eq!(hits.len(), 1);
//! assert!(f.matches_packet(&store, PacketId(hits[0])));
//!
//! let e = filter::parse("tcp.prot == 80").unwrap_err();
//! assert_eq!(e.message, "\"tcp.prot\" is not a known field or protocol (did you mean tcp.port?)");
//! assert_eq!(filter::complete("tcp.flags.s"), ["tcp.flags.syn"]);
//! ```
//!
//! - [`parse`]`(text) -> Result<Filter, FilterError>`: blank text gives a filter
//!   that matches everything ([`Filter::is_empty`]).
//! - [`Filter::matches`]`(&Dissection)`; [`Filter::matches_packet`]`(&Store, PacketId)`,
//!   which answers in tiers (below) and dissects the packet only when it must.
//! - [`filter_all`]: the indexes of the matching packets of a whole store, with
//!   progress every [`PROGRESS_EVERY`] packets and cancellation.
//! - [`known_fields`]: every field and protocol name the library emits, with a
//!   description, sorted; [`complete`]: the names that start with the last word
//!   of a partly typed filter.
//! - [`FilterError`]: `at`/`len` locate the offending text (byte offsets), the
//!   message says what is wrong and where (`unexpected ")" at 7`).
//!
//! # Syntax
//!
//! - A bare name (`tcp`, `websocket`, `tcp.flags.syn`) is true when the packet has
//!   a layer or field of that name, or one below it (`tcp.connection` and
//!   `tcp.flags.syn` count for `tcp`).
//! - Comparisons `==` `!=` `<` `<=` `>` `>=` (also `=`, and the words `eq` `ne`
//!   `lt` `le` `gt` `ge`), `contains "text"`, `matches "regex"` (also `~`),
//!   `in {80 443}` / `in {"a", "b"}` / `in {1..10}` (inclusive), `not in {...}`.
//! - `and` `or` `not` (also `&&` `||` `!`, keywords in any case), parentheses;
//!   `not` binds tighter than `and`, which binds tighter than `or`. Nesting
//!   (parentheses and `not`) deeper than [`MAX_DEPTH`] levels is an error.
//! - Values: integers (`80`, `0x50`, `-1`), decimals (`0.5`), IPv4/IPv6
//!   addresses and networks (`10.0.0.0/8`, `fe80::/10`), MAC addresses
//!   (`00:11:22:33:44:55`), byte strings (`47:45:54`), `true`/`false`, bare words
//!   and double-quoted strings. Escapes in strings: `\"` `\\` `\n` `\r` `\t` `\0`
//!   `\xHH`; any other `\c` stays as written, so `matches "^127\."` works.
//! - Names are checked against [`known_fields`], which is gathered from the field
//!   definitions of the protocol modules: an unknown name is an error with a suggestion.
//!   An unquoted value that cannot be a value of the field's type is an error too
//!   (`ip.addr == 999.1.1.1`: `"999.1.1.1" is not a valid IPv4 address`).
//!
//! # Semantics
//!
//! Every field carries a typed value ([`crate::dissect::Value`]: unsigned, signed,
//! boolean, IPv4, IPv6, MAC, bytes, text, time, duration, a number with a name from the
//! protocol's table, a link to a packet) and comparisons are typed, as in Wireshark:
//!
//! - Numbers compare as numbers (`tcp.flags == 0x0002`, `frame.len > 100`); a named number
//!   (`websocket.opcode`, `eth.type`, `ip.proto`) equals its number or its name
//!   (`websocket.opcode == 1`, `websocket.opcode == Text`, `ip.proto == TCP`).
//! - Booleans equal `true`/`false` or `1`/`0` (`tcp.flags.syn == 1`, `websocket.fin ==
//!   true`, `dns.flags.response == 1`).
//! - Addresses equal an address of their family or are in a network (`ip.addr ==
//!   10.0.0.0/8`, `ipv6.addr == ::/0`); `::1` equals `0:0:0:0:0:0:0:1`; ordering within
//!   one family. MAC addresses equal a MAC address (`eth.addr == 00:11:22:33:44:55`).
//! - Times and durations compare with seconds: `frame.time_delta > 0.5`,
//!   `frame.time_relative <= 10`, `frame.time_epoch >= 1700000000`.
//! - Links to packets (`http.request_in`, `websocket.pong.answers`, the frames of a
//!   reassembled message) compare with packet numbers (any of them, for several).
//! - Text compares as text, case-sensitive (`http.request.method == GET`); `<`, `>`
//!   lexicographically. Bytes equal a byte string (`data.data == 47:45:54`).
//! - A quoted value is text: a text field compares with it; a byte field with its bytes;
//!   any other field with the value as the tree shows it (`frame.len == "74 bytes"`,
//!   `websocket.opcode == "Text (1)"`).
//! - `contains` finds text in text and bytes in bytes (`tcp.payload contains 47:45:54`,
//!   `tcp.payload contains "GET"`; case-sensitive); in other values, text in their words.
//!   `matches` is a case-insensitive regular expression search (the `regex` crate's
//!   syntax) in text, in bytes read as UTF-8, or in other values' words.
//! - A named HTTP header field (`http.host`, `http.user_agent`, ...) holds the header's
//!   value (`127.0.0.1:80`), as in Wireshark; `http.header` (other headers) the whole line.
//! - A name can occur several times in a packet (two `ip` layers, several
//!   WebSocket frames): a test matches when any occurrence matches. A protocol
//!   name has no value: compared to a quoted value it uses its layers' one-line titles.
//! - `ip.addr`, `ipv6.addr`, `eth.addr` stand for the source and destination
//!   fields, `tcp.port` and `udp.port` for both ports: `==` matches when either
//!   side equals.
//! - `!=` is Wireshark's since 3.6: `a != b` means the field is present and
//!   *no* occurrence equals `b` (so `ip.addr != 10.0.0.1` excludes every packet
//!   to or from 10.0.0.1). Like every comparison, it is false when the field is
//!   absent; `!(a == b)` is true there.
//!
//! # Tiers
//!
//! [`Filter::matches_packet`] answers each test of a filter from the cheapest source that
//! knows it exactly, and combines the answers in three-valued logic (`and` is false as
//! soon as one side is, `or` true as soon as one side is):
//!
//! 1. the summary tier ([`Filter::quick`]): the packet's summary, flow endpoints, index
//!    record and TCP conversation give ports, IPv4/IPv6 addresses, TCP flags, length and
//!    stream, frame number, length and times, Ethernet addresses and the presence of TCP,
//!    UDP, IP, IPv6, ARP and DNS, as typed values, with no formatting;
//! 2. the record tier: the names of the record protocols (`http`, `websocket`,
//!    `engineio`, `socketio`, `json`) exist only in the layers the stream analysis puts at
//!    a packet, so they are answered from its records (the WebSocket header fields) or
//!    from those layers alone ([`Store::record_layers`]), without dissecting it;
//! 3. the packet is dissected only when a test that decides is known by neither
//!    ([`Filter::without_dissection`] is `None`).
//!
//! Tests check, on every sample and corpus file, that the first two tiers give the tree's
//! answer for every packet.
//!
//! # Limitations
//!
//! No field-to-field comparisons (the right side is always a value), no
//! arithmetic, slices (`tcp.payload[0:2]`), functions (`len()`, `upper()`),
//! `any`/`all` qualifiers or layer operators (`ip#2`), no dates as literals (times
//! compare with seconds since the epoch), no `frame.time_delta_displayed` (it depends on
//! the filter's own answer). Long texts and payloads (WebSocket, Engine.IO, Socket.IO)
//! are kept up to a bound in the tree, and match only on what is kept.

mod compare;
mod eval;
mod fields;
mod lexer;
mod parser;
mod quick;
mod record;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::dissect::Dissection;
use crate::store::{PacketId, Store};

pub use parser::MAX_DEPTH;

/// How often [`filter_all`] reports progress and checks for cancellation.
pub const PROGRESS_EVERY: usize = 4096;

/// A parsed display filter.
#[derive(Clone, Debug)]
pub struct Filter {
    text: String,
    expr: parser::Expr,
    /// Only a packet with stream-analysis records can match (see [`needs_records`]).
    needs_records: bool,
}

/// Protocols whose layers and fields a packet has only when the stream analysis
/// put a record at it: an HTTP message, a WebSocket frame, an Engine.IO packet
/// in a polling body ([`Store::has_stream_records`]). The layers of `http.rs` and
/// `store/app_layers.rs` are the only places these names are emitted.
pub(crate) const RECORD_PROTOCOLS: [&str; 5] =
    ["http", "websocket", "engineio", "socketio", "json"];

/// Whether `e` can only be true on a packet with stream records. Every test of a
/// field (a bare name, a comparison, `contains`, `matches`, `in`, and `!=`) is
/// false when the field is absent, so a test of a record protocol's name needs
/// records; `and` needs them when one side does, `or` when every side does, and
/// `not` never (it is true where the field is absent). Packets without records
/// are then skipped without being dissected: the same answer, much sooner, for
/// the filters this tool is about (`websocket`, `socketio.event == "chat"`).
fn needs_records(e: &parser::Expr) -> bool {
    use parser::Expr;
    match e {
        Expr::All | Expr::Not(_) => false,
        Expr::And(v) => v.iter().any(needs_records),
        Expr::Or(v) => !v.is_empty() && v.iter().all(needs_records),
        Expr::Has(name) | Expr::Test(name, _) => {
            let head = name.split('.').next().unwrap_or("");
            RECORD_PROTOCOLS.contains(&head)
        }
    }
}

/// Why a filter does not parse, and where: `at` is a byte offset into the
/// filter text and `len` the byte length of the offending part (at least 1,
/// possibly past the end of the text when something is missing there).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    pub at: usize,
    pub len: usize,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FilterError {}

/// Parse a display filter. Blank text gives a filter that matches everything.
pub fn parse(text: &str) -> Result<Filter, FilterError> {
    let expr = parser::parse_expr(text)?;
    Ok(Filter {
        text: text.to_string(),
        needs_records: needs_records(&expr),
        expr,
    })
}

impl Filter {
    /// Whether the packet with this field tree passes the filter.
    pub fn matches(&self, d: &Dissection) -> bool {
        eval::eval(&self.expr, d)
    }

    /// Whether packet `id` passes: answered, test by test, from its summary (the quick
    /// tier), then from the analysis records (the record tier), and only when a test that
    /// decides is still unknown, by dissecting it and testing its tree. A packet that
    /// cannot be read matches only the empty filter.
    pub fn matches_packet(&self, store: &Store, id: PacketId) -> bool {
        if self.is_empty() {
            return id.index() < store.len();
        }
        if self.rules_out(store, id) {
            return false;
        }
        if let Some(answer) = self.without_dissection(store, id) {
            return answer;
        }
        store.dissect(id).is_some_and(|d| self.matches(&d))
    }

    /// The answer for packet `id` from the quick and record tiers together, when they
    /// suffice; `None` when it must be dissected.
    pub fn without_dissection(&self, store: &Store, id: PacketId) -> Option<bool> {
        let known = self.known(store, id)?;
        let records = record::Records::new(store, id);
        quick::eval(&self.expr, &mut |e| {
            known.leaf(e).or_else(|| records.leaf(e))
        })
    }

    /// The answer for packet `id` from its summary, flow, index record and TCP conversation
    /// alone, when they suffice (ports, IPv4 and IPv6 addresses, TCP flags, length and
    /// stream, frame number, length and times, Ethernet addresses, the presence of TCP,
    /// UDP, IPv4, IPv6, ARP, DNS); `None` when it must be dissected.
    pub fn quick(&self, store: &Store, id: PacketId) -> Option<bool> {
        let known = self.known(store, id)?;
        quick::eval(&self.expr, &mut |e| known.leaf(e))
    }

    /// What the quick tier knows of packet `id`.
    fn known<'a>(&self, store: &'a Store, id: PacketId) -> Option<quick::Known<'a>> {
        let summary = store.summary(id)?;
        let flow = (summary.flow != crate::dissect::Summary::NO_FLOW)
            .then(|| store.flows.get(crate::store::FlowId(summary.flow)))
            .flatten();
        let ends = flow.map(|f| {
            let mut e = f.key;
            if summary.dir != 0 {
                std::mem::swap(&mut e.src, &mut e.dst);
                std::mem::swap(&mut e.sport, &mut e.dport);
            }
            e
        });
        let stream = store.analysis.tcp.conversation_of(id).map(|(c, _)| c.0);
        Some(quick::Known {
            id,
            summary,
            record: store.capture.record(id.index()),
            ends,
            stream,
            first_ts_ns: store.first_ts_ns(),
            prev_ts_ns: store.prev_ts_ns(id),
            link_type: store.capture.link_type(id.index()),
            data: store.capture.data(id.index()),
        })
    }

    /// True when packet `id` cannot match, known without dissecting it: the
    /// filter needs a field of a record protocol and the packet has no record.
    pub fn rules_out(&self, store: &Store, id: PacketId) -> bool {
        self.needs_records && !store.has_stream_records(id)
    }

    /// True for the filter of blank text, which matches every packet.
    pub fn is_empty(&self) -> bool {
        matches!(self.expr, parser::Expr::All)
    }

    /// The text the filter was parsed from.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Every field and protocol name a filter can use, with a description, sorted
/// by name.
pub fn known_fields() -> &'static [(&'static str, &'static str)] {
    fields::known()
}

/// Autocompletion: the known names that start with the last word of `prefix`
/// (all names when `prefix` is blank or ends with a space or operator).
pub fn complete(prefix: &str) -> Vec<&'static str> {
    let word_start = prefix
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &prefix[word_start..];
    fields::known()
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.starts_with(word))
        .collect()
}

/// The indexes of the packets of `store` that match `f`, in order.
/// `progress(done, total)` is called about every [`PROGRESS_EVERY`] packets and at
/// the end; when `cancel` becomes true the scan stops and returns the matches
/// found so far (among the packets before the first one not yet looked at).
///
/// Packets are looked at in chunks by as many threads as the machine has cores
/// (this thread among them; it alone reports progress).
pub fn filter_all(
    store: &Store,
    f: &Filter,
    cancel: &AtomicBool,
    mut progress: impl FnMut(usize, usize),
) -> Vec<u32> {
    let total = store.len();
    let chunks = total.div_ceil(PROGRESS_EVERY);
    let chunk = |c: usize| -> Vec<u32> {
        let start = c * PROGRESS_EVERY;
        (start..total.min(start + PROGRESS_EVERY))
            .map(|i| i as u32)
            .filter(|&i| f.matches_packet(store, PacketId(i)))
            .collect()
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let helpers = cores.min(8).min(chunks).saturating_sub(1);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let found: Mutex<Vec<Option<Vec<u32>>>> = Mutex::new(vec![None; chunks]);
    // Looks at the next chunk; returns how many chunks are done, or None when
    // there is none left (or the scan was cancelled).
    let step = || {
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let c = next.fetch_add(1, Ordering::Relaxed);
        if c >= chunks {
            return None;
        }
        let v = chunk(c);
        if let Ok(mut found) = found.lock() {
            found[c] = Some(v);
        }
        Some(done.fetch_add(1, Ordering::Relaxed) + 1)
    };
    std::thread::scope(|scope| {
        for _ in 0..helpers {
            // A helper that cannot start leaves its share to the others.
            let _ = std::thread::Builder::new()
                .name("layerscope-filter-helper".into())
                .spawn_scoped(scope, || while step().is_some() {});
        }
        while let Some(n) = step() {
            if n < chunks {
                progress(n * PROGRESS_EVERY, total);
            }
        }
    });
    let found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    let complete = found.iter().all(Option::is_some);
    let out: Vec<u32> = found.into_iter().map_while(|v| v).flatten().collect();
    if complete {
        progress(total, total);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::capture::Capture;
    use crate::dissect::tcp_flags;
    use crate::dissect::Field;

    fn store(name: &str) -> Store {
        let path = format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"));
        Store::build(Capture::open(path.as_ref()).expect("sample opens"))
    }

    fn hits(s: &Store, filter: &str) -> Vec<u32> {
        let f = parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        filter_all(s, &f, &AtomicBool::new(false), |_, _| {})
    }

    /// Packets for which `pred` holds on the dissection, computed without the filter.
    fn by_tree(s: &Store, pred: impl Fn(&Dissection) -> bool) -> Vec<u32> {
        (0..s.len() as u32)
            .filter(|&i| s.dissect(PacketId(i)).is_some_and(|d| pred(&d)))
            .collect()
    }

    /// Every layer protocol and field name of a packet.
    fn names(d: &Dissection) -> Vec<&'static str> {
        let mut out = Vec::new();
        for l in &d.layers {
            out.push(l.protocol);
            let mut stack: Vec<&Field> = l.fields.iter().collect();
            while let Some(f) = stack.pop() {
                out.push(f.name);
                stack.extend(&f.children);
            }
        }
        out
    }

    /// The words of every occurrence of field `name`.
    fn values(d: &Dissection, name: &str) -> Vec<String> {
        fn walk(f: &Field, name: &str, out: &mut Vec<String>) {
            if f.name == name {
                out.push(f.shown());
            }
            f.children.iter().for_each(|c| walk(c, name, out));
        }
        let mut out = Vec::new();
        d.layers
            .iter()
            .flat_map(|l| &l.fields)
            .for_each(|f| walk(f, name, &mut out));
        out
    }

    /// Over several chunks (looked at by several threads), the matches are
    /// those of each packet alone, in order; progress ends at the total; a
    /// cancelled scan returns only what it found.
    #[test]
    fn many_chunks_give_the_matches_in_order() {
        use crate::capture::testutil::PcapWriter;
        use crate::dissect::proptests::SYN;
        let n = 3 * PROGRESS_EVERY + 123;
        let mut w = PcapWriter::new(0xa1b2_c3d4, false, 1, 65535);
        for i in 0..n {
            let mut f = SYN;
            let port = 1000 + (i % 7) as u16;
            f[34..36].copy_from_slice(&port.to_be_bytes());
            w.record(i as u32, 0, &f, 74);
        }
        let s = Store::build(Capture::from_bytes(w.buf).unwrap());
        assert_eq!(s.len(), n);
        let f = parse("tcp.srcport == 1003").unwrap();
        let mut last = (0, 0);
        let got = filter_all(&s, &f, &AtomicBool::new(false), |d, t| last = (d, t));
        let want: Vec<u32> = (0..n as u32).filter(|i| i % 7 == 3).collect();
        assert_eq!(got, want);
        assert_eq!(last, (n, n));
        assert_eq!(got, by_tree(&s, |d| f.matches(d)));
        let none = filter_all(&s, &f, &AtomicBool::new(true), |_, _| {});
        assert!(none.is_empty());
    }

    /// Skipping packets without stream records gives the same packets as
    /// dissecting every one, on every sample and corpus file, for filters that can skip (record
    /// protocols, alone or combined) and filters that cannot (`not`, `or` with a
    /// lower layer).
    #[test]
    fn skipping_packets_without_records_changes_no_answer() {
        let filters = [
            ("websocket", true),
            ("http", true),
            ("socketio.event == \"chat message\"", true),
            ("engineio && tcp.len > 10", true),
            ("json or websocket.opcode == 1", true),
            ("websocket.opcode != 1", true),
            (
                "http.request.method in {\"GET\" \"POST\"} && ip.addr == 127.0.0.1",
                true,
            ),
            ("websocket.key contains \"=\"", true),
            ("http.response.code == 101 || tcp.flags.syn == 1", false),
            ("!websocket", false),
            ("not (socketio and tcp)", false),
            ("tcp.port == 18300", false),
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<_> = ["samples", "tests/corpus"]
            .iter()
            .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(files.len() > 30, "the samples and the Zeek corpus");
        let mut skipped = 0;
        for path in files {
            if !path
                .extension()
                .is_some_and(|e| e == "pcap" || e == "pcapng")
            {
                continue;
            }
            // Damaged corpus files keep the packets before the damage.
            let Ok(cap) = Capture::open(&path) else {
                panic!("{} does not open", path.display());
            };
            let s = Store::build(cap);
            for (text, skips) in filters {
                let f = parse(text).unwrap();
                assert_eq!(f.needs_records, skips, "{text}");
                let want = by_tree(&s, |d| f.matches(d));
                assert_eq!(hits(&s, text), want, "{text} on {}", path.display());
                skipped += (0..s.len() as u32)
                    .filter(|&i| skips && !s.has_stream_records(PacketId(i)))
                    .count();
            }
        }
        assert!(skipped > 100, "the samples have packets to skip: {skipped}");
    }

    /// The quick tier gives the tree's answer wherever it answers, on every sample and
    /// corpus file, and answers most packets of the filters it is for.
    #[test]
    fn quick_answers_equal_the_tree_answers() {
        let filters = [
            "tcp.port == 18300",
            "tcp.port in {80 443 8080 18080..18400}",
            "tcp.srcport != 80",
            "udp.port == 53 || udp.port == 5353",
            "ip.addr == 127.0.0.1",
            "ip.src == 10.0.0.1 or ip.dst == 192.168.1.1",
            "ip.addr != 127.0.0.1",
            "tcp.flags.syn == 1 && tcp.flags.ack == 0",
            "tcp.flags.reset == 1",
            "tcp.flags.fin == true",
            "tcp.len > 40",
            "frame.len >= 100 and frame.len < 1500",
            "frame.number <= 10",
            "tcp && !udp",
            "!tcp",
            "ip and not ipv6",
            "arp",
            "tcp.port == 18300 && websocket",
            "!(tcp.port == 18300) || http",
            "tcp.dstport > 1024 and ip.dst == 127.0.0.1",
            "frame.len == \"74 bytes\"",
            "ipv6.addr == ::1",
            "ipv6.src == ::1 && tcp.dstport == 18080",
            "ipv6 && !ip.addr == 127.0.0.1",
            "tcp.stream == 1",
            "tcp.stream in {0 2 4}",
            "tcp.stream != 0 && tcp.len > 0",
            "dns",
            "dns || arp",
            "udp && !dns",
            "tcp.flags == 0x012",
            "tcp.flags.ece == 0 && tcp.flags.res == 0",
            "ip.addr == 127.0.0.0/8",
            "ip.src == 10.0.0.0/8 || ip.dst == 192.168.0.0/16",
            "ipv6.addr == ::/0",
            "ipv6.addr == fe80::/10",
            "eth.addr == 00:00:00:00:00:00",
            "eth.src != 00:00:00:00:00:00",
            "eth",
            "frame.time_delta > 0.001",
            "frame.time_relative <= 1.5",
            "frame.time_epoch > 1700000000",
            "frame.time == 0",
            "tcp.stream == 0 && frame.time_delta == 0",
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<_> = ["samples", "tests/corpus"]
            .iter()
            .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
            .collect();
        files.sort();
        let (mut answered, mut total) = (0usize, 0usize);
        for path in files {
            let s = Store::build(Capture::open(&path).unwrap());
            for text in filters {
                let f = parse(text).unwrap();
                for i in 0..s.len() as u32 {
                    let id = PacketId(i);
                    let tree = s.dissect(id).is_some_and(|d| f.matches(&d));
                    total += 1;
                    if let Some(q) = f.quick(&s, id) {
                        answered += 1;
                        assert_eq!(q, tree, "{text} on packet {} of {}", i + 1, path.display());
                    }
                }
            }
        }
        assert!(
            answered * 10 > total * 7,
            "the quick tier answers most packets: {answered} of {total}"
        );
    }

    /// Typed comparisons: networks, MAC addresses, times, byte strings, named numbers.
    #[test]
    fn typed_comparisons() {
        let s = store("socketio-chat.pcap");
        let all: Vec<u32> = (0..s.len() as u32).collect();
        assert_eq!(hits(&s, "ip.addr == 127.0.0.0/8"), all);
        assert_eq!(hits(&s, "ip.src == 127.0.0.1/32"), all);
        assert!(hits(&s, "ip.addr == 10.0.0.0/8").is_empty());
        assert_eq!(hits(&s, "ip.addr != 10.0.0.0/8"), all);
        assert_eq!(hits(&s, "eth.addr == 00:00:00:00:00:00"), all);
        assert_eq!(hits(&s, "eth.type == 0x0800"), all);
        assert_eq!(hits(&s, "eth.type == IPv4"), all);
        assert_eq!(hits(&s, "ip.proto == TCP"), all);
        let first: Vec<u32> = vec![0];
        assert_eq!(
            hits(&s, "frame.time_relative == 0"),
            hits(&s, "frame.number == 1")
        );
        assert_eq!(hits(&s, "frame.number == 1"), first);
        let slow = by_tree(&s, |d| {
            d.field("frame.time_delta").is_some_and(
                |f| matches!(f.value, crate::dissect::Value::Duration(ns) if ns > 1_000_000),
            )
        });
        assert!(!slow.is_empty() && slow.len() < s.len());
        assert_eq!(hits(&s, "frame.time_delta > 0.001"), slow);
        let get = hits(&s, r#"http.request.method == "GET""#);
        assert_eq!(hits(&s, r#"tcp.payload contains "GET /""#), get);
        assert_eq!(hits(&s, "tcp.payload contains 47:45:54:20:2f"), get);
        assert_eq!(hits(&s, r#"tcp.payload matches "^get /""#), get);
        let syn = hits(&s, "tcp.flags.syn == 1 && tcp.flags.ack == 0");
        assert_eq!(hits(&s, "tcp.flags == 0x0002"), syn);
        assert_eq!(
            hits(&s, "tcp.flags.syn == true && tcp.flags.ack == false"),
            syn
        );

        let v6 = store("http-get-ipv6.pcap");
        let all6: Vec<u32> = (0..v6.len() as u32).collect();
        assert_eq!(hits(&v6, "ipv6.addr == ::/0"), all6);
        assert_eq!(hits(&v6, "ipv6.addr == ::1/128"), all6);
        assert!(hits(&v6, "ipv6.addr == fe80::/10").is_empty());
    }

    /// The record tier gives the full dissection's answer for every packet of every sample
    /// and corpus file, and answers every packet of a filter on record protocols alone.
    #[test]
    fn record_tier_answers_equal_the_tree_answers() {
        let filters = [
            "websocket",
            "websocket.opcode == 1",
            "websocket.opcode == Text",
            "websocket.opcode in {8 9 10}",
            "websocket.fin == 0",
            "websocket.mask == 1",
            "websocket.rsv != 0",
            "websocket.rsv == \"0x4 (RSV1: compressed message)\"",
            "websocket.opcode contains \"Cont\"",
            "websocket.payload_length > 100",
            "websocket.payload contains \"chat\"",
            "websocket.payload.part",
            "websocket.close.code == 1000",
            "websocket.key",
            "websocket.handshake == 1",
            "websocket.message.frames > 3",
            "websocket.pong.answers",
            "websocket.utf8 == 0",
            "json == 1",
            "http",
            "http.request.method == \"GET\"",
            "http.response.code == 101",
            "http.response.code >= 400",
            "http.host contains \"127\"",
            "http.request.uri matches \"sid=\"",
            "http.request_in",
            "http.response_in > 3",
            "http.content_length > 0",
            "http.header contains \"Accept\"",
            "engineio",
            "engineio.type == 4",
            "engineio.type == message",
            "engineio.transport == \"polling\"",
            "engineio.sid",
            "engineio.open.ping_interval >= 1000",
            "socketio",
            "socketio.event == \"chat message\"",
            "socketio.type == 2",
            "socketio.ack_id",
            "socketio.nsp != \"/\"",
            "socketio.args contains \"hi\"",
            "socketio.ack",
            "!websocket",
            "websocket.opcode == 1 && !socketio",
            "http or websocket.opcode == 2",
            "not (engineio and websocket.mask == 1)",
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<_> = ["samples", "tests/corpus"]
            .iter()
            .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
            .collect();
        files.sort();
        let parsed: Vec<Filter> = filters.iter().map(|t| parse(t).unwrap()).collect();
        let mut matched = vec![0usize; filters.len()];
        for path in files {
            let s = Store::build(Capture::open(&path).unwrap());
            for i in 0..s.len() as u32 {
                let id = PacketId(i);
                let d = s.dissect(id).unwrap();
                for (k, f) in parsed.iter().enumerate() {
                    let tree = f.matches(&d);
                    let what = format!("{} on packet {} of {}", filters[k], i + 1, path.display());
                    assert_eq!(f.without_dissection(&s, id), Some(tree), "{what}");
                    assert_eq!(f.matches_packet(&s, id), tree, "{what}");
                    matched[k] += usize::from(tree);
                }
            }
        }
        // The table tests something: most filters match some packet.
        let some = matched.iter().filter(|&&n| n > 0).count();
        assert!(
            some * 10 > filters.len() * 8,
            "{:?}",
            filters.iter().zip(&matched).collect::<Vec<_>>()
        );
    }

    #[test]
    fn socketio_matches_the_socketio_column() {
        let s = store("socketio-chat.pcap");
        let want: Vec<u32> = (0..s.len() as u32)
            .filter(|&i| s.columns(PacketId(i)).protocol == "Socket.IO")
            .collect();
        assert!(!want.is_empty());
        assert_eq!(hits(&s, "socketio"), want);
    }

    #[test]
    fn syn_only_segments() {
        let s = store("socketio-chat.pcap");
        let want: Vec<u32> = (0..s.len() as u32)
            .filter(|&i| {
                let fl = s.summary(PacketId(i)).map_or(0, |x| x.tcp_flags);
                fl & tcp_flags::SYN != 0 && fl & tcp_flags::ACK == 0
            })
            .collect();
        assert_eq!(want.len(), 4);
        assert_eq!(hits(&s, "tcp.flags.syn == 1 and tcp.flags.ack == 0"), want);
        // The flag fields are present in every TCP packet, whatever their value.
        assert!(hits(&s, "tcp.flags.syn eq true && !tcp.flags.ack").is_empty());
        assert_eq!(
            hits(&s, "tcp.flags.syn == True and tcp.flags.ack == false"),
            want
        );
        assert_eq!(hits(&s, "tcp.flags == 0x002"), want);
        assert_eq!(hits(&s, "tcp.flags == 2"), want);
    }

    #[test]
    fn ports_and_addresses() {
        let s = store("socketio-chat.pcap");
        let tcp = by_tree(&s, |d| d.layer("tcp").is_some());
        assert_eq!(tcp.len(), s.len());
        assert_eq!(hits(&s, "tcp.port == 18300"), tcp);
        assert_eq!(hits(&s, "tcp"), tcp);
        assert_eq!(hits(&s, "ip.addr == 127.0.0.1"), tcp);
        assert_eq!(hits(&s, "ip.src == 127.0.0.1 and ip.dst eq 127.0.0.1"), tcp);
        assert!(hits(&s, "ip.addr != 127.0.0.1").is_empty());
        assert!(hits(&s, "tcp.port != 18300").is_empty());
        assert!(hits(&s, "ip.addr == 10.0.0.1").is_empty());
        assert_eq!(hits(&s, "ip.addr != 10.0.0.1"), tcp);
        assert!(
            hits(&s, "ipv6.addr != ::1").is_empty(),
            "absent fields never compare"
        );
        let to_server = by_tree(&s, |d| values(d, "tcp.dstport") == ["18300"]);
        assert!(!to_server.is_empty() && to_server.len() < tcp.len());
        assert_eq!(hits(&s, "tcp.dstport in {18300 80}"), to_server);
        assert_eq!(hits(&s, "tcp.dstport in {18300..18300, 80}"), to_server);
        assert_eq!(hits(&s, "tcp.dstport == 18300"), to_server);
        assert_eq!(hits(&s, "tcp.srcport != 18300"), to_server);
        assert_eq!(hits(&s, "eth.addr == 00:00:00:00:00:00"), tcp);
        assert_eq!(hits(&s, "ip.src >= 127.0.0.1 and ip.src < 127.0.0.2"), tcp);

        let v6 = store("http-get-ipv6.pcap");
        let all: Vec<u32> = (0..v6.len() as u32).collect();
        assert_eq!(hits(&v6, "ipv6.addr == ::1"), all);
        assert_eq!(hits(&v6, "ipv6.src == 0:0:0:0:0:0:0:1"), all);
        assert!(hits(&v6, "ip").is_empty());
        assert_eq!(hits(&v6, "not ip"), all);
    }

    #[test]
    fn http_fields() {
        let s = store("socketio-chat.pcap");
        let get = by_tree(&s, |d| {
            values(d, "http.request.method").iter().any(|v| v == "GET")
        });
        assert!(get.len() >= 3);
        assert_eq!(hits(&s, r#"http.request.method == "GET""#), get);
        assert_eq!(hits(&s, "http.request.method == GET"), get);
        let ws_uri = by_tree(&s, |d| {
            values(d, "http.request.uri")
                .iter()
                .any(|u| u.contains("transport=websocket"))
        });
        assert_eq!(ws_uri.len(), 1);
        assert_eq!(
            hits(&s, r#"http.request.uri contains "transport=websocket""#),
            ws_uri
        );
        let hosts = by_tree(&s, |d| {
            values(d, "http.host").iter().any(|h| h.starts_with("127."))
        });
        assert!(!hosts.is_empty());
        assert_eq!(hits(&s, r#"http.host matches "^127\\.""#), hosts);
        assert_eq!(hits(&s, r#"http.host matches "^127\.""#), hosts);
        assert_eq!(hits(&s, r#"http.host == "127.0.0.1:18300""#), hosts);
        assert!(!hits(&s, r#"http.header contains "Accept""#).is_empty());
        assert_eq!(
            hits(&s, r#"http.request.method matches "^get$""#),
            get,
            "case-insensitive"
        );
        assert!(
            hits(&s, r#"http.request.method contains "get""#).is_empty(),
            "case-sensitive"
        );
        let http = by_tree(&s, |d| d.layer("http").is_some());
        assert_eq!(hits(&s, "http"), http);
        let ok = by_tree(&s, |d| {
            values(d, "http.response.code").iter().any(|v| v == "200")
        });
        assert!(!ok.is_empty());
        assert_eq!(hits(&s, "http.response.code == 200"), ok);
        assert_eq!(hits(&s, "http.response.code in {200..299}"), ok);
        let switching = hits(&s, "http.response.code == 101");
        assert_eq!(switching.len(), 1);
        assert_eq!(
            hits(&s, "http.response.code >= 100 and http.response.code < 200"),
            switching
        );
    }

    #[test]
    fn websocket_and_socketio_fields() {
        let s = store("socketio-chat.pcap");
        let text = by_tree(&s, |d| {
            values(d, "websocket.opcode")
                .iter()
                .any(|v| v == "Text (1)")
        });
        assert!(!text.is_empty());
        assert_eq!(hits(&s, "websocket.opcode == 1"), text);
        assert_eq!(hits(&s, "websocket.opcode == Text"), text);
        assert_eq!(hits(&s, r#"websocket.opcode == "Text (1)""#), text);
        let chat = by_tree(&s, |d| {
            values(d, "socketio.event")
                .iter()
                .any(|v| v == "chat message")
        });
        assert!(!chat.is_empty());
        assert_eq!(hits(&s, r#"socketio.event == "chat message""#), chat);
        let fin = by_tree(&s, |d| {
            values(d, "websocket.fin").iter().any(|v| v == "True")
        });
        assert_eq!(hits(&s, "websocket.fin == true"), fin);
        assert_eq!(hits(&s, "websocket.fin == 1"), fin);
        let ws = by_tree(&s, |d| {
            names(d)
                .iter()
                .any(|n| *n == "websocket" || n.starts_with("websocket."))
        });
        assert!(ws.len() > text.len());
        assert_eq!(hits(&s, "websocket"), ws);

        let d = store("websocket-deflate.pcap");
        let close = by_tree(&d, |x| {
            values(x, "websocket.close.code")
                .iter()
                .any(|v| v == "Normal Closure (1000)")
        });
        assert!(!close.is_empty());
        assert_eq!(hits(&d, "websocket.close.code == 1000"), close);
        assert_eq!(hits(&d, "websocket.close.code == 8"), Vec::<u32>::new());
    }

    #[test]
    fn frame_len_and_negation() {
        let s = store("socketio-chat.pcap");
        let big = by_tree(&s, |d| d.origlen > 100);
        assert!(!big.is_empty() && big.len() < s.len());
        assert_eq!(hits(&s, "frame.len > 100"), big);
        assert_eq!(hits(&s, "frame.len gt 100"), big);
        let small = by_tree(&s, |d| d.origlen <= 100);
        assert_eq!(hits(&s, "frame.len <= 100"), small);
        assert!(hits(&s, "not tcp").is_empty());
        let r = store("tcp-refused.pcap");
        let resets = (0..r.len() as u32)
            .filter(|&i| {
                r.summary(PacketId(i))
                    .is_some_and(|x| x.tcp_flags & tcp_flags::RST != 0)
            })
            .collect::<Vec<_>>();
        assert!(!resets.is_empty());
        assert_eq!(hits(&r, "tcp.flags.reset == 1"), resets);
        assert!(hits(&r, "not tcp").is_empty());
    }

    #[test]
    fn not_is_the_complement() {
        let s = store("socketio-chat.pcap");
        let all: BTreeSet<u32> = (0..s.len() as u32).collect();
        for x in [
            "socketio",
            "tcp.port == 18300",
            "ip.addr != 127.0.0.1",
            "frame.len > 100 and tcp.flags.push == 1",
            "http.request.method == GET or websocket.opcode in {1 2}",
            r#"http.host matches "^127\.""#,
            "tcp.len >= 1",
        ] {
            let yes: BTreeSet<u32> = hits(&s, x).into_iter().collect();
            let no: BTreeSet<u32> = hits(&s, &format!("!({x})")).into_iter().collect();
            assert!(yes.is_disjoint(&no), "{x}");
            assert_eq!(&yes | &no, all, "{x}");
        }
    }

    #[test]
    fn empty_filter_and_filter_all_progress() {
        let s = store("http-get.pcap");
        let f = parse("  ").unwrap();
        assert!(f.is_empty());
        assert!(!parse("tcp").unwrap().is_empty());
        let mut calls = Vec::new();
        let all = filter_all(&s, &f, &AtomicBool::new(false), |d, t| calls.push((d, t)));
        assert_eq!(all, (0..s.len() as u32).collect::<Vec<_>>());
        assert_eq!(calls, [(s.len(), s.len())]);
        assert!(filter_all(&s, &f, &AtomicBool::new(true), |_, _| {}).is_empty());
        assert!(!f.matches_packet(&s, PacketId(s.len() as u32)));
        assert!(!parse("tcp").unwrap().matches_packet(&s, PacketId(u32::MAX)));
    }

    #[test]
    fn completion() {
        assert_eq!(complete("tcp.flags.sy"), ["tcp.flags.syn"]);
        assert_eq!(
            complete("ip.src == 1.2.3.4 and tcp.flags.sy"),
            ["tcp.flags.syn"]
        );
        assert_eq!(complete("(websocket.opc"), ["websocket.opcode"]);
        assert!(complete("tcp.").iter().all(|n| n.starts_with("tcp.")));
        assert!(complete("tcp.").contains(&"tcp.port"));
        assert_eq!(complete("").len(), known_fields().len());
        assert!(complete("zzz").is_empty());
    }

    /// Every name in the field tree of every packet of every sample and corpus file is
    /// registered (a field definition of its protocol module), and every value emitted has
    /// the type its definition declares; every layer's protocol is registered without a
    /// value.
    #[test]
    fn every_emitted_field_is_registered_with_its_type() {
        fn walk(f: &Field, seen: &mut BTreeSet<&'static str>, wrong: &mut BTreeSet<String>) {
            seen.insert(f.name);
            match fields::def(f.name) {
                Some(d) if d.kind == f.value.kind() => {}
                Some(d) => {
                    wrong.insert(format!(
                        "{}: {:?}, emitted {:?}",
                        f.name,
                        d.kind,
                        f.value.kind()
                    ));
                }
                None => {
                    wrong.insert(format!("{}: not registered", f.name));
                }
            }
            f.children.iter().for_each(|c| walk(c, seen, wrong));
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<_> = ["samples", "tests/corpus"]
            .iter()
            .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
            .collect();
        files.sort();
        assert!(files.len() >= 40, "{}", files.len());
        let (mut seen, mut wrong) = (BTreeSet::new(), BTreeSet::new());
        for path in files {
            let s = Store::build(Capture::open(&path).unwrap());
            for i in 0..s.len() as u32 {
                let Some(d) = s.dissect(PacketId(i)) else {
                    continue;
                };
                for l in &d.layers {
                    seen.insert(l.protocol);
                    match fields::def(l.protocol) {
                        Some(def) if def.kind == crate::dissect::Kind::None => {}
                        _ => {
                            wrong.insert(format!("layer {}: not registered", l.protocol));
                        }
                    }
                    l.fields.iter().for_each(|f| walk(f, &mut seen, &mut wrong));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        assert!(seen.len() > 200, "{}", seen.len());
    }

    mod props {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn parse_never_panics(s in "\\PC{0,80}") {
                if let Err(e) = parse(&s) {
                    prop_assert!(e.at <= s.len());
                    prop_assert!(!e.message.is_empty());
                }
            }

            #[test]
            fn parse_never_panics_on_filter_like_text(
                parts in proptest::collection::vec(prop_oneof![
                    Just("tcp"), Just("ip.addr"), Just("=="), Just("!="), Just("("), Just(")"),
                    Just("{"), Just("}"), Just(".."), Just("and"), Just("or"), Just("!"), Just("not"),
                    Just("in"), Just("contains"), Just("matches"), Just("\""), Just("\\"),
                    Just("80"), Just("0x"), Just("::1"), Just("1.2.3.4"), Just("é"), Just(","),
                    Just("~"), Just("<"), Just(">="), Just("\"a\\x4"), Just("tcp.prot"),
                ], 0..24),
                sep in prop_oneof![Just(""), Just(" ")],
            ) {
                let s = parts.join(sep);
                let _ = parse(&s);
            }
        }
    }
}
