//! A lesson step's challenge in the lesson bar: the question, a text box (or the
//! choices as radio buttons), Check (or Enter) and Show answer; "Not quite" or
//! "Correct", the answer once revealed and the explanation. What the window hides
//! while the question is open is decided by [`Expected`] ([`crate::lessons::challenge`]).

use egui::{Color32, Key, RichText};

use crate::lessons::challenge::{is_right, Answer, Expected};
use crate::lessons::Challenge;

const RIGHT: Color32 = Color32::from_rgb(0x2e, 0x9e, 0x4f);
const WRONG: Color32 = Color32::from_rgb(0xd9, 0x4f, 0x3c);

/// Where a step's question stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Outcome {
    /// Not answered yet.
    #[default]
    Open,
    /// Answered wrongly (the answer stays hidden; it may be tried again).
    Wrong,
    Right,
    /// The student asked for the answer.
    Shown,
}

impl Outcome {
    /// The answer can be shown everywhere.
    pub fn revealed(self) -> bool {
        matches!(self, Outcome::Right | Outcome::Shown)
    }
}

/// What the student did on one step's question (kept when they step away and back).
#[derive(Clone, Debug, Default)]
pub struct Answering {
    /// The answer typed, or the choice picked.
    pub input: String,
    pub outcome: Outcome,
    /// Wrong answers so far.
    pub tries: u32,
}

impl Answering {
    /// Mark what was typed or picked (Check or Enter).
    pub fn check(&mut self, expected: &Expected, choices: &[String]) {
        if self.input.trim().is_empty() || self.outcome.revealed() {
            return;
        }
        if is_right(&expected.answer, choices, &self.input) {
            self.outcome = Outcome::Right;
        } else {
            self.outcome = Outcome::Wrong;
            self.tries += 1;
        }
    }
}

/// The question, the controls and the verdict, under the step's text.
pub fn challenge_ui(ui: &mut egui::Ui, c: &Challenge, e: &Expected, a: &mut Answering) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        question_ui(ui, c, e, a);
    });
}

fn question_ui(ui: &mut egui::Ui, c: &Challenge, e: &Expected, a: &mut Answering) {
    let big = 18.0;
    let strong = ui.visuals().strong_text_color();
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Question:").size(big).strong().color(strong));
        let q = RichText::new(masked(e, a, &c.question))
            .size(big)
            .color(strong);
        ui.add(egui::Label::new(q).wrap());
    });
    ui.horizontal_wrapped(|ui| {
        if matches!(e.answer, Answer::Choice(_)) {
            choices_ui(ui, &c.choices, a);
            // Enter checks the choice picked (unless someone is typing elsewhere).
            let typing = ui.ctx().text_edit_focused();
            if !a.input.is_empty()
                && !typing
                && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, Key::Enter))
            {
                a.check(e, &c.choices);
            }
        } else {
            answer_box_ui(ui, e, c, a);
        }
        let open = !a.outcome.revealed();
        let check = ui.add_enabled(
            open && !a.input.trim().is_empty(),
            egui::Button::new("Check"),
        );
        if check.on_hover_text("Or press Enter").clicked() {
            a.check(e, &c.choices);
        }
        if ui
            .add_enabled(open, egui::Button::new("Show answer"))
            .clicked()
        {
            a.outcome = Outcome::Shown;
        }
        if open && e.hidden.is_some() {
            ui.weak("The value is hidden in the window until you answer.");
        }
    });
    verdict_ui(ui, c, e, a);
}

/// A question's text with the answer hidden while it is open.
fn masked<'a>(e: &Expected, a: &Answering, text: &'a str) -> std::borrow::Cow<'a, str> {
    match a.outcome.revealed() {
        true => text.into(),
        false => e.mask(text),
    }
}

fn answer_box_ui(ui: &mut egui::Ui, e: &Expected, c: &Challenge, a: &mut Answering) {
    let label = ui.label("Your answer:");
    let edit = egui::TextEdit::singleline(&mut a.input)
        .hint_text("type it here, then Enter")
        .desired_width(280.0)
        .font(egui::TextStyle::Monospace);
    let r = ui
        .add_enabled(!a.outcome.revealed(), edit)
        .labelled_by(label.id);
    if r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
        a.check(e, &c.choices);
    }
}

fn choices_ui(ui: &mut egui::Ui, choices: &[String], a: &mut Answering) {
    ui.label("Your answer:");
    ui.add_enabled_ui(!a.outcome.revealed(), |ui| {
        for choice in choices {
            if ui.radio(a.input == *choice, choice.as_str()).clicked() {
                a.input = choice.clone();
            }
        }
    });
}

fn verdict_ui(ui: &mut egui::Ui, c: &Challenge, e: &Expected, a: &Answering) {
    let big = 18.0;
    match a.outcome {
        Outcome::Open => return,
        Outcome::Wrong => {
            let tries = match a.tries {
                1 => String::new(),
                n => format!(" ({n} tries)"),
            };
            let text = format!("✗ Not quite{tries}. Try again, or Show answer.");
            ui.label(RichText::new(text).size(big).color(WRONG));
        }
        Outcome::Right => {
            let text = format!("✓ Correct: {}", e.shown);
            ui.label(RichText::new(text).size(big).color(RIGHT).strong());
        }
        Outcome::Shown => {
            ui.label(
                RichText::new(format!("The answer: {}", e.shown))
                    .size(big)
                    .strong(),
            );
        }
    }
    if !c.explain.is_empty() {
        ui.add(egui::Label::new(masked(e, a, &c.explain)).wrap());
    }
}
