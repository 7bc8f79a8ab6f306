//! Conversations over whole captures: real samples and crafted segment sequences.

use etherparse::PacketBuilder;

use super::*;
use crate::capture::testutil::PcapWriter;
use crate::store::Store;

const C: [u8; 4] = [10, 0, 0, 1];
const S: [u8; 4] = [10, 0, 0, 2];

/// One crafted segment: (from client, flags, seq, ack, payload length). The
/// direction is a `bool` here only to keep the tables of steps terse.
type Step = (bool, u16, u32, u32, usize);

fn frame(dir: Direction, flags: u16, seq: u32, ack: u32, len: usize) -> Vec<u8> {
    let (src, dst, sp, dp) = match dir {
        Direction::FromClient => (C, S, 40000, 80),
        Direction::FromServer => (S, C, 80, 40000),
    };
    let mut b = PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4(src, dst, 64)
        .tcp(sp, dp, seq, 1000);
    if flags & tcp_flags::SYN != 0 {
        b = b.syn();
    }
    if flags & tcp_flags::FIN != 0 {
        b = b.fin();
    }
    if flags & tcp_flags::RST != 0 {
        b = b.rst();
    }
    if flags & tcp_flags::ACK != 0 {
        b = b.ack(ack);
    }
    let mut out = Vec::new();
    b.write(&mut out, &vec![0x61; len]).expect("builds");
    out
}

fn store_of(steps: &[Step]) -> Store {
    let mut w = PcapWriter::new(0xa1b2_c3d4, false, 1, 65535);
    for (i, &(c, f, seq, ack, len)) in steps.iter().enumerate() {
        let f = frame(Direction::of(c), f, seq, ack, len);
        w.record(1_000, i as u32 * 1000, &f, f.len() as u32);
    }
    Store::build(Capture::from_bytes(w.buf).expect("parses"))
}

use tcp_flags::{ACK, FIN, RST, SYN};

#[test]
fn port_reuse_after_close_starts_a_new_conversation() {
    let store = store_of(&[
        (true, SYN, 100, 0, 0),
        (false, SYN | ACK, 900, 101, 0),
        (true, ACK, 101, 901, 0),
        (true, FIN | ACK, 101, 901, 0),
        (false, FIN | ACK, 901, 102, 0),
        (true, ACK, 102, 902, 0),
        (true, SYN, 5000, 0, 0),
        (false, RST | ACK, 0, 5001, 0),
    ]);
    let tcp = &store.analysis.tcp;
    assert_eq!(tcp.conversations.len(), 2);
    let (first, second) = (&tcp.conversations[0], &tcp.conversations[1]);
    assert!(first.completed_in_order());
    assert_eq!(
        first.teardown.first_fin,
        Some((PacketId(3), Direction::FromClient))
    );
    assert_eq!(first.teardown.fins, [true, true]);
    assert_eq!(first.rtt_syn_ns(), Some(1_000_000));
    assert_eq!(first.rtt_ack_ns(), Some(1_000_000));
    assert!(second.refused());
    assert_eq!(second.first_packet, PacketId(6));
    let roles: Vec<Role> = (0..8).map(|i| tcp.role(PacketId(i))).collect();
    use Role::*;
    assert_eq!(
        roles,
        vec![Syn, SynAck, HandshakeAck, Fin, Fin, Segment, Syn, Refused]
    );
    assert_eq!(
        tcp.conversation_of(PacketId(7)).unwrap().0,
        ConversationId(1)
    );
}

#[test]
fn syn_retransmission_stays_in_its_conversation() {
    let store = store_of(&[
        (true, SYN, 100, 0, 0),
        (true, SYN, 100, 0, 0),
        (false, SYN | ACK, 900, 101, 0),
        (false, SYN | ACK, 900, 101, 0),
        (true, ACK, 101, 901, 0),
        (true, ACK | tcp_flags::PSH, 101, 901, 10),
    ]);
    let tcp = &store.analysis.tcp;
    assert_eq!(tcp.conversations.len(), 1);
    let c = &tcp.conversations[0];
    assert_eq!((c.syn_retransmissions, c.syn_ack_retransmissions), (1, 1));
    assert_eq!(c.syn, Some(PacketId(0)));
    assert_eq!(c.syn_ack, Some(PacketId(2)));
    assert_eq!(c.handshake_ack, Some(PacketId(4)));
    assert_eq!(tcp.role(PacketId(5)), Role::Segment);
}

#[test]
fn mid_stream_conversation_guesses_the_first_sender_as_client() {
    let store = store_of(&[(false, ACK, 7, 9, 5), (true, ACK, 9, 12, 0)]);
    let c = &store.analysis.tcp.conversations[0];
    assert_eq!(c.handshake, Handshake::MidStream);
    assert_eq!(c.client_side, FlowSide::AsKey, "the first packet's sender");
    assert_eq!(c.packets, 2);
}

#[test]
fn http_sample_has_one_completed_handshake_with_options() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/http-get.pcap");
    let store = Store::build(Capture::open(&path).expect("sample"));
    let tcp = &store.analysis.tcp;
    assert_eq!(tcp.conversations.len(), 1);
    let c = &tcp.conversations[0];
    assert!(c.completed_in_order());
    let offered = c.offered.map(|o| o.expect("SYN and SYN-ACK options"));
    for o in offered {
        assert_eq!(
            (o.mss, o.window_scale, o.sack_permitted, o.timestamps),
            (Some(65495), Some(10), true, true)
        );
    }
    assert!(c.rtt_syn_ns().unwrap() > 0 && c.rtt_ack_ns().unwrap() > 0);
    assert_eq!(
        c.teardown.first_fin.map(|(_, dir)| dir),
        Some(Direction::FromClient)
    );
}

#[test]
fn out_of_order_retransmission_and_gap_are_noted() {
    let store = store_of(&[
        (true, SYN, 100, 0, 0),
        (false, SYN | ACK, 900, 101, 0),
        (true, ACK, 101, 901, 0),
        (true, ACK, 101, 901, 10), // bytes 0..10
        (true, ACK, 121, 901, 10), // bytes 20..30: ahead of a hole
        (true, ACK, 101, 901, 10), // bytes 0..10 again
        (true, ACK, 121, 901, 10), // the held segment again
    ]);
    let tcp = &store.analysis.tcp;
    let c = &tcp.conversations[0];
    assert_eq!(tcp.notes(PacketId(3)), 0);
    assert_eq!(tcp.notes(PacketId(4)), note::OUT_OF_ORDER);
    assert_eq!(tcp.notes(PacketId(5)), note::RETRANSMISSION);
    assert_eq!(
        tcp.notes(PacketId(6)) & note::RETRANSMISSION,
        note::RETRANSMISSION
    );
    assert_eq!(
        (
            c.totals().retransmitted_segments,
            c.totals().out_of_order_segments
        ),
        (2, 2)
    );
    // The hole (bytes 10..20) was never filled: a gap at the end of the capture.
    assert_eq!(c.totals().bytes, [20, 0]);
    assert_eq!(c.totals().gap_bytes, [10, 0]);
}

#[test]
fn the_real_gap_in_the_corpus_is_found() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/zeek__ldap-gap-data-missing.pcapng");
    let store = Store::build(Capture::open(&path).expect("corpus file"));
    let c = &store.analysis.tcp.conversations[0];
    assert_eq!(c.totals().gap_bytes[0], 0);
    assert!(
        c.totals().gap_bytes[1] > 0,
        "the server's missing segment is a gap"
    );
    // tshark marks packet 14 a retransmission of packet 13.
    assert_ne!(
        store.analysis.tcp.notes(PacketId(13)) & note::RETRANSMISSION,
        0
    );
}

#[test]
fn window_scaling_needs_both_syns() {
    let half = store_of(&[(true, SYN, 100, 0, 0)]);
    assert_eq!(
        half.analysis.tcp.conversations[0].win_shift(Direction::FromClient),
        None,
        "SYN-ACK not seen"
    );
    // Neither SYN offers window scaling (no options): scaling is off, shift 0.
    let both = store_of(&[(true, SYN, 100, 0, 0), (false, SYN | ACK, 900, 101, 0)]);
    assert_eq!(
        both.analysis.tcp.conversations[0].win_shift(Direction::FromServer),
        Some(0)
    );
    // The sample's SYN and SYN-ACK both offer 10: windows are multiplied by 1024.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/http-get.pcap");
    let store = Store::build(Capture::open(&path).expect("sample"));
    let c = &store.analysis.tcp.conversations[0];
    let shifts = Direction::BOTH.map(|d| c.win_shift(d));
    assert_eq!(shifts, [Some(10), Some(10)]);
}

#[test]
fn summaries_point_at_the_tcp_payload() {
    let store = store_of(&[(true, ACK | tcp_flags::PSH, 1, 1, 7)]);
    let sum = store.summary(PacketId(0)).expect("summary");
    assert_eq!(
        sum.tcp_payload(store.capture.data(0)),
        Some(&[0x61u8; 7][..])
    );
}

/// What a pass hands to the parsers above: data per conversation, and the ends.
#[derive(Default)]
struct Recorder {
    data: Vec<(u32, usize)>,
    ends: Vec<u32>,
}

impl<'a> StreamSink<'a> for Recorder {
    type Conv = ();
    fn data(&mut self, _: &mut (), conv: u32, _: Direction, _: (u32, u32), b: Cow<'a, [u8]>) {
        self.data.push((conv, b.len()));
    }
    fn gap(&mut self, _: &mut (), _: u32, _: Direction, _: u64) {}
    fn end(&mut self, _: (), conv: u32) {
        self.ends.push(conv);
    }
}

/// Segments on several connections: (client port, from client, flags, seq, ack, length).
fn capture_of(steps: &[(u16, bool, u16, u32, u32, usize)]) -> Capture {
    let mut w = PcapWriter::new(0xa1b2_c3d4, false, 1, 65535);
    for (i, &(port, c, flags, seq, ack, len)) in steps.iter().enumerate() {
        let mut f = frame(Direction::of(c), flags, seq, ack, len);
        // The client's port: bytes 34..36 (source) or 36..38 (destination) of the frame.
        let at = if c { 34 } else { 36 };
        f[at..at + 2].copy_from_slice(&port.to_be_bytes());
        w.record(1_000, i as u32 * 1000, &f, f.len() as u32);
    }
    Capture::from_bytes(w.buf).expect("parses")
}

fn handshake_and_data(port: u16) -> [(u16, bool, u16, u32, u32, usize); 4] {
    [
        (port, true, SYN, 100, 0, 0),
        (port, false, SYN | ACK, 900, 101, 0),
        (port, true, ACK, 101, 901, 0),
        (port, true, ACK, 101, 901, 10),
    ]
}

/// A SYN alone holds no stream state; past the limit of open conversations, the one
/// idle the longest is closed early (its parsers see the end) and marked, and its
/// later data is noted as not reassembled instead of vanishing.
#[test]
fn stream_state_is_allocated_with_data_and_capped() {
    let mut steps = Vec::new();
    steps.extend(handshake_and_data(40001));
    steps.extend(handshake_and_data(40002));
    steps.push((40003, true, SYN, 7, 0, 0)); // SYNs alone: no state
    steps.push((40004, true, SYN, 8, 0, 0));
    steps.extend(handshake_and_data(40005)); // the third with data: over the limit
    steps.push((40001, true, ACK, 111, 901, 10)); // the first again, closed early
    let capture = capture_of(&steps);
    let store = Store::build(capture_of(&steps));
    let mut pass = TcpPass::<()>::with_open_limit(2);
    let mut a = TcpAnalysis::with_capacity(steps.len());
    let mut sink = Recorder::default();
    let mut open_after = Vec::new();
    for (i, sum) in store.summaries.iter().enumerate() {
        pass.step(&mut a, &capture, (i, sum), &mut sink);
        open_after.push(pass.open_streams());
    }
    assert_eq!(open_after, [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
    let convs = &a.conversations;
    assert_eq!(convs.len(), 5);
    assert!(convs[2].streams.is_none() && convs[3].streams.is_none());
    assert_eq!(convs[2].syn_seq, [Some(7), None]);
    let first = convs[0].totals();
    assert_eq!(first.closed_early, Some(PacketId(13)));
    assert_eq!(first.bytes, [10, 0], "what came before the close is kept");
    assert_eq!(
        sink.ends,
        [0],
        "the parsers above saw the first conversation end"
    );
    assert_eq!(a.notes(PacketId(14)), note::CLOSED_EARLY);
    let first_data: usize = sink.data.iter().filter(|d| d.0 == 0).map(|d| d.1).sum();
    assert_eq!(first_data, 10, "the data after the close is not handed on");
    assert_eq!(convs[1].totals().closed_early, None);
    pass.finish(&mut a, &mut sink);
    assert_eq!(sink.ends, [0, 1, 4]);
    assert_eq!(a.conversations[4].totals().bytes, [10, 0]);
}

/// The default pass reads a capture's SYN flood with no stream state at all.
#[test]
fn syn_only_conversations_hold_no_stream_state() {
    let steps: Vec<_> = (0..50u16)
        .map(|p| (30000 + p, true, SYN, p as u32, 0, 0))
        .collect();
    let store = Store::build(capture_of(&steps));
    let convs = &store.analysis.tcp.conversations;
    assert_eq!(convs.len(), 50);
    assert!(convs
        .iter()
        .all(|c| c.streams.is_none() && c.syn_seq[0].is_some()));
}

/// There is one record per SYN a capture holds: it stays small (issue 11's flood of
/// 1,000,000 SYNs must fit in 300 MiB beyond the file; `benches/hostile/memory.sh`).
#[test]
fn a_conversation_record_stays_small() {
    let size = std::mem::size_of::<TcpConversation>();
    eprintln!("TcpConversation: {size} bytes");
    assert!(size <= 152, "TcpConversation grew to {size} bytes");
}
