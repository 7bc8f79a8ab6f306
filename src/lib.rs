//! layerscope: see network protocols at work.
//!
//! The library holds everything but the window; the CLI, the tests and the GUI
//! all drive it, so they cannot drift apart.
//!
//! - [`ids`]: typed ids shared by every layer (`PacketId`, `FlowId`).
//! - [`capture`]: open pcap/pcapng files (memory-mapped) and index every packet.
//! - [`dissect`]: stateless per-packet decoding: compact summaries for every
//!   packet, and the full field tree placed on the OSI model for one packet.
//! - [`store`]: a capture plus its summaries and flow table, built in one pass.
//! - [`analysis`]: stateful analysis over a whole capture (TCP conversations and
//!   handshakes).
//! - [`explain`]: a plain-language explanation of every field the tree shows
//!   (`layerscope explain`, the window's explanation panel).
//! - [`lessons`]: guided lessons, step by step over a capture (bundled and teachers' own).
//! - [`stats`]: counts over a whole capture (`layerscope stats`).
//! - [`export`]: text and JSON renderings of packets.
//! - [`filter`]: display filters (Wireshark syntax) over the field tree.
//! - [`story`]: per-conversation views for people: the conversation and session
//!   lists, a sequence-diagram ladder, chat transcripts, Follow TCP Stream.
//! - [`live`]: live capture through the capture helper (`layerscope-capture`), followed
//!   into the same store as a file.
//! - [`cli`]: the command line.
//! - `gui` (feature `gui`): the desktop inspector, the only module that knows egui.

pub mod analysis;
pub mod capture;
pub mod cli;
pub mod dissect;
pub mod explain;
pub mod export;
pub mod filter;
#[cfg(feature = "gui")]
pub mod gui;
pub mod ids;
pub mod lessons;
pub mod live;
pub mod stats;
pub mod store;
pub mod story;
