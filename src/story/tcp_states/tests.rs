//! The state machines over crafted segment sequences and the bundled samples.
//! Each test lists every transition: `#N` is the packet number people see
//! (index + 1), `timer` a transition no packet shows.

use etherparse::PacketBuilder;

use super::*;
use crate::capture::testutil::PcapWriter;
use crate::capture::Capture;
use crate::dissect::tcp_flags::PSH;
use crate::story::testutil::{every_sample, sample};

/// One crafted segment: (from the client, flags, seq, ack, payload length).
type Step = (bool, u16, u32, u32, usize);

fn frame(from_client: bool, flags: u16, seq: u32, ack: u32, len: usize) -> Vec<u8> {
    let (c, s) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let (src, dst, sp, dp) = match from_client {
        true => (c, s, 40000, 80),
        false => (s, c, 80, 40000),
    };
    let mut b = PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4(src, dst, 64)
        .tcp(sp, dp, seq, 1000);
    for (f, set) in [(SYN, 0), (FIN, 1), (RST, 2), (PSH, 3)] {
        if flags & f != 0 {
            b = match set {
                0 => b.syn(),
                1 => b.fin(),
                2 => b.rst(),
                _ => b.psh(),
            };
        }
    }
    if flags & ACK != 0 {
        b = b.ack(ack);
    }
    let mut out = Vec::new();
    b.write(&mut out, &vec![0x61; len]).expect("builds");
    out
}

fn store_of(steps: &[Step]) -> Store {
    let mut w = PcapWriter::new(0xa1b2_c3d4, false, 1, 65535);
    for (i, &(c, f, seq, ack, len)) in steps.iter().enumerate() {
        let f = frame(c, f, seq, ack, len);
        w.record(1_000, i as u32 * 1000, &f, f.len() as u32);
    }
    Store::build(Capture::from_bytes(w.buf).expect("parses"))
}

/// Every transition in words: `#3 server SYN-RECEIVED → ESTABLISHED (rcv ACK of SYN / x) inferred`.
fn lines(t: &StateTimeline) -> Vec<String> {
    t.transitions
        .iter()
        .map(|t| {
            let at = t
                .packet
                .map_or("timer".to_string(), |p| format!("#{}", p.number()));
            let how = match t.how {
                How::Seen => "seen",
                How::Inferred => "inferred",
            };
            format!(
                "{at} {} {} → {} ({}) {how}",
                t.endpoint.name(),
                t.from.name(),
                t.to.name(),
                t.event.rfc_label()
            )
        })
        .collect()
}

/// `state_at` packet number `n`, by name.
fn at(t: &StateTimeline, n: u32) -> (&'static str, &'static str) {
    let (c, s) = t.state_at(PacketId(n - 1));
    (c.name(), s.name())
}

const HANDSHAKE: [Step; 3] = [
    (true, SYN, 100, 0, 0),
    (false, SYN | ACK, 900, 101, 0),
    (true, ACK, 101, 901, 0),
];

const OPENED: [&str; 4] = [
    "#1 client CLOSED → SYN-SENT (active OPEN / snd SYN) seen",
    "#2 server LISTEN → SYN-RECEIVED (rcv SYN / snd SYN,ACK) seen",
    "#3 client SYN-SENT → ESTABLISHED (rcv SYN,ACK / snd ACK) seen",
    "#3 server SYN-RECEIVED → ESTABLISHED (rcv ACK of SYN / x) inferred",
];

fn with_handshake(rest: &[Step]) -> Store {
    store_of(&[&HANDSHAKE[..], rest].concat())
}

fn expect(opened: bool, rest: &[&str]) -> Vec<String> {
    let head: &[&str] = if opened { &OPENED } else { &[] };
    head.iter().chain(rest).map(|s| s.to_string()).collect()
}

#[test]
fn normal_open_and_close_client_first() {
    let store = with_handshake(&[
        (true, ACK | PSH, 101, 901, 10),
        (false, ACK, 901, 111, 0),
        (true, FIN | ACK, 111, 901, 0),
        (false, ACK, 901, 112, 0),
        (false, FIN | ACK, 901, 112, 0),
        (true, ACK, 112, 902, 0),
    ]);
    let t = timeline(&store, 0);
    assert_eq!(
        t.start,
        [
            (TcpState::Closed, How::Inferred),
            (TcpState::Listen, How::Inferred)
        ]
    );
    assert_eq!(
        lines(&t),
        expect(
            true,
            &[
                "#6 client ESTABLISHED → FIN-WAIT-1 (CLOSE / snd FIN) seen",
                "#6 server ESTABLISHED → CLOSE-WAIT (rcv FIN / snd ACK) inferred",
                "#7 client FIN-WAIT-1 → FIN-WAIT-2 (rcv ACK of FIN / x) inferred",
                "#8 server CLOSE-WAIT → LAST-ACK (CLOSE / snd FIN) seen",
                "#8 client FIN-WAIT-2 → TIME-WAIT (rcv FIN / snd ACK) inferred",
                "#9 server LAST-ACK → CLOSED (rcv ACK of FIN / x) inferred",
                "timer client TIME-WAIT → CLOSED (Timeout=2MSL / delete TCB) inferred",
            ]
        )
    );
    assert_eq!(at(&t, 1), ("SYN-SENT", "LISTEN"));
    assert_eq!(at(&t, 2), ("SYN-SENT", "SYN-RECEIVED"));
    assert_eq!(at(&t, 5), ("ESTABLISHED", "ESTABLISHED"));
    assert_eq!(at(&t, 6), ("FIN-WAIT-1", "CLOSE-WAIT"));
    assert_eq!(at(&t, 9), ("TIME-WAIT", "CLOSED"));
    // Before its first packet: where each started.
    let before = t.at(PacketId(0));
    assert_eq!(
        before[1].last, None,
        "the server's LISTEN has no transition"
    );
    assert_eq!(before[1].how, How::Inferred);
    assert_eq!(before[0].how, How::Seen, "the client's SYN is captured");
    let caused: Vec<_> = t.caused_by(PacketId(2)).map(|t| t.endpoint).collect();
    assert_eq!(caused, [Endpoint::Client, Endpoint::Server]);
}

#[test]
fn server_closes_first() {
    let store = with_handshake(&[
        (false, FIN | ACK, 901, 101, 0),
        (true, FIN | ACK, 101, 902, 0),
        (false, ACK, 902, 102, 0),
    ]);
    let t = timeline(&store, 0);
    assert_eq!(
        lines(&t),
        expect(
            true,
            &[
                "#4 server ESTABLISHED → FIN-WAIT-1 (CLOSE / snd FIN) seen",
                "#4 client ESTABLISHED → CLOSE-WAIT (rcv FIN / snd ACK) inferred",
                "#5 client CLOSE-WAIT → LAST-ACK (CLOSE / snd FIN) seen",
                "#5 server FIN-WAIT-1 → FIN-WAIT-2 (rcv ACK of FIN / x) inferred",
                "#5 server FIN-WAIT-2 → TIME-WAIT (rcv FIN / snd ACK) inferred",
                "#6 client LAST-ACK → CLOSED (rcv ACK of FIN / x) inferred",
                "timer server TIME-WAIT → CLOSED (Timeout=2MSL / delete TCB) inferred",
            ]
        )
    );
    assert_eq!(at(&t, 5), ("LAST-ACK", "TIME-WAIT"));
}

#[test]
fn simultaneous_close_goes_through_closing() {
    // The server's FIN (#5) does not acknowledge the client's (#4): they crossed.
    let store = with_handshake(&[
        (true, FIN | ACK, 101, 901, 0),
        (false, FIN | ACK, 901, 101, 0),
        (true, ACK, 102, 902, 0),
        (false, ACK, 902, 102, 0),
    ]);
    let t = timeline(&store, 0);
    assert_eq!(
        lines(&t),
        expect(
            true,
            &[
                "#4 client ESTABLISHED → FIN-WAIT-1 (CLOSE / snd FIN) seen",
                "#5 server ESTABLISHED → FIN-WAIT-1 (CLOSE / snd FIN) seen",
                "#5 client FIN-WAIT-1 → CLOSING (rcv FIN / snd ACK) inferred",
                "#5 server FIN-WAIT-1 → CLOSING (rcv FIN / snd ACK) inferred",
                "#6 server CLOSING → TIME-WAIT (rcv ACK of FIN / x) inferred",
                "#7 client CLOSING → TIME-WAIT (rcv ACK of FIN / x) inferred",
                "timer client TIME-WAIT → CLOSED (Timeout=2MSL / delete TCB) inferred",
                "timer server TIME-WAIT → CLOSED (Timeout=2MSL / delete TCB) inferred",
            ]
        )
    );
    assert_eq!(at(&t, 4), ("FIN-WAIT-1", "ESTABLISHED"));
}

/// RFC 9293 Figure 6: both ends send a SYN (#1, #2) before either has received the
/// other's, so neither is listening: both start CLOSED. Each answers the other's SYN
/// with a SYN-ACK carrying its own SYN again (#3, #4), and leaves SYN-SENT for
/// SYN-RECEIVED as it sends it. #4 reaches the client: ESTABLISHED. The client's
/// SYN-ACK (#3) crossed the server's (#4): the server receives it once it has sent
/// its own, and enters ESTABLISHED too.
#[test]
fn simultaneous_open_goes_through_syn_received() {
    let store = store_of(&[
        (true, SYN, 100, 0, 0),
        (false, SYN, 300, 0, 0),
        (true, SYN | ACK, 100, 301, 0),
        (false, SYN | ACK, 300, 101, 0),
        (true, ACK | PSH, 101, 301, 10),
        (false, ACK, 301, 111, 0),
    ]);
    assert_eq!(
        store.analysis.tcp.conversations.len(),
        1,
        "one conversation"
    );
    let t = timeline(&store, 0);
    assert_eq!(
        t.start,
        [(TcpState::Closed, How::Inferred); 2],
        "nobody listens"
    );
    assert_eq!(
        lines(&t),
        [
            "#1 client CLOSED → SYN-SENT (active OPEN / snd SYN) seen",
            "#2 server CLOSED → SYN-SENT (active OPEN / snd SYN) seen",
            "#3 client SYN-SENT → SYN-RECEIVED (rcv SYN / snd SYN,ACK) seen",
            "#4 server SYN-SENT → SYN-RECEIVED (rcv SYN / snd SYN,ACK) seen",
            "#4 client SYN-RECEIVED → ESTABLISHED (rcv ACK of SYN / x) inferred",
            "#4 server SYN-RECEIVED → ESTABLISHED (rcv ACK of SYN / x) inferred",
        ]
    );
    assert_eq!(at(&t, 1), ("SYN-SENT", "CLOSED"));
    assert_eq!(at(&t, 2), ("SYN-SENT", "SYN-SENT"));
    assert_eq!(at(&t, 3), ("SYN-RECEIVED", "SYN-SENT"));
    assert_eq!(at(&t, 4), ("ESTABLISHED", "ESTABLISHED"));
    assert_eq!(at(&t, 6), ("ESTABLISHED", "ESTABLISHED"));
    let caused: Vec<_> = t.caused_by(PacketId(3)).map(|t| t.event).collect();
    assert_eq!(
        caused,
        [Event::RcvSyn, Event::RcvAckOfSyn, Event::RcvAckOfSyn]
    );
}

/// The same open with the SYN-ACKs the other way round (the server's first), and a
/// simultaneous close after it: both go through CLOSING and TIME-WAIT.
#[test]
fn simultaneous_open_then_simultaneous_close() {
    let store = store_of(&[
        (true, SYN, 100, 0, 0),
        (false, SYN, 300, 0, 0),
        (false, SYN | ACK, 300, 101, 0),
        (true, SYN | ACK, 100, 301, 0),
        (true, FIN | ACK, 101, 301, 0),
        (false, FIN | ACK, 301, 101, 0),
        (true, ACK, 102, 302, 0),
        (false, ACK, 302, 102, 0),
    ]);
    let t = timeline(&store, 0);
    assert_eq!(
        lines(&t),
        [
            "#1 client CLOSED → SYN-SENT (active OPEN / snd SYN) seen",
            "#2 server CLOSED → SYN-SENT (active OPEN / snd SYN) seen",
            "#3 server SYN-SENT → SYN-RECEIVED (rcv SYN / snd SYN,ACK) seen",
            "#4 client SYN-SENT → SYN-RECEIVED (rcv SYN / snd SYN,ACK) seen",
            "#4 server SYN-RECEIVED → ESTABLISHED (rcv ACK of SYN / x) inferred",
            "#4 client SYN-RECEIVED → ESTABLISHED (rcv ACK of SYN / x) inferred",
            "#5 client ESTABLISHED → FIN-WAIT-1 (CLOSE / snd FIN) seen",
            "#6 server ESTABLISHED → FIN-WAIT-1 (CLOSE / snd FIN) seen",
            "#6 client FIN-WAIT-1 → CLOSING (rcv FIN / snd ACK) inferred",
            "#6 server FIN-WAIT-1 → CLOSING (rcv FIN / snd ACK) inferred",
            "#7 server CLOSING → TIME-WAIT (rcv ACK of FIN / x) inferred",
            "#8 client CLOSING → TIME-WAIT (rcv ACK of FIN / x) inferred",
            "timer client TIME-WAIT → CLOSED (Timeout=2MSL / delete TCB) inferred",
            "timer server TIME-WAIT → CLOSED (Timeout=2MSL / delete TCB) inferred",
        ]
    );
    assert_eq!(at(&t, 3), ("SYN-SENT", "SYN-RECEIVED"));
    assert_eq!(at(&t, 4), ("ESTABLISHED", "ESTABLISHED"));
}

#[test]
fn reset_closes_both() {
    let store = with_handshake(&[
        (true, ACK | PSH, 101, 901, 10),
        (false, RST | ACK, 901, 111, 0),
    ]);
    let t = timeline(&store, 0);
    assert_eq!(
        lines(&t),
        expect(
            true,
            &[
                "#5 server ESTABLISHED → CLOSED (ABORT / snd RST) seen",
                "#5 client ESTABLISHED → CLOSED (rcv RST) inferred",
            ]
        )
    );
    // A RST from the client in the middle of the handshake sends the server back
    // to LISTEN (RFC 9293 §3.10.7.4: it came from a passive OPEN).
    let store = store_of(&[HANDSHAKE[0], HANDSHAKE[1], (true, RST, 101, 0, 0)]);
    let t = timeline(&store, 0);
    assert_eq!(
        lines(&t)[2..],
        [
            "#3 client SYN-SENT → CLOSED (ABORT / snd RST) seen",
            "#3 server SYN-RECEIVED → LISTEN (rcv RST) inferred",
        ]
    );
}

#[test]
fn refused_syn_closes_the_client() {
    let store = store_of(&[
        (true, SYN, 7, 0, 0),
        (true, SYN, 7, 0, 0),
        (false, RST | ACK, 0, 8, 0),
    ]);
    let t = timeline(&store, 0);
    assert_eq!(
        t.start,
        [(TcpState::Closed, How::Inferred); 2],
        "nothing listens"
    );
    assert_eq!(
        lines(&t),
        [
            "#1 client CLOSED → SYN-SENT (active OPEN / snd SYN) seen",
            "#3 server CLOSED → CLOSED (rcv SYN / snd RST) seen",
            "#3 client SYN-SENT → CLOSED (rcv RST) inferred",
        ]
    );
    assert_eq!(
        at(&t, 2),
        ("SYN-SENT", "CLOSED"),
        "a retransmitted SYN changes nothing"
    );
}

#[test]
fn mid_stream_starts_established() {
    let store = store_of(&[
        (true, ACK | PSH, 5000, 9000, 10),
        (false, ACK, 9000, 5010, 0),
        (false, FIN | ACK, 9000, 5010, 0),
        (true, FIN | ACK, 5010, 9001, 0),
        (false, ACK, 9001, 5011, 0),
    ]);
    let t = timeline(&store, 0);
    assert_eq!(t.start, [(TcpState::Established, How::Inferred); 2]);
    assert_eq!(
        lines(&t),
        [
            "#3 server ESTABLISHED → FIN-WAIT-1 (CLOSE / snd FIN) seen",
            "#3 client ESTABLISHED → CLOSE-WAIT (rcv FIN / snd ACK) inferred",
            "#4 client CLOSE-WAIT → LAST-ACK (CLOSE / snd FIN) seen",
            "#4 server FIN-WAIT-1 → FIN-WAIT-2 (rcv ACK of FIN / x) inferred",
            "#4 server FIN-WAIT-2 → TIME-WAIT (rcv FIN / snd ACK) inferred",
            "#5 client LAST-ACK → CLOSED (rcv ACK of FIN / x) inferred",
            "timer server TIME-WAIT → CLOSED (Timeout=2MSL / delete TCB) inferred",
        ]
    );
    let first = t.at(PacketId(0));
    assert_eq!(
        first.map(|s| (s.state, s.how, s.last)),
        [(TcpState::Established, How::Inferred, None); 2]
    );
}

#[test]
fn syn_ack_captured_before_the_syn_implies_syn_sent() {
    let store = store_of(&[
        (false, SYN | ACK, 900, 101, 0),
        (true, SYN, 100, 0, 0),
        (true, ACK, 101, 901, 0),
    ]);
    let t = timeline(&store, 0);
    assert_eq!(
        lines(&t),
        [
            "#1 client CLOSED → SYN-SENT (active OPEN / snd SYN) inferred",
            "#1 server LISTEN → SYN-RECEIVED (rcv SYN / snd SYN,ACK) seen",
            "#3 client SYN-SENT → ESTABLISHED (rcv SYN,ACK / snd ACK) seen",
            "#3 server SYN-RECEIVED → ESTABLISHED (rcv ACK of SYN / x) inferred",
        ]
    );
}

/// socketio-chat.pcap checked by hand against RFC 9293 Figure 5, from
/// `layerscope inspect samples/socketio-chat.pcap` (relative sequence numbers):
/// - stream 0 (46234, long-polling handshake): #1 SYN, #2 SYN-ACK, #3 ACK; the
///   server closes first: #8 server FIN Seq=281 Ack=152; #9 client FIN Seq=152
///   Ack=282, which acknowledges the server's FIN (281 + 1); #10 server ACK=153.
///   So: server ESTABLISHED → FIN-WAIT-1 at #8 and the client CLOSE-WAIT on its
///   receipt; at #9 the client's CLOSE → LAST-ACK, and the server, in FIN-WAIT-1,
///   receives the ACK of its FIN (→ FIN-WAIT-2) and the FIN (→ TIME-WAIT) in the
///   same segment (§3.10.7.4: "If our FIN has been ACKed (perhaps in this
///   segment), then enter TIME-WAIT"); #10 acknowledges the client's FIN
///   (152 + 1): LAST-ACK → CLOSED. The server stays in TIME-WAIT for 2×MSL.
/// - stream 1 (46248, the Socket.IO CONNECT POST): the same shape, #11 #12 #13
///   and #28 (server FIN Seq=147), #32 (client FIN Ack=148), #33 (ACK=240).
/// - stream 2 (46262, the WebSocket): #14 #15 #16; the WebSocket Close frames
///   #53 and #55 are data, not TCP state; the server closes first at #56
///   (FIN Seq=297), #57 client FIN Ack=298, #58 ACK=463.
/// - stream 3 (46274, a polling GET): the client closes first: #37 client FIN
///   Seq=177; #38 server FIN Seq=194 Ack=178 acknowledges it (no simultaneous
///   close), so the client goes FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT at #38 and
///   the server CLOSE-WAIT (#37) → LAST-ACK (#38) → CLOSED at #39 (Ack=195).
#[test]
fn socketio_chat_sample_checked_against_the_rfc() {
    let store = sample("socketio-chat.pcap");
    let open = |[a, b, c]: [u32; 3]| {
        vec![
            format!("#{a} client CLOSED → SYN-SENT (active OPEN / snd SYN) seen"),
            format!("#{b} server LISTEN → SYN-RECEIVED (rcv SYN / snd SYN,ACK) seen"),
            format!("#{c} client SYN-SENT → ESTABLISHED (rcv SYN,ACK / snd ACK) seen"),
            format!("#{c} server SYN-RECEIVED → ESTABLISHED (rcv ACK of SYN / x) inferred"),
        ]
    };
    let server_first = |[a, b, c]: [u32; 3]| {
        vec![
            format!("#{a} server ESTABLISHED → FIN-WAIT-1 (CLOSE / snd FIN) seen"),
            format!("#{a} client ESTABLISHED → CLOSE-WAIT (rcv FIN / snd ACK) inferred"),
            format!("#{b} client CLOSE-WAIT → LAST-ACK (CLOSE / snd FIN) seen"),
            format!("#{b} server FIN-WAIT-1 → FIN-WAIT-2 (rcv ACK of FIN / x) inferred"),
            format!("#{b} server FIN-WAIT-2 → TIME-WAIT (rcv FIN / snd ACK) inferred"),
            format!("#{c} client LAST-ACK → CLOSED (rcv ACK of FIN / x) inferred"),
            "timer server TIME-WAIT → CLOSED (Timeout=2MSL / delete TCB) inferred".into(),
        ]
    };
    let client_first = |[a, b, c]: [u32; 3]| {
        vec![
            format!("#{a} client ESTABLISHED → FIN-WAIT-1 (CLOSE / snd FIN) seen"),
            format!("#{a} server ESTABLISHED → CLOSE-WAIT (rcv FIN / snd ACK) inferred"),
            format!("#{b} server CLOSE-WAIT → LAST-ACK (CLOSE / snd FIN) seen"),
            format!("#{b} client FIN-WAIT-1 → FIN-WAIT-2 (rcv ACK of FIN / x) inferred"),
            format!("#{b} client FIN-WAIT-2 → TIME-WAIT (rcv FIN / snd ACK) inferred"),
            format!("#{c} server LAST-ACK → CLOSED (rcv ACK of FIN / x) inferred"),
            "timer client TIME-WAIT → CLOSED (Timeout=2MSL / delete TCB) inferred".into(),
        ]
    };
    let want = [
        [open([1, 2, 3]), server_first([8, 9, 10])].concat(),
        [open([11, 12, 13]), server_first([28, 32, 33])].concat(),
        [open([14, 15, 16]), server_first([56, 57, 58])].concat(),
        [open([17, 18, 19]), client_first([37, 38, 39])].concat(),
    ];
    assert_eq!(store.analysis.tcp.conversations.len(), want.len());
    for (c, want) in want.iter().enumerate() {
        let t = timeline(&store, c as u32);
        assert_eq!(&lines(&t), want, "stream {c}");
        assert_eq!(
            t.client,
            format!("127.0.0.1:{}", [46234, 46248, 46262, 46274][c])
        );
        assert_eq!(t.server, "127.0.0.1:18300");
    }
    // The WebSocket stream in the middle of its life, and at its Close frames.
    let t = timeline(&store, 2);
    assert_eq!(at(&t, 41), ("ESTABLISHED", "ESTABLISHED"));
    assert_eq!(at(&t, 55), ("ESTABLISHED", "ESTABLISHED"));
    assert_eq!(at(&t, 56), ("CLOSE-WAIT", "FIN-WAIT-1"));
    assert!(timeline(&store, 4).transitions.is_empty(), "no such stream");
}

#[test]
fn refused_sample_both_families() {
    let store = sample("tcp-refused.pcap");
    for (c, [a, b]) in [[1, 2], [3, 4]].into_iter().enumerate() {
        let t = timeline(&store, c as u32);
        assert_eq!(
            lines(&t),
            [
                format!("#{a} client CLOSED → SYN-SENT (active OPEN / snd SYN) seen"),
                format!("#{b} server CLOSED → CLOSED (rcv SYN / snd RST) seen"),
                format!("#{b} client SYN-SENT → CLOSED (rcv RST) inferred"),
            ]
        );
    }
}

/// Every arrow of RFC 9293 Figure 5 (and the RST rules of §3.10.7), and that
/// the function has no others.
#[test]
fn step_is_the_rfc_diagram() {
    use Event::*;
    use TcpState::*;
    let arrows = [
        (Closed, PassiveOpen, Listen),
        (Closed, ActiveOpen, SynSent),
        (Listen, SendSyn, SynSent),
        (Listen, RcvSyn, SynReceived),
        (SynSent, RcvSyn, SynReceived),
        (SynSent, RcvSynAck, Established),
        (SynReceived, RcvAckOfSyn, Established),
        (SynReceived, Close, FinWait1),
        (Established, Close, FinWait1),
        (CloseWait, Close, LastAck),
        (Listen, Close, Closed),
        (SynSent, Close, Closed),
        (Established, RcvFin, CloseWait),
        (FinWait1, RcvFin, Closing),
        (FinWait2, RcvFin, TimeWait),
        (FinWait1, RcvAckOfFin, FinWait2),
        (Closing, RcvAckOfFin, TimeWait),
        (LastAck, RcvAckOfFin, Closed),
        (TimeWait, Timeout, Closed),
        (Closed, RefuseSyn, Closed),
        (SynReceived, RcvRst { passive: true }, Listen),
    ];
    let events = [
        PassiveOpen,
        ActiveOpen,
        SendSyn,
        RcvSyn,
        RcvSynAck,
        RcvAckOfSyn,
        Close,
        RcvFin,
        RcvAckOfFin,
        Timeout,
        SndRst,
        RcvRst { passive: false },
        RcvRst { passive: true },
        RefuseSyn,
    ];
    for s in TcpState::ALL {
        for e in events {
            let rst = matches!(e, SndRst | RcvRst { .. });
            let want = arrows
                .iter()
                .find(|&&(a, b, _)| a == s && b == e)
                .map(|&(_, _, to)| to)
                .or((rst && !matches!(s, Closed | Listen)).then_some(Closed));
            assert_eq!(step(s, e), want, "{} on {e:?}", s.name());
        }
    }
}

/// On every sample, each transition starts where the endpoint was, and they
/// come in packet order with the timers last.
#[test]
fn every_sample_chains_its_transitions() {
    for name in every_sample() {
        let name = name.as_str();
        let store = sample(name);
        for c in 0..store.analysis.tcp.conversations.len() as u32 {
            let t = timeline(&store, c);
            assert!(!t.transitions.is_empty(), "{name} {c}");
            let mut now = t.start.map(|(s, _)| s);
            let (mut last, mut timers) = (PacketId(0), false);
            for tr in &t.transitions {
                assert_eq!(now[tr.endpoint.index()], tr.from, "{name} {c}");
                now[tr.endpoint.index()] = tr.to;
                match tr.packet {
                    Some(p) => assert!(!timers && p >= last, "{name} {c}"),
                    None => timers = true,
                }
                last = tr.packet.unwrap_or(last);
            }
            assert_eq!(
                now,
                [TcpState::Closed; 2],
                "{name} {c}: every sample closes"
            );
        }
    }
}
