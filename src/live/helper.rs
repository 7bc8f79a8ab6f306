//! Starting the capture helper, reading what it reports, and stopping it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::capture::status::{ErrorKind, Status};

/// The helper's file name (next to `layerscope`, or on `PATH`).
pub const HELPER_NAME: &str = "layerscope-capture";

/// Environment variable naming the helper to run instead of looking for it.
pub const HELPER_ENV: &str = "LAYERSCOPE_CAPTURE";

/// How long the helper has to stop by itself before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// What to capture, with dumpcap's options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Interfaces by name (several go into one file).
    pub interfaces: Vec<String>,
    /// BPF capture filter.
    pub filter: Option<String>,
    /// Bytes kept of each packet.
    pub snaplen: u32,
    /// Put the interfaces in promiscuous mode.
    pub promisc: bool,
    /// Kernel buffer, MiB.
    pub buffer_mib: u32,
    /// Stop after this many packets.
    pub count: Option<u64>,
    /// dumpcap's autostop conditions: `duration:SEC`, `filesize:KB`, `packets:N`.
    pub autostop: Vec<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            interfaces: Vec::new(),
            filter: None,
            snaplen: 262_144,
            promisc: true,
            buffer_mib: 2,
            count: None,
            autostop: Vec::new(),
        }
    }
}

impl Options {
    /// The helper's arguments for these options (without `-w` and the status flags).
    pub fn args(&self) -> Vec<String> {
        let mut a = Vec::new();
        for i in &self.interfaces {
            a.extend(["-i".to_string(), i.clone()]);
        }
        if let Some(f) = self.filter.as_ref().filter(|f| !f.trim().is_empty()) {
            a.extend(["-f".to_string(), f.clone()]);
        }
        a.extend(["-s".to_string(), self.snaplen.to_string()]);
        if !self.promisc {
            a.push("-p".into());
        }
        a.extend(["-B".to_string(), self.buffer_mib.to_string()]);
        if let Some(c) = self.count {
            a.extend(["-c".to_string(), c.to_string()]);
        }
        for s in &self.autostop {
            a.extend(["-a".to_string(), s.clone()]);
        }
        a
    }
}

/// Where the helper writes the capture.
#[derive(Clone, Debug)]
pub enum Output {
    /// A pcapng file (a spool to follow, or the user's own `-w FILE`).
    File(PathBuf),
    /// pcapng on our own standard output (`-w -`).
    Stdout,
}

/// Why a capture could not start or went wrong.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(
        "the capture helper `{HELPER_NAME}` was not found (looked in {}); build it with `cargo build --release` (it is built with the `live` feature) or install it with `cargo install --path . --bins`, or name it in {HELPER_ENV}",
        looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NotFound { looked: Vec<PathBuf> },
    #[error("cannot start the capture helper {path}: {source}")]
    Spawn {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// What the helper reported (its message says what to do).
    #[error("{message}")]
    Helper {
        kind: ErrorKind,
        interface: Option<String>,
        message: String,
        available: Vec<String>,
    },
    #[error("the capture helper ended without saying why ({0})")]
    Exited(String),
    #[error("the capture helper did not start within {0:?}")]
    Timeout(Duration),
}

impl LiveError {
    /// A helper error of `kind`, for the caller to say what to do.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            LiveError::Helper { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

/// What the helper said.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Status(Status),
    /// A line of its standard error that is not a status line.
    Text(String),
    /// Its standard error closed: it has ended (or is about to).
    Closed,
}

/// A running capture helper.
pub struct Helper {
    child: Child,
    stdin: Option<ChildStdin>,
    events: Receiver<Event>,
    /// The program that was started.
    pub path: PathBuf,
}

impl Helper {
    /// Finds the helper: [`HELPER_ENV`], next to the running program (or one folder up, as
    /// for test binaries in `target/debug/deps`), then `PATH`.
    pub fn locate() -> Result<PathBuf, LiveError> {
        if let Some(p) = std::env::var_os(HELPER_ENV).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(p));
        }
        let mut looked = Vec::new();
        if let Ok(exe) = std::env::current_exe() {
            for dir in exe.ancestors().skip(1).take(2) {
                looked.push(dir.join(HELPER_NAME));
            }
        }
        if let Some(path) = std::env::var_os("PATH") {
            looked.extend(std::env::split_paths(&path).map(|d| d.join(HELPER_NAME)));
        }
        match looked.iter().find(|p| p.is_file()) {
            Some(p) => Ok(p.clone()),
            None => Err(LiveError::NotFound { looked }),
        }
    }

    /// Starts the helper on `opts`, writing to `out`. Returns at once; its first event is
    /// `Started` or an `Error` ([`Helper::started`] waits for it).
    pub fn spawn(opts: &Options, out: &Output) -> Result<Helper, LiveError> {
        let path = Self::locate()?;
        Self::spawn_at(&path, opts, out)
    }

    /// [`Helper::spawn`] with the helper at `path`.
    pub fn spawn_at(path: &Path, opts: &Options, out: &Output) -> Result<Helper, LiveError> {
        let mut cmd = Command::new(path);
        cmd.args(opts.args()).args(["--status", "--stop-on-stdin"]);
        match out {
            Output::File(f) => {
                cmd.arg("-w").arg(f).stdout(Stdio::null());
            }
            Output::Stdout => {
                cmd.args(["-w", "-"]).stdout(Stdio::inherit());
            }
        }
        cmd.stdin(Stdio::piped()).stderr(Stdio::piped());
        // Its own process group: Ctrl+C in a terminal reaches us, and we stop it through
        // its standard input, so the file always ends with its statistics.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let spawn_err = |source| LiveError::Spawn {
            path: path.to_path_buf(),
            source,
        };
        let mut child = cmd.spawn().map_err(spawn_err)?;
        let stdin = child.stdin.take();
        let stderr = child.stderr.take();
        let (tx, rx) = channel();
        if let Some(stderr) = stderr {
            let reader = std::thread::Builder::new()
                .name("layerscope-capture-status".into())
                .spawn(move || {
                    for line in BufReader::new(stderr).lines() {
                        let Ok(line) = line else { break };
                        let ev = match Status::parse_line(&line) {
                            Some(s) => Event::Status(s),
                            None => Event::Text(line),
                        };
                        if tx.send(ev).is_err() {
                            return;
                        }
                    }
                    let _ = tx.send(Event::Closed);
                });
            if let Err(e) = reader {
                let _ = child.kill();
                let _ = child.wait();
                return Err(spawn_err(e));
            }
        }
        Ok(Helper {
            child,
            stdin,
            events: rx,
            path: path.to_path_buf(),
        })
    }

    /// Waits (up to `timeout`) for the helper to say it is capturing; an error it reports
    /// first is returned, with its message.
    pub fn started(&mut self, timeout: Duration) -> Result<Status, LiveError> {
        let deadline = Instant::now() + timeout;
        let mut text = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(Event::Status(s @ Status::Started { .. })) => return Ok(s),
                Ok(Event::Status(Status::Error {
                    kind,
                    interface,
                    message,
                    available,
                })) => {
                    self.wait_for(STOP_GRACE);
                    return Err(LiveError::Helper {
                        kind,
                        interface,
                        message,
                        available,
                    });
                }
                Ok(Event::Status(_)) => {}
                Ok(Event::Text(t)) => text.push(t),
                Ok(Event::Closed) | Err(RecvTimeoutError::Disconnected) => {
                    let status = self.wait_for(STOP_GRACE);
                    let why = match (text.is_empty(), status) {
                        (false, _) => text.join("; "),
                        (true, Some(s)) => s.to_string(),
                        (true, None) => "still running".into(),
                    };
                    return Err(LiveError::Exited(why));
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.kill();
                    return Err(LiveError::Timeout(timeout));
                }
            }
        }
    }

    /// The next event, if one is waiting.
    pub fn try_event(&self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// The next event, waiting up to `timeout`.
    pub fn event_timeout(&self, timeout: Duration) -> Option<Event> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Asks the helper to stop (it writes its last statistics and closes the file).
    pub fn stop(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"stop\n");
            let _ = stdin.flush();
        }
    }

    /// Its exit status, if it has ended.
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits up to `timeout` for it to end; kills it after that.
    pub fn wait_for(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(s) = self.try_exit() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.kill();
        self.try_exit()
    }

    /// Ends it now (the file keeps what it had written).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        if self.try_exit().is_none() {
            self.stop();
            self.wait_for(STOP_GRACE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_become_dumpcap_arguments() {
        let o = Options {
            interfaces: vec!["lo".into(), "eth0".into()],
            filter: Some("tcp port 80".into()),
            snaplen: 1500,
            promisc: false,
            buffer_mib: 8,
            count: Some(50),
            autostop: vec!["duration:10".into()],
        };
        let want = [
            "-i",
            "lo",
            "-i",
            "eth0",
            "-f",
            "tcp port 80",
            "-s",
            "1500",
            "-p",
            "-B",
            "8",
            "-c",
            "50",
            "-a",
            "duration:10",
        ];
        assert_eq!(o.args(), want);
        let blank = Options {
            filter: Some("  ".into()),
            ..Options::default()
        };
        assert_eq!(blank.args(), ["-s", "262144", "-B", "2"]);
    }

    #[test]
    fn a_missing_helper_says_where_it_looked_and_what_to_do() {
        let err = Helper::spawn_at(
            Path::new("/nonexistent/layerscope-capture"),
            &Options::default(),
            &Output::Stdout,
        )
        .err()
        .expect("cannot start");
        assert!(matches!(err, LiveError::Spawn { .. }), "{err:?}");
        let nf = LiveError::NotFound {
            looked: vec![PathBuf::from("/a/layerscope-capture")],
        };
        let msg = nf.to_string();
        assert!(
            msg.contains("/a/layerscope-capture") && msg.contains("cargo"),
            "{msg}"
        );
    }

    /// A helper that dies without a word is an error that says what it printed.
    #[cfg(unix)]
    #[test]
    fn a_helper_that_ends_at_once_is_an_error_with_its_words() {
        let dir = std::env::temp_dir().join(format!("ls-helper-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fake = dir.join("fake-capture");
        std::fs::write(&fake, "#!/bin/sh\necho 'no luck here' >&2\nexit 2\n").unwrap();
        let mut perms = std::fs::metadata(&fake).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&fake, perms).unwrap();
        let mut h = Helper::spawn_at(&fake, &Options::default(), &Output::Stdout).unwrap();
        let err = h.started(Duration::from_secs(5)).unwrap_err();
        assert!(err.to_string().contains("no luck here"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
