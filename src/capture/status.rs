//! The status protocol of the capture helper (`layerscope-capture --status`): one JSON
//! object per line on its standard error, written by the helper and read by the process
//! that started it.
//!
//! The order of events: `started` once the interfaces are open, the filters set and the
//! file header written; `stats` every second; `error` when something goes wrong;
//! `stopped` last. An `error` before `started` (permission, no such interface, bad filter,
//! cannot write the file) ends the run with no `stopped` line (exit code 2).

use super::ngwrite::IfStats;
use serde::{Deserialize, Serialize};

/// One status event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Status {
    /// Capture has begun; the file holds its section and interface headers.
    Started {
        /// The interfaces in pcapng interface id order.
        interfaces: Vec<StartedIface>,
        /// The output file as given (`-` for standard output).
        file: String,
    },
    /// Counters, every second.
    Stats {
        /// When, in nanoseconds since the epoch.
        ts_ns: i64,
        /// Packets written to the file.
        packets: u64,
        /// Captured bytes of those packets.
        bytes: u64,
        /// Size of the file so far.
        file_bytes: u64,
        /// libpcap's counters per interface.
        interfaces: Vec<IfaceStats>,
    },
    /// Something went wrong.
    Error {
        /// What kind of trouble.
        kind: ErrorKind,
        /// The interface concerned, if one is.
        interface: Option<String>,
        /// The message for a person (libpcap's own words included).
        message: String,
        /// For [`ErrorKind::NoSuchInterface`]: the interfaces that exist.
        available: Vec<String>,
    },
    /// Capture has ended and the file is complete; always the last line after `started`.
    Stopped {
        /// Why it ended.
        reason: StopReason,
        /// Packets written to the file.
        packets: u64,
        /// Packets dropped by the kernel, over all interfaces.
        dropped: u64,
        /// Packets dropped by the interfaces, over all interfaces.
        if_dropped: u64,
    },
}

/// An interface as capture started on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedIface {
    /// Interface name.
    pub name: String,
    /// `LINKTYPE_*` of its packets.
    pub link_type: u16,
    /// Most bytes captured per packet.
    pub snaplen: u32,
    /// The capture filter, if any.
    pub filter: Option<String>,
}

/// One interface's counters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IfaceStats {
    /// Interface name.
    pub name: String,
    /// Its counters (flattened: `received`, `dropped`, `if_dropped`).
    #[serde(flatten)]
    pub stats: IfStats,
}

/// The kind of an [`Status::Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Not allowed to capture (needs root or `CAP_NET_RAW`).
    Permission,
    /// The interface does not exist.
    NoSuchInterface,
    /// The capture filter does not compile.
    BadFilter,
    /// The interface went down or away during capture.
    InterfaceDown,
    /// The output file cannot be written.
    Io,
    /// Anything else libpcap reports.
    Other,
}

/// Why a capture stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// `-c COUNT` reached.
    Count,
    /// `-a duration:SEC` reached.
    Duration,
    /// `-a filesize:KB` reached.
    Filesize,
    /// `-a packets:N` reached.
    Packets,
    /// SIGINT or SIGTERM.
    Signal,
    /// `stop` or end of file on standard input (`--stop-on-stdin`).
    Stdin,
    /// An error (reported by an `error` event before).
    Error,
}

impl Status {
    /// The event as one line of JSON, without the newline.
    pub fn to_line(&self) -> String {
        // Serializing these plain types cannot fail; a fallback keeps the line valid JSON.
        serde_json::to_string(self).unwrap_or_else(|e| {
            let msg = serde_json::to_string(&e.to_string()).unwrap_or_default();
            format!(r#"{{"event":"error","kind":"other","interface":null,"message":{msg},"available":[]}}"#)
        })
    }

    /// Reads one line (surrounding white space allowed); `None` if it is not a status event
    /// (for instance a message libpcap or the system printed on standard error).
    pub fn parse_line(line: &str) -> Option<Status> {
        serde_json::from_str(line.trim()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Status> {
        vec![
            Status::Started {
                interfaces: vec![StartedIface {
                    name: "lo".into(),
                    link_type: 1,
                    snaplen: 262_144,
                    filter: Some("udp port 53".into()),
                }],
                file: "-".into(),
            },
            Status::Stats {
                ts_ns: 1_700_000_000_000_000_001,
                packets: 3,
                bytes: 300,
                file_bytes: 512,
                interfaces: vec![IfaceStats {
                    name: "lo".into(),
                    stats: IfStats {
                        received: 4,
                        dropped: 1,
                        if_dropped: 0,
                    },
                }],
            },
            Status::Error {
                kind: ErrorKind::NoSuchInterface,
                interface: Some("nosuchif0".into()),
                message: "no \"such\" device\nat all".into(),
                available: vec!["lo".into(), "any".into()],
            },
            Status::Stopped {
                reason: StopReason::Stdin,
                packets: 3,
                dropped: 1,
                if_dropped: 0,
            },
        ]
    }

    #[test]
    fn every_event_round_trips_on_one_line() {
        for s in all() {
            let line = s.to_line();
            assert!(!line.contains('\n'), "{line}");
            assert_eq!(Status::parse_line(&line), Some(s.clone()), "{line}");
            assert_eq!(Status::parse_line(&format!("  {line}\r\n")), Some(s));
        }
    }

    #[test]
    fn the_wire_format_is_flat_and_snake_case() {
        let lines: Vec<String> = all().iter().map(Status::to_line).collect();
        assert!(lines[0].starts_with(r#"{"event":"started","interfaces":[{"name":"lo","#));
        assert!(lines[1].contains(r#"{"name":"lo","received":4,"dropped":1,"if_dropped":0}"#));
        assert!(lines[2].contains(r#""kind":"no_such_interface""#));
        assert_eq!(
            lines[3],
            r#"{"event":"stopped","reason":"stdin","packets":3,"dropped":1,"if_dropped":0}"#
        );
        let kinds = [
            (ErrorKind::Permission, "permission"),
            (ErrorKind::BadFilter, "bad_filter"),
            (ErrorKind::InterfaceDown, "interface_down"),
            (ErrorKind::Io, "io"),
            (ErrorKind::Other, "other"),
        ];
        for (k, name) in kinds {
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{name}\""));
        }
    }

    #[test]
    fn other_lines_are_not_events() {
        for line in [
            "",
            "Capturing on 'lo'",
            "{}",
            r#"{"event":"exploded"}"#,
            r#"{"event":"stopped","reason":"boredom","packets":0,"dropped":0,"if_dropped":0}"#,
            "\u{0}\u{ffff}",
        ] {
            assert_eq!(Status::parse_line(line), None, "{line:?}");
        }
    }
}
