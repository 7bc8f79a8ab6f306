//! Both endpoints' TCP states through one conversation, as RFC 9293 §3.3.2
//! (Figure 5) draws them, driven by the captured segments.
//!
//! The diagram is [`step`]: one explicit transition function over
//! ([`TcpState`], [`Event`]). [`timeline`] reads a conversation's segments in
//! capture order and turns each into the events it means for each endpoint.
//!
//! **Where the capture stands.** A captured segment was *sent* by its sender:
//! the sender's transition that sends it (`snd SYN`, `snd FIN`, the ACK of a
//! SYN-ACK, a SYN-ACK answering a SYN, a RST) is [`How::Seen`] at that packet. The
//! capture does not show the other endpoint *receiving* it: that endpoint's
//! transition on receipt (`rcv FIN`, `rcv ACK of FIN`, ...) is placed at the
//! same packet, as if the segment arrived as it was captured, and is
//! [`How::Inferred`]. This is exact for a capture near the sender and on
//! loopback, and a good approximation when the path is short. States before
//! the first packet (the server's LISTEN, or ESTABLISHED for a conversation
//! joined mid-stream) and the end of TIME-WAIT (a timer, 2×MSL) are inferred:
//! no packet shows them.
//!
//! **Segments that crossed.** Where both ends sent the same kind of segment before
//! receiving the other's, the first one is received only after the second was sent:
//! two FINs (a simultaneous close: FIN-WAIT-1 → CLOSING on both sides), and two
//! SYN-ACKs after two SYNs (a simultaneous open, RFC 9293 Figure 6: both start
//! CLOSED, go SYN-SENT with their SYN, SYN-RECEIVED as each sends its SYN-ACK, and
//! ESTABLISHED once each receives the other's).

use serde::{Serialize, Serializer};

use super::{conversation_packets, endpoints};
use crate::analysis::tcp::{Handshake, Seg};
use crate::dissect::tcp_flags::{ACK, FIN, RST, SYN};
use crate::ids::Direction;
use crate::store::{PacketId, Store};

/// The states of RFC 9293 §3.3.2.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TcpState {
    #[default]
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}

impl TcpState {
    /// Every state, in the order the RFC lists them.
    pub const ALL: [TcpState; 11] = [
        TcpState::Closed,
        TcpState::Listen,
        TcpState::SynSent,
        TcpState::SynReceived,
        TcpState::Established,
        TcpState::FinWait1,
        TcpState::FinWait2,
        TcpState::CloseWait,
        TcpState::Closing,
        TcpState::LastAck,
        TcpState::TimeWait,
    ];

    /// The RFC's name: `SYN-RECEIVED`, `FIN-WAIT-1`.
    pub fn name(self) -> &'static str {
        match self {
            TcpState::Closed => "CLOSED",
            TcpState::Listen => "LISTEN",
            TcpState::SynSent => "SYN-SENT",
            TcpState::SynReceived => "SYN-RECEIVED",
            TcpState::Established => "ESTABLISHED",
            TcpState::FinWait1 => "FIN-WAIT-1",
            TcpState::FinWait2 => "FIN-WAIT-2",
            TcpState::CloseWait => "CLOSE-WAIT",
            TcpState::Closing => "CLOSING",
            TcpState::LastAck => "LAST-ACK",
            TcpState::TimeWait => "TIME-WAIT",
        }
    }
}

impl Serialize for TcpState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// What moves an endpoint from one state to another: the labels of the arrows of
/// RFC 9293 Figure 5 (and the RST rules of §3.10.7, which the figure leaves out).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// CLOSED → LISTEN: "passive OPEN".
    PassiveOpen,
    /// CLOSED → SYN-SENT: "active OPEN / snd SYN".
    ActiveOpen,
    /// LISTEN → SYN-SENT: "SEND / snd SYN".
    SendSyn,
    /// LISTEN → SYN-RECEIVED, and SYN-SENT → SYN-RECEIVED in a simultaneous
    /// open: "rcv SYN / snd SYN,ACK".
    RcvSyn,
    /// SYN-SENT → ESTABLISHED: "rcv SYN,ACK / snd ACK".
    RcvSynAck,
    /// SYN-RECEIVED → ESTABLISHED: "rcv ACK of SYN".
    RcvAckOfSyn,
    /// SYN-RECEIVED, ESTABLISHED → FIN-WAIT-1 and CLOSE-WAIT → LAST-ACK:
    /// "CLOSE / snd FIN" (LISTEN, SYN-SENT → CLOSED send nothing).
    Close,
    /// ESTABLISHED → CLOSE-WAIT, FIN-WAIT-1 → CLOSING, FIN-WAIT-2 → TIME-WAIT:
    /// "rcv FIN / snd ACK".
    RcvFin,
    /// FIN-WAIT-1 → FIN-WAIT-2, CLOSING → TIME-WAIT, LAST-ACK → CLOSED:
    /// "rcv ACK of FIN".
    RcvAckOfFin,
    /// TIME-WAIT → CLOSED: "Timeout=2MSL".
    Timeout,
    /// Any state past LISTEN → CLOSED: the endpoint aborts, "snd RST" (§3.10.4).
    SndRst,
    /// "rcv RST" (§3.10.7): SYN-RECEIVED reached by a passive OPEN goes back to
    /// LISTEN; any other state past LISTEN → CLOSED.
    RcvRst { passive: bool },
    /// CLOSED stays CLOSED: a SYN to a port nothing listens on is answered
    /// "snd RST" (§3.10.7.1): the connection is refused.
    RefuseSyn,
}

impl Event {
    /// The arrow's label in RFC 9293 Figure 5's notation.
    pub fn rfc_label(self) -> &'static str {
        match self {
            Event::PassiveOpen => "passive OPEN",
            Event::ActiveOpen => "active OPEN / snd SYN",
            Event::SendSyn => "SEND / snd SYN",
            Event::RcvSyn => "rcv SYN / snd SYN,ACK",
            Event::RcvSynAck => "rcv SYN,ACK / snd ACK",
            Event::RcvAckOfSyn => "rcv ACK of SYN / x",
            Event::Close => "CLOSE / snd FIN",
            Event::RcvFin => "rcv FIN / snd ACK",
            Event::RcvAckOfFin => "rcv ACK of FIN / x",
            Event::Timeout => "Timeout=2MSL / delete TCB",
            Event::SndRst => "ABORT / snd RST",
            Event::RcvRst { .. } => "rcv RST",
            Event::RefuseSyn => "rcv SYN / snd RST",
        }
    }

    /// In plain words.
    pub fn text(self) -> &'static str {
        match self {
            Event::PassiveOpen => "listens for connections (passive OPEN)",
            Event::ActiveOpen => "opens: sent SYN (active OPEN)",
            Event::SendSyn => "sent SYN from LISTEN",
            Event::RcvSyn => "received SYN, sent SYN-ACK",
            Event::RcvSynAck => "received SYN-ACK, sent ACK",
            Event::RcvAckOfSyn => "received the ACK of its SYN",
            Event::Close => "closes: sent FIN",
            Event::RcvFin => "received FIN (acknowledges it)",
            Event::RcvAckOfFin => "received the ACK of its FIN",
            Event::Timeout => {
                "2×MSL timer ran out (MSL: 2 minutes in RFC 9293; Linux waits 60 s in all)"
            }
            Event::SndRst => "aborts: sent RST",
            Event::RcvRst { .. } => "received RST",
            Event::RefuseSyn => "nothing listens: answered the SYN with RST",
        }
    }
}

/// RFC 9293 Figure 5 as one transition function: the state `event` moves an
/// endpoint in `state` to, or `None` when the diagram has no such arrow (the
/// endpoint stays where it is: a retransmission, a segment that changes nothing).
pub fn step(state: TcpState, event: Event) -> Option<TcpState> {
    use Event::*;
    use TcpState::*;
    Some(match (state, event) {
        (Closed, PassiveOpen) => Listen,
        (Closed, ActiveOpen) | (Listen, SendSyn) => SynSent,
        (Listen | SynSent, RcvSyn) => SynReceived,
        (SynSent, RcvSynAck) | (SynReceived, RcvAckOfSyn) => Established,
        (SynReceived | Established, Close) => FinWait1,
        (CloseWait, Close) => LastAck,
        (Listen | SynSent, Close) => Closed,
        (Established, RcvFin) => CloseWait,
        (FinWait1, RcvFin) => Closing,
        (FinWait2, RcvFin) => TimeWait,
        (FinWait1, RcvAckOfFin) => FinWait2,
        (Closing, RcvAckOfFin) => TimeWait,
        (LastAck, RcvAckOfFin) => Closed,
        (TimeWait, Timeout) => Closed,
        (Closed | Listen, SndRst | RcvRst { .. }) => return None,
        (SynReceived, RcvRst { passive: true }) => Listen,
        (_, SndRst | RcvRst { .. }) => Closed,
        (Closed, RefuseSyn) => Closed,
        _ => return None,
    })
}

/// One end of a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    Client,
    Server,
}

impl Endpoint {
    pub const BOTH: [Endpoint; 2] = [Endpoint::Client, Endpoint::Server];

    /// The endpoint that sends segments travelling `dir`.
    pub fn sender(dir: Direction) -> Endpoint {
        match dir {
            Direction::FromClient => Endpoint::Client,
            Direction::FromServer => Endpoint::Server,
        }
    }

    pub fn other(self) -> Endpoint {
        match self {
            Endpoint::Client => Endpoint::Server,
            Endpoint::Server => Endpoint::Client,
        }
    }

    /// 0 for the client, 1 for the server.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Client => "client",
            Endpoint::Server => "server",
        }
    }
}

/// Whether the capture shows a transition or a state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// A captured segment is the one the endpoint sent in this transition.
    Seen,
    /// No captured segment shows it: it happens on receipt of one (assumed to
    /// arrive as it was captured), before the capture, or on a timer.
    #[default]
    Inferred,
}

/// One endpoint moving from one state to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The segment that caused it or that it sent; `None`: after the
    /// conversation's last packet, on a timer (the end of TIME-WAIT).
    pub packet: Option<PacketId>,
    pub endpoint: Endpoint,
    pub from: TcpState,
    pub to: TcpState,
    pub event: Event,
    pub how: How,
}

/// Both endpoints' states through one conversation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StateTimeline {
    pub conversation: u32,
    /// `127.0.0.1:46262`.
    pub client: String,
    pub server: String,
    /// Each endpoint's state before the conversation's first packet (by [`Endpoint::index`]).
    pub start: [(TcpState, How); 2],
    /// In the order they happen: by packet, then as each segment is sent and received;
    /// the timers (`packet: None`) last.
    pub transitions: Vec<Transition>,
}

/// An endpoint's state at a packet, and how it got there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateAt {
    pub state: TcpState,
    pub how: How,
    /// The transition that entered it (index into `transitions`); `None`: the
    /// state it started in.
    pub last: Option<usize>,
}

impl StateTimeline {
    /// Why `e` is in its start state (no packet shows it).
    pub fn start_text(&self, e: Endpoint) -> &'static str {
        match self.start[e.index()].0 {
            TcpState::Listen => "listening before the capture began (passive OPEN)",
            TcpState::Established => {
                "joined mid-stream: the handshake happened before the capture began"
            }
            _ => "before its first segment",
        }
    }

    /// The client's and the server's state once packet `p` was sent and received.
    pub fn state_at(&self, p: PacketId) -> (TcpState, TcpState) {
        let [c, s] = self.at(p);
        (c.state, s.state)
    }

    /// Both endpoints (by [`Endpoint::index`]) once packet `p` was sent and received.
    pub fn at(&self, p: PacketId) -> [StateAt; 2] {
        let mut now = self.start.map(|(state, how)| StateAt {
            state,
            how,
            last: None,
        });
        for (i, t) in self.transitions.iter().enumerate() {
            match t.packet {
                Some(q) if q <= p => {
                    now[t.endpoint.index()] = StateAt {
                        state: t.to,
                        how: t.how,
                        last: Some(i),
                    }
                }
                _ => break,
            }
        }
        now
    }

    /// The transitions that packet `p` caused.
    pub fn caused_by(&self, p: PacketId) -> impl Iterator<Item = &Transition> {
        self.transitions.iter().filter(move |t| t.packet == Some(p))
    }
}

/// What the machine remembers between segments, beyond the two states.
#[derive(Default)]
struct Machine {
    st: [TcpState; 2],
    /// Each endpoint's initial sequence number, once its SYN was seen (or implied).
    isn: [Option<u32>; 2],
    /// The sequence number just past each endpoint's FIN: what acknowledges it.
    fin_end: [Option<u32>; 2],
    /// A FIN to this endpoint crossed its own FIN on the way: it is received once
    /// its own FIN was sent (simultaneous close).
    fin_in_flight: [bool; 2],
    /// A SYN-ACK to this endpoint crossed its own SYN-ACK (simultaneous open, RFC 9293
    /// Figure 6): it acknowledges its SYN once it has sent its SYN-ACK.
    syn_ack_in_flight: [bool; 2],
    /// The endpoint was listening (a passive OPEN), so a RST in SYN-RECEIVED
    /// returns it to LISTEN.
    passive: [bool; 2],
    out: Vec<Transition>,
}

/// `a` is at or after `b` in sequence space (RFC 9293 §3.4: modulo 2³²).
fn seq_ge(a: u32, b: u32) -> bool {
    a.wrapping_sub(b) as i32 >= 0
}

impl Machine {
    fn apply(&mut self, packet: Option<PacketId>, e: Endpoint, event: Event, how: How) {
        let from = self.st[e.index()];
        if let Some(to) = step(from, event) {
            self.st[e.index()] = to;
            self.out.push(Transition {
                packet,
                endpoint: e,
                from,
                to,
                event,
                how,
            });
        }
    }

    /// One captured segment: first what sending it shows of its sender, then what
    /// receiving it does to the other endpoint (its ACK field before its FIN, in
    /// the order of RFC 9293 §3.10.7.4). `crossed`: it is a FIN the other side's
    /// FIN crossed (the other had not received it when it sent its own).
    fn segment(&mut self, p: PacketId, s: &Seg, crossed: bool) {
        let at = Some(p);
        let x = Endpoint::sender(s.dir);
        let (xi, y) = (x.index(), x.other());
        let has = |f: u16| s.flags & f != 0;
        if has(RST) {
            let refused = self.st == with(x, TcpState::Closed, TcpState::SynSent);
            let ev = if refused {
                Event::RefuseSyn
            } else {
                Event::SndRst
            };
            self.apply(at, x, ev, How::Seen);
            let passive = self.passive[y.index()];
            self.apply(at, y, Event::RcvRst { passive }, How::Inferred);
            return;
        }
        // Both had sent a SYN and neither had answered: a simultaneous open.
        let both_syn_sent = self.st == [TcpState::SynSent; 2];
        if has(SYN) {
            self.isn[xi] = Some(s.seq);
        }
        if has(SYN) && !has(ACK) {
            self.apply(at, x, Event::ActiveOpen, How::Seen);
            self.apply(at, x, Event::SendSyn, How::Seen);
        } else if has(SYN) {
            if self.st[y.index()] == TcpState::Closed {
                // A SYN-ACK answers a SYN the capture does not have (yet).
                self.isn[y.index()] = Some(s.ack.wrapping_sub(1));
                self.apply(at, y, Event::ActiveOpen, How::Inferred);
            }
            self.apply(at, x, Event::RcvSyn, How::Seen);
        } else if has(ACK) && self.acked_syn(y, s.ack) {
            // The ACK of a SYN-ACK (handshake 3/3, or any later segment if it was lost).
            self.apply(at, x, Event::RcvSynAck, How::Seen);
        }
        if has(FIN) && self.fin_end[xi].is_none() {
            self.fin_end[xi] = Some(s.seq.wrapping_add(s.len).wrapping_add(1));
            self.apply(at, x, Event::Close, How::Seen);
        }
        if has(ACK) {
            if has(SYN) && both_syn_sent && self.acked_syn(y, s.ack) {
                // The other, still in SYN-SENT, answers our SYN with its own SYN-ACK
                // before this one arrives: it is received after that one is sent.
                self.syn_ack_in_flight[y.index()] = true;
            } else if self.acked_syn(y, s.ack) {
                self.apply(at, y, Event::RcvAckOfSyn, How::Inferred);
            }
            if self.fin_end[y.index()].is_some_and(|e| seq_ge(s.ack, e)) {
                self.apply(at, y, Event::RcvAckOfFin, How::Inferred);
            }
        }
        if has(FIN) {
            if crossed {
                self.fin_in_flight[y.index()] = true;
            } else {
                self.apply(at, y, Event::RcvFin, How::Inferred);
            }
        }
        if has(FIN) && std::mem::take(&mut self.fin_in_flight[xi]) {
            self.apply(at, x, Event::RcvFin, How::Inferred);
        }
        if has(SYN) && has(ACK) && std::mem::take(&mut self.syn_ack_in_flight[xi]) {
            self.apply(at, x, Event::RcvAckOfSyn, How::Inferred);
        }
    }

    /// `ack` acknowledges the SYN (or SYN-ACK) `e` sent.
    fn acked_syn(&self, e: Endpoint, ack: u32) -> bool {
        self.isn[e.index()].is_some_and(|i| seq_ge(ack, i.wrapping_add(1)))
    }
}

/// `[client, server]` with `x`'s state `a` and the other's `b`.
fn with(x: Endpoint, a: TcpState, b: TcpState) -> [TcpState; 2] {
    match x {
        Endpoint::Client => [a, b],
        Endpoint::Server => [b, a],
    }
}

/// Both endpoints' states through conversation `conversation` (empty for an
/// unknown one).
pub fn timeline(store: &Store, conversation: u32) -> StateTimeline {
    let tcp = &store.analysis.tcp;
    let Some(c) = tcp.conversations.get(conversation as usize) else {
        return StateTimeline::default();
    };
    let (client, server) = endpoints(store, c);
    let segs: Vec<(PacketId, Seg)> = conversation_packets(store, conversation, c)
        .filter_map(|p| {
            let sum = store.summary(PacketId(p))?;
            let seg = Seg {
                dir: c.direction_of(sum.dir),
                flags: sum.tcp_flags,
                seq: sum.seq,
                ack: sum.ack,
                len: sum.payload_len,
            };
            Some((PacketId(p), seg))
        })
        .collect();
    use TcpState::*;
    let start = match c.handshake {
        Handshake::MidStream => [(Established, How::Inferred); 2],
        Handshake::Refused | Handshake::SimultaneousOpen => [(Closed, How::Inferred); 2],
        _ => [(Closed, How::Inferred), (Listen, How::Inferred)],
    };
    let mut m = Machine {
        st: start.map(|(s, _)| s),
        passive: start.map(|(s, _)| s == Listen),
        ..Machine::default()
    };
    let crossed = crossed_fin(&segs);
    for (p, s) in &segs {
        m.segment(*p, s, crossed == Some(*p));
    }
    for e in Endpoint::BOTH {
        m.apply(None, e, Event::Timeout, How::Inferred);
    }
    StateTimeline {
        conversation,
        client,
        server,
        start,
        transitions: m.out,
    }
}

/// The first FIN, when the other side's first FIN crossed it: sent before the
/// first was received, so it does not acknowledge it (a simultaneous close).
fn crossed_fin(segs: &[(PacketId, Seg)]) -> Option<PacketId> {
    let mut fins = segs.iter().filter(|(_, s)| s.flags & FIN != 0);
    let (p, first) = fins.next()?;
    let end = first.seq.wrapping_add(first.len).wrapping_add(1);
    let (_, second) = fins.find(|(_, s)| s.dir != first.dir)?;
    let acks_first = second.flags & ACK != 0 && seq_ge(second.ack, end);
    (!acks_first).then_some(*p)
}

#[cfg(test)]
mod tests;
