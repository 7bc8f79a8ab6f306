//! The list of Engine.IO sessions and TCP conversations. Rows are put in words
//! only when shown; the table sorts by any column (a click on its header, a
//! second click reverses).

use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, Receiver, TryRecvError};
use std::sync::Arc;

use egui_extras::{Column, TableBuilder};

use super::{ConvAction, Frame, Tab};
use crate::store::{Growing, Store};
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

/// Where a worker thread reads the store to build the lists: the finished
/// store, or the growing one under its read lock (the loader lets readers in
/// first, so the window's own looks at the store are not held back).
enum Source {
    Done(Arc<Store>),
    Growing(Arc<Growing>),
}

impl Source {
    fn lists(&self) -> Lists {
        match self {
            Source::Done(s) => Lists::of(s),
            Source::Growing(g) => Lists::of(&g.read()),
        }
    }
}

pub struct ListView {
    /// Above this many conversations, the lists are built on a worker thread.
    large: usize,
    /// The lists, built once per store generation (never once per frame).
    lists: Option<(u64, Arc<Lists>)>,
    /// The lists being built on a worker thread, for a generation. One at a time:
    /// a generation that comes meanwhile is built when this one has arrived.
    building: Option<(u64, Receiver<Lists>)>,
    /// Conversation rows in words, for the rows shown.
    rows: HashMap<u32, ConversationRow>,
    sort: (SortBy, bool),
    /// The conversations in the order sorted (`None`: `tcp.stream` order),
    /// for the lists' generation.
    order: Option<Vec<u32>>,
}

impl Default for ListView {
    fn default() -> Self {
        ListView {
            large: super::LARGE as usize,
            lists: None,
            building: None,
            rows: HashMap::new(),
            sort: Default::default(),
            order: None,
        }
    }
}

impl ListView {
    /// The lists for the current generation, or the last ones built while those
    /// are on their way. They are a pass over the records, not the packets, but
    /// that is still over 10 ms on a million packets: above [`super::LARGE`]
    /// conversations they are built on a worker thread, so that the frames
    /// drawn while a large capture loads stay short.
    fn refresh(&mut self, f: &Frame<'_>, ctx: &egui::Context) -> Option<Arc<Lists>> {
        if let Some((g, rx)) = &self.building {
            match rx.try_recv() {
                Ok(l) => {
                    let g = *g;
                    self.building = None;
                    self.show(g, l);
                }
                // The worker died: build the lists here below.
                Err(TryRecvError::Disconnected) => self.building = None,
                Err(TryRecvError::Empty) => {}
            }
        }
        let current = matches!(&self.lists, Some((g, _)) if *g == f.generation);
        if !current && self.building.is_none() {
            let large = f.store.analysis.tcp.conversations.len() > self.large;
            let source = match (f.shared, f.growing) {
                (Some(s), _) => Some(Source::Done(s.clone())),
                (None, Some(g)) => Some(Source::Growing(g.clone())),
                (None, None) => None,
            };
            let spawned = source
                .filter(|_| large)
                .is_some_and(|s| self.spawn(f.generation, s, ctx));
            if !spawned {
                self.show(f.generation, Lists::of(f.store));
            }
        }
        self.lists.as_ref().map(|(_, l)| l.clone())
    }

    fn show(&mut self, generation: u64, lists: Lists) {
        self.lists = Some((generation, Arc::new(lists)));
        self.rows.clear();
        self.order = None;
    }

    /// Build the lists on a worker thread; false if there is no thread to be had.
    fn spawn(&mut self, generation: u64, source: Source, ctx: &egui::Context) -> bool {
        let (tx, rx) = sync_channel(1);
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("layerscope-lists".into())
            .spawn(move || {
                let _ = tx.send(source.lists());
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.building = Some((generation, rx));
        }
        spawned.is_ok()
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
        let Some(lists) = self.refresh(f, ui.ctx()) else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Listing the conversations…");
            });
            return None;
        };
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
                let on = if s.host.is_empty() {
                    String::new()
                } else {
                    format!(" on {}", s.host)
                };
                let mut text = format!(
                    "{}{on}  v{}  streams {:?}  {}  {} packets",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Keep;
    use crate::capture::Capture;

    const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/socketio-chat.pcap");

    fn capture() -> Arc<Capture> {
        Arc::new(Capture::open(std::path::Path::new(SAMPLE)).expect("sample opens"))
    }

    fn store() -> Arc<Store> {
        Arc::new(Store::build(
            Capture::open(std::path::Path::new(SAMPLE)).unwrap(),
        ))
    }

    /// The lists `view` shows after frames over `f`, waiting for a worker.
    fn settled(view: &mut ListView, f: &Frame<'_>, ctx: &egui::Context) -> Arc<Lists> {
        for _ in 0..10_000 {
            if let Some(l) = view.refresh(f, ctx) {
                if view.building.is_none() {
                    return l;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        panic!("the lists never arrived");
    }

    /// The lists as the table shows them.
    fn words(store: &Store, l: &Lists) -> String {
        let rows: Vec<_> = (0..l.carried.len() as u32)
            .map(|i| story::conversation_row(store, &l.carried, i))
            .collect();
        serde_json::to_string(&(rows, &l.sessions)).unwrap()
    }

    fn same(store: &Store, a: &Lists, b: &Lists) {
        assert_eq!(words(store, a), words(store, b));
    }

    /// Large lists come from a worker thread, over the finished store or over the
    /// growing one; nothing is shown until they arrive, and they are the lists
    /// built here.
    #[test]
    fn large_lists_are_built_on_a_worker() {
        let ctx = egui::Context::default();
        let cap = capture();
        let done = store();
        let here = Lists::of(&done);
        assert!(!here.carried.is_empty() && !here.sessions.is_empty());

        let mut view = ListView {
            large: 0,
            ..ListView::default()
        };
        let f = Frame {
            store: &done,
            shared: Some(&done),
            growing: None,
            generation: u64::MAX,
            selected: None,
        };
        assert!(
            view.refresh(&f, &ctx).is_none(),
            "built here, not on a worker"
        );
        assert!(view.building.is_some());
        same(&done, &settled(&mut view, &f, &ctx), &here);

        let (g, mut pass) = Growing::start(cap.clone(), Keep::Records);
        let g = Arc::new(g);
        g.grow_by(&mut pass, usize::MAX);
        g.finish(pass);
        let read = g.read();
        let f = Frame {
            store: &read,
            shared: None,
            growing: Some(&g),
            generation: 7,
            selected: None,
        };
        // The old lists stay shown while the new ones are built.
        let shown = view.refresh(&f, &ctx).expect("the last lists stay shown");
        assert!(view.building.is_some());
        same(&done, &shown, &here);
        same(&done, &settled(&mut view, &f, &ctx), &here);
        assert!(matches!(view.lists, Some((7, _))));
    }

    /// Small lists are built at once, on the thread that draws.
    #[test]
    fn small_lists_are_built_at_once() {
        let ctx = egui::Context::default();
        let done = store();
        let mut view = ListView::default();
        let f = Frame {
            store: &done,
            shared: Some(&done),
            growing: None,
            generation: 1,
            selected: None,
        };
        let l = view.refresh(&f, &ctx).expect("built at once");
        assert!(view.building.is_none());
        same(&done, &l, &Lists::of(&done));
    }
}
