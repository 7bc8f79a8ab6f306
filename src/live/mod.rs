//! Live capture as the window and the command line see it. Neither opens a capture device:
//! they start the capture helper (`layerscope-capture`, the one part of the product that
//! needs privileges, as dumpcap is Wireshark's), which writes pcapng to a spool file and
//! reports on its standard error ([`crate::capture::status`]). They follow the spool
//! ([`crate::capture::Capture::follow`]) into the same store, summaries and analysis as a
//! file, packet by packet: only the index and summaries are in memory, the bytes stay in the
//! file, and a capture killed half-way is still a capture on disk.

pub mod devices;
pub mod helper;
pub mod rates;
pub mod spool;

pub use helper::{Event, Helper, LiveError, Options, Output};
