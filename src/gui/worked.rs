//! The selected packet's worked computations ([`crate::story::worked`]): each a
//! titled, numbered list of steps, values in monospace (tables as grids), checks
//! in green or red. A step that reads bytes is a button: clicking it highlights
//! them in the bytes pane.

use egui::{Color32, RichText};

use crate::story::worked::{Shown, Step, Worked};

/// Which step is selected: (computation, step).
pub type StepPath = (usize, usize);

const OK: Color32 = Color32::from_rgb(0x2e, 0x9e, 0x4f);
const BAD: Color32 = Color32::from_rgb(0xd9, 0x4f, 0x3c);

/// Draw `ws`; returns the step clicked, if it names bytes.
pub fn worked_ui(ui: &mut egui::Ui, ws: &[Worked], selected: Option<StepPath>) -> Option<StepPath> {
    let mut clicked = None;
    if ws.is_empty() {
        ui.weak("Nothing to work out for this packet.");
        return None;
    }
    for (wi, w) in ws.iter().enumerate() {
        egui::CollapsingHeader::new(RichText::new(&w.title).strong())
            .id_salt(("worked", wi))
            .default_open(true)
            .show(ui, |ui| {
                for (si, s) in w.steps.iter().enumerate() {
                    let sel = selected == Some((wi, si));
                    if step_ui(ui, si + 1, s, sel) {
                        clicked = Some((wi, si));
                    }
                    ui.add_space(ui.spacing().item_spacing.y);
                }
            });
    }
    clicked
}

/// One numbered step; whether it was clicked (only steps that name bytes can be).
fn step_ui(ui: &mut egui::Ui, n: usize, s: &Step, selected: bool) -> bool {
    let mut clicked = false;
    ui.horizontal_top(|ui| {
        ui.label(RichText::new(format!("{n}.")).strong());
        ui.vertical(|ui| {
            let mut text = RichText::new(&s.text);
            // On the selection's fill the selection's own text colour reads best.
            if let Some(ok) = s.check.filter(|_| !selected) {
                text = text.color(if ok { OK } else { BAD });
            }
            match s.at {
                Some((_, [a, b])) => {
                    let r = ui
                        .add(egui::Button::selectable(selected, text).wrap())
                        .on_hover_text(format!("Highlight its bytes ({a}..{b})"));
                    clicked = r.clicked();
                }
                None => {
                    // Indented as a button's text is, so that all steps line up.
                    let pad = ui.spacing().button_padding;
                    egui::Frame::new()
                        .inner_margin(egui::Margin::symmetric(pad.x as i8, pad.y as i8))
                        .show(ui, |ui| ui.add(egui::Label::new(text).wrap()));
                }
            }
            if let Some(v) = &s.value {
                value_ui(ui, v, s.check);
            }
        });
    });
    clicked
}

fn value_ui(ui: &mut egui::Ui, v: &Shown, check: Option<bool>) {
    let frame = egui::Frame::new()
        .fill(ui.visuals().faint_bg_color)
        .inner_margin(egui::Margin::symmetric(6, 3))
        .corner_radius(3.0);
    frame.show(ui, |ui| match v {
        Shown::Mono(text) => {
            let mut t = RichText::new(text).monospace();
            if let Some(ok) = check {
                t = t.color(if ok { OK } else { BAD });
            }
            let mark = match check {
                Some(true) => " ✓",
                Some(false) => " ✗",
                None => "",
            };
            ui.horizontal_wrapped(|ui| {
                ui.add(egui::Label::new(t).wrap());
                if !mark.is_empty() {
                    ui.label(RichText::new(mark).strong().color(if check == Some(true) {
                        OK
                    } else {
                        BAD
                    }));
                }
            });
        }
        Shown::Table(rows) => {
            egui::Grid::new(ui.next_auto_id())
                .striped(true)
                .min_col_width(0.0)
                .spacing([12.0, 2.0])
                .show(ui, |ui| {
                    for (i, row) in rows.iter().enumerate() {
                        for cell in row {
                            let t = RichText::new(cell).monospace();
                            ui.label(if i == 0 { t.strong() } else { t });
                        }
                        ui.end_row();
                    }
                });
        }
    });
}
