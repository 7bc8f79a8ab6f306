//! The display-filter bar: Wireshark syntax (the library's [`crate::filter`]),
//! green when valid, red with the reason when not, field names completed as
//! you type. Filtering runs on a worker thread with progress and a Cancel, so
//! a million packets never freeze the window.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

use egui::{Color32, RichText};

use super::loader::Progress;
use crate::filter::{self, Filter};
use crate::store::{PacketId, Store};

struct Job {
    rx: Receiver<Vec<u32>>,
    cancel: Arc<AtomicBool>,
    progress: Progress,
}

#[derive(Default)]
pub struct FilterBar {
    pub text: String,
    /// The filter last applied (Enter or Apply), if valid and not empty.
    applied: Option<Filter>,
    /// Why the text does not parse.
    pub error: Option<String>,
    /// Packets matching `applied`, once computed.
    shown: Option<Vec<u32>>,
    job: Option<Job>,
    /// Apply again when the store is ready (the filter was set while loading).
    pending: bool,
    /// While capturing: the next packet [`FilterBar::live_step`] looks at.
    live_next: usize,
    /// A live capture is shown (its rows are filtered as they arrive).
    pub live: bool,
}

impl FilterBar {
    pub fn reset(&mut self) {
        self.live = false;
        self.live_next = 0;
        if let Some(j) = self.job.take() {
            j.cancel.store(true, Ordering::Relaxed);
        }
        self.shown = None;
        self.pending = self.applied.is_some();
    }

    /// The packets shown, or `None` for all.
    pub fn shown(&self) -> Option<&[u32]> {
        self.shown.as_deref()
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
        if self.applied.is_some() {
            self.pending = true;
        }
    }

    fn apply_text(&mut self) {
        match filter::parse(&self.text) {
            Ok(f) if f.is_empty() => {
                self.applied = None;
                self.error = None;
                self.shown = None;
                self.pending = false;
                if let Some(j) = self.job.take() {
                    j.cancel.store(true, Ordering::Relaxed);
                }
            }
            Ok(f) => {
                self.applied = Some(f);
                self.error = None;
                self.pending = true;
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// While a capture grows: test the packets that arrived since the last call against
    /// the applied filter, for at most `budget` (incremental: each packet is looked at
    /// once, as it arrives; records of a stream still open can change later, so the
    /// whole store is filtered again when the capture stops). True if some are left.
    pub fn live_step(&mut self, store: &Store, budget: std::time::Duration) -> bool {
        self.live = true;
        let Some(f) = &self.applied else {
            return false;
        };
        if self.pending || self.shown.is_none() {
            self.pending = false;
            if let Some(j) = self.job.take() {
                j.cancel.store(true, Ordering::Relaxed);
            }
            self.shown = Some(Vec::new());
            self.live_next = 0;
        }
        let shown = self.shown.get_or_insert_with(Vec::new);
        let t = std::time::Instant::now();
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
        if self.pending {
            self.pending = false;
            if let Some(f) = self.applied.clone() {
                self.start(store.clone(), f, ctx.clone());
            }
        }
        if let Some(j) = &self.job {
            if let Ok(v) = j.rx.try_recv() {
                self.shown = Some(v);
                self.job = None;
            } else {
                ctx.request_repaint_after(std::time::Duration::from_millis(50));
            }
        }
    }

    /// Block until the running filter finishes (tests).
    pub fn wait(&mut self, store: &Arc<Store>, ctx: &egui::Context) {
        self.poll(store, ctx);
        if let Some(j) = self.job.take() {
            if let Ok(v) = j.rx.recv() {
                self.shown = Some(v);
            }
        }
    }

    fn start(&mut self, store: Arc<Store>, f: Filter, ctx: egui::Context) {
        if let Some(j) = self.job.take() {
            j.cancel.store(true, Ordering::Relaxed);
        }
        let (tx, rx) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let progress = Progress::default();
        let (c, p) = (cancel.clone(), progress.clone());
        let spawned = std::thread::Builder::new()
            .name("layerscope-filter".into())
            .spawn(move || {
                let v = filter::filter_all(&store, &f, &c, |done, total| p.set(done, total));
                if !c.load(Ordering::Relaxed) {
                    let _ = tx.send(v);
                    ctx.request_repaint();
                }
            });
        match spawned {
            Ok(_) => {
                self.job = Some(Job {
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
        ui.horizontal(|ui| {
            ui.label("Filter:");
            // Every change of the text parses it again and sets `error`.
            let valid = self.error.is_none();
            let bg = if self.text.trim().is_empty() {
                None
            } else if valid {
                Some(Color32::from_rgb(0x1f, 0x5f, 0x2a))
            } else {
                Some(Color32::from_rgb(0x7a, 0x1f, 0x1f))
            };
            let mut edit = egui::TextEdit::singleline(&mut self.text)
                .hint_text(
                    "e.g. socketio.event == \"chat message\"   tcp.port == 3000 && websocket",
                )
                .desired_width(ui.available_width() - 260.0)
                .id_salt("filter_text");
            if let Some(c) = bg {
                edit = edit.background_color(c).text_color(Color32::WHITE);
            }
            let r = ui.add(edit);
            if r.changed() {
                // Validate as you type; apply on Enter.
                self.error = filter::parse(&self.text).err().map(|e| e.to_string());
            }
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
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
                if ui.button("Cancel").clicked() {
                    j.cancel.store(true, Ordering::Relaxed);
                    self.job = None;
                }
            }
            if !valid {
                self.suggestions_ui(ui);
            }
        });
        if let Some(e) = &self.error {
            ui.label(RichText::new(format!("✖ {e}")).color(Color32::from_rgb(0xe0, 0x5a, 0x4f)));
        } else if store.is_none() && self.applied.is_some() && !self.live {
            ui.label(RichText::new("The filter applies when loading finishes.").weak());
        }
    }

    /// Field names completing the word being typed, as buttons.
    fn suggestions_ui(&mut self, ui: &mut egui::Ui) {
        let last = (self.text.rsplit([' ', '(', '!', '&', '|']).next())
            .unwrap_or("")
            .to_string();
        if last.is_empty() {
            return;
        }
        let sugg: Vec<&str> = filter::complete(&self.text)
            .into_iter()
            .filter(|s| *s != last)
            .take(6)
            .collect();
        for s in sugg {
            if ui.small_button(s).on_hover_text("complete").clicked() {
                let cut = self.text.len() - last.len();
                self.text.truncate(cut);
                self.text.push_str(s);
                self.error = filter::parse(&self.text).err().map(|e| e.to_string());
            }
        }
    }
}
