use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;
use crate::capture::LinkType;
use crate::dissect::{dissect, FrameMeta};
use crate::story::testutil::sample;

/// Packet `number` (from 1) of a sample.
fn of(file: &str, number: u32) -> Encapsulation {
    let store = sample(file);
    encapsulation_of(&store, PacketId(number - 1)).expect("packet exists")
}

fn names(e: &Encapsulation) -> Vec<&str> {
    e.steps.iter().map(|s| s.name.as_str()).collect()
}

fn sizes(e: &Encapsulation) -> Vec<u32> {
    e.steps.iter().map(Step::size).collect()
}

fn step<'a>(e: &'a Encapsulation, name: &str) -> &'a Step {
    (e.steps.iter())
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no {name} step in {:?}", names(e)))
}

/// A frame of `link` dissected alone (no analysis).
fn alone(link: LinkType, bytes: &[u8]) -> Encapsulation {
    let meta = FrameMeta::alone(link, bytes.len(), bytes.len());
    encapsulation(&dissect(&meta, bytes, None))
}

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[test]
fn a_bare_syn_is_only_headers() {
    let e = of("http-get.pcap", 1);
    assert_eq!(
        names(&e),
        ["Session", "TCP", "IPv4", "Ethernet", "Physical"]
    );
    assert_eq!(sizes(&e), [0, 40, 20, 14, 0]);
    assert_eq!(e.total(), e.caplen);
    assert_eq!(e.caplen, 74);
    let tcp = step(&e, "TCP");
    assert_eq!(tcp.header, [34, 74]);
    assert_eq!(tcp.pdu, Pdu::Segment);
    assert_eq!(
        tcp.addressing,
        Some(Addressing::Ports {
            source: 39548,
            destination: 18080
        })
    );
    assert_eq!(
        tcp.sending,
        "TCP builds a 40-byte segment that is only a header, with no data: source port 39548, \
         destination port 18080, sequence number 0, flags SYN. A SYN asks to open a connection."
    );
    assert!(
        tcp.receiving.contains("there is no data to hand up"),
        "{}",
        tcp.receiving
    );
    // No message: the segment is not said to "become" anything.
    assert!(!tcp.sending.contains("becomes"));
    assert!(step(&e, "IPv4")
        .sending
        .ends_with("the segment becomes a packet."));
    // Receiving starts at the bottom.
    let up: Vec<&str> = e.ordered(false).iter().map(|s| s.name.as_str()).collect();
    assert_eq!(up, ["Physical", "Ethernet", "IPv4", "TCP", "Session"]);
    assert_eq!(
        step(&e, "Physical").receiving,
        "592 bits arrive; the network card turns them back into a 74-byte frame and hands it up."
    );
}

#[test]
fn an_http_request_is_a_message_in_a_segment_in_a_packet_in_a_frame() {
    let e = of("http-get.pcap", 4);
    assert_eq!(
        names(&e),
        ["HTTP", "Session", "TCP", "IPv4", "Ethernet", "Physical"]
    );
    assert_eq!(sizes(&e), [88, 0, 32, 20, 14, 0]);
    assert_eq!(e.total(), 154);
    let pdus: Vec<&str> = e.steps.iter().map(|s| s.pdu.name()).collect();
    assert_eq!(
        pdus,
        ["message", "message", "segment", "packet", "frame", "bits"]
    );
    let http = step(&e, "HTTP");
    assert_eq!((http.adds, http.header), (Adds::Message, [66, 154]));
    assert!(http.sending.contains("GET /hello.txt HTTP/1.1 (88 bytes)"));
    let tcp = step(&e, "TCP");
    assert_eq!(
        tcp.sending,
        "TCP adds a 32-byte header: source port 39548, destination port 18080, sequence number 1, \
         acknowledgment number 1, flags PSH, ACK; the message becomes a segment."
    );
    assert_eq!(
        tcp.receiving,
        "TCP reads and removes its 32-byte header: the segment's 88 bytes are handed to the \
         program on port 18080."
    );
    let ip = step(&e, "IPv4");
    assert_eq!(ip.header, [14, 34]);
    assert_eq!(
        ip.addressing,
        Some(Addressing::Ip {
            source: LOCAL,
            destination: LOCAL
        })
    );
    let eth = step(&e, "Ethernet");
    assert_eq!((eth.header, eth.trailer), ([0, 14], [0, 0]));
    assert_eq!(
        eth.addressing,
        Some(Addressing::Mac {
            source: Some([0; 6]),
            destination: Some([0; 6])
        })
    );
    assert_eq!(
        eth.addressing.as_ref().map(Addressing::kind),
        Some("MAC address")
    );
    assert!(eth.note.as_deref().unwrap_or("").contains("FCS"));
    assert!(eth
        .note
        .as_deref()
        .unwrap_or("")
        .contains("not in the capture"));
    assert!(e.span.is_none());
}

#[test]
fn a_websocket_frame_puts_its_header_in_front_of_the_socketio_message() {
    let e = of("socketio-chat.pcap", 41);
    assert_eq!(
        names(&e),
        [
            "Socket.IO",
            "WebSocket",
            "Presentation",
            "Session",
            "TCP",
            "IPv4",
            "Ethernet",
            "Physical"
        ]
    );
    assert_eq!(sizes(&e), [23, 6, 0, 0, 32, 20, 14, 0]);
    assert_eq!(e.total(), e.caplen);
    let msg = &e.steps[0];
    assert_eq!(msg.header, [72, 95]);
    assert!(msg.sending.contains("\"chat message\" [\"hi\"] (23 bytes)"));
    let ws = &e.steps[1];
    assert_eq!((ws.adds, ws.header), (Adds::Header, [66, 72]));
    assert!(
        ws.sending
            .starts_with("WebSocket adds a 6-byte frame header: FIN"),
        "{}",
        ws.sending
    );
    assert!(ws.sending.contains("masking key 02 22 90 23"));
    assert_eq!(
        ws.receiving,
        "WebSocket reads and removes its 6-byte frame header: the 23-byte payload, unmasked, \
         goes to Engine.IO."
    );
    assert!(e.steps[2].sending.contains("masked (key 02 22 90 23)"));
    assert!(e.steps[3].receiving.contains("TCP connection #2"));
    assert_eq!(
        step(&e, "TCP").addressing,
        Some(Addressing::Ports {
            source: 46262,
            destination: 18300
        })
    );
}

#[test]
fn a_message_in_several_segments_says_so() {
    // The response head (6) and body (8) of one HTTP response.
    let head = of("http-get.pcap", 6);
    let span = head.span.clone().expect("a span");
    assert_eq!((span.what, span.first, span.last), ("HTTP message", 6, 8));
    assert_eq!(head.steps[0].name, "HTTP");
    assert!(
        head.steps[0].sending.contains(
            "The HTTP message is carried in several segments, packets 6 to 8: this one, \
             packet 6, carries 186 bytes of it."
        ),
        "{}",
        head.steps[0].sending
    );
    let body = of("http-get.pcap", 8);
    assert_eq!(body.span.map(|s| (s.first, s.last)), Some((6, 8)));
    // A bare ACK between them, the other way, carries none of it.
    assert!(of("http-get.pcap", 7).span.is_none());
    // A WebSocket message in four frames (16 to 19).
    let e = of("websocket-deflate.pcap", 17);
    let span = e.span.clone().expect("a span");
    assert_eq!(
        (span.what, span.first, span.last),
        ("WebSocket message", 16, 19)
    );
    assert!(e.steps[0].sending.contains("several segments"));
}

#[test]
fn linux_cooked_headers_and_ipv6() {
    let e = of("socketio-any-sll.pcap", 41);
    let sll = step(&e, "Linux cooked capture");
    assert_eq!((sll.header, sll.pdu), ([0, 16], Pdu::Frame));
    assert!(sll
        .note
        .as_deref()
        .unwrap_or("")
        .contains("Not on any wire"));
    assert!(sll
        .sending
        .contains("protocol IPv4; the packet becomes a frame"));
    assert_eq!(e.total(), e.caplen);

    let e = of("http-get-ipv6.pcap", 4);
    let ip = step(&e, "IPv6");
    assert_eq!(ip.header, [14, 54]);
    assert_eq!(
        ip.addressing,
        Some(Addressing::Ip {
            source: IpAddr::V6(Ipv6Addr::LOCALHOST),
            destination: IpAddr::V6(Ipv6Addr::LOCALHOST)
        })
    );
    assert!(ip
        .sending
        .contains("from ::1 to ::1, hop limit 64, next header TCP"));
    assert_eq!(sizes(&e), [84, 0, 32, 40, 14, 0]);
}

/// A DNS query over UDP over a BSD loopback (NULL) link, made here.
#[test]
fn a_udp_datagram_on_a_loopback_link() {
    // Query for example.com, type A.
    let mut dns = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    dns.extend_from_slice(b"\x07example\x03com\x00\x00\x01\x00\x01");
    let mut ip = Vec::new();
    etherparse::PacketBuilder::ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64)
        .udp(40000, 53)
        .write(&mut ip, &dns)
        .unwrap();
    let mut frame = 2u32.to_le_bytes().to_vec();
    frame.extend_from_slice(&ip);
    let e = alone(LinkType::NULL, &frame);
    assert_eq!(names(&e), ["DNS", "UDP", "IPv4", "Loopback", "Physical"]);
    assert_eq!(sizes(&e), [29, 8, 20, 4, 0]);
    assert_eq!(e.total(), frame.len() as u32);
    let udp = step(&e, "UDP");
    assert_eq!(udp.pdu, Pdu::Datagram);
    assert_eq!(
        udp.sending,
        "UDP adds an 8-byte header: source port 40000, destination port 53, length 37; \
         the message becomes a datagram."
    );
    assert_eq!(
        udp.receiving,
        "UDP reads and removes its 8-byte header: the datagram's 29 bytes are handed to the \
         program on port 53."
    );
    let lo = step(&e, "Loopback");
    assert_eq!((lo.header, lo.pdu), ([0, 4], Pdu::Frame));
    assert!(lo.sending.contains("address family"), "{}", lo.sending);
    assert!(step(&e, "IPv4")
        .sending
        .ends_with("the datagram becomes a packet."));
}

/// Ethernet pads frames to 60 bytes: the padding is the frame's trailer.
#[test]
fn ethernet_padding_is_a_trailer() {
    let mut frame = Vec::new();
    etherparse::PacketBuilder::ethernet2([2; 6], [4; 6])
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .tcp(1000, 2000, 5, 0)
        .rst()
        .write(&mut frame, &[])
        .unwrap();
    assert_eq!(frame.len(), 54);
    frame.resize(60, 0);
    let e = alone(LinkType::ETHERNET, &frame);
    assert_eq!(names(&e), ["TCP", "IPv4", "Ethernet", "Physical"]);
    let eth = step(&e, "Ethernet");
    assert_eq!(
        (eth.header, eth.trailer, eth.size()),
        ([0, 14], [54, 60], 20)
    );
    assert_eq!(
        eth.addressing,
        Some(Addressing::Mac {
            source: Some([2; 6]),
            destination: Some([4; 6])
        })
    );
    assert!(eth.sending.contains("6 bytes after the packet"));
    assert!(!eth.note.as_deref().unwrap_or("").contains("loopback"));
    assert_eq!(e.total(), 60);
}

/// Every packet of every sample: the steps cover the frame exactly once, in order.
#[test]
fn every_packet_of_every_sample_adds_up_to_its_length() {
    for file in [
        "http-get.pcap",
        "tcp-refused.pcap",
        "http-get-ipv6.pcap",
        "websocket-deflate.pcap",
        "socketio-chat.pcap",
        "socketio-polling.pcap",
        "socketio-deflate.pcap",
        "socketio-any-sll.pcap",
        "socketio-any-sll2.pcap",
        "chat-ws-vs-sio.pcap",
    ] {
        let store = sample(file);
        for p in 0..store.len() as u32 {
            let e = encapsulation_of(&store, PacketId(p)).unwrap();
            let what = format!("{file} packet {}", p + 1);
            assert_eq!(e.total(), e.caplen, "{what}");
            let mut parts: Vec<Range> = (e.steps.iter())
                .flat_map(|s| [s.header, s.trailer])
                .filter(|r| r[1] > r[0])
                .collect();
            parts.sort();
            let mut at = 0;
            for r in parts {
                assert_eq!(r[0], at, "{what}: {:?}", names(&e));
                at = r[1];
            }
            assert_eq!(at, e.caplen, "{what}");
            assert_eq!(e.steps.last().map(|s| s.pdu), Some(Pdu::Bits), "{what}");
            assert!(e
                .steps
                .iter()
                .all(|s| !s.sending.is_empty() && !s.receiving.is_empty()));
            // Sending goes down the stack.
            assert!(e.steps.windows(2).all(|w| w[0].osi >= w[1].osi), "{what}");
        }
    }
}

/// Raw IPv6 (no link header) with a hop-by-hop extension header: the extension
/// belongs to the IPv6 header it extends.
#[test]
fn ipv6_extension_headers_belong_to_the_ipv6_header() {
    let payload = b"ping";
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&(8u16 + 8 + payload.len() as u16).to_be_bytes());
    p.extend_from_slice(&[0, 64]); // next header: hop-by-hop; hop limit 64
    p.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
    p.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
    p.extend_from_slice(&[17, 0, 1, 4, 0, 0, 0, 0]); // UDP next; PadN
    p.extend_from_slice(&[0x9c, 0x40, 0x30, 0x39, 0, 12, 0, 0]); // 40000 → 12345
    p.extend_from_slice(payload);
    let e = alone(LinkType::RAW, &p);
    assert_eq!(names(&e), ["Data", "UDP", "IPv6", "Physical"]);
    assert_eq!(sizes(&e), [4, 8, 48, 0]);
    assert_eq!(step(&e, "IPv6").header, [0, 48]);
    assert_eq!(e.total(), p.len() as u32);
}
