//! The TCP three-way handshake as an explicit state machine (RFC 9293 §3.5),
//! seen from the outside: one transition function over the segments of one
//! conversation, in capture order.

use serde::Serialize;

use crate::dissect::tcp_flags::{ACK, FIN, RST, SYN};
use crate::ids::Direction;

/// One segment as the state machine sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seg {
    /// Who sent it (the client: the side that sent the first SYN).
    pub dir: Direction,
    pub flags: u16,
    pub seq: u32,
    pub ack: u32,
    /// Payload bytes (on the wire).
    pub len: u32,
}

impl Seg {
    fn has(&self, f: u16) -> bool {
        self.flags & f != 0
    }
    fn is_syn(&self) -> bool {
        self.has(SYN) && !self.has(ACK) && !self.has(RST)
    }
    fn is_syn_ack(&self) -> bool {
        self.has(SYN) && self.has(ACK) && !self.has(RST)
    }
}

/// Where a conversation's handshake stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Handshake {
    /// Nothing seen yet.
    Start,
    /// The client's SYN was seen (ISN `c_isn`, carrying `data` bytes, as TCP Fast Open does).
    SynSent { c_isn: u32, data: u32 },
    /// The server's SYN-ACK acknowledged it (ISN `s_isn`); `c_next` is what it
    /// acknowledged: `c_isn + 1`, plus the SYN's data if the server accepted it.
    SynReceived { c_isn: u32, s_isn: u32, c_next: u32 },
    /// A SYN-ACK was captured before any SYN (capture reordering or a lost SYN).
    SynAckFirst { c_isn: u32, s_isn: u32, c_next: u32 },
    /// The client's ACK completed the handshake.
    Established { in_capture_order: bool },
    /// The SYN was answered by RST: nothing listens on that port.
    Refused,
    /// Both sides sent a SYN without ACK (simultaneous open).
    SimultaneousOpen,
    /// Joined mid-stream: the capture has no handshake for this conversation.
    MidStream,
}

/// The part a segment plays in its conversation, shown next to the packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Role {
    /// Data or a plain acknowledgment.
    #[default]
    Segment,
    /// Handshake 1/3: the client's SYN.
    Syn,
    /// Handshake 2/3: the server's SYN-ACK.
    SynAck,
    /// Handshake 3/3: the client's ACK.
    HandshakeAck,
    /// A SYN sent again with the same ISN.
    SynRetransmission,
    /// A SYN-ACK sent again.
    SynAckRetransmission,
    /// A RST answering a SYN: the connection was refused.
    Refused,
    /// A FIN: one side is done sending (teardown).
    Fin,
    /// A RST ending a conversation.
    Reset,
}

impl Role {
    /// Short text for lists and the field tree (`handshake 1/3`, `retransmission`).
    pub fn label(self) -> &'static str {
        match self {
            Role::Segment => "",
            Role::Syn => "handshake 1/3",
            Role::SynAck => "handshake 2/3",
            Role::HandshakeAck => "handshake 3/3",
            Role::SynRetransmission => "SYN retransmission",
            Role::SynAckRetransmission => "SYN-ACK retransmission",
            Role::Refused => "connection refused",
            Role::Fin => "teardown",
            Role::Reset => "reset",
        }
    }
}

/// The one transition function: the next state and the segment's role.
pub fn step(state: Handshake, s: &Seg) -> (Handshake, Role) {
    use Handshake::*;
    let client = s.dir.from_client();
    match state {
        Start if s.is_syn() => (
            SynSent {
                c_isn: s.seq,
                data: s.len,
            },
            Role::Syn,
        ),
        Start if s.is_syn_ack() && !client => (
            SynAckFirst {
                c_isn: s.ack.wrapping_sub(1),
                s_isn: s.seq,
                c_next: s.ack,
            },
            Role::SynAck,
        ),
        Start => (MidStream, after_handshake(s)),
        SynSent { c_isn, .. } if s.is_syn() && client && s.seq == c_isn => {
            (state, Role::SynRetransmission)
        }
        SynSent { .. } if s.is_syn() && !client => (SimultaneousOpen, Role::Syn),
        SynSent { c_isn, data } if s.is_syn_ack() && !client && acks_syn(s.ack, c_isn, data) => (
            SynReceived {
                c_isn,
                s_isn: s.seq,
                c_next: s.ack,
            },
            Role::SynAck,
        ),
        SynSent { .. } if s.has(RST) && !client => (Refused, Role::Refused),
        SynReceived { s_isn, .. } if s.is_syn_ack() && !client && s.seq == s_isn => {
            (state, Role::SynAckRetransmission)
        }
        SynReceived { c_isn, .. } if s.is_syn() && client && s.seq == c_isn => {
            (state, Role::SynRetransmission)
        }
        SynReceived { s_isn, c_next, .. } if completes(s, c_next, s_isn) => (
            Established {
                in_capture_order: true,
            },
            Role::HandshakeAck,
        ),
        SynAckFirst { c_isn, .. } if s.is_syn() && client && s.seq == c_isn => (state, Role::Syn),
        SynAckFirst { s_isn, .. } if s.is_syn_ack() && !client && s.seq == s_isn => {
            (state, Role::SynAckRetransmission)
        }
        SynAckFirst { s_isn, c_next, .. } if completes(s, c_next, s_isn) => (
            Established {
                in_capture_order: false,
            },
            Role::HandshakeAck,
        ),
        _ => (state, after_handshake(s)),
    }
}

/// A SYN-ACK's acknowledgment number answers the SYN: `c_isn + 1`, or past the
/// SYN's data too when the server accepted it (RFC 9293 §3.4 lets a SYN carry data).
fn acks_syn(ack: u32, c_isn: u32, data: u32) -> bool {
    ack == c_isn.wrapping_add(1) || (data > 0 && ack == c_isn.wrapping_add(1).wrapping_add(data))
}

/// The client's ACK that completes the handshake: no SYN or RST, ACK set, its
/// sequence number where the SYN-ACK acknowledged (`c_next`), ack = s_isn + 1.
fn completes(s: &Seg, c_next: u32, s_isn: u32) -> bool {
    s.dir == Direction::FromClient
        && !s.has(SYN)
        && !s.has(RST)
        && s.has(ACK)
        && s.seq == c_next
        && s.ack == s_isn.wrapping_add(1)
}

fn after_handshake(s: &Seg) -> Role {
    if s.has(RST) {
        Role::Reset
    } else if s.has(FIN) {
        Role::Fin
    } else {
        Role::Segment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Direction = Direction::FromClient;
    const S: Direction = Direction::FromServer;

    fn seg(dir: Direction, flags: u16, seq: u32, ack: u32) -> Seg {
        Seg {
            dir,
            flags,
            seq,
            ack,
            len: 0,
        }
    }

    fn run(segs: &[Seg]) -> (Handshake, Vec<Role>) {
        let mut st = Handshake::Start;
        let roles = segs
            .iter()
            .map(|s| {
                let (n, r) = step(st, s);
                st = n;
                r
            })
            .collect();
        (st, roles)
    }

    #[test]
    fn three_way_handshake_then_teardown() {
        let (st, roles) = run(&[
            seg(C, SYN, 100, 0),
            seg(S, SYN | ACK, 900, 101),
            seg(C, ACK, 101, 901),
            seg(C, FIN | ACK, 101, 901),
            seg(S, FIN | ACK, 901, 102),
        ]);
        assert_eq!(
            st,
            Handshake::Established {
                in_capture_order: true
            }
        );
        use Role::*;
        assert_eq!(roles, vec![Syn, SynAck, HandshakeAck, Fin, Fin]);
    }

    #[test]
    fn wrong_numbers_do_not_complete() {
        let (st, _) = run(&[
            seg(C, SYN, 100, 0),
            seg(S, SYN | ACK, 900, 555),
            seg(C, ACK, 101, 901),
        ]);
        assert_eq!(
            st,
            Handshake::SynSent {
                c_isn: 100,
                data: 0
            }
        );
        let (st, _) = run(&[
            seg(C, SYN, 100, 0),
            seg(S, SYN | ACK, 900, 101),
            seg(C, ACK, 101, 900),
        ]);
        assert_eq!(
            st,
            Handshake::SynReceived {
                c_isn: 100,
                s_isn: 900,
                c_next: 101
            }
        );
    }

    #[test]
    fn refused_and_retransmitted() {
        let (st, roles) = run(&[
            seg(C, SYN, 7, 0),
            seg(C, SYN, 7, 0),
            seg(S, RST | ACK, 0, 8),
        ]);
        assert_eq!(st, Handshake::Refused);
        assert_eq!(
            roles,
            vec![Role::Syn, Role::SynRetransmission, Role::Refused]
        );
        // A RST from the client itself is no refusal.
        let (st, roles) = run(&[seg(C, SYN, 7, 0), seg(C, RST, 8, 0)]);
        assert_eq!(st, Handshake::SynSent { c_isn: 7, data: 0 });
        assert_eq!(roles[1], Role::Reset);
    }

    #[test]
    fn syn_ack_before_syn_completes_out_of_order() {
        let (st, roles) = run(&[
            seg(S, SYN | ACK, 900, 101),
            seg(C, SYN, 100, 0),
            seg(C, ACK, 101, 901),
        ]);
        assert_eq!(
            st,
            Handshake::Established {
                in_capture_order: false
            }
        );
        assert_eq!(roles, vec![Role::SynAck, Role::Syn, Role::HandshakeAck]);
    }

    #[test]
    fn simultaneous_open_and_mid_stream() {
        let (st, _) = run(&[seg(C, SYN, 1, 0), seg(S, SYN, 50, 0)]);
        assert_eq!(st, Handshake::SimultaneousOpen);
        let (st, roles) = run(&[seg(C, ACK, 5, 6), seg(S, ACK | FIN, 6, 5)]);
        assert_eq!(st, Handshake::MidStream);
        assert_eq!(roles, vec![Role::Segment, Role::Fin]);
    }

    #[test]
    fn syn_with_data_accepted_or_not() {
        let syn = Seg {
            len: 100,
            ..seg(C, SYN, 1000, 0)
        };
        // Data accepted: SYN-ACK acknowledges 1101, the ACK continues from there.
        let (st, _) = run(&[syn, seg(S, SYN | ACK, 50, 1101), seg(C, ACK, 1101, 51)]);
        assert_eq!(
            st,
            Handshake::Established {
                in_capture_order: true
            }
        );
        // Data not accepted: SYN-ACK acknowledges only the SYN, the client resends from 1001.
        let (st, _) = run(&[syn, seg(S, SYN | ACK, 50, 1001), seg(C, ACK, 1001, 51)]);
        assert_eq!(
            st,
            Handshake::Established {
                in_capture_order: true
            }
        );
        // Without data in the SYN, an ack past it answers nothing.
        let (st, _) = run(&[seg(C, SYN, 1000, 0), seg(S, SYN | ACK, 50, 1101)]);
        assert_eq!(
            st,
            Handshake::SynSent {
                c_isn: 1000,
                data: 0
            }
        );
    }

    #[test]
    fn labels() {
        assert_eq!(Role::Syn.label(), "handshake 1/3");
        assert_eq!(Role::HandshakeAck.label(), "handshake 3/3");
    }
}
