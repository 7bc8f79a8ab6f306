//! The capture helper (`layerscope-capture`) as a parent process drives it: real captures
//! on `lo` with UDP sent to 127.0.0.1, stops, and the errors before capture.
//!
//! Capturing needs root or CAP_NET_RAW. Whether we have it is decided at run time: without
//! it the tests print why and return, except under CI (`CI=true`), where they fail.
#![cfg(feature = "live")]

use layerscope::capture::status::{ErrorKind, Status, StopReason};
use layerscope::capture::Capture;
use std::io::{BufRead, BufReader, Read};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

const HELPER: &str = env!("CARGO_BIN_EXE_layerscope-capture");
const MARK: &str = "layerscope-capture-test";

/// A running helper: its stderr lines arrive on a channel, so every wait has a deadline.
struct Helper {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Helper {
    fn spawn(mut cmd: Command) -> Helper {
        cmd.stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the helper starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, lines) = mpsc::channel();
        thread::Builder::new()
            .name("helper-stderr".into())
            .spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            })
            .expect("thread");
        Helper {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits up to `within` for an event that `want` accepts.
    fn wait_event(&mut self, within: Duration, want: impl Fn(&Status) -> bool) -> Option<Status> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let line = self.lines.recv_timeout(left).ok()?;
            self.seen.push(line.clone());
            if let Some(s) = Status::parse_line(&line) {
                if want(&s) {
                    return Some(s);
                }
            }
        }
    }

    /// Waits up to `within` for the helper to exit; kills it and fails past the deadline.
    fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "the helper did not exit within {within:?}; stderr so far: {:?}",
                    self.seen
                );
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Every status event, after the helper has exited (stderr then ends).
    fn events(&mut self) -> Vec<Status> {
        let deadline = Instant::now() + Duration::from_secs(2);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => break,
            }
        }
        self.seen
            .iter()
            .filter_map(|l| Status::parse_line(l))
            .collect()
    }

    fn stopped(&mut self) -> Status {
        let events = self.events();
        let last = events.last().cloned();
        match last {
            Some(s @ Status::Stopped { .. }) => s,
            _ => panic!("no final stopped event: {:?}", self.seen),
        }
    }

    fn error(&mut self) -> (ErrorKind, String, Vec<String>) {
        for e in self.events() {
            if let Status::Error {
                kind,
                message,
                available,
                ..
            } = e
            {
                return (kind, message, available);
            }
        }
        panic!("no error event: {:?}", self.seen)
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn helper(args: &[&str]) -> Command {
    let mut cmd = Command::new(HELPER);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::null());
    cmd
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("layerscope-capture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Whether this process may capture on `lo`; without it, explains and returns false
/// (or fails under CI).
fn privileged() -> bool {
    static OK: OnceLock<Result<(), String>> = OnceLock::new();
    let answer = OK.get_or_init(|| {
        let mut h = Helper::spawn(helper(&[
            "-i",
            "lo",
            "-f",
            "udp port 9",
            "-a",
            "duration:0",
            "-w",
            "/dev/null",
            "--status",
        ]));
        let status = h.wait_exit(Duration::from_secs(5));
        if status.success() {
            return Ok(());
        }
        match h.error() {
            (ErrorKind::Permission, message, _) => Err(message),
            other => panic!("capturing on lo fails for another reason: {other:?}"),
        }
    });
    match answer {
        Ok(()) => true,
        Err(message) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI must be able to capture on lo (root or CAP_NET_RAW): {message}")
        }
        Err(message) => {
            eprintln!("skipped: capturing on lo needs root or CAP_NET_RAW ({message})");
            false
        }
    }
}

/// A UDP port on 127.0.0.1 that a bound (and never read) socket holds for the test.
fn port() -> (UdpSocket, u16) {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = sock.local_addr().expect("addr").port();
    (sock, port)
}

/// Sends datagrams to `port` a few at a time until the helper exits (at most `limit`);
/// returns how many were sent.
fn send_until_exit(h: &mut Helper, port: u16, limit: Duration) -> usize {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let deadline = Instant::now() + limit;
    let mut n = 0;
    while h.child.try_wait().expect("try_wait").is_none() && Instant::now() < deadline {
        for _ in 0..5 {
            let _ = sock.send_to(format!("{MARK} {n}").as_bytes(), ("127.0.0.1", port));
            n += 1;
        }
        thread::sleep(Duration::from_millis(20));
    }
    n
}

fn send(port: u16, count: usize) {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    for n in 0..count {
        let _ = sock.send_to(format!("{MARK} {n}").as_bytes(), ("127.0.0.1", port));
    }
}

fn is_started(s: &Status) -> bool {
    matches!(s, Status::Started { .. })
}

/// Block types of a pcapng file in the machine's byte order (as the helper writes it).
fn block_types(bytes: &[u8]) -> Vec<u32> {
    let mut types = Vec::new();
    let mut pos = 0;
    while pos + 8 <= bytes.len() {
        let word = |at: usize| u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
        let len = word(pos + 4) as usize;
        if len < 12 || pos + len > bytes.len() {
            break;
        }
        types.push(word(pos));
        pos += len;
    }
    types
}

/// The checks shared by the file and the pipe: 20 UDP packets on `lo`, an ISB.
fn check_twenty(cap: &Capture, bytes: &[u8]) {
    assert!(cap.damage.is_none(), "{:?}", cap.damage);
    assert_eq!(cap.interfaces.len(), 1);
    let lo = &cap.interfaces[0];
    assert_eq!(lo.name.as_deref(), Some("lo"));
    assert_eq!(lo.link_type.0, 1);
    assert_eq!(lo.snaplen, 262_144);
    assert_eq!(cap.len(), 20);
    for i in 0..cap.len() {
        let data = cap.data(i);
        let found = data.windows(MARK.len()).any(|w| w == MARK.as_bytes());
        assert!(found, "packet {i} lacks the payload: {data:?}");
    }
    let types = block_types(bytes);
    assert!(
        types.contains(&5),
        "no interface statistics block: {types:?}"
    );
    assert_eq!(
        types.last(),
        Some(&5),
        "the file ends with the final statistics"
    );
}

#[test]
fn captures_a_count_of_packets_into_a_file() {
    if !privileged() {
        return;
    }
    let (_sink, port) = port();
    let path = temp_dir().join("count.pcapng");
    let filter = format!("udp port {port}");
    let mut h = Helper::spawn(helper(&[
        "-i",
        "lo",
        "-f",
        &filter,
        "-c",
        "20",
        "-w",
        path.to_str().unwrap(),
        "--status",
    ]));
    let started = h.wait_event(Duration::from_secs(3), is_started);
    assert!(started.is_some(), "no started event: {:?}", h.seen);
    let sent = send_until_exit(&mut h, port, Duration::from_secs(4));
    let status = h.wait_exit(Duration::from_secs(2));
    assert!(status.success(), "{status:?} {:?}", h.seen);
    assert!(sent >= 20);
    match h.stopped() {
        Status::Stopped {
            reason, packets, ..
        } => assert_eq!((reason, packets), (StopReason::Count, 20)),
        _ => unreachable!(),
    }
    let cap = Capture::open(&path).expect("opens");
    check_twenty(&cap, &std::fs::read(&path).expect("read"));
}

#[test]
fn writes_pcapng_to_standard_output() {
    if !privileged() {
        return;
    }
    let (_sink, port) = port();
    let filter = format!("udp port {port}");
    let mut cmd = helper(&["-i", "lo", "-f", &filter, "-c", "20", "-w", "-", "--status"]);
    cmd.stdout(Stdio::piped());
    let mut h = Helper::spawn(cmd);
    let mut stdout: ChildStdout = h.child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("helper-stdout".into())
        .spawn(move || {
            let mut bytes = Vec::new();
            let _ = stdout.read_to_end(&mut bytes);
            let _ = tx.send(bytes);
        })
        .expect("thread");
    assert!(h.wait_event(Duration::from_secs(3), is_started).is_some());
    send_until_exit(&mut h, port, Duration::from_secs(4));
    assert!(
        h.wait_exit(Duration::from_secs(2)).success(),
        "{:?}",
        h.seen
    );
    let bytes = rx
        .recv_timeout(Duration::from_secs(2))
        .expect("stdout ends");
    let cap = Capture::from_bytes(bytes.clone()).expect("parses as pcapng");
    check_twenty(&cap, &bytes);
}

#[test]
fn stops_an_idle_capture_when_stdin_closes() {
    if !privileged() {
        return;
    }
    let (_sink, port) = port();
    let filter = format!("udp port {port}");
    let path = temp_dir().join("idle-stdin.pcapng");
    let mut cmd = helper(&[
        "-i",
        "lo",
        "-f",
        &filter,
        "--stop-on-stdin",
        "--status",
        "-w",
        path.to_str().unwrap(),
    ]);
    cmd.stdin(Stdio::piped());
    let mut h = Helper::spawn(cmd);
    assert!(h.wait_event(Duration::from_secs(3), is_started).is_some());
    thread::sleep(Duration::from_millis(300)); // let it sit idle in a read
    let t0 = Instant::now();
    drop(h.child.stdin.take());
    let status = h.wait_exit(Duration::from_secs(3));
    let took = t0.elapsed();
    assert!(status.success(), "{status:?} {:?}", h.seen);
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    match h.stopped() {
        Status::Stopped {
            reason, packets, ..
        } => assert_eq!((reason, packets), (StopReason::Stdin, 0)),
        _ => unreachable!(),
    }
    let cap = Capture::open(&path).expect("opens");
    assert!(cap.damage.is_none() && cap.is_empty() && cap.interfaces.len() == 1);
}

#[test]
fn stops_an_idle_capture_on_sigterm() {
    if !privileged() {
        return;
    }
    let (_sink, port) = port();
    let filter = format!("udp port {port}");
    let mut h = Helper::spawn(helper(&[
        "-i",
        "lo",
        "-f",
        &filter,
        "--status",
        "-w",
        "/dev/null",
    ]));
    assert!(h.wait_event(Duration::from_secs(3), is_started).is_some());
    thread::sleep(Duration::from_millis(300));
    let t0 = Instant::now();
    let pid = libc::pid_t::try_from(h.child.id()).expect("pid");
    // SAFETY: sends a signal to our own child, which is still alive (not yet waited for).
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = h.wait_exit(Duration::from_secs(3));
    let took = t0.elapsed();
    assert!(status.success(), "{status:?} {:?}", h.seen);
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    match h.stopped() {
        Status::Stopped { reason, .. } => assert_eq!(reason, StopReason::Signal),
        _ => unreachable!(),
    }
}

#[test]
fn a_missing_interface_lists_those_that_exist() {
    if !privileged() {
        return;
    }
    let mut h = Helper::spawn(helper(&["-i", "nosuchif0", "-w", "/dev/null", "--status"]));
    assert_eq!(h.wait_exit(Duration::from_secs(3)).code(), Some(2));
    let (kind, message, available) = h.error();
    assert_eq!(kind, ErrorKind::NoSuchInterface, "{message}");
    assert!(available.iter().any(|a| a == "lo"), "{available:?}");
}

#[test]
fn a_bad_filter_is_refused_before_capture() {
    if !privileged() {
        return;
    }
    let path = temp_dir().join("bad-filter.pcapng");
    let _ = std::fs::remove_file(&path);
    let mut h = Helper::spawn(helper(&[
        "-i",
        "lo",
        "-f",
        "tcp port",
        "-w",
        path.to_str().unwrap(),
        "--status",
    ]));
    assert_eq!(h.wait_exit(Duration::from_secs(3)).code(), Some(2));
    let (kind, message, _) = h.error();
    assert_eq!(kind, ErrorKind::BadFilter, "{message}");
    assert!(!message.is_empty());
    assert!(!h.events().iter().any(is_started));
    // The file is not even created.
    assert!(!path.exists());
}

/// Whether every folder above `path` lets others in and the file lets them run it.
fn others_can_run(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.permissions().mode());
    mode(path) & 0o005 == 0o005 && path.ancestors().skip(1).all(|p| mode(p) & 0o001 != 0)
}

#[test]
fn an_unprivileged_user_is_told_the_fix() {
    if !privileged() {
        return;
    }
    let have_setpriv = Command::new("setpriv")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_setpriv {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI needs setpriv (util-linux) for this test");
        }
        eprintln!("skipped: setpriv (util-linux) is not installed");
        return;
    }
    let mut binary = PathBuf::from(HELPER);
    if !others_can_run(&binary) {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir().join("bin");
        std::fs::create_dir_all(&dir).expect("dir");
        let copy = dir.join("layerscope-capture");
        std::fs::copy(&binary, &copy).expect("copy");
        for p in [&temp_dir(), &dir, &copy] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        binary = copy;
    }
    let mut cmd = Command::new("setpriv");
    cmd.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
    ])
    .arg(&binary)
    .args(["-i", "lo", "-w", "/dev/null", "--status"])
    .stdin(Stdio::null())
    .stdout(Stdio::null());
    let mut h = Helper::spawn(cmd);
    assert_eq!(
        h.wait_exit(Duration::from_secs(3)).code(),
        Some(2),
        "{:?}",
        h.seen
    );
    let (kind, message, _) = h.error();
    assert_eq!(kind, ErrorKind::Permission, "{message}");
    assert!(
        message.contains("setcap cap_net_raw,cap_net_admin=eip"),
        "{message}"
    );
    let real = binary.canonicalize().expect("canonical path");
    assert!(message.contains(&real.display().to_string()), "{message}");
}

#[test]
fn a_killed_helper_leaves_a_readable_file() {
    if !privileged() {
        return;
    }
    let (_sink, port) = port();
    let filter = format!("udp port {port}");
    let path = temp_dir().join("killed.pcapng");
    let mut h = Helper::spawn(helper(&[
        "-i",
        "lo",
        "-f",
        &filter,
        "-w",
        path.to_str().unwrap(),
        "--status",
    ]));
    assert!(h.wait_event(Duration::from_secs(3), is_started).is_some());
    send(port, 10);
    // Flushed within 200 ms: wait until a reader sees packets.
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut seen = 0;
    while seen == 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
        seen = Capture::open(&path).map_or(0, |c| c.len());
    }
    assert!(seen >= 1, "no packet reached the file");
    send(port, 10);
    h.child.kill().expect("SIGKILL");
    let _ = h.wait_exit(Duration::from_secs(2));
    let cap = Capture::open(&path).expect("opens after SIGKILL");
    assert!(!cap.is_empty());
    for i in 0..cap.len() {
        let found = cap
            .data(i)
            .windows(MARK.len())
            .any(|w| w == MARK.as_bytes());
        assert!(found, "packet {i}");
    }
}
