//! Step-through replay for the classroom: the steps of a conversation, of an
//! Engine.IO session or of the whole capture, one packet each, with the step's
//! story in one plain sentence ("The client opens the connection: SYN, its initial
//! sequence number is 3,841,201,717") and the milestones "next phase" jumps to
//! (each handshake step, the Upgrade, the `101`, the first WebSocket frame, the close).
//!
//! A conversation's and a session's steps are built from their ladders
//! ([`super::ladder()`]); the whole capture's are its packets, each told from its
//! own conversation's ladder when it has one, so nothing here is built per
//! packet of a large capture until that packet is shown.

use crate::dissect::fmt::thousands;
use serde::Serialize;

use super::ladder::{ladder, Arrow, ArrowKind, Ladder, Phase};
use crate::analysis::tcp::Role;
use crate::dissect::tcp_flags::{FIN, RST, SYN};
use crate::ids::Direction;
use crate::store::{PacketId, Store};

/// The moments a teacher jumps between with "next phase".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    Syn,
    SynAck,
    HandshakeAck,
    /// The HTTP request asking to switch to WebSocket.
    Upgrade,
    /// The `101 Switching Protocols` answer.
    Switching,
    /// The first WebSocket frame of the connection.
    FirstFrame,
    /// The first FIN, RST or WebSocket Close.
    Close,
}

impl Milestone {
    pub fn name(self) -> &'static str {
        match self {
            Milestone::Syn => "SYN",
            Milestone::SynAck => "SYN-ACK",
            Milestone::HandshakeAck => "ACK (handshake complete)",
            Milestone::Upgrade => "Upgrade request",
            Milestone::Switching => "101 Switching Protocols",
            Milestone::FirstFrame => "first WebSocket frame",
            Milestone::Close => "close",
        }
    }
}

/// One step of a replay: a packet and what it means.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// Packet index (0-based).
    pub packet: u32,
    /// Its TCP conversation, if it has one.
    pub conversation: Option<u32>,
    /// Who sent it, within its conversation.
    #[serde(skip)]
    pub dir: Option<Direction>,
    pub milestone: Option<Milestone>,
    /// The step's story, one sentence.
    pub story: String,
}

/// The steps of one TCP conversation, in capture order.
pub fn conversation_steps(store: &Store, conversation: u32) -> Vec<Step> {
    steps_of(store, conversation, &ladder(store, conversation))
}

/// The steps of an Engine.IO session: the packets of every conversation that
/// carried it (long-polling ones and the WebSocket), in capture order.
pub fn session_steps(store: &Store, session: u32) -> Vec<Step> {
    let Some(row) = super::sessions(store).into_iter().nth(session as usize) else {
        return Vec::new();
    };
    let mut steps: Vec<Step> = (row.conversations.iter())
        .flat_map(|&c| conversation_steps(store, c))
        .collect();
    steps.sort_by_key(|s| s.packet);
    steps
}

/// The step of any packet of the capture (for a replay of the whole capture).
pub fn packet_step(store: &Store, packet: u32) -> Option<Step> {
    store.summary(PacketId(packet))?;
    let Some((conv, _)) = store.analysis.tcp.conversation_of(PacketId(packet)) else {
        return Some(Step {
            packet,
            conversation: None,
            dir: None,
            milestone: None,
            story: format!(
                "Packet {}: {}",
                packet + 1,
                store.columns(PacketId(packet)).info
            ),
        });
    };
    let l = ladder(store, conv.0);
    let at = l.arrows.iter().position(|a| a.packet == packet)?;
    let first_frame = first_frame_arrow(&l.arrows);
    let first_close = first_close_arrow(&l.arrows);
    Some(step_of(store, conv.0, &l, at, first_frame, first_close))
}

/// The next step at or after `from` that is a milestone, if any.
pub fn next_milestone(steps: &[Step], from: usize) -> Option<usize> {
    (from..steps.len()).find(|&i| steps[i].milestone.is_some())
}

fn steps_of(store: &Store, conv: u32, l: &Ladder) -> Vec<Step> {
    let first_frame = first_frame_arrow(&l.arrows);
    let first_close = first_close_arrow(&l.arrows);
    (0..l.arrows.len())
        .map(|i| step_of(store, conv, l, i, first_frame, first_close))
        .collect()
}

/// The first message after the `101` (none on a connection never upgraded, such
/// as Engine.IO long-polling).
fn first_frame_arrow(arrows: &[Arrow]) -> Option<usize> {
    let switched = arrows.iter().position(|a| {
        a.phase == Phase::Upgrade && a.kind == ArrowKind::Message && a.dir == Direction::FromServer
    })?;
    (switched + 1..arrows.len()).find(|&i| arrows[i].kind == ArrowKind::Message)
}

fn first_close_arrow(arrows: &[Arrow]) -> Option<usize> {
    arrows
        .iter()
        .position(|a| a.phase == Phase::Teardown || a.label.contains("WS Close"))
}

fn step_of(
    store: &Store,
    conv: u32,
    l: &Ladder,
    i: usize,
    first_frame: Option<usize>,
    first_close: Option<usize>,
) -> Step {
    let a = &l.arrows[i];
    let role = store.analysis.tcp.role(PacketId(a.packet));
    let milestone = match role {
        Role::Syn => Some(Milestone::Syn),
        Role::SynAck => Some(Milestone::SynAck),
        Role::HandshakeAck => Some(Milestone::HandshakeAck),
        _ if a.phase == Phase::Upgrade && a.kind == ArrowKind::Message => Some(match a.dir {
            Direction::FromClient => Milestone::Upgrade,
            Direction::FromServer => Milestone::Switching,
        }),
        _ if Some(i) == first_close => Some(Milestone::Close),
        _ if Some(i) == first_frame => Some(Milestone::FirstFrame),
        _ => None,
    };
    Step {
        packet: a.packet,
        conversation: Some(conv),
        dir: Some(a.dir),
        milestone,
        story: story(store, conv, a, role, milestone),
    }
}

/// The step's sentence, in the words a teacher would say.
fn story(store: &Store, conv: u32, a: &Arrow, role: Role, m: Option<Milestone>) -> String {
    let c = &store.analysis.tcp.conversations[conv as usize];
    let isn = |d: Direction| c.syn_seq[d.index()].map(|s| thousands(u64::from(s)));
    let who = a.dir.sender();
    let other = a.dir.reverse().sender();
    let label = &a.label;
    match (m, role) {
        (Some(Milestone::Syn), _) => format!(
            "The client opens the connection: SYN, its initial sequence number is {}.",
            isn(Direction::FromClient).unwrap_or_else(|| "not known".into())
        ),
        (Some(Milestone::SynAck), _) => {
            let s = isn(Direction::FromServer).unwrap_or_else(|| "not known".into());
            let ack = (c.syn_seq[0]).map(|x| thousands(u64::from(x.wrapping_add(1))));
            match ack {
                Some(ack) => format!(
                    "The server accepts: SYN-ACK, its own initial sequence number is {s}; \
                     it acknowledges {ack}, the client's number plus one, because a SYN counts as one byte."
                ),
                None => format!("The server accepts: SYN-ACK, its own initial sequence number is {s}."),
            }
        }
        (Some(Milestone::HandshakeAck), _) => {
            "The client acknowledges the server's SYN: the three-way handshake is complete, \
             both sides are ESTABLISHED and data can flow."
                .into()
        }
        (Some(Milestone::Upgrade), _) => format!(
            "The client asks to switch this connection from HTTP to WebSocket: {label}."
        ),
        (Some(Milestone::Switching), _) => format!(
            "The server agrees: {label}. From the next byte on, both sides speak WebSocket \
             on the same TCP connection."
        ),
        (Some(Milestone::FirstFrame), _) => {
            let masked = match a.dir {
                Direction::FromClient => ", masked with a random key as every client frame must be",
                Direction::FromServer => ", unmasked as every server frame is",
            };
            format!("The first WebSocket frame, from the {who}{masked}: {label}.")
        }
        (_, Role::Fin) | (Some(Milestone::Close), _) if c_flags(store, a) & FIN != 0 => {
            match c.teardown.first_fin {
                Some((p, by)) if p.0 < a.packet && by != a.dir => format!(
                    "The {who} closes its side too: FIN. Once this FIN is acknowledged, \
                     the connection is closed in both directions."
                ),
                _ => format!(
                    "The {who} has nothing more to send and closes its side: FIN. \
                     The {other} can still send until it closes too."
                ),
            }
        }
        (_, Role::Reset | Role::Refused) => format!("The {who} aborts the connection: RST ({label})."),
        (Some(Milestone::Close), _) => format!(
            "The {who} starts closing the WebSocket: {label}. The {other} answers with its own Close."
        ),
        (_, Role::SynRetransmission | Role::SynAckRetransmission) => {
            format!("No answer came in time, so the {who} sends its SYN again: {label}.")
        }
        _ => match a.kind {
            ArrowKind::Ack => format!("The {who} acknowledges what it received: {label}."),
            ArrowKind::Message if a.label.starts_with("WS Close") => {
                format!("The {who} answers with its own Close frame: {label}.")
            }
            ArrowKind::Message if a.phase == Phase::SocketIo => {
                format!("The {who} sends a Socket.IO / Engine.IO message: {label}.")
            }
            ArrowKind::Message => format!("The {who} sends {label}."),
            ArrowKind::Data => format!("The {who} sends data: {label}."),
            ArrowKind::Control => format!("The {who} sends {label}."),
        },
    }
}

fn c_flags(store: &Store, a: &Arrow) -> u16 {
    store
        .summary(PacketId(a.packet))
        .map_or(0, |s| s.tcp_flags & (SYN | FIN | RST))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::story::testutil::{sample, websocket_conversation};

    #[test]
    fn the_chat_sample_tells_its_handshake_and_upgrade() {
        let store = sample("socketio-chat.pcap");
        // Conversation 3 carries the WebSocket (the sample's README).
        let conv = websocket_conversation(&store);
        let steps = conversation_steps(&store, conv);
        let ms: Vec<Milestone> = steps.iter().filter_map(|s| s.milestone).collect();
        assert_eq!(
            &ms[..6],
            [
                Milestone::Syn,
                Milestone::SynAck,
                Milestone::HandshakeAck,
                Milestone::Upgrade,
                Milestone::Switching,
                Milestone::FirstFrame,
            ]
        );
        assert_eq!(ms.last(), Some(&Milestone::Close));
        let c = &store.analysis.tcp.conversations[conv as usize];
        let isn = c.syn_seq[0].expect("the SYN was captured");
        assert!(
            steps[0].story.contains(&thousands(u64::from(isn))),
            "{}",
            steps[0].story
        );
        assert!(
            steps[1].story.contains(&thousands(u64::from(isn) + 1)),
            "{}",
            steps[1].story
        );
        let first = steps
            .iter()
            .find(|s| s.milestone == Some(Milestone::FirstFrame))
            .unwrap();
        assert!(first.story.contains("masked"), "{}", first.story);
        // next_milestone walks them in order.
        let mut at = 0;
        let mut walked = Vec::new();
        while let Some(i) = next_milestone(&steps, at) {
            walked.push(steps[i].milestone.unwrap());
            at = i + 1;
        }
        assert_eq!(walked, ms);
        // A long-polling conversation is never upgraded: no frame milestone there.
        let polling = conversation_steps(&store, 0);
        assert!(polling
            .iter()
            .all(|s| s.milestone != Some(Milestone::FirstFrame)));
        let fins: Vec<&str> = polling
            .iter()
            .filter(|s| s.story.contains("FIN"))
            .map(|s| s.story.as_str())
            .collect();
        assert!(
            fins[0].contains("can still send") && fins[1].contains("closes its side too"),
            "{fins:?}"
        );
    }

    #[test]
    fn any_packet_of_the_capture_has_a_story() {
        let store = sample("socketio-chat.pcap");
        for p in 0..store.len() as u32 {
            let s = packet_step(&store, p).expect("a step");
            assert_eq!(s.packet, p);
            assert!(s.story.len() > 10, "packet {p}: {:?}", s.story);
        }
        assert!(packet_step(&store, store.len() as u32).is_none());
        assert_eq!(
            packet_step(&store, 0).unwrap().milestone,
            Some(Milestone::Syn)
        );
    }

    #[test]
    fn a_session_spans_its_conversations_in_order() {
        let store = sample("socketio-chat.pcap");
        let steps = session_steps(&store, 0);
        assert!(!steps.is_empty());
        assert!(steps.windows(2).all(|w| w[0].packet < w[1].packet));
        let convs: std::collections::BTreeSet<_> =
            steps.iter().filter_map(|s| s.conversation).collect();
        assert!(
            convs.len() > 1,
            "polling and WebSocket conversations: {convs:?}"
        );
    }
}
