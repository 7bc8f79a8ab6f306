//! A conversation or Engine.IO session read like a chat: the client's messages
//! on the left, the server's on the right. Only the bubbles on screen are put
//! in words and laid out; each bubble's height is measured once, when first
//! drawn ([`RowHeights`]), so a conversation of a million messages scrolls like
//! one of ten.

use std::collections::HashMap;

use egui::{Align, Color32, Layout, RichText, Sense, UiBuilder};

use super::heights::RowHeights;
use super::job::{Built, Look, Tick};
use super::{conversation_is_large, waiting_ui, ConvAction, Frame, LARGE};
use crate::store::Store;
use crate::story::{ChatLine, Transcript};

/// What a transcript is of: (conversation, Engine.IO session).
type Which = (Option<u32>, Option<u32>);

/// Space between bubbles.
const GAP: f32 = 4.0;

/// Most lines kept in words at once (a few screens).
const KEPT_LINES: usize = 512;

fn build(store: &Store, which: Which, tick: Tick<'_>) -> Option<Transcript> {
    Transcript::build(store, which.0, which.1, |d, n| tick(d as u64, n as u64))
}

/// Whether listing the messages is large work: it looks at every message
/// record of the capture, and at the packets of the conversation.
fn is_large(store: &Store, which: Which) -> bool {
    let up = &store.analysis.upper;
    let records = up.http.messages.len() + up.realtime.eio.len() + up.ws_messages.len();
    records > LARGE as usize || which.0.is_some_and(|c| conversation_is_large(store, c))
}

#[derive(Clone, Copy)]
enum Edge {
    First,
    Last,
}

#[derive(Default)]
pub struct MessagesView {
    transcript: Built<Which, Transcript>,
    /// What `rows` are of.
    shown: Option<Which>,
    rows: Rows,
    scroll_to: Option<Edge>,
    /// Showing the last message (asked with "Last message").
    at_end: bool,
    /// Where the list was on screen last frame.
    view_rect: Option<egui::Rect>,
    /// Where to scroll next frame to keep the bubbles on screen still after a
    /// bubble above them was measured (its height was a guess).
    keep_offset: Option<f32>,
}

/// The bubbles' heights, and the lines put in words for the bubbles shown.
#[derive(Default)]
struct Rows {
    heights: RowHeights,
    lines: HashMap<usize, Option<ChatLine>>,
    /// How much the bubbles that start above the viewport grew when measured
    /// this frame.
    grown_above: f32,
}

impl MessagesView {
    pub fn reset(&mut self) {
        self.transcript.reset();
        self.shown = None;
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, f: &Frame<'_>, which: Which) -> Option<ConvAction> {
        let large = is_large(f.store, which);
        let look = self
            .transcript
            .get(which, large, &f.stores(), ui.ctx(), build);
        if !waiting_ui(ui, &look, "message list") {
            return None;
        }
        let Look::Ready(t) = look else {
            return None;
        };
        if self.shown != Some(which) {
            self.shown = Some(which);
            self.rows = Rows::default();
            self.at_end = false;
        }
        ui.horizontal(|ui| {
            ui.label(format!("{} messages", t.len()));
            if ui.small_button("First message").clicked() {
                self.scroll_to = Some(Edge::First);
            }
            if ui.small_button("Last message").clicked() {
                self.scroll_to = Some(Edge::Last);
            }
        });
        if t.is_empty() {
            ui.label("No HTTP, WebSocket, Engine.IO or Socket.IO message here.");
            return None;
        }
        let w = ui.available_width();
        let heights = &mut self.rows.heights;
        if !heights.fits(t.len(), w) {
            let guess = ui.text_style_height(&egui::TextStyle::Small)
                + ui.text_style_height(&egui::TextStyle::Body)
                + ui.spacing().item_spacing.y
                + 12.0
                + GAP;
            heights.reset(t.len(), guess, w);
        }
        let mut area = egui::ScrollArea::vertical()
            .id_salt(("messages", which))
            .auto_shrink([false, false]);
        match self.scroll_to.take() {
            Some(Edge::First) => {
                self.at_end = false;
                area = area.vertical_scroll_offset(0.0);
            }
            Some(Edge::Last) => self.at_end = true,
            None => {}
        }
        // Kept at the end while the last bubbles are measured (their heights
        // were guesses), until the user scrolls up or drags the scroll bar
        // (read before the scroll area takes the wheel's delta).
        let view = self.view_rect.unwrap_or(egui::Rect::NOTHING);
        let over = ui.rect_contains_pointer(view);
        if over && ui.input(|i| i.smooth_scroll_delta.y > 0.0 || i.pointer.primary_down()) {
            self.at_end = false;
        }
        let end = (heights.total() - view.height()).max(0.0);
        if self.at_end {
            area = area.vertical_scroll_offset(end);
        } else if let Some(y) = self.keep_offset.take() {
            area = area.vertical_scroll_offset(y);
        }
        let rows = &mut self.rows;
        let out = area.show_viewport(ui, |ui, viewport| rows.ui(ui, f.store, t, viewport, w));
        // The scroll bar, beside the list, counts as the list.
        let bar = ui.spacing().scroll.bar_width;
        self.view_rect = Some(out.inner_rect.expand2(egui::vec2(bar, 0.0)));
        if self.rows.grown_above != 0.0 && !self.at_end {
            self.keep_offset = Some(out.state.unclamped_offset().y + self.rows.grown_above);
        }
        out.inner
    }
}

impl Rows {
    /// The bubbles that meet `viewport` (in the list's coordinates).
    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        store: &Store,
        t: &Transcript,
        viewport: egui::Rect,
        w: f32,
    ) -> Option<ConvAction> {
        ui.set_height(self.heights.total());
        let origin = ui.max_rect().min;
        let dark = ui.visuals().dark_mode;
        let mut action = None;
        if self.lines.len() > KEPT_LINES {
            self.lines.clear();
        }
        self.grown_above = 0.0;
        let mut i = self.heights.row_at(viewport.min.y);
        while i < t.len() {
            let y = self.heights.top(i);
            if y > viewport.max.y {
                break;
            }
            let line = self.lines.entry(i).or_insert_with(|| t.line(store, i));
            let rect = egui::Rect::from_min_size(
                origin + egui::vec2(0.0, y),
                egui::vec2(w, self.heights.get(i)),
            );
            let builder = UiBuilder::new()
                .max_rect(rect)
                .id_salt(i)
                .layout(Layout::top_down(Align::Min));
            let r = ui.scope_builder(builder, |ui| match line {
                Some(l) => bubble_ui(ui, l, w, dark).then_some(l.packet),
                None => {
                    ui.weak(format!("(message {} could not be read again)", i + 1));
                    None
                }
            });
            if let Some(p) = r.inner {
                action = Some(ConvAction::SelectPacket(p));
            }
            let h = r.response.rect.height() + GAP;
            if y < viewport.min.y {
                // Scrolling up onto a bubble not measured before: what is below it
                // moves down by as much, and the scroll offset with it.
                self.grown_above += h - self.heights.get(i);
            }
            self.heights.set(i, h);
            i += 1;
        }
        action
    }
}

/// One message as a bubble, at most three quarters of `w` wide, its text
/// wrapped; true when clicked.
fn bubble_ui(ui: &mut egui::Ui, l: &ChatLine, w: f32, dark: bool) -> bool {
    let client = l.dir.from_client();
    let fill = match (client, dark) {
        (true, true) => Color32::from_rgb(0x23, 0x3d, 0x5c),
        (true, false) => Color32::from_rgb(0xd6, 0xe8, 0xff),
        (false, true) => Color32::from_rgb(0x2b, 0x4a, 0x32),
        (false, false) => Color32::from_rgb(0xdc, 0xf5, 0xdf),
    };
    let align = if client { Align::Min } else { Align::Max };
    let max_w = (w * 0.75).clamp(w.min(160.0), w) - 12.0;
    ui.with_layout(Layout::top_down(align), |ui| {
        egui::Frame::new()
            .fill(fill)
            .corner_radius(6.0)
            .inner_margin(6.0)
            .show(ui, |ui| {
                ui.set_max_width(max_w);
                let head = format!("{} · {:.6} s · #{}", l.who, l.rel_s, l.packet + 1);
                ui.label(RichText::new(head).small().weak());
                ui.add(egui::Label::new(&l.text).wrap());
                if l.unanswered {
                    ui.colored_label(
                        Color32::from_rgb(0xd9, 0x7a, 0x00),
                        "no acknowledgement seen",
                    );
                }
            })
            .response
            .interact(Sense::click())
            .on_hover_cursor(egui::CursorIcon::PointingHand)
            .clicked()
    })
    .inner
}
