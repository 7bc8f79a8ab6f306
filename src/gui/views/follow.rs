//! Follow Stream: a conversation's reassembled bytes as text, the client's in
//! red and the server's in blue, like Wireshark's. Lines longer than the view
//! are wrapped at a whole number of characters, so every row is one monospace
//! line of the same height: only the rows on screen are read from the packets
//! and drawn. A click on a row selects the packet that carried it.

use egui::{Color32, RichText, Sense, TextStyle};

use super::job::{Built, Look, Tick};
use super::{conversation_is_large, waiting_ui, ConvAction, Frame};
use crate::ids::Direction;
use crate::store::Store;
use crate::story::{FollowIndex, FollowLine};

/// Follow Stream's colours for each side's bytes.
const FROM_CLIENT: Color32 = Color32::from_rgb(0xe0, 0x6c, 0x60);
const FROM_SERVER: Color32 = Color32::from_rgb(0x60, 0x9c, 0xe0);

/// Most bytes of a conversation Follow Stream lists (its index costs about
/// 16 bytes per line and 24 per segment; the bytes stay in the capture).
const FOLLOW_MAX: u64 = 64 << 20;

fn build(store: &Store, c: u32, tick: Tick<'_>) -> Option<FollowIndex> {
    FollowIndex::build(store, c, FOLLOW_MAX, tick)
}

#[derive(Default)]
pub struct FollowView {
    index: Built<u32, FollowIndex>,
    /// What `first_rows` is of: the conversation and the characters per row.
    shown: Option<(u32, u32)>,
    /// The first row of each line, then the number of rows.
    first_rows: Vec<u64>,
}

/// The first row of each line when rows are `cols` characters wide, then the
/// number of rows.
fn first_rows(lines: &[FollowLine], cols: u32) -> Vec<u64> {
    let mut out = Vec::with_capacity(lines.len() + 1);
    let mut row = 0u64;
    for l in lines {
        out.push(row);
        row += u64::from(l.len.div_ceil(cols).max(1));
    }
    out.push(row);
    out
}

impl FollowView {
    pub fn reset(&mut self) {
        self.index.reset();
        self.shown = None;
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, f: &Frame<'_>, c: u32) -> Option<ConvAction> {
        let large = conversation_is_large(f.store, c);
        let look = self.index.get(c, large, &f.stores(), ui.ctx(), build);
        if !waiting_ui(ui, &look, "stream") {
            return None;
        }
        let Look::Ready(ix) = look else {
            return None;
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("client → server").color(FROM_CLIENT));
            ui.label(RichText::new("server → client").color(FROM_SERVER));
            ui.label(RichText::new(format!("{} lines", ix.lines().len())).weak());
            if ix.truncated {
                ui.label(RichText::new(format!("first {} MiB shown", FOLLOW_MAX >> 20)).weak());
            }
            if ix.gaps > 0 {
                ui.label(RichText::new(format!("{} bytes never captured", ix.gaps)).weak());
            }
        });
        if ix.lines().is_empty() {
            ui.label("No payload bytes on this conversation.");
            return None;
        }
        let font = TextStyle::Monospace.resolve(ui.style());
        let char_w = ui.ctx().fonts_mut(|x| x.glyph_width(&font, 'x')).max(1.0);
        let row_h = ui.text_style_height(&TextStyle::Monospace);
        let cols = ((ui.available_width() - 20.0) / char_w).floor().max(16.0) as u32;
        if self.shown != Some((c, cols)) {
            self.shown = Some((c, cols));
            self.first_rows = first_rows(ix.lines(), cols);
        }
        let starts = &self.first_rows;
        let total = starts.last().copied().unwrap_or(0) as usize;
        let mut action = None;
        egui::ScrollArea::vertical()
            .id_salt(("follow", c))
            .auto_shrink([false, false])
            .show_rows(ui, row_h, total, |ui, range| {
                for r in range {
                    let r = r as u64;
                    let li = starts.partition_point(|&s| s <= r).saturating_sub(1);
                    let Some(l) = ix.lines().get(li) else {
                        break;
                    };
                    let from = ((r - starts[li]) as u32).saturating_mul(cols);
                    if let Some(p) = row_ui(ui, f.store, ix, l, from, cols) {
                        action = Some(ConvAction::SelectPacket(p));
                    }
                }
            });
        action
    }
}

/// Characters `from..from + cols` of line `l`; the packet that carried them when clicked.
fn row_ui(
    ui: &mut egui::Ui,
    store: &Store,
    ix: &FollowIndex,
    l: &FollowLine,
    from: u32,
    cols: u32,
) -> Option<u32> {
    let text = ix
        .text(store, l, from, from.saturating_add(cols))
        .replace('\t', " ");
    let color = match l.dir {
        Direction::FromClient => FROM_CLIENT,
        Direction::FromServer => FROM_SERVER,
    };
    let label = egui::Label::new(RichText::new(text).monospace().color(color))
        .extend()
        .sense(Sense::click());
    let at = l.start + u64::from(from);
    let r = ui.add(label).on_hover_ui(|ui| {
        if let Some(p) = ix.packet_at(at) {
            ui.label(format!("Packet {} (click to select it)", p + 1));
        }
    });
    if r.clicked() {
        return ix.packet_at(at);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_take_several_rows_and_empty_ones_one() {
        let line = |len| FollowLine {
            start: 0,
            len,
            dir: Direction::FromClient,
        };
        let lines = [line(0), line(10), line(11), line(25)];
        assert_eq!(first_rows(&lines, 10), [0, 1, 2, 4, 7]);
        assert_eq!(first_rows(&[], 10), [0]);
    }
}
