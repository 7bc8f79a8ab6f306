//! Lessons in the window: the lesson bar (title, step N of M, the step's text, Back,
//! Next, Close; Right and Left when no text field has focus), Help ▸ Lessons and
//! File ▸ Open Lesson…. Each step selects its packet and field, so the explanation
//! panel explains it. A step's question is drawn by [`crate::gui::challenge`]. The
//! lessons themselves are [`crate::lessons`].

use egui::{Key, Modifiers, RichText};

use super::{Action, App, Choosing};
use crate::dissect::{Dissection, Range, Src};
use crate::gui::challenge::{challenge_ui, Answering};
use crate::gui::details::{name_at, Hide, Withheld};
use crate::gui::loader::Input;
use crate::lessons::challenge::Answer;
use crate::lessons::{self, find_field, CaptureSource, Expected, Lesson};
use crate::store::PacketId;

/// The lesson in progress.
pub struct LessonState {
    pub lesson: Lesson,
    /// The step shown, from 0.
    pub step: usize,
    /// The step whose packet and field are selected (`None`: not yet).
    applied: Option<usize>,
    /// Its capture has been shown: another capture opened after it ends the lesson.
    capture_shown: bool,
    /// What in the lesson does not match its capture, once it is loaded.
    pub problems: Vec<String>,
    /// Each step's question's answer, once the capture is loaded (`None`: no question).
    pub expected: Vec<Option<Expected>>,
    /// What the student answered at each step.
    pub answers: Vec<Answering>,
}

impl LessonState {
    /// The current step's question, while it is not answered: what the window hides.
    pub fn open_challenge(&self) -> Option<&Expected> {
        let e = self.expected.get(self.step)?.as_ref()?;
        let a = self.answers.get(self.step)?;
        (!a.outcome.revealed()).then_some(e)
    }

    /// What the open question hides in the tree of `packet` (from 0).
    pub fn hide(&self, packet: u32) -> Option<Hide<'_>> {
        let expected = self.open_challenge()?;
        let hidden = expected.hidden.as_ref().filter(|h| h.packet == packet);
        Some(Hide {
            field: hidden.map(|h| &h.path[..]),
            expected,
        })
    }

    /// What the open question keeps back from the explanation of the field at `path`
    /// of `packet` (dissected as `d`): the value asked for, or, for a multiple-choice
    /// question, the explanation of the field it is about (in any packet: the
    /// explanation is the same), which states the answer.
    pub fn withheld(&self, packet: u32, d: &Dissection, path: Option<&[usize]>) -> Withheld {
        let Some(e) = self.open_challenge() else {
            return Withheld::Nothing;
        };
        let step = &self.lesson.steps[self.step];
        let hidden = e.hidden.as_ref();
        if path.is_some() && hidden.is_some_and(|h| h.packet == packet && Some(&h.path[..]) == path)
        {
            return Withheld::Value;
        }
        let name = path.and_then(|p| name_at(d, p));
        let about = [
            step.field.as_deref(),
            step.challenge.as_ref().and_then(|c| c.field.as_deref()),
        ];
        match matches!(e.answer, Answer::Choice(_)) && name.is_some() && about.contains(&name) {
            true => Withheld::Explanation,
            false => Withheld::Nothing,
        }
    }

    /// The bytes of `packet` in `src` the open question hides.
    pub fn hidden_bytes(&self, packet: u32, src: Src) -> Option<Range> {
        let h = self.open_challenge()?.hidden.as_ref()?;
        let (s, range) = h.bytes.filter(|_| h.packet == packet)?;
        (s == src).then_some(range)
    }
}

/// What the lesson bar and its keys ask for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cmd {
    Back,
    Next,
    Close,
    /// Save the lesson as a page for students.
    Handout,
}

impl App {
    /// Open `lesson`'s capture and show the lesson at its first step.
    pub fn start_lesson(&mut self, lesson: Lesson, ctx: &egui::Context) {
        let input = match lesson.capture_source() {
            Ok(CaptureSource::Bundled(name, bytes)) => Input::Bytes(name, bytes),
            Ok(CaptureSource::File(p)) => Input::File(p),
            Err(e) => return self.lesson_error(&lesson.name, e.to_string()),
        };
        self.open(input, ctx);
        let answers = vec![Answering::default(); lesson.steps.len()];
        self.lesson = Some(LessonState {
            lesson,
            step: 0,
            applied: None,
            capture_shown: false,
            problems: Vec::new(),
            expected: Vec::new(),
            answers,
        });
    }

    fn lesson_error(&mut self, name: &str, e: String) {
        self.error_file = format!("the lesson {name}");
        self.error = Some(e);
    }

    /// A capture was just shown: the lesson's own, or another one, which ends it.
    pub(super) fn lesson_capture_shown(&mut self) {
        match &mut self.lesson {
            Some(l) if !l.capture_shown => l.capture_shown = true,
            _ => self.lesson = None,
        }
    }

    /// Right and Left, then select the step's packet and field once the capture is loaded.
    pub(super) fn lesson_logic(&mut self, ctx: &egui::Context) {
        if self.lesson.is_none() {
            return;
        }
        if self.replay.is_none() && !ctx.text_edit_focused() {
            for (key, cmd) in [(Key::ArrowRight, Cmd::Next), (Key::ArrowLeft, Cmd::Back)] {
                if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, key)) {
                    self.lesson_cmd(cmd);
                }
            }
        }
        self.apply_lesson_step(ctx);
    }

    fn lesson_cmd(&mut self, cmd: Cmd) {
        if cmd == Cmd::Handout {
            return self.choose(Choosing::LessonHandout);
        }
        let Some(l) = &mut self.lesson else { return };
        match cmd {
            Cmd::Next => l.step = (l.step + 1).min(l.lesson.steps.len() - 1),
            Cmd::Back => l.step = l.step.saturating_sub(1),
            Cmd::Close => self.lesson = None,
            Cmd::Handout => {}
        }
    }

    fn apply_lesson_step(&mut self, ctx: &egui::Context) {
        let Some(l) = &self.lesson else { return };
        if l.applied == Some(l.step) || !l.capture_shown || self.is_loading() {
            return;
        }
        let Some(store) = self.store().cloned() else {
            return;
        };
        let step = l.lesson.steps[l.step].clone();
        let first = l.applied.is_none();
        if first {
            let problems = l.lesson.problems(&store);
            let expected = l.lesson.expected(&store);
            if let Some(l) = &mut self.lesson {
                l.problems = problems;
                l.expected = expected;
            }
        }
        if let Some(l) = &mut self.lesson {
            l.applied = Some(l.step);
        }
        let Some(index) = step
            .packet
            .checked_sub(1)
            .filter(|&i| (i as usize) < store.len())
        else {
            return;
        };
        // A display filter that hides the packet would take the selection away.
        if self.filter.hides(index) {
            self.filter.set("");
        }
        self.apply(Action::Select(index), ctx);
        let found = (step.field.as_deref())
            .zip(store.dissect(PacketId(index)))
            .and_then(|(name, d)| find_field(&d, name));
        if let Some(f) = found {
            let range = f.range.unwrap_or([0, 0]);
            self.apply(Action::SelectField(f.path, range), ctx);
        }
    }

    /// The lesson bar at the top of the window.
    pub(super) fn lesson_bar_ui(&mut self, ui: &mut egui::Ui) {
        let Some(l) = &mut self.lesson else { return };
        let mut cmd = None;
        egui::Panel::top("lesson").show(ui, |ui| cmd = lesson_bar_contents_ui(ui, l));
        if let Some(c) = cmd {
            self.lesson_cmd(c);
        }
    }

    /// Help ▸ Lessons ▸ each bundled lesson, by title.
    pub(super) fn help_menu_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        ui.menu_button("Help", |ui| {
            self.welcome_menu_ui(ui);
            ui.menu_button("Lessons", |ui| {
                for l in lessons::bundled() {
                    if ui.button(&l.title).on_hover_text(&l.name).clicked() {
                        self.start_lesson(l, &ctx);
                        ui.close();
                    }
                }
            });
        });
    }

    /// File ▸ Open Lesson…: choose a lesson file.
    pub(super) fn open_lesson_menu_ui(&mut self, ui: &mut egui::Ui) {
        if ui.button("Open Lesson…").clicked() {
            self.choose(Choosing::Lesson);
            ui.close();
        }
    }

    /// The lesson file `path` was chosen.
    pub(super) fn lesson_chosen(&mut self, path: &std::path::Path, ctx: &egui::Context) {
        match lessons::load_path(path) {
            Ok(l) => self.start_lesson(l, ctx),
            Err(e) => self.lesson_error(&path.display().to_string(), e.to_string()),
        }
    }
}

/// Narrower than this (points), the lesson bar puts its buttons on a line of their own.
const NARROW_BAR: f32 = 560.0;

/// Back, Next, Handout… and Close lesson, in that order on screen (`rtl`: laid out from
/// the right, so added the other way round); the command of the one clicked.
fn lesson_buttons_ui(ui: &mut egui::Ui, l: &LessonState, rtl: bool) -> Option<Cmd> {
    let mut cmd = None;
    let last = l.step + 1 >= l.lesson.steps.len();
    let mut buttons: [(bool, &str, &str, Cmd); 4] = [
        (l.step > 0, "◄ Back", "Left arrow", Cmd::Back),
        (!last, "Next ►", "Right arrow", Cmd::Next),
        (
            true,
            "Handout…",
            "Save the lesson as a page for students (HTML, or Markdown)",
            Cmd::Handout,
        ),
        (true, "Close lesson", "End the lesson", Cmd::Close),
    ];
    if rtl {
        buttons.reverse();
    }
    for (enabled, label, hover, c) in buttons {
        if ui
            .add_enabled(enabled, egui::Button::new(label))
            .on_hover_text(hover)
            .clicked()
        {
            cmd = Some(c);
        }
    }
    cmd
}

/// `step 5 of 8`, `packet 2` and whether the step asks a question, in that order on
/// screen (`rtl`: added the other way round).
fn step_labels_ui(ui: &mut egui::Ui, l: &LessonState, rtl: bool) {
    let steps = &l.lesson.steps;
    let step = &steps[l.step.min(steps.len() - 1)];
    let mut labels = vec![
        RichText::new(format!("step {} of {}", l.step + 1, steps.len())),
        RichText::new(format!("packet {}", step.packet)).weak(),
    ];
    if step.challenge.is_some() {
        labels.push(RichText::new("· a question").weak());
    }
    if rtl {
        labels.reverse();
    }
    for t in labels {
        ui.label(t);
    }
}

fn lesson_bar_contents_ui(ui: &mut egui::Ui, l: &mut LessonState) -> Option<Cmd> {
    let mut cmd = None;
    let steps = &l.lesson.steps;
    let at = l.step.min(steps.len() - 1);
    let step = &steps[at];
    ui.add_space(4.0);
    // Wide: the buttons and the step from the right, the title in what is left, cut
    // with "…" when it does not fit (at a projector's zoom it ran under them). Narrow (a
    // zoomed-in presenter mode): the buttons on a line of their own, then the rest.
    if ui.available_width() >= NARROW_BAR {
        ui.horizontal(|ui| {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                cmd = lesson_buttons_ui(ui, l, true);
                step_labels_ui(ui, l, true);
                ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                    let title = RichText::new(format!("Lesson: {}", l.lesson.title)).strong();
                    ui.add(egui::Label::new(title).truncate());
                });
            });
        });
    } else {
        ui.horizontal_wrapped(|ui| cmd = lesson_buttons_ui(ui, l, false));
        ui.horizontal_wrapped(|ui| {
            ui.strong(format!("Lesson: {}", l.lesson.title));
            step_labels_ui(ui, l, false);
        });
    }
    if !l.capture_shown {
        ui.label(RichText::new(format!("Opening {}…", l.lesson.capture)).weak());
    }
    let open = l.open_challenge();
    let text = open.map_or(step.text.as_str().into(), |e| e.mask(&step.text));
    let text = RichText::new(text.as_ref())
        .size(18.0)
        .color(ui.visuals().strong_text_color());
    ui.add(egui::Label::new(text).wrap());
    let expected = l.expected.get(at).and_then(Option::as_ref);
    if let (Some(c), Some(e), Some(a)) = (&step.challenge, expected, l.answers.get_mut(at)) {
        ui.add_space(4.0);
        challenge_ui(ui, c, e, a);
    }
    for p in &l.problems {
        ui.colored_label(egui::Color32::from_rgb(0xd9, 0x4f, 0x3c), p);
    }
    ui.add_space(4.0);
    cmd
}
