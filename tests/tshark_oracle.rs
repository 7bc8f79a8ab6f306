//! tshark as an oracle: for every packet tshark names TCP, UDP, ICMP, ICMPv6 or ARP,
//! layerscope's one-line row says the same thing (addresses, protocol, length and
//! info), once tshark's own analysis notes (`[TCP Retransmission]`, ...) are set aside:
//! those come from stream analysis, a later layer of layerscope.
//!
//! The oracle files under `tests/tshark/` were written by `tests/tshark/make.sh`
//! (tshark 4.0.17, see `tests/tshark/VERSION`).

use std::path::{Path, PathBuf};

use layerscope::capture::Capture;
use layerscope::export::text;
use layerscope::store::{PacketId, Store};

const COMPARED: [&str; 6] = ["TCP", "UDP", "ICMP", "ICMPv6", "ARP", "DNS"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `(number, "src → dst PROTO len info")` from a tshark or layerscope row.
fn parse(line: &str) -> Option<(u64, String)> {
    let mut it = line.split_whitespace();
    let n = it.next()?.parse().ok()?;
    it.next()?; // time
    let rest: Vec<&str> = it.collect();
    Some((n, rest.join(" ")))
}

/// tshark's expert notes in brackets that come from its stream analysis.
fn strip_analysis(info: &str) -> String {
    let mut out = String::new();
    let mut rest = info;
    while let Some(start) = rest.find("[TCP ") {
        let Some(end) = rest[start..].find(']') else {
            break;
        };
        out.push_str(&rest[..start]);
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    // tshark glues this note to the options without a space.
    let out = out.replace(
        "[Packet size limited during capture]",
        " [Packet size limited during capture]",
    );
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn captures() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in ["samples", "tests/corpus"] {
        for e in std::fs::read_dir(root().join(dir)).expect("dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

#[test]
fn rows_agree_with_tshark() {
    let (mut compared, mut problems) = (0, Vec::new());
    for cap in captures() {
        let name = cap.file_name().unwrap().to_string_lossy().to_string();
        let oracle = root().join("tests/tshark").join(format!("{name}.txt"));
        let want = std::fs::read_to_string(&oracle)
            .unwrap_or_else(|_| panic!("{} missing: run tests/tshark/make.sh", oracle.display()));
        let store = Store::build(Capture::open(&cap).expect("opens"));
        for line in want.lines() {
            let Some((n, w)) = parse(line) else { continue };
            let proto = w.split(' ').nth(3).unwrap_or("");
            // tshark's HTTP heuristic names some TCP segments by their HTTP content.
            let http = w.contains("[TCP segment of a reassembled PDU]");
            if !COMPARED.contains(&proto) || w.contains("[Malformed Packet]") || http {
                continue;
            }
            let got = parse(&text::row(&store, PacketId((n - 1) as u32)))
                .map(|(_, g)| g)
                .unwrap_or_default();
            compared += 1;
            if strip_analysis(&w) != strip_analysis(&got) {
                problems.push(format!(
                    "{name} #{n}\n  tshark:     {w}\n  layerscope: {got}"
                ));
            }
        }
    }
    assert!(compared > 700, "only {compared} rows compared");
    assert!(
        problems.is_empty(),
        "{} of {compared} rows differ:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
