//! Conversations and what happened on them: the list of TCP conversations and
//! Engine.IO sessions, the ladder (sequence) diagram of one conversation, its
//! Messages view read like a chat, and Follow Stream. The data comes from the
//! library ([`crate::story`]); this file only draws it.

use std::collections::HashMap;
use std::sync::Arc;

use egui::{Align2, Color32, FontId, RichText, Sense, Stroke};
use egui_extras::{Column, TableBuilder};

use super::theme::RowKind;
use crate::ids::Direction;
use crate::store::Store;
use crate::story::{self, ChatLine, ConversationRow, Ladder, Phase, SessionRow};

/// What a click here asks the window for.
pub enum ConvAction {
    SelectPacket(u32),
    ApplyFilter(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    List,
    Ladder,
    Messages,
    Follow,
}

/// Follow Stream's colours for each side's bytes.
const FROM_CLIENT: Color32 = Color32::from_rgb(0xe0, 0x6c, 0x60);
const FROM_SERVER: Color32 = Color32::from_rgb(0x60, 0x9c, 0xe0);

/// Most bytes Follow Stream shows.
const FOLLOW_MAX: usize = 4 << 20;

/// What a transcript is of: (conversation, Engine.IO session).
type Which = (Option<u32>, Option<u32>);

/// Follow Stream of one conversation, as text: (conversation, note, chunks).
type Follow = (u32, String, Vec<(Direction, String)>);

/// The conversation and session lists: what each conversation carries, kept
/// compact (its row is put in words when shown), and the sessions.
pub struct Lists {
    pub carried: story::Carried,
    pub sessions: Vec<SessionRow>,
}

impl Lists {
    pub fn of(store: &Store) -> Lists {
        Lists {
            carried: story::carried(store),
            sessions: story::sessions(store),
        }
    }
}

#[derive(Default)]
pub struct ConvViews {
    pub open: bool,
    pub tab: Tab,
    pub conversation: Option<u32>,
    pub session: Option<u32>,
    /// The ladder of `conversation`, built once per selection.
    ladder: Option<(u32, Ladder)>,
    follow: Option<Follow>,
    /// The lists, built once per store generation (never once per frame),
    /// keyed by the generation.
    lists: Option<(u64, Arc<Lists>)>,
    /// Conversation rows in words, for the rows shown.
    rows: HashMap<u32, ConversationRow>,
    /// The store generation the ladder, transcript and follow were built at.
    generation: u64,
    /// The transcript of (conversation, session), built once per selection.
    transcript: Option<(Which, Vec<ChatLine>)>,
}

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

pub fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::TcpHandshake => "TCP handshake",
        Phase::Upgrade => "HTTP Upgrade",
        Phase::Http => "HTTP",
        Phase::WebSocket => "WebSocket",
        Phase::SocketIo => "Engine.IO / Socket.IO",
        Phase::Data => "data",
        Phase::Teardown => "teardown",
    }
}

impl ConvViews {
    /// Draw the views of `store`. `generation` changes when the store has more
    /// in it (while a capture loads): what was built from it is built again.
    pub fn ui(&mut self, ui: &mut egui::Ui, store: &Store, generation: u64) -> Option<ConvAction> {
        if generation != self.generation {
            self.generation = generation;
            self.ladder = None;
            self.follow = None;
            self.transcript = None;
        }
        let mut action = None;
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
        });
        ui.separator();
        match self.tab {
            Tab::List => action = self.list_ui(ui, store),
            Tab::Ladder => action = self.ladder_ui(ui, store),
            Tab::Messages => action = self.messages_ui(ui, store),
            Tab::Follow => self.follow_ui(ui, store),
        }
        action
    }

    fn select(&mut self, c: u32) {
        self.conversation = Some(c);
        self.session = None;
        self.ladder = None;
        self.follow = None;
    }

    /// The lists for the current generation (a pass over the records, not the
    /// packets: a few milliseconds on a million packets).
    fn refresh_lists(&mut self, store: &Store) {
        let want = self.generation;
        if self.lists.as_ref().is_none_or(|(k, _)| *k != want) {
            self.lists = Some((want, Arc::new(Lists::of(store))));
            self.rows.clear();
        }
    }

    /// Conversation `i` in words, from the small cache of rows shown.
    fn row(&mut self, store: &Store, lists: &Lists, i: u32) -> Option<ConversationRow> {
        if self.rows.len() > 512 {
            self.rows.clear();
        }
        if let Some(r) = self.rows.get(&i) {
            return Some(r.clone());
        }
        let r = story::conversation_row(store, &lists.carried, i)?;
        self.rows.insert(i, r.clone());
        Some(r)
    }

    fn list_ui(&mut self, ui: &mut egui::Ui, store: &Store) -> Option<ConvAction> {
        self.refresh_lists(store);
        let (_, lists) = self.lists.clone()?;
        let mut action = None;
        let row_h = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
        let sessions = &lists.sessions;
        if !sessions.is_empty() {
            ui.strong(format!("Engine.IO sessions ({})", sessions.len()));
            egui::ScrollArea::vertical()
                .id_salt("session_list")
                .max_height(row_h * 6.0)
                .auto_shrink([false, true])
                .show_rows(ui, row_h, sessions.len(), |ui, range| {
                    for (i, s) in sessions
                        .iter()
                        .enumerate()
                        .skip(range.start)
                        .take(range.len())
                    {
                        let mut text = format!(
                            "{}  v{}  streams {:?}  {}  {} packets",
                            s.sid.as_deref().unwrap_or("(sid not seen)"),
                            s.version,
                            s.conversations,
                            s.transports.join("+"),
                            s.packets
                        );
                        if !s.health.is_empty() {
                            text.push_str(&format!("   ⚠ {}", s.health.join("; ")));
                        }
                        let r = ui.selectable_label(self.session == Some(i as u32), text);
                        if r.clicked() {
                            self.session = Some(i as u32);
                            self.conversation = None;
                            self.tab = Tab::Messages;
                        }
                    }
                });
            ui.separator();
        }
        let n = lists.carried.len();
        ui.strong(format!("TCP conversations ({n})"));
        // Only the rows on screen are laid out: a capture can hold hundreds of
        // thousands of conversations.
        TableBuilder::new(ui)
            .id_salt("conv_table")
            .striped(true)
            .resizable(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(56.0).at_least(30.0))
            .column(Column::initial(280.0).at_least(80.0).clip(true))
            .column(Column::initial(190.0).at_least(60.0).clip(true))
            .column(Column::initial(64.0).at_least(40.0))
            .column(Column::initial(80.0).at_least(40.0))
            .column(Column::initial(72.0).at_least(40.0))
            .column(Column::remainder().clip(true))
            .min_scrolled_height(0.0)
            .header(row_h, |mut h| {
                for t in [
                    "#",
                    "Client → Server",
                    "Handshake",
                    "Packets",
                    "Bytes",
                    "Duration",
                    "Carries",
                ] {
                    h.col(|ui| {
                        ui.strong(t);
                    });
                }
            })
            .body(|body| {
                body.rows(row_h, n, |mut row| {
                    let Some(r) = self.row(store, &lists, row.index() as u32) else {
                        return;
                    };
                    let sel = self.conversation == Some(r.id);
                    row.col(|ui| {
                        if ui.selectable_label(sel, r.id.to_string()).clicked() {
                            self.select(r.id);
                            self.tab = Tab::Ladder;
                        }
                    });
                    row.col(|ui| {
                        let resp = ui.selectable_label(sel, format!("{} → {}", r.client, r.server));
                        if resp.clicked() {
                            self.select(r.id);
                            self.tab = Tab::Ladder;
                        }
                        resp.context_menu(|ui| {
                            if ui.button("Apply as filter").clicked() {
                                action = Some(ConvAction::ApplyFilter(story::conversation_filter(
                                    store, r.id,
                                )));
                                ui.close();
                            }
                            if ui.button("Go to first packet").clicked() {
                                action = Some(ConvAction::SelectPacket(r.first_packet));
                                ui.close();
                            }
                        });
                    });
                    let rtt = r
                        .initial_rtt_ms
                        .map_or(String::new(), |ms| format!(" ({ms:.3} ms)"));
                    row.col(|ui| {
                        ui.label(format!("{}{rtt}", r.handshake));
                    });
                    row.col(|ui| {
                        ui.label(r.packets.to_string());
                    });
                    row.col(|ui| {
                        ui.label(r.bytes.to_string());
                    });
                    row.col(|ui| {
                        ui.label(format!("{:.3} s", r.duration_s));
                    });
                    row.col(|ui| {
                        ui.label(r.tags.join(", "));
                    });
                });
            });
        action
    }

    fn ladder_ui(&mut self, ui: &mut egui::Ui, store: &Store) -> Option<ConvAction> {
        let Some(c) = self.conversation else {
            ui.label("Pick a conversation in the Conversations tab.");
            return None;
        };
        if self.ladder.as_ref().is_none_or(|(x, _)| *x != c) {
            self.ladder = Some((c, story::ladder(store, c)));
        }
        let (_, ladder) = self.ladder.as_ref()?;
        let mut action = None;
        let dark = ui.visuals().dark_mode;
        ui.horizontal(|ui| {
            ui.strong(format!(
                "Stream {c}: {}  ⇄  {}",
                ladder.client, ladder.server
            ));
            if ui
                .small_button("Filter")
                .on_hover_text("Apply as filter")
                .clicked()
            {
                action = Some(ConvAction::ApplyFilter(story::conversation_filter(
                    store, c,
                )));
            }
        });
        ui.horizontal_wrapped(|ui| {
            for p in &ladder.phases {
                let (r, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), Sense::hover());
                ui.painter()
                    .rect_filled(r, 2.0, phase_color(p.phase, dark).gamma_multiply(2.5));
                ui.label(RichText::new(phase_name(p.phase)).small());
            }
        });
        let row_h = 26.0;
        let text_color = ui.visuals().text_color();
        egui::ScrollArea::vertical()
            .id_salt("ladder")
            .auto_shrink([false, false])
            .show_rows(ui, row_h, ladder.arrows.len(), |ui, range| {
                let w = ui.available_width().max(300.0);
                let (left, right) = (90.0, w - 40.0);
                for i in range {
                    let a = &ladder.arrows[i];
                    let (rect, resp) = ui.allocate_exact_size(egui::vec2(w, row_h), Sense::click());
                    let arrow_text = format!("#{}  {}", a.packet + 1, a.label);
                    // Painted, so tell AccessKit (screen readers, UI tests) what it says.
                    resp.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::Button, true, arrow_text.clone())
                    });
                    let p = ui.painter();
                    p.rect_filled(rect, 0.0, phase_color(a.phase, dark));
                    let lx = rect.left() + left;
                    let rx = rect.left() + right;
                    let stroke = Stroke::new(1.0, text_color.gamma_multiply(0.5));
                    p.line_segment(
                        [egui::pos2(lx, rect.top()), egui::pos2(lx, rect.bottom())],
                        stroke,
                    );
                    p.line_segment(
                        [egui::pos2(rx, rect.top()), egui::pos2(rx, rect.bottom())],
                        stroke,
                    );
                    let y = rect.bottom() - 6.0;
                    let (from, to) = match a.dir {
                        Direction::FromClient => (lx, rx),
                        Direction::FromServer => (rx, lx),
                    };
                    let hover = resp.hovered();
                    let color = if hover {
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
                    if resp.clicked() {
                        action = Some(ConvAction::SelectPacket(a.packet));
                    }
                }
            });
        action
    }

    fn messages_ui(&mut self, ui: &mut egui::Ui, store: &Store) -> Option<ConvAction> {
        if self.conversation.is_none() && self.session.is_none() {
            ui.label("Pick a conversation or an Engine.IO session in the Conversations tab.");
            return None;
        }
        let which = (self.conversation, self.session);
        if self.transcript.as_ref().is_none_or(|(w, _)| *w != which) {
            self.transcript = Some((which, story::transcript(store, which.0, which.1)));
        }
        let (which, lines) = self.transcript.take()?;
        let mut action = None;
        let dark = ui.visuals().dark_mode;
        egui::ScrollArea::vertical()
            .id_salt("messages")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let w = ui.available_width();
                for l in &lines {
                    let layout = if l.dir == Direction::FromClient {
                        egui::Layout::left_to_right(egui::Align::TOP)
                    } else {
                        egui::Layout::right_to_left(egui::Align::TOP)
                    };
                    ui.allocate_ui_with_layout(egui::vec2(w, 0.0), layout, |ui| {
                        let fill = match (l.dir.from_client(), dark) {
                            (true, true) => Color32::from_rgb(0x23, 0x3d, 0x5c),
                            (true, false) => Color32::from_rgb(0xd6, 0xe8, 0xff),
                            (false, true) => Color32::from_rgb(0x2b, 0x4a, 0x32),
                            (false, false) => Color32::from_rgb(0xdc, 0xf5, 0xdf),
                        };
                        let r = egui::Frame::new()
                            .fill(fill)
                            .corner_radius(6.0)
                            .inner_margin(6.0)
                            .show(ui, |ui| {
                                ui.set_max_width(w * 0.75);
                                ui.label(
                                    RichText::new(format!(
                                        "{} · {:.6} s · #{}",
                                        l.who,
                                        l.rel_s,
                                        l.packet + 1
                                    ))
                                    .small()
                                    .weak(),
                                );
                                ui.label(&l.text);
                                if l.unanswered {
                                    ui.colored_label(
                                        Color32::from_rgb(0xd9, 0x7a, 0x00),
                                        "no acknowledgement seen",
                                    );
                                }
                            })
                            .response
                            .interact(Sense::click());
                        if r.clicked() {
                            action = Some(ConvAction::SelectPacket(l.packet));
                        }
                    });
                }
            });
        self.transcript = Some((which, lines));
        action
    }

    fn follow_ui(&mut self, ui: &mut egui::Ui, store: &Store) {
        let Some(c) = self.conversation else {
            ui.label("Pick a conversation in the Conversations tab.");
            return;
        };
        if self.follow.as_ref().is_none_or(|(x, _, _)| *x != c) {
            let f = story::follow_stream(store, c, FOLLOW_MAX);
            let chunks = f
                .chunks
                .iter()
                .map(|(dir, bytes)| (*dir, printable(bytes)))
                .collect();
            let note = if f.truncated {
                format!("first {} MiB shown", FOLLOW_MAX >> 20)
            } else {
                String::new()
            };
            self.follow = Some((c, note, chunks));
        }
        let Some((_, note, chunks)) = &self.follow else {
            return;
        };
        ui.horizontal(|ui| {
            ui.label(RichText::new("client → server").color(FROM_CLIENT));
            ui.label(RichText::new("server → client").color(FROM_SERVER));
            if !note.is_empty() {
                ui.label(RichText::new(note).weak());
            }
        });
        egui::ScrollArea::vertical()
            .id_salt("follow")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for (dir, text) in chunks {
                    let color = match dir {
                        Direction::FromClient => FROM_CLIENT,
                        Direction::FromServer => FROM_SERVER,
                    };
                    ui.label(RichText::new(text).monospace().color(color));
                }
            });
    }
}

/// Bytes as text, non-printables as `.` (Wireshark's ASCII view).
fn printable(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if c == b'\n' || c == b'\r' || c == b'\t' || (0x20..0x7f).contains(&c) {
                c as char
            } else {
                '.'
            }
        })
        .collect()
}
