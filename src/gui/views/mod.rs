//! Conversations and what happened on them: the list of TCP conversations and
//! Engine.IO sessions ([`conversations`]), the ladder (sequence) diagram of one
//! conversation ([`ladder`]), its Messages read like a chat ([`messages`]), and
//! Follow Stream ([`follow`]). The data comes from the library
//! ([`crate::story`]); these files only draw it. What is built from the store
//! is built once per selection, on a worker thread when it is large ([`job`]),
//! and the long views draw only the rows on screen.

mod conversations;
mod follow;
mod heights;
mod job;
mod ladder;
mod messages;

use std::sync::Arc;

use egui::RichText;

pub use conversations::Lists;
pub use ladder::phase_color;

use crate::store::{Growing, PacketId, Store};
use job::{Look, Stores};

/// What a click here asks the window for.
pub enum ConvAction {
    SelectPacket(u32),
    ApplyFilter(String),
    /// Save the ladder of conversation N to a file the user chooses.
    SaveLadder(u32, LadderFile),
}

/// How to save a ladder.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LadderFile {
    /// The whole ladder, drawn again as SVG.
    Svg,
    /// The ladder as it is on screen: the window's pixels under this rect (in points).
    Png(egui::Rect),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    List,
    Ladder,
    Messages,
    Follow,
}

/// What the views are given each frame.
pub struct Frame<'a> {
    /// The store as far as it is filled.
    pub store: &'a Store,
    /// The finished store, when loading is over (large builds run on a worker
    /// thread over it).
    pub shared: Option<&'a Arc<Store>>,
    /// The store being filled, while the capture loads (what a worker thread
    /// reads under its lock).
    pub growing: Option<&'a Arc<Growing>>,
    /// Changes when the store has more in it: what was built is built again.
    pub generation: u64,
    /// The packet selected in the list: its conversation is shown when none
    /// is picked.
    pub selected: Option<u32>,
}

impl Frame<'_> {
    fn stores(&self) -> Stores<'_> {
        Stores {
            now: self.store,
            shared: self.shared,
        }
    }
}

#[derive(Default)]
pub struct ConvViews {
    pub open: bool,
    /// Shown in a panel beside the packet list instead of a window of its own.
    pub docked: bool,
    pub tab: Tab,
    /// The conversation or session picked in the list (else the selected
    /// packet's conversation is shown).
    pub conversation: Option<u32>,
    pub session: Option<u32>,
    list: conversations::ListView,
    ladder: ladder::LadderView,
    messages: messages::MessagesView,
    follow: follow::FollowView,
    /// The store generation what is shown was built at.
    generation: u64,
}

/// The conversation the views show: the one picked, else the selected packet's.
fn shown_conversation(views: &ConvViews, f: &Frame<'_>) -> Option<(u32, bool)> {
    if let Some(c) = views.conversation {
        return Some((c, false));
    }
    let p = f.selected?;
    let (c, _) = f.store.analysis.tcp.conversation_of(PacketId(p))?;
    Some((c.0, true))
}

impl ConvViews {
    /// Draw the views (or why there is nothing yet) in exactly the space `ui`
    /// has: a long line or a wide table is cut or wrapped, it never makes the
    /// window or panel holding them grow. `loading`: packets analysed and in
    /// the file, while the capture loads.
    pub fn fitted_ui(
        &mut self,
        ui: &mut egui::Ui,
        f: Option<&Frame<'_>>,
        loading: Option<(usize, usize)>,
    ) -> Option<ConvAction> {
        let rect = ui.available_rect_before_wrap();
        let mut inner = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(rect)
                .layout(egui::Layout::top_down(egui::Align::Min)),
        );
        inner.set_clip_rect(rect.intersect(ui.clip_rect()));
        let action = match f {
            Some(f) => {
                if let Some((analysed, total)) = loading {
                    inner.label(
                        RichText::new(format!(
                            "Loading: {analysed} of {total} packets analysed. Open conversations show what has arrived so far."
                        ))
                        .weak(),
                    );
                }
                self.ui(&mut inner, f)
            }
            None => {
                inner.label("Conversations appear as soon as the first packets are analysed.");
                None
            }
        };
        ui.allocate_rect(rect, egui::Sense::hover());
        action
    }

    /// Draw the views into `ui`.
    pub fn ui(&mut self, ui: &mut egui::Ui, f: &Frame<'_>) -> Option<ConvAction> {
        if f.generation != self.generation {
            self.generation = f.generation;
            self.ladder.reset();
            self.messages.reset();
            self.follow.reset();
        }
        ui.horizontal(|ui| {
            for (t, name) in [
                (Tab::List, "Conversations"),
                (Tab::Ladder, "Ladder"),
                (Tab::Messages, "Messages"),
                (Tab::Follow, "Follow Stream"),
            ] {
                if ui.selectable_label(self.tab == t, name).clicked() {
                    self.tab = t;
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let (text, hover) = if self.docked {
                    ("Float", "Show these views in a window of their own")
                } else {
                    ("Dock", "Show these views in a panel beside the packet list")
                };
                if self.docked && ui.small_button("✖").on_hover_text("Close").clicked() {
                    self.open = false;
                }
                if ui.small_button(text).on_hover_text(hover).clicked() {
                    self.docked = !self.docked;
                }
            });
        });
        ui.separator();
        match self.tab {
            Tab::List => self.list_ui(ui, f),
            Tab::Ladder => self.ladder_ui(ui, f),
            Tab::Messages => self.messages_ui(ui, f),
            Tab::Follow => self.follow_ui(ui, f),
        }
    }

    fn list_ui(&mut self, ui: &mut egui::Ui, f: &Frame<'_>) -> Option<ConvAction> {
        let picked = self
            .list
            .ui(ui, f, (self.conversation, self.session), &mut self.tab);
        match picked? {
            conversations::Picked::Conversation(c) => {
                self.conversation = Some(c);
                self.session = None;
                None
            }
            conversations::Picked::Session(s) => {
                self.session = Some(s);
                self.conversation = None;
                None
            }
            conversations::Picked::Action(a) => Some(a),
        }
    }

    fn ladder_ui(&mut self, ui: &mut egui::Ui, f: &Frame<'_>) -> Option<ConvAction> {
        let Some((c, following)) = shown_conversation(self, f) else {
            ui.label("Pick a conversation in the Conversations tab, or select a TCP packet.");
            return None;
        };
        following_note_ui(ui, following, c);
        self.ladder.ui(ui, f, c)
    }

    fn messages_ui(&mut self, ui: &mut egui::Ui, f: &Frame<'_>) -> Option<ConvAction> {
        let which = match (self.conversation, self.session) {
            (None, None) => {
                let Some((c, following)) = shown_conversation(self, f) else {
                    ui.label(
                        "Pick a conversation or an Engine.IO session in the Conversations tab, or select a TCP packet.",
                    );
                    return None;
                };
                following_note_ui(ui, following, c);
                (Some(c), None)
            }
            w => w,
        };
        self.messages.ui(ui, f, which)
    }

    fn follow_ui(&mut self, ui: &mut egui::Ui, f: &Frame<'_>) -> Option<ConvAction> {
        let Some((c, following)) = shown_conversation(self, f) else {
            ui.label("Pick a conversation in the Conversations tab, or select a TCP packet.");
            return None;
        };
        following_note_ui(ui, following, c);
        self.follow.ui(ui, f, c)
    }
}

/// Say that the conversation shown is the selected packet's, not one picked.
fn following_note_ui(ui: &mut egui::Ui, following: bool, c: u32) {
    if following {
        ui.label(
            RichText::new(format!(
                "Stream {c}: the selected packet's conversation (pick one in Conversations to keep it)"
            ))
            .weak(),
        );
    }
}

/// What to show while something is built, or why it is not yet. True when it
/// is ready.
fn waiting_ui<T>(ui: &mut egui::Ui, look: &Look<'_, T>, what: &str) -> bool {
    match look {
        Look::Ready(_) => true,
        Look::Building(frac) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.add(
                    egui::ProgressBar::new(*frac)
                        .desired_width(220.0)
                        .text(format!("Building {what}…")),
                );
            });
            false
        }
        Look::AfterLoading => {
            ui.label(format!(
                "This conversation is large: its {what} is built when the capture has finished loading."
            ));
            false
        }
    }
}

/// Whether building a view of conversation `c` is large work: it reads the
/// packets between its first and last.
fn conversation_is_large(store: &Store, c: u32) -> bool {
    store
        .analysis
        .tcp
        .conversations
        .get(c as usize)
        .is_some_and(|x| x.last_packet.0.saturating_sub(x.first_packet.0) > LARGE)
}

/// Above this many packets or records, a build goes to a worker thread.
const LARGE: u32 = 20_000;
