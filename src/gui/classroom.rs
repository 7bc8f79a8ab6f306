//! The classroom in the window: the replay's bar and compact ladder, the View ▸
//! Replay and View ▸ Presenter entries, F5, and presenter mode's layout (the
//! replay bar, the ladder, the OSI stack and the explanation, nothing else).
//! The replay itself is [`crate::gui::replay`], presenter mode's theme and
//! masks [`crate::gui::presenter`].

use egui::{Key, Modifiers, RichText, Sense};

use super::{Action, App};
use crate::dissect::Dissection;
use crate::gui::details::{explanation_panel_ui, osi_title, Withheld, OSI_ORDER};
use crate::gui::presenter::Mask;
use crate::gui::replay::{
    key_commands, ladder_ui, presenter_replay_bar_ui, replay_bar_ui, Cmd, Item, Replay,
};
use crate::gui::stack::layer_summary;
use crate::gui::theme::osi_color;
use crate::store::{PacketId, Store};
use crate::story::sessions;

/// What View ▸ Replay starts.
#[derive(Clone, Copy)]
enum Start {
    Conversation(u32),
    Session(u32),
    Capture,
}

impl App {
    /// F5, then the replay's keys and its clock, before any panel is drawn.
    pub(super) fn classroom_logic(&mut self, ctx: &egui::Context, store: Option<&Store>) {
        if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::F5)) {
            self.toggle_presenter(ctx);
        }
        let (Some(r), Some(store)) = (&mut self.replay, store) else {
            return;
        };
        let now = ctx.input(|i| i.time);
        for cmd in key_commands(ctx) {
            if !r.run(cmd, store, now) {
                self.replay = None;
                return;
            }
        }
        r.advance(ctx, now);
    }

    /// Enter or leave presenter mode. Entering without a replay replays the
    /// selected packet's conversation.
    pub fn toggle_presenter(&mut self, ctx: &egui::Context) {
        if self.presenter.active {
            self.presenter.leave(ctx);
            return;
        }
        self.presenter.enter(ctx, self.settings.zoom);
        if self.replay.is_none() {
            if let Some(Start::Conversation(c)) = self.selected_conversation() {
                // In a lesson, the replay goes on from the lesson's packet.
                let from = self.lesson.as_ref().and(self.selected_index());
                self.start_replay(Start::Conversation(c), ctx, from);
            }
        }
    }

    /// The selected packet's TCP conversation (the store must be loaded).
    fn selected_conversation(&self) -> Option<Start> {
        let store = self.store()?;
        let p = self.selected_index()?;
        let (c, _) = store.analysis.tcp.conversation_of(PacketId(p))?;
        Some(Start::Conversation(c.0))
    }

    /// Start replaying `what` at its first step, or at packet `from` (0-based) when given
    /// and in it.
    fn start_replay(&mut self, what: Start, ctx: &egui::Context, from: Option<u32>) {
        let Some(store) = self.store().cloned() else {
            return;
        };
        let r = match what {
            Start::Conversation(c) => Replay::conversation(&store, c),
            Start::Session(s) => Replay::session(&store, s),
            Start::Capture => Replay::capture(&store),
        };
        self.replay = r.map(|mut r| {
            let at = from.and_then(|p| r.step_of(p)).unwrap_or(0);
            r.run(Cmd::Go(at), &store, ctx.input(|i| i.time));
            r
        });
    }

    /// View ▸ Replay ▸ … and View ▸ Presenter.
    pub(super) fn classroom_menu_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        ui.menu_button("Replay", |ui| {
            let conv = self.selected_conversation();
            let session = match (conv, self.store()) {
                (Some(Start::Conversation(c)), Some(s)) => (sessions(s).iter())
                    .position(|row| row.conversations.contains(&c))
                    .map(|i| Start::Session(i as u32)),
                _ => None,
            };
            let loaded = self.store().is_some();
            if !loaded {
                ui.label(RichText::new("(once the capture is loaded)").weak());
            }
            for (what, name) in [
                (conv, "this conversation"),
                (session, "this Engine.IO session"),
                (loaded.then_some(Start::Capture), "the whole capture"),
            ] {
                if ui
                    .add_enabled(what.is_some(), egui::Button::new(name))
                    .clicked()
                {
                    if let Some(w) = what {
                        self.start_replay(w, &ctx, None);
                    }
                    ui.close();
                }
            }
            if self.replay.is_some() && ui.button("Stop replaying").clicked() {
                self.replay = None;
                ui.close();
            }
        });
        let presenter =
            egui::Button::selectable(self.presenter.active, "Presenter").shortcut_text("F5");
        if ui.add(presenter).clicked() {
            self.toggle_presenter(&ctx);
            ui.close();
        }
    }

    /// The replay's mask in presenter mode, for its current step of a
    /// conversation between `endpoints`.
    fn replay_mask(&self, current: Option<&Item>, endpoints: Option<&(String, String)>) -> Mask {
        let packet = current.map(|c| c.step.packet);
        let d = (self.selected.as_ref())
            .filter(|s| Some(s.index) == packet)
            .and_then(|s| s.dissection.as_ref());
        let dir = current.and_then(|c| c.step.dir);
        self.presenter.mask(d, dir, endpoints)
    }

    /// The replay bar at the top (presenting: with the presenter's masks and the way
    /// out on the controls' line); selects the step's packet when the step changed.
    fn replay_bar_panel_ui(&mut self, ui: &mut egui::Ui, store: &Store, actions: &mut Vec<Action>) {
        let Some(mut r) = self.replay.take() else {
            return;
        };
        let current = r.current(store);
        let mask = self.replay_mask(current.as_ref(), r.endpoints.as_ref());
        let presenter = &mut self.presenter;
        let mut leave = false;
        let cmds = egui::Panel::top("replay")
            .show(ui, |ui| match presenter.active {
                true => presenter_replay_bar_ui(ui, &mut r, current.as_ref(), &mask, |ui| {
                    leave = presenter.bar_contents_ui(ui)
                }),
                false => replay_bar_ui(ui, &mut r, current.as_ref(), &mask),
            })
            .inner;
        if leave {
            self.presenter.leave(ui.ctx());
        }
        let now = ui.input(|i| i.time);
        if cmds.into_iter().all(|c| r.run(c, store, now)) {
            if let Some(p) = r.packet_to_select(store) {
                actions.push(Action::Select(p));
            }
            self.replay = Some(r);
        }
    }

    /// The compact ladder of what is replayed.
    fn replay_ladder_ui(&mut self, ui: &mut egui::Ui, store: &Store) {
        let masked = self.presenter.active && self.presenter.mask_addresses;
        let Some(r) = &mut self.replay else {
            return;
        };
        let names = match (&r.endpoints, masked) {
            (Some((c, s)), false) => (format!("client {c}"), format!("server {s}")),
            _ => ("client".to_string(), "server".to_string()),
        };
        let mask = Mask::payload_only(self.presenter.active && self.presenter.mask_payload);
        if let Some(cmd) = ladder_ui(ui, r, store, (&names.0, &names.1), &mask) {
            r.run(cmd, store, ui.input(|i| i.time));
        }
    }

    /// While replaying (not presenting): the bar under the filter bar and the
    /// ladder on the right.
    pub(super) fn replay_panels_ui(
        &mut self,
        ui: &mut egui::Ui,
        store: Option<&Store>,
        actions: &mut Vec<Action>,
    ) {
        let Some(store) = store.filter(|_| self.replay.is_some()) else {
            return;
        };
        self.replay_bar_panel_ui(ui, store, actions);
        if self.replay.is_none() {
            return;
        }
        egui::Panel::right("replay-ladder")
            .resizable(true)
            .default_size(380.0)
            .show(ui, |ui| self.replay_ladder_ui(ui, store));
    }

    /// Presenter mode's whole window under the menu: its bar, the replay bar,
    /// the ladder, and the OSI stack and explanation of the step's packet.
    pub(super) fn presenter_ui(
        &mut self,
        ui: &mut egui::Ui,
        store: Option<&Store>,
        actions: &mut Vec<Action>,
    ) {
        match store.filter(|_| self.replay.is_some()) {
            // The presenter's own controls share the replay's line.
            Some(store) => self.replay_bar_panel_ui(ui, store, actions),
            None => {
                let leave = egui::Panel::top("presenter")
                    .show(ui, |ui| self.presenter.bar_ui(ui))
                    .inner;
                if leave {
                    self.presenter.leave(ui.ctx());
                }
            }
        }
        // The ladder keeps at least half (its wrapped rows would take all the stack
        // is allowed): its column names fit on one line at 2×.
        let width = ui.available_width();
        egui::Panel::right("presenter-stack")
            .resizable(true)
            .default_size(width * 0.45)
            .size_range((width * 0.3)..=(width * 0.5))
            .show(ui, |ui| self.presenter_stack_ui(ui, actions));
        egui::CentralPanel::default().show(ui, |ui| match (store, self.replay.is_some()) {
            (Some(store), true) => self.replay_ladder_ui(ui, store),
            _ => {
                ui.label("View ▸ Replay ▸ this conversation steps through the selected packet's conversation.");
            }
        });
    }

    /// The step's packet: its OSI stack (masked) and, under it, the explanation of
    /// the layer clicked (the topmost by default).
    fn presenter_stack_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let current = self
            .replay
            .as_ref()
            .and(self.selected.as_ref())
            .map(|s| s.index);
        let store = self.store().cloned();
        let item = match (&mut self.replay, store) {
            (Some(r), Some(s)) => r.current(&s),
            _ => None,
        };
        let endpoints = self.replay.as_ref().and_then(|r| r.endpoints.as_ref());
        let item = item.filter(|i| Some(i.step.packet) == current);
        let mask = self.replay_mask(item.as_ref(), endpoints);
        let Some(sel) = &self.selected else {
            ui.label("Select a packet.");
            return;
        };
        let Some(d) = &sel.dissection else {
            ui.label("This packet could not be decoded.");
            return;
        };
        let top = top_layer(d).map(|i| vec![i]);
        let field = sel.field.as_ref().or(top.as_ref());
        let withheld = (self.lesson.as_ref()).map_or(Withheld::Nothing, |l| {
            l.withheld(sel.index, d, field.map(|f| &f[..]))
        });
        explanation_panel_ui(ui, d, field, withheld);
        ui.strong(format!("Packet {}: OSI stack", sel.index + 1));
        egui::ScrollArea::vertical()
            .id_salt("presenter-stack")
            .auto_shrink(false)
            .show(ui, |ui| {
                if let Some(li) = masked_stack_ui(ui, d, &mask) {
                    actions.push(Action::SelectField(vec![li], d.layers[li].range));
                }
            });
    }
}

/// The index of the packet's highest layer (the last of the highest OSI layer).
fn top_layer(d: &Dissection) -> Option<usize> {
    (0..d.layers.len()).max_by_key(|&i| (d.layers[i].osi.number(), i))
}

/// The OSI stack, layer 7 at the top, each row's words masked and wrapped;
/// returns the first layer of the row clicked.
fn masked_stack_ui(ui: &mut egui::Ui, d: &Dissection, mask: &Mask) -> Option<usize> {
    let mut clicked = None;
    for osi in OSI_ORDER.iter().rev() {
        let summary = layer_summary(d, *osi).map(|s| mask.apply(&s));
        let color = osi_color(*osi);
        let resp = ui
            .horizontal_top(|ui| {
                let h = ui.text_style_height(&egui::TextStyle::Body);
                let (rect, _) = ui.allocate_exact_size(egui::vec2(8.0, h), Sense::hover());
                let fill = match summary {
                    Some(_) => color,
                    None => color.gamma_multiply(0.25),
                };
                ui.painter().rect_filled(rect, 2.0, fill);
                let name = RichText::new(osi_title(*osi)).strong();
                match &summary {
                    Some(s) => {
                        ui.add(egui::Label::new(name).selectable(false));
                        ui.add(egui::Label::new(s.as_str()).wrap().selectable(false));
                    }
                    None => {
                        ui.add(egui::Label::new(name.weak()).selectable(false));
                    }
                }
            })
            .response
            .interact(Sense::click());
        if resp.clicked() && summary.is_some() {
            clicked = d.layers.iter().position(|l| l.osi == *osi);
        }
    }
    clicked
}
