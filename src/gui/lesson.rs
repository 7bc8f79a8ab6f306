//! Lessons in the window: the lesson bar (title, step N of M, the step's text, Back,
//! Next, Close; Right and Left when no text field has focus), Help ▸ Lessons and
//! File ▸ Open Lesson…. Each step selects its packet and field, so the explanation
//! panel explains it. The lessons themselves are [`crate::lessons`].

use egui::{Key, Modifiers, RichText};

use super::{Action, App, Choosing};
use crate::gui::loader::Input;
use crate::lessons::{self, find_field, CaptureSource, Lesson};
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
}

/// What the lesson bar and its keys ask for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cmd {
    Back,
    Next,
    Close,
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
        self.lesson = Some(LessonState {
            lesson,
            step: 0,
            applied: None,
            capture_shown: false,
            problems: Vec::new(),
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
        let Some(l) = &mut self.lesson else { return };
        match cmd {
            Cmd::Next => l.step = (l.step + 1).min(l.lesson.steps.len() - 1),
            Cmd::Back => l.step = l.step.saturating_sub(1),
            Cmd::Close => self.lesson = None,
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
            if let Some(l) = &mut self.lesson {
                l.problems = problems;
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
        let Some(l) = &self.lesson else { return };
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

fn lesson_bar_contents_ui(ui: &mut egui::Ui, l: &LessonState) -> Option<Cmd> {
    let mut cmd = None;
    let steps = &l.lesson.steps;
    let step = &steps[l.step.min(steps.len() - 1)];
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        ui.strong(format!("Lesson: {}", l.lesson.title));
        ui.label(format!("step {} of {}", l.step + 1, steps.len()));
        ui.label(RichText::new(format!("packet {}", step.packet)).weak());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button("Close lesson")
                .on_hover_text("End the lesson")
                .clicked()
            {
                cmd = Some(Cmd::Close);
            }
            let last = l.step + 1 >= steps.len();
            if ui
                .add_enabled(!last, egui::Button::new("Next ►"))
                .on_hover_text("Right arrow")
                .clicked()
            {
                cmd = Some(Cmd::Next);
            }
            if ui
                .add_enabled(l.step > 0, egui::Button::new("◄ Back"))
                .on_hover_text("Left arrow")
                .clicked()
            {
                cmd = Some(Cmd::Back);
            }
        });
    });
    if !l.capture_shown {
        ui.label(RichText::new(format!("Opening {}…", l.lesson.capture)).weak());
    }
    let text = RichText::new(&step.text)
        .size(18.0)
        .color(ui.visuals().strong_text_color());
    ui.add(egui::Label::new(text).wrap());
    for p in &l.problems {
        ui.colored_label(egui::Color32::from_rgb(0xd9, 0x4f, 0x3c), p);
    }
    ui.add_space(4.0);
    cmd
}
