//! Unmasking a client's WebSocket frame (RFC 6455 §5.3): the masking key, the
//! first bytes XOR the key, the text that results.

use super::{spaced_hex, text_or_hex, Kind, Range, Step, Worked};
use crate::analysis::upper::WsFrame;
use crate::analysis::websocket::{frame::OP_TEXT, opcode_name, unmask};
use crate::dissect::{Dissection, Src};
use crate::store::{PacketId, Store};

/// Bytes of a frame's payload unmasked for the worked view: enough for the table
/// and the text shown ([`super::MAX_TEXT_SHOWN`] characters of up to 4 bytes each).
pub const MAX_UNMASKED: usize = 4 * super::MAX_TEXT_SHOWN;
/// Rows of the byte-by-byte table.
pub const TABLE_ROWS: usize = 8;

/// What the computation reads of one masked frame.
#[derive(Clone, Debug, Default)]
pub struct Masked<'a> {
    pub key: [u8; 4],
    /// The payload as sent (a prefix of it, at most [`MAX_UNMASKED`] bytes).
    pub masked: &'a [u8],
    /// The whole payload's length.
    pub len: u64,
    pub opcode: u8,
    /// The message is compressed (its unmasked bytes are still DEFLATE).
    pub compressed: bool,
    pub key_at: Option<(Src, Range)>,
    pub masked_at: Option<(Src, Range)>,
    pub result_at: Option<(Src, Range)>,
}

/// The unmasking of each masked frame that ends at packet `id`.
pub fn worked(store: &Store, id: PacketId, d: &mut Dissection) -> Vec<Worked> {
    let up = &store.analysis.upper;
    let frames: Vec<WsFrame> = up
        .frames_at(id.0)
        .filter(|(_, f)| f.end_packet == id.0 && f.mask.is_some())
        .map(|(_, f)| *f)
        .collect();
    let mut out = Vec::new();
    for f in frames {
        let Some(key) = f.mask else { continue };
        let Some(msg) = up.ws_messages.get(f.message as usize) else {
            continue;
        };
        let want = usize::try_from(f.payload_len).map_or(MAX_UNMASKED, |l| l.min(MAX_UNMASKED));
        let masked = store.stream_bytes((f.payload_start.0, f.end_packet), f.payload_start.1, want);
        let key_at = store
            .ws_header_place(id, &f, d)
            .map(|p| p.at(u32::from(f.header_len).saturating_sub(4), 4));
        let pl_off = store.summary(id).map_or(0, |s| u32::from(s.payload_off));
        let masked_at = (f.payload_start.0 == id.0).then(|| {
            let a = pl_off + f.payload_start.1;
            (Src::Frame, [a, a + masked.len() as u32])
        });
        let result_at = (!msg.compressed)
            .then(|| {
                let before: u64 = up
                    .frames_of(f.message)
                    .take_while(|(_, g)| g.start != f.start)
                    .map(|(_, g)| g.payload_len)
                    .sum();
                let place = store.ws_payload_place(id, f.message, d)?;
                Some(place.at(u32::try_from(before).ok()?, masked.len() as u32))
            })
            .flatten();
        out.push(of(&Masked {
            key,
            masked: &masked,
            len: f.payload_len,
            opcode: f.opcode,
            compressed: msg.compressed,
            key_at,
            masked_at,
            result_at,
        }));
    }
    out
}

/// The steps for one frame.
pub fn of(m: &Masked) -> Worked {
    let mut plain = m.masked.to_vec();
    unmask(&mut plain, m.key, 0);
    let mut steps = vec![Step::new(
        "A client must mask every frame it sends (RFC 6455 §5.3): the Mask bit is set, and a 4-byte masking key, new for each frame, follows the payload length.",
    )
    .value(spaced_hex(&m.key, 4))
    .at(m.key_at)];
    if m.len == 0 {
        steps.push(Step::new(
            "The payload is empty: there is nothing to unmask.",
        ));
        return titled(m, steps);
    }
    steps.push(
        Step::new(format!(
            "The {} payload bytes as they travel, masked: unreadable on the wire.",
            m.len
        ))
        .value(spaced_hex(m.masked, super::MAX_HEX_SHOWN))
        .at(m.masked_at),
    );
    steps.push(
        Step::new("Byte i of the payload is XORed with byte i mod 4 of the key: key[0], key[1], key[2], key[3], then key[0] again. The first bytes:")
            .table(table(m.masked, &plain, m.key)),
    );
    let (b, k) = (m.masked[0], m.key[0]);
    steps.push(
        Step::new("XOR works bit by bit (1 where the bits differ). The first byte in binary:")
            .value(format!("{b:08b} XOR {k:08b} = {:08b}", b ^ k)),
    );
    steps.push(result_step(m, &plain));
    steps.push(Step::new(
        "Why mask? The key is chosen by the browser, not by the page's script, so a script cannot make the client send bytes that an old proxy would take for an HTTP request of its own (RFC 6455 §10.3). Servers never mask.",
    ));
    titled(m, steps)
}

fn titled(m: &Masked, steps: Vec<Step>) -> Worked {
    Worked {
        kind: Kind::Unmask,
        title: format!("Unmasking a client {} frame", opcode_name(m.opcode)),
        steps,
    }
}

/// `i | masked | key[i mod 4] | = unmasked | character`, for the first [`TABLE_ROWS`] bytes.
fn table(masked: &[u8], plain: &[u8], key: [u8; 4]) -> Vec<Vec<String>> {
    let mut rows = vec![["i", "masked", "key", "= byte", "char"]
        .map(String::from)
        .to_vec()];
    for (i, (&b, &p)) in masked.iter().zip(plain).take(TABLE_ROWS).enumerate() {
        let ch = if p.is_ascii_graphic() || p == b' ' {
            format!("'{}'", p as char)
        } else {
            String::new()
        };
        rows.push(vec![
            i.to_string(),
            format!("{b:02x}"),
            format!("{:02x}", key[i % 4]),
            format!("{p:02x}"),
            ch,
        ]);
    }
    rows
}

/// The payload unmasked.
fn result_step(m: &Masked, plain: &[u8]) -> Step {
    let cut = if (plain.len() as u64) < m.len {
        format!(" (the first {} shown)", plain.len())
    } else {
        String::new()
    };
    let text = if m.compressed {
        format!("All the bytes unmasked{cut}. They are still compressed (RSV1, permessage-deflate): inflating them gives the message.")
    } else if m.opcode == OP_TEXT {
        format!("All the bytes unmasked{cut}: the UTF-8 text of the frame.")
    } else {
        format!("All the bytes unmasked{cut}.")
    };
    let value = if m.compressed {
        spaced_hex(plain, super::MAX_HEX_SHOWN)
    } else {
        text_or_hex(plain)
    };
    Step::new(text).value(value).at(m.result_at)
}
