//! Step-through replay for the classroom (View ▸ Replay): a conversation, an
//! Engine.IO session or the whole capture, one packet a step. Play, pause, step
//! back and forward, a speed, and "next phase" (the next handshake step, the
//! Upgrade, the `101`, the first frame, the close); keys Space, Right, Left and
//! N. Each step selects its packet, so the list, tree, OSI stack and bytes follow.
//! The bar shows the step's story large; the compact ladder beside it draws the
//! current arrow travelling from sender to receiver, the earlier ones solid, the
//! later ones faint. The steps and their stories come from [`crate::story::replay`].

use std::collections::HashMap;
use std::time::Duration;

use egui::{pos2, vec2, Align2, FontId, Key, Modifiers, RichText, Sense, Stroke};

use super::presenter::{direction_color, Mask};
use crate::ids::Direction;
use crate::store::{PacketId, Store};
use crate::story::replay::{conversation_steps, next_milestone, packet_step, Step};
use crate::story::{ladder, sessions};

/// Conversations whose steps are kept while replaying the whole capture.
const MAX_CACHED_CONVERSATIONS: usize = 64;
/// "Next phase" over the whole capture looks this many packets ahead at most.
pub const MILESTONE_SCAN: usize = 20_000;
/// Longest the current arrow takes to cross, in seconds (less at high speeds).
const CROSSING_S: f64 = 0.8;

/// What is replayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Conversation(u32),
    Session(u32),
    Capture,
}

/// A step and the short label its arrow carries on the ladder.
#[derive(Clone, Debug)]
pub struct Item {
    pub step: Step,
    pub label: String,
}

enum Steps {
    Listed(Vec<Item>),
    /// The whole capture: a step per packet, built when shown, by conversation.
    Capture {
        len: usize,
        conversations: HashMap<u32, Vec<Item>>,
    },
}

/// A replay in progress.
pub struct Replay {
    pub scope: Scope,
    /// `TCP stream 3: 127.0.0.1:46262 ⇄ 127.0.0.1:18300`, `the whole capture`.
    pub name: String,
    /// The client's and the server's `addr:port`, when one conversation is replayed.
    pub endpoints: Option<(String, String)>,
    steps: Steps,
    /// The current step.
    pub index: usize,
    pub playing: bool,
    /// Steps a second while playing.
    pub speed: f32,
    /// When the current step began (egui time, seconds).
    changed_at: f64,
    /// The step whose packet was last selected.
    selected: Option<usize>,
    /// Why the last command did nothing ("no further phase").
    pub note: Option<String>,
}

/// What a button or a key asks of the replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    PlayPause,
    Back,
    Forward,
    NextPhase,
    Restart,
    Go(usize),
    Close,
}

/// A conversation's items and its client's and server's `addr:port`.
fn conversation_items(store: &Store, conv: u32) -> (Vec<Item>, String, String) {
    let l = ladder(store, conv);
    let items = conversation_steps(store, conv)
        .into_iter()
        .zip(&l.arrows)
        .map(|(step, a)| Item {
            label: a.label.clone(),
            step,
        })
        .collect();
    (items, l.client, l.server)
}

impl Replay {
    fn new(scope: Scope, name: String, steps: Steps) -> Replay {
        Replay {
            scope,
            name,
            endpoints: None,
            steps,
            index: 0,
            playing: false,
            speed: 1.0,
            changed_at: 0.0,
            selected: None,
            note: None,
        }
    }

    /// A replay of TCP conversation `conv`; `None` if it has no packet.
    pub fn conversation(store: &Store, conv: u32) -> Option<Replay> {
        let (items, client, server) = conversation_items(store, conv);
        if items.is_empty() {
            return None;
        }
        let name = format!("TCP stream {conv}: {client} ⇄ {server}");
        let mut r = Replay::new(Scope::Conversation(conv), name, Steps::Listed(items));
        r.endpoints = Some((client, server));
        Some(r)
    }

    /// A replay of Engine.IO session `session` (all the conversations that carried it).
    pub fn session(store: &Store, session: u32) -> Option<Replay> {
        let row = sessions(store).into_iter().nth(session as usize)?;
        let mut items: Vec<Item> = (row.conversations.iter())
            .flat_map(|&c| conversation_items(store, c).0)
            .collect();
        items.sort_by_key(|i| i.step.packet);
        if items.is_empty() {
            return None;
        }
        let sid = row.sid.unwrap_or_else(|| "(no sid)".into());
        let name = format!(
            "Engine.IO session {sid} ({} connections)",
            row.conversations.len()
        );
        Some(Replay::new(
            Scope::Session(session),
            name,
            Steps::Listed(items),
        ))
    }

    /// A replay of every packet of the capture.
    pub fn capture(store: &Store) -> Option<Replay> {
        let len = store.len();
        (len > 0).then(|| {
            let steps = Steps::Capture {
                len,
                conversations: HashMap::new(),
            };
            let name = format!("the whole capture ({len} packets)");
            Replay::new(Scope::Capture, name, steps)
        })
    }

    pub fn len(&self) -> usize {
        match &self.steps {
            Steps::Listed(v) => v.len(),
            Steps::Capture { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The step that shows packet `p` (0-based), if the replay has one.
    pub fn step_of(&self, p: u32) -> Option<usize> {
        match &self.steps {
            Steps::Listed(v) => v.iter().position(|it| it.step.packet == p),
            Steps::Capture { len, .. } => ((p as usize) < *len).then_some(p as usize),
        }
    }

    /// Step `i` with its arrow's label.
    pub fn item(&mut self, store: &Store, i: usize) -> Option<Item> {
        match &mut self.steps {
            Steps::Listed(v) => v.get(i).cloned(),
            Steps::Capture { len, conversations } => {
                if i >= *len {
                    return None;
                }
                let p = u32::try_from(i).ok()?;
                let Some((conv, _)) = store.analysis.tcp.conversation_of(PacketId(p)) else {
                    let step = packet_step(store, p)?;
                    let label = store.columns(PacketId(p)).info;
                    return Some(Item { step, label });
                };
                if !conversations.contains_key(&conv.0)
                    && conversations.len() >= MAX_CACHED_CONVERSATIONS
                {
                    conversations.clear();
                }
                let items = (conversations.entry(conv.0))
                    .or_insert_with(|| conversation_items(store, conv.0).0);
                let at = items.binary_search_by_key(&p, |it| it.step.packet).ok()?;
                items.get(at).cloned()
            }
        }
    }

    /// The step after the current one that begins a phase, if any.
    fn next_phase(&mut self, store: &Store) -> Option<usize> {
        let from = self.index + 1;
        if let Steps::Listed(v) = &self.steps {
            let steps: Vec<Step> = v.iter().map(|i| i.step.clone()).collect();
            return next_milestone(&steps, from);
        }
        let end = self.len().min(from + MILESTONE_SCAN);
        (from..end).find(|&i| {
            self.item(store, i)
                .is_some_and(|it| it.step.milestone.is_some())
        })
    }

    fn go(&mut self, i: usize, now: f64) {
        self.index = i.min(self.len().saturating_sub(1));
        self.changed_at = now;
    }

    /// Apply a command at time `now`; `false` when the replay is closed.
    pub fn run(&mut self, cmd: Cmd, store: &Store, now: f64) -> bool {
        self.note = None;
        let last = self.len().saturating_sub(1);
        match cmd {
            Cmd::PlayPause => {
                self.playing = !self.playing;
                if self.playing && self.index >= last {
                    self.go(0, now);
                }
                self.changed_at = now;
            }
            Cmd::Back => {
                self.playing = false;
                self.go(self.index.saturating_sub(1), now);
            }
            Cmd::Forward => {
                self.playing = false;
                self.go((self.index + 1).min(last), now);
            }
            Cmd::NextPhase => {
                self.playing = false;
                match self.next_phase(store) {
                    Some(i) => self.go(i, now),
                    None => self.note = Some("No further phase: this is the last.".into()),
                }
            }
            Cmd::Restart => {
                self.playing = false;
                self.go(0, now);
            }
            Cmd::Go(i) => {
                self.playing = false;
                self.go(i, now);
            }
            Cmd::Close => return false,
        }
        true
    }

    /// While playing, the next step once this one has had its time (stops at the
    /// end); asks for a repaint when the next one is due, never sooner.
    pub fn advance(&mut self, ctx: &egui::Context, now: f64) {
        if !self.playing {
            return;
        }
        let per_step = 1.0 / f64::from(self.speed.max(0.05));
        let elapsed = now - self.changed_at;
        if elapsed >= per_step {
            if self.index + 1 < self.len() {
                self.go(self.index + 1, now);
            } else {
                self.playing = false;
                return;
            }
        }
        let left = (per_step - (now - self.changed_at)).max(0.01);
        ctx.request_repaint_after(Duration::from_secs_f64(left));
    }

    /// How far the current arrow has travelled (0 to 1).
    fn crossed(&self, now: f64) -> f32 {
        let crossing = CROSSING_S.min(0.8 / f64::from(self.speed.max(0.05)));
        ((now - self.changed_at) / crossing).clamp(0.0, 1.0) as f32
    }

    /// The packet to select when the step changed since the last call.
    pub fn packet_to_select(&mut self, store: &Store) -> Option<u32> {
        if self.selected == Some(self.index) {
            return None;
        }
        self.selected = Some(self.index);
        self.item(store, self.index).map(|i| i.step.packet)
    }

    /// The current step.
    pub fn current(&mut self, store: &Store) -> Option<Item> {
        self.item(store, self.index)
    }
}

/// Space, Right, Left and N, taken before any widget sees them (a focused button
/// would take Space as a click), unless a text field has the keyboard.
pub fn key_commands(ctx: &egui::Context) -> Vec<Cmd> {
    if ctx.text_edit_focused() {
        return Vec::new();
    }
    let keys = [
        (Key::Space, Cmd::PlayPause),
        (Key::ArrowRight, Cmd::Forward),
        (Key::ArrowLeft, Cmd::Back),
        (Key::N, Cmd::NextPhase),
    ];
    ctx.input_mut(|i| {
        keys.into_iter()
            .filter(|(k, _)| i.consume_key(Modifiers::NONE, *k))
            .map(|(_, c)| c)
            .collect()
    })
}

/// The replay's bar: its controls (buttons with their names, a speed slider), what
/// is replayed and the step, and the step's story large.
pub fn replay_bar_ui(
    ui: &mut egui::Ui,
    r: &mut Replay,
    current: Option<&Item>,
    mask: &Mask,
) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    ui.horizontal_wrapped(|ui| controls_ui(ui, r, false, &mut cmds));
    scope_line_ui(ui, r, current, mask);
    story_ui(ui, current, mask, STORY_SIZE);
    cmds
}

/// Presenter mode's bar: the controls as icons on one line with `more` after them
/// (the presenter's masks and the way out), then what is replayed and the story, a
/// little less large than in the window (presenter mode is zoomed already) so that
/// the ladder keeps its room.
pub fn presenter_replay_bar_ui(
    ui: &mut egui::Ui,
    r: &mut Replay,
    current: Option<&Item>,
    mask: &Mask,
    more: impl FnOnce(&mut egui::Ui),
) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    ui.horizontal_wrapped(|ui| {
        controls_ui(ui, r, true, &mut cmds);
        ui.add_space(ui.spacing().item_spacing.x);
        more(ui);
    });
    scope_line_ui(ui, r, current, mask);
    story_ui(ui, current, mask, PRESENTER_STORY_SIZE);
    cmds
}

/// The story's size, in body text heights.
const STORY_SIZE: f32 = 1.45;
/// In presenter mode, already zoomed at least twice.
const PRESENTER_STORY_SIZE: f32 = 1.2;

/// Start, Back, Play or Pause, Forward, Next phase, the speed and Close; `compact`:
/// icons (named on hover), a small speed field and no Close, for presenter mode's
/// one line.
fn controls_ui(ui: &mut egui::Ui, r: &mut Replay, compact: bool, cmds: &mut Vec<Cmd>) {
    let last = r.len().saturating_sub(1);
    let (back, forward) = (r.index > 0, r.index < last);
    // The bundled fonts have no ⏵ or ⏸: Play and Pause are words.
    let play = match r.playing {
        true => ("Pause", "Pause"),
        false if compact => ("Play", "Play"),
        false => ("► Play", "Play"),
    };
    let buttons = [
        (
            back,
            ("◄◄", "◄◄ Start"),
            "Back to the first step",
            Cmd::Restart,
        ),
        (back, ("◄", "◄ Back"), "Back: Left arrow", Cmd::Back),
        (true, (play.0, play.0), "Space", Cmd::PlayPause),
        (
            forward,
            ("►", "Forward ►"),
            "Forward: Right arrow",
            Cmd::Forward,
        ),
        (
            forward,
            ("►►", "Next phase ►►"),
            "Next phase (N): the next handshake step, Upgrade, 101, first frame or close",
            Cmd::NextPhase,
        ),
    ];
    for (enabled, (icon, text), hint, cmd) in buttons {
        let text = if compact { icon } else { text };
        let hint = if cmd == Cmd::PlayPause {
            format!("{}: {hint}", play.1)
        } else {
            hint.to_string()
        };
        if (ui.add_enabled(enabled, egui::Button::new(text)))
            .on_hover_text(hint)
            .clicked()
        {
            cmds.push(cmd);
        }
    }
    speed_ui(ui, r, compact);
    // Presenting, F5 leaves and the menu stops the replay: the line keeps its room.
    if !compact
        && ui
            .button("Close replay ✖")
            .on_hover_text("Stop replaying")
            .clicked()
    {
        cmds.push(Cmd::Close);
    }
}

fn speed_ui(ui: &mut egui::Ui, r: &mut Replay, compact: bool) {
    if compact {
        ui.add(
            egui::DragValue::new(&mut r.speed)
                .range(0.25..=4.0)
                .speed(0.05)
                .max_decimals(2)
                .suffix("/s"),
        )
        .on_hover_text("Speed: steps a second (drag, or click and type)");
    } else {
        ui.add(
            egui::Slider::new(&mut r.speed, 0.25..=4.0)
                .step_by(0.25)
                .suffix(" steps/s")
                .text("Speed"),
        );
    }
}

/// What is replayed, the step, its phase and the replay's note.
fn scope_line_ui(ui: &mut egui::Ui, r: &Replay, current: Option<&Item>, mask: &Mask) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(format!("Replaying {}", mask.apply(&r.name))).weak());
        ui.label(RichText::new(format!("step {} of {}", r.index + 1, r.len())).strong());
        if let Some(m) = current.and_then(|c| c.step.milestone) {
            ui.label(
                RichText::new(format!("Phase: {}", m.name()))
                    .strong()
                    .color(direction_color(
                        current.and_then(|c| c.step.dir),
                        !ui.visuals().dark_mode,
                    )),
            );
        }
        if let Some(n) = &r.note {
            ui.label(RichText::new(n).italics());
        }
    });
}

/// The step's story at `size` body heights, in at least two lines' room.
fn story_ui(ui: &mut egui::Ui, current: Option<&Item>, mask: &Mask, size: f32) {
    let big = ui.text_style_height(&egui::TextStyle::Body) * size;
    let story = current.map_or_else(
        || "This step is not analysed.".to_string(),
        |c| {
            format!(
                "Packet {}: {}",
                c.step.packet + 1,
                mask.apply(&c.step.story)
            )
        },
    );
    // Two lines kept for it, so that the panes below do not jump from step to step.
    let took = ui
        .add(egui::Label::new(RichText::new(story).size(big)).wrap())
        .rect
        .height();
    let two_lines = 2.0 * ui.fonts_mut(|f| f.row_height(&FontId::proportional(big)));
    ui.add_space((two_lines - took).max(0.0));
}

/// Where the compact ladder's columns are.
struct Columns {
    client: f32,
    server: f32,
}

impl Columns {
    fn of(&self, dir: Option<Direction>) -> (f32, f32) {
        match dir {
            Some(Direction::FromServer) => (self.server, self.client),
            _ => (self.client, self.server),
        }
    }
}

/// The compact ladder: client and server columns, one arrow per step around the
/// current one; the current arrow travels from sender to receiver, earlier ones
/// are solid and later ones faint. A click on a row goes to that step. `mask`
/// hides payload text in the labels; `names` are the columns' titles.
pub fn ladder_ui(
    ui: &mut egui::Ui,
    r: &mut Replay,
    store: &Store,
    names: (&str, &str),
    mask: &Mask,
) -> Option<Cmd> {
    let now = ui.input(|i| i.time);
    let font = FontId::proportional(ui.text_style_height(&egui::TextStyle::Body) * 0.8);
    let line = ui.fonts_mut(|f| f.row_height(&font));
    // A line for the label and a short slope for the arrow under it: at 2× on a
    // 1280×800 projector, ten arrows or more.
    let row_h = line * 2.0;
    let ink = ui.visuals().text_color();
    let painter = ui.painter().clone();
    let width = ui.available_width();
    let left = ui.available_rect_before_wrap().left();
    let (client, server) = (line * 2.6, line * 0.8);
    let galley = |t: &str| painter.layout_no_wrap(t.to_string(), font.clone(), ink);
    let (a, b) = (galley(names.0), galley(names.1));
    // The columns' names side by side, each centred over its column as far as the
    // edges allow, or one above the other when they would meet.
    let ax = (left + client - a.size().x / 2.0).max(left);
    let bx = (left + width - server - b.size().x / 2.0).min(left + width - b.size().x);
    let stacked = ax + a.size().x + line > bx;
    let rows = if stacked { 2.6 } else { 1.6 };
    let (title, _) = ui.allocate_exact_size(vec2(width, line * rows), Sense::hover());
    let (ya, yb) = match stacked {
        true => (title.top() + line * 0.2, title.top() + line * 1.3),
        false => (title.top() + line * 0.3, title.top() + line * 0.3),
    };
    let (ax, bx) = match stacked {
        true => (
            left + client,
            (left + width - server - b.size().x).max(left),
        ),
        false => (ax, bx),
    };
    painter.galley(pos2(ax, ya), a, ink);
    painter.galley(pos2(bx, yb), b, ink);
    let area = ui.available_rect_before_wrap();
    let cols = Columns {
        client: area.left() + client,
        server: area.right() - server,
    };
    let high_contrast = !ui.visuals().dark_mode;
    let visible = ((area.height() / row_h).floor() as usize).max(1);
    let first = r
        .index
        .saturating_sub(visible / 3)
        .min(r.len().saturating_sub(visible));
    let end = (first + visible).min(r.len());
    for x in [cols.client, cols.server] {
        let bottom = area.top() + row_h * (end - first) as f32;
        painter.line_segment(
            [pos2(x, area.top()), pos2(x, bottom)],
            Stroke::new(1.5, ink.gamma_multiply(0.6)),
        );
    }
    let crossed = r.crossed(now);
    let mut clicked = None;
    for i in first..end {
        let Some(item) = r.item(store, i) else {
            continue;
        };
        let top = area.top() + row_h * (i - first) as f32;
        let row = egui::Rect::from_min_size(pos2(area.left(), top), vec2(area.width(), row_h));
        let label = mask.apply(&item.label);
        let resp = ui.interact(row, egui::Id::unique(("replay-row", i)), Sense::click());
        resp.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::Label,
                true,
                format!("{} {label}", item.step.packet + 1),
            )
        });
        if resp.clicked() {
            clicked = Some(Cmd::Go(i));
        }
        let current = i == r.index;
        if current {
            painter.rect_filled(
                row,
                3.0,
                ui.visuals().selection.bg_fill.gamma_multiply(0.45),
            );
        }
        let strength = if i <= r.index { 1.0 } else { 0.3 };
        let color = direction_color(item.step.dir, high_contrast).gamma_multiply(strength);
        let text_color = ink.gamma_multiply(strength.max(0.45));
        painter.text(
            pos2(area.left() + 2.0, top + row_h * 0.5),
            Align2::LEFT_CENTER,
            format!("{}", item.step.packet + 1),
            font.clone(),
            text_color,
        );
        let (from, to) = cols.of(item.step.dir);
        let (y0, y1) = (top + line * 1.2, top + row_h - line * 0.15);
        let tip_t = if current { crossed } else { 1.0 };
        let tip = pos2(from + (to - from) * tip_t, y0 + (y1 - y0) * tip_t);
        let width = if current { 3.0 } else { 1.8 };
        arrow(
            &painter,
            pos2(from, y0),
            tip,
            Stroke::new(width, color),
            current && tip_t < 1.0,
        );
        let job = egui::text::LayoutJob {
            wrap: egui::text::TextWrapping::truncate_at_width(
                (cols.server - cols.client - 8.0).max(10.0),
            ),
            ..egui::text::LayoutJob::simple_singleline(label, font.clone(), text_color)
        };
        let galley = painter.layout_job(job);
        let at = pos2(
            (cols.client + cols.server - galley.size().x) / 2.0,
            top + line * 0.1,
        );
        painter.galley(at, galley, text_color);
    }
    if crossed < 1.0 {
        ui.ctx().request_repaint();
    }
    ui.allocate_rect(area, Sense::hover());
    clicked
}

/// A line with an arrowhead at `to` (a dot when the arrow is under way).
fn arrow(painter: &egui::Painter, from: egui::Pos2, to: egui::Pos2, stroke: Stroke, moving: bool) {
    painter.line_segment([from, to], stroke);
    let dir = (to - from).normalized();
    if dir.length() < 0.5 {
        return;
    }
    let head = 4.0 + 2.0 * stroke.width;
    let side = vec2(-dir.y, dir.x) * head * 0.5;
    let back = to - dir * head;
    painter.add(egui::Shape::convex_polygon(
        vec![to, back + side, back - side],
        stroke.color,
        Stroke::NONE,
    ));
    if moving {
        painter.circle_filled(to, stroke.width * 1.6, stroke.color);
    }
}
