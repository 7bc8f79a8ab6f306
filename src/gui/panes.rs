//! The window's body: the packet list and, below it, the selected packet's
//! panes (its layers, its OSI stack and encapsulation, its bytes), placed as
//! [`crate::gui::layout`] decides so that each keeps a usable size at any zoom.

use egui::{vec2, ScrollArea};

use super::{Action, App, LessonState, Selected};
use crate::dissect::{Dissection, Src};
use crate::gui::bytes::{field_at, hex_ui, tabs_ui};
use crate::gui::details::{details_ui, explanation_panel_ui, DetailsAction, Withheld};
use crate::gui::layout::{
    self, area_ui, pane_ui, region_ui, split_ui, Arrange, Cut, Split, Splitter, BYTES_MIN,
    DETAILS_MIN, GAP, STACK_MIN,
};
use crate::gui::packet_list::list_min_height;
use crate::gui::stack::{encapsulation_ui, stack_ui};
use crate::gui::worked::worked_ui;
use crate::store::Store;

impl App {
    /// The packet list, and the selected packet's panes below it.
    pub(super) fn body_ui(
        &mut self,
        ui: &mut egui::Ui,
        store: Option<&Store>,
        actions: &mut Vec<Action>,
    ) {
        egui::CentralPanel::default().show(ui, |ui| {
            let rect = ui.available_rect_before_wrap();
            if self.selected.is_none() {
                ui.allocate_rect(rect, egui::Sense::hover());
                area_ui(ui, rect, "list", |ui| self.center_ui(ui, store, actions));
                return;
            }
            let list_min = list_min_height(ui);
            let selected_min = layout::selected_min_height(rect.width());
            match layout::split(rect.height(), list_min, selected_min) {
                Split::Splitter => {
                    ui.allocate_rect(rect, egui::Sense::hover());
                    let s = Splitter {
                        id: egui::Id::unique("list_split"),
                        cut: Cut::Above,
                        share: 0.45,
                        first_min: list_min,
                        second_min: selected_min,
                    };
                    let (list, selected) = split_ui(ui, rect, &s);
                    area_ui(ui, list, "list", |ui| self.center_ui(ui, store, actions));
                    area_ui(ui, selected, "selected", |ui| self.selected_ui(ui, actions));
                }
                Split::Scroll { list, selected } => {
                    // Too little room for both: one below the other, at their minimums.
                    ScrollArea::vertical()
                        .id_salt("body")
                        .auto_shrink(false)
                        .show(ui, |ui| {
                            let w = ui.available_width();
                            region_ui(ui, vec2(w, list), "list", |ui| {
                                self.center_ui(ui, store, actions)
                            });
                            ui.add_space(GAP);
                            region_ui(ui, vec2(w, selected), "selected", |ui| {
                                self.selected_ui(ui, actions)
                            });
                        });
                }
            }
        });
    }

    /// The selected packet's layers, OSI stack and bytes, side by side or stacked.
    fn selected_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let top_down = self.settings.top_down;
        let Some(sel) = &mut self.selected else {
            return;
        };
        let lesson = self.lesson.as_ref();
        if sel.dissection.is_none() {
            ui.label("This packet could not be decoded.");
            return;
        }
        let rect = ui.available_rect_before_wrap();
        ui.allocate_rect(rect, egui::Sense::hover());
        let (layers, stack, bytes) = match layout::arrange(rect.width()) {
            Arrange::Columns => {
                let (layers, right) = split_ui(
                    ui,
                    rect,
                    &Splitter {
                        id: egui::Id::unique("layers_split"),
                        cut: Cut::Beside,
                        share: 0.42,
                        first_min: DETAILS_MIN.x,
                        second_min: STACK_MIN.x.max(BYTES_MIN.x),
                    },
                );
                let (stack, bytes) = split_ui(ui, right, &stack_splitter(ui, right, "stack_split"));
                (layers, stack, bytes)
            }
            Arrange::Stacked => {
                let (layers, rest) = split_ui(
                    ui,
                    rect,
                    &Splitter {
                        id: egui::Id::unique("layers_split_stacked"),
                        cut: Cut::Above,
                        share: 0.4,
                        first_min: DETAILS_MIN.y,
                        second_min: STACK_MIN.y + GAP + BYTES_MIN.y,
                    },
                );
                let (stack, bytes) =
                    split_ui(ui, rest, &stack_splitter(ui, rest, "stack_split_stacked"));
                (layers, stack, bytes)
            }
        };
        area_ui(ui, layers, "layers", |ui| {
            layers_pane_ui(ui, sel, top_down, lesson, actions)
        });
        area_ui(ui, stack, "stack", |ui| stack_pane_ui(ui, sel, actions));
        area_ui(ui, bytes, "bytes", |ui| {
            bytes_pane_ui(ui, sel, lesson, actions)
        });
    }
}

/// The splitter between the OSI stack and the bytes in `rect`: by default the
/// stack gets what shows it whole, up to 60%.
fn stack_splitter(ui: &egui::Ui, rect: egui::Rect, name: &str) -> Splitter {
    let natural = stack_height(ui) / rect.height().max(1.0);
    Splitter {
        id: egui::Id::unique(name),
        cut: Cut::Above,
        share: natural.min(0.6),
        first_min: STACK_MIN.y,
        second_min: BYTES_MIN.y,
    }
}

/// The height that shows the whole OSI stack and the encapsulation bar.
fn stack_height(ui: &egui::Ui) -> f32 {
    let sp = ui.spacing().item_spacing.y;
    ui.text_style_height(&egui::TextStyle::Body) + 7.0 * (18.0 + sp) + 4.0 + 34.0 + 4.0 * sp
}

/// The selected packet's tree (or its worked computations) and the explanation of
/// the selected field. `lesson`: its open question hides its answer here.
fn layers_pane_ui(
    ui: &mut egui::Ui,
    sel: &mut Selected,
    top_down: bool,
    lesson: Option<&LessonState>,
    actions: &mut Vec<Action>,
) {
    let Some(d) = &sel.dissection else {
        return;
    };
    let reveal = std::mem::take(&mut sel.reveal);
    let hide = lesson.and_then(|l| l.hide(sel.index));
    pane_ui(ui, "Layers", |ui| {
        // The worked computations work the answer out: closed while a question is open.
        let worked = sel.show_worked && !sel.worked.is_empty() && hide.is_none();
        ui.horizontal_wrapped(|ui| {
            let what = if worked { "worked out" } else { "layers" };
            ui.strong(format!("Packet {} — {what}", sel.index + 1));
            if !sel.worked.is_empty() {
                ui.add_space(8.0);
                // What is shown is selected (a question closes the worked computations).
                if ui
                    .add(egui::Button::selectable(!worked, "Layers"))
                    .clicked()
                {
                    sel.show_worked = false;
                }
                let label = format!("Worked out ({})", sel.worked.len());
                let tab = egui::Button::selectable(worked, label);
                let r = ui.add_enabled(hide.is_none(), tab);
                if r.on_disabled_hover_text("After the lesson's question is answered")
                    .clicked()
                {
                    sel.show_worked = true;
                }
            }
        });
        if worked {
            ScrollArea::both()
                .id_salt("worked")
                .min_scrolled_height(0.0)
                .auto_shrink(false)
                .show(ui, |ui| {
                    if let Some(p) = worked_ui(ui, &sel.worked, sel.worked_step) {
                        actions.push(Action::SelectStep(p));
                    }
                });
            return;
        }
        // The explanation of the selected field, under the tree.
        let withheld = lesson.map_or(Withheld::Nothing, |l| {
            l.withheld(sel.index, d, sel.field.as_deref())
        });
        explanation_panel_ui(ui, d, sel.field.as_ref(), withheld);
        ScrollArea::both()
            .id_salt("details")
            .min_scrolled_height(0.0)
            .auto_shrink(false)
            .show(ui, |ui| {
                let (field, open) = (sel.field.as_ref(), sel.open_layer);
                match details_ui(ui, d, field, top_down, open, reveal, hide) {
                    Some(DetailsAction::SelectField(p, r)) => {
                        actions.push(Action::SelectField(p, r))
                    }
                    Some(DetailsAction::ApplyFilter(f)) => actions.push(Action::ApplyFilter(f)),
                    Some(DetailsAction::GoToPacket(p)) => actions.push(Action::Select(p)),
                    None => {}
                }
            });
    });
}

fn stack_pane_ui(ui: &mut egui::Ui, sel: &Selected, actions: &mut Vec<Action>) {
    let Some(d) = &sel.dissection else {
        return;
    };
    pane_ui(ui, "OSI stack", |ui| {
        ui.strong("OSI stack");
        ScrollArea::both()
            .id_salt("stack")
            .min_scrolled_height(0.0)
            .auto_shrink(false)
            .show(ui, |ui| {
                if let Some(li) = stack_ui(ui, d) {
                    actions.push(Action::SelectField(vec![li], d.layers[li].range));
                }
                ui.add_space(4.0);
                if let Some(r) = encapsulation_ui(ui, d) {
                    let li = (d.layers.iter())
                        .position(|l| l.range[0] == r[0])
                        .unwrap_or(0);
                    actions.push(Action::SelectField(vec![li], r));
                }
            });
    });
}

fn bytes_pane_ui(
    ui: &mut egui::Ui,
    sel: &mut Selected,
    lesson: Option<&LessonState>,
    actions: &mut Vec<Action>,
) {
    let Some(d) = &sel.dissection else {
        return;
    };
    let data = &sel.data;
    pane_ui(ui, "Bytes", |ui| {
        let mut names = vec![format!("Frame ({} bytes)", data.len())];
        names.extend(d.derived.iter().map(|x| x.name.clone()));
        tabs_ui(ui, &names, &mut sel.bytes_tab);
        let (src, bytes, tint) = shown_bytes(d, data, sel.bytes_tab);
        // A layer (a path of one index) is in the frame's bytes.
        let shown = (sel.field.as_ref()).is_some_and(|p| {
            d.field_at(p)
                .map_or(p.len() == 1 && src == Src::Frame, |f| f.src == src)
        });
        let range = sel.range.filter(|_| shown || sel.field.is_none());
        let hidden = lesson.and_then(|l| l.hidden_bytes(sel.index, src));
        if let Some(at) = hex_ui(ui, bytes, tint, range, hidden) {
            if let Some((p, r)) = field_at(d, src, at) {
                actions.push(Action::SelectField(p, r));
            }
        }
    });
}

/// The bytes of tab `tab` (0: the frame, `i + 1`: derived buffer `i`), and the
/// dissection that tints them (frame bytes only).
fn shown_bytes<'a>(
    d: &'a Dissection,
    frame: &'a [u8],
    tab: usize,
) -> (Src, &'a [u8], Option<&'a Dissection>) {
    match tab
        .checked_sub(1)
        .and_then(|i| Some((i, d.derived.get(i)?)))
    {
        Some((i, x)) => (Src::Derived(i as u16), &x.bytes[..], None),
        None => (Src::Frame, frame, Some(d)),
    }
}
