//! The command line as a person uses it: exit codes, messages, damaged files, stdin, JSON.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::cli::{bin, run, run_with_input, sample, stderr, stdout};

/// A file in the test's own temporary folder.
fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("layerscope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

#[test]
fn help_on_every_subcommand() {
    for args in [
        &["--help"][..],
        &["inspect", "--help"],
        &["stats", "--help"],
        &["messages", "--help"],
        &["states", "--help"],
        &["explain", "--help"],
        &["handout", "--help"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(stdout(&o).contains("Usage:"), "{args:?}: {}", stdout(&o));
    }
    assert!(stdout(&run(&["inspect", "--help"])).contains("--json"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["inspect"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate", "x", "y"]).status.code(), Some(2));
    assert_eq!(run(&["explain"]).status.code(), Some(2));
    assert_eq!(run(&["explain", "tcp", "--list"]).status.code(), Some(2));
    let o = run(&["inspect", "/no/such/file.pcap"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot open /no/such/file.pcap"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn not_a_capture_says_what_it_starts_with() {
    let p = temp_file("page.pcap", b"<!DOCTYPE html><html></html>");
    let o = run(&["inspect", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a pcap or pcapng file: starts with 3c 21 44 4f"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn empty_file_is_zero_packets() {
    let p = temp_file("empty.pcap", b"");
    let o = run(&["stats", "--json", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["packets"], 0);
    assert_eq!(v["format"], "empty");
    assert_eq!(run(&["inspect", p.to_str().unwrap()]).stdout.len(), 0);
}

/// Offsets and captured lengths of a little-endian microsecond pcap's records.
fn pcap_records(bytes: &[u8]) -> Vec<(usize, usize)> {
    assert_eq!(
        &bytes[..4],
        &[0xd4, 0xc3, 0xb2, 0xa1],
        "sample is LE microsecond pcap"
    );
    let mut out = Vec::new();
    let mut off = 24;
    while off + 16 <= bytes.len() {
        let caplen = u32::from_le_bytes(bytes[off + 8..off + 12].try_into().unwrap()) as usize;
        out.push((off, caplen));
        off += 16 + caplen;
    }
    out
}

#[test]
fn truncated_file_keeps_packets_before_the_cut_and_exits_1() {
    let bytes = std::fs::read(sample("http-get.pcap")).expect("sample");
    let recs = pcap_records(&bytes);
    let (off7, caplen7) = recs[6];
    let cut = off7 + 16 + 10;
    let p = temp_file("cut.pcap", &bytes[..cut]);
    let o = run(&["inspect", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    // The six whole packets, and packet 7 with the 10 bytes that are there.
    let rows = stdout(&o);
    assert_eq!(rows.lines().count(), 7, "{rows}");
    let want = format!("file ends inside packet 7 (needed {caplen7} bytes, 10 left)");
    assert!(
        stderr(&o).contains(&want),
        "want {want:?} in {}",
        stderr(&o)
    );
    let s = run(&["stats", "--json", p.to_str().unwrap()]);
    assert_eq!(s.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&s)).expect("json");
    assert_eq!(v["packets"], 7);
    assert_eq!(v["errors"][0], want);
    // Its warning is counted with the others: one more than the six whole packets have.
    let whole = temp_file("whole6.pcap", &bytes[..off7]);
    let s6 = run(&["stats", "--json", whole.to_str().unwrap()]);
    let v6: serde_json::Value = serde_json::from_str(&stdout(&s6)).expect("json");
    assert_eq!(v6["packets"], 6);
    let warnings = |v: &serde_json::Value| v["warnings"].as_u64().expect("warnings");
    assert!(warnings(&v) > warnings(&v6), "{v} {v6}");

    // The tree of packet 7 says it was cut, with its bytes and the claimed length.
    let t = run(&[
        "inspect",
        "-V",
        "-Y",
        "frame.number == 7",
        p.to_str().unwrap(),
    ]);
    assert_eq!(t.status.code(), Some(1));
    let tree = stdout(&t);
    let note = format!("cut by the end of the file: 10 of {caplen7} bytes");
    assert!(tree.contains(&note), "want {note:?} in {tree}");
    assert!(tree.contains("Capture Length: 10 bytes"), "{tree}");
    assert!(stderr(&t).contains(&want), "{}", stderr(&t));
    let j = run(&[
        "inspect",
        "--json",
        "-Y",
        "frame.number == 7",
        p.to_str().unwrap(),
    ]);
    let line = stdout(&j);
    let d: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON line");
    assert_eq!(d["caplen"], 10, "{line}");
    let messages: Vec<&str> = (d["warnings"].as_array().expect("warnings").iter())
        .filter_map(|w| w["message"].as_str())
        .collect();
    assert!(messages.contains(&note.as_str()), "{messages:?}");

    // Cut inside packet 7's record header: nothing of it to show, six rows as before.
    let h = temp_file("cut-header.pcap", &bytes[..off7 + 5]);
    let o = run(&["inspect", h.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o).lines().count(), 6);
    assert!(
        stderr(&o).contains("file ends inside the header of packet 7 (needed 16 bytes, 5 left)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn stdin_reads_like_a_file() {
    let path = sample("websocket-deflate.pcap");
    let from_file = run(&["inspect", path.to_str().unwrap()]);
    let bytes = std::fs::read(&path).expect("sample");
    let o = run_with_input(&["inspect", "-"], &bytes);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), stdout(&from_file));
    assert_eq!(stdout(&o).lines().count(), 26);
}

/// `inspect -`, run with its own temporary folder (where its spool would go), on a pipe
/// the test writes; its rows are read line by line on a thread.
struct Piped {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
    tmp: PathBuf,
}

impl Piped {
    fn start(name: &str, args: &[&str]) -> Piped {
        let tmp =
            std::env::temp_dir().join(format!("layerscope-cli-tmp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).expect("temp dir");
        let mut child = bin()
            .args(args)
            .env("TMPDIR", &tmp)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let stdin = child.stdin.take();
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        Piped {
            child,
            stdin,
            lines,
            tmp,
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        let w = self.stdin.as_mut().expect("still open");
        w.write_all(bytes).expect("write");
        w.flush().expect("flush");
    }

    /// The next `n` lines, waiting as long as it takes (a minute at most: the rows are
    /// expected well before, the limit only keeps a broken build from hanging).
    fn next_lines(&self, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                self.lines
                    .recv_timeout(std::time::Duration::from_secs(60))
                    .unwrap_or_else(|_| panic!("row {} never came", i + 1))
            })
            .collect()
    }

    fn spool_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.tmp)
            .expect("temp dir")
            .map(|e| e.expect("entry").path())
            .collect()
    }
}

impl Drop for Piped {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

/// Standard input is read as a stream: the rows of the packets written so far come out
/// while the writer still holds the pipe open, and the whole output, once it closes, is
/// what the file gives. No spool file is ever visible in the temporary folder.
#[test]
fn stdin_rows_come_out_while_the_pipe_is_open() {
    let path = sample("http-get.pcap");
    let bytes = std::fs::read(&path).expect("sample");
    let recs = pcap_records(&bytes);
    let from_file = stdout(&run(&["inspect", path.to_str().unwrap()]));
    let want: Vec<&str> = from_file.lines().collect();
    let mut p = Piped::start("stream", &["inspect", "-"]);
    // The header and the handshake (3 packets), and half of packet 4.
    let (off4, _) = recs[3];
    p.write(&bytes[..off4 + 10]);
    let first = p.next_lines(3);
    assert!(p.stdin.is_some(), "the writer still holds the pipe");
    assert_eq!(first, want[..3], "the handshake's rows, as from the file");
    assert!(first[0].contains("[SYN]"), "{first:?}");
    assert!(p.spool_files().is_empty(), "{:?}", p.spool_files());
    p.write(&bytes[off4 + 10..]);
    drop(p.stdin.take());
    let rest = p.next_lines(want.len() - 3);
    assert_eq!(rest, want[3..]);
    let status = p.child.wait().expect("exits");
    assert_eq!(status.code(), Some(0));
    assert!(p.spool_files().is_empty(), "{:?}", p.spool_files());
}

/// Killed while it reads, `inspect -` leaves nothing in the temporary folder.
#[test]
fn a_killed_stdin_reader_leaves_no_spool() {
    let bytes = std::fs::read(sample("http-get.pcap")).expect("sample");
    let recs = pcap_records(&bytes);
    let mut p = Piped::start("killed", &["inspect", "-"]);
    p.write(&bytes[..recs[2].0]);
    p.next_lines(2);
    p.child.kill().expect("kill");
    p.child.wait().expect("wait");
    assert!(p.spool_files().is_empty(), "{:?}", p.spool_files());
}

/// `-c` stops reading standard input once the rows asked for are out, the pipe still open.
#[test]
fn stdin_count_exits_without_waiting_for_the_end() {
    let bytes = std::fs::read(sample("http-get.pcap")).expect("sample");
    let recs = pcap_records(&bytes);
    let mut p = Piped::start("count", &["inspect", "-c", "2", "-"]);
    p.write(&bytes[..recs[4].0]);
    assert_eq!(p.next_lines(2).len(), 2);
    let t = std::time::Instant::now();
    let status = loop {
        if let Some(s) = p.child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            t.elapsed().as_secs() < 60,
            "still running with the pipe open"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    assert!(p.lines.recv().is_err(), "no third row");
}

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus")
            .join(name),
    )
    .expect("corpus file")
}

/// Whatever the bytes, `inspect -`, `stats -` and `messages -` on a pipe that ends print
/// what they print on the file, byte for byte, with the same warnings and exit code.
#[test]
fn stdin_and_file_agree_on_every_kind_of_input() {
    let http = std::fs::read(sample("http-get.pcap")).expect("sample");
    let recs = pcap_records(&http);
    let chat = std::fs::read(sample("socketio-chat.pcap")).expect("sample");
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("short", http[..3].to_vec()),
        ("header-only", http[..24].to_vec()),
        ("html", b"<!DOCTYPE html><html></html>".to_vec()),
        ("cut-in-data", http[..recs[6].0 + 16 + 10].to_vec()),
        ("cut-in-header", http[..recs[6].0 + 5].to_vec()),
        ("chat", chat),
        ("wstunnel", corpus("zeek__websocket-wstunnel-ssh.pcap")),
        ("ng", corpus("zeek__pcapng-multi-interface.pcapng")),
        (
            "ng-cut",
            corpus("zeek__trunc-ip-discarder-truncated-tcp-oob.pcapng"),
        ),
    ];
    let modes: [&[&str]; 7] = [
        &["inspect"],
        &["inspect", "-V"],
        &["inspect", "--json", "-c", "30"],
        &["inspect", "-Y", "tcp.flags.syn == 1 || socketio"],
        &["stats", "--json"],
        &["stats"],
        &["messages", "--json"],
    ];
    for (name, bytes) in &inputs {
        let file = temp_file(&format!("agree-{name}.pcap"), bytes);
        for mode in modes {
            let o_file = bin().args(mode).arg(&file).output().expect("runs");
            let mut child = bin()
                .args(mode)
                .arg("-")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn");
            // In pieces a moment apart (far less than a pause): the reader sees the capture
            // arrive bit by bit, and rows printed as they arrived would lack what later
            // packets tell about them.
            let mut w = child.stdin.take().expect("stdin");
            for piece in bytes.chunks(1000) {
                w.write_all(piece).expect("write");
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            drop(w);
            let o_pipe = child.wait_with_output().expect("wait");
            let what = format!("{name} {mode:?}");
            assert_eq!(o_pipe.status.code(), o_file.status.code(), "{what}");
            let file_name = file.display().to_string();
            let file_out = stdout(&o_file).replace(&file_name, "-");
            let pipe_out = stdout(&o_pipe);
            let first_difference = (pipe_out.lines().zip(file_out.lines()))
                .enumerate()
                .find(|(_, (p, f))| p != f);
            assert_eq!(first_difference, None, "{what}: (line, (pipe, file))");
            assert_eq!(pipe_out, file_out, "{what}");
            let file_err = stderr(&o_file).replace(&file_name, "-");
            assert_eq!(stderr(&o_pipe), file_err, "{what}");
        }
    }
}

#[test]
fn verbose_groups_layers_by_osi_with_ranges() {
    let o = run(&[
        "inspect",
        "-V",
        "-c",
        "1",
        sample("http-get.pcap").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let order: Vec<usize> = [
        "Layer 1 · Physical",
        "Layer 2 · Data link",
        "Layer 3 · Network",
        "Layer 4 · Transport",
    ]
    .iter()
    .map(|h| {
        out.find(h)
            .unwrap_or_else(|| panic!("{h} missing in\n{out}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(out.contains("[tcp.flags.syn 46..48]"), "{out}");
    assert!(
        out.contains("MSS Value: 65495  [tcp.options.mss_val 54..58]"),
        "{out}"
    );
    assert!(
        out.contains("Source Address: 127.0.0.1  [ip.src 26..30]"),
        "{out}"
    );
}

/// `inspect --worked`: after each packet, the computations a receiver makes from it,
/// numbered, each value with the bytes it sits in.
#[test]
fn worked_computations_follow_each_packet() {
    let chat = sample("socketio-chat.pcap");
    let o = run(&[
        "inspect",
        "--worked",
        "-Y",
        "frame.number == 29 || frame.number == 41",
        chat.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let at = |s: &str| {
        out.find(s)
            .unwrap_or_else(|| panic!("{s:?} missing in\n{out}"))
    };
    // Packet 29, the 101: the Accept worked out and compared (sha1sum, openssl).
    let order = [
        at("   29 "),
        at("  Worked: Sec-WebSocket-Accept"),
        at("5ELjMcfpFtJL0zHkZtHMnQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
        at("79 26 80 f4 cd ea 50 29 80 43 ed 1f de 22 ab c5 30 2e 5c 9c"),
        at("It matches"),
        at("eSaA9M3qUCmAQ+0f3iKrxTAuXJw=  [bytes 163..191]"),
        // Packet 41: the masked frame, then the Socket.IO packet in it.
        at("   41 "),
        at("  Worked: Unmasking a client Text frame"),
        at("02 22 90 23  [bytes 68..72]"),
        at("0  36      02   34      '4'"),
        at(r#""42["chat message","hi"]"  [bytes 0..23 in #1]"#),
        at("  Worked: Socket.IO EVENT taken apart"),
        at("  bytes #1: WebSocket message, unmasked (23 bytes)"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}\n{out}");
    assert!(out.contains("It matches") && out.contains(" ✓\n"), "{out}");
    // Packet 1's SYN: relative 0, and the one sequence number it takes.
    let o = run(&[
        "inspect",
        "--worked",
        "-V",
        "-c",
        "1",
        chat.to_str().unwrap(),
    ]);
    let out = stdout(&o);
    let tree = out.find("Layer 4 · Transport").expect("the tree");
    let syn = out
        .find("Worked: TCP sequence numbers: the SYN")
        .expect("worked");
    assert!(tree < syn, "{out}");
    assert!(out.contains("A SYN carries no data but takes one sequence number"));
    // Not with JSON.
    let o = run(&["inspect", "--worked", "--json", chat.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

/// Every NDJSON line follows the schema written in README.md.
#[test]
fn json_lines_follow_the_documented_schema() {
    for name in [
        "socketio-chat.pcap",
        "tcp-refused.pcap",
        "http-get-ipv6.pcap",
    ] {
        let o = run(&["inspect", "--json", sample(name).to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0));
        let lines: Vec<_> = stdout(&o).lines().map(str::to_string).collect();
        assert!(!lines.is_empty());
        for (i, line) in lines.iter().enumerate() {
            let v: serde_json::Value = serde_json::from_str(line).expect("valid JSON");
            check_packet(&v, i as u64 + 1);
        }
    }
}

fn check_packet(v: &serde_json::Value, number: u64) {
    assert_eq!(v["schema"], 3);
    assert_eq!(v["number"], number);
    for k in ["ts_ns", "rel_ns", "caplen", "origlen", "interface"] {
        assert!(v[k].is_i64() || v[k].is_u64(), "{k} in {v}");
    }
    for k in ["link_type", "src", "dst", "protocol", "info"] {
        assert!(v[k].is_string(), "{k} in {v}");
    }
    assert!(v["stop"].is_null() || v["stop"]["reason"].is_string());
    assert!(v["warnings"].is_array());
    let caplen = v["caplen"].as_u64().unwrap();
    let layers = v["layers"].as_array().expect("layers");
    assert!(layers.len() >= 4, "frame, eth, ip, tcp at least: {v}");
    for l in layers {
        let osi = l["osi"].as_u64().expect("osi");
        assert!((1..=7).contains(&osi));
        assert!(l["protocol"].is_string() && l["title"].is_string());
        check_range(&l["range"], caplen);
        for f in l["fields"].as_array().expect("fields") {
            check_field(f, v, caplen);
        }
    }
}

/// A field's range is in the frame, in the derived buffer its `src` names (whose
/// length ends its name: `(12 bytes)`), or empty for a generated value.
fn check_field(f: &serde_json::Value, packet: &serde_json::Value, caplen: u64) {
    assert!(
        f["name"].is_string() && f["label"].is_string() && f["value"].is_string(),
        "{f}"
    );
    match &f["src"] {
        serde_json::Value::Null => check_range(&f["range"], caplen),
        s if s == "generated" => assert_eq!(f["range"], serde_json::json!([0, 0]), "{f}"),
        s => {
            let i = s["derived"].as_u64().expect("src is derived") as usize;
            let name = packet["derived"][i]["name"]
                .as_str()
                .expect("derived buffer named");
            let len: u64 = (name.rsplit_once('(').and_then(|(_, n)| n.split(' ').next()))
                .and_then(|n| n.parse().ok())
                .expect("its length in its name");
            check_range(&f["range"], len);
        }
    }
    check_typed(f);
    for c in f["children"].as_array().expect("children") {
        check_field(c, packet, caplen);
    }
}

/// `type` and `data` as README.md's table says, `link`/`links` for links to packets.
fn check_typed(f: &serde_json::Value) {
    let d = &f["data"];
    let ok = match f["type"].as_str().expect("type is a string") {
        "none" => d.is_null(),
        "uint" | "time" | "duration" | "int" => d.is_i64() || d.is_u64(),
        "bool" => d.is_boolean(),
        "ipv4" | "ipv6" | "mac" | "text" => d.is_string(),
        "bytes" => d
            .as_str()
            .is_some_and(|h| h.len() % 2 == 0 && h.bytes().all(|b| b.is_ascii_hexdigit())),
        "named" => d.is_u64() && f["data_name"].is_string(),
        "frame" => d.is_u64() && f["link"] == *d,
        "frames" => d.is_array() && f["links"] == *d,
        other => panic!("unknown type {other} in {f}"),
    };
    assert!(ok, "{f}");
}

fn check_range(r: &serde_json::Value, caplen: u64) {
    let a = r.as_array().expect("range is an array");
    assert_eq!(a.len(), 2);
    let (s, e) = (a[0].as_u64().unwrap(), a[1].as_u64().unwrap());
    assert!(s <= e && e <= caplen, "range {r} outside 0..{caplen}");
}

#[test]
fn stats_json_counts_the_refused_sample() {
    let o = run(&[
        "stats",
        "--json",
        sample("tcp-refused.pcap").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["packets"], 4);
    assert_eq!(v["format"], "pcap");
    assert_eq!(v["link_types"]["ether"], 4);
    assert_eq!(v["protocols"]["ipv4"], 2);
    assert_eq!(v["protocols"]["ipv6"], 2);
    assert_eq!(v["protocols"]["tcp"], 4);
    assert_eq!(v["tcp"]["syn"], 2);
    assert_eq!(v["tcp"]["syn_ack"], 0);
    assert_eq!(v["tcp"]["rst"], 2);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn stats_text_tells_the_handshake_and_upgrade_story() {
    let o = run(&["stats", sample("websocket-deflate.pcap").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("Handshakes: 1 of 1 TCP conversations completed, 0 refused"),
        "{out}"
    );
    assert!(
        out.contains(
            "HTTP:       1 requests, 1 responses, 1 WebSocket upgrades (0 with a wrong Accept)"
        ),
        "{out}"
    );
}

/// With no display (CI), `layerscope` alone cannot open its window: it says
/// why and points at the command line instead of panicking. A build without
/// the window says so and exits 0.
#[test]
fn no_arguments_without_a_display_explains_what_to_do() {
    let o = bin()
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("runs");
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(all.contains("layerscope inspect FILE"), "{all}");
    assert!(!all.contains("panicked"), "{all}");
    if cfg!(feature = "gui") {
        assert_eq!(o.status.code(), Some(2), "{all}");
        assert!(all.contains("could not start"), "{all}");
    } else {
        assert_eq!(o.status.code(), Some(0), "{all}");
    }
}

#[test]
fn inspect_tells_the_socketio_story() {
    let o = run(&["inspect", sample("socketio-chat.pcap").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for want in [
        "GET /socket.io/?EIO=4&transport=websocket",
        "[Upgrade: websocket]",
        "101 Switching Protocols [Accept ✓]",
        "Engine.IO ping probe",
        "Socket.IO EVENT / \"chat message\" [\"hi\"]",
        "Socket.IO ACK / ack=0",
        "WebSocket Close [FIN] [MASKED]",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

#[test]
fn messages_text_json_and_har() {
    let path = sample("socketio-chat.pcap");
    let p = path.to_str().unwrap();
    let text = stdout(&run(&["messages", p]));
    assert!(
        text.contains("socketio  Socket.IO EVENT / \"ask\""),
        "{text}"
    );
    let json = run(&["messages", "--json", p]);
    assert_eq!(json.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = stdout(&json)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), text.lines().count());
    let ask = lines
        .iter()
        .find(|l| l["socketio"]["event"] == "ask")
        .expect("the ask event");
    assert_eq!(ask["kind"], "socketio");
    assert_eq!(ask["from"], "client");
    assert_eq!(ask["socketio"]["ack_id"], 0);
    assert!(ask["socketio"]["ack_latency_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(ask["websocket"]["opcode"], "Text");
    let times: Vec<f64> = lines.iter().map(|l| l["time"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order");

    let har: serde_json::Value =
        serde_json::from_slice(&run(&["messages", "--har", p]).stdout).expect("HAR is JSON");
    assert_eq!(har["log"]["version"], "1.2");
    let entries = har["log"]["entries"].as_array().unwrap();
    let ws = entries
        .iter()
        .find(|e| e["response"]["status"] == 101)
        .expect("the upgrade entry");
    let msgs = ws["_webSocketMessages"].as_array().unwrap();
    assert!(msgs
        .iter()
        .any(|m| m["type"] == "send" && m["data"] == "2probe"));
    assert!(msgs
        .iter()
        .any(|m| m["type"] == "receive" && m["data"] == "3probe"));
    assert!(entries
        .iter()
        .all(|e| e["startedDateTime"].as_str().unwrap().ends_with('Z')));
}

#[test]
fn stats_json_has_the_stream_analysis_counts() {
    let o = run(&[
        "stats",
        "--json",
        sample("socketio-chat.pcap").to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["schema"], 2);
    assert_eq!(v["http"]["upgrades"], 1);
    assert_eq!(v["http"]["websocket_upgrades"], 1);
    assert_eq!(v["engineio"]["sessions"], 1);
    assert_eq!(v["socketio"]["namespaces"], serde_json::json!(["/"]));
    assert_eq!(v["socketio"]["unanswered_acks"], 0);
    assert_eq!(v["websocket"]["close"], 2);
    let w = &v["websocket"];
    let by_kind: u64 = ["text", "binary", "continuation", "close", "ping", "pong"]
        .iter()
        .map(|k| w[k].as_u64().unwrap())
        .sum();
    assert_eq!(w["frames"].as_u64().unwrap(), by_kind);
}

#[test]
fn display_filter_in_every_mode() {
    let f = sample("socketio-chat.pcap");
    let f = f.to_str().unwrap();
    let all = stdout(&run(&["inspect", f]));
    let socketio: Vec<&str> = all.lines().filter(|l| l.contains(" Socket.IO ")).collect();
    assert!(socketio.len() >= 2);

    let o = run(&["inspect", "-Y", "socketio", f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), socketio);

    // -c counts printed packets, like tshark.
    let o = run(&["inspect", "-c", "2", "--display-filter", "socketio", f]);
    assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), socketio[..2]);

    let o = run(&[
        "inspect",
        "-Y",
        "tcp.flags.syn == 1 && tcp.flags.ack == 0",
        f,
    ]);
    let syns = stdout(&o);
    assert_eq!(syns.lines().count(), 4);
    assert!(syns.lines().all(|l| l.contains("[SYN]")), "{syns}");

    let o = run(&[
        "inspect",
        "-V",
        "-Y",
        r#"http.request.uri contains "transport=websocket""#,
        f,
    ]);
    let v = stdout(&o);
    assert_eq!(
        v.matches("\nPacket ").count() + usize::from(v.starts_with("Packet ")),
        1,
        "{v}"
    );
    assert!(v.contains("transport=websocket"));

    let o = run(&["inspect", "--json", "-Y", "websocket.opcode == 1", f]);
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert!(!lines.is_empty());
    for l in &lines {
        assert!(l.to_string().contains("Text (1)"), "{l}");
    }

    let o = run(&["inspect", "-Y", "not tcp", f]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
}

#[test]
fn bad_display_filter_exits_2_with_a_caret() {
    let f = sample("http-get.pcap");
    let o = run(&["inspect", "-Y", "tcp and )", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(o.stdout, b"");
    assert_eq!(
        stderr(&o),
        "layerscope: invalid filter: unexpected \")\" at 8\n  tcp and )\n          ^\n"
    );
    let o = run(&["inspect", "-Y", "tcp.prot == 80", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "layerscope: invalid filter: \"tcp.prot\" is not a known field or protocol (did you mean tcp.port?)\n  tcp.prot == 80\n  ^^^^^^^^\n"
    );
    // The filter is checked before the file is opened.
    let o = run(&["inspect", "-Y", "tcp ==", "/no/such/file.pcap"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("layerscope: invalid filter: expected a value after \"==\" at 6\n")
    );
}

#[test]
fn states_prints_both_endpoints_transitions() {
    let file = sample("socketio-chat.pcap");
    let o = run(&["states", file.to_str().unwrap(), "--stream", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("TCP stream"))
        .collect();
    let want = [
        "TCP stream 3: client 127.0.0.1:46274, server 127.0.0.1:18300",
        "  start  client inferred CLOSED                        before its first segment",
        "  start  server inferred LISTEN                        listening before the capture began (passive OPEN)",
        "  #17    client seen     CLOSED → SYN-SENT             opens: sent SYN (active OPEN)",
        "  #18    server seen     LISTEN → SYN-RECEIVED         received SYN, sent SYN-ACK",
        "  #19    client seen     SYN-SENT → ESTABLISHED        received SYN-ACK, sent ACK",
        "  #19    server inferred SYN-RECEIVED → ESTABLISHED    received the ACK of its SYN",
        "  #37    client seen     ESTABLISHED → FIN-WAIT-1      closes: sent FIN",
        "  #37    server inferred ESTABLISHED → CLOSE-WAIT      received FIN (acknowledges it)",
        "  #38    server seen     CLOSE-WAIT → LAST-ACK         closes: sent FIN",
        "  #38    client inferred FIN-WAIT-1 → FIN-WAIT-2       received the ACK of its FIN",
        "  #38    client inferred FIN-WAIT-2 → TIME-WAIT        received FIN (acknowledges it)",
        "  #39    server inferred LAST-ACK → CLOSED             received the ACK of its FIN",
        "  later  client inferred TIME-WAIT → CLOSED            2×MSL timer ran out (MSL: 2 minutes in RFC 9293; Linux waits 60 s in all)",
    ];
    assert_eq!(lines, want);
    assert!(out.starts_with("TCP states as RFC 9293"), "{out}");

    // Every stream without --stream; the refused sample's server never listened.
    let all = stdout(&run(&["states", file.to_str().unwrap()]));
    assert_eq!(all.matches("TCP stream ").count(), 4, "{all}");
    let refused = stdout(&run(&[
        "states",
        sample("tcp-refused.pcap").to_str().unwrap(),
    ]));
    assert!(refused.contains("  #2     server seen     CLOSED → CLOSED               nothing listens: answered the SYN with RST\n  #2     client inferred SYN-SENT → CLOSED"), "{refused}");

    let o = run(&["states", file.to_str().unwrap(), "--stream", "4"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no TCP stream 4 in ") && stderr(&o).contains("it has 4: 0 to 3"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn handout_writes_a_page_a_ladder_and_markdown() {
    let dir = std::env::temp_dir().join(format!("layerscope-cli-handout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let chat = sample("socketio-chat.pcap");
    let chat = chat.to_str().unwrap();
    let html = dir.join("chat.html");
    let svg = dir.join("chat-ladder.svg");
    let o = run(&[
        "handout",
        chat,
        "--stream",
        "2",
        "-o",
        html.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(&html).expect("the page is written");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("socketio-chat.pcap: TCP conversation 2"));
    assert!(page.contains("The client opens the connection: SYN"));
    assert!(page.contains("HTTP/1.1 101 Switching Protocols"));
    assert!(page.contains("<svg xmlns="));
    let image = std::fs::read_to_string(&svg).expect("the ladder is written");
    assert!(image.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_eq!(image.matches("<polygon").count(), 28);

    let md = dir.join("chat.md");
    let o = run(&["handout", chat, "--stream", "2", "-o", md.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("![The ladder of the conversation](chat.svg)"));
    assert!(std::fs::read_to_string(dir.join("chat.svg"))
        .unwrap()
        .contains("<polygon"));

    // Which conversation, and where to write, must be said; a missing one is named.
    let o = run(&["handout", chat, "-o", html.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--stream N") && stderr(&o).contains("0 to 3"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "handout",
        chat,
        "--stream",
        "9",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no TCP stream 9"), "{}", stderr(&o));
    assert_eq!(
        run(&["handout", chat, "--stream", "2"]).status.code(),
        Some(2)
    );
    let nowhere = dir.join("no-such-folder").join("x.html");
    let o = run(&[
        "handout",
        chat,
        "--stream",
        "2",
        "-o",
        nowhere.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `inspect -Y` with a filter of ports and addresses analyses only the conversations
/// it needs (a scoped build), and prints what a whole build prints: the same filter
/// joined with a record-tier test that passes nothing (which takes a whole build), and
/// on standard input (which is read as a stream, whole), print the same rows. With
/// `-c`, the first of them.
#[test]
fn a_scoped_filter_prints_what_a_whole_build_prints() {
    let path = sample("chat-ws-vs-sio.pcap");
    let file = path.to_str().unwrap();
    let bytes = std::fs::read(&path).expect("sample");
    for filter in [
        "tcp.port == 18311",
        "tcp.port == 43408",
        "tcp.port == 18310 && ip.addr == 127.0.0.1",
        "tcp.flags.syn == 1",
    ] {
        let scoped = run(&["inspect", "-Y", filter, file]);
        assert_eq!(scoped.status.code(), Some(0), "{}", stderr(&scoped));
        let rows = stdout(&scoped);
        assert!(rows.lines().count() > 3, "{filter}: {rows}");
        let whole_filter = format!("({filter}) || http.request.method == \"NOPE\"");
        let whole = run(&["inspect", "-Y", &whole_filter, file]);
        assert_eq!(stdout(&whole), rows, "{filter}");
        let piped = run_with_input(&["inspect", "-Y", filter, "-"], &bytes);
        assert_eq!(stdout(&piped), rows, "{filter} on standard input");
        let two = run(&["inspect", "-c", "2", "-Y", filter, file]);
        let first_two: Vec<&str> = rows.lines().take(2).collect();
        assert_eq!(
            stdout(&two).lines().collect::<Vec<_>>(),
            first_two,
            "{filter} -c 2"
        );
    }
}

/// `inspect -Y` with a filter of the record protocols looks only at the packets with
/// records, and prints what it prints when it looks at every packet (the same filter
/// or'ed with a test that passes nothing and needs no record).
#[test]
fn a_record_filter_prints_what_looking_at_every_packet_prints() {
    let path = sample("chat-ws-vs-sio.pcap");
    let file = path.to_str().unwrap();
    for filter in [
        "websocket",
        "socketio && tcp.port == 18311",
        "http.response.code == 101",
        "websocket.opcode == 1 || engineio",
    ] {
        let only = stdout(&run(&["inspect", "-Y", filter, file]));
        assert!(only.lines().count() > 1, "{filter}: {only}");
        let every = format!("({filter}) || frame.number == 0");
        assert_eq!(
            stdout(&run(&["inspect", "-Y", &every, file])),
            only,
            "{filter}"
        );
    }
}
