//! Live capture for real, on the loopback interface: a WebSocket server and client started
//! here exchange frames on 127.0.0.1 while `layerscope capture` records them through the
//! capture helper. These need root or CAP_NET_RAW: in CI (CI=true) a missing privilege is a
//! failure; elsewhere the tests say why they did not run and return.
#![cfg(feature = "live")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_layerscope"));
    c.env(
        "LAYERSCOPE_CAPTURE",
        env!("CARGO_BIN_EXE_layerscope-capture"),
    );
    c
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ls-live-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Whether this process may capture; outside CI, says why not and lets the test return.
fn can_capture() -> bool {
    let o = bin()
        .args([
            "capture",
            "-i",
            "lo",
            "-f",
            "udp port 9",
            "-a",
            "duration:1",
        ])
        .args(["-w", "/dev/null"])
        .output()
        .expect("runs");
    if o.status.success() {
        return true;
    }
    let err = String::from_utf8_lossy(&o.stderr);
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI must be able to capture on lo (run as root): {err}");
    }
    eprintln!("SKIPPED: cannot capture on lo here ({err}); run as root or setcap the helper");
    false
}

/// Waits for `child` at most `limit`, then kills it; its output.
fn wait_output(mut child: Child, limit: Duration) -> Output {
    let t = Instant::now();
    while t.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let o = child.wait_with_output().unwrap();
    panic!(
        "did not end within {limit:?}; stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn interrupt(child: &Child) {
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Reads the child's standard error until a line contains `what` (at most 10 s); the
/// lines read.
fn wait_for_line(
    child: &mut Child,
    what: &str,
) -> (Vec<String>, BufReader<std::process::ChildStderr>) {
    let mut r = BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(10) {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let done = line.contains(what);
        seen.push(line);
        if done {
            return (seen, r);
        }
    }
    panic!("no line with {what:?}: {seen:?}");
}

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// RFC 6455 §1.3: the Accept for the key above.
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// A WebSocket server on `listener` that answers the Upgrade and echoes text frames
/// (unmasked) until the client closes.
fn serve(listener: TcpListener) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut b).unwrap();
            head.push(b[0]);
        }
        let resp = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {ACCEPT}\r\n\r\n"
        );
        s.write_all(resp.as_bytes()).unwrap();
        loop {
            let mut h = [0u8; 2];
            if s.read_exact(&mut h).is_err() {
                return;
            }
            let len = usize::from(h[1] & 0x7f);
            let mut key = [0u8; 4];
            s.read_exact(&mut key).unwrap();
            let mut payload = vec![0u8; len];
            s.read_exact(&mut payload).unwrap();
            for (i, c) in payload.iter_mut().enumerate() {
                *c ^= key[i % 4];
            }
            if h[0] & 0x0f == 8 {
                s.write_all(&[0x88, 0]).unwrap();
                return;
            }
            let mut echo = vec![0x81, len as u8];
            echo.extend_from_slice(&payload);
            s.write_all(&echo).unwrap();
        }
    })
}

/// A client that upgrades, sends `texts` masked, reads each echo, and closes.
fn talk(port: u16, texts: &[&str]) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let req = format!(
        "GET /chat HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut b).unwrap();
        head.push(b[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"));
    let key = [0x37, 0xfa, 0x21, 0x3d];
    for t in texts {
        let mut f = vec![0x81, 0x80 | t.len() as u8];
        f.extend_from_slice(&key);
        f.extend(t.bytes().enumerate().map(|(i, c)| c ^ key[i % 4]));
        s.write_all(&f).unwrap();
        let mut echo = vec![0u8; 2 + t.len()];
        s.read_exact(&mut echo).unwrap();
        assert_eq!(&echo[2..], t.as_bytes());
        std::thread::sleep(Duration::from_millis(5));
    }
    s.write_all(&[0x88, 0x80, 0, 0, 0, 0]).unwrap();
    let mut close = [0u8; 2];
    let _ = s.read_exact(&mut close);
}

/// A WebSocket server on `listener` and a client that sends `texts` to it; returns when the
/// exchange is over.
fn chat(listener: TcpListener, texts: &[&str]) {
    let port = listener.local_addr().unwrap().port();
    let server = serve(listener);
    talk(port, texts);
    server.join().unwrap();
}

/// Starts `cmd` (a `layerscope capture`) with its standard error piped, and waits until it
/// says it is capturing.
fn start(cmd: &mut Command) -> (Child, BufReader<std::process::ChildStderr>) {
    let mut child = cmd.stderr(Stdio::piped()).spawn().unwrap();
    let (_, err) = wait_for_line(&mut child, "Capturing on");
    (child, err)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const TEXTS: [&str; 5] = ["hello", "socket.emit chat", "hi there", "4", "last one"];

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&o.stdout));
    })
}

/// Checks a capture file of the exchange: the handshake completed, one WebSocket upgrade
/// with the right Accept, every text frame decoded with its payload.
fn check_file(path: &Path) {
    let o = bin().args(["stats", "--json"]).arg(path).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let st = json(&o);
    assert_eq!(st["format"], "pcapng");
    // The helper's statistics blocks are read back: nothing was lost.
    assert_eq!(st["drops"]["kernel"], 0, "{st}");
    assert_eq!(st["drops"]["interface"], 0, "{st}");
    assert!(
        st["tcp"]["handshakes_completed"].as_u64().unwrap() >= 1,
        "{st}"
    );
    assert_eq!(st["http"]["websocket_upgrades"], 1, "{st}");
    assert_eq!(st["http"]["accept_mismatches"], 0, "{st}");
    // Each text goes out masked and comes back: twice as many text frames.
    assert_eq!(st["websocket"]["text"], 2 * TEXTS.len() as u64, "{st}");
    assert_eq!(
        st["websocket"]["masked"].as_u64().unwrap(),
        TEXTS.len() as u64 + 1
    );
    let o = bin()
        .args(["messages", "--json"])
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    for t in TEXTS {
        let n = text
            .lines()
            .filter(|l| l.contains(&format!("\"data\":\"{t}\"")))
            .count();
        assert_eq!(n, 2, "{t:?} sent and echoed: {text}");
    }
    assert!(text.contains("101 Switching Protocols"), "{text}");
}

#[test]
fn capture_to_a_file_holds_the_whole_websocket_exchange() {
    if !can_capture() {
        return;
    }
    let dir = temp_dir("file");
    let file = dir.join("ws.pcapng");
    let port = free_port();
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let (cap, mut err) = start(
        bin()
            .args(["capture", "-i", "lo", "-f", &format!("tcp port {port}")])
            .arg("-w")
            .arg(&file),
    );
    chat(listener, &TEXTS);
    std::thread::sleep(Duration::from_millis(300));
    interrupt(&cap);
    let t = Instant::now();
    let o = wait_output(cap, Duration::from_secs(5));
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "Ctrl+C took {:?}",
        t.elapsed()
    );
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert_eq!(o.status.code(), Some(0), "{rest}");
    assert!(
        rest.contains("packets captured, 0 dropped by the kernel"),
        "{rest}"
    );
    check_file(&file);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn count_stops_the_capture_and_the_file_is_complete() {
    if !can_capture() {
        return;
    }
    let dir = temp_dir("count");
    let file = dir.join("c.pcapng");
    let port = free_port();
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let mut cap = bin()
        .args([
            "capture",
            "-i",
            "lo",
            "-c",
            "3",
            "-f",
            &format!("tcp port {port}"),
        ])
        .arg("-w")
        .arg(&file)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_, _err) = wait_for_line(&mut cap, "Capturing on");
    chat(listener, &TEXTS[..1]);
    let o = wait_output(cap, Duration::from_secs(5));
    assert_eq!(o.status.code(), Some(0));
    let o = bin().arg("inspect").arg(&file).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let rows = String::from_utf8_lossy(&o.stdout);
    assert_eq!(rows.lines().count(), 3, "{rows}");
    assert!(rows.lines().next().unwrap().contains("[SYN]"), "{rows}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `capture -w -` streams pcapng: piped into `inspect -` it decodes the exchange.
#[test]
fn capture_to_standard_output_pipes_into_inspect() {
    if !can_capture() {
        return;
    }
    let port = free_port();
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let mut cap = bin()
        .args([
            "capture",
            "-i",
            "lo",
            "-f",
            &format!("tcp port {port}"),
            "-w",
            "-",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pipe = cap.stdout.take().unwrap();
    let inspect = bin()
        .args(["inspect", "-"])
        .stdin(pipe)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_, _err) = wait_for_line(&mut cap, "Capturing on");
    chat(listener, &TEXTS);
    std::thread::sleep(Duration::from_millis(300));
    interrupt(&cap);
    let o = wait_output(cap, Duration::from_secs(5));
    assert_eq!(o.status.code(), Some(0));
    let o = wait_output(inspect, Duration::from_secs(10));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rows = String::from_utf8_lossy(&o.stdout);
    assert!(rows.contains("101 Switching Protocols"), "{rows}");
    for t in TEXTS {
        assert!(rows.contains(t), "{t:?} in {rows}");
    }
}

/// Without `-w`, each packet is printed as it arrives, with the analysis so far.
#[test]
fn capture_prints_rows_as_packets_arrive() {
    if !can_capture() {
        return;
    }
    let cache = temp_dir("rows");
    let port = free_port();
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let (mut cap, _err) = start(
        bin()
            .env("XDG_CACHE_HOME", &cache)
            .args(["capture", "-i", "lo", "-f", &format!("tcp port {port}")])
            .stdout(Stdio::piped()),
    );
    let mut out = BufReader::new(cap.stdout.take().unwrap());
    chat(listener, &TEXTS[..1]);
    // The rows come while the capture still runs.
    let t = Instant::now();
    let mut lines = Vec::new();
    while !lines.iter().any(|l: &String| l.contains("hello")) {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "no row yet: {lines:?}"
        );
        let mut l = String::new();
        if out.read_line(&mut l).unwrap() == 0 {
            break;
        }
        lines.push(l);
    }
    assert!(cap.try_wait().unwrap().is_none(), "still capturing");
    assert!(lines[0].contains("[SYN]"), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("101 Switching Protocols")),
        "{lines:?}"
    );
    interrupt(&cap);
    let o = wait_output(cap, Duration::from_secs(5));
    assert_eq!(o.status.code(), Some(0));
    // The spool is gone once the rows are printed.
    let spools = cache.join("layerscope").join("captures");
    let left = std::fs::read_dir(&spools).map_or(0, |d| d.count());
    assert_eq!(left, 0, "spool left behind in {}", spools.display());
    std::fs::remove_dir_all(&cache).unwrap();
}

/// Stop on an interface where nothing arrives returns within a second.
#[test]
fn stop_on_an_idle_capture_is_quick() {
    if !can_capture() {
        return;
    }
    let port = free_port();
    let mut cap = bin()
        .args([
            "capture",
            "-i",
            "lo",
            "-f",
            &format!("udp port {port}"),
            "-w",
            "/dev/null",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_, _err) = wait_for_line(&mut cap, "Capturing on");
    std::thread::sleep(Duration::from_millis(300));
    // Timed from the signal's delivery (`kill` has returned): the stop path itself.
    interrupt(&cap);
    let t = Instant::now();
    let o = wait_output(cap, Duration::from_secs(5));
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "stop took {:?}",
        t.elapsed()
    );
    assert_eq!(o.status.code(), Some(0));
}

/// `layerscope capture` killed with SIGKILL: the helper stops by itself (its standard input
/// closed) and the spool stays behind, a capture `inspect` reads.
#[test]
fn a_killed_capture_leaves_a_readable_spool() {
    if !can_capture() {
        return;
    }
    let cache = temp_dir("kill");
    let port = free_port();
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let (mut cap, _err) = start(
        bin()
            .env("XDG_CACHE_HOME", &cache)
            .args(["capture", "-i", "lo", "-f", &format!("tcp port {port}")])
            .stdout(Stdio::null()),
    );
    chat(listener, &TEXTS);
    std::thread::sleep(Duration::from_millis(400));
    cap.kill().unwrap();
    cap.wait().unwrap();
    // The helper ends by itself once it sees its standard input closed: on a busy
    // machine that can take a while, so the spool is looked at until it holds the
    // whole chat, for up to ten seconds.
    let dir = cache.join("layerscope").join("captures");
    let t = Instant::now();
    let (spools, o) = loop {
        std::thread::sleep(Duration::from_millis(200));
        let spools: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        let o = (spools.len() == 1).then(|| bin().arg("inspect").arg(&spools[0]).output().unwrap());
        let whole = o
            .as_ref()
            .is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains("last one"));
        if whole || t.elapsed() > Duration::from_secs(10) {
            break (spools, o);
        }
    };
    assert_eq!(spools.len(), 1, "{spools:?}");
    let o = o.expect("one spool");
    assert!(matches!(o.status.code(), Some(0 | 1)));
    let rows = String::from_utf8_lossy(&o.stdout);
    assert!(rows.contains("101 Switching Protocols"), "{rows}");
    assert!(rows.contains("last one"), "{rows}");
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn an_interface_that_does_not_exist_names_those_that_do() {
    let o = bin()
        .args(["capture", "-i", "nosuchif0", "-w", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("nosuchif0"), "{err}");
    assert!(
        err.contains("interfaces here:") && err.contains("lo"),
        "{err}"
    );
}

#[test]
fn a_filter_that_does_not_compile_is_refused_before_capturing() {
    let o = bin()
        .args(["capture", "-i", "lo", "-f", "tcp port", "-w", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("does not compile") && err.contains("syntax error"),
        "{err}"
    );
}

#[test]
fn interfaces_lists_loopback_first() {
    let o = bin().arg("interfaces").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("1. lo"), "{text}");
    assert!(text.lines().next().unwrap().contains("loopback"), "{text}");
    let o = bin().args(["interfaces", "--json"]).output().unwrap();
    let list = json(&o);
    assert_eq!(list[0]["name"], "lo");
    assert_eq!(list[0]["loopback"], true);
    assert!(list[0]["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "127.0.0.1"));
}

/// As an ordinary user, capturing is refused with the command that grants the right.
#[test]
fn an_unprivileged_user_is_told_how_to_grant_the_capability() {
    let in_ci = std::env::var("CI").as_deref() == Ok("true");
    let setpriv = Path::new("/usr/bin/setpriv");
    if !setpriv.exists() {
        assert!(!in_ci, "CI needs setpriv (util-linux)");
        eprintln!("SKIPPED: setpriv not found");
        return;
    }
    // The binaries must be reachable by user nobody: copy them to a world-readable folder.
    let dir = temp_dir("nobody");
    let mut perms = std::fs::metadata(&dir).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&dir, perms).unwrap();
    let main = dir.join("layerscope");
    let helper = dir.join("layerscope-capture");
    std::fs::copy(env!("CARGO_BIN_EXE_layerscope"), &main).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_layerscope-capture"), &helper).unwrap();
    let o = Command::new(setpriv)
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
        ])
        .arg(&main)
        .args(["capture", "-i", "lo", "-w", "/tmp/never.pcapng"])
        .env("HOME", &dir)
        .env_remove("LAYERSCOPE_CAPTURE")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let parent_dir_readable = !err.contains("Permission denied (os error 13)");
    if !parent_dir_readable && !in_ci {
        eprintln!("SKIPPED: user nobody cannot reach {}: {err}", dir.display());
        return;
    }
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("setcap cap_net_raw,cap_net_admin=eip"),
        "{err}"
    );
    assert!(err.contains(&helper.display().to_string()), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An interface that disappears mid-capture ends the capture with that reason; what was
/// captured stays in the file. A veth pair made for the test stands in for a cable pulled.
#[test]
fn an_interface_that_goes_away_ends_the_capture_and_keeps_the_packets() {
    if !can_capture() {
        return;
    }
    let name = format!("lsv{}", std::process::id() % 100_000);
    let ip = |args: &[&str]| {
        Command::new("ip")
            .args(args)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ip(&[
        "link",
        "add",
        &name,
        "type",
        "veth",
        "peer",
        "name",
        &format!("{name}p"),
    ]) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must be able to make a veth pair (root, iproute2)"
        );
        eprintln!("SKIPPED: cannot create a veth pair here");
        return;
    }
    assert!(ip(&["link", "set", &name, "up"]));
    let dir = temp_dir("gone");
    let file = dir.join("gone.pcapng");
    let (cap, mut err) = start(bin().args(["capture", "-i", &name, "-w"]).arg(&file));
    std::thread::sleep(Duration::from_millis(300));
    assert!(ip(&["link", "del", &name]));
    let o = wait_output(cap, Duration::from_secs(5));
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert_eq!(o.status.code(), Some(1), "{rest}");
    assert!(
        rest.contains(&name),
        "the reason names the interface: {rest}"
    );
    assert!(rest.contains("packets captured"), "{rest}");
    let o = bin().arg("inspect").arg(&file).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Several `-i` go into one pcapng file, one interface each: `lo` (Ethernet) and `any`
/// (Linux cooked capture v1), and both decode down to UDP.
#[test]
fn several_interfaces_go_into_one_file() {
    if !can_capture() {
        return;
    }
    let dir = temp_dir("multi");
    let file = dir.join("multi.pcapng");
    let port = free_port();
    let (cap, _err) = start(
        bin()
            .args(["capture", "-i", "lo", "-i", "any", "-c", "4"])
            .args(["-f", &format!("udp port {port}"), "-w"])
            .arg(&file),
    );
    let sink = std::net::UdpSocket::bind(("127.0.0.1", port)).unwrap();
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    // Each datagram shows on both interfaces: the helper has its four packets after two.
    for _ in 0..5 {
        s.send_to(b"both ways", ("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(sink);
    let o = wait_output(cap, Duration::from_secs(5));
    assert_eq!(o.status.code(), Some(0));
    let o = bin().args(["stats", "--json"]).arg(&file).output().unwrap();
    let st = json(&o);
    assert_eq!(st["packets"], 4, "{st}");
    assert_eq!(st["interfaces"], 2, "{st}");
    assert!(st["link_types"]["ether"].as_u64().unwrap() >= 1, "{st}");
    assert!(st["link_types"]["linux-sll"].as_u64().unwrap() >= 1, "{st}");
    assert_eq!(
        st["protocols"]["udp"], 4,
        "every packet decodes to UDP: {st}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
