//! Worked computations for one packet, step by step, for a classroom: what a
//! receiver computes from the bytes, with every intermediate value shown.
//!
//! - [`seq`]: TCP sequence and acknowledgment numbers (ISN, relative against
//!   absolute, why a SYN and a FIN take one sequence number, what the ACK means).
//! - [`accept`]: the WebSocket `Sec-WebSocket-Accept` (key, GUID, SHA-1, base64,
//!   compared with what the server sent).
//! - [`mask`]: unmasking a client frame (the key, byte XOR key, the text).
//! - [`deflate`]: a permessage-deflate message inflated (the `00 00 ff ff` tail,
//!   context takeover).
//! - [`sio`]: an Engine.IO / Socket.IO packet taken apart (type digits, namespace,
//!   ack id, event and arguments, binary placeholders and their attachments).
//!
//! Everything is computed again from the packet's bytes and the analysis records
//! (with the analysis' own functions: `websocket_accept`'s SHA-1, `unmask`, the
//! `Inflater`), never read from display text. A step's bytes are named as a field's
//! are: a [`Src`] and a range in the tree [`Store::dissect`] gives for the packet
//! (the frame, or one of its derived buffers), so the window can highlight them.

pub mod accept;
pub mod deflate;
pub mod mask;
pub mod seq;
pub mod sio;
pub mod text;

use crate::dissect::fmt::thousands;
use serde::Serialize;

use crate::dissect::{Dissection, Src};
use crate::store::{PacketId, Store};

/// A byte range `[start, end)` in a [`Src`].
pub type Range = [u32; 2];

/// Which computation a [`Worked`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Seq,
    Accept,
    Unmask,
    Deflate,
    SocketIo,
}

/// One computation: a title and its steps, in order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Worked {
    pub kind: Kind,
    pub title: String,
    pub steps: Vec<Step>,
}

/// One step: a short sentence, and optionally the value it gives (shown in
/// monospace), the bytes it reads, and whether a check it makes passed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    pub text: String,
    pub value: Option<Shown>,
    /// The bytes this step is about, in the packet's tree ([`Store::dissect`]).
    pub at: Option<(Src, Range)>,
    /// A comparison this step makes (the Accept sent against the one computed).
    pub check: Option<bool>,
}

/// A value, shown in monospace.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shown {
    /// One value (hex, a number, text), possibly on several lines.
    Mono(String),
    /// Rows of cells, the first row the header.
    Table(Vec<Vec<String>>),
}

impl Step {
    pub fn new(text: impl Into<String>) -> Step {
        Step {
            text: text.into(),
            value: None,
            at: None,
            check: None,
        }
    }

    /// The step with `value` shown in monospace.
    pub fn value(mut self, value: impl Into<String>) -> Step {
        self.value = Some(Shown::Mono(value.into()));
        self
    }

    pub fn table(mut self, rows: Vec<Vec<String>>) -> Step {
        self.value = Some(Shown::Table(rows));
        self
    }

    /// The step about the bytes `at`, when known.
    pub fn at(mut self, at: Option<(Src, Range)>) -> Step {
        self.at = at;
        self
    }

    pub fn check(mut self, ok: bool) -> Step {
        self.check = Some(ok);
        self
    }
}

/// Most bytes shown as hex in one value (the rest is counted, not shown).
pub const MAX_HEX_SHOWN: usize = 48;
/// Most characters of a text shown in one value.
pub const MAX_TEXT_SHOWN: usize = 400;

/// The worked computations that apply to `packet`, lowest layer first; none for a
/// packet the store does not have.
pub fn worked(store: &Store, packet: PacketId) -> Vec<Worked> {
    match store.dissect(packet) {
        Some(d) => worked_with(store, packet, &d),
        None => Vec::new(),
    }
}

/// [`worked`] for a packet whose tree `d` ([`Store::dissect`]) is already at hand.
pub fn worked_with(store: &Store, packet: PacketId, d: &Dissection) -> Vec<Worked> {
    if packet.index() >= store.len() {
        return Vec::new();
    }
    let shown = d.derived.len();
    let mut d = d.clone();
    let mut out = Vec::new();
    out.extend(seq::worked(store, packet, &d));
    out.extend(accept::worked(store, packet, &d));
    out.extend(mask::worked(store, packet, &mut d));
    out.extend(deflate::worked(store, packet, &mut d));
    out.extend(sio::worked(store, packet, &mut d));
    // Steps point only at bytes the packet's tree shows (a buffer made here alone
    // would be a tab the window does not have), and never past their end (a
    // message cut by the capture or a limit is shorter than its length says).
    let frame_len = store.capture.data(packet.index()).len();
    let len_of = |src: Src| match src {
        Src::Frame => Some(frame_len),
        Src::Derived(i) if usize::from(i) < shown => {
            d.derived.get(usize::from(i)).map(|b| b.bytes.len())
        }
        Src::Derived(_) | Src::Generated => None,
    };
    for w in &mut out {
        for s in &mut w.steps {
            let fits = s.at.is_some_and(|(src, [a, b])| {
                len_of(src).is_some_and(|len| a < b && b as usize <= len)
            });
            if !fits {
                s.at = None;
            }
        }
    }
    out
}

/// `bytes` as spaced hex (`de ad be ef`), at most `max` bytes, then how many more.
pub fn spaced_hex(bytes: &[u8], max: usize) -> String {
    let mut s: Vec<String> = bytes.iter().take(max).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > max {
        s.push(format!("… ({} bytes in all)", bytes.len()));
    }
    s.join(" ")
}

/// `text` for a value: control characters escaped, cut after [`MAX_TEXT_SHOWN`].
pub fn shown_text(text: &str) -> String {
    crate::dissect::fmt::one_line(text, MAX_TEXT_SHOWN)
}

/// Bytes as text when they are UTF-8 (a prefix cut inside a character too), else as hex.
pub fn text_or_hex(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(t) => format!("\"{}\"", shown_text(t)),
        Err(e) if e.error_len().is_none() && e.valid_up_to() > 0 => {
            let t = String::from_utf8_lossy(&bytes[..e.valid_up_to()]);
            format!("\"{}…", shown_text(&t))
        }
        Err(_) => spaced_hex(bytes, MAX_HEX_SHOWN),
    }
}

/// The bytes of the first field named `name` in the tree, if it has any.
pub fn field_place(d: &Dissection, name: &str) -> Option<(Src, Range)> {
    d.layers
        .iter()
        .find_map(|l| l.find(name))
        .filter(|f| f.src != Src::Generated)
        .map(|f| (f.src, f.range))
}

/// Where `needle` sits inside the bytes `at` of the tree (frame bytes `frame`): a
/// header's value inside its line.
pub fn find_in(
    d: &Dissection,
    frame: &[u8],
    at: Option<(Src, Range)>,
    needle: &[u8],
) -> Option<(Src, Range)> {
    let (src, [a, b]) = at?;
    let buf: &[u8] = match src {
        Src::Frame => frame,
        Src::Derived(i) => &d.derived.get(usize::from(i))?.bytes,
        Src::Generated => return None,
    };
    let hay = buf.get(a as usize..b as usize)?;
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    let i = hay.windows(needle.len()).position(|w| w == needle)? as u32;
    Some((src, [a + i, a + i + needle.len() as u32]))
}

#[cfg(test)]
mod tests;
