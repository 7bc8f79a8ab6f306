//! Tests of the display filter over the samples and the corpus: its answers against
//! the field tree, each tier's against the full dissection, typed comparisons.
use std::collections::BTreeSet;

use super::*;
use crate::capture::Capture;
use crate::dissect::tcp_flags;
use crate::dissect::Field;

fn store(name: &str) -> Store {
    let path = format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"));
    Store::build(Capture::open(path.as_ref()).expect("sample opens"))
}

fn hits(s: &Store, filter: &str) -> Vec<u32> {
    let f = parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    filter_all(s, &f, &AtomicBool::new(false), |_, _| {})
}

use crate::capture::testutil::sample_and_corpus_files as capture_files;

/// Packets for which `pred` holds on the dissection, computed without the filter.
fn by_tree(s: &Store, pred: impl Fn(&Dissection) -> bool) -> Vec<u32> {
    (0..s.len() as u32)
        .filter(|&i| s.dissect(PacketId(i)).is_some_and(|d| pred(&d)))
        .collect()
}

/// Packets the filter matches on their dissection (every packet dissected, no tier).
fn tree_matches(s: &Store, f: &Filter) -> Vec<u32> {
    (0..s.len() as u32)
        .filter(|&i| {
            let frame = s.capture.data(i as usize);
            s.dissect(PacketId(i)).is_some_and(|d| f.matches(&d, frame))
        })
        .collect()
}

/// Every layer protocol and field name of a packet.
fn names(d: &Dissection) -> Vec<&'static str> {
    let mut out = Vec::new();
    for l in &d.layers {
        out.push(l.protocol);
        let mut stack: Vec<&Field> = l.fields.iter().collect();
        while let Some(f) = stack.pop() {
            out.push(f.name);
            stack.extend(&f.children);
        }
    }
    out
}

/// The words of every occurrence of field `name`.
fn values(d: &Dissection, name: &str) -> Vec<String> {
    fn walk(f: &Field, name: &str, out: &mut Vec<String>) {
        if f.name == name {
            out.push(f.shown());
        }
        f.children.iter().for_each(|c| walk(c, name, out));
    }
    let mut out = Vec::new();
    d.layers
        .iter()
        .flat_map(|l| &l.fields)
        .for_each(|f| walk(f, name, &mut out));
    out
}

/// Over several chunks (looked at by several threads), the matches are
/// those of each packet alone, in order; progress ends at the total; a
/// cancelled scan returns only what it found.
#[test]
fn many_chunks_give_the_matches_in_order() {
    use crate::capture::testutil::PcapWriter;
    use crate::dissect::proptests::SYN;
    let n = 3 * PROGRESS_EVERY + 123;
    let mut w = PcapWriter::new(0xa1b2_c3d4, false, 1, 65535);
    for i in 0..n {
        let mut f = SYN;
        let port = 1000 + (i % 7) as u16;
        f[34..36].copy_from_slice(&port.to_be_bytes());
        w.record(i as u32, 0, &f, 74);
    }
    let s = Store::build(Capture::from_bytes(w.buf).unwrap());
    assert_eq!(s.len(), n);
    let f = parse("tcp.srcport == 1003").unwrap();
    let mut last = (0, 0);
    let got = filter_all(&s, &f, &AtomicBool::new(false), |d, t| last = (d, t));
    let want: Vec<u32> = (0..n as u32).filter(|i| i % 7 == 3).collect();
    assert_eq!(got, want);
    assert_eq!(last, (n, n));
    assert_eq!(got, tree_matches(&s, &f));
    let none = filter_all(&s, &f, &AtomicBool::new(true), |_, _| {});
    assert!(none.is_empty());
}

/// Skipping packets without stream records gives the same packets as
/// dissecting every one, on every sample and corpus file, for filters that can skip (record
/// protocols, alone or combined) and filters that cannot (`not`, `or` with a
/// lower layer).
#[test]
fn skipping_packets_without_records_changes_no_answer() {
    let filters = [
        ("websocket", true),
        ("http", true),
        ("socketio.event == \"chat message\"", true),
        ("engineio && tcp.len > 10", true),
        ("json or websocket.opcode == 1", true),
        ("websocket.opcode != 1", true),
        (
            "http.request.method in {\"GET\" \"POST\"} && ip.addr == 127.0.0.1",
            true,
        ),
        ("websocket.key contains \"=\"", true),
        ("http.response.code == 101 || tcp.flags.syn == 1", false),
        ("!websocket", false),
        ("not (socketio and tcp)", false),
        ("tcp.port == 18300", false),
    ];
    let files = capture_files();
    assert!(files.len() > 30, "the samples and the Zeek corpus");
    let mut skipped = 0;
    for path in files {
        // Damaged corpus files keep the packets before the damage.
        let Ok(cap) = Capture::open(&path) else {
            panic!("{} does not open", path.display());
        };
        let s = Store::build(cap);
        for (text, skips) in filters {
            let f = parse(text).unwrap();
            assert_eq!(f.needs_records, skips, "{text}");
            let want = tree_matches(&s, &f);
            assert_eq!(hits(&s, text), want, "{text} on {}", path.display());
            skipped += (0..s.len() as u32)
                .filter(|&i| skips && !s.has_stream_records(PacketId(i)))
                .count();
        }
    }
    assert!(skipped > 100, "the samples have packets to skip: {skipped}");
}

/// The quick tier gives the tree's answer wherever it answers, on every sample and
/// corpus file, and answers most packets of the filters it is for.
#[test]
fn quick_answers_equal_the_tree_answers() {
    let filters = [
        "tcp.port == 18300",
        "tcp.port in {80 443 8080 18080..18400}",
        "tcp.srcport != 80",
        "udp.port == 53 || udp.port == 5353",
        "ip.addr == 127.0.0.1",
        "ip.src == 10.0.0.1 or ip.dst == 192.168.1.1",
        "ip.addr != 127.0.0.1",
        "tcp.flags.syn == 1 && tcp.flags.ack == 0",
        "tcp.flags.reset == 1",
        "tcp.flags.fin == true",
        "tcp.len > 40",
        "frame.len >= 100 and frame.len < 1500",
        "frame.number <= 10",
        "tcp && !udp",
        "!tcp",
        "ip and not ipv6",
        "arp",
        "tcp.port == 18300 && websocket",
        "!(tcp.port == 18300) || http",
        "tcp.dstport > 1024 and ip.dst == 127.0.0.1",
        "frame.len == \"74 bytes\"",
        "ipv6.addr == ::1",
        "ipv6.src == ::1 && tcp.dstport == 18080",
        "ipv6 && !ip.addr == 127.0.0.1",
        "tcp.stream == 1",
        "tcp.stream in {0 2 4}",
        "tcp.stream != 0 && tcp.len > 0",
        "dns",
        "dns || arp",
        "udp && !dns",
        "tcp.flags == 0x012",
        "tcp.flags.ece == 0 && tcp.flags.res == 0",
        "ip.addr == 127.0.0.0/8",
        "ip.src == 10.0.0.0/8 || ip.dst == 192.168.0.0/16",
        "ipv6.addr == ::/0",
        "ipv6.addr == fe80::/10",
        "eth.addr == 00:00:00:00:00:00",
        "eth.src != 00:00:00:00:00:00",
        "eth",
        "frame.time_delta > 0.001",
        "frame.time_relative <= 1.5",
        "frame.time_epoch > 1700000000",
        "frame.time == 0",
        "tcp.stream == 0 && frame.time_delta == 0",
        "frame contains \"GET\"",
        "frame matches \"(?i)upgrade: websocket\"",
        "frame[12:2] == 08:00",
        "frame[-1] == 0a",
        "frame[1000:2] != 00:00",
        "eth contains 00:00:00",
        "eth.src[0:3] == 00:00:00",
        "ip[9] == 6",
        "ip contains \"HTTP\"",
        "ip.src[0] == 7f",
        "ipv6[6] == 06",
        "ipv6.dst[15] == 01",
        "tcp contains \"Upgrade\"",
        "tcp[13] == 02",
        "tcp[12:1] > 50",
        "tcp matches \"^.{20}GET\"",
        "udp[0:2] == 00:35",
        "udp contains 00:01",
        "tcp contains \"GET\" && !(ip[9] == 6)",
    ];
    let files = capture_files();
    let (mut answered, mut total) = (0usize, 0usize);
    for path in files {
        let s = Store::build(Capture::open(&path).unwrap());
        for text in filters {
            let f = parse(text).unwrap();
            for i in 0..s.len() as u32 {
                let id = PacketId(i);
                let frame = s.capture.data(id.index());
                let tree = s.dissect(id).is_some_and(|d| f.matches(&d, frame));
                total += 1;
                if let Some(q) = f.quick(&s, id) {
                    answered += 1;
                    assert_eq!(q, tree, "{text} on packet {} of {}", i + 1, path.display());
                } else {
                    // The captured frame is always at hand.
                    let frame_bytes = text.starts_with("frame ") || text.starts_with("frame[");
                    assert!(!frame_bytes, "{text} unanswered");
                }
            }
        }
    }
    assert!(
        answered * 10 > total * 7,
        "the quick tier answers most packets: {answered} of {total}"
    );
}

/// A protocol's bytes and slices on the record protocols: answered from the tree where the
/// tiers cannot (their bytes run as the layers before them say), never from records that
/// are not there, and the same answer whichever way, on every sample and corpus file.
#[test]
fn record_protocol_bytes_equal_the_tree_answers() {
    let filters = [
        "http contains \"GET\"",
        "http matches \"^HTTP/1.1 101\"",
        "http[0:3] == \"GET\"",
        "websocket contains \"chat\"",
        "websocket[0] == 81",
        "engineio contains \"sid\"",
        "socketio[-1] == 5d",
        "http.request.method[0] == 47",
        "http.host[0:3] == \"127\"",
        "socketio.event[0:4] == \"chat\"",
        "websocket.payload[0] == 34",
    ];
    let parsed: Vec<Filter> = filters.iter().map(|t| parse(t).unwrap()).collect();
    let mut matched = vec![0usize; filters.len()];
    for path in capture_files() {
        let s = Store::build(Capture::open(&path).unwrap());
        for i in 0..s.len() as u32 {
            let id = PacketId(i);
            let frame = s.capture.data(id.index());
            let d = s.dissect(id).unwrap();
            for (k, f) in parsed.iter().enumerate() {
                let tree = f.matches(&d, frame);
                let what = format!("{} on packet {} of {}", filters[k], i + 1, path.display());
                if let Some(answer) = f.without_dissection(&s, id) {
                    assert_eq!(answer, tree, "{what}");
                }
                assert_eq!(f.matches_packet(&s, id), tree, "{what}");
                matched[k] += usize::from(tree);
            }
        }
    }
    let counts: Vec<_> = filters.iter().zip(&matched).collect();
    assert!(matched.iter().all(|&n| n > 0), "{counts:?}");
}

/// Typed comparisons: networks, MAC addresses, times, byte strings, named numbers.
#[test]
fn typed_comparisons() {
    let s = store("socketio-chat.pcap");
    let all: Vec<u32> = (0..s.len() as u32).collect();
    assert_eq!(hits(&s, "ip.addr == 127.0.0.0/8"), all);
    assert_eq!(hits(&s, "ip.src == 127.0.0.1/32"), all);
    assert!(hits(&s, "ip.addr == 10.0.0.0/8").is_empty());
    assert_eq!(hits(&s, "ip.addr != 10.0.0.0/8"), all);
    assert_eq!(hits(&s, "eth.addr == 00:00:00:00:00:00"), all);
    assert_eq!(hits(&s, "eth.type == 0x0800"), all);
    assert_eq!(hits(&s, "eth.type == IPv4"), all);
    assert_eq!(hits(&s, "ip.proto == TCP"), all);
    let first: Vec<u32> = vec![0];
    assert_eq!(
        hits(&s, "frame.time_relative == 0"),
        hits(&s, "frame.number == 1")
    );
    assert_eq!(hits(&s, "frame.number == 1"), first);
    let slow = by_tree(&s, |d| {
        d.field("frame.time_delta").is_some_and(
            |f| matches!(f.value, crate::dissect::Value::Duration(ns) if ns > 1_000_000),
        )
    });
    assert!(!slow.is_empty() && slow.len() < s.len());
    assert_eq!(hits(&s, "frame.time_delta > 0.001"), slow);
    let get = hits(&s, r#"http.request.method == "GET""#);
    assert_eq!(hits(&s, r#"tcp.payload contains "GET /""#), get);
    assert_eq!(hits(&s, "tcp.payload contains 47:45:54:20:2f"), get);
    assert_eq!(hits(&s, r#"tcp.payload matches "^get /""#), get);
    let syn = hits(&s, "tcp.flags.syn == 1 && tcp.flags.ack == 0");
    assert_eq!(hits(&s, "tcp.flags == 0x0002"), syn);
    assert_eq!(
        hits(&s, "tcp.flags.syn == true && tcp.flags.ack == false"),
        syn
    );

    let v6 = store("http-get-ipv6.pcap");
    let all6: Vec<u32> = (0..v6.len() as u32).collect();
    assert_eq!(hits(&v6, "ipv6.addr == ::/0"), all6);
    assert_eq!(hits(&v6, "ipv6.addr == ::1/128"), all6);
    assert!(hits(&v6, "ipv6.addr == fe80::/10").is_empty());
}

/// The record tier gives the full dissection's answer for every packet of every sample
/// and corpus file, and answers every packet of a filter on record protocols alone.
#[test]
fn record_tier_answers_equal_the_tree_answers() {
    let filters = [
        "websocket",
        "websocket.opcode == 1",
        "websocket.opcode == Text",
        "websocket.opcode in {8 9 10}",
        "websocket.fin == 0",
        "websocket.mask == 1",
        "websocket.rsv != 0",
        "websocket.rsv == \"0x4 (RSV1: compressed message)\"",
        "websocket.opcode contains \"Cont\"",
        "websocket.payload_length > 100",
        "websocket.payload contains \"chat\"",
        "websocket.payload contains \"hello\"",
        "websocket.payload[0:2] == \"42\"",
        "websocket.payload matches \"^3\"",
        "websocket.payload == 33",
        "websocket.payload",
        "websocket.payload.part",
        "websocket.close.code == 1000",
        "websocket.key",
        "websocket.handshake == 1",
        "websocket.message.frames > 3",
        "websocket.pong.answers",
        "websocket.utf8 == 0",
        "json == 1",
        "http",
        "http.request.method == \"GET\"",
        "http.response.code == 101",
        "http.response.code >= 400",
        "http.host contains \"127\"",
        "http.request.uri matches \"sid=\"",
        "http.request_in",
        "http.response_in > 3",
        "http.content_length > 0",
        "http.header contains \"Accept\"",
        "engineio",
        "engineio.type == 4",
        "engineio.type == message",
        "engineio.type in {2 3}",
        "engineio.type",
        "engineio.type != 4 && websocket",
        "engineio.transport == \"polling\"",
        "engineio.data",
        "engineio.data contains \"chat\"",
        "engineio.data == \"probe\"",
        "engineio.data matches \"^\\\\[\"",
        "engineio.data[0] == 7b",
        "engineio.sid",
        "engineio.sid contains \"a\"",
        "engineio.sid == \"(not seen)\"",
        "engineio.sid && http",
        "engineio.open.ping_interval >= 1000",
        "socketio",
        "socketio.event == \"chat message\"",
        "socketio.event != \"chat message\"",
        "socketio.event in {\"ask\" \"upload\"}",
        "socketio.event > \"b\"",
        "socketio.event contains \"chat\"",
        "socketio.event matches \"^ch.t\"",
        "socketio.event == upload",
        "socketio.type == 2",
        "socketio.ack_id",
        "socketio.ack_id == 1",
        "socketio.ack_id > 1 && websocket",
        "socketio.ack_id contains \"1\"",
        "socketio.type == event",
        "socketio.type in {0 3}",
        "socketio.type",
        "socketio.nsp == \"/\"",
        "socketio.nsp contains \"a\"",
        "socketio.nsp != \"/\"",
        "socketio.args contains \"hi\"",
        "socketio.args",
        "socketio.args == \"[]\"",
        "socketio.args contains \"chat message\"",
        "socketio.args matches \"^\\\\[\\\\{\"",
        "socketio.args contains \"\\xef\\xbf\\xbd\"",
        "socketio.args[0] == 7b",
        "socketio.arg",
        "socketio.arg contains \"chat\"",
        "socketio.arg == \"1\"",
        "socketio.arg matches \"^\\\\{\"",
        "socketio.args && websocket.mask == 1",
        "socketio.ack",
        "!websocket",
        "websocket.opcode == 1 && !socketio",
        "http or websocket.opcode == 2",
        "not (engineio and websocket.mask == 1)",
    ];
    // And the crafted Socket.IO captures (nesting past serde_json's limit, text that is
    // not UTF-8, one sid on two servers), where the records and the tree could part ways.
    let mut files = capture_files();
    let hostile = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    files.extend(
        [
            "socketio-deep-arguments.pcap",
            "socketio-invalid-utf8.pcap",
            "engineio-same-sid-two-servers.pcap",
        ]
        .map(|n| hostile.join(n)),
    );
    let parsed: Vec<Filter> = filters.iter().map(|t| parse(t).unwrap()).collect();
    let mut matched = vec![0usize; filters.len()];
    for path in files {
        let s = Store::build(Capture::open(&path).unwrap());
        for i in 0..s.len() as u32 {
            let id = PacketId(i);
            let d = s.dissect(id).unwrap();
            let frame = s.capture.data(id.index());
            for (k, f) in parsed.iter().enumerate() {
                let tree = f.matches(&d, frame);
                let what = format!("{} on packet {} of {}", filters[k], i + 1, path.display());
                assert_eq!(f.without_dissection(&s, id), Some(tree), "{what}");
                assert_eq!(f.matches_packet(&s, id), tree, "{what}");
                matched[k] += usize::from(tree);
            }
        }
    }
    // The table tests something: most filters match some packet.
    let some = matched.iter().filter(|&&n| n > 0).count();
    assert!(
        some * 10 > filters.len() * 8,
        "{:?}",
        filters.iter().zip(&matched).collect::<Vec<_>>()
    );
}

#[test]
fn socketio_matches_the_socketio_column() {
    let s = store("socketio-chat.pcap");
    let want: Vec<u32> = (0..s.len() as u32)
        .filter(|&i| s.columns(PacketId(i)).protocol == "Socket.IO")
        .collect();
    assert!(!want.is_empty());
    assert_eq!(hits(&s, "socketio"), want);
}

#[test]
fn syn_only_segments() {
    let s = store("socketio-chat.pcap");
    let want: Vec<u32> = (0..s.len() as u32)
        .filter(|&i| {
            let fl = s.summary(PacketId(i)).map_or(0, |x| x.tcp_flags);
            fl & tcp_flags::SYN != 0 && fl & tcp_flags::ACK == 0
        })
        .collect();
    assert_eq!(want.len(), 4);
    assert_eq!(hits(&s, "tcp.flags.syn == 1 and tcp.flags.ack == 0"), want);
    // The flag fields are present in every TCP packet, whatever their value.
    assert!(hits(&s, "tcp.flags.syn eq true && !tcp.flags.ack").is_empty());
    assert_eq!(
        hits(&s, "tcp.flags.syn == True and tcp.flags.ack == false"),
        want
    );
    assert_eq!(hits(&s, "tcp.flags == 0x002"), want);
    assert_eq!(hits(&s, "tcp.flags == 2"), want);
}

#[test]
fn ports_and_addresses() {
    let s = store("socketio-chat.pcap");
    let tcp = by_tree(&s, |d| d.layer("tcp").is_some());
    assert_eq!(tcp.len(), s.len());
    assert_eq!(hits(&s, "tcp.port == 18300"), tcp);
    assert_eq!(hits(&s, "tcp"), tcp);
    assert_eq!(hits(&s, "ip.addr == 127.0.0.1"), tcp);
    assert_eq!(hits(&s, "ip.src == 127.0.0.1 and ip.dst eq 127.0.0.1"), tcp);
    assert!(hits(&s, "ip.addr != 127.0.0.1").is_empty());
    assert!(hits(&s, "tcp.port != 18300").is_empty());
    assert!(hits(&s, "ip.addr == 10.0.0.1").is_empty());
    assert_eq!(hits(&s, "ip.addr != 10.0.0.1"), tcp);
    assert!(
        hits(&s, "ipv6.addr != ::1").is_empty(),
        "absent fields never compare"
    );
    let to_server = by_tree(&s, |d| values(d, "tcp.dstport") == ["18300"]);
    assert!(!to_server.is_empty() && to_server.len() < tcp.len());
    assert_eq!(hits(&s, "tcp.dstport in {18300 80}"), to_server);
    assert_eq!(hits(&s, "tcp.dstport in {18300..18300, 80}"), to_server);
    assert_eq!(hits(&s, "tcp.dstport == 18300"), to_server);
    assert_eq!(hits(&s, "tcp.srcport != 18300"), to_server);
    assert_eq!(hits(&s, "eth.addr == 00:00:00:00:00:00"), tcp);
    assert_eq!(hits(&s, "ip.src >= 127.0.0.1 and ip.src < 127.0.0.2"), tcp);

    let v6 = store("http-get-ipv6.pcap");
    let all: Vec<u32> = (0..v6.len() as u32).collect();
    assert_eq!(hits(&v6, "ipv6.addr == ::1"), all);
    assert_eq!(hits(&v6, "ipv6.src == 0:0:0:0:0:0:0:1"), all);
    assert!(hits(&v6, "ip").is_empty());
    assert_eq!(hits(&v6, "not ip"), all);
}

#[test]
fn http_fields() {
    let s = store("socketio-chat.pcap");
    let get = by_tree(&s, |d| {
        values(d, "http.request.method").iter().any(|v| v == "GET")
    });
    assert!(get.len() >= 3);
    assert_eq!(hits(&s, r#"http.request.method == "GET""#), get);
    assert_eq!(hits(&s, "http.request.method == GET"), get);
    let ws_uri = by_tree(&s, |d| {
        values(d, "http.request.uri")
            .iter()
            .any(|u| u.contains("transport=websocket"))
    });
    assert_eq!(ws_uri.len(), 1);
    assert_eq!(
        hits(&s, r#"http.request.uri contains "transport=websocket""#),
        ws_uri
    );
    let hosts = by_tree(&s, |d| {
        values(d, "http.host").iter().any(|h| h.starts_with("127."))
    });
    assert!(!hosts.is_empty());
    assert_eq!(hits(&s, r#"http.host matches "^127\\.""#), hosts);
    assert_eq!(hits(&s, r#"http.host matches "^127\.""#), hosts);
    assert_eq!(hits(&s, r#"http.host == "127.0.0.1:18300""#), hosts);
    assert!(!hits(&s, r#"http.header contains "Accept""#).is_empty());
    assert_eq!(
        hits(&s, r#"http.request.method matches "^get$""#),
        get,
        "case-insensitive"
    );
    assert!(
        hits(&s, r#"http.request.method contains "get""#).is_empty(),
        "case-sensitive"
    );
    let http = by_tree(&s, |d| d.layer("http").is_some());
    assert_eq!(hits(&s, "http"), http);
    let ok = by_tree(&s, |d| {
        values(d, "http.response.code").iter().any(|v| v == "200")
    });
    assert!(!ok.is_empty());
    assert_eq!(hits(&s, "http.response.code == 200"), ok);
    assert_eq!(hits(&s, "http.response.code in {200..299}"), ok);
    let switching = hits(&s, "http.response.code == 101");
    assert_eq!(switching.len(), 1);
    assert_eq!(
        hits(&s, "http.response.code >= 100 and http.response.code < 200"),
        switching
    );
}

#[test]
fn websocket_and_socketio_fields() {
    let s = store("socketio-chat.pcap");
    let text = by_tree(&s, |d| {
        values(d, "websocket.opcode")
            .iter()
            .any(|v| v == "Text (1)")
    });
    assert!(!text.is_empty());
    assert_eq!(hits(&s, "websocket.opcode == 1"), text);
    assert_eq!(hits(&s, "websocket.opcode == Text"), text);
    assert_eq!(hits(&s, r#"websocket.opcode == "Text (1)""#), text);
    let chat = by_tree(&s, |d| {
        values(d, "socketio.event")
            .iter()
            .any(|v| v == "chat message")
    });
    assert!(!chat.is_empty());
    assert_eq!(hits(&s, r#"socketio.event == "chat message""#), chat);
    let fin = by_tree(&s, |d| {
        values(d, "websocket.fin").iter().any(|v| v == "True")
    });
    assert_eq!(hits(&s, "websocket.fin == true"), fin);
    assert_eq!(hits(&s, "websocket.fin == 1"), fin);
    let ws = by_tree(&s, |d| {
        names(d)
            .iter()
            .any(|n| *n == "websocket" || n.starts_with("websocket."))
    });
    assert!(ws.len() > text.len());
    assert_eq!(hits(&s, "websocket"), ws);

    let d = store("websocket-deflate.pcap");
    let close = by_tree(&d, |x| {
        values(x, "websocket.close.code")
            .iter()
            .any(|v| v == "Normal Closure (1000)")
    });
    assert!(!close.is_empty());
    assert_eq!(hits(&d, "websocket.close.code == 1000"), close);
    assert_eq!(hits(&d, "websocket.close.code == 8"), Vec::<u32>::new());
}

#[test]
fn frame_len_and_negation() {
    let s = store("socketio-chat.pcap");
    let big = by_tree(&s, |d| d.origlen > 100);
    assert!(!big.is_empty() && big.len() < s.len());
    assert_eq!(hits(&s, "frame.len > 100"), big);
    assert_eq!(hits(&s, "frame.len gt 100"), big);
    let small = by_tree(&s, |d| d.origlen <= 100);
    assert_eq!(hits(&s, "frame.len <= 100"), small);
    assert!(hits(&s, "not tcp").is_empty());
    let r = store("tcp-refused.pcap");
    let resets = (0..r.len() as u32)
        .filter(|&i| {
            r.summary(PacketId(i))
                .is_some_and(|x| x.tcp_flags & tcp_flags::RST != 0)
        })
        .collect::<Vec<_>>();
    assert!(!resets.is_empty());
    assert_eq!(hits(&r, "tcp.flags.reset == 1"), resets);
    assert!(hits(&r, "not tcp").is_empty());
}

#[test]
fn not_is_the_complement() {
    let s = store("socketio-chat.pcap");
    let all: BTreeSet<u32> = (0..s.len() as u32).collect();
    for x in [
        "socketio",
        "tcp.port == 18300",
        "ip.addr != 127.0.0.1",
        "frame.len > 100 and tcp.flags.push == 1",
        "http.request.method == GET or websocket.opcode in {1 2}",
        r#"http.host matches "^127\.""#,
        "tcp.len >= 1",
    ] {
        let yes: BTreeSet<u32> = hits(&s, x).into_iter().collect();
        let no: BTreeSet<u32> = hits(&s, &format!("!({x})")).into_iter().collect();
        assert!(yes.is_disjoint(&no), "{x}");
        assert_eq!(&yes | &no, all, "{x}");
    }
}

#[test]
fn empty_filter_and_filter_all_progress() {
    let s = store("http-get.pcap");
    let f = parse("  ").unwrap();
    assert!(f.is_empty());
    assert!(!parse("tcp").unwrap().is_empty());
    let mut calls = Vec::new();
    let all = filter_all(&s, &f, &AtomicBool::new(false), |d, t| calls.push((d, t)));
    assert_eq!(all, (0..s.len() as u32).collect::<Vec<_>>());
    assert_eq!(calls, [(s.len(), s.len())]);
    assert!(filter_all(&s, &f, &AtomicBool::new(true), |_, _| {}).is_empty());
    assert!(!f.matches_packet(&s, PacketId(s.len() as u32)));
    assert!(!parse("tcp").unwrap().matches_packet(&s, PacketId(u32::MAX)));
}

#[test]
fn completion() {
    assert_eq!(complete("tcp.flags.sy"), ["tcp.flags.syn"]);
    assert_eq!(
        complete("ip.src == 1.2.3.4 and tcp.flags.sy"),
        ["tcp.flags.syn"]
    );
    assert_eq!(complete("(websocket.opc"), ["websocket.opcode"]);
    assert!(complete("tcp.").iter().all(|n| n.starts_with("tcp.")));
    assert!(complete("tcp.").contains(&"tcp.port"));
    assert_eq!(complete("").len(), known_fields().len());
    assert!(complete("zzz").is_empty());
}

/// Every name in the field tree of every packet of every sample and corpus file is
/// registered (a field definition of its protocol module), and every value emitted has
/// the type its definition declares; every layer's protocol is registered without a
/// value.
#[test]
fn every_emitted_field_is_registered_with_its_type() {
    fn walk(f: &Field, seen: &mut BTreeSet<&'static str>, wrong: &mut BTreeSet<String>) {
        seen.insert(f.name);
        match fields::def(f.name) {
            Some(d) if d.kind == f.value.kind() => {}
            Some(d) => {
                wrong.insert(format!(
                    "{}: {:?}, emitted {:?}",
                    f.name,
                    d.kind,
                    f.value.kind()
                ));
            }
            None => {
                wrong.insert(format!("{}: not registered", f.name));
            }
        }
        f.children.iter().for_each(|c| walk(c, seen, wrong));
    }
    let files = capture_files();
    assert!(files.len() >= 40, "{}", files.len());
    let (mut seen, mut wrong) = (BTreeSet::new(), BTreeSet::new());
    for path in files {
        let s = Store::build(Capture::open(&path).unwrap());
        for i in 0..s.len() as u32 {
            let Some(d) = s.dissect(PacketId(i)) else {
                continue;
            };
            for l in &d.layers {
                seen.insert(l.protocol);
                match fields::def(l.protocol) {
                    // A layer's name is a protocol's, whose value is its bytes.
                    Some(def)
                        if def.kind == crate::dissect::Kind::None
                            && fields::is_protocol(l.protocol) => {}
                    _ => {
                        wrong.insert(format!(
                            "layer {}: not registered as a protocol",
                            l.protocol
                        ));
                    }
                }
                l.fields.iter().for_each(|f| walk(f, &mut seen, &mut wrong));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(seen.len() > 200, "{}", seen.len());
}

mod props {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn parse_never_panics(s in "\\PC{0,80}") {
            if let Err(e) = parse(&s) {
                prop_assert!(e.at <= s.len());
                prop_assert!(!e.message.is_empty());
            }
        }

        #[test]
        fn parse_never_panics_on_filter_like_text(
            parts in proptest::collection::vec(prop_oneof![
                Just("tcp"), Just("ip.addr"), Just("=="), Just("!="), Just("("), Just(")"),
                Just("{"), Just("}"), Just(".."), Just("and"), Just("or"), Just("!"), Just("not"),
                Just("in"), Just("contains"), Just("matches"), Just("\""), Just("\\"),
                Just("80"), Just("0x"), Just("::1"), Just("1.2.3.4"), Just("é"), Just(","),
                Just("~"), Just("<"), Just(">="), Just("\"a\\x4"), Just("tcp.prot"),
            ], 0..24),
            sep in prop_oneof![Just(""), Just(" ")],
        ) {
            let s = parts.join(sep);
            let _ = parse(&s);
        }
    }
}
