//! Golden tests: every sample (and one corpus capture per link type) through the
//! library, compared line by line with reviewed files under `tests/golden/`.
//!
//! After a deliberate change of output, regenerate with
//! `LAYERSCOPE_BLESS=1 cargo test --test golden`, then review the diff before committing.

use std::path::{Path, PathBuf};

use layerscope::capture::Capture;
use layerscope::export::{json, text};
use layerscope::store::{PacketId, Store};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Captures under test: all samples, plus corpus files covering the other link types and oddities.
fn inputs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("samples"))
        .expect("samples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    v.sort();
    assert!(
        v.len() >= 5,
        "expected at least 5 samples, found {}",
        v.len()
    );
    for f in [
        "zeek__tls-irc-starttls.pcap",
        "zeek__tls-openjdk-25.0.2-zeek.org.pcap",
        "zeek__redis-almost-resp.pcap",
        "zeek__nflog-http.pcap",
        "zeek__http-basic-auth-with-colon.pcap",
        "zeek__tcp-payload-syn.pcap",
        "zeek__http-vlan-0.pcap",
        "zeek__ldap-gap-data-missing.pcapng",
        "zeek__pcapng-multi-interface.pcapng",
        "zeek__tcp-truncated-header.pcap",
        "zeek__trunc-ip-discarder-truncated-tcp-oob.pcapng",
        "zeek__communityid-ipv6.pcap",
    ] {
        v.push(root().join("tests/corpus").join(f));
    }
    v
}

/// Rows and trees for every input; NDJSON (the same tree as JSON) for the samples only.
fn render(path: &Path) -> Vec<(String, String)> {
    let store = Store::build(Capture::open(path).expect("opens"));
    let (mut rows, mut tree, mut nd) = (String::new(), String::new(), String::new());
    for i in 0..store.len() {
        let id = PacketId(i as u32);
        rows.push_str(&text::row(&store, id));
        rows.push('\n');
        let d = store.dissect(id).expect("packet");
        tree.push_str(&text::tree(&d));
        tree.push('\n');
        nd.push_str(&json::packet_line(&store, id, &d));
        nd.push('\n');
    }
    let mut out = vec![("rows.txt".into(), rows), ("tree.txt".into(), tree)];
    if path.starts_with(root().join("samples")) {
        out.push(("ndjson".into(), nd));
    }
    out
}

#[test]
fn golden_outputs_match() {
    let bless = std::env::var_os("LAYERSCOPE_BLESS").is_some();
    let mut problems = Vec::new();
    for input in inputs() {
        let stem = input
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .to_string();
        for (ext, got) in render(&input) {
            let golden = root().join("tests/golden").join(format!("{stem}.{ext}"));
            if bless {
                std::fs::write(&golden, &got).expect("write golden");
                continue;
            }
            let Ok(want) = std::fs::read_to_string(&golden) else {
                problems.push(format!(
                    "{}: missing; run with LAYERSCOPE_BLESS=1",
                    golden.display()
                ));
                continue;
            };
            if let Some((n, (w, g))) = want
                .lines()
                .zip(got.lines())
                .enumerate()
                .find(|(_, (w, g))| w != g)
            {
                problems.push(format!(
                    "{} line {}:\n  want: {w}\n  got:  {g}",
                    golden.display(),
                    n + 1
                ));
            } else if want.lines().count() != got.lines().count() {
                problems.push(format!(
                    "{}: {} lines expected, {} produced",
                    golden.display(),
                    want.lines().count(),
                    got.lines().count()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The one-line view of the HTTP sample tells the handshake story in tshark's words.
#[test]
fn http_sample_reads_like_tshark() {
    let store = Store::build(Capture::open(&root().join("samples/http-get.pcap")).expect("opens"));
    let rows: Vec<String> = (0..3).map(|i| text::row(&store, PacketId(i))).collect();
    assert!(
        rows[0].contains("TCP 74") && rows[0].contains("[SYN] Seq=0 Win=65495 Len=0 MSS=65495"),
        "{}",
        rows[0]
    );
    assert!(rows[1].contains("[SYN, ACK] Seq=0 Ack=1"), "{}", rows[1]);
    assert!(rows[2].contains("[ACK] Seq=1 Ack=1"), "{}", rows[2]);
}
