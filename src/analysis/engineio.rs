//! Engine.IO packets (protocol v4, and v3 where it differs): pure parsers and
//! formatters over bytes the caller has already extracted — a WebSocket message
//! payload or an HTTP long-polling body. Nothing here knows about packets,
//! captures or storage.
//!
//! * Packet types: `0` open, `1` close, `2` ping, `3` pong, `4` message,
//!   `5` upgrade, `6` noop. A text packet is the type digit followed by its data.
//! * WebSocket: a text frame is one packet ([`parse_ws_text`]); a binary frame
//!   is one binary message ([`parse_ws_binary`]; in v3 its first byte is the
//!   packet type, normally `0x04`).
//! * Long-polling ([`split_polling`]):
//!   - v4: packets separated by the record separator `0x1E`; `b<base64>` is a
//!     binary message.
//!   - v3 text payload: `<length>:<packet>` repeated, where the length counts
//!     UTF-16 code units (JavaScript's `String.length`); `b<type><base64>` is a
//!     binary packet.
//!   - v3 binary payload (XHR2): `0x00` (string) or `0x01` (binary), the length
//!     as one byte per decimal digit (`0`–`9`), `0xFF`, then the packet.
//! * The protocol version comes from the `EIO=` query parameter of the request
//!   ([`eio_version_from_query`]); versions below 4 follow the v3 rules.
//! * [`Health`] checks a session's heartbeat (pings and pongs) against the
//!   open packet's `pingInterval` / `pingTimeout`.
//!
//! Memory is bounded by the input: at most [`MAX_PACKETS`] packets are split
//! from one body, base64 output is smaller than its input, and the health
//! checker keeps at most [`MAX_PENDING_PINGS`] pings and [`MAX_FINDINGS`]
//! findings.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;

use crate::ids::Direction;

/// Most packets split out of one long-polling body; the rest of the body is
/// reported as [`Error::TooManyPackets`].
pub const MAX_PACKETS: usize = 100_000;
/// Most decimal digits accepted in a v3 length prefix.
const MAX_LENGTH_DIGITS: usize = 18;
/// Characters of packet data shown by [`describe`] before `…`.
const PREVIEW_CHARS: usize = 80;
/// Bytes of binary data shown in hex by [`describe`] before `…`.
const PREVIEW_BYTES: usize = 16;
/// Most pings the health checker waits on at once; older ones are reported missing.
pub const MAX_PENDING_PINGS: usize = 1024;
/// Most findings the health checker keeps; later ones are only counted.
pub const MAX_FINDINGS: usize = 10_000;

/// Why bytes are not a valid Engine.IO packet or payload. Positions are byte
/// offsets into the input given to the parsing function.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A packet (or the whole body) has no bytes at all.
    #[error("empty packet at byte {at}")]
    Empty { at: usize },
    /// The first byte is not a packet type (`0`–`6`, or `b` for base64 binary).
    #[error("unknown packet type {byte:#04x} at byte {at}")]
    UnknownType { byte: u8, at: usize },
    /// A `b` packet whose base64 does not decode.
    #[error("invalid base64 at byte {at}: {reason}")]
    Base64 { at: usize, reason: String },
    /// A v3 length prefix that is missing, not decimal, too long or not
    /// followed by its separator (`:` in text payloads, `0xFF` in binary ones).
    #[error("bad length prefix at byte {at}")]
    BadLength { at: usize },
    /// A v3 binary payload entry that does not start with `0x00` or `0x01`.
    #[error("bad binary payload marker {byte:#04x} at byte {at}")]
    BadMarker { byte: u8, at: usize },
    /// A length that runs past the end of the body.
    #[error("packet at byte {at} claims length {len}, past the end of the body")]
    Truncated { at: usize, len: usize },
    /// A v3 length that ends inside a UTF-16 surrogate pair.
    #[error("length at byte {at} ends inside a character")]
    SplitCharacter { at: usize },
    /// A v3 text payload that is not valid UTF-8 where a length must be counted.
    #[error("invalid UTF-8 at byte {at}")]
    InvalidUtf8 { at: usize },
    /// More than [`MAX_PACKETS`] packets in one body; the rest was not split.
    #[error("more than {MAX_PACKETS} packets; the rest from byte {at} was not split")]
    TooManyPackets { at: usize },
    /// The open packet's data is not the expected JSON object.
    #[error("invalid open packet: {0}")]
    Open(String),
}

/// The Engine.IO packet types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PacketType {
    Open,
    Close,
    Ping,
    Pong,
    Message,
    Upgrade,
    Noop,
}

impl PacketType {
    /// From its ASCII digit (`b'0'`–`b'6'`).
    pub fn from_digit(digit: u8) -> Option<PacketType> {
        digit.checked_sub(b'0').and_then(PacketType::from_number)
    }

    /// From its number (`0`–`6`), as in v3 binary frames.
    pub fn from_number(n: u8) -> Option<PacketType> {
        Some(match n {
            0 => PacketType::Open,
            1 => PacketType::Close,
            2 => PacketType::Ping,
            3 => PacketType::Pong,
            4 => PacketType::Message,
            5 => PacketType::Upgrade,
            6 => PacketType::Noop,
            _ => return None,
        })
    }

    /// The type's number (`0`–`6`).
    pub fn number(self) -> u8 {
        match self {
            PacketType::Open => 0,
            PacketType::Close => 1,
            PacketType::Ping => 2,
            PacketType::Pong => 3,
            PacketType::Message => 4,
            PacketType::Upgrade => 5,
            PacketType::Noop => 6,
        }
    }

    /// Lower-case name: `open`, `close`, `ping`, `pong`, `message`, `upgrade`, `noop`.
    pub fn name(self) -> &'static str {
        match self {
            PacketType::Open => "open",
            PacketType::Close => "close",
            PacketType::Ping => "ping",
            PacketType::Pong => "pong",
            PacketType::Message => "message",
            PacketType::Upgrade => "upgrade",
            PacketType::Noop => "noop",
        }
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One Engine.IO packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    pub kind: PacketType,
    /// Binary data (a WebSocket binary frame, a base64 `b` packet, a v3 binary
    /// payload entry) rather than text.
    pub binary: bool,
    /// Text packets: the bytes after the type digit (borrowed). Binary
    /// packets: the raw bytes (decoded from base64 when needed).
    pub data: Cow<'a, [u8]>,
    /// Where the packet sits in the input: `(start, end)` byte offsets,
    /// excluding separators and length prefixes.
    pub range: (usize, usize),
}

impl Packet<'_> {
    /// The data as text, for text packets whose data is valid UTF-8.
    pub fn text(&self) -> Option<&str> {
        if self.binary {
            return None;
        }
        std::str::from_utf8(&self.data).ok()
    }
}

/// The value of the first `key=` parameter in a request target's query
/// (`/socket.io/?EIO=4&transport=polling`), or in a bare query string. Not
/// percent-decoded.
pub fn query_param<'a>(path: &'a str, key: &str) -> Option<&'a str> {
    let query = match path.split_once('?') {
        Some((_, q)) => q,
        None => path,
    };
    let query = query.split('#').next().unwrap_or("");
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then_some(v)
    })
}

/// The Engine.IO protocol version from the `EIO=` query parameter (`3`, `4`).
pub fn eio_version_from_query(path: &str) -> Option<u8> {
    query_param(path, "EIO")?.parse().ok()
}

/// The session id from the `sid=` query parameter (absent on the first request).
pub fn sid_from_query(path: &str) -> Option<&str> {
    query_param(path, "sid").filter(|s| !s.is_empty())
}

/// The transport from the `transport=` query parameter (`polling`, `websocket`).
pub fn transport_from_query(path: &str) -> Option<&str> {
    query_param(path, "transport").filter(|s| !s.is_empty())
}

/// One packet from a WebSocket text frame: type digit + data. (Binary data
/// travels in binary frames over WebSocket, so `b` is not accepted here; see
/// [`parse_text_packet`] for the polling forms.)
pub fn parse_ws_text(payload: &[u8]) -> Result<Packet<'_>, Error> {
    let (&first, rest) = payload.split_first().ok_or(Error::Empty { at: 0 })?;
    let kind = PacketType::from_digit(first).ok_or(Error::UnknownType { byte: first, at: 0 })?;
    Ok(Packet {
        kind,
        binary: false,
        data: Cow::Borrowed(rest),
        range: (0, payload.len()),
    })
}

/// One packet from a WebSocket binary frame. v4: the whole frame is a binary
/// message. v3 (and earlier): the first byte is the packet type number
/// (normally `0x04`) and the rest is the data; a frame that is empty or starts
/// with something else is taken whole as a binary message.
pub fn parse_ws_binary(payload: &[u8], version: u8) -> Packet<'_> {
    let whole = Packet {
        kind: PacketType::Message,
        binary: true,
        data: Cow::Borrowed(payload),
        range: (0, payload.len()),
    };
    if version >= 4 {
        return whole;
    }
    match payload.split_first() {
        Some((&t, rest)) => match PacketType::from_number(t) {
            Some(kind) => Packet {
                kind,
                binary: true,
                data: Cow::Borrowed(rest),
                range: (0, payload.len()),
            },
            None => whole,
        },
        None => whole,
    }
}

/// One text-encoded packet as found in a polling body: type digit + data, or
/// base64 binary — v4 `b<base64>` (a message), v3 `b<type digit><base64>`.
pub fn parse_text_packet(text: &[u8], version: u8) -> Result<Packet<'_>, Error> {
    text_packet(text, 0, text.len(), version)
}

/// [`parse_text_packet`] on `body[start..end]`, with positions in `body`.
fn text_packet(body: &[u8], start: usize, end: usize, version: u8) -> Result<Packet<'_>, Error> {
    let bytes = body.get(start..end).ok_or(Error::Truncated {
        at: start,
        len: end.saturating_sub(start),
    })?;
    let (&first, rest) = bytes.split_first().ok_or(Error::Empty { at: start })?;
    if first == b'b' {
        let (kind, b64, skip) = if version >= 4 {
            (PacketType::Message, rest, 1)
        } else {
            let (&t, b64) = rest.split_first().ok_or(Error::Empty { at: start })?;
            let kind = PacketType::from_digit(t).ok_or(Error::UnknownType {
                byte: t,
                at: start + 1,
            })?;
            (kind, b64, 2)
        };
        let data = STANDARD.decode(b64).map_err(|e| Error::Base64 {
            at: start + skip,
            reason: e.to_string(),
        })?;
        return Ok(Packet {
            kind,
            binary: true,
            data: Cow::Owned(data),
            range: (start, end),
        });
    }
    let kind = PacketType::from_digit(first).ok_or(Error::UnknownType {
        byte: first,
        at: start,
    })?;
    Ok(Packet {
        kind,
        binary: false,
        data: Cow::Borrowed(rest),
        range: (start, end),
    })
}

/// Splits an HTTP long-polling body (request or response) into its packets.
/// `version` is the `EIO=` version: 4 and above use the `0x1E` separator,
/// below 4 the v3 length-prefixed text or binary (XHR2) payloads. A malformed
/// packet gives an `Err` in its place; where the framing itself is broken the
/// rest of the body cannot be split and the `Err` is the last item. An empty
/// body gives one [`Error::Empty`]. At most [`MAX_PACKETS`] packets.
pub fn split_polling(body: &[u8], version: u8) -> Vec<Result<Packet<'_>, Error>> {
    if body.is_empty() {
        return vec![Err(Error::Empty { at: 0 })];
    }
    if version >= 4 {
        split_v4(body)
    } else if matches!(body.first(), Some(0 | 1)) {
        split_v3_binary(body)
    } else {
        split_v3_text(body)
    }
}

fn split_v4(body: &[u8]) -> Vec<Result<Packet<'_>, Error>> {
    let mut out = Vec::new();
    let mut start = 0;
    for segment in body.split(|&b| b == 0x1E) {
        if out.len() >= MAX_PACKETS {
            out.push(Err(Error::TooManyPackets { at: start }));
            break;
        }
        let end = start + segment.len();
        out.push(text_packet(body, start, end, 4));
        start = end + 1;
    }
    out
}

/// Reads decimal ASCII digits in `body[at..]` up to `sep`; returns the number
/// and the position just after `sep`.
fn length_prefix(body: &[u8], at: usize, sep: u8, digit_base: u8) -> Result<(usize, usize), Error> {
    let bad = Error::BadLength { at };
    let mut n: usize = 0;
    let mut digits = 0;
    let mut pos = at;
    loop {
        let &b = body.get(pos).ok_or(bad.clone())?;
        if b == sep {
            break;
        }
        let d = b
            .checked_sub(digit_base)
            .filter(|d| *d <= 9)
            .ok_or(bad.clone())?;
        digits += 1;
        if digits > MAX_LENGTH_DIGITS {
            return Err(bad);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(usize::from(d)))
            .ok_or(bad.clone())?;
        pos += 1;
    }
    if digits == 0 {
        return Err(bad);
    }
    Ok((n, pos + 1))
}

fn split_v3_text(body: &[u8]) -> Vec<Result<Packet<'_>, Error>> {
    // Lengths count UTF-16 code units, so the body is read as text; a body
    // that is not UTF-8 is split up to its first invalid byte.
    let text = match std::str::from_utf8(body) {
        Ok(s) => s,
        Err(e) => body
            .get(..e.valid_up_to())
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or(""),
    };
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        if out.len() >= MAX_PACKETS {
            out.push(Err(Error::TooManyPackets { at: pos }));
            break;
        }
        let (n, start) = match length_prefix(body, pos, b':', b'0') {
            Ok(v) => v,
            Err(e) => {
                out.push(Err(e));
                break;
            }
        };
        if n == 0 {
            // `0:` is the empty payload; an empty packet carries nothing.
            pos = start;
            continue;
        }
        let end = match advance_utf16(text, body.len(), start, n) {
            Ok(end) => end,
            Err(e) => {
                out.push(Err(e));
                break;
            }
        };
        out.push(text_packet(body, start, end, 3));
        pos = end;
    }
    out
}

/// The byte position `units` UTF-16 code units after `start` in `text` (the
/// valid UTF-8 prefix of a body `body_len` bytes long).
fn advance_utf16(text: &str, body_len: usize, start: usize, units: usize) -> Result<usize, Error> {
    let rest = text
        .get(start..)
        .ok_or(Error::InvalidUtf8 { at: text.len() })?;
    let mut counted = 0usize;
    for (i, c) in rest.char_indices() {
        counted += c.len_utf16();
        if counted == units {
            return Ok(start + i + c.len_utf8());
        }
        if counted > units {
            return Err(Error::SplitCharacter { at: start });
        }
    }
    if text.len() < body_len {
        Err(Error::InvalidUtf8 { at: text.len() })
    } else {
        Err(Error::Truncated {
            at: start,
            len: units,
        })
    }
}

fn split_v3_binary(body: &[u8]) -> Vec<Result<Packet<'_>, Error>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(&marker) = body.get(pos) {
        if out.len() >= MAX_PACKETS {
            out.push(Err(Error::TooManyPackets { at: pos }));
            break;
        }
        if marker > 1 {
            out.push(Err(Error::BadMarker {
                byte: marker,
                at: pos,
            }));
            break;
        }
        // Lengths here are byte counts, one byte per decimal digit.
        let (n, start) = match length_prefix(body, pos + 1, 0xFF, 0) {
            Ok(v) => v,
            Err(e) => {
                out.push(Err(e));
                break;
            }
        };
        let end = match start.checked_add(n).filter(|&e| e <= body.len()) {
            Some(end) => end,
            None => {
                out.push(Err(Error::Truncated { at: start, len: n }));
                break;
            }
        };
        if marker == 0 {
            out.push(text_packet(body, start, end, 3));
        } else {
            out.push(binary_entry(body, start, end));
        }
        pos = end;
    }
    out
}

/// A v3 binary payload's binary entry: the type number, then the data.
fn binary_entry(body: &[u8], start: usize, end: usize) -> Result<Packet<'_>, Error> {
    let bytes = body.get(start..end).ok_or(Error::Truncated {
        at: start,
        len: end.saturating_sub(start),
    })?;
    let (&t, rest) = bytes.split_first().ok_or(Error::Empty { at: start })?;
    let kind = PacketType::from_number(t).ok_or(Error::UnknownType { byte: t, at: start })?;
    Ok(Packet {
        kind,
        binary: true,
        data: Cow::Borrowed(rest),
        range: (start, end),
    })
}

/// The handshake carried by the open packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenInfo {
    pub sid: String,
    /// Transports the client may upgrade to (`websocket`).
    pub upgrades: Vec<String>,
    pub ping_interval_ms: u64,
    pub ping_timeout_ms: u64,
    /// v4 only: the largest payload the server accepts, in bytes.
    pub max_payload: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenJson {
    sid: String,
    #[serde(default)]
    upgrades: Vec<String>,
    ping_interval: u64,
    ping_timeout: u64,
    #[serde(default)]
    max_payload: Option<u64>,
}

/// Parses the open packet's data (the JSON after the `0`):
/// `{"sid":…,"upgrades":[…],"pingInterval":…,"pingTimeout":…,"maxPayload":…}`.
/// `sid`, `pingInterval` and `pingTimeout` are required; other fields are ignored.
pub fn parse_open(data: &[u8]) -> Result<OpenInfo, Error> {
    let json: OpenJson = serde_json::from_slice(data).map_err(|e| Error::Open(e.to_string()))?;
    Ok(OpenInfo {
        sid: json.sid,
        upgrades: json.upgrades,
        ping_interval_ms: json.ping_interval,
        ping_timeout_ms: json.ping_timeout,
        max_payload: json.max_payload,
    })
}

/// The upgrade probe: a text ping or pong whose data is `probe` (`2probe`, `3probe`).
pub fn is_probe(p: &Packet) -> bool {
    matches!(p.kind, PacketType::Ping | PacketType::Pong) && !p.binary && &*p.data == b"probe"
}

/// Text data for display: invalid UTF-8 replaced, control characters
/// escaped, cut after [`PREVIEW_CHARS`] characters with `…`.
fn preview_text(data: &[u8]) -> String {
    one_line(&String::from_utf8_lossy(data), PREVIEW_CHARS)
}

/// `text` on one line for display (the per-packet formatter's, shared).
pub use crate::dissect::fmt::one_line;

/// Binary data for display: its length and the first bytes in hex.
fn preview_binary(data: &[u8]) -> String {
    let mut out = format!("{} bytes", data.len());
    if !data.is_empty() {
        out.push(' ');
        for b in data.iter().take(PREVIEW_BYTES) {
            out.push_str(&format!("{b:02x}"));
        }
        if data.len() > PREVIEW_BYTES {
            out.push('…');
        }
    }
    out
}

/// A short description of a packet, for an info column:
/// * `open sid=abc upgrades=websocket pingInterval=25000 pingTimeout=20000 maxPayload=1000000`
///   (fields present only when known; unparsable JSON: `open <data>`)
/// * `close`, `upgrade`, `noop`, `ping`, `pong`, `ping probe`, `pong probe`
///   (other data follows the name)
/// * `message 0{"sid":"x"}` (text, cut after 80 characters with `…`)
/// * `message binary 4 bytes 01020304` (first 16 bytes in hex, then `…`)
pub fn describe(p: &Packet) -> String {
    let name = p.kind.name();
    if p.binary {
        return format!("{name} binary {}", preview_binary(&p.data));
    }
    if p.kind == PacketType::Open {
        if let Ok(open) = parse_open(&p.data) {
            let mut s = format!("open sid={}", preview_text(open.sid.as_bytes()));
            if !open.upgrades.is_empty() {
                s.push_str(&format!(" upgrades={}", open.upgrades.join(",")));
            }
            s.push_str(&format!(
                " pingInterval={} pingTimeout={}",
                open.ping_interval_ms, open.ping_timeout_ms
            ));
            if let Some(max) = open.max_payload {
                s.push_str(&format!(" maxPayload={max}"));
            }
            return s;
        }
    }
    if p.data.is_empty() {
        name.to_string()
    } else {
        format!("{name} {}", preview_text(&p.data))
    }
}

/// A heartbeat problem found by [`Health`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HealthIssue {
    /// A pong arrived more than `pingTimeout` after its ping.
    LatePong,
    /// A ping was never answered (by the end of the session, more than
    /// `pingTimeout` after it).
    MissingPong,
    /// The gap between two pings exceeds `pingInterval + pingTimeout`.
    PingOverdue,
}

impl HealthIssue {
    /// `late pong`, `missing pong`, `ping overdue`.
    pub fn name(self) -> &'static str {
        match self {
            HealthIssue::LatePong => "late pong",
            HealthIssue::MissingPong => "missing pong",
            HealthIssue::PingOverdue => "ping overdue",
        }
    }
}

/// One heartbeat finding, with the caller's record ids and timestamps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub issue: HealthIssue,
    /// The record concerned: the late pong, the unanswered ping, the overdue ping.
    pub record_id: u32,
    /// That record's timestamp.
    pub ts_ns: u64,
    /// The ping a late pong answers, or the ping before an overdue one.
    pub related_id: Option<u32>,
    /// The time measured: pong delay, time from the ping to the end, gap between pings.
    pub elapsed_ns: u64,
    /// The allowance it exceeded (`pingTimeout`, or `pingInterval + pingTimeout`).
    pub limit_ns: u64,
}

impl Finding {
    /// E.g. `late pong: 31.000 s after its ping (limit 20.000 s)`.
    pub fn describe(&self) -> String {
        let what = match self.issue {
            HealthIssue::LatePong => "after its ping",
            HealthIssue::MissingPong => "without an answer",
            HealthIssue::PingOverdue => "since the previous ping",
        };
        format!(
            "{}: {:.3} s {what} (limit {:.3} s)",
            self.issue.name(),
            self.elapsed_ns as f64 / 1e9,
            self.limit_ns as f64 / 1e9
        )
    }
}

/// Checks one session's heartbeat. Feed it the session's pings and pongs in
/// time order ([`Health::observe`] or [`Health::observe_packet`]), then call
/// [`Health::finish`]. In v4 the server pings and the client answers with a
/// pong; in v3 the client pings and the server answers. Pings and pongs in the
/// other direction, and pongs with no ping waiting, are ignored; pongs answer
/// waiting pings in order.
#[derive(Clone, Debug)]
pub struct Health {
    server_pings: bool,
    interval_ns: u64,
    timeout_ns: u64,
    pending: VecDeque<(u32, u64)>,
    last_ping: Option<(u32, u64)>,
    findings: Vec<Finding>,
    dropped: u64,
}

impl Health {
    /// A checker for protocol `version` with the open packet's timings (ms).
    pub fn new(version: u8, ping_interval_ms: u64, ping_timeout_ms: u64) -> Health {
        Health {
            server_pings: version >= 4,
            interval_ns: ping_interval_ms.saturating_mul(1_000_000),
            timeout_ns: ping_timeout_ms.saturating_mul(1_000_000),
            pending: VecDeque::new(),
            last_ping: None,
            findings: Vec::new(),
            dropped: 0,
        }
    }

    /// A checker with the timings of an open packet.
    pub fn from_open(version: u8, open: &OpenInfo) -> Health {
        Health::new(version, open.ping_interval_ms, open.ping_timeout_ms)
    }

    fn push(&mut self, f: Finding) {
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(f);
        } else {
            self.dropped += 1;
        }
    }

    fn missing(&mut self, id: u32, ts: u64, now: u64) {
        self.push(Finding {
            issue: HealthIssue::MissingPong,
            record_id: id,
            ts_ns: ts,
            related_id: None,
            elapsed_ns: now.saturating_sub(ts),
            limit_ns: self.timeout_ns,
        });
    }

    /// A packet, skipping anything but pings and pongs, and the upgrade probes.
    pub fn observe_packet(&mut self, dir: Direction, p: &Packet, record_id: u32, ts_ns: u64) {
        if !is_probe(p) {
            self.observe(dir, p.kind, record_id, ts_ns);
        }
    }

    /// One packet of `kind` sent `dir` (by the client or the server).
    /// Kinds other than ping and pong are ignored.
    pub fn observe(&mut self, dir: Direction, kind: PacketType, record_id: u32, ts_ns: u64) {
        let from_pinger = (dir == Direction::FromServer) == self.server_pings;
        match kind {
            PacketType::Ping if from_pinger => {
                if let Some((prev_id, prev_ts)) = self.last_ping {
                    let gap = ts_ns.saturating_sub(prev_ts);
                    let limit = self.interval_ns.saturating_add(self.timeout_ns);
                    if gap > limit {
                        self.push(Finding {
                            issue: HealthIssue::PingOverdue,
                            record_id,
                            ts_ns,
                            related_id: Some(prev_id),
                            elapsed_ns: gap,
                            limit_ns: limit,
                        });
                    }
                }
                self.last_ping = Some((record_id, ts_ns));
                if self.pending.len() >= MAX_PENDING_PINGS {
                    if let Some((id, ts)) = self.pending.pop_front() {
                        self.missing(id, ts, ts_ns);
                    }
                }
                self.pending.push_back((record_id, ts_ns));
            }
            PacketType::Pong if !from_pinger => {
                if let Some((ping_id, ping_ts)) = self.pending.pop_front() {
                    let delay = ts_ns.saturating_sub(ping_ts);
                    if delay > self.timeout_ns {
                        self.push(Finding {
                            issue: HealthIssue::LatePong,
                            record_id,
                            ts_ns,
                            related_id: Some(ping_id),
                            elapsed_ns: delay,
                            limit_ns: self.timeout_ns,
                        });
                    }
                }
            }
            _ => {}
        }
    }

    /// Findings so far (missing pongs are only known at [`Health::finish`]).
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Findings beyond [`MAX_FINDINGS`] that were only counted.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Ends the session at `end_ts_ns` (its last record, or the capture's end):
    /// pings still waiting more than `pingTimeout` before it are missing
    /// pongs; younger ones are given the benefit of the doubt. Returns all
    /// findings in the order found.
    pub fn finish(mut self, end_ts_ns: u64) -> Vec<Finding> {
        while let Some((id, ts)) = self.pending.pop_front() {
            if end_ts_ns.saturating_sub(ts) > self.timeout_ns {
                self.missing(id, ts, end_ts_ns);
            }
        }
        self.findings
    }
}

#[cfg(test)]
#[path = "engineio_tests.rs"]
mod tests;
