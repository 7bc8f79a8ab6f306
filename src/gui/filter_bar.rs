//! The display-filter bar: Wireshark syntax (the library's [`crate::filter`]),
//! green when valid, red with the reason when not, field names offered in a
//! drop-down as you type (Tab takes the one highlighted). Filtering runs on a
//! worker thread with progress and a Cancel, so a million packets never freeze
//! the window.
//!
//! What the list shows and what the bar says stay one thing: the filter whose
//! matches are shown ([`FilterBar::applied_text`]) changes only when its run has
//! finished; a run cancelled puts the shown filter's text back in the bar, and a
//! valid text that differs from it is marked "not applied".

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Color32, RichText};

use super::loader::Progress;
use crate::filter::{self, Filter};
use crate::store::{PacketId, Store};

/// A filter running over the store.
struct Job {
    filter: Filter,
    rx: Receiver<(Vec<u32>, Duration)>,
    cancel: Arc<AtomicBool>,
    progress: Progress,
}

/// What the last finished run matched, and how long it took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub matched: usize,
    pub total: usize,
    pub took: Duration,
}

/// Most names offered in the completion drop-down.
const MAX_SUGGESTIONS: usize = 60;

#[derive(Default)]
pub struct FilterBar {
    pub text: String,
    /// Why the text does not parse.
    pub error: Option<String>,
    /// The filter the list shows: its matches are `shown`.
    applied: Option<Filter>,
    /// Packets matching `applied`; `None` shows all.
    shown: Option<Vec<u32>>,
    /// A filter to run as soon as a store can be filtered (it was set while loading,
    /// or the store changed).
    pending: Option<Filter>,
    job: Option<Job>,
    /// The last run that finished.
    last_run: Option<Run>,
    /// Said under the bar until the next filter is applied (a run cancelled).
    notice: Option<String>,
    /// While capturing: the next packet [`FilterBar::live_step`] looks at.
    live_next: usize,
    /// A live capture is shown (its rows are filtered as they arrive).
    pub live: bool,
    /// See [`FilterBar::hold_next_run`].
    gate: Option<Receiver<()>>,
}

impl FilterBar {
    /// A new capture is shown: the filter applied (or on its way) applies to it
    /// once it can be filtered.
    pub fn reset(&mut self) {
        self.live = false;
        self.live_next = 0;
        let running = self.job.take().map(|j| {
            j.cancel.store(true, Ordering::Relaxed);
            j.filter
        });
        self.pending = (self.pending.take()).or(running).or(self.applied.take());
        self.applied = None;
        self.shown = None;
        self.last_run = None;
        self.notice = None;
    }

    /// The packets shown, or `None` for all.
    pub fn shown(&self) -> Option<&[u32]> {
        self.shown.as_deref()
    }

    /// Whether packet `index` is known not to match the filter shown (a live capture's
    /// newest packets are not looked at yet).
    pub fn hides(&self, index: u32) -> bool {
        let decided = if self.live {
            self.live_next
        } else {
            usize::MAX
        };
        self.shown
            .as_ref()
            .is_some_and(|v| (index as usize) < decided && v.binary_search(&index).is_err())
    }

    /// The text of the filter the list shows, if any.
    pub fn applied_text(&self) -> Option<&str> {
        self.applied.as_ref().map(Filter::text)
    }

    /// What the last finished run matched and how long it took.
    pub fn last_run(&self) -> Option<Run> {
        self.last_run
    }

    /// Tests: the next run waits for `gate` (a message or its sender dropped) before
    /// it hands its result over, so that it can be cancelled while it runs.
    pub fn hold_next_run(&mut self, gate: Receiver<()>) {
        self.gate = Some(gate);
    }

    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// Set the text and apply it (from "Apply as filter" or a test).
    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.apply_text();
    }

    /// The store changed: apply the current filter again.
    pub fn rerun(&mut self) {
        if self.pending.is_none() {
            self.pending = match self.job.take() {
                Some(j) => {
                    j.cancel.store(true, Ordering::Relaxed);
                    Some(j.filter)
                }
                None => self.applied.clone(),
            };
        }
    }

    fn stop_job(&mut self) {
        if let Some(j) = self.job.take() {
            j.cancel.store(true, Ordering::Relaxed);
        }
    }

    fn apply_text(&mut self) {
        match filter::parse(&self.text) {
            Ok(f) if f.is_empty() => {
                self.stop_job();
                self.applied = None;
                self.error = None;
                self.shown = None;
                self.pending = None;
                self.last_run = None;
                self.notice = None;
            }
            Ok(f) => {
                self.error = None;
                self.notice = None;
                self.pending = Some(f);
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// Stop the running filter: the list keeps showing the filter before it, and the
    /// bar shows that one again.
    pub fn cancel(&mut self) {
        let Some(j) = self.job.take() else { return };
        j.cancel.store(true, Ordering::Relaxed);
        self.text = self.applied_text().unwrap_or_default().to_string();
        self.error = None;
        self.notice = Some(match self.applied_text() {
            Some(t) => format!(
                "Filtering by {} was cancelled: the list shows {t}",
                j.filter.text()
            ),
            None => format!(
                "Filtering by {} was cancelled: the list shows all packets",
                j.filter.text()
            ),
        });
    }

    /// The filter the list will show once nothing runs or waits.
    fn target_text(&self) -> &str {
        (self.pending.as_ref())
            .or(self.job.as_ref().map(|j| &j.filter))
            .or(self.applied.as_ref())
            .map_or("", Filter::text)
    }

    /// While a capture grows: test the packets that arrived since the last call against
    /// the applied filter, for at most `budget` (incremental: each packet is looked at
    /// once, as it arrives; records of a stream still open can change later, so the
    /// whole store is filtered again when the capture stops). True if some are left.
    pub fn live_step(&mut self, store: &Store, budget: Duration) -> bool {
        self.live = true;
        if let Some(f) = self.pending.take() {
            self.stop_job();
            self.applied = Some(f);
            self.shown = None;
        }
        let Some(f) = &self.applied else {
            return false;
        };
        let shown = self.shown.get_or_insert_with(|| {
            self.live_next = 0;
            Vec::new()
        });
        let t = Instant::now();
        while self.live_next < store.len() && t.elapsed() < budget {
            let i = self.live_next as u32;
            if f.matches_packet(store, PacketId(i)) {
                shown.push(i);
            }
            self.live_next += 1;
        }
        self.live_next < store.len()
    }

    /// Start, follow and finish filtering.
    pub fn poll(&mut self, store: &Arc<Store>, ctx: &egui::Context) {
        if let Some(f) = self.pending.take() {
            self.start(store.clone(), f, ctx.clone());
        }
        if let Some(j) = &self.job {
            if let Ok(r) = j.rx.try_recv() {
                self.finished(r, store.len());
            } else {
                ctx.request_repaint_after(Duration::from_millis(50));
            }
        }
    }

    /// Block until the running filter finishes (tests).
    pub fn wait(&mut self, store: &Arc<Store>, ctx: &egui::Context) {
        self.poll(store, ctx);
        if let Some(r) = self.job.as_ref().and_then(|j| j.rx.recv().ok()) {
            self.finished(r, store.len());
        }
    }

    /// The running filter's matches came: the list shows them.
    fn finished(&mut self, (matches, took): (Vec<u32>, Duration), total: usize) {
        let Some(j) = self.job.take() else { return };
        self.last_run = Some(Run {
            matched: matches.len(),
            total,
            took,
        });
        self.applied = Some(j.filter);
        self.shown = Some(matches);
    }

    fn start(&mut self, store: Arc<Store>, f: Filter, ctx: egui::Context) {
        self.stop_job();
        let (tx, rx) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let progress = Progress::default();
        let (c, p) = (cancel.clone(), progress.clone());
        let gate = self.gate.take();
        let run = f.clone();
        let spawned = std::thread::Builder::new()
            .name("layerscope-filter".into())
            .spawn(move || {
                let t = Instant::now();
                let v = filter::filter_all(&store, &run, &c, |done, total| p.set(done, total));
                let took = t.elapsed();
                if let Some(g) = gate {
                    let _ = g.recv();
                }
                if !c.load(Ordering::Relaxed) {
                    let _ = tx.send((v, took));
                    ctx.request_repaint();
                }
            });
        match spawned {
            Ok(_) => {
                self.job = Some(Job {
                    filter: f,
                    rx,
                    cancel,
                    progress,
                })
            }
            Err(e) => self.error = Some(format!("cannot start filtering: {e}")),
        }
    }

    /// Draw the bar.
    pub fn ui(&mut self, ui: &mut egui::Ui, store: Option<Arc<Store>>) {
        let mut cancel = false;
        ui.horizontal(|ui| {
            ui.label("Filter:");
            let enter = self.field_ui(ui);
            if ui.button("Apply").clicked() || enter {
                self.apply_text();
            }
            if ui.button("Clear").clicked() {
                self.text.clear();
                self.apply_text();
            }
            if let Some(j) = &self.job {
                ui.add(
                    egui::ProgressBar::new(j.progress.fraction())
                        .desired_width(80.0)
                        .text("filtering"),
                );
                cancel = ui.button("Cancel").clicked();
            }
            let typed = self.text.trim();
            if self.error.is_none() && typed != self.target_text().trim() {
                ui.label(RichText::new("not applied: press Enter").weak())
                    .on_hover_text(match self.applied_text() {
                        Some(t) => format!("The list shows {t}"),
                        None => "The list shows all packets".to_string(),
                    });
            }
        });
        if cancel {
            self.cancel();
        }
        if let Some(e) = &self.error {
            ui.label(RichText::new(format!("✖ {e}")).color(Color32::from_rgb(0xe0, 0x5a, 0x4f)));
        } else if let Some(n) = &self.notice {
            ui.label(RichText::new(n).weak());
        } else if store.is_none() && self.pending.is_some() && !self.live {
            ui.label(RichText::new("The filter applies when loading finishes.").weak());
        }
    }

    /// The text field, with the names completing the word before the cursor in a
    /// drop-down under it. True when Enter was pressed in it.
    fn field_ui(&mut self, ui: &mut egui::Ui) -> bool {
        // Every change of the text parses it again and sets `error`.
        let bg = if self.text.trim().is_empty() {
            None
        } else if self.error.is_none() {
            Some(Color32::from_rgb(0x1f, 0x5f, 0x2a))
        } else {
            Some(Color32::from_rgb(0x7a, 0x1f, 0x1f))
        };
        let mut edit = egui::TextEdit::singleline(&mut self.text)
            .hint_text("e.g. socketio.event == \"chat message\"   tcp.port == 3000 && websocket")
            .desired_width(ui.available_width() - 300.0);
        if let Some(c) = bg {
            edit = edit.background_color(c).text_color(Color32::WHITE);
        }
        let out = egui::CompletionPopup::new(ui.make_persistent_id("filter_text"))
            .align(egui::RectAlign::BOTTOM_START)
            .accept_keys([egui::Key::Tab])
            .max_height(260.0)
            .word_boundary(|c| !is_name_char(c))
            .show(ui, edit, suggestions);
        let r = &out.text_edit.response.response;
        if r.changed() || out.accepted.is_some() {
            // Validate as you type; apply on Enter.
            self.error = filter::parse(&self.text).err().map(|e| e.to_string());
        }
        r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
    }
}

/// Whether `c` can be part of a field name.
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

/// The field names that complete the word before the cursor, with their
/// descriptions; none inside a quoted string or a number.
fn suggestions(q: &egui::CompletionQuery<'_>) -> Vec<egui::Suggestion> {
    let before: String = q.text.chars().take(q.word_range.start.0).collect();
    let in_string = before.matches('"').count() % 2 == 1;
    if q.word.is_empty() || in_string || q.word.starts_with(|c: char| c.is_ascii_digit()) {
        return Vec::new();
    }
    (filter::known_fields().iter())
        .filter(|(name, _)| name.starts_with(q.word) && *name != q.word)
        .take(MAX_SUGGESTIONS)
        .map(|(name, about)| egui::Suggestion::new(*name).description(*about))
        .collect()
}
