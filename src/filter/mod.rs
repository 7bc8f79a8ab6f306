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
//! - Slices after a name cut bytes out of its values (protocols, byte strings, texts,
//!   addresses): `frame[0:4]` (start:length), `ip[9]` (one byte), `tcp.payload[-2:]`
//!   (to the end; negative offsets count from the end), `frame[:2]`, `eth.src[1-2]`
//!   (start-end, both included), several ranges joined (`frame[0:2,4]`), and a slice of a
//!   slice (`frame[0:4][1]`); see `filter/slice.rs` for the rules. A slice is bytes: it
//!   compares with a byte string (`eth.src[0:3] == 00:11:22`) or a quoted string
//!   (`tcp.payload[0:3] == "GET"`), and alone it is true when it cuts some bytes.
//! - `and` `or` `not` (also `&&` `||` `!`, keywords in any case), parentheses;
//!   `not` binds tighter than `and`, which binds tighter than `or`. Nesting
//!   (parentheses and `not`) deeper than [`MAX_DEPTH`] levels is an error.
//! - Values: integers (`80`, `0x50`, `-1`), decimals (`0.5`), IPv4/IPv6
//!   addresses and networks (`10.0.0.0/8`, `fe80::/10`), MAC addresses
//!   (`00:11:22:33:44:55`), byte strings (`47:45:54`, also `474554`; `6` is the byte
//!   06, `0x06` too), `true`/`false`, bare words and double-quoted strings. Escapes in strings: `\"` `\\` `\n` `\r` `\t` `\0`
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
//!   lexicographically. Bytes equal a byte string (`data.data == 47:45:54`); they order
//!   as Wireshark orders them, the shorter first, then byte by byte.
//! - A protocol's value is its bytes, as in Wireshark: from its first byte to the end of
//!   the data handed to it (the whole captured frame for `frame` and `eth`, the IP packet
//!   for `ip` as its length field ends it, the TCP segment with its payload for `tcp`, this
//!   packet's TCP payload for `http`, the WebSocket frame's bytes in this packet for
//!   `websocket`). So `frame contains "GET"`, `tcp contains 47:45:54`, `frame matches
//!   "(?i)upgrade"`, `ip[9] == 6` (the protocol byte), `frame[12:2] == 08:00`; a protocol
//!   contains no empty string.
//! - A quoted value is text: a text field compares with it; a byte field with its bytes;
//!   any other field with the value as the tree shows it (`frame.len == "74 bytes"`,
//!   `websocket.opcode == "Text (1)"`).
//! - `contains` finds text in text and bytes in bytes (`tcp.payload contains 47:45:54`,
//!   `tcp.payload contains "GET"`; case-sensitive); in other values, text in their words.
//!   `matches` is a case-insensitive regular expression search (the `regex` crate's
//!   syntax) in text, in bytes byte by byte (`"\\xff"` is the byte 0xff, `.` any byte
//!   but a newline), or in other values' words.
//! - A named HTTP header field (`http.host`, `http.user_agent`, ...) holds the header's
//!   value (`127.0.0.1:80`), as in Wireshark; `http.header` (other headers) the whole line.
//! - A name can occur several times in a packet (two `ip` layers, several
//!   WebSocket frames): a test matches when any occurrence matches.
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
//!    UDP, IP, IPv6, ARP and DNS, as typed values, with no formatting; the captured bytes
//!    give `frame` and `eth`, and slicing the packet again (no tree) `ip`, `ipv6`, `tcp`
//!    and `udp`;
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
//! arithmetic or bitwise `&`, functions (`len()`, `upper()`),
//! `any`/`all` qualifiers or layer operators (`ip#2`), no dates as literals (times
//! compare with seconds since the epoch), no `frame.time_delta_displayed` (it depends on
//! the filter's own answer). Long texts and payloads (WebSocket, Engine.IO, Socket.IO)
//! are kept up to a bound in the tree, and match only on what is kept. An HTTP message
//! whose bytes came in several segments is searched in the packet that completes it only
//! (Wireshark searches the reassembled message there).

mod compare;
mod eval;
mod fields;
mod lexer;
mod parser;
mod quick;
mod record;
mod slice;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::dissect::Dissection;
use crate::store::{PacketId, Store};

pub(crate) use fields::distance as edit_distance;
pub use parser::MAX_DEPTH;

/// How often [`filter_all`] reports progress and checks for cancellation.
pub const PROGRESS_EVERY: usize = 4096;

/// A parsed display filter.
#[derive(Clone, Debug)]
pub struct Filter {
    text: String,
    expr: parser::Expr,
    /// `expr` with the names the quick tier answers resolved.
    plan: quick::Plan,
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
        plan: quick::Plan::of(&expr),
        expr,
    })
}

impl Filter {
    /// Whether the packet with this field tree and these captured bytes (`frame`, which
    /// the protocols' bytes and slices are read from) passes the filter.
    pub fn matches(&self, d: &Dissection, frame: &[u8]) -> bool {
        eval::eval(&self.expr, eval::Packet { d, frame })
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
        let frame = store.capture.data(id.index());
        store.dissect(id).is_some_and(|d| self.matches(&d, frame))
    }

    /// The answer for packet `id` from the quick and record tiers together, when they
    /// suffice; `None` when it must be dissected.
    pub fn without_dissection(&self, store: &Store, id: PacketId) -> Option<bool> {
        let known = self.known(store, id)?;
        let records = record::Records::new(store, id);
        quick::eval(&self.expr, &self.plan, &mut |e, leaf| {
            known.leaf(e, leaf).or_else(|| records.leaf(e))
        })
    }

    /// The answer for packet `id` from its summary, flow, index record and TCP conversation
    /// alone, when they suffice (ports, IPv4 and IPv6 addresses, TCP flags, length and
    /// stream, frame number, length and times, Ethernet addresses, the presence of TCP,
    /// UDP, IPv4, IPv6, ARP, DNS); `None` when it must be dissected.
    pub fn quick(&self, store: &Store, id: PacketId) -> Option<bool> {
        let known = self.known(store, id)?;
        quick::eval(&self.expr, &self.plan, &mut |e, leaf| known.leaf(e, leaf))
    }

    /// What the quick tier knows of packet `id`.
    fn known<'a>(&self, store: &'a Store, id: PacketId) -> Option<quick::Known<'a>> {
        let summary = store.summary(id)?;
        let flow = (summary.flow != crate::dissect::Summary::NO_FLOW)
            .then(|| store.flows.get(crate::store::FlowId(summary.flow)))
            .flatten();
        let ends = flow.map(|f| {
            let mut e = f.key;
            if summary.dir == crate::ids::FlowSide::Reversed {
                std::mem::swap(&mut e.src, &mut e.dst);
                std::mem::swap(&mut e.sport, &mut e.dport);
            }
            e
        });
        Some(quick::Known {
            id,
            store,
            summary,
            ends,
        })
    }

    /// Whether the filter names only what a packet's summary, flow and index record
    /// hold (addresses, ports, flags, lengths, protocol presence): then which packets
    /// it may pass is known before any analysis, from [`Filter::quick`], and only their
    /// conversations need analysing (see `Store::build_scoped`).
    pub fn without_analysis(&self) -> bool {
        !self.is_empty() && quick::without_analysis(&self.expr)
    }

    /// Whether the filter passes only packets with analysis records (see
    /// [`Filter::rules_out`]): then `Store::packets_with_stream_records` are the only
    /// packets to look at.
    pub fn needs_stream_records(&self) -> bool {
        self.needs_records
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

/// The definition (label, type, description) of every field and protocol name a filter
/// can use, sorted by name: the two-sided aliases among them ([`alias_of`]) too.
pub fn definitions() -> &'static [&'static crate::dissect::FieldDef] {
    fields::registry()
}

/// The two fields a two-sided alias stands for (`tcp.port`: `tcp.srcport` and
/// `tcp.dstport`). An alias is a filter's name only: the tree shows the two fields.
pub fn alias_of(name: &str) -> Option<[&'static str; 2]> {
    fields::alias(name)
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
mod bytes_tests;
#[cfg(test)]
mod tests;
