//! The ladder (sequence) diagram of one conversation: one arrow per packet
//! between the client's and the server's lifelines, coloured by phase, with a
//! legend naming each phase once.

use egui::{Align2, Color32, FontId, RichText, Sense, Stroke};

use super::job::{Built, Look, Tick};
use super::{conversation_is_large, waiting_ui, ConvAction, Frame, LadderFile};
use crate::gui::theme::RowKind;
use crate::ids::Direction;
use crate::store::Store;
use crate::story::{self, Arrow, Ladder, Phase, PhaseSpan};

pub fn phase_color(p: Phase, dark: bool) -> Color32 {
    // The same colours as the packet list's rows of that kind.
    let kind = match p {
        Phase::TcpHandshake => RowKind::Handshake,
        Phase::Upgrade => RowKind::Upgrade,
        Phase::Http => RowKind::Http,
        Phase::WebSocket => RowKind::WsText,
        Phase::SocketIo => RowKind::SocketIo,
        Phase::Data => RowKind::Plain,
        Phase::Teardown => RowKind::Teardown,
    };
    kind.color().gamma_multiply(if dark { 0.25 } else { 0.35 })
}

/// The phases of a ladder for its legend: each once, in order of first use (a
/// long conversation goes back and forth between phases many times).
pub fn legend(spans: &[PhaseSpan]) -> Vec<Phase> {
    let mut out: Vec<Phase> = Vec::new();
    for s in spans {
        if !out.contains(&s.phase) {
            out.push(s.phase);
        }
    }
    out
}

fn build(store: &Store, c: u32, _tick: Tick<'_>) -> Option<Ladder> {
    Some(story::ladder(store, c))
}

#[derive(Default)]
pub struct LadderView {
    ladder: Built<u32, Ladder>,
}

impl LadderView {
    pub fn reset(&mut self) {
        self.ladder.reset();
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, f: &Frame<'_>, c: u32) -> Option<ConvAction> {
        let large = conversation_is_large(f.store, c);
        let look = self.ladder.get(c, large, &f.stores(), ui.ctx(), build);
        if !waiting_ui(ui, &look, "ladder") {
            return None;
        }
        let Look::Ready(ladder) = look else {
            return None;
        };
        let (mut action, save) = ladder_buttons_ui(ui, f, c);
        // The picture starts at the title: the buttons above are not in it.
        let top = ui.cursor().top();
        ui.strong(format!(
            "Stream {c}: {}  ⇄  {}",
            ladder.client, ladder.server
        ));
        let dark = ui.visuals().dark_mode;
        ui.horizontal_wrapped(|ui| {
            for p in legend(&ladder.phases) {
                let (r, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), Sense::hover());
                ui.painter()
                    .rect_filled(r, 2.0, phase_color(p, dark).gamma_multiply(2.5));
                ui.label(RichText::new(p.name()).small());
            }
        });
        let row_h = 26.0;
        let shown = egui::ScrollArea::vertical()
            .id_salt("ladder")
            .auto_shrink([false, false])
            .show_rows(ui, row_h, ladder.arrows.len(), |ui, range| {
                let w = ui.available_width().max(300.0);
                for a in &ladder.arrows[range] {
                    if arrow_ui(ui, a, w, row_h) {
                        action = Some(ConvAction::SelectPacket(a.packet));
                    }
                }
            });
        let rect = shown.inner_rect;
        let rect = egui::Rect::from_x_y_ranges(rect.x_range(), top..=rect.bottom());
        let rect = rect.intersect(ui.clip_rect());
        save.map(|s| match s {
            LadderFile::Png(_) => ConvAction::SaveLadder(c, LadderFile::Png(rect)),
            LadderFile::Svg => ConvAction::SaveLadder(c, s),
        })
        .or(action)
    }
}

/// Apply as filter, and save the ladder as SVG or PNG.
fn ladder_buttons_ui(
    ui: &mut egui::Ui,
    f: &Frame<'_>,
    c: u32,
) -> (Option<ConvAction>, Option<LadderFile>) {
    let (mut action, mut save) = (None, None);
    ui.horizontal_wrapped(|ui| {
        if ui
            .small_button("Filter")
            .on_hover_text("Apply as filter")
            .clicked()
        {
            action = Some(ConvAction::ApplyFilter(story::conversation_filter(
                f.store, c,
            )));
        }
        let svg = ui.small_button("Save ladder as SVG…");
        if svg
            .on_hover_text("The whole ladder, for a handout")
            .clicked()
        {
            save = Some(LadderFile::Svg);
        }
        let png = ui.small_button("Save ladder as PNG…");
        if png.on_hover_text("The ladder as it is on screen").clicked() {
            save = Some(LadderFile::Png(egui::Rect::NOTHING));
        }
    });
    (action, save)
}

/// One arrow, `w` wide; true when clicked.
fn arrow_ui(ui: &mut egui::Ui, a: &Arrow, w: f32, row_h: f32) -> bool {
    let dark = ui.visuals().dark_mode;
    let text_color = ui.visuals().text_color();
    let (left, right) = (90.0, w - 40.0);
    let (rect, resp) = ui.allocate_exact_size(egui::vec2(w, row_h), Sense::click());
    let arrow_text = format!("#{}  {}", a.packet + 1, a.label);
    // Painted, so tell AccessKit (screen readers, UI tests) what it says.
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, arrow_text.clone()));
    let p = ui.painter();
    p.rect_filled(rect, 0.0, phase_color(a.phase, dark));
    let lx = rect.left() + left;
    let rx = rect.left() + right;
    let stroke = Stroke::new(1.0, text_color.gamma_multiply(0.5));
    for x in [lx, rx] {
        p.line_segment(
            [egui::pos2(x, rect.top()), egui::pos2(x, rect.bottom())],
            stroke,
        );
    }
    let y = rect.bottom() - 6.0;
    let (from, to) = match a.dir {
        Direction::FromClient => (lx, rx),
        Direction::FromServer => (rx, lx),
    };
    let color = if resp.hovered() {
        Color32::from_rgb(0xff, 0xa0, 0x00)
    } else {
        text_color
    };
    let st = Stroke::new(1.5, color);
    p.line_segment([egui::pos2(from, y), egui::pos2(to, y)], st);
    // A small head at the receiving lifeline.
    let dir = if to > from { -1.0 } else { 1.0 };
    for dy in [-4.0, 4.0] {
        p.line_segment([egui::pos2(to, y), egui::pos2(to + dir * 8.0, y + dy)], st);
    }
    p.text(
        egui::pos2(rect.left() + 4.0, rect.center().y),
        Align2::LEFT_CENTER,
        format!("{:.6}", a.rel_s),
        FontId::monospace(11.0),
        text_color.gamma_multiply(0.7),
    );
    p.text(
        egui::pos2((lx + rx) / 2.0, rect.top() + 9.0),
        Align2::CENTER_CENTER,
        arrow_text,
        FontId::proportional(12.5),
        color,
    );
    resp.clicked()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_names_each_phase_once_in_order_of_first_use() {
        let span = |phase, i| PhaseSpan {
            phase,
            first_arrow: i,
            last_arrow: i,
        };
        let spans = [
            span(Phase::TcpHandshake, 0),
            span(Phase::WebSocket, 1),
            span(Phase::SocketIo, 2),
            span(Phase::WebSocket, 3),
            span(Phase::SocketIo, 4),
            span(Phase::Teardown, 5),
        ];
        assert_eq!(
            legend(&spans),
            [
                Phase::TcpHandshake,
                Phase::WebSocket,
                Phase::SocketIo,
                Phase::Teardown
            ]
        );
    }
}
