//! TCP sequence and acknowledgment numbers (RFC 9293 §3.4): the initial sequence
//! number, relative against absolute, why a SYN and a FIN each take one sequence
//! number, and what the acknowledgment number says.

use super::{field_place, thousands, Kind, Range, Step, Worked};
use crate::analysis::tcp::Role;
use crate::dissect::tcp_flags::{ACK, FIN, RST, SYN};
use crate::dissect::{Dissection, Proto, Src};
use crate::ids::Direction;
use crate::store::{PacketId, Store};

/// What the computation reads of one TCP segment.
#[derive(Clone, Debug)]
pub struct Segment {
    /// Who sent it; `None` when no TCP conversation says which side is the client.
    pub sender: Option<Direction>,
    pub role: Role,
    pub flags: u16,
    /// Raw sequence and acknowledgment numbers, as on the wire.
    pub seq: u32,
    pub ack: u32,
    pub len: u32,
    /// The sender's ISN (or first sequence number seen), and whether its SYN was seen.
    pub isn: u32,
    pub isn_seen: bool,
    /// The other side's, once known.
    pub peer_isn: Option<u32>,
    pub peer_isn_seen: bool,
    pub seq_at: Option<(Src, Range)>,
    pub ack_at: Option<(Src, Range)>,
}

/// The sequence-number computation at packet `id`, if it is a TCP segment.
pub fn worked(store: &Store, id: PacketId, d: &Dissection) -> Option<Worked> {
    let s = store.summary(id)?;
    if !s.protos.contains(Proto::Tcp) {
        return None;
    }
    let rel = store.tcp_rel(id)?;
    let tcp = &store.analysis.tcp;
    let conv = tcp.conversation_of(id).map(|(_, c)| c);
    let sender = conv.map(|c| c.direction_of(s.dir));
    let seen = |dir: Option<Direction>, isn: u32| {
        conv.zip(dir)
            .is_some_and(|(c, d)| c.syn_seq[d.index()] == Some(isn))
    };
    Some(of(&Segment {
        sender,
        role: tcp.role(id),
        flags: s.tcp_flags,
        seq: s.seq,
        ack: s.ack,
        len: s.payload_len,
        isn: rel.seq_base,
        isn_seen: seen(sender, rel.seq_base),
        peer_isn: rel.ack_base,
        peer_isn_seen: rel
            .ack_base
            .is_some_and(|b| seen(sender.map(Direction::reverse), b)),
        seq_at: field_place(d, "tcp.seq_raw"),
        ack_at: field_place(d, "tcp.ack_raw"),
    }))
}

/// `client` / `server`, or neutral words when the sides are not known.
fn names(x: &Segment) -> (&'static str, &'static str) {
    match x.sender {
        Some(Direction::FromClient) => ("client", "server"),
        Some(Direction::FromServer) => ("server", "client"),
        None => ("sender", "receiver"),
    }
}

/// The steps for one segment.
pub fn of(x: &Segment) -> Worked {
    let (me, peer) = names(x);
    let syn = x.flags & SYN != 0;
    let mut steps = Vec::new();
    if syn {
        steps.extend(syn_steps(x, me, peer));
    } else {
        steps.push(relative_step(x, me));
        steps.push(length_step(x, me, peer));
    }
    steps.push(ack_step(x, me, peer));
    let what = match x.role {
        Role::Syn => "the SYN",
        Role::SynAck => "the SYN-ACK",
        Role::HandshakeAck => "the ACK that completes the handshake",
        _ if x.flags & FIN != 0 => "a FIN",
        _ if x.flags & RST != 0 => "a RST",
        _ if x.len > 0 => "a data segment",
        _ => "an acknowledgment",
    };
    Worked {
        kind: Kind::Seq,
        title: format!("TCP sequence numbers: {what}"),
        steps,
    }
}

/// `raw (0xhex)`.
fn raw(n: u32) -> String {
    format!("{} (0x{n:08x})", thousands(u64::from(n)))
}

fn syn_steps(x: &Segment, me: &str, peer: &str) -> Vec<Step> {
    let opens = if x.flags & ACK == 0 {
        format!("The {me} opens the connection with a SYN.")
    } else {
        format!(
            "The {me} answers with SYN, ACK: its own SYN, and the acknowledgment of the {peer}'s."
        )
    };
    vec![
        Step::new(format!(
            "{opens} It picks its initial sequence number (ISN) at random (RFC 9293 §3.4.1), so that segments left over from an old connection cannot pass for this one's."
        ))
        .value(format!("ISN = {}", raw(x.seq)))
        .at(x.seq_at),
        Step::new("Tools show sequence numbers relative to the ISN, so that they start at 0: relative = raw − ISN.")
            .value(format!("{} − {} = {}", thousands(u64::from(x.seq)), thousands(u64::from(x.isn)), x.seq.wrapping_sub(x.isn))),
        Step::new(format!(
            "A SYN carries no data but takes one sequence number, so that it is acknowledged like data (and sent again if it is lost). The {me}'s first data byte will be ISN + 1."
        ))
        .value(format!(
            "{} + 1 = {} (relative 1)",
            thousands(u64::from(x.seq)),
            thousands(u64::from(x.seq.wrapping_add(1)))
        )),
    ]
}

fn relative_step(x: &Segment, me: &str) -> Step {
    let from = if x.isn_seen {
        format!("the {me}'s ISN")
    } else {
        format!("the {me}'s first sequence number seen (its SYN was not captured)")
    };
    let r = x.seq.wrapping_sub(x.isn);
    let wrap = if x.seq < x.isn {
        " The count wrapped past 4,294,967,295, so the difference is taken modulo 2³²."
    } else {
        ""
    };
    Step::new(format!(
        "The sequence number on the wire is absolute. Relative to {from}, it is the position of this segment's first byte in the {me}'s stream.{wrap}"
    ))
    .value(format!(
        "{} − {} = {r}",
        raw(x.seq),
        thousands(u64::from(x.isn))
    ))
    .at(x.seq_at)
}

fn length_step(x: &Segment, me: &str, peer: &str) -> Step {
    let r = x.seq.wrapping_sub(x.isn);
    let fin = u32::from(x.flags & FIN != 0);
    let next = r.wrapping_add(x.len).wrapping_add(fin);
    if fin == 1 {
        return Step::new(format!(
            "A FIN says the {me} has no more to send. Like a SYN it takes one sequence number, so that the end of the stream is acknowledged too: the {peer} will answer Ack = {next}."
        ))
        .value(format!("{r} + {} (data) + 1 (FIN) = {next}", x.len));
    }
    if x.flags & RST != 0 {
        return Step::new("A RST ends the connection at once; it takes no sequence number and is never acknowledged.");
    }
    if x.len == 0 {
        return Step::new(format!(
            "No data here: a bare acknowledgment takes no sequence number, so the {me}'s next segment carries the same number, {r}."
        ));
    }
    Step::new(format!(
        "It carries {} bytes of data, numbered {r} to {}. The {me}'s next segment starts right after them.",
        x.len,
        next.wrapping_sub(1)
    ))
    .value(format!("next = {r} + {} = {next}", x.len))
}

fn ack_step(x: &Segment, me: &str, peer: &str) -> Step {
    if x.flags & ACK == 0 {
        return Step::new(format!(
            "The ACK flag is off: the acknowledgment field means nothing yet (the {me} has heard nothing from the {peer})."
        ))
        .value(format!("raw {}", raw(x.ack)))
        .at(x.ack_at);
    }
    let Some(base) = x.peer_isn else {
        return Step::new(format!(
            "Acknowledgment number: the next byte the {me} expects from the {peer}. The {peer}'s ISN is not known, so it cannot be made relative."
        ))
        .value(raw(x.ack))
        .at(x.ack_at);
    };
    let a = x.ack.wrapping_sub(base);
    let step = Step::new(ack_text(x, peer, a))
        .value(format!(
            "{} − {} = {a}",
            raw(x.ack),
            thousands(u64::from(base))
        ))
        .at(x.ack_at);
    match x.role {
        Role::SynAck | Role::Refused if x.peer_isn_seen => step.check(a == 1),
        _ => step,
    }
}

fn ack_text(x: &Segment, peer: &str, a: u32) -> String {
    let isn = if x.peer_isn_seen {
        "ISN"
    } else {
        "first sequence number seen"
    };
    let meaning = format!(
        "Every byte the {peer} sent before number {a} has arrived; {a} is the next one expected."
    );
    match x.role {
        Role::SynAck => format!(
            "The acknowledgment is the {peer}'s ISN + 1: its SYN took number 0, so 1 is the next expected. {meaning}"
        ),
        Role::Refused => format!(
            "The RST acknowledges the SYN it refuses (the {peer}'s ISN + 1): nothing listens on that port."
        ),
        Role::HandshakeAck => format!(
            "Relative to the {peer}'s {isn}, the acknowledgment is 1: it acknowledges the {peer}'s SYN, which completes the three-way handshake. {meaning}"
        ),
        _ => format!(
            "Relative to the {peer}'s {isn}, the acknowledgment is {a}: every byte the {peer} sent before number {a} has arrived, and {a} is the next one expected."
        ),
    }
}
