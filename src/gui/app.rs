//! The inspector window: menu and filter bar at the top, the packet list, and
//! below it the layers of the selected packet, its OSI stack and encapsulation,
//! and its bytes; a status bar at the bottom. Panels return actions; the app
//! applies them in one place ([`App::apply`]).

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Key, KeyboardShortcut, Modifiers, RichText};

use super::capture_dialog::CaptureDialog;
use super::details::FieldPath;
use super::encapsulation::{encapsulation_window, EncapView};
use super::file_dialog::{self, Browser};
use super::filter_bar::FilterBar;
use super::layout::{fitted_bottom_ui, pane_ui};
use super::live::{Factory, HelperSource, Live};
use super::loader::{Input, LoadEvent, Loader};
use super::model::{RowCache, Source, TimeFormat};
use super::packet_list::{key_move, packet_list_ui, ListState};
use super::presenter::Presenter;
use super::replay::Replay;
use super::settings::Settings;
use super::tcp_states::TcpStatesView;
use super::theme::{install_fonts, legend_panel_ui, GlyphWarmup};
use super::views::{ConvAction, ConvViews, Frame as ViewsFrame, LadderFile};
use super::worked::StepPath;
use crate::dissect::{Dissection, Src};
use crate::store::Growing;
use crate::store::{PacketId, Store};
use crate::story::worked::{worked_with, Worked};

#[path = "live_ui.rs"]
mod live_ui;
use live_ui::{Pending, Problem, Recovery, SpoolState};
#[path = "classroom.rs"]
mod classroom;
#[path = "ladder_save.rs"]
mod ladder_save;
#[path = "lesson.rs"]
mod lesson;
#[path = "lesson_handout.rs"]
mod lesson_handout;
#[path = "panes.rs"]
mod panes;
#[path = "welcome.rs"]
mod welcome;
pub use ladder_save::{crop, encode_png, write_ladder_svg, LadderSave};
pub use lesson::LessonState;
pub use welcome::{sample_text, WELCOME_TITLE};

/// The capture bundled in the binary, opened when no file is given: a Socket.IO
/// chat with the polling → WebSocket upgrade (see samples/README.md).
pub const SAMPLE: (&str, &[u8]) = (
    "socketio-chat.pcap (bundled sample)",
    include_bytes!("../../samples/socketio-chat.pcap"),
);

/// Something the user asked for, applied by [`App::apply`].
pub enum Action {
    Open(Input),
    Select(u32),
    SelectField(FieldPath, [u32; 2]),
    /// A step of the worked computations: highlight the bytes it reads.
    SelectStep(StepPath),
    ApplyFilter(String),
    SaveAs {
        displayed_only: bool,
    },
    ExportJson,
    /// Conversations ▸ Ladder ▸ Save ladder as ….
    SaveLadder(u32, LadderFile),
}

/// The selected packet's decoded tree, kept until the selection changes.
struct Selected {
    index: u32,
    dissection: Option<Dissection>,
    /// The frame's bytes, read once when the packet is selected (bytes derived
    /// from them are in the dissection: [`Dissection::derived`]).
    data: Vec<u8>,
    field: Option<FieldPath>,
    range: Option<[u32; 2]>,
    open_layer: Option<usize>,
    bytes_tab: usize,
    /// Scroll the tree to the selected field on the next frame (it was chosen in
    /// the OSI stack or the bytes).
    reveal: bool,
    /// Its worked computations, and the step whose bytes are highlighted.
    worked: Vec<Worked>,
    worked_step: Option<StepPath>,
    /// The layers pane shows the worked computations instead of the tree (kept
    /// from one selection to the next).
    show_worked: bool,
}

/// A file being opened. It replaces what is shown only once it is indexed, so a
/// file that cannot be opened leaves the capture that was open (as in Wireshark).
struct Opening {
    loader: Loader,
    /// The spool it recovers, if it is one (the window keeps it once it opened).
    spool: Option<SpoolState>,
}

/// Which file-chooser is open and what it is for.
enum Choosing {
    Open,
    Save {
        displayed_only: bool,
    },
    ExportJson,
    Lesson,
    /// Where to save the lesson in progress as a handout.
    LessonHandout,
    Ladder(LadderSave),
}

pub struct App {
    pub settings: Settings,
    settings_path: Option<PathBuf>,
    pub source: Option<Source>,
    /// Fills the store of the capture shown.
    loader: Option<Loader>,
    /// A file on its way to replace the capture shown.
    opening: Option<Opening>,
    /// What was opened, and how long loading took.
    pub title: String,
    pub load_time: Option<Duration>,
    /// Warnings in the capture (file and packets), counted once when loaded.
    warnings: usize,
    /// Why the last file could not be opened (until another opens or it is read).
    pub error: Option<String>,
    /// The name of that file.
    pub(super) error_file: String,
    pub status: Option<String>,
    selected: Option<Selected>,
    cache: RowCache,
    pub filter: FilterBar,
    scroll_to_selected: bool,
    pub views: ConvViews,
    /// View ▸ TCP states.
    pub tcp_states: TcpStatesView,
    /// View ▸ Encapsulation: the selected packet's layers, added and removed.
    pub encap: EncapView,
    browser: Option<(Browser, Choosing)>,
    native_dialog: Option<(Receiver<file_dialog::Answer>, Choosing)>,
    /// Applied zoom, to notice a change.
    applied_zoom: f32,
    /// Glyphs rasterized ahead of need, a font a frame.
    pub glyphs: GlyphWarmup,
    fonts_installed: bool,
    applied_dark: Option<bool>,
    /// The source's generation the row cache was filled at.
    rows_generation: u64,
    /// The generation the conversation views show, and when it was taken.
    views_generation: u64,
    views_refreshed: Instant,
    /// Capture ▸ Interfaces….
    pub capture: CaptureDialog,
    /// The live capture running, if any.
    pub live: Option<Live>,
    /// Starts the capturing side (the helper; tests give their own).
    pub live_factory: Factory,
    /// The spool of the capture shown (live, stopped or recovered) and what of it is saved.
    spool: Option<SpoolState>,
    /// Save / Discard / Cancel is asked before this.
    confirm: Option<Pending>,
    /// Done once Save As has saved everything.
    after_save: Option<Pending>,
    /// A capture that did not start, explained.
    problem: Option<Problem>,
    /// Spools left by an earlier run, offered for recovery.
    recovery: Option<Recovery>,
    /// The window may close (nothing left to save, or the user discarded it).
    allow_close: bool,
    /// Keep the newest packet in view while capturing.
    pub follow: bool,
    /// The packet list's scroll offset and row count last frame.
    list_scroll: (f32, usize),
    /// The window title last sent.
    window_title: String,
    /// View ▸ Replay: the replay in progress.
    pub replay: Option<Replay>,
    /// View ▸ Presenter (F5).
    pub presenter: Presenter,
    /// Help ▸ Lessons: the lesson in progress.
    pub lesson: Option<LessonState>,
    /// The welcome page is shown in place of the packet list.
    welcome: bool,
}

/// How often the conversation views are rebuilt while a capture loads.
pub const VIEWS_REFRESH: Duration = Duration::from_millis(400);

impl App {
    pub fn new(settings: Settings, settings_path: Option<PathBuf>) -> App {
        App {
            applied_zoom: 0.0,
            glyphs: GlyphWarmup::default(),
            fonts_installed: false,
            applied_dark: None,
            rows_generation: 0,
            views_generation: 0,
            views_refreshed: Instant::now(),
            settings,
            settings_path,
            source: None,
            loader: None,
            opening: None,
            title: String::new(),
            load_time: None,
            warnings: 0,
            error: None,
            error_file: String::new(),
            status: None,
            selected: None,
            cache: RowCache::default(),
            filter: FilterBar::default(),
            scroll_to_selected: false,
            views: ConvViews::default(),
            tcp_states: TcpStatesView::default(),
            encap: EncapView::default(),
            browser: None,
            native_dialog: None,
            capture: CaptureDialog::default(),
            live: None,
            live_factory: HelperSource::factory(),
            spool: None,
            confirm: None,
            after_save: None,
            problem: None,
            recovery: None,
            allow_close: false,
            follow: true,
            list_scroll: (0.0, 0),
            window_title: String::new(),
            replay: None,
            presenter: Presenter::default(),
            lesson: None,
            welcome: false,
        }
    }

    /// Start loading `input` off the UI thread (after asking, if a capture is not saved).
    pub fn open(&mut self, input: Input, ctx: &egui::Context) {
        self.welcome = false;
        if self.has_unsaved() {
            self.confirm = Some(Pending::Open(input));
            return;
        }
        self.open_now(input, ctx);
    }

    /// Start opening `input`; what is shown stays until it is indexed.
    fn open_now(&mut self, input: Input, ctx: &egui::Context) {
        if let Some(o) = self.opening.take() {
            o.loader.cancel();
        }
        let ctx = ctx.clone();
        self.opening = Some(Opening {
            loader: Loader::start(input, move || ctx.request_repaint()),
            spool: None,
        });
    }

    /// What the file being opened reports: indexed (it replaces the capture shown) or
    /// failed (the capture shown stays, the reason is shown).
    fn opening_event(&mut self, e: LoadEvent) {
        let Some(o) = self.opening.take() else { return };
        match e {
            LoadEvent::Indexed(cap, growing) => self.show_opened(o, cap, growing),
            LoadEvent::Failed(msg) => {
                self.error_file = o.loader.input.file_name();
                self.error = Some(msg);
            }
            // Only ever after `Indexed`, which hands the loader over.
            LoadEvent::Done => {}
        }
    }

    /// Show the capture just indexed in place of the one shown.
    fn show_opened(
        &mut self,
        o: Opening,
        cap: Arc<crate::capture::Capture>,
        growing: Arc<Growing>,
    ) {
        self.leave_capture();
        if let Some(l) = self.loader.take() {
            l.cancel();
        }
        let input = o.loader.input.clone();
        // A recovered spool lives in the cache: not a file to offer again.
        if let (Input::File(p), None) = (&input, &o.spool) {
            self.settings.add_recent(p);
            self.save_settings();
        }
        self.status = cap
            .damage
            .as_ref()
            .map(|d| format!("damaged file: {d}; the packets before it are shown"));
        self.title = input.file_name();
        self.source = Some(Source::Growing(cap, growing));
        self.spool = o.spool;
        self.loader = Some(o.loader);
        self.selected = None;
        self.error = None;
        self.load_time = None;
        self.warnings = 0;
        self.cache.clear();
        self.filter.reset();
        self.views = ConvViews::default();
        self.list_scroll = (0.0, 0);
        self.replay = None;
        self.lesson_capture_shown();
    }

    /// Wait for the current load to finish (tests, the UI benchmark).
    pub fn wait_loaded(&mut self) {
        loop {
            if let Some(o) = &self.opening {
                match o.loader.wait() {
                    Some(e) => self.opening_event(e),
                    None => self.opening = None,
                }
            } else if let Some(l) = &self.loader {
                match l.wait() {
                    Some(e) => self.loaded(e),
                    None => self.loader = None,
                }
            } else {
                return;
            }
        }
    }

    pub fn is_loading(&self) -> bool {
        self.loader.is_some() || self.opening.is_some()
    }

    pub fn store(&self) -> Option<&Arc<Store>> {
        self.source.as_ref().and_then(Source::store)
    }

    pub fn selected_index(&self) -> Option<u32> {
        self.selected.as_ref().map(|s| s.index)
    }

    pub fn selected_range(&self) -> Option<[u32; 2]> {
        self.selected.as_ref().and_then(|s| s.range)
    }

    /// The path of the selected field (layer index, then child indexes).
    pub fn selected_field(&self) -> Option<&[usize]> {
        self.selected.as_ref().and_then(|s| s.field.as_deref())
    }

    /// The bytes pane's tab: 0 for the frame, `i + 1` for derived buffer `i`.
    pub fn bytes_tab(&self) -> usize {
        self.selected.as_ref().map_or(0, |s| s.bytes_tab)
    }

    fn save_settings(&mut self) {
        if let Some(p) = &self.settings_path {
            if let Err(e) = self.settings.save(p) {
                self.status = Some(format!("settings not saved: {e}"));
            }
        }
    }

    /// What the loader filling the store reports.
    fn loaded(&mut self, e: LoadEvent) {
        match e {
            // Only the file being opened sends these (see `opening_event`).
            LoadEvent::Indexed(..) => {}
            LoadEvent::Done => {
                let Some(Source::Growing(_, growing)) = &self.source else {
                    self.loader = None;
                    return;
                };
                let store = Arc::new(growing.take());
                self.load_time = self.loader.as_ref().map(|l| l.started.elapsed());
                if store.len() < store.capture.len() {
                    self.status = Some(format!(
                        "loading cancelled: {} of {} packets analysed; the others are listed, decoded alone",
                        store.len(),
                        store.capture.len()
                    ));
                }
                self.warnings = store.capture.warnings.len()
                    + (store.summaries.iter())
                        .map(|x| x.warning_count() as usize)
                        .sum::<usize>();
                // The row cache follows the source's generation, which changes here.
                self.source = Some(Source::Store(store));
                self.loader = None;
                match self.selected.as_ref().map(|s| s.index) {
                    Some(i) => self.select(i),
                    None if self.source.as_ref().is_some_and(|s| !s.is_empty()) => self.select(0),
                    None => {}
                }
                self.filter.rerun();
            }
            LoadEvent::Failed(msg) => {
                self.status = Some(msg);
                self.loader = None;
            }
        }
    }

    fn select(&mut self, index: u32) {
        let src = self.source.clone();
        let guard = src.as_ref().and_then(Source::read);
        // A live capture is read through its store.
        let cap =
            (src.as_ref().and_then(Source::capture)).or(guard.as_deref().map(|s| &*s.capture));
        let store = guard.as_deref().filter(|s| (index as usize) < s.len());
        let dissection = match (store, cap) {
            (Some(s), _) => s.dissect(PacketId(index)),
            (None, Some(c)) => c.record(index as usize).map(|r| {
                let first = c.packets.first().map_or(0, |r| r.ts_ns);
                let meta = crate::dissect::FrameMeta::new(
                    u64::from(index) + 1,
                    r,
                    first,
                    c.link_type(index as usize),
                )
                .cut_from(c.cut_len(index as usize))
                .after(
                    index
                        .checked_sub(1)
                        .and_then(|p| c.record(p as usize))
                        .map(|r| r.ts_ns),
                );
                crate::dissect::dissect(&meta, c.data(index as usize), None)
            }),
            (None, None) => None,
        };
        let data = cap.map_or_else(Vec::new, |c| c.data(index as usize).to_vec());
        let worked = store
            .zip(dissection.as_ref())
            .map_or_else(Vec::new, |(s, d)| worked_with(s, PacketId(index), d));
        let show_worked = self.selected.as_ref().is_some_and(|s| s.show_worked);
        self.selected = Some(Selected {
            index,
            dissection,
            data,
            field: None,
            range: None,
            open_layer: None,
            bytes_tab: 0,
            reveal: false,
            worked,
            worked_step: None,
            show_worked,
        });
    }

    /// Apply one action.
    pub fn apply(&mut self, a: Action, ctx: &egui::Context) {
        match a {
            Action::Open(input) => self.open(input, ctx),
            Action::Select(i) => {
                self.select(i);
                self.scroll_to_selected = true;
            }
            Action::SelectField(path, range) => {
                if let Some(s) = &mut self.selected {
                    // A field's bytes may be in a derived buffer: show that tab.
                    let src = (s.dissection.as_ref())
                        .and_then(|d| d.field_at(&path))
                        .map(|f| f.src);
                    match src {
                        Some(Src::Derived(i)) => s.bytes_tab = usize::from(i) + 1,
                        Some(Src::Frame) | None => s.bytes_tab = 0,
                        Some(Src::Generated) => {}
                    }
                    s.open_layer = path.first().copied();
                    s.field = Some(path);
                    s.range = (src != Some(Src::Generated)).then_some(range);
                    s.reveal = true;
                }
            }
            Action::SelectStep(path) => {
                if let Some(s) = &mut self.selected {
                    let at = (s.worked.get(path.0))
                        .and_then(|w| w.steps.get(path.1))
                        .and_then(|st| st.at);
                    if let Some((src, range)) = at {
                        s.bytes_tab = match src {
                            Src::Derived(i) => usize::from(i) + 1,
                            Src::Frame | Src::Generated => 0,
                        };
                        s.field = None;
                        s.range = Some(range);
                        s.worked_step = Some(path);
                    }
                }
            }
            Action::ApplyFilter(text) => self.filter.set(&text),
            Action::SaveAs { displayed_only } => self.choose(Choosing::Save { displayed_only }),
            Action::ExportJson => self.choose(Choosing::ExportJson),
            Action::SaveLadder(c, file) => self.choose_ladder(c, file, ctx),
        }
    }

    fn choose(&mut self, what: Choosing) {
        let save = !matches!(what, Choosing::Open | Choosing::Lesson);
        let start = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let (tx, rx) = channel();
        let dir = start.clone();
        let spawned = std::thread::Builder::new()
            .name("layerscope-dialog".into())
            .spawn(move || {
                let _ = tx.send(file_dialog::native(save, &dir));
            });
        match spawned {
            Ok(_) => self.native_dialog = Some((rx, what)),
            Err(_) => self.browser = Some((Browser::new(start, save), what)),
        }
    }

    fn chosen(&mut self, path: PathBuf, what: Choosing, ctx: &egui::Context) {
        match what {
            Choosing::Open => self.open(Input::File(path), ctx),
            Choosing::Lesson => self.lesson_chosen(&path, ctx),
            Choosing::LessonHandout => self.save_lesson_handout(&path),
            Choosing::Save { displayed_only } => self.save_as(&path, displayed_only, ctx),
            Choosing::Ladder(what) => self.save_ladder(&path, what),
            Choosing::ExportJson => {
                let Some(store) = self.store().cloned() else {
                    self.status = Some("wait for loading to finish before exporting".into());
                    return;
                };
                let which: Vec<u32> = match self.filter.shown() {
                    Some(v) => v.to_vec(),
                    None => (0..store.len() as u32).collect(),
                };
                let mut out = String::new();
                for &i in &which {
                    if let Some(d) = store.dissect(PacketId(i)) {
                        out.push_str(&crate::export::json::packet_line(&store, PacketId(i), &d));
                        out.push('\n');
                    }
                }
                self.status = Some(match std::fs::write(&path, out) {
                    Ok(()) => format!(
                        "exported {} packets as JSON to {}",
                        which.len(),
                        path.display()
                    ),
                    Err(e) => format!("could not write {}: {e}", path.display()),
                });
            }
        }
    }

    /// Everything that is not drawing: load events, dropped files, shortcuts.
    fn logic(&mut self, ctx: &egui::Context) {
        if !self.fonts_installed {
            install_fonts(ctx);
            self.fonts_installed = true;
        } else {
            // The fonts set above are used from the next frame on.
            self.glyphs.step(ctx);
        }
        while let Some(e) = self.opening.as_ref().and_then(|o| o.loader.poll()) {
            self.opening_event(e);
        }
        while let Some(e) = self.loader.as_ref().and_then(Loader::poll) {
            self.loaded(e);
        }
        if let Some((rx, _)) = &self.native_dialog {
            if let Ok(r) = rx.try_recv() {
                let (_, what) = self.native_dialog.take().expect("checked above");
                match r {
                    Ok(Some(p)) => self.chosen(p, what, ctx),
                    Ok(None) => {}
                    Err(file_dialog::NoDialog) => {
                        let start = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
                        let save = !matches!(what, Choosing::Open | Choosing::Lesson);
                        self.browser = Some((Browser::new(start, save), what));
                    }
                }
            } else {
                ctx.request_repaint_after(Duration::from_millis(100));
            }
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            (i.raw.dropped_files.iter())
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if let Some(p) = dropped.into_iter().next() {
            self.open(Input::File(p), ctx);
        }
        let open = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
        if ctx.input_mut(|i| i.consume_shortcut(&open)) {
            self.choose(Choosing::Open);
        }
        self.live_logic(ctx);
        self.zoom_logic(ctx);
        if self.applied_dark != Some(self.settings.dark) {
            ctx.set_theme(if self.settings.dark {
                egui::Theme::Dark
            } else {
                egui::Theme::Light
            });
            self.applied_dark = Some(self.settings.dark);
        }
        if let Some(store) = self.store().cloned() {
            self.filter.poll(&store, ctx);
        }
        // The details pane shows no packet the list does not show.
        if self.selected_index().is_some_and(|i| self.filter.hides(i)) {
            self.selected = None;
        }
        if self.is_loading() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    /// Ctrl +, Ctrl − and Ctrl 0. The zoom is kept in one place, `settings.zoom`:
    /// egui's own zoom shortcuts are turned off (its Ctrl 0 changed the zoom behind
    /// the menu's and the settings file's back), and a zoom changed by anything else
    /// is taken into the settings.
    fn zoom_logic(&mut self, ctx: &egui::Context) {
        // Presenting has its own zoom, never saved as the user's.
        if self.presenter.active && self.applied_zoom != 0.0 {
            self.presenter.zoom_logic(ctx, &mut self.applied_zoom);
            return;
        }
        let before = self.settings.zoom;
        if self.applied_zoom == 0.0 {
            ctx.options_mut(|o| o.zoom_with_keyboard = false);
        } else if ctx.zoom_factor() != self.applied_zoom {
            self.settings.zoom = ctx.zoom_factor();
            self.applied_zoom = self.settings.zoom;
        }
        let kbd = |k| KeyboardShortcut::new(Modifiers::COMMAND, k);
        if ctx.input_mut(|i| {
            i.consume_shortcut(&kbd(Key::Plus)) || i.consume_shortcut(&kbd(Key::Equals))
        }) {
            self.settings.zoom_by(0.1);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&kbd(Key::Minus))) {
            self.settings.zoom_by(-0.1);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&kbd(Key::Num0))) {
            self.settings.zoom = 1.0;
        }
        if self.settings.zoom != before {
            self.save_settings();
        }
        if self.settings.zoom != self.applied_zoom {
            ctx.set_zoom_factor(self.settings.zoom);
            self.applied_zoom = self.settings.zoom;
        }
    }

    /// Draw the whole window into `ui`.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.logic(&ctx);
        let src = self.source.clone();
        let generation = src.as_ref().map_or(0, Source::generation);
        if generation != self.rows_generation {
            self.cache.clear();
            self.rows_generation = generation;
        }
        // The conversation views are passes over the capture: while it loads they
        // are rebuilt a few times a second, not on every slice.
        let finished = generation == u64::MAX;
        if generation != self.views_generation
            && (finished || self.views_refreshed.elapsed() >= VIEWS_REFRESH)
        {
            self.views_generation = generation;
            self.views_refreshed = Instant::now();
        }
        // One look at the store for the whole frame (a growing store is locked
        // meanwhile, for a few milliseconds; the loader waits). Actions that read
        // it again run after it is let go.
        let guard = src.as_ref().and_then(Source::read);
        let store = guard.as_deref();
        if let (Some(s), true) = (store, src.as_ref().is_some_and(Source::is_live)) {
            // While capturing, the display filter runs here over the packets that arrived
            // since the last frame, a few milliseconds at most per frame (it runs on the
            // whole store on a worker again when the capture stops).
            if self.filter.live_step(s, Duration::from_millis(4)) {
                ctx.request_repaint();
            }
        }
        let mut actions = Vec::new();
        self.lesson_logic(&ctx);
        self.classroom_logic(&ctx, store);
        egui::Panel::top("menu").show(ui, |ui| self.menu_ui(ui, &mut actions));
        self.lesson_bar_ui(ui);
        if self.presenter.active {
            self.presenter_ui(ui, store, &mut actions);
        } else {
            let finished_store = self.store().cloned();
            egui::Panel::top("filter").show(ui, |ui| self.filter.ui(ui, finished_store));
            let analysed = store.map(Store::len);
            fitted_bottom_ui(ui, "status", |ui| {
                pane_ui(ui, "Status bar", |ui| self.status_ui(ui, analysed));
            });
            if self.settings.show_legend {
                legend_panel_ui(ui);
            }
            if self.welcome {
                self.welcome_ui(ui);
            } else {
                self.replay_panels_ui(ui, store, &mut actions);
                if self.views.docked {
                    self.conversations_ui(ui, store, &mut actions);
                }
                self.body_ui(ui, store, &mut actions);
            }
        }
        if !self.views.docked {
            self.conversations_ui(ui, store, &mut actions);
        }
        if self.tcp_states.open {
            let selected = self.selected_index();
            if let Some(p) = self.tcp_states.window_ui(&ctx, store, selected) {
                actions.push(Action::Select(p));
            }
        }
        if self.encap.open {
            let sel = (self.selected.as_ref())
                .and_then(|s| Some((s.index, s.dissection.as_ref()?, &s.data[..])));
            if let Some((p, r)) = encapsulation_window(&ctx, &mut self.encap, sel, store) {
                actions.push(Action::SelectField(p, r));
            }
        }
        drop(guard);
        self.live_windows_ui(&ctx);
        self.open_error_ui(&ctx);
        if let Some((b, _)) = &mut self.browser {
            let mut result = None;
            egui::Window::new(if b.save { "Save as" } else { "Open a capture" })
                .collapsible(false)
                .show(&ctx, |ui| result = b.ui(ui));
            if let Some(r) = result {
                let (_, what) = self.browser.take().expect("browser is open");
                if let Some(p) = r {
                    self.chosen(p, what, &ctx);
                }
            }
        }
        for a in actions {
            self.apply(a, &ctx);
        }
    }

    /// The Conversations views: in a window of their own that opens at a
    /// sensible size (and never grows past it by itself), or docked in a panel
    /// beside the packet list.
    fn conversations_ui(
        &mut self,
        ui: &mut egui::Ui,
        store: Option<&Store>,
        actions: &mut Vec<Action>,
    ) {
        if !self.views.open {
            return;
        }
        let shared = self.store().cloned();
        let growing = self.source.as_ref().and_then(Source::growing).cloned();
        let frame = store.map(|s| ViewsFrame {
            store: s,
            shared: shared.as_ref(),
            growing: growing.as_ref(),
            generation: self.views_generation,
            selected: self.selected_index(),
        });
        let loading = (self.loader.is_some())
            .then(|| store.map(|s| (s.len(), s.capture.len())))
            .flatten();
        let mut action = None;
        if self.views.docked {
            egui::Panel::right("conversations")
                .resizable(true)
                .default_size((ui.available_width() * 0.45).max(320.0))
                .min_size(280.0)
                .show(ui, |ui| {
                    action = self.views.fitted_ui(ui, frame.as_ref(), loading)
                });
        } else {
            let screen = ui.ctx().content_rect();
            let size = egui::vec2(
                (screen.width() * 0.55).clamp(360.0, 760.0),
                (screen.height() * 0.65).clamp(280.0, 560.0),
            );
            let mut open = true;
            egui::Window::new("Conversations")
                .open(&mut open)
                .default_size(size)
                .default_pos([screen.right() - size.x - 16.0, screen.top() + 60.0])
                .constrain(true)
                .show(ui.ctx(), |ui| {
                    action = self.views.fitted_ui(ui, frame.as_ref(), loading)
                });
            self.views.open &= open;
        }
        if let Some(a) = action {
            actions.push(match a {
                ConvAction::SelectPacket(p) => Action::Select(p),
                ConvAction::ApplyFilter(f) => Action::ApplyFilter(f),
                ConvAction::SaveLadder(c, file) => Action::SaveLadder(c, file),
            });
        }
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui
                    .add(egui::Button::new("Open…").shortcut_text("Ctrl+O"))
                    .clicked()
                {
                    self.choose(Choosing::Open);
                    ui.close();
                }
                ui.menu_button("Open Recent", |ui| {
                    if self.settings.recent.is_empty() {
                        ui.label(RichText::new("(none yet)").weak());
                    }
                    for p in self.settings.recent.clone() {
                        if ui.button(p.display().to_string()).clicked() {
                            actions.push(Action::Open(Input::File(p)));
                            ui.close();
                        }
                    }
                });
                self.open_lesson_menu_ui(ui);
                if ui.button("Open the bundled sample").clicked() {
                    actions.push(Action::Open(Input::Bytes(SAMPLE.0, SAMPLE.1)));
                    ui.close();
                }
                ui.separator();
                if ui.button("Save As… (all packets)").clicked() {
                    actions.push(Action::SaveAs {
                        displayed_only: false,
                    });
                    ui.close();
                }
                if ui.button("Save As… (displayed packets)").clicked() {
                    actions.push(Action::SaveAs {
                        displayed_only: true,
                    });
                    ui.close();
                }
                if ui.button("Export displayed packets as JSON…").clicked() {
                    actions.push(Action::ExportJson);
                    ui.close();
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            self.capture_menu_ui(ui);
            ui.menu_button("View", |ui| {
                ui.label("Time");
                let mut changed = false;
                for (t, name) in [
                    (TimeFormat::Relative, "Seconds since the first packet"),
                    (TimeFormat::Absolute, "Time of day (UTC)"),
                    (TimeFormat::Delta, "Seconds since the previous packet"),
                ] {
                    changed |= ui.radio_value(&mut self.settings.time, t, name).changed();
                }
                ui.separator();
                changed |= ui
                    .checkbox(&mut self.settings.top_down, "Layer 7 at the top")
                    .changed();
                changed |= ui.checkbox(&mut self.settings.dark, "Dark theme").changed();
                changed |= ui
                    .checkbox(&mut self.settings.show_legend, "Colour legend")
                    .changed();
                ui.checkbox(&mut self.views.open, "Conversations, ladder and messages");
                ui.checkbox(&mut self.tcp_states.open, "TCP states");
                ui.checkbox(
                    &mut self.encap.open,
                    "Encapsulation (the OSI model, moving)",
                );
                self.classroom_menu_ui(ui);
                ui.separator();
                ui.horizontal(|ui| {
                    if ui.button("A−").on_hover_text("Ctrl −").clicked() {
                        self.settings.zoom_by(-0.1);
                        changed = true;
                    }
                    ui.label(format!("{:.0} %", self.settings.zoom * 100.0));
                    if ui.button("A+").on_hover_text("Ctrl +").clicked() {
                        self.settings.zoom_by(0.1);
                        changed = true;
                    }
                    if ui.button("Reset").on_hover_text("Ctrl 0").clicked() {
                        self.settings.zoom = 1.0;
                        changed = true;
                    }
                });
                if changed {
                    self.cache.clear();
                    self.save_settings();
                }
            });
            if ui
                .selectable_label(self.views.open, "Conversations")
                .clicked()
            {
                self.views.open = !self.views.open;
            }
            self.help_menu_ui(ui);
        });
    }

    /// `analysed`: the packets in the store now (the loader's progress is from
    /// its last slice).
    fn status_ui(&mut self, ui: &mut egui::Ui, analysed: Option<usize>) {
        // Wraps onto a second line rather than cutting off its right end (Stop).
        ui.horizontal_wrapped(|ui| {
            ui.add(egui::Label::new(RichText::new(&self.title).strong()).truncate());
            self.live_status_ui(ui);
            if let Some(src) = &self.source {
                let total = src.len();
                let shown = self.filter.shown().map_or(total, <[u32]>::len);
                ui.separator();
                ui.label(format!("Packets: {total} · Displayed: {shown}"));
                let warnings = self.warnings;
                ui.separator();
                ui.label(format!("Warnings: {warnings}"));
            }
            if let Some(r) = self.filter.last_run() {
                ui.separator();
                let took = r.took.as_secs_f64();
                let took = if took < 1.0 {
                    format!("{:.1} ms", took * 1000.0)
                } else {
                    format!("{took:.2} s")
                };
                ui.label(format!(
                    "Filter matched {} of {} in {took}",
                    r.matched, r.total
                ));
            }
            if let Some(t) = self.load_time {
                ui.separator();
                ui.label(format!("Loaded in {:.2} s", t.as_secs_f64()));
            }
            if let Some(l) = &self.loader {
                ui.separator();
                let (done, total) = l.progress();
                let done = analysed.map_or(done, |n| done.max(n as u64));
                // Before the first slice the loader has not said the total yet.
                let total = total.max(self.source.as_ref().map_or(0, |s| s.len() as u64));
                let frac = if total == 0 {
                    0.0
                } else {
                    done as f32 / total as f32
                };
                let text = if done >= total && total > 0 {
                    "Following conversations…".to_string()
                } else {
                    format!("Decoding {done} / {total}")
                };
                ui.add(egui::ProgressBar::new(frac).desired_width(200.0).text(text));
                if ui.button("Cancel").clicked() {
                    l.cancel();
                }
            }
            // A file on its way: what is shown stays until it is indexed.
            if let Some(o) = &self.opening {
                ui.separator();
                ui.spinner();
                ui.label(format!("Opening {}…", o.loader.input.file_name()));
                if ui.button("Cancel").clicked() {
                    o.loader.cancel();
                    self.opening = None;
                }
            }
            if let Some(s) = &self.status {
                ui.separator();
                ui.label(RichText::new(s).italics());
            }
        });
    }

    /// Why a file did not open, over the capture that stays shown.
    fn open_error_ui(&mut self, ctx: &egui::Context) {
        let (Some(e), Some(_)) = (&self.error, &self.source) else {
            return;
        };
        let mut ok = false;
        egui::Window::new("File not opened")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.strong(format!("{} could not be opened", self.error_file));
                ui.colored_label(egui::Color32::from_rgb(0xd9, 0x4f, 0x3c), e);
                ui.label(format!("{} stays open.", self.title));
                ok = ui.button("OK").clicked() || ui.input(|i| i.key_pressed(Key::Escape));
            });
        if ok {
            self.error = None;
        }
    }

    fn center_ui(&mut self, ui: &mut egui::Ui, store: Option<&Store>, actions: &mut Vec<Action>) {
        if let (Some(e), None) = (&self.error, &self.source) {
            ui.vertical_centered(|ui| {
                ui.add_space(40.0);
                ui.heading("This file could not be opened");
                ui.colored_label(egui::Color32::from_rgb(0xd9, 0x4f, 0x3c), e);
                ui.label(
                    "Choose another file with File ▸ Open (Ctrl+O), or drop one on the window.",
                );
            });
            return;
        }
        let Some(src) = self.source.clone() else {
            ui.vertical_centered(|ui| {
                ui.add_space(40.0);
                if let Some(l) = &self.live {
                    ui.spinner();
                    ui.label(match l.stdin {
                        true => format!("Reading {}…", l.iface()),
                        false => format!("Starting the capture on {}…", l.iface()),
                    });
                } else if let Some(o) = &self.opening {
                    ui.spinner();
                    ui.label(format!("Opening {}…", o.loader.input.file_name()));
                } else {
                    ui.heading("No capture open");
                    ui.label("File ▸ Open (Ctrl+O), drop a pcap or pcapng file here, or open the bundled sample.");
                    if ui.button("Open the bundled Socket.IO sample").clicked() {
                        actions.push(Action::Open(Input::Bytes(SAMPLE.0, SAMPLE.1)));
                    }
                }
            });
            return;
        };
        let shown = self.filter.shown();
        let n = shown.map_or(src.len(), <[u32]>::len);
        let pos = self.selected.as_ref().and_then(|s| match shown {
            Some(v) => v.binary_search(&s.index).ok(),
            None => Some(s.index as usize),
        });
        let typing = ui.ctx().memory(|m| m.focused().is_some());
        if !typing {
            if let Some(p) = key_move(ui.ctx(), pos, n, 20) {
                let index = shown.map_or(p as u32, |v| v[p]);
                actions.push(Action::Select(index));
                // While capturing, End follows the newest packet again; other moves stop.
                if src.is_live() {
                    self.follow = ui.input(|i| i.key_pressed(Key::End));
                }
            }
        }
        if n == 0 {
            ui.label(if shown.is_some() {
                "No packet matches the filter."
            } else if self.live.as_ref().is_some_and(|l| l.stdin) {
                "Reading standard input: no packet yet."
            } else if self.live.is_some() {
                "Capturing: no packet yet."
            } else {
                "The capture holds no packets."
            });
            return;
        }
        let mut st = ListState {
            source: &src,
            store,
            shown,
            selected: self.selected_index(),
            time: self.settings.time,
            cache: &mut self.cache,
            dark: self.settings.dark,
            scroll_to_selected: self.scroll_to_selected,
            follow: self.follow && src.is_live(),
            scroll_offset: self.list_scroll.0,
            rows_before: self.list_scroll.1,
        };
        let clicked = pane_ui(ui, "Packet list", |ui| packet_list_ui(ui, &mut st));
        self.scroll_to_selected = st.scroll_to_selected;
        self.list_scroll = (st.scroll_offset, st.rows_before);
        if src.is_live() {
            self.follow = st.follow && clicked.is_none();
        }
        if let Some(i) = clicked {
            actions.push(Action::Select(i));
        }
    }
}
