//! A permessage-deflate message inflated (RFC 7692): the compressed bytes, the
//! `00 00 ff ff` tail appended, the text that results, and whether the window
//! was kept from the sender's earlier messages (context takeover).

use super::{spaced_hex, text_or_hex, thousands, Kind, Range, Step, Worked};
use crate::analysis::upper::WsMessage;
use crate::analysis::websocket::{parse_extensions, unmask, Inflater, MAX_MESSAGE_BYTES};
use crate::dissect::{Dissection, Src};
use crate::ids::Direction;
use crate::store::{PacketId, Store};

/// Most compressed bytes replayed to rebuild a shared window (this message and the
/// sender's earlier ones). Past it the message is not inflated again here: the text
/// the analysis inflated during its pass is shown, and the step says so.
/// (The window works a packet out when it is selected: this bounds that wait.)
pub const MAX_REPLAY_BYTES: usize = 4 << 20;

/// RFC 7692 §7.2.1: the end of a flushed DEFLATE block, removed by the sender.
pub const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// What the computation reads of one compressed message.
#[derive(Clone, Debug)]
pub struct Deflated {
    /// The message's payload, unmasked and its frames joined.
    pub compressed: Vec<u8>,
    pub dir: Direction,
    /// The sender's earlier compressed messages on the connection, oldest first,
    /// with their packet indexes (only read with context takeover).
    pub earlier: Vec<(u32, Vec<u8>)>,
    /// The sender declared `*_no_context_takeover`.
    pub no_takeover: bool,
    /// The `Sec-WebSocket-Extensions` of the 101, if seen.
    pub extensions: Option<String>,
    /// Packets of the message's first and last frames, and its frame count.
    pub packets: (u32, u32),
    pub frames: u32,
    /// The earlier messages were too many to replay: the analysis' text instead.
    pub too_long: Option<Vec<u8>>,
    /// Where the compressed bytes are in the shown packet's tree, when they are there as is.
    pub compressed_at: Option<(Src, Range)>,
    /// Where the inflated message is in the shown packet's tree.
    pub result_at: Option<(Src, Range)>,
}

/// The inflation of each compressed message completed at packet `id`.
pub fn worked(store: &Store, id: PacketId, d: &mut Dissection) -> Vec<Worked> {
    let up = &store.analysis.upper;
    let msgs: Vec<(u32, WsMessage)> = up
        .messages_at(id.0)
        .filter(|(_, m)| m.compressed)
        .map(|(i, m)| (i, m.clone()))
        .collect();
    let mut out = Vec::new();
    for (mi, m) in msgs {
        let conn = up.ws_connections.get(m.connection as usize);
        let extensions = (conn.and_then(|c| c.handshake))
            .and_then(|h| up.http.websockets.get(h as usize))
            .and_then(|w| w.extensions.clone());
        let params = extensions.as_deref().map(parse_extensions);
        let no_takeover =
            (params.and_then(|e| e.deflate)).is_some_and(|p| p.no_context_takeover(m.dir));
        let compressed = joined_payload(store, mi);
        let mut input = Deflated {
            compressed: Vec::new(),
            earlier: Vec::new(),
            too_long: None,
            dir: m.dir,
            no_takeover,
            extensions,
            packets: (m.first_packet, m.last_packet),
            frames: m.frames,
            compressed_at: compressed_place(store, id, mi),
            result_at: store
                .ws_payload_place(id, mi, d)
                .map(|p| p.at(0, m.len as u32)),
        };
        if !no_takeover {
            let earlier = earlier_messages(store, mi, &m);
            let total: u64 = earlier.iter().map(|&(_, e)| e.wire_len).sum();
            if total.saturating_add(compressed.len() as u64) > MAX_REPLAY_BYTES as u64 {
                let kept = store.ws_payload(mi).map(|p| p.to_vec()).unwrap_or_default();
                input.too_long = Some(kept);
                input.earlier = (earlier.last())
                    .map(|&(_, e)| (e.first_packet, Vec::new()))
                    .into_iter()
                    .collect();
            } else {
                input.earlier = (earlier.iter())
                    .map(|&(i, e)| (e.first_packet, joined_payload(store, i)))
                    .collect();
            }
        }
        input.compressed = compressed;
        out.push(of(&input));
    }
    out
}

/// The payload of message `mi`: its frames' payloads joined and unmasked.
fn joined_payload(store: &Store, mi: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for (_, f) in store.analysis.upper.frames_of(mi) {
        let room = MAX_MESSAGE_BYTES.saturating_sub(out.len());
        let len = usize::try_from(f.payload_len)
            .unwrap_or(usize::MAX)
            .min(room);
        let mut part =
            store.stream_bytes((f.payload_start.0, f.end_packet), f.payload_start.1, len);
        if let Some(key) = f.mask {
            unmask(&mut part, key, 0);
        }
        out.extend_from_slice(&part);
    }
    out
}

/// The frame bytes of a one-frame, unmasked message whole in packet `id`.
fn compressed_place(store: &Store, id: PacketId, mi: u32) -> Option<(Src, Range)> {
    let mut frames = store.analysis.upper.frames_of(mi);
    let (_, f) = frames.next()?;
    let alone = frames.next().is_none();
    let here = f.payload_start.0 == id.0 && f.end_packet == id.0;
    if !(alone && here && f.mask.is_none()) {
        return None;
    }
    let a = u32::from(store.summary(id)?.payload_off) + f.payload_start.1;
    Some((Src::Frame, [a, a + u32::try_from(f.payload_len).ok()?]))
}

/// The compressed messages the same side sent earlier on the same connection.
fn earlier_messages<'a>(store: &'a Store, mi: u32, m: &WsMessage) -> Vec<(u32, &'a WsMessage)> {
    (store.analysis.upper.ws_messages.iter())
        .take(mi as usize)
        .zip(0..)
        .filter(|(e, _)| e.connection == m.connection && e.dir == m.dir && e.compressed)
        .map(|(e, i)| (i, e))
        .collect()
}

/// The steps for one message.
pub fn of(x: &Deflated) -> Worked {
    let who = if x.dir == Direction::FromClient {
        "client"
    } else {
        "server"
    };
    let mut steps = vec![negotiated_step(x)];
    let joined = if x.frames > 1 {
        format!(
            ", its {} frames (packets {}–{}) joined",
            x.frames,
            x.packets.0 + 1,
            x.packets.1 + 1
        )
    } else {
        String::new()
    };
    steps.push(
        Step::new(format!(
            "The compressed payload{joined}{}: {} bytes.",
            if x.dir == Direction::FromClient {
                ", unmasked"
            } else {
                ""
            },
            x.compressed.len()
        ))
        .value(spaced_hex(&x.compressed, super::MAX_HEX_SHOWN))
        .at(x.compressed_at),
    );
    let tail_from = x.compressed.len().saturating_sub(8);
    steps.push(
        Step::new("Every message ends with a flushed DEFLATE block, whose last 4 bytes are always 00 00 ff ff: the sender removed them (RFC 7692 §7.2.1), the receiver appends them back. The end of the data then:")
            .value(format!("… {} | {}", spaced_hex(&x.compressed[tail_from..], 8), spaced_hex(&TAIL, 4))),
    );
    steps.push(takeover_step(x, who));
    steps.push(inflate_step(x));
    Worked {
        kind: Kind::Deflate,
        title: format!("permessage-deflate: inflating a {who} message"),
        steps,
    }
}

fn negotiated_step(x: &Deflated) -> Step {
    let text = format!(
        "RSV1 is set on the message's first frame (packet {}): it is compressed with permessage-deflate (RFC 7692), agreed on in the handshake.",
        x.packets.0 + 1
    );
    match &x.extensions {
        Some(e) => Step::new(text).value(format!("Sec-WebSocket-Extensions: {e}")),
        None => Step::new(text),
    }
}

fn takeover_step(x: &Deflated, who: &str) -> Step {
    if x.no_takeover {
        return Step::new(format!(
            "No context takeover: the handshake said {who}_no_context_takeover, so each {who} message is compressed on its own and inflated with an empty window."
        ));
    }
    match x.earlier.last() {
        None => Step::new(format!(
            "Context takeover (the default): the {who} keeps one compression window across its messages. This is its first compressed message, so the window starts empty."
        )),
        Some((p, _)) => Step::new(format!(
            "Context takeover (the default): the window carries over from the {who}'s {} earlier compressed message(s), the last in packet {}. This message may copy strings from them, so it is inflated after them, with the same inflater: alone it would give wrong bytes, or fail.",
            x.earlier.len(),
            p + 1
        )),
    }
}

fn inflate_step(x: &Deflated) -> Step {
    if let Some(text) = &x.too_long {
        return Step::new(format!(
            "Replaying the earlier messages would take more than {} MiB, so it is not done again here. The analysis inflated it during its pass: {} bytes.",
            MAX_REPLAY_BYTES >> 20,
            text.len()
        ))
        .value(text_or_hex(text))
        .at(x.result_at);
    }
    let mut inflater = Inflater::new(x.no_takeover);
    for (_, e) in &x.earlier {
        // An earlier failure breaks the shared window: the error below says so.
        let _ = inflater.inflate_message(e, MAX_MESSAGE_BYTES);
    }
    match inflater.inflate_message(&x.compressed, MAX_MESSAGE_BYTES) {
        Ok(text) => {
            let ratio = x.compressed.len() as f64 * 100.0 / text.len().max(1) as f64;
            Step::new(format!(
                "Inflating (DEFLATE, RFC 1951) gives {} bytes: {} bytes travelled for them ({ratio:.0}%).",
                thousands(text.len() as u64),
                thousands(x.compressed.len() as u64)
            ))
            .value(text_or_hex(&text))
            .at(x.result_at)
        }
        Err(e) => Step::new(format!("Inflating fails: {e}.")).check(false),
    }
}
