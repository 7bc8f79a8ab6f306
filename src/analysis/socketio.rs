//! Socket.IO packets (protocol v5 — Socket.IO 3/4 — and v4 — Socket.IO 2),
//! as carried in the data of an Engine.IO `message` packet: pure parsers and
//! formatters, plus two small trackers the caller feeds per session.
//!
//! Encoding: `<type>[<attachments>-][<nsp>,][<ack id>][JSON data]`
//! * type: `0` CONNECT, `1` DISCONNECT, `2` EVENT, `3` ACK, `4` CONNECT_ERROR
//!   (`ERROR` in v4), `5` BINARY_EVENT, `6` BINARY_ACK;
//! * attachments: for types 5 and 6 only, decimal then `-`;
//! * namespace: present only when it starts with `/`; it ends at `,` (or at the
//!   end of the packet). Default `/`. A `?query` (v4 CONNECT to a namespace) is
//!   split off into [`SioPacket::query`];
//! * ack id: the decimal digits right before the JSON;
//! * data: JSON — an array for EVENT/ACK (and their binary forms), an object
//!   for CONNECT, an object (v5) or a string (v4) for CONNECT_ERROR.
//!
//! Binary packets are followed by their attachments, each one binary Engine.IO
//! message; in the JSON each attachment is a placeholder
//! `{"_placeholder":true,"num":N}` ([`replace_placeholders`], [`Attachments`]).

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use super::json_scan;
use crate::ids::Direction;

/// Characters of JSON shown by [`info`] per part before `…`.
pub const INFO_JSON_CHARS: usize = 120;
/// Bytes of an attachment shown in hex by [`replace_placeholders`] before `…`.
const ATTACHMENT_PREVIEW_BYTES: usize = 32;
/// Most asks an [`AckTracker`] waits on, and most ids it keeps in each list;
/// beyond that they are only counted.
pub const MAX_TRACKED: usize = 100_000;

/// Why bytes are not a valid Socket.IO packet. Positions are byte offsets into
/// the packet text given to [`parse`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("empty packet")]
    Empty,
    /// The first byte is not `0`–`6`.
    #[error("unknown packet type {byte:#04x}")]
    UnknownType { byte: u8 },
    /// A binary packet whose attachment count is missing, not decimal, too
    /// large, or not followed by `-`.
    #[error("bad attachment count at byte {at}")]
    BadAttachments { at: usize },
    /// An ack id too large for 64 bits.
    #[error("bad ack id at byte {at}")]
    BadAckId { at: usize },
    /// The data is not JSON.
    #[error("invalid JSON at byte {at}: {reason}")]
    InvalidJson { at: usize, reason: String },
    /// The data is JSON of the wrong shape for the packet type.
    #[error("{kind} data must be {expected}")]
    BadPayload {
        kind: SioType,
        expected: &'static str,
    },
}

/// The Socket.IO packet types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SioType {
    Connect,
    Disconnect,
    Event,
    Ack,
    ConnectError,
    BinaryEvent,
    BinaryAck,
}

impl SioType {
    /// From its ASCII digit (`b'0'`–`b'6'`).
    pub fn from_digit(digit: u8) -> Option<SioType> {
        Some(match digit {
            b'0' => SioType::Connect,
            b'1' => SioType::Disconnect,
            b'2' => SioType::Event,
            b'3' => SioType::Ack,
            b'4' => SioType::ConnectError,
            b'5' => SioType::BinaryEvent,
            b'6' => SioType::BinaryAck,
            _ => return None,
        })
    }

    /// `CONNECT`, `DISCONNECT`, `EVENT`, `ACK`, `CONNECT_ERROR`, `BINARY_EVENT`, `BINARY_ACK`.
    pub fn name(self) -> &'static str {
        match self {
            SioType::Connect => "CONNECT",
            SioType::Disconnect => "DISCONNECT",
            SioType::Event => "EVENT",
            SioType::Ack => "ACK",
            SioType::ConnectError => "CONNECT_ERROR",
            SioType::BinaryEvent => "BINARY_EVENT",
            SioType::BinaryAck => "BINARY_ACK",
        }
    }

    /// BINARY_EVENT or BINARY_ACK: followed by attachments.
    pub fn is_binary(self) -> bool {
        matches!(self, SioType::BinaryEvent | SioType::BinaryAck)
    }

    /// EVENT or BINARY_EVENT.
    pub fn is_event(self) -> bool {
        matches!(self, SioType::Event | SioType::BinaryEvent)
    }

    /// ACK or BINARY_ACK.
    pub fn is_ack(self) -> bool {
        matches!(self, SioType::Ack | SioType::BinaryAck)
    }
}

impl fmt::Display for SioType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One Socket.IO packet.
#[derive(Clone, Debug, PartialEq)]
pub struct SioPacket {
    pub kind: SioType,
    /// Attachments that follow (binary types; 0 otherwise).
    pub attachments: u32,
    /// The namespace, `/` by default, without any `?query`.
    pub nsp: String,
    /// The query after `?` in the namespace field (v4 CONNECT), if any.
    pub query: Option<String>,
    pub ack_id: Option<u64>,
    pub data: Option<Value>,
    /// Byte range of the JSON data in the input.
    pub data_range: Option<(usize, usize)>,
    /// The data is valid JSON nested deeper than serde_json builds values
    /// ([`MAX_SHOWN_DEPTH`] levels): `data` then holds only the event name (for an
    /// event), and the arguments are said not to be shown, never dropped in silence.
    pub too_deep: bool,
}

/// How deep serde_json builds a JSON value (its recursion limit). Deeper data is
/// valid (the analysis' own scan has no limit) but is not shown.
pub const MAX_SHOWN_DEPTH: usize = 128;

/// Reads ASCII digits from `text[*pos..]` into a number that must fit `max`;
/// returns `None` on overflow, `Some(None)` when there are no digits.
fn digits(text: &[u8], pos: &mut usize, max: u64) -> Option<Option<u64>> {
    let mut n: Option<u64> = None;
    while let Some(&b) = text.get(*pos).filter(|b| b.is_ascii_digit()) {
        let v = n
            .unwrap_or(0)
            .checked_mul(10)?
            .checked_add(u64::from(b - b'0'))
            .filter(|v| *v <= max)?;
        n = Some(v);
        *pos += 1;
    }
    Some(n)
}

/// The byte offset in `data` of serde_json's 1-based line / column.
fn json_error_offset(data: &[u8], line: usize, column: usize) -> usize {
    let mut line_start = 0;
    if line > 1 {
        let mut seen = 1;
        for (i, &b) in data.iter().enumerate() {
            if b == b'\n' {
                seen += 1;
                if seen == line {
                    line_start = i + 1;
                    break;
                }
            }
        }
    }
    (line_start + column.saturating_sub(1)).min(data.len())
}

/// Parses one Socket.IO packet (the data of an Engine.IO message packet).
/// Errors name the reason: unknown type, bad attachment count, bad ack id,
/// invalid JSON at byte N, or JSON of the wrong shape for the type.
///
/// Text that is not UTF-8 (a peer's bug: Engine.IO text is UTF-8, and so is a
/// WebSocket text frame) is read with each invalid sequence as U+FFFD, as the
/// analysis counted it (its JSON check does not read UTF-8) and as Wireshark shows
/// such strings; `data_range` stays in `text`'s bytes.
pub fn parse(text: &[u8]) -> Result<SioPacket, Error> {
    if std::str::from_utf8(text).is_ok() {
        return parse_utf8(text);
    }
    // Errors are found, and placed, in the bytes as they are.
    let head = parse_head(text)?;
    let mut p = parse_utf8(String::from_utf8_lossy(text).as_bytes())?;
    p.data_range = head.data_range;
    Ok(p)
}

fn parse_utf8(text: &[u8]) -> Result<SioPacket, Error> {
    let (h, data, too_deep) = match parse_with(text, Data::Keep) {
        Ok((h, data)) => (h, data, false),
        Err(Error::InvalidJson { reason, .. })
            if reason.starts_with("recursion limit") && parse_head(text).is_ok() =>
        {
            // Valid, as the analysis' own scan found it, but deeper than serde_json goes.
            let (h, _) = parse_with(text, Data::Check)?;
            let rest = h.data_range.map_or(&[][..], |(a, b)| &text[a..b]);
            let name = h.kind.is_event().then(|| first_string(rest)).flatten();
            (h, name.map(|n| Value::Array(vec![Value::String(n)])), true)
        }
        Err(e) => return Err(e),
    };
    Ok(SioPacket {
        kind: h.kind,
        attachments: h.attachments,
        nsp: h.nsp.into_owned(),
        query: h.query.map(Cow::into_owned),
        ack_id: h.ack_id,
        data,
        data_range: h.data_range,
        too_deep,
    })
}

/// The event name of Socket.IO packet `text` (an EVENT or BINARY_EVENT whose data
/// starts with a string), read alone: the rest of the data is not built. What
/// [`SioPacket::event_name`] gives after a full [`parse`].
/// Only the packet's prefix is read: the analysis already checked the whole of it.
pub fn event_name_in(text: &[u8]) -> Option<String> {
    let kind = SioType::from_digit(*text.first()?)?;
    if !kind.is_event() {
        return None;
    }
    // `<type>[<attachments>-][<namespace>,][<ack id>]` then the JSON array.
    let mut pos = 1;
    if kind.is_binary() {
        pos += text.get(pos..)?.iter().position(|&b| b == b'-')? + 1;
    }
    if text.get(pos) == Some(&b'/') {
        pos += text.get(pos..)?.iter().position(|&b| b == b',')? + 1;
    }
    pos += text
        .get(pos..)?
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    first_string(text.get(pos..)?)
}

/// The string that opens JSON array `json` (an event's name), read alone (text
/// that is not UTF-8 as [`parse`] reads it).
fn first_string(json: &[u8]) -> Option<String> {
    let at = json.iter().position(|&b| b == b'[')? + 1;
    let rest = json.get(at..)?;
    let read = |b: &[u8]| {
        let mut it = serde_json::Deserializer::from_slice(b).into_iter::<String>();
        it.next()?.ok()
    };
    read(rest).or_else(|| match std::str::from_utf8(rest) {
        Ok(_) => None,
        Err(_) => read(String::from_utf8_lossy(rest).as_bytes()),
    })
}

/// What the analysis reads of every Socket.IO packet: a [`SioPacket`] without
/// its data, borrowing the packet's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SioHead<'a> {
    pub kind: SioType,
    /// Attachments that follow (binary types; 0 otherwise).
    pub attachments: u32,
    /// The namespace, `/` by default, without any `?query`.
    pub nsp: Cow<'a, str>,
    /// The query after `?` in the namespace field (v4 CONNECT), if any.
    pub query: Option<Cow<'a, str>>,
    pub ack_id: Option<u64>,
    /// Byte range of the JSON data in the input.
    pub data_range: Option<(usize, usize)>,
    /// The data is plain JSON ([`json_scan::check`]): it can be shown without parsing it.
    pub plain: bool,
}

/// [`parse`] without building the data: the JSON is checked (well-formed as
/// serde_json reads it, of the right shape) by a scan that builds nothing. What
/// the analysis pass needs of every packet (type, namespace, ack id,
/// attachments) at a fraction of the cost; the data is parsed when it is shown.
pub fn parse_head(text: &[u8]) -> Result<SioHead<'_>, Error> {
    parse_with(text, Data::Check).map(|(h, _)| h)
}

/// [`parse_head`] of a packet whose data the analysis has already checked and
/// found plain (its record says so): the JSON is not read again. Rows show a
/// Socket.IO packet's Info from it, and checking every packet's data twice (once
/// in the analysis, once per row) was a seventh of `inspect`'s time.
pub fn parse_head_known_plain(text: &[u8]) -> Result<SioHead<'_>, Error> {
    parse_with(text, Data::KnownPlain).map(|(h, _)| h)
}

/// What [`parse_with`] does with a packet's JSON data.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Data {
    /// Parse it into a `Value`.
    Keep,
    /// Check it without building it.
    Check,
    /// Trust it: checked before and found plain.
    KnownPlain,
}

/// The namespace field (before `,`) split into the namespace and its query.
fn split_nsp(field: Cow<'_, str>) -> (Cow<'_, str>, Option<Cow<'_, str>>) {
    match field {
        Cow::Borrowed(f) => match f.split_once('?') {
            Some((n, q)) => (Cow::Borrowed(n), Some(Cow::Borrowed(q))),
            None => (Cow::Borrowed(f), None),
        },
        Cow::Owned(f) => match f.split_once('?') {
            Some((n, q)) => (Cow::Owned(n.to_string()), Some(Cow::Owned(q.to_string()))),
            None => (Cow::Owned(f), None),
        },
    }
}

/// The shape `kind`'s data must have, if `first` (its first byte) or `value` is not it.
fn wrong_shape(kind: SioType, first: Option<u8>, value: Option<&Value>) -> Option<&'static str> {
    let (array, object, string) = match value {
        Some(v) => (v.is_array(), v.is_object(), v.is_string()),
        None => (
            first == Some(b'['),
            first == Some(b'{'),
            first == Some(b'"'),
        ),
    };
    match kind {
        SioType::Event | SioType::BinaryEvent | SioType::Ack | SioType::BinaryAck => {
            (!array).then_some("an array")
        }
        SioType::Connect => (!object).then_some("an object"),
        SioType::ConnectError => (!object && !string).then_some("an object or a string"),
        SioType::Disconnect => None,
    }
}

fn parse_with(text: &[u8], mode: Data) -> Result<(SioHead<'_>, Option<Value>), Error> {
    let &first = text.first().ok_or(Error::Empty)?;
    let kind = SioType::from_digit(first).ok_or(Error::UnknownType { byte: first })?;
    let mut pos = 1;

    let mut attachments = 0;
    if kind.is_binary() {
        let at = pos;
        let bad = Error::BadAttachments { at };
        let n = digits(text, &mut pos, u64::from(u32::MAX))
            .flatten()
            .ok_or(bad.clone())?;
        if text.get(pos) != Some(&b'-') {
            return Err(bad);
        }
        pos += 1;
        attachments = u32::try_from(n).map_err(|_| bad)?;
    }

    let mut nsp = Cow::Borrowed("/");
    let mut query = None;
    if text.get(pos) == Some(&b'/') {
        let rest = text.get(pos..).unwrap_or_default();
        let len = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
        (nsp, query) = split_nsp(String::from_utf8_lossy(rest.get(..len).unwrap_or_default()));
        // Skip the namespace and its comma, if any.
        pos = (pos + len + 1).min(text.len());
    }

    let at = pos;
    let ack_id = digits(text, &mut pos, u64::MAX).ok_or(Error::BadAckId { at })?;

    let rest = text.get(pos..).unwrap_or_default();
    let json_error = |e: serde_json::Error| {
        let reason = e.to_string();
        let reason = reason.split(" at line ").next().unwrap_or_default();
        Error::InvalidJson {
            at: pos + json_error_offset(rest, e.line(), e.column()),
            reason: reason.to_string(),
        }
    };
    let mut plain = false;
    let (data, data_range) = if rest.is_empty() {
        (None, None)
    } else if mode == Data::KnownPlain {
        plain = true;
        (None, Some((pos, text.len())))
    } else if mode == Data::Keep {
        let value: Value = serde_json::from_slice(rest).map_err(json_error)?;
        if let Some(expected) = wrong_shape(kind, None, Some(&value)) {
            return Err(Error::BadPayload { kind, expected });
        }
        (Some(value), Some((pos, text.len())))
    } else {
        let Some(c) = json_scan::check(rest) else {
            // Rare: serde_json says where and why, in its words.
            let e = serde_json::from_slice::<serde::de::IgnoredAny>(rest).err();
            return Err(e.map_or_else(
                || Error::InvalidJson {
                    at: pos,
                    reason: String::new(),
                },
                json_error,
            ));
        };
        if let Some(expected) = wrong_shape(kind, Some(c.first), None) {
            return Err(Error::BadPayload { kind, expected });
        }
        plain = c.plain;
        (None, Some((pos, text.len())))
    };

    let head = SioHead {
        kind,
        attachments,
        nsp,
        query,
        ack_id,
        data_range,
        plain,
    };
    Ok((head, data))
}

/// Whether `v` is an attachment placeholder; its `num` if so.
fn placeholder_num(v: &Value) -> Option<u64> {
    let obj = v.as_object()?;
    if obj.get("_placeholder") != Some(&Value::Bool(true)) {
        return None;
    }
    obj.get("num")?.as_u64()
}

impl SioPacket {
    /// EVENT / BINARY_EVENT: the event name (the first array element, if a string).
    pub fn event_name(&self) -> Option<&str> {
        if !self.kind.is_event() {
            return None;
        }
        self.data.as_ref()?.as_array()?.first()?.as_str()
    }

    /// The arguments: for EVENT / BINARY_EVENT the array elements after the
    /// event name, for ACK / BINARY_ACK all elements; empty for other types.
    pub fn args(&self) -> &[Value] {
        let Some(items) = self.data.as_ref().and_then(Value::as_array) else {
            return &[];
        };
        if self.kind.is_event() {
            items.get(1..).unwrap_or_default()
        } else if self.kind.is_ack() {
            items
        } else {
            &[]
        }
    }

    /// How many attachment placeholders (`{"_placeholder":true,"num":N}`) the data holds.
    pub fn placeholders(&self) -> usize {
        let mut count = 0;
        let mut stack: Vec<&Value> = self.data.iter().collect();
        while let Some(v) = stack.pop() {
            if placeholder_num(v).is_some() {
                count += 1;
                continue;
            }
            match v {
                Value::Array(a) => stack.extend(a.iter()),
                Value::Object(o) => stack.extend(o.values()),
                _ => {}
            }
        }
        count
    }
}

/// Replaces each placeholder `{"_placeholder":true,"num":n}` in `value` by a
/// readable form of `attachments[n]`:
/// `{"_binary":"<hex>","len":<bytes>,"num":n}`, where `<hex>` is the first 32
/// bytes in lower-case hex, followed by `…` when the attachment is longer.
/// Placeholders whose `num` has no attachment are left as they are.
pub fn replace_placeholders<B: AsRef<[u8]>>(value: &mut Value, attachments: &[B]) {
    let mut stack: Vec<&mut Value> = vec![value];
    while let Some(v) = stack.pop() {
        if let Some(num) = placeholder_num(v) {
            let bytes = usize::try_from(num)
                .ok()
                .and_then(|n| attachments.get(n))
                .map(AsRef::as_ref);
            if let Some(bytes) = bytes {
                let mut hex = String::with_capacity(2 * ATTACHMENT_PREVIEW_BYTES + 3);
                for b in bytes.iter().take(ATTACHMENT_PREVIEW_BYTES) {
                    hex.push_str(&format!("{b:02x}"));
                }
                if bytes.len() > ATTACHMENT_PREVIEW_BYTES {
                    hex.push('…');
                }
                *v = serde_json::json!({ "_binary": hex, "len": bytes.len(), "num": num });
            }
            continue;
        }
        match v {
            Value::Array(a) => stack.extend(a.iter_mut()),
            Value::Object(o) => stack.extend(o.values_mut()),
            _ => {}
        }
    }
}

/// `s` cut after [`INFO_JSON_CHARS`] characters, with `…`.
fn truncate(s: String) -> String {
    match s.char_indices().nth(INFO_JSON_CHARS) {
        Some((i, _)) => {
            let mut t = s;
            t.truncate(i);
            t.push('…');
            t
        }
        None => s,
    }
}

/// Compact JSON, cut after [`INFO_JSON_CHARS`] characters.
fn json(v: &Value) -> String {
    truncate(serde_json::to_string(v).unwrap_or_default())
}

/// Compact JSON array of `items`, cut after [`INFO_JSON_CHARS`] characters
/// (items past the cut are not serialized).
fn json_list(items: &[Value]) -> String {
    let mut s = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if s.len() > INFO_JSON_CHARS * 4 {
            break;
        }
        if i > 0 {
            s.push(',');
        }
        s.push_str(&serde_json::to_string(item).unwrap_or_default());
    }
    s.push(']');
    truncate(s)
}

/// A one-line description, for an info column. Formats:
/// * `Socket.IO EVENT / "chat message" ["hi"]` — namespace, quoted event
///   name, the other arguments as an array;
/// * `Socket.IO EVENT / "ask" ["what is the answer?"] ack=0` — with an ack id;
/// * `Socket.IO ACK / ack=0 [{"answer":42}]` — acks put the id first;
/// * `Socket.IO CONNECT /admin {"token":"x"}`, `Socket.IO CONNECT /`;
/// * `Socket.IO DISCONNECT /admin`, `Socket.IO CONNECT_ERROR / {"message":"Not authorized"}`;
/// * `Socket.IO BINARY_EVENT / "upload" ["bytes.bin",{"_placeholder":true,"num":0}] (1 attachment)`
///   — binary types end with the attachment count (`(2 attachments)`).
///
/// JSON is compact (`serde_json`), each part cut after 120 characters with
/// `…`. A namespace query shows as `/admin?x=1`. An event whose first element
/// is not a string shows its whole array.
pub fn info(p: &SioPacket) -> String {
    let mut s = format!("Socket.IO {} {}", p.kind.name(), p.nsp);
    if let Some(q) = &p.query {
        s.push('?');
        s.push_str(q);
    }
    let ack = p.ack_id.map(|id| format!(" ack={id}"));
    if p.kind.is_ack() {
        if let Some(a) = &ack {
            s.push_str(a);
        }
    }
    if p.too_deep {
        if let Some(name) = p.event_name() {
            s.push(' ');
            s.push_str(&json(&Value::String(name.to_string())));
        }
        s.push_str(&format!(
            " [arguments nested more than {MAX_SHOWN_DEPTH} levels deep: not shown]"
        ));
    } else {
        info_data(p, &mut s);
    }
    if !p.kind.is_ack() {
        if let Some(a) = &ack {
            s.push_str(a);
        }
    }
    if p.kind.is_binary() {
        let plural = if p.attachments == 1 { "" } else { "s" };
        s.push_str(&format!(" ({} attachment{plural})", p.attachments));
    }
    s
}

/// The data part of [`info`]: an event's name and arguments, or the data.
fn info_data(p: &SioPacket, s: &mut String) {
    match (p.event_name(), &p.data) {
        (Some(name), _) => {
            s.push(' ');
            s.push_str(&json(&Value::String(name.to_string())));
            s.push(' ');
            s.push_str(&json_list(p.args()));
        }
        (None, Some(data)) => {
            s.push(' ');
            s.push_str(&match data.as_array() {
                Some(items) => json_list(items),
                None => json(data),
            });
        }
        (None, None) => {}
    }
}

type AckKey = (u64, String, Direction, u64);

/// Pairs acks with the packets that asked for them (an EVENT with an ack id),
/// per caller-given session key and namespace. An ACK from the client answers
/// the server's ask, and the other way round.
#[derive(Clone, Debug, Default)]
pub struct AckTracker {
    /// (session, nsp, who asked, ack id) → (record, ts). Looked up once per ack and
    /// ask: foldhash, randomly seeded (see Cargo.toml).
    pending: foldhash::HashMap<AckKey, (u32, u64)>,
    /// Asks replaced by a later ask with the same id before an answer.
    superseded: Vec<u32>,
    /// Answers with no ask waiting.
    unmatched: Vec<u32>,
    dropped: u64,
}

impl AckTracker {
    /// A packet asking for an ack: `ack_id` sent `dir` (by the client or the
    /// server), in record `record_id` at `ts_ns`.
    pub fn ask(
        &mut self,
        key: u64,
        nsp: &str,
        dir: Direction,
        ack_id: u64,
        record_id: u32,
        ts_ns: u64,
    ) {
        let k = (key, nsp.to_string(), dir, ack_id);
        if !self.pending.contains_key(&k) && self.pending.len() >= MAX_TRACKED {
            self.dropped += 1;
            return;
        }
        if let Some((old, _)) = self.pending.insert(k, (record_id, ts_ns)) {
            if self.superseded.len() < MAX_TRACKED {
                self.superseded.push(old);
            } else {
                self.dropped += 1;
            }
        }
    }

    /// An ACK sent `dir` for `ack_id` (answering an ask sent the other way): the asking
    /// record and the latency (ns, 0 if the clock went backwards), or `None`
    /// when nothing was waiting (the ACK is remembered as unmatched).
    pub fn answer(
        &mut self,
        key: u64,
        nsp: &str,
        dir: Direction,
        ack_id: u64,
        record_id: u32,
        ts_ns: u64,
    ) -> Option<(u32, u64)> {
        let k = (key, nsp.to_string(), dir.reverse(), ack_id);
        match self.pending.remove(&k) {
            Some((asker, asked_ts)) => Some((asker, ts_ns.saturating_sub(asked_ts))),
            None => {
                if self.unmatched.len() < MAX_TRACKED {
                    self.unmatched.push(record_id);
                } else {
                    self.dropped += 1;
                }
                None
            }
        }
    }

    /// How many [`Self::unanswered`] gives, without listing them.
    pub fn unanswered_count(&self) -> usize {
        self.pending.len() + self.superseded.len()
    }

    /// Records of asks never answered (including asks whose id was reused
    /// before an answer came), sorted.
    pub fn unanswered(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self.pending.values().map(|(id, _)| *id).collect();
        ids.extend_from_slice(&self.superseded);
        ids.sort_unstable();
        ids
    }

    /// Records of ACKs that answered nothing, in the order seen.
    pub fn unmatched_answers(&self) -> &[u32] {
        &self.unmatched
    }

    /// Asks and ids not kept because of [`MAX_TRACKED`].
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// Joins binary packets with their attachments, for one session and one
/// direction: after a BINARY_EVENT / BINARY_ACK with `n` attachments
/// ([`Attachments::expect`]), the next `n` binary Engine.IO messages in that
/// direction ([`Attachments::binary`]) are its attachments. Another text
/// message arriving first ([`Attachments::text`]), or a new binary packet, or
/// the end ([`Attachments::finish`]) leaves the owner incomplete.
#[derive(Clone, Debug, Default)]
pub struct Attachments {
    /// (owner packet, expected, received so far).
    waiting: Option<(u32, u32, u32)>,
    incomplete: Vec<u32>,
    dropped: u64,
}

impl Attachments {
    fn give_up(&mut self) -> Option<u32> {
        let (owner, _, _) = self.waiting.take()?;
        if self.incomplete.len() < MAX_TRACKED {
            self.incomplete.push(owner);
        } else {
            self.dropped += 1;
        }
        Some(owner)
    }

    /// Packet `packet_id` is a binary Socket.IO packet with `n` attachments.
    /// Returns a previous owner still waiting, now flagged incomplete.
    pub fn expect(&mut self, packet_id: u32, n: u32) -> Option<u32> {
        let previous = self.give_up();
        if n > 0 {
            self.waiting = Some((packet_id, n, 0));
        }
        previous
    }

    /// A binary Engine.IO message: `(owner packet, attachment index, owner
    /// now complete)` if it is an expected attachment, `None` otherwise.
    pub fn binary(&mut self) -> Option<(u32, u32, bool)> {
        let (owner, expected, received) = self.waiting?;
        let index = received;
        let received = received + 1;
        let complete = received >= expected;
        self.waiting = (!complete).then_some((owner, expected, received));
        Some((owner, index, complete))
    }

    /// A text Engine.IO message (other than the owner itself): an owner still
    /// waiting is flagged incomplete and returned.
    pub fn text(&mut self) -> Option<u32> {
        self.give_up()
    }

    /// The end of the session: an owner still waiting is flagged incomplete.
    pub fn finish(&mut self) -> Option<u32> {
        self.give_up()
    }

    /// The owner waiting for attachments: `(owner, expected, received)`.
    pub fn waiting(&self) -> Option<(u32, u32, u32)> {
        self.waiting
    }

    /// Owners whose attachments did not all arrive, in the order flagged.
    pub fn incomplete(&self) -> &[u32] {
        &self.incomplete
    }
}

#[cfg(test)]
#[path = "socketio_tests.rs"]
mod tests;
