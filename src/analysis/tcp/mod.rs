//! TCP conversations: each flow's segments cut into conversations (a port reused
//! after a close, or a new SYN with another ISN, starts a new one), each with its
//! handshake state, round-trip times, the options each side offered, and the
//! teardown; and the role of every TCP segment.

pub mod handshake;
pub mod reassembly;
mod streams;

use std::borrow::Cow;

use serde::Serialize;

pub use handshake::{Handshake, Role, Seg};
pub use reassembly::Reassembler;
pub use streams::MAX_OPEN_STREAMS;

use streams::Streams;

use crate::capture::Capture;
use crate::dissect::{
    self, tcp_flags, FieldDef, Layer, Osi, Proto, Show, Summary, TcpOptionsOffered, Value,
};
use crate::ids::{Direction, FlowId, FlowSide, PacketId};

/// A conversation's position in [`TcpAnalysis::conversations`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ConversationId(pub u32);

/// How a conversation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Teardown {
    /// The first FIN, and who sent it.
    pub first_fin: Option<(PacketId, Direction)>,
    /// FINs seen from the client and from the server (by [`Direction::index`]).
    pub fins: [bool; 2],
    /// The first RST after the handshake (a refused SYN is not counted here).
    pub reset: Option<PacketId>,
}

/// One TCP conversation.
#[derive(Clone, Debug, Serialize)]
pub struct TcpConversation {
    pub flow: FlowId,
    /// The way (`Summary::dir`) the client's packets travel relative to the flow key.
    pub client_side: FlowSide,
    pub first_packet: PacketId,
    pub last_packet: PacketId,
    pub packets: u32,
    /// Captured bytes of its packets, headers included.
    pub frame_bytes: u64,
    pub handshake: Handshake,
    pub syn: Option<PacketId>,
    pub syn_ack: Option<PacketId>,
    pub handshake_ack: Option<PacketId>,
    pub syn_retransmissions: u32,
    pub syn_ack_retransmissions: u32,
    /// SYN → SYN-ACK and SYN-ACK → the handshake's ACK, in nanoseconds;
    /// [`NO_RTT`] until measured (8 bytes each instead of an `Option`'s 16:
    /// there is a record per SYN). Read through [`Self::rtt_syn_ns`], [`Self::rtt_ack_ns`].
    rtt_ns: [i64; 2],
    /// Options offered in the SYN (client) and the SYN-ACK (server), by [`Direction::index`].
    pub offered: [Option<TcpOptionsOffered>; 2],
    pub teardown: Teardown,
    /// The sequence number of the first SYN each side sent (by [`Direction::index`]).
    pub syn_seq: [Option<u32>; 2],
    /// What reassembly found, once the conversation carried data: a conversation of
    /// SYNs alone allocates nothing more than this record (see [`Self::totals`]).
    pub streams: Option<Box<StreamTotals>>,
}

/// A round-trip time not measured.
const NO_RTT: i64 = i64::MIN;

/// What reassembly found in the streams of a conversation that carried data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StreamTotals {
    /// Bytes reassembled per direction (by [`Direction::index`]).
    pub bytes: [u64; 2],
    /// Bytes never delivered (holes given up as gaps) per direction...
    pub gap_bytes: [u64; 2],
    /// ...of which captured after their hole was given up (late, skipped).
    pub late_bytes: [u64; 2],
    pub retransmitted_segments: u32,
    pub out_of_order_segments: u32,
    /// Its streams were closed before the conversation ended, at this packet, because
    /// more than [`MAX_OPEN_STREAMS`] conversations were open at once and it was among
    /// the idle longest; its later data is not reassembled.
    pub closed_early: Option<PacketId>,
}

impl StreamTotals {
    const NONE: StreamTotals = StreamTotals {
        bytes: [0; 2],
        gap_bytes: [0; 2],
        late_bytes: [0; 2],
        retransmitted_segments: 0,
        out_of_order_segments: 0,
        closed_early: None,
    };
}

impl TcpConversation {
    fn new(flow: FlowId, client_side: FlowSide, first: PacketId) -> Self {
        TcpConversation {
            flow,
            client_side,
            first_packet: first,
            last_packet: first,
            packets: 0,
            frame_bytes: 0,
            handshake: Handshake::Start,
            syn: None,
            syn_ack: None,
            handshake_ack: None,
            syn_retransmissions: 0,
            syn_ack_retransmissions: 0,
            rtt_ns: [NO_RTT; 2],
            offered: [None, None],
            teardown: Teardown {
                first_fin: None,
                fins: [false; 2],
                reset: None,
            },
            syn_seq: [None; 2],
            streams: None,
        }
    }

    /// SYN → SYN-ACK, in nanoseconds.
    pub fn rtt_syn_ns(&self) -> Option<i64> {
        Some(self.rtt_ns[0]).filter(|&t| t != NO_RTT)
    }

    /// SYN-ACK → the handshake's ACK, in nanoseconds.
    pub fn rtt_ack_ns(&self) -> Option<i64> {
        Some(self.rtt_ns[1]).filter(|&t| t != NO_RTT)
    }

    /// What reassembly found (all zero for a conversation that carried no data).
    pub fn totals(&self) -> &StreamTotals {
        self.streams.as_deref().unwrap_or(&StreamTotals::NONE)
    }

    /// Completed in capture order: SYN, then the SYN-ACK, then the ACK.
    pub fn completed_in_order(&self) -> bool {
        matches!(
            self.handshake,
            Handshake::Established {
                in_capture_order: true
            }
        )
    }

    pub fn completed(&self) -> bool {
        matches!(self.handshake, Handshake::Established { .. })
    }

    /// Who sent a packet that travels `side` of the flow key.
    pub fn direction_of(&self, side: FlowSide) -> Direction {
        Direction::of(side == self.client_side)
    }

    /// The window-scale shift of the windows `dir`'s sender advertises, known once
    /// both SYNs were seen: each side's own offer when both offered one, else none
    /// (RFC 7323 §2.2).
    pub fn win_shift(&self, dir: Direction) -> Option<u8> {
        match self.offered {
            [Some(c), Some(s)] => match (c.window_scale, s.window_scale) {
                (Some(a), Some(b)) => Some(match dir {
                    Direction::FromClient => a,
                    Direction::FromServer => b,
                }),
                _ => Some(0),
            },
            _ => None,
        }
    }

    pub fn refused(&self) -> bool {
        self.handshake == Handshake::Refused
    }

    fn closed(&self) -> bool {
        self.teardown.reset.is_some() || self.teardown.fins == [true, true] || self.refused()
    }

    /// A SYN that cannot belong to this conversation starts a new one.
    fn starts_new(&self, s: &Seg) -> bool {
        let syn_only =
            s.flags & (tcp_flags::SYN | tcp_flags::ACK | tcp_flags::RST) == tcp_flags::SYN;
        if !syn_only || self.handshake == Handshake::Start {
            return false;
        }
        match self.handshake {
            // The other side's SYN in answer to ours: a simultaneous open, same conversation.
            Handshake::SynSent { .. } if s.dir == Direction::FromServer => false,
            Handshake::SynSent { c_isn, .. }
            | Handshake::SynReceived { c_isn, .. }
            | Handshake::SynAckFirst { c_isn, .. } => s.seq != c_isn || self.closed(),
            _ => true,
        }
    }
}

/// All TCP conversations of a capture and the role of each packet.
#[derive(Default)]
pub struct TcpAnalysis {
    pub conversations: Vec<TcpConversation>,
    /// Per packet: its conversation (`u32::MAX` for non-TCP packets).
    conv_of: Vec<u32>,
    roles: Vec<Role>,
    /// Per packet: reassembly notes (`note::*` bits).
    notes: Vec<u8>,
}

/// Per-packet reassembly notes.
pub mod note {
    pub const RETRANSMISSION: u8 = 1;
    pub const OVERLAP: u8 = 2;
    pub const OUT_OF_ORDER: u8 = 4;
    pub const LATE: u8 = 8;
    /// Data not reassembled: the conversation's streams were closed early
    /// ([`super::MAX_OPEN_STREAMS`]).
    pub const CLOSED_EARLY: u8 = 16;
}

/// Bytes held out of order across all streams before holes are given up (256 MiB).
pub const MAX_TOTAL_HELD: usize = 256 << 20;

/// What reassembled bytes are handed to: the parsers above TCP, with their
/// per-conversation state `Conv` (or a queue of them for another thread). `'a`:
/// the capture's bytes, which in-order data borrows.
pub trait StreamSink<'a> {
    type Conv: Default;
    /// In-order bytes of one direction; `at` = (packet, offset in its TCP payload).
    fn data(
        &mut self,
        st: &mut Self::Conv,
        conv: u32,
        dir: Direction,
        at: (u32, u32),
        bytes: Cow<'a, [u8]>,
    );
    /// `len` bytes of one direction that were never captured.
    fn gap(&mut self, st: &mut Self::Conv, conv: u32, dir: Direction, len: u64);
    /// The conversation's streams ended (it closed, or the capture did).
    fn end(&mut self, st: Self::Conv, conv: u32);
}

/// The handshake state in words.
fn state_text(c: &TcpConversation) -> String {
    match c.handshake {
        Handshake::Start => "no segment yet".into(),
        Handshake::SynSent { .. } => "SYN sent, no answer yet (half-open)".into(),
        Handshake::SynReceived { .. } => "SYN answered by SYN-ACK, final ACK not seen".into(),
        Handshake::SynAckFirst { .. } => "SYN-ACK captured before the SYN".into(),
        Handshake::Established {
            in_capture_order: true,
        } => "three-way handshake completed".into(),
        Handshake::Established {
            in_capture_order: false,
        } => "three-way handshake completed (segments captured out of order)".into(),
        Handshake::Refused => "refused: the SYN was answered by RST".into(),
        Handshake::SimultaneousOpen => "simultaneous open: both sides sent SYN".into(),
        Handshake::MidStream => "joined mid-stream: no handshake in the capture".into(),
    }
}

fn offered_text(o: &TcpOptionsOffered) -> String {
    let mut v = Vec::new();
    if let Some(m) = o.mss {
        v.push(format!("MSS {m}"));
    }
    if let Some(w) = o.window_scale {
        v.push(format!("window scale {w} (×{})", 1u32 << w));
    }
    if o.sack_permitted {
        v.push("SACK permitted".into());
    }
    if o.timestamps {
        v.push("timestamps".into());
    }
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// The state of a pass over the capture that lives only while it runs: the
/// conversation each flow is in now, and the streams still open. Packets go in
/// one at a time ([`TcpPass::step`]), so the records can be read between steps
/// while a capture is still loading.
pub struct TcpPass<C> {
    /// By flow id (dense): the flow's conversation now, `u32::MAX` before its first.
    current: Vec<u32>,
    streams: Streams<C>,
}

impl<C: Default> Default for TcpPass<C> {
    fn default() -> Self {
        TcpPass {
            current: Vec::new(),
            streams: Streams::default(),
        }
    }
}

impl<C: Default> TcpPass<C> {
    /// A pass that follows at most `limit` conversations' streams at once (the
    /// default is [`MAX_OPEN_STREAMS`]).
    pub fn with_open_limit(limit: usize) -> Self {
        TcpPass {
            current: Vec::new(),
            streams: Streams::with_limit(limit),
        }
    }

    /// Conversations whose stream state is held now.
    pub fn open_streams(&self) -> usize {
        self.streams.open_count()
    }

    /// Follow packet `i` (the next one: `i` equals the packets seen so far).
    /// Reassembled bytes go on to `http`.
    pub fn step<'a, S: StreamSink<'a, Conv = C>>(
        &mut self,
        a: &mut TcpAnalysis,
        capture: &'a Capture,
        (i, sum): (usize, &Summary),
        http: &mut S,
    ) {
        self.skip(a, i);
        if !sum.protos.contains(Proto::Tcp) || sum.flow == Summary::NO_FLOW {
            return;
        }
        let id = PacketId(i as u32);
        let ts = capture.record(i).map_or(0, |r| r.ts_ns);
        let conv = a.conversation_for(&mut self.current, sum, id);
        a.conv_of[i] = conv;
        let c = &mut a.conversations[conv as usize];
        let seg = seg_of(sum, c);
        let (next, role) = handshake::step(c.handshake, &seg);
        c.handshake = next;
        a.roles[i] = role;
        record(c, capture, i, ts, &seg, role);
        let payload = match seg.len {
            0 => &[][..],
            _ => sum.tcp_payload_in(capture.link_type(i), capture.data(i)),
        };
        a.notes[i] = self.streams.feed(c, conv, (i, payload), &seg, http);
        self.streams.enforce_limit(&mut a.conversations, id, http);
    }

    /// Pass over packet `i` (the next one) without following it: it gets no
    /// conversation, as a packet that is not TCP.
    pub fn skip(&mut self, a: &mut TcpAnalysis, i: usize) {
        debug_assert_eq!(i, a.conv_of.len());
        a.conv_of.push(u32::MAX);
        a.roles.push(Role::Segment);
        a.notes.push(0);
    }

    /// End of the capture: the streams still open give up their holes.
    pub fn finish<'a, S: StreamSink<'a, Conv = C>>(mut self, a: &mut TcpAnalysis, http: &mut S) {
        self.streams.finish(&mut a.conversations, http);
    }
}

impl TcpAnalysis {
    /// Room for `packets` packets' roles and notes, reserved once.
    pub fn with_capacity(packets: usize) -> TcpAnalysis {
        TcpAnalysis {
            conversations: Vec::new(),
            conv_of: Vec::with_capacity(packets),
            roles: Vec::with_capacity(packets),
            notes: Vec::with_capacity(packets),
        }
    }

    fn conversation_for(&mut self, current: &mut Vec<u32>, sum: &Summary, id: PacketId) -> u32 {
        let flow = sum.flow as usize;
        if let Some(&c) = current.get(flow).filter(|&&c| c != u32::MAX) {
            let conv = &self.conversations[c as usize];
            let seg = seg_of(sum, conv);
            if !conv.starts_new(&seg) {
                return c;
            }
        }
        let f = sum.tcp_flags;
        let syn_ack = f & tcp_flags::SYN != 0 && f & tcp_flags::ACK != 0;
        // The client sent the SYN; a SYN-ACK comes from the server; otherwise guess the first sender.
        let client_side = if syn_ack { sum.dir.reverse() } else { sum.dir };
        let c = self.conversations.len() as u32;
        self.conversations
            .push(TcpConversation::new(FlowId(sum.flow), client_side, id));
        if current.len() <= flow {
            current.resize(flow + 1, u32::MAX);
        }
        current[flow] = c;
        c
    }

    /// The role packet `id` plays in its conversation.
    pub fn role(&self, id: PacketId) -> Role {
        self.roles.get(id.index()).copied().unwrap_or_default()
    }

    /// Reassembly notes of packet `id` (`note::*` bits).
    pub fn notes(&self, id: PacketId) -> u8 {
        self.notes.get(id.index()).copied().unwrap_or(0)
    }

    /// The conversation packet `id` belongs to.
    pub fn conversation_of(&self, id: PacketId) -> Option<(ConversationId, &TcpConversation)> {
        let c = *self.conv_of.get(id.index())?;
        self.conversations
            .get(c as usize)
            .map(|conv| (ConversationId(c), conv))
    }

    /// The session layer (OSI 5) of a TCP packet: its conversation, the handshake
    /// state and its own role in it. `side` is the way the packet travels relative to
    /// its flow's key (`Summary::dir`), `range` the TCP header's.
    pub fn session_layer(&self, id: PacketId, side: FlowSide, range: [u32; 2]) -> Option<Layer> {
        let (cid, c) = self.conversation_of(id)?;
        let role = self.role(id);
        let title = match role.label() {
            "" => format!("TCP connection #{}: {}", cid.0, state_text(c)),
            r => format!("TCP connection #{}: {r}", cid.0),
        };
        let mut l = Layer::new(Osi::Session, "tcp.connection", title, range);
        l.fields.push(hf::STREAM.at(cid.0, range));
        if role != Role::Segment {
            l.fields.push(hf::ROLE.at(role.label(), range));
        }
        l.fields.push(hf::STATE.at(state_text(c), range));
        let n = self.notes(id);
        let mut what = Vec::new();
        for (bit, text) in [
            (
                note::RETRANSMISSION,
                "retransmission: every byte was seen before",
            ),
            (
                note::OVERLAP,
                "overlap: some bytes were seen before (the first copy is kept)",
            ),
            (
                note::OUT_OF_ORDER,
                "out of order: arrived ahead of missing bytes",
            ),
            (
                note::LATE,
                "late: arrived after more than 4 MiB had waited behind the hole it fills, \
                 which was given up; skipped",
            ),
            (
                note::CLOSED_EARLY,
                "not reassembled: this connection's streams were closed early, more than \
                 1,000,000 connections being open at once (the idle longest are closed)",
            ),
        ] {
            if n & bit != 0 {
                what.push(text);
            }
        }
        if !what.is_empty() {
            l.fields.push(hf::ANALYSIS_FLAGS.at(what.join("; "), range));
        }
        for d in Direction::BOTH {
            let i = d.index();
            let t = c.totals();
            let (bytes, gap, late) = (t.bytes[i], t.gap_bytes[i], t.late_bytes[i]);
            let dir = d.arrow();
            let v = match (gap, late) {
                (0, _) => format!("{dir}: {bytes} bytes"),
                (g, 0) => format!("{dir}: {bytes} bytes, {g} bytes missing (not captured)"),
                (g, l) => format!(
                    "{dir}: {bytes} bytes, {g} bytes skipped: {} not captured, {l} captured \
                     after more than 4 MiB had waited behind their hole",
                    g.saturating_sub(l)
                ),
            };
            let f = hf::STREAM_BYTES.at(bytes, range).show(Show::Hidden);
            l.fields.push(f.note(v));
        }
        l.fields
            .push(hf::DIRECTION.at(c.direction_of(side).arrow(), range));
        if let (Some(a), Some(b)) = (c.rtt_syn_ns(), c.rtt_ack_ns()) {
            let ms =
                |def: &FieldDef, ns: i64| def.at(Value::Duration(ns), range).show(Show::Millis);
            l.fields.push(
                ms(&hf::INITIAL_RTT, a + b).with(vec![ms(&hf::RTT_SYN, a), ms(&hf::RTT_ACK, b)]),
            );
        }
        for (d, o) in Direction::BOTH.into_iter().zip(c.offered) {
            if let Some(o) = o {
                let text = format!("{}: {}", d.sender(), offered_text(&o));
                l.fields.push(hf::OFFERED.at(text, range));
            }
        }
        Some(l)
    }
}

/// The fields of the session layer (OSI 5) a TCP packet gets from its conversation.
pub(crate) mod hf {
    crate::dissect::fields! {
        CONNECTION = "tcp.connection", "TCP connection", None, "TCP connection (handshake, stream)";
        STREAM = "tcp.stream", "Stream index", Unsigned;
        ROLE = "tcp.connection.role", "Role of this segment", Text;
        STATE = "tcp.connection.state", "Handshake", Text;
        ANALYSIS_FLAGS = "tcp.analysis.flags", "Segment analysis", Text;
        STREAM_BYTES = "tcp.connection.stream_bytes", "Stream", Unsigned,
            "Stream bytes in one direction";
        DIRECTION = "tcp.connection.direction", "Direction", Text;
        INITIAL_RTT = "tcp.analysis.initial_rtt", "Initial round-trip time", Duration;
        RTT_SYN = "tcp.connection.rtt_syn", "SYN → SYN-ACK", Duration;
        RTT_ACK = "tcp.connection.rtt_ack", "SYN-ACK → ACK", Duration;
        OFFERED = "tcp.connection.offered", "Options offered", Text;
    }
}

fn seg_of(sum: &Summary, c: &TcpConversation) -> Seg {
    Seg {
        dir: c.direction_of(sum.dir),
        flags: sum.tcp_flags,
        seq: sum.seq,
        ack: sum.ack,
        len: sum.payload_len,
    }
}

/// Update a conversation with segment `i` (time `ts`, role `role`).
fn record(c: &mut TcpConversation, cap: &Capture, i: usize, ts: i64, s: &Seg, role: Role) {
    let id = PacketId(i as u32);
    c.packets += 1;
    c.frame_bytes += cap.data(i).len() as u64;
    c.last_packet = id;
    let side = s.dir.index();
    let ts_of = |p: Option<PacketId>| p.and_then(|p| cap.record(p.index())).map(|r| r.ts_ns);
    match role {
        Role::Syn => {
            c.syn = Some(id);
            // The sender's side: a simultaneous open's second SYN comes from the server.
            c.offered[side] = dissect::tcp_options_offered(cap.link_type(i), cap.data(i));
        }
        Role::SynAck => {
            c.syn_ack = Some(id);
            c.offered[side] = dissect::tcp_options_offered(cap.link_type(i), cap.data(i));
            c.rtt_ns[0] = ts_of(c.syn).map_or(NO_RTT, |t| ts - t);
        }
        Role::HandshakeAck => {
            c.handshake_ack = Some(id);
            c.rtt_ns[1] = ts_of(c.syn_ack).map_or(NO_RTT, |t| ts - t);
            if c.rtt_syn_ns().is_none() {
                // SYN-ACK captured first: measure from the SYN once both were seen.
                c.rtt_ns[0] = (ts_of(c.syn).zip(ts_of(c.syn_ack))).map_or(NO_RTT, |(a, b)| b - a);
            }
        }
        Role::SynRetransmission => c.syn_retransmissions += 1,
        Role::SynAckRetransmission => c.syn_ack_retransmissions += 1,
        Role::Fin => {
            c.teardown.fins[side] = true;
            c.teardown.first_fin.get_or_insert((id, s.dir));
        }
        Role::Reset => {
            c.teardown.reset.get_or_insert(id);
        }
        Role::Refused | Role::Segment => {}
    }
    if role != Role::Fin && s.flags & tcp_flags::FIN != 0 {
        c.teardown.fins[side] = true;
        c.teardown.first_fin.get_or_insert((id, s.dir));
    }
}

#[cfg(test)]
mod tests;
