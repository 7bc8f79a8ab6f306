//! The list of Engine.IO sessions and TCP conversations. Rows are put in words
//! only when shown; the table sorts by any column (a click on its header, a
//! second click reverses).

use std::collections::HashMap;
use std::sync::Arc;

use egui_extras::{Column, TableBuilder};

use super::{ConvAction, Frame, Tab};
use crate::store::Store;
use crate::story::{self, ConversationRow, SessionRow, SortBy};

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

/// What a click in the list picked.
pub enum Picked {
    Conversation(u32),
    Session(u32),
    Action(ConvAction),
}

/// The table's columns: header, sort key.
const COLUMNS: [(&str, SortBy); 7] = [
    ("#", SortBy::Id),
    ("Client → Server", SortBy::Endpoints),
    ("Handshake", SortBy::Handshake),
    ("Packets", SortBy::Packets),
    ("Bytes", SortBy::Bytes),
    ("Duration", SortBy::Duration),
    ("Carries", SortBy::Carries),
];

#[derive(Default)]
pub struct ListView {
    /// The lists, built once per store generation (never once per frame).
    lists: Option<(u64, Arc<Lists>)>,
    /// Conversation rows in words, for the rows shown.
    rows: HashMap<u32, ConversationRow>,
    sort: (SortBy, bool),
    /// The conversations in the order sorted (`None`: `tcp.stream` order),
    /// for the lists' generation.
    order: Option<Vec<u32>>,
}

impl ListView {
    /// The lists for the current generation (a pass over the records, not the
    /// packets: a few milliseconds on a million packets).
    fn refresh(&mut self, f: &Frame<'_>) -> Arc<Lists> {
        match &self.lists {
            Some((g, l)) if *g == f.generation => l.clone(),
            _ => {
                let l = Arc::new(Lists::of(f.store));
                self.lists = Some((f.generation, l.clone()));
                self.rows.clear();
                self.order = None;
                l
            }
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

    /// The conversation on table row `row`.
    fn conversation_at(&mut self, store: &Store, lists: &Lists, row: usize) -> u32 {
        let (by, desc) = self.sort;
        if by == SortBy::Id {
            return if desc {
                (lists.carried.len() - 1 - row) as u32
            } else {
                row as u32
            };
        }
        let order = self
            .order
            .get_or_insert_with(|| story::sorted(store, &lists.carried, by, desc));
        order.get(row).copied().unwrap_or(row as u32)
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        f: &Frame<'_>,
        picked: (Option<u32>, Option<u32>),
        tab: &mut Tab,
    ) -> Option<Picked> {
        let lists = self.refresh(f);
        let mut out = None;
        if !lists.sessions.is_empty() {
            out = sessions_ui(ui, &lists.sessions, picked.1, tab);
            ui.separator();
        }
        let n = lists.carried.len();
        ui.strong(format!("TCP conversations ({n})"));
        let row_h = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
        let store = f.store;
        // Only the rows on screen are laid out: a capture can hold hundreds of
        // thousands of conversations.
        TableBuilder::new(ui)
            .id_salt("conv_table")
            .striped(true)
            .resizable(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(56.0).at_least(30.0))
            .column(Column::initial(250.0).at_least(80.0).clip(true))
            .column(Column::initial(170.0).at_least(60.0).clip(true))
            .column(Column::initial(70.0).at_least(40.0))
            .column(Column::initial(80.0).at_least(40.0))
            .column(Column::initial(76.0).at_least(40.0))
            .column(Column::remainder().at_least(60.0).clip(true))
            .min_scrolled_height(0.0)
            .header(row_h, |mut h| {
                for (title, by) in COLUMNS {
                    h.col(|ui| {
                        if let Some(s) = sort_header_ui(ui, title, by, self.sort) {
                            self.sort = s;
                            self.order = None;
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(row_h, n, |mut row| {
                    let i = self.conversation_at(store, &lists, row.index());
                    let Some(r) = self.row(store, &lists, i) else {
                        return;
                    };
                    let sel = picked.0 == Some(r.id);
                    let mut pick = false;
                    row.col(|ui| {
                        pick |= ui.selectable_label(sel, r.id.to_string()).clicked();
                    });
                    row.col(|ui| {
                        let resp = ui.selectable_label(sel, format!("{} → {}", r.client, r.server));
                        pick |= resp.clicked();
                        resp.context_menu(|ui| {
                            if ui.button("Apply as filter").clicked() {
                                let filter = story::conversation_filter(store, r.id);
                                out = Some(Picked::Action(ConvAction::ApplyFilter(filter)));
                                ui.close();
                            }
                            if ui.button("Go to first packet").clicked() {
                                out =
                                    Some(Picked::Action(ConvAction::SelectPacket(r.first_packet)));
                                ui.close();
                            }
                        });
                    });
                    cells_ui(&mut row, &r);
                    if pick {
                        out = Some(Picked::Conversation(r.id));
                        *tab = Tab::Ladder;
                    }
                });
            });
        out
    }
}

/// A column's header: its title, with a triangle (up: ascending, down:
/// descending) when the table is sorted by it; a click sorts by it (ascending
/// first, then reversed). Returns the new sort.
fn sort_header_ui(
    ui: &mut egui::Ui,
    title: &str,
    by: SortBy,
    sort: (SortBy, bool),
) -> Option<(SortBy, bool)> {
    let r = ui
        .add(egui::Button::new(egui::RichText::new(title).strong()).frame(false))
        .on_hover_text("Sort by this column (again to reverse)");
    if sort.0 == by {
        // Painted: the bundled fonts have no pair of up and down arrows.
        let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
        let c = rect.center();
        let (tip, base) = if sort.1 { (4.0, -4.0) } else { (-4.0, 4.0) };
        let points = vec![
            egui::pos2(c.x - 4.0, c.y + base),
            egui::pos2(c.x + 4.0, c.y + base),
            egui::pos2(c.x, c.y + tip),
        ];
        let color = ui.visuals().strong_text_color();
        ui.painter().add(egui::Shape::convex_polygon(
            points,
            color,
            egui::Stroke::NONE,
        ));
    }
    r.clicked().then(|| (by, sort.0 == by && !sort.1))
}

/// The cells after the endpoints.
fn cells_ui(row: &mut egui_extras::TableRow<'_, '_>, r: &ConversationRow) {
    let rtt = r
        .initial_rtt_ms
        .map_or(String::new(), |ms| format!(" ({ms:.3} ms)"));
    row.col(|ui| {
        ui.add(egui::Label::new(format!("{}{rtt}", r.handshake)).truncate());
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
        ui.add(egui::Label::new(r.tags.join(", ")).truncate());
    });
}

fn sessions_ui(
    ui: &mut egui::Ui,
    sessions: &[SessionRow],
    picked: Option<u32>,
    tab: &mut Tab,
) -> Option<Picked> {
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let mut out = None;
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
                let label = egui::Button::selectable(picked == Some(i as u32), text).truncate();
                if ui.add(label).clicked() {
                    out = Some(Picked::Session(i as u32));
                    *tab = Tab::Messages;
                }
            }
        });
    out
}
