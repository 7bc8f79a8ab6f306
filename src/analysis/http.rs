//! HTTP/1.x on any port, found by content, over reassembled TCP streams.
//!
//! Message heads are parsed with `httparse` once complete (they may span many
//! segments; a head is held up to [`MAX_HEAD`] bytes); bodies are followed by
//! Content-Length, chunked encoding or connection close, so pipelined messages
//! are found one after the other. Responses are paired with requests in order.
//! A `GET` with `Upgrade: websocket` answered by `101 Switching Protocols`
//! switches the conversation to WebSocket, and `Sec-WebSocket-Accept` is checked
//! against base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2).

use base64::Engine;
use std::borrow::Cow;
use std::cell::Cell;

use serde::Serialize;
use sha1::{Digest, Sha1};

use crate::ids::Direction;

/// Longest message head held while waiting for its end.
pub const MAX_HEAD: usize = 64 * 1024;
/// Header slots tried first; a head with more headers is parsed again with more room (its
/// size, [`MAX_HEAD`], is what bounds the number of headers).
const MAX_HEADERS: usize = 100;
/// RFC 6455 §1.3: the GUID appended to the client's key.
pub const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The first line of a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StartLine {
    Request {
        method: String,
        target: String,
        version: u8,
    },
    Response {
        version: u8,
        code: u16,
        reason: String,
    },
}

/// A message's header fields, kept in one allocation (`Name:value` lines), since a
/// capture can hold millions of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(Box<str>);

impl Headers {
    /// The fields httparse found, values not in UTF-8 read lossily.
    fn from_fields(fields: &[httparse::Header<'_>]) -> Headers {
        // Sized once: growing it field by field reallocated a few times per head.
        let len = fields.iter().map(|f| f.name.len() + f.value.len() + 2);
        let mut s = String::with_capacity(len.sum());
        for f in fields {
            s.push_str(f.name);
            s.push(':');
            s.push_str(&field_text(f.value));
            s.push('\n');
        }
        Headers(s.into_boxed_str())
    }

    /// The first field of that name (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// (name, value) pairs in message order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.lines().filter_map(|l| l.split_once(':'))
    }
}

impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// A message head's text, parsed again from the packets when it is shown
/// (records point back to the bytes instead of keeping a copy).
#[derive(Clone, Debug, Serialize)]
pub struct ParsedHead {
    pub start: StartLine,
    pub headers: Headers,
}

/// A field's value as text: read lossily where it is not UTF-8, line breaks made blanks
/// (httparse forbids them in values; [`Headers`] keeps it that way for `lines()`).
fn field_text(value: &[u8]) -> Cow<'_, str> {
    let line_break = value.iter().any(|&b| b == b'\r' || b == b'\n');
    match std::str::from_utf8(value) {
        // The usual value, read by the fast validator alone (the lossy reader and a
        // `char` search took a third of parsing a head).
        Ok(v) if !line_break => Cow::Borrowed(v),
        _ => Cow::Owned(String::from_utf8_lossy(value).replace(['\r', '\n'], " ")),
    }
}

/// Whether a comma-separated header value holds `token` (case-insensitive).
fn has_token(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// What the analysis reads of every head's header fields, found in one pass over the
/// fields httparse found (as [`ParsedHead::header`] and [`ParsedHead::header_has`] would
/// find them), without building the head's text: seven lookups, each a pass over every
/// line, were a tenth of `stats`'s instructions, and building the text to read them
/// another 4%.
#[derive(Debug, Default, PartialEq, Eq)]
struct HeadFacts {
    /// The first `Upgrade` field.
    upgrade: Option<String>,
    /// An `Upgrade` field holds `websocket`.
    upgrade_websocket: bool,
    /// A `Connection` field holds `upgrade`.
    connection_upgrade: bool,
    /// The first `Host` field.
    host: Option<String>,
    /// The first `Sec-WebSocket-Key` field.
    websocket_key: Option<String>,
    /// A `Transfer-Encoding` field holds `chunked`.
    chunked: bool,
    /// The first `Content-Length` field.
    content_length: Option<String>,
}

impl HeadFacts {
    fn of(fields: &[httparse::Header<'_>]) -> HeadFacts {
        let mut f = HeadFacts::default();
        let first = |slot: &mut Option<String>, value: &[u8]| {
            if slot.is_none() {
                *slot = Some(field_text(value).into_owned());
            }
        };
        for field in fields {
            let (name, value) = (field.name, field.value);
            let is = |n: &str| name.eq_ignore_ascii_case(n);
            // Most fields are none of these: their length alone says so.
            match name.len() {
                4 if is("Host") => first(&mut f.host, value),
                7 if is("Upgrade") => {
                    first(&mut f.upgrade, value);
                    f.upgrade_websocket |= has_token(&field_text(value), "websocket");
                }
                10 if is("Connection") => {
                    f.connection_upgrade |= has_token(&field_text(value), "upgrade");
                }
                14 if is("Content-Length") => first(&mut f.content_length, value),
                17 if is("Sec-WebSocket-Key") => first(&mut f.websocket_key, value),
                17 if is("Transfer-Encoding") => {
                    f.chunked |= has_token(&field_text(value), "chunked");
                }
                _ => {}
            }
        }
        f
    }
}

/// A head as the analysis keeps it: the facts it reads, and a `101` response's fields
/// (the WebSocket handshake reads a few more of them).
struct HeadRead {
    facts: HeadFacts,
    switching: Option<Headers>,
}

impl HeadRead {
    fn of(start: &StartLine, fields: &[httparse::Header<'_>]) -> HeadRead {
        let switching = matches!(start, StartLine::Response { code: 101, .. });
        HeadRead {
            facts: HeadFacts::of(fields),
            switching: switching.then(|| Headers::from_fields(fields)),
        }
    }
}

/// Message flags kept for analysis and statistics.
pub mod flag {
    /// A request with the HEAD method (its response has no body).
    pub const HEAD_METHOD: u8 = 1;
    /// The message carries an `Upgrade` header.
    pub const UPGRADE: u8 = 2;
    /// An Engine.IO request (`EIO=` in its target) or the response to one: its
    /// body is kept for the Engine.IO parser.
    pub const ENGINEIO: u8 = 4;
    /// Its chunked body has a chunk-size line that is not a valid size (RFC 9112
    /// §7.1: hex digits, here over 64 bits or not hex): where the next chunk starts
    /// is unknown, so the rest of this direction is not read as HTTP.
    pub const BAD_CHUNK: u8 = 8;
    /// Its Engine.IO polling body was not kept: the 512 MiB store of decoded payloads
    /// (`analysis::upper::MAX_KEPT_PAYLOADS`) was full, so its Engine.IO and Socket.IO
    /// packets are counted but not shown.
    pub const BODY_NOT_KEPT: u8 = 16;
}

/// Longest body kept for the Engine.IO parser (a polling payload); longer ones
/// are cut and marked. Socket.IO's own default limit is 1 MB.
pub const MAX_KEPT_BODY: usize = 4 << 20;

/// A complete body of an Engine.IO message, handed on once the message ends.
#[derive(Debug)]
pub struct KeptBody {
    pub message: u32,
    pub bytes: Vec<u8>,
    /// Longer than [`MAX_KEPT_BODY`]: `bytes` is its start.
    pub cut: bool,
}

/// One HTTP message, as stored for every message of a capture: where its head is,
/// and what the analysis needs. The text is re-read with [`HttpAnalysis::parse_head_of`].
#[derive(Clone, Debug, Serialize)]
pub struct HttpMessage {
    pub conversation: u32,
    /// Who sent it (in JSON: `"from_client": true|false`).
    #[serde(
        rename = "from_client",
        serialize_with = "crate::ids::serialize_from_client"
    )]
    pub dir: Direction,
    /// Status code of a response; 0 for a request.
    pub code: u16,
    pub flags: u8,
    /// Packets that carried the head (first, last).
    pub head_packets: (u32, u32),
    /// Where the head starts in its first packet's TCP payload, and its length.
    pub head_offset: u32,
    pub head_len: u32,
    /// Body bytes seen (decoded chunk sizes for chunked bodies).
    pub body_len: u64,
    /// The packet that completed the message, once complete.
    pub end_packet: Option<u32>,
    /// For a response: the request it answers (index into the message list).
    pub answers: Option<u32>,
    /// For a request: the response that answered it.
    pub answered_by: Option<u32>,
}

impl HttpMessage {
    pub fn is_request(&self) -> bool {
        self.dir == Direction::FromClient
    }
}

impl ParsedHead {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// Whether a comma-separated header holds `token` (case-insensitive).
    pub fn header_has(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .any(|(_, v)| has_token(v, token))
    }

    /// The one-line summary tshark shows: `GET /x HTTP/1.1`, `HTTP/1.1 101 Switching Protocols`.
    pub fn summary(&self) -> String {
        match &self.start {
            StartLine::Request {
                method,
                target,
                version,
            } => format!("{method} {target} HTTP/1.{version}"),
            StartLine::Response {
                version,
                code,
                reason,
            } => format!("HTTP/1.{version} {code} {reason}"),
        }
    }
}

/// A WebSocket opening handshake (RFC 6455 §4).
#[derive(Clone, Debug, Serialize)]
pub struct WsHandshake {
    pub conversation: u32,
    pub request: u32,
    pub response: u32,
    pub key: String,
    pub accept: Option<String>,
    /// base64(SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11)).
    pub expected_accept: String,
    pub accept_ok: bool,
    pub subprotocol: Option<String>,
    pub extensions: Option<String>,
}

/// The `Sec-WebSocket-Accept` a server must answer to `key`.
pub fn websocket_accept(key: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(accept_digest(key))
}

/// SHA-1 of `key` (trimmed) followed by [`WS_GUID`]: the 20 bytes whose base64 is
/// the `Sec-WebSocket-Accept` (RFC 6455 §4.2.2, step 5.4).
pub fn accept_digest(key: &str) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(key.trim().as_bytes());
    h.update(WS_GUID.as_bytes());
    h.finalize().into()
}

/// What one direction of a conversation is in the middle of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for a message head (or deciding whether this is HTTP at all).
    Head,
    /// In a body with this many bytes left.
    Body(u64),
    /// In a chunked body: reading a size line, or `n` bytes of chunk data and its CRLF.
    ChunkSize,
    ChunkData(u64),
    /// Body runs until the connection closes.
    UntilClose,
    /// Switched to another protocol (WebSocket): HTTP parsing stops here.
    Upgraded,
    /// Lost (a body whose length cannot be known): nothing more is parsed.
    NotHttp,
}

/// One direction's parser.
#[derive(Debug)]
struct Dir {
    state: State,
    buf: Vec<u8>,
    /// Where the head being collected started: (packet, offset in its TCP payload).
    head_start: Option<(u32, u32)>,
    current: Option<u32>,
    /// The body being kept for the Engine.IO parser.
    body: Option<Vec<u8>>,
}

impl Default for Dir {
    fn default() -> Self {
        Dir {
            state: State::Head,
            buf: Vec::new(),
            head_start: None,
            current: None,
            body: None,
        }
    }
}

/// HTTP state of one conversation.
#[derive(Debug, Default)]
pub struct HttpConversation {
    dirs: [Dir; 2],
    /// Requests waiting for their response, oldest first.
    pending: std::collections::VecDeque<u32>,
    /// An Upgrade request is waiting for its answer.
    upgrade_asked: Option<UpgradeAsk>,
    /// The WebSocket handshake that switched this conversation (index into
    /// [`HttpAnalysis::websockets`]).
    websocket: Option<u32>,
}

impl HttpConversation {
    /// The WebSocket handshake this conversation switched with, if it did.
    pub fn websocket(&self) -> Option<u32> {
        self.websocket
    }
}

/// What a 101 needs to know of the request that asked for it.
#[derive(Debug)]
struct UpgradeAsk {
    request: u32,
    websocket: bool,
    key: String,
}

/// An Engine.IO request: its target (`/socket.io/?EIO=4&sid=…`) and the server it
/// was sent to (its `Host` header, lower case; empty without one). A session is named
/// by its sid on one server: two servers that hand out the same sid hold two sessions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EioTarget {
    pub target: Box<str>,
    pub host: Box<str>,
}

#[cfg(test)]
impl EioTarget {
    /// `target` sent to `host`.
    pub fn new(target: &str, host: &str) -> Self {
        EioTarget {
            target: target.into(),
            host: host.into(),
        }
    }
}

/// All HTTP messages and WebSocket handshakes of a capture.
#[derive(Debug, Default)]
pub struct HttpAnalysis {
    pub messages: Vec<HttpMessage>,
    pub websockets: Vec<WsHandshake>,
    /// (packet, message) for the packet that shows each message, sorted by packet.
    shown_at: Vec<(u32, u32)>,
    /// Every Engine.IO request (`EIO=` in its target), by message.
    pub engineio_targets: std::collections::HashMap<u32, EioTarget>,
    /// Engine.IO bodies completed and not yet taken by [`Self::take_bodies`].
    bodies: Vec<KeptBody>,
    /// (request or response message, handshake), sorted by message.
    ws_by_message: Vec<(u32, u32)>,
    /// Mid-pass ([`Self::settle`]): the messages looked at so far, those of them
    /// still incomplete, and where those are shown meanwhile (their head's last
    /// packet), sorted by packet.
    settled: usize,
    open: Vec<u32>,
    shown_open: Vec<(u32, u32)>,
}

impl HttpAnalysis {
    /// Index the packet that shows each message: the one that completed it (or
    /// its head's last packet when it never completed). Call once, after the pass.
    pub fn finish(&mut self) {
        self.settle();
        // Messages that never completed stay shown at their head, for good.
        self.shown_at.append(&mut self.shown_open);
        self.shown_at.sort();
        self.open.clear();
    }

    /// Index mid-pass, in time proportional to what changed since the last call
    /// (a capture still loading is being shown): messages completed since then
    /// get their place for good (a message's end is set once, in the call that
    /// completes it); incomplete ones are shown at their head until they do.
    pub fn settle(&mut self) {
        let tail = self.shown_at.len();
        let mut still = Vec::new();
        let new = self.settled as u32..self.messages.len() as u32;
        for m in std::mem::take(&mut self.open).into_iter().chain(new) {
            match self.messages[m as usize].end_packet {
                Some(end) => self.shown_at.push((end, m)),
                None => still.push(m),
            }
        }
        self.settled = self.messages.len();
        self.shown_at[tail..].sort_unstable();
        if tail > 0
            && self
                .shown_at
                .get(tail)
                .is_some_and(|x| *x < self.shown_at[tail - 1])
        {
            // Two sorted runs: the stable sort merges them in linear time.
            self.shown_at.sort();
        }
        self.shown_open = (still.iter())
            .map(|&m| (self.messages[m as usize].head_packets.1, m))
            .collect();
        self.shown_open.sort_unstable();
        self.open = still;
        self.index_websockets();
    }

    fn index_websockets(&mut self) {
        self.ws_by_message = (self.websockets.iter().enumerate())
            .flat_map(|(i, w)| [(w.request, i as u32), (w.response, i as u32)])
            .collect();
        self.ws_by_message.sort_unstable();
    }

    /// The packets that show a message, in order (each once per message it shows).
    pub fn shown_packets(&self) -> [impl Iterator<Item = u32> + '_; 2] {
        [&self.shown_at, &self.shown_open].map(|v| v.iter().map(|&(p, _)| p))
    }

    /// The messages packet `packet` shows (usually none or one).
    pub fn messages_at(&self, packet: u32) -> impl Iterator<Item = (u32, &HttpMessage)> {
        use super::packet_index::entries_at;
        thread_local!(static DONE: Cell<usize> = const { Cell::new(0) });
        thread_local!(static OPEN: Cell<usize> = const { Cell::new(0) });
        (entries_at(&self.shown_at, packet, &DONE))
            .chain(entries_at(&self.shown_open, packet, &OPEN))
            .filter_map(|m| Some((m, self.messages.get(m as usize)?)))
    }

    /// The WebSocket handshake a message belongs to, if any.
    pub fn websocket_of(&self, message: u32) -> Option<&WsHandshake> {
        let at = self
            .ws_by_message
            .binary_search_by_key(&message, |&(m, _)| m);
        let (_, w) = self.ws_by_message.get(at.ok()?)?;
        self.websockets.get(*w as usize)
    }

    /// The Info text of a message: its first line, with the upgrade story.
    pub fn info(&self, message: u32, m: &ParsedHead) -> String {
        let mut s = m.summary();
        let ws = self.websocket_of(message);
        match &m.start {
            StartLine::Request { .. } => {
                if let Some(u) = m.header("Upgrade") {
                    s.push_str(&format!(" [Upgrade: {u}]"));
                }
            }
            StartLine::Response { .. } => match ws {
                Some(w) if w.accept_ok => s.push_str(" [Accept ✓]"),
                Some(_) => s.push_str(" [Accept ✗]"),
                None => {}
            },
        }
        let msg = &self.messages[message as usize];
        if msg.flags & flag::BODY_NOT_KEPT != 0 {
            s.push_str(" [body not kept: the 512 MiB store of decoded payloads is full]");
        }
        if msg.flags & flag::BAD_CHUNK != 0 {
            s.push_str(" [invalid chunk size: the rest of the body and the connection are not read as HTTP]");
        } else if msg.end_packet.is_none() {
            s.push_str(" [incomplete: the capture ends before the body does]");
        }
        s
    }

    /// Bytes `data` of conversation `conv`, sent `dir`, carried by `packet`.
    /// Returns how many were HTTP: the rest follows a `101 Switching Protocols`
    /// and belongs to the protocol switched to.
    pub fn data(
        &mut self,
        c: &mut HttpConversation,
        conv: u32,
        dir: Direction,
        (packet, mut offset): (u32, u32),
        mut data: &[u8],
    ) -> usize {
        let total = data.len();
        while !data.is_empty() {
            if c.dirs[dir.index()].state == State::Upgraded {
                break;
            }
            let used = self.step(c, conv, dir, (packet, offset), data);
            if used == 0 {
                break;
            }
            data = &data[used..];
            offset += used as u32;
        }
        total - data.len()
    }

    /// Engine.IO bodies completed since the last call.
    pub fn take_bodies(&mut self) -> Vec<KeptBody> {
        std::mem::take(&mut self.bodies)
    }

    /// Bytes that were never captured: a body may absorb them; elsewhere parsing
    /// resynchronises at the next segment that starts a message.
    pub fn gap(&mut self, c: &mut HttpConversation, dir: Direction, len: u64) {
        let d = &mut c.dirs[dir.index()];
        d.state = match d.state {
            State::Body(n) if n > len => State::Body(n - len),
            State::Upgraded | State::NotHttp | State::UntilClose => d.state,
            _ => State::Head,
        };
        d.buf = Vec::new();
        d.head_start = None;
        d.body = None; // a body with a hole is not handed on
    }

    /// One parsing step; returns the bytes used (0: wait for more).
    fn step(
        &mut self,
        c: &mut HttpConversation,
        conv: u32,
        dir: Direction,
        (packet, offset): (u32, u32),
        data: &[u8],
    ) -> usize {
        let d = &mut c.dirs[dir.index()];
        match d.state {
            State::Upgraded | State::NotHttp => data.len(),
            State::UntilClose => self.body_bytes(c, dir, data, data.len()),
            State::Body(n) => {
                let take = n.min(data.len() as u64);
                let used = self.body_bytes(c, dir, &data[..take as usize], take as usize);
                let d = &mut c.dirs[dir.index()];
                d.state = if n == take {
                    State::Head
                } else {
                    State::Body(n - take)
                };
                if n == take {
                    self.complete(c, dir, packet);
                }
                used
            }
            State::ChunkSize => self.chunk_size(c, dir, packet, data),
            State::ChunkData(n) => {
                // `n` counts the chunk's data and its closing CRLF.
                let take = n.min(data.len() as u64);
                let body = take.min(n.saturating_sub(2));
                let used = self.body_bytes(c, dir, &data[..body as usize], take as usize);
                c.dirs[dir.index()].state = if n == take {
                    State::ChunkSize
                } else {
                    State::ChunkData(n - take)
                };
                used
            }
            State::Head => self.head(c, conv, dir, (packet, offset), data),
        }
    }

    /// Count `body` for the current message (and keep it when it is Engine.IO's);
    /// returns `used` (bytes consumed).
    fn body_bytes(
        &mut self,
        c: &mut HttpConversation,
        dir: Direction,
        body: &[u8],
        used: usize,
    ) -> usize {
        let d = &mut c.dirs[dir.index()];
        if let Some(m) = d.current {
            self.messages[m as usize].body_len += body.len() as u64;
        }
        if let Some(kept) = d.body.as_mut() {
            let room = MAX_KEPT_BODY.saturating_sub(kept.len());
            kept.extend_from_slice(&body[..body.len().min(room)]);
        }
        used
    }

    /// Accumulate a head and parse it once its blank line is in.
    fn head(
        &mut self,
        c: &mut HttpConversation,
        conv: u32,
        dir: Direction,
        (packet, offset): (u32, u32),
        data: &[u8],
    ) -> usize {
        let d = &mut c.dirs[dir.index()];
        if d.buf.is_empty() && !looks_like_start(data, dir) {
            // Not the start of a message (another protocol, or bytes after a gap):
            // skip this delivery and look again at the next one, so HTTP after a
            // SOCKS or proxy preamble, or after a gap, is still found.
            return data.len();
        }
        d.head_start.get_or_insert((packet, offset));
        let before = d.buf.len();
        // Usually a head arrives whole: parse it in place, copying nothing.
        let parsed = if before == 0 {
            parse_head(data, dir.from_client(), HeadRead::of)
        } else {
            let room = MAX_HEAD.saturating_sub(before);
            d.buf.extend_from_slice(&data[..data.len().min(room)]);
            parse_head(&d.buf, dir.from_client(), HeadRead::of)
        };
        match parsed {
            Ok(None) if before == 0 && data.len() < MAX_HEAD => {
                d.buf.extend_from_slice(data);
                data.len()
            }
            Ok(None) if d.buf.len() < MAX_HEAD => data.len(),
            Ok(None) | Err(()) => {
                // Too long or not a valid head: drop it and look again at the next delivery.
                d.buf = Vec::new();
                d.head_start = None;
                data.len()
            }
            Ok(Some((head_len, start, read))) => {
                let (first, first_offset) = d.head_start.take().unwrap_or((packet, offset));
                d.buf = Vec::new();
                let used = head_len.saturating_sub(before);
                let at = HeadAt {
                    packets: (first, packet),
                    offset: first_offset,
                    len: head_len as u32,
                };
                self.new_message(c, conv, dir, (&start, &read), at);
                used
            }
        }
    }

    fn new_message(
        &mut self,
        c: &mut HttpConversation,
        conv: u32,
        dir: Direction,
        (start, read): (&StartLine, &HeadRead),
        at: HeadAt,
    ) {
        let idx = self.messages.len() as u32;
        let code = match *start {
            StartLine::Response { code, .. } => code,
            StartLine::Request { .. } => 0,
        };
        let mut flags = 0;
        if matches!(start, StartLine::Request { method, .. } if method == "HEAD") {
            flags |= flag::HEAD_METHOD;
        }
        let facts = &read.facts;
        if facts.upgrade.is_some() {
            flags |= flag::UPGRADE;
        }
        if let StartLine::Request { target, .. } = start {
            if target.contains("EIO=") {
                flags |= flag::ENGINEIO;
                let host = facts.host.as_deref().unwrap_or_default().trim();
                let target = EioTarget {
                    target: target.as_str().into(),
                    host: host.to_ascii_lowercase().into(),
                };
                self.engineio_targets.insert(idx, target);
            }
        }
        let mut m = HttpMessage {
            conversation: conv,
            dir,
            code,
            flags,
            head_packets: at.packets,
            head_offset: at.offset,
            head_len: at.len,
            body_len: 0,
            end_packet: None,
            answers: None,
            answered_by: None,
        };
        if dir == Direction::FromClient {
            c.pending.push_back(idx);
            if facts.connection_upgrade || flags & flag::UPGRADE != 0 {
                let websocket = facts.upgrade_websocket;
                let key = facts
                    .websocket_key
                    .as_deref()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                c.upgrade_asked = Some(UpgradeAsk {
                    request: idx,
                    websocket,
                    key,
                });
            }
        } else if !(100..=199).contains(&code) || code == 101 {
            m.answers = c.pending.pop_front();
            if let Some(r) = m.answers.and_then(|r| self.messages.get_mut(r as usize)) {
                r.answered_by = Some(idx);
                if r.flags & flag::ENGINEIO != 0 {
                    m.flags |= flag::ENGINEIO;
                }
            }
        }
        let state = self.body_state(&m, facts, c);
        let keep = m.flags & flag::ENGINEIO != 0 && code != 101;
        self.messages.push(m);
        c.dirs[dir.index()].current = Some(idx);
        c.dirs[dir.index()].state = state;
        c.dirs[dir.index()].body = keep.then(Vec::new);
        if state == State::Head {
            self.complete(c, dir, at.packets.1);
        }
        if state == State::Upgraded {
            let none = Headers::default();
            self.upgraded(c, idx, read.switching.as_ref().unwrap_or(&none));
        }
    }

    /// How the body of `m` is delimited (RFC 9112 §6.3).
    fn body_state(&self, m: &HttpMessage, h: &HeadFacts, c: &HttpConversation) -> State {
        let code = (!m.is_request()).then_some(m.code);
        let req = m.answers.and_then(|r| self.messages.get(r as usize));
        let after_head_request = req.is_some_and(|r| r.flags & flag::HEAD_METHOD != 0);
        if code == Some(101) && c.upgrade_asked.is_some() {
            return State::Upgraded;
        }
        if matches!(code, Some(100..=199 | 204 | 304)) || after_head_request {
            return State::Head;
        }
        if h.chunked {
            return State::ChunkSize;
        }
        match h.content_length.as_deref().map(|v| v.trim().parse::<u64>()) {
            Some(Ok(0)) => State::Head,
            Some(Ok(n)) => State::Body(n),
            Some(Err(_)) => State::NotHttp,
            None if code.is_some() => State::UntilClose,
            None => State::Head,
        }
    }

    fn chunk_size(
        &mut self,
        c: &mut HttpConversation,
        dir: Direction,
        packet: u32,
        data: &[u8],
    ) -> usize {
        let d = &mut c.dirs[dir.index()];
        let before = d.buf.len();
        d.buf.extend_from_slice(&data[..data.len().min(1024)]);
        match httparse::parse_chunk_size(&d.buf) {
            Ok(httparse::Status::Complete((n, 0))) => {
                // Last chunk: skip an empty trailer (CRLF) if it is there.
                let end = if d.buf[n..].starts_with(b"\r\n") {
                    n + 2
                } else {
                    n
                };
                d.buf = Vec::new();
                d.state = State::Head;
                self.complete(c, dir, packet);
                end.saturating_sub(before)
            }
            Ok(httparse::Status::Complete((n, size))) => {
                d.buf = Vec::new();
                d.state = State::ChunkData(size.saturating_add(2));
                n.saturating_sub(before)
            }
            Ok(httparse::Status::Partial) if d.buf.len() < 1024 => data.len(),
            _ => {
                // Flagged on the message, not dropped in silence.
                if let Some(m) = d.current.and_then(|m| self.messages.get_mut(m as usize)) {
                    m.flags |= flag::BAD_CHUNK;
                }
                d.buf = Vec::new();
                d.state = State::NotHttp;
                data.len()
            }
        }
    }

    fn complete(&mut self, c: &mut HttpConversation, dir: Direction, packet: u32) {
        let d = &mut c.dirs[dir.index()];
        if let Some(m) = d.current.take() {
            let msg = &mut self.messages[m as usize];
            msg.end_packet = Some(packet);
            if let Some(bytes) = d.body.take().filter(|b| !b.is_empty()) {
                let cut = (msg.body_len as usize) > bytes.len();
                self.bodies.push(KeptBody {
                    message: m,
                    bytes,
                    cut,
                });
            }
        }
        d.body = None;
    }

    /// A 101 answered an Upgrade request: both directions leave HTTP.
    fn upgraded(&mut self, c: &mut HttpConversation, response: u32, resp: &Headers) {
        for d in &mut c.dirs {
            d.state = State::Upgraded;
        }
        let head_end = self.messages[response as usize].head_packets.1;
        self.messages[response as usize].end_packet = Some(head_end);
        let Some(ask) = c.upgrade_asked.take() else {
            return;
        };
        if !ask.websocket {
            return; // a 101 to something else (Upgrade: tcp, h2c): not WebSocket
        }
        c.websocket = Some(self.websockets.len() as u32);
        let accept = resp
            .get("Sec-WebSocket-Accept")
            .map(|a| a.trim().to_string());
        let expected_accept = websocket_accept(&ask.key);
        self.websockets.push(WsHandshake {
            conversation: self.messages[response as usize].conversation,
            request: ask.request,
            response,
            accept_ok: accept.as_deref() == Some(expected_accept.as_str()),
            key: ask.key,
            accept,
            expected_accept,
            subprotocol: resp.get("Sec-WebSocket-Protocol").map(str::to_string),
            extensions: resp.get("Sec-WebSocket-Extensions").map(str::to_string),
        });
    }

    /// Read a message's head again from its packets. `payload_of(p)` gives the TCP
    /// payload of packet `p` if it belongs to the message's conversation and direction.
    pub fn parse_head_of<'a>(
        &self,
        message: u32,
        payload_of: impl Fn(u32) -> Option<&'a [u8]>,
    ) -> Option<ParsedHead> {
        let bytes = self.head_bytes_of(message, payload_of)?;
        let m = self.messages.get(message as usize)?;
        parse_head_bytes(&bytes, m.is_request())
    }

    /// The bytes of a message's head, joined from its packets (see [`Self::parse_head_of`]).
    pub fn head_bytes_of<'a>(
        &self,
        message: u32,
        payload_of: impl Fn(u32) -> Option<&'a [u8]>,
    ) -> Option<Vec<u8>> {
        let m = self.messages.get(message as usize)?;
        let want = m.head_len as usize;
        let (first, last) = m.head_packets;
        let mut bytes = Vec::with_capacity(want.min(MAX_HEAD));
        let head = payload_of(first)?;
        bytes.extend_from_slice(head.get(m.head_offset as usize..)?);
        for p in first + 1..=last {
            if bytes.len() >= want {
                break;
            }
            if let Some(pl) = payload_of(p) {
                bytes.extend_from_slice(pl);
            }
        }
        bytes.truncate(want);
        Some(bytes)
    }
}

/// Parse a head read back from the packets ([`HttpAnalysis::head_bytes_of`]).
pub fn parse_head_bytes(bytes: &[u8], request: bool) -> Option<ParsedHead> {
    match parse_head(bytes, request, |_, fields| Headers::from_fields(fields)) {
        Ok(Some((_, start, headers))) => Some(ParsedHead { start, headers }),
        _ => None,
    }
}

/// Where a head was found.
#[derive(Clone, Copy, Debug)]
struct HeadAt {
    packets: (u32, u32),
    offset: u32,
    len: u32,
}

/// Could `data` start an HTTP message (a request from the client, a response from the server)?
fn looks_like_start(data: &[u8], dir: Direction) -> bool {
    if dir == Direction::FromClient {
        let token_len = data
            .iter()
            .take(16)
            .take_while(|b| b.is_ascii_uppercase())
            .count();
        token_len >= 3 && data.get(token_len) == Some(&b' ')
    } else {
        data.starts_with(b"HTTP/1.") || (data.len() < 7 && b"HTTP/1.".starts_with(data))
    }
}

/// A head's length, its start line, and what `read` made of its fields.
type Head<T> = (usize, StartLine, T);

/// `try_parse` for a message head: `Ok(None)` needs more bytes. Any number of headers
/// is read: a head has at most [`MAX_HEAD`] bytes, and so at most a line break every
/// four of them (`a:\r\n`); the usual head fits the first [`MAX_HEADERS`] slots, and a head
/// with more is parsed again with room for every line it has. `read` makes what is kept
/// of the fields (the analysis keeps less than a view shows).
fn parse_head<T>(
    buf: &[u8],
    request: bool,
    read: impl Fn(&StartLine, &[httparse::Header<'_>]) -> T,
) -> Result<Option<Head<T>>, ()> {
    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
    match parse_head_in(buf, request, &mut hs, &read) {
        Err(httparse::Error::TooManyHeaders) => {
            let lines = buf.iter().take(MAX_HEAD).filter(|&&b| b == b'\n').count();
            let mut hs = vec![httparse::EMPTY_HEADER; lines.clamp(MAX_HEADERS, MAX_HEAD / 4)];
            parse_head_in(buf, request, &mut hs, &read).map_err(|_| ())
        }
        r => r.map_err(|_| ()),
    }
}

fn parse_head_in<'b, T>(
    buf: &'b [u8],
    request: bool,
    hs: &mut [httparse::Header<'b>],
    read: impl Fn(&StartLine, &[httparse::Header<'_>]) -> T,
) -> Result<Option<Head<T>>, httparse::Error> {
    if request {
        let mut r = httparse::Request::new(hs);
        match r.parse(buf)? {
            httparse::Status::Complete(n) => {
                let start = StartLine::Request {
                    method: r.method.unwrap_or("").to_string(),
                    target: r.path.unwrap_or("").to_string(),
                    version: r.version.unwrap_or(1),
                };
                let kept = read(&start, r.headers);
                Ok(Some((n, start, kept)))
            }
            httparse::Status::Partial => Ok(None),
        }
    } else {
        let mut r = httparse::Response::new(hs);
        match r.parse(buf)? {
            httparse::Status::Complete(n) => {
                let start = StartLine::Response {
                    version: r.version.unwrap_or(1),
                    code: r.code.unwrap_or(0),
                    reason: r.reason.unwrap_or("").to_string(),
                };
                let kept = read(&start, r.headers);
                Ok(Some((n, start, kept)))
            }
            httparse::Status::Partial => Ok(None),
        }
    }
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
