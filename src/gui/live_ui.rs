//! The window's side of live capture (a part of [`super::App`]): the Capture menu and its
//! shortcuts, starting and stopping, the status bar while capturing, the window title,
//! Save / Discard / Cancel before anything would lose unsaved packets, the dialog that
//! explains a capture that did not start, and the recovery of spools left by a crash.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::Duration;

use egui::{Color32, Key, KeyboardShortcut, Modifiers, RichText};

use super::{App, Choosing, Input, Source};
use crate::capture::status::ErrorKind;
use crate::capture::{Capture, Format};
use crate::gui::live::{Factory, Failure, Live, LiveEvent, LiveStats, STDIN_NAME};
use crate::live::spool::Leftover;
use crate::live::{Helper, LiveError, Options};

const RED: Color32 = Color32::from_rgb(0xe0, 0x5a, 0x4f);

/// The spool behind what is shown, and how many of its packets are saved elsewhere.
pub struct SpoolState {
    /// The spool file (`None`: standard input's, which has no name).
    pub path: Option<PathBuf>,
    pub saved: usize,
    /// The interfaces it was captured on ("" for a recovered spool, "standard input").
    pub iface: String,
    /// The last counters of the capture (kept after it stops: drops are never hidden).
    pub stats: Option<LiveStats>,
}

/// What waits for Save / Discard / Cancel.
pub enum Pending {
    Quit,
    Open(Input),
    Capture(Options),
}

/// A capture that did not start, in words, with the command to fix it when there is one.
pub struct Problem {
    pub title: String,
    pub message: String,
    pub command: Option<String>,
    pub hint: Option<String>,
    pub copied: bool,
}

/// Spools left by an earlier run: (leftover, packets in it once counted).
pub struct Recovery {
    pub items: Vec<(Leftover, Option<Result<usize, String>>)>,
    rx: Receiver<(usize, Result<usize, String>)>,
}

pub use crate::dissect::fmt::thousands;

/// `3.2 MB`.
pub fn size_text(bytes: u64) -> String {
    match bytes {
        b if b < 1_000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.1} kB", b as f64 / 1e3),
        b if b < 1_000_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b => format!("{:.2} GB", b as f64 / 1e9),
    }
}

/// The status once standard input is read (ended, stopped, or failed after some packets),
/// or why it could not be read at all.
fn stdin_done_text(stats: &LiveStats, stopped: bool, n: usize) -> Result<String, String> {
    let count = thousands(n as u64);
    match &stats.error {
        Some(e) if n == 0 => Err(e.clone()),
        Some(e) => Ok(format!("{e}; the {count} packets read are kept")),
        None if n == 0 => Ok(format!("{STDIN_NAME} ended with no packet")),
        None if stopped => Ok(format!(
            "stopped reading {STDIN_NAME}; {count} packets, not saved yet (File ▸ Save As)"
        )),
        None => Ok(format!(
            "{STDIN_NAME} ended; {count} packets, not saved yet (File ▸ Save As)"
        )),
    }
}

impl Problem {
    fn of(f: &Failure, known: Option<Vec<String>>) -> Problem {
        let p = |title: &str, message: String| Problem {
            title: title.into(),
            message,
            command: None,
            hint: None,
            copied: false,
        };
        match f {
            Failure::Live(e @ LiveError::Helper { kind, available, .. }) => match kind {
                ErrorKind::Permission => {
                    let message = e.to_string();
                    let command = (message.lines())
                        .find_map(|l| l.find("setcap").map(|at| l[at..].trim().to_string()))
                        .map(|c| format!("sudo {}", c.trim_start_matches("sudo ")))
                        .or_else(|| {
                            let helper = Helper::locate().ok()?;
                            Some(format!(
                                "sudo setcap cap_net_raw,cap_net_admin=eip {}",
                                helper.display()
                            ))
                        });
                    Problem {
                        command,
                        hint: Some("or run layerscope as root".into()),
                        ..p("Not allowed to capture", message)
                    }
                }
                ErrorKind::NoSuchInterface => {
                    let names = if available.is_empty() {
                        known.unwrap_or_default()
                    } else {
                        available.clone()
                    };
                    Problem {
                        hint: Some(format!("Interfaces that exist: {}", names.join(", "))),
                        ..p("No such interface", e.to_string())
                    }
                }
                _ => p("The capture did not start", e.to_string()),
            },
            Failure::Live(e @ LiveError::NotFound { .. }) => Problem {
                hint: Some(
                    "It is built with layerscope: `cargo build --release --bins` puts it next to `layerscope` in target/release.".into(),
                ),
                ..p("The capture helper is missing", e.to_string())
            },
            other => p("The capture did not start", other.to_string()),
        }
    }
}

impl App {
    /// A live capture (running, stopped or recovered) has packets not saved elsewhere.
    pub fn has_unsaved(&self) -> bool {
        self.spool
            .as_ref()
            .is_some_and(|s| self.source.as_ref().map_or(0, Source::len) > s.saved)
    }

    /// The title the window has (or is about to get).
    pub fn window_title(&self) -> &str {
        &self.window_title
    }

    /// The spool of the capture shown, if any.
    pub fn spool_path(&self) -> Option<&Path> {
        self.spool.as_ref().and_then(|s| s.path.as_deref())
    }

    /// The explanation shown for a capture that did not start.
    pub fn problem_text(&self) -> Option<String> {
        self.problem
            .as_ref()
            .map(|p| format!("{}\n{}", p.title, p.message))
    }

    /// Start capturing (after Save / Discard / Cancel if what is shown is not saved).
    pub fn start_capture(&mut self, opts: Options, ctx: &egui::Context) {
        if self.has_unsaved() {
            self.confirm = Some(Pending::Capture(opts));
        } else {
            self.start_capture_now(opts, ctx);
        }
    }

    fn start_capture_now(&mut self, opts: Options, ctx: &egui::Context) {
        self.welcome = false;
        self.leave_capture();
        if let Some(l) = self.loader.take() {
            l.cancel();
        }
        if let Some(o) = self.opening.take() {
            o.loader.cancel();
        }
        if let Some(f) = &opts.filter {
            self.settings.add_capture_filter(f);
            self.save_settings();
        }
        let iface = opts.interfaces.join(", ");
        self.title = format!("capturing on {iface}");
        self.clear_for_live();
        let c = ctx.clone();
        self.live = Some(Live::start(opts, self.live_factory.clone(), move || {
            c.request_repaint()
        }));
    }

    /// Read standard input (`factory`: [`crate::gui::live::ReaderSource::factory`]) as a stream: rows come
    /// as the packets do, Stop keeps what was read, and Save As writes it to a file.
    pub fn read_stream(&mut self, factory: Factory, ctx: &egui::Context) {
        self.leave_capture();
        if let Some(l) = self.loader.take() {
            l.cancel();
        }
        self.title = format!("reading {STDIN_NAME}");
        self.clear_for_live();
        let c = ctx.clone();
        self.live = Some(Live::read(factory, move || c.request_repaint()));
    }

    /// Forget what is shown, for a capture about to start.
    fn clear_for_live(&mut self) {
        self.source = None;
        self.selected = None;
        self.error = None;
        self.status = None;
        self.problem = None;
        self.load_time = None;
        self.warnings = 0;
        self.cache.clear();
        self.filter.reset();
        self.filter.live = true;
        self.views = Default::default();
        self.follow = true;
        self.list_scroll = (0.0, 0);
    }

    /// Ask the capture to stop; what it captured stays open.
    pub fn stop_capture(&mut self) {
        if let Some(l) = &self.live {
            l.stop();
        }
    }

    /// Wait for the running capture's next event and apply it (tests).
    pub fn wait_live(&mut self, timeout: Duration) -> bool {
        let Some(e) = self.live.as_ref().and_then(|l| l.wait(timeout)) else {
            return false;
        };
        self.live_event(e);
        true
    }

    /// Forget the capture shown: stop it if it runs, and delete its spool when nothing
    /// of it would be lost (saved, or no packets) or the user discarded it.
    pub(super) fn leave_capture(&mut self) {
        if let Some(l) = self.live.take() {
            l.stop();
        }
        if let Some(path) = self.spool.take().and_then(|s| s.path) {
            let _ = std::fs::remove_file(path);
        }
    }

    fn discard(&mut self) {
        self.leave_capture();
        if self.source.as_ref().is_some_and(Source::is_live) {
            self.source = None;
        }
    }

    fn then(&mut self, p: Pending, ctx: &egui::Context) {
        match p {
            Pending::Quit => {
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Pending::Open(i) => self.open_now(i, ctx),
            Pending::Capture(o) => self.start_capture_now(o, ctx),
        }
    }

    fn live_event(&mut self, e: LiveEvent) {
        match e {
            LiveEvent::Started {
                growing,
                indexed,
                spool,
            } => {
                let iface = self.live.as_ref().map(Live::iface).unwrap_or_default();
                self.spool = Some(SpoolState {
                    path: spool,
                    saved: 0,
                    iface,
                    stats: None,
                });
                self.source = Some(Source::Live(growing, indexed));
            }
            LiveEvent::Done => {
                let Some(live) = self.live.take() else { return };
                let stats = live.stats();
                if let Some(Source::Live(g, _)) = &self.source {
                    let store = Arc::new(g.take());
                    self.warnings = store.capture.warnings.len()
                        + (store.summaries.iter())
                            .map(|x| x.warning_count() as usize)
                            .sum::<usize>();
                    let n = store.len();
                    self.source = Some(Source::Store(store));
                    self.status = if live.stdin {
                        match stdin_done_text(&stats, live.stopping(), n) {
                            Ok(status) => Some(status),
                            Err(e) => {
                                self.error = Some(e);
                                self.error_file = STDIN_NAME.into();
                                if n == 0 {
                                    // Nothing was read: the reason in place of an empty list.
                                    self.source = None;
                                }
                                None
                            }
                        }
                    } else {
                        Some(match &stats.error {
                            Some(e) => format!(
                                "capture stopped: {e}; the {} packets captured are kept",
                                thousands(n as u64)
                            ),
                            None => format!(
                                "capture stopped; {} packets, not saved yet (File ▸ Save As)",
                                thousands(n as u64)
                            ),
                        })
                    };
                }
                self.title = if live.stdin {
                    STDIN_NAME.into()
                } else {
                    format!("capture on {}", live.iface())
                };
                if let Some(s) = &mut self.spool {
                    s.stats = Some(stats);
                }
                self.filter.live = false;
                self.filter.rerun();
                self.cache.clear();
                if let Some(i) = self.selected.as_ref().map(|s| s.index) {
                    self.select(i);
                }
            }
            LiveEvent::Failed(f) => {
                let known = self.capture.names();
                if self.live.take().is_some_and(|l| l.stdin) {
                    // Shown as a file that could not be opened is: in place of the
                    // empty capture the reading had started.
                    self.title = STDIN_NAME.into();
                    self.source = None;
                    self.error_file = STDIN_NAME.into();
                    self.error = Some(f.to_string());
                    return;
                }
                self.title = String::new();
                self.problem = Some(Problem::of(&f, known));
            }
        }
    }

    /// Capture events, shortcuts, closing the window, the title.
    pub(super) fn live_logic(&mut self, ctx: &egui::Context) {
        while let Some(e) = self.live.as_ref().and_then(Live::poll) {
            self.live_event(e);
        }
        if self.live.is_some() {
            ctx.request_repaint_after(Duration::from_millis(250));
        }
        if let Some(r) = &mut self.recovery {
            while let Ok((i, n)) = r.rx.try_recv() {
                if let Some(item) = r.items.get_mut(i) {
                    // An empty spool (the helper never wrote a packet) is not worth asking.
                    if n == Ok(0) {
                        let _ = std::fs::remove_file(&item.0.path);
                    }
                    item.1 = Some(n);
                }
            }
            r.items.retain(|(_, n)| *n != Some(Ok(0)));
            if r.items.is_empty() {
                self.recovery = None;
            }
        }
        let kbd = |k| KeyboardShortcut::new(Modifiers::COMMAND, k);
        if ctx.input_mut(|i| i.consume_shortcut(&kbd(Key::K))) {
            self.capture.open = true;
        }
        if ctx.input_mut(|i| i.consume_shortcut(&kbd(Key::E))) {
            self.toggle_capture(ctx);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&kbd(Key::R))) {
            self.restart_capture(ctx);
        }
        let typing = ctx.memory(|m| m.focused().is_some());
        if !typing && self.live.is_some() && ctx.input(|i| i.key_pressed(Key::End)) {
            self.follow = true;
        }
        if ctx.input(|i| i.viewport().close_requested()) && !self.allow_close {
            if self.has_unsaved() {
                ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
                self.confirm = Some(Pending::Quit);
            } else {
                self.leave_capture();
            }
        }
        let title = if let Some(l) = &self.live {
            match l.stdin {
                true => format!("reading {STDIN_NAME} — layerscope"),
                false => format!("capturing on {} — layerscope", l.iface()),
            }
        } else if self.title.is_empty() {
            "layerscope".to_string()
        } else {
            format!("{} — layerscope", self.title)
        };
        if title != self.window_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.window_title = title;
        }
    }

    fn toggle_capture(&mut self, ctx: &egui::Context) {
        if self.live.is_some() {
            self.stop_capture();
        } else {
            match self.capture.options() {
                Ok(o) => self.start_capture(o, ctx),
                Err(_) => self.capture.open = true,
            }
        }
    }

    fn restart_capture(&mut self, ctx: &egui::Context) {
        let opts = (self.live.as_ref().filter(|l| !l.stdin))
            .map(|l| l.options.clone())
            .or_else(|| self.capture.options().ok());
        match opts {
            Some(o) => {
                // Restarting drops what the running capture has not saved: ask first.
                self.start_capture(o, ctx);
            }
            None => self.capture.open = true,
        }
    }

    pub(super) fn capture_menu_ui(&mut self, ui: &mut egui::Ui) {
        ui.menu_button("Capture", |ui| {
            let ctx = ui.ctx().clone();
            if ui
                .add(egui::Button::new("Interfaces…").shortcut_text("Ctrl+K"))
                .clicked()
            {
                self.capture.open = true;
                ui.close();
            }
            let running = self.live.is_some();
            if ui
                .add_enabled(!running, egui::Button::new("Start").shortcut_text("Ctrl+E"))
                .clicked()
            {
                self.toggle_capture(&ctx);
                ui.close();
            }
            if ui
                .add_enabled(running, egui::Button::new("Stop").shortcut_text("Ctrl+E"))
                .clicked()
            {
                self.stop_capture();
                ui.close();
            }
            if ui
                .add(egui::Button::new("Restart").shortcut_text("Ctrl+R"))
                .clicked()
            {
                self.restart_capture(&ctx);
                ui.close();
            }
            ui.separator();
            ui.checkbox(&mut self.follow, "Follow newest packet (End)");
        });
    }

    /// The capture's part of the status bar: interface, rate, drops (red when not zero,
    /// shown even when zero), spool size, and Stop while it runs.
    pub(super) fn live_status_ui(&mut self, ui: &mut egui::Ui) {
        let (stats, running) = match (&self.live, &self.spool) {
            (Some(l), _) => (l.stats(), true),
            (None, Some(SpoolState { stats: Some(s), .. })) => (s.clone(), false),
            _ => return,
        };
        // Standard input's spool has no name; it has no drops to tell either.
        let stdin = self.spool.as_ref().is_some_and(|s| s.path.is_none())
            || self.live.as_ref().is_some_and(|l| l.stdin);
        ui.separator();
        if running {
            let doing = if stdin {
                "• reading"
            } else {
                "• capturing"
            };
            ui.label(RichText::new(doing).color(RED));
            ui.label(format!("{:.0} packets/s", stats.pps));
        } else {
            ui.label("stopped");
        }
        for (name, n) in [
            ("Kernel drops", stats.kernel_drops),
            ("Interface drops", stats.if_drops),
        ] {
            let t = RichText::new(format!("{name}: {}", thousands(n)));
            if !stdin || n > 0 {
                ui.label(if n > 0 { t.color(RED).strong() } else { t });
            }
        }
        let size = size_text(stats.spool_bytes);
        ui.label(if stdin {
            format!("Read: {size}")
        } else {
            format!("Spool: {size}")
        });
        if running {
            if !self.follow && ui.button("Follow newest").clicked() {
                self.follow = true;
            }
            let hover = if stdin {
                "Stop reading standard input; what was read stays open (Ctrl+E)"
            } else {
                "Ctrl+E"
            };
            if ui.button("Stop").on_hover_text(hover).clicked() {
                self.stop_capture();
            }
        }
    }

    /// Save As of what is shown; a whole stopped capture saved as pcapng is its spool
    /// copied (exact, with the capture's statistics blocks).
    pub fn save_as(&mut self, path: &Path, displayed_only: bool, ctx: &egui::Context) {
        let Some(src) = self.source.clone() else {
            return;
        };
        let guard = src.read();
        let Some(cap) = (src.capture()).or(guard.as_deref().map(|s| &*s.capture)) else {
            return;
        };
        let which: Vec<u32> = match (displayed_only, self.filter.shown()) {
            (true, Some(v)) => v.to_vec(),
            _ => (0..cap.len() as u32).collect(),
        };
        let all = which.len() == cap.len();
        let pcapng = crate::export::save::SaveFormat::from_path(path)
            == crate::export::save::SaveFormat::PcapNg;
        let spool = (self.spool.as_ref())
            .filter(|_| all && !src.is_live() && pcapng)
            .filter(|_| matches!(cap.format, Some(Format::PcapNg)) && cap.damage.is_none())
            .and_then(|s| s.path.clone());
        let result = match spool {
            Some(sp) => std::fs::copy(&sp, path).map(|_| 0),
            None => crate::export::save::save(cap, &which, path),
        };
        let n = which.len();
        drop(guard);
        self.status = Some(match &result {
            Ok(0) => format!("saved {} packets to {}", thousands(n as u64), path.display()),
            Ok(k) => format!(
                "saved to {}; {k} packets of another link type left out (save as .pcapng to keep them)",
                path.display()
            ),
            Err(e) => format!("could not save {}: {e}", path.display()),
        });
        match result {
            Ok(0) if all => {
                if let Some(s) = &mut self.spool {
                    s.saved = s.saved.max(n);
                }
                if let Some(p) = self.after_save.take() {
                    self.then(p, ctx);
                }
            }
            _ => self.after_save = None,
        }
    }

    /// Offer the spools an earlier run left (counted off the UI thread).
    pub fn offer_leftovers(&mut self, list: Vec<Leftover>, ctx: &egui::Context) {
        if list.is_empty() {
            return;
        }
        let (tx, rx) = channel();
        let paths: Vec<PathBuf> = list.iter().map(|l| l.path.clone()).collect();
        let c = ctx.clone();
        let _ = std::thread::Builder::new()
            .name("layerscope-recover".into())
            .spawn(move || {
                for (i, p) in paths.iter().enumerate() {
                    let n = Capture::open(p).map(|c| c.len()).map_err(|e| e.to_string());
                    if tx.send((i, n)).is_err() {
                        return;
                    }
                    c.request_repaint();
                }
            });
        self.recovery = Some(Recovery {
            items: list.into_iter().map(|l| (l, None)).collect(),
            rx,
        });
    }

    /// The capture dialog, Save / Discard / Cancel, the problem dialog, recovery.
    pub(super) fn live_windows_ui(&mut self, ctx: &egui::Context) {
        let recent = self.settings.capture_filters.clone();
        if let Some(o) = self.capture.ui(ctx, &recent) {
            self.start_capture(o, ctx);
        }
        self.confirm_ui(ctx);
        self.problem_ui(ctx);
        self.recovery_ui(ctx);
    }

    fn confirm_ui(&mut self, ctx: &egui::Context) {
        if self.confirm.is_none() {
            return;
        }
        let n = self.source.as_ref().map_or(0, Source::len);
        let iface = self
            .spool
            .as_ref()
            .map(|s| s.iface.clone())
            .unwrap_or_default();
        let mut choice = None;
        egui::Modal::new(egui::Id::unique("unsaved_capture")).show(ctx, |ui| {
            ui.heading("Save the capture?");
            let what = match iface.as_str() {
                "" => "The capture".to_string(),
                STDIN_NAME => format!("What was read from {STDIN_NAME}"),
                i => format!("The capture on {i}"),
            };
            ui.label(format!(
                "{what} has {} packets that are not saved.",
                thousands(n as u64)
            ));
            ui.horizontal(|ui| {
                if ui.button("Save…").clicked() {
                    choice = Some(0);
                }
                if ui.button("Discard").clicked() {
                    choice = Some(1);
                }
                if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(Key::Escape)) {
                    choice = Some(2);
                }
            });
        });
        match choice {
            Some(0) => {
                self.after_save = self.confirm.take();
                self.choose(Choosing::Save {
                    displayed_only: false,
                });
            }
            Some(1) => {
                let p = self.confirm.take();
                self.discard();
                if let Some(p) = p {
                    self.then(p, ctx);
                }
            }
            Some(_) => self.confirm = None,
            None => {}
        }
    }

    fn problem_ui(&mut self, ctx: &egui::Context) {
        let Some(p) = &mut self.problem else { return };
        let mut open = true;
        let mut close = false;
        egui::Window::new(p.title.clone())
            .id(egui::Id::unique("capture_problem"))
            .open(&mut open)
            .collapsible(false)
            .default_width(560.0)
            .show(ctx, |ui| {
                ui.label(RichText::new(&p.message).color(RED));
                if let Some(cmd) = &p.command {
                    ui.add_space(6.0);
                    ui.label("To let layerscope capture without root, run once:");
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(cmd).monospace().strong());
                        if ui.button("Copy command").clicked() {
                            ui.ctx().copy_text(cmd.clone());
                            p.copied = true;
                        }
                        if p.copied {
                            ui.label("copied ✓");
                        }
                    });
                }
                if let Some(h) = &p.hint {
                    ui.label(h);
                }
                if ui.button("Close").clicked() {
                    close = true;
                }
            });
        if !open || close {
            self.problem = None;
        }
    }

    fn recovery_ui(&mut self, ctx: &egui::Context) {
        let Some(r) = &self.recovery else { return };
        let mut act = None;
        egui::Window::new("Captures left from an earlier run")
            .collapsible(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                for (i, (l, n)) in r.items.iter().enumerate() {
                    ui.horizontal(|ui| {
                        let what = match n {
                            None => format!("{}, counting…", size_text(l.bytes)),
                            Some(Ok(n)) => {
                                format!("{} packets, {}", thousands(*n as u64), size_text(l.bytes))
                            }
                            Some(Err(e)) => format!("{}, damaged: {e}", size_text(l.bytes)),
                        };
                        ui.label(format!("Recover the capture of {} ({what})", l.started));
                        if ui.button("Open").clicked() {
                            act = Some((i, true));
                        }
                        if ui.button("Discard").clicked() {
                            act = Some((i, false));
                        }
                    });
                }
            });
        if let Some((i, open)) = act {
            let Some(r) = &mut self.recovery else { return };
            let (l, _) = r.items.remove(i);
            if r.items.is_empty() {
                self.recovery = None;
            }
            if open {
                if self.has_unsaved() {
                    self.confirm = Some(Pending::Open(Input::File(l.path)));
                    return;
                }
                self.open_now(Input::File(l.path.clone()), ctx);
                // Kept with what is shown once it opened.
                if let Some(o) = &mut self.opening {
                    o.spool = Some(SpoolState {
                        path: Some(l.path),
                        saved: 0,
                        iface: String::new(),
                        stats: None,
                    });
                }
            } else {
                let _ = std::fs::remove_file(&l.path);
            }
        }
    }
}
