//! The bytes of the selected packet: hex and ASCII, each layer's bytes tinted
//! in its layer's colour, the selected field's bytes highlighted; clicking a
//! byte selects the innermost field that covers it. Tabs show derived bytes
//! (a WebSocket message unmasked, joined and inflated) next to the frame.

use egui::{Color32, RichText, TextFormat};

use super::details::FieldPath;
use super::theme::osi_color;
use crate::dissect::{Dissection, Field, Src};

/// The innermost field covering byte `at` of the bytes `src` (the frame or a
/// derived buffer): its path and range.
pub fn field_at(d: &Dissection, src: Src, at: u32) -> Option<(FieldPath, [u32; 2])> {
    let mut best: Option<(FieldPath, [u32; 2])> = None;
    type Best = Option<(FieldPath, [u32; 2])>;
    fn walk(fs: &[Field], path: &mut FieldPath, (src, at): (Src, u32), best: &mut Best) {
        for (i, f) in fs.iter().enumerate() {
            path.push(i);
            let [a, b] = f.range;
            if f.src == src && a <= at && at < b {
                let better = best.as_ref().is_none_or(|(p, r)| {
                    let (w, bw) = (b - a, r[1] - r[0]);
                    w < bw || (w == bw && path.len() >= p.len())
                });
                if better {
                    *best = Some((path.clone(), f.range));
                }
            }
            walk(&f.children, path, (src, at), best);
            path.pop();
        }
    }
    for (li, l) in d.layers.iter().enumerate() {
        let mut path = vec![li];
        walk(&l.fields, &mut path, (src, at), &mut best);
    }
    best
}

/// The colour tint of byte `at`: the innermost (highest, then narrowest) layer covering it.
fn tint(d: &Dissection, at: u32) -> Option<Color32> {
    d.layers
        .iter()
        .filter(|l| l.range[0] <= at && at < l.range[1])
        .max_by_key(|l| (l.osi as u8, u32::MAX - (l.range[1] - l.range[0])))
        .map(|l| osi_color(l.osi))
}

/// Draw `data` as hex + ASCII, 16 bytes a line. `d` tints the bytes (frame
/// bytes only); `selected` is highlighted; `hidden` bytes (a lesson's question asks
/// for them) are shown as `??`. Returns the byte clicked.
pub fn hex_ui(
    ui: &mut egui::Ui,
    data: &[u8],
    d: Option<&Dissection>,
    selected: Option<[u32; 2]>,
    hidden: Option<[u32; 2]>,
) -> Option<u32> {
    let mut clicked = None;
    let dark = ui.visuals().dark_mode;
    let mono = egui::TextStyle::Monospace.resolve(ui.style());
    let line_h = ui.text_style_height(&egui::TextStyle::Monospace) + 2.0;
    let lines = data.len().div_ceil(16);
    let mut area = egui::ScrollArea::both()
        .id_salt("hex")
        .min_scrolled_height(0.0)
        .auto_shrink([false, false]);
    // A newly selected range is scrolled into view, as Wireshark's bytes pane does (a
    // field deep in a large packet was out of sight in a pane a few lines high).
    let seen = ui.make_persistent_id("hex_selected");
    let before = ui.data(|m| m.get_temp::<Option<[u32; 2]>>(seen));
    ui.data_mut(|m| m.insert_temp(seen, selected));
    if let (Some([a, _]), true) = (selected, before != Some(selected)) {
        let state = egui::scroll_area::State::load(ui.ctx(), ui.make_persistent_id("hex"));
        let top = state.map_or(0.0, |s| s.clamped_offset().y);
        let stride = line_h + ui.spacing().item_spacing.y;
        let view = ui.available_height() - ui.spacing().scroll.bar_width;
        if let Some(y) = reveal(a as usize / 16, stride, top, view) {
            area = area.vertical_scroll_offset(y);
        }
    }
    area.show_rows(ui, line_h, lines, |ui, range| {
        for line in range {
            let start = line * 16;
            let chunk = &data[start..(start + 16).min(data.len())];
            let mut job = egui::text::LayoutJob::default();
            let plain = TextFormat::simple(mono.clone(), ui.visuals().weak_text_color());
            job.append(&format!("{start:04x}  "), 0.0, plain.clone());
            let fmt_of = |i: usize| {
                let at = (start + i) as u32;
                let mut f = TextFormat::simple(mono.clone(), ui.visuals().text_color());
                if let Some(c) = d.and_then(|d| tint(d, at)) {
                    f.color = if dark { c } else { c.gamma_multiply(0.9) };
                }
                if selected.is_some_and(|[a, b]| a <= at && at < b) {
                    f.background = if dark {
                        Color32::from_rgb(0x44, 0x55, 0x99)
                    } else {
                        Color32::from_rgb(0xb5, 0xd3, 0xff)
                    };
                    f.color = ui.visuals().strong_text_color();
                }
                f
            };
            let is_hidden =
                |i: usize| hidden.is_some_and(|[a, b]| (a..b).contains(&((start + i) as u32)));
            let formats: Vec<TextFormat> = (0..chunk.len()).map(fmt_of).collect();
            for (i, b) in chunk.iter().enumerate() {
                let hex = match is_hidden(i) {
                    true => "??".to_string(),
                    false => format!("{b:02x}"),
                };
                job.append(&hex, 0.0, formats[i].clone());
                // The gap between two bytes of one field takes their format, so that
                // the field is one section, shaped once rather than byte by byte (the
                // bytes pane went from 1.3 to 0.5 ms a frame while paging through
                // the list), and its selection one band.
                let gap = match formats.get(i + 1) {
                    Some(next) if *next == formats[i] => formats[i].clone(),
                    _ => plain.clone(),
                };
                job.append(if i == 7 { "  " } else { " " }, 0.0, gap);
            }
            let pad = (16 - chunk.len()) * 3 + usize::from(chunk.len() <= 7);
            job.append(&" ".repeat(pad + 1), 0.0, plain.clone());
            for (i, b) in chunk.iter().enumerate() {
                let c = if is_hidden(i) {
                    '?'
                } else if b.is_ascii_graphic() || *b == b' ' {
                    *b as char
                } else {
                    '·'
                };
                job.append(&c.to_string(), 0.0, formats[i].clone());
            }
            let galley = ui.painter().layout_job(job);
            let (rect, resp) = ui.allocate_exact_size(galley.size(), egui::Sense::click());
            ui.painter()
                .galley(rect.min, galley.clone(), ui.visuals().text_color());
            if resp.clicked() {
                if let Some(p) = resp.interact_pointer_pos() {
                    let col = galley.cursor_from_pos(p - rect.min).index.0;
                    if let Some(i) = byte_at_column(col, chunk.len()) {
                        clicked = Some((start + i) as u32);
                    }
                }
            }
        }
    });
    clicked
}

/// The scroll offset that shows line `line` (its lines `stride` apart) in a view
/// `view` high scrolled to `top`, with a line of what comes before it: `None` when
/// it is in view already.
fn reveal(line: usize, stride: f32, top: f32, view: f32) -> Option<f32> {
    let y = line as f32 * stride;
    let shown = y >= top && y + stride <= top + view;
    (!shown).then(|| (y - stride).max(0.0))
}

/// Which byte of a line a character column is on (`0000  00 01 … 07  08 … 0f  ascii`).
fn byte_at_column(col: usize, n: usize) -> Option<usize> {
    let hex_start = 6;
    let hex_end = hex_start + 16 * 3 + 1;
    if (hex_start..hex_end).contains(&col) {
        let c = col - hex_start;
        let i = if c > 8 * 3 { (c - 1) / 3 } else { c / 3 };
        return (i < n).then_some(i);
    }
    let ascii = hex_end + 1;
    (col >= ascii && col - ascii < n).then(|| col - ascii)
}

/// A tab label and whether it is chosen.
pub fn tabs_ui(ui: &mut egui::Ui, names: &[String], chosen: &mut usize) {
    ui.horizontal(|ui| {
        for (i, n) in names.iter().enumerate() {
            if ui
                .selectable_label(*chosen == i, RichText::new(n).small())
                .clicked()
            {
                *chosen = i;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line out of view, above or below, is scrolled to (a line of context above
    /// it); a line in view is left where it is.
    #[test]
    fn a_selected_line_out_of_view_is_scrolled_to() {
        // Lines 20 apart, a view of 100 (five lines), scrolled to line 10.
        assert_eq!(reveal(12, 20.0, 200.0, 100.0), None);
        assert_eq!(reveal(14, 20.0, 200.0, 100.0), None);
        assert_eq!(reveal(15, 20.0, 200.0, 100.0), Some(280.0));
        assert_eq!(reveal(9, 20.0, 200.0, 100.0), Some(160.0));
        assert_eq!(reveal(0, 20.0, 200.0, 100.0), Some(0.0));
    }

    #[test]
    fn columns_map_to_bytes() {
        assert_eq!(byte_at_column(6, 16), Some(0));
        assert_eq!(byte_at_column(7, 16), Some(0));
        assert_eq!(byte_at_column(9, 16), Some(1));
        // the extra space after the 8th byte
        assert_eq!(byte_at_column(6 + 8 * 3 + 1, 16), Some(8));
        assert_eq!(byte_at_column(6 + 16 * 3 + 2, 16), Some(0));
        assert_eq!(byte_at_column(2, 16), None);
        assert_eq!(byte_at_column(9, 1), None);
    }
}
