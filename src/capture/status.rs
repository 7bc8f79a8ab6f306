//! Placeholder until the helper branch lands (same shape as the spec).
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IfStats {
    pub received: u64,
    pub dropped: u64,
    pub if_dropped: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedIface {
    pub name: String,
    pub link_type: u16,
    pub snaplen: u32,
    pub filter: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IfaceStats {
    pub name: String,
    #[serde(flatten)]
    pub stats: IfStats,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Status {
    Started {
        interfaces: Vec<StartedIface>,
        file: String,
    },
    Stats {
        ts_ns: i64,
        packets: u64,
        bytes: u64,
        file_bytes: u64,
        interfaces: Vec<IfaceStats>,
    },
    Error {
        kind: ErrorKind,
        interface: Option<String>,
        message: String,
        available: Vec<String>,
    },
    Stopped {
        reason: StopReason,
        packets: u64,
        dropped: u64,
        if_dropped: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Permission,
    NoSuchInterface,
    BadFilter,
    InterfaceDown,
    Io,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    Count,
    Duration,
    Filesize,
    Packets,
    Signal,
    Stdin,
    Error,
}

impl Status {
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
    pub fn parse_line(line: &str) -> Option<Status> {
        serde_json::from_str(line).ok()
    }
}
