//! A lesson step's question in the window, driven headless: the value it asks for is
//! hidden in the tree (and its bytes) until it is answered; a wrong answer says "Not
//! quite" and keeps it hidden; the right one (typed loosely) says "Correct", explains
//! and reveals; Show answer reveals; choices are radio buttons; a step answered earlier
//! is still answered when the student comes back to it.
#![cfg(feature = "gui")]

use egui::{Key, Role};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use layerscope::dissect::Src;
use layerscope::gui::app::{Action, App};
use layerscope::gui::challenge::Outcome;
use layerscope::gui::settings::Settings;
use layerscope::lessons::{self, Lesson};
use layerscope::store::PacketId;

/// The window on the bundled lesson `name`, loaded, at its step with a question.
fn at_question(name: &str) -> (Harness<'static, App>, Lesson, usize) {
    let lesson = lessons::load_bundled(name).expect("bundled");
    let at = (lesson.steps.iter())
        .position(|s| s.challenge.is_some())
        .expect("a step with a question");
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(
            |ui, app: &mut App| app.ui(ui),
            App::new(Settings::default(), None),
        );
    h.state_mut()
        .start_lesson(lesson.clone(), &egui::Context::default());
    h.state_mut().wait_loaded();
    h.run_steps(3);
    for _ in 0..at {
        click(&mut h, "Next ►");
    }
    assert_eq!(h.state().lesson.as_ref().map(|l| l.step), Some(at));
    (h, lesson, at)
}

fn click(h: &mut Harness<'static, App>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(3);
}

fn shown(h: &Harness<'static, App>, label: &str) -> bool {
    h.query_by_label(label).is_some()
}

/// Type `text` in the answer box (replacing what is there) and press Enter.
fn answer(h: &mut Harness<'static, App>, text: &str) {
    let step = h.state().lesson.as_ref().expect("a lesson").step;
    if let Some(l) = &mut h.state_mut().lesson {
        l.answers[step].input.clear();
    }
    h.run_steps(1);
    let input = h.get_by_role_and_label(Role::TextInput, "Your answer:");
    input.focus();
    input.type_text(text);
    h.run_steps(1);
    h.key_press(Key::Enter);
    h.run_steps(3);
}

fn outcome(h: &Harness<'static, App>) -> Outcome {
    let l = h.state().lesson.as_ref().expect("a lesson");
    l.answers[l.step].outcome
}

const ACK_HIDDEN: &str = "Acknowledgment Number (raw): ?";
const ACK_SHOWN: &str = "Acknowledgment Number (raw): 858667451";

#[test]
fn the_handshake_question_hides_the_ack_until_it_is_answered_right() {
    let (mut h, lesson, at) = at_question("handshake");
    let c = lesson.steps[at].challenge.clone().expect("a question");
    assert!(shown(&h, &c.question), "the question is asked");
    assert!(shown(&h, ACK_HIDDEN), "the tree hides the value");
    assert!(!shown(&h, ACK_SHOWN));
    let l = h.state().lesson.as_ref().expect("a lesson");
    assert_eq!(
        l.hidden_bytes(2, Src::Frame),
        Some([42, 46]),
        "and its bytes"
    );
    let worked = h.get_by_label_contains("Worked out");
    assert!(
        worked.accesskit_node().is_disabled(),
        "worked out is closed"
    );
    assert!(shown(
        &h,
        "Its value in this packet is hidden until you answer the lesson's question."
    ));

    answer(&mut h, "858667450");
    assert_eq!(outcome(&h), Outcome::Wrong);
    assert!(shown(&h, "✗ Not quite. Try again, or Show answer."));
    assert!(shown(&h, ACK_HIDDEN), "a wrong answer keeps it hidden");
    // The explanation after a wrong answer hides the number it works out.
    let explain_masked = c.explain.replace("858,667,451", "?");
    assert_ne!(explain_masked, c.explain);
    assert!(shown(&h, &explain_masked), "the explanation, masked");

    answer(&mut h, " 858,667,451 ");
    assert_eq!(outcome(&h), Outcome::Right);
    assert!(shown(&h, "✓ Correct: 858667451"));
    assert!(shown(&h, &c.explain), "the explanation, whole");
    assert!(shown(&h, ACK_SHOWN), "the tree shows the value");
    let l = h.state().lesson.as_ref().expect("a lesson");
    assert_eq!(l.hidden_bytes(2, Src::Frame), None);
    assert!(!h
        .get_by_label_contains("Worked out")
        .accesskit_node()
        .is_disabled());

    // Away and back: still answered.
    click(&mut h, "Next ►");
    click(&mut h, "◄ Back");
    assert!(shown(&h, "✓ Correct: 858667451"));
    assert!(shown(&h, ACK_SHOWN));
}

#[test]
fn hex_answers_count_and_next_works_without_answering() {
    let (mut h, lesson, at) = at_question("handshake");
    click(&mut h, "Next ►");
    assert_eq!(h.state().lesson.as_ref().map(|l| l.step), Some(at + 1));
    // The next step shows the same packet: the question is not asked there.
    assert!(shown(&h, ACK_SHOWN));
    click(&mut h, "◄ Back");
    assert!(shown(&h, ACK_HIDDEN), "unanswered, it is asked again");
    answer(&mut h, "0x332E39BB");
    assert_eq!(outcome(&h), Outcome::Right, "hex is the same number");
    assert_eq!(
        lesson.steps.len(),
        h.state().lesson.as_ref().unwrap().answers.len()
    );
}

#[test]
fn show_answer_reveals_the_accept_the_server_will_send() {
    let (mut h, _, _) = at_question("websocket-upgrade");
    const ACCEPT: &str = "eSaA9M3qUCmAQ+0f3iKrxTAuXJw=";
    // The question is asked on the request; the answer is in the response, packet 29.
    let ctx = egui::Context::default();
    h.state_mut().apply(Action::Select(28), &ctx);
    // Its copy in the handshake check, folded under it: selected, so shown.
    let store = h.state().store().expect("loaded").clone();
    let d = store.dissect(PacketId(28)).expect("dissects");
    let copy = lessons::find_field(&d, "websocket.accept").expect("the check");
    let range = copy.range.unwrap_or([0, 0]);
    h.state_mut()
        .apply(Action::SelectField(copy.path, range), &ctx);
    h.run_steps(3);
    assert!(shown(&h, "Sec-WebSocket-Accept: ?"), "the field is hidden");
    assert!(
        shown(&h, "Accept sent: ?"),
        "and so is its copy in the handshake check"
    );
    assert!(h.query_all_by_label_contains(ACCEPT).next().is_none());
    answer(&mut h, "esaa9m3qucmaq+0f3ikrxtauxjw=");
    assert_eq!(outcome(&h), Outcome::Wrong, "base64 is compared exactly");
    click(&mut h, "Show answer");
    assert_eq!(outcome(&h), Outcome::Shown);
    assert!(shown(&h, &format!("The answer: {ACCEPT}")));
    assert!(shown(&h, &format!("Sec-WebSocket-Accept: {ACCEPT}")));
    assert!(shown(&h, &format!("Accept sent: {ACCEPT}")));
}

#[test]
fn the_masking_question_is_answered_with_choices() {
    let (mut h, lesson, at) = at_question("websocket-frames");
    let c = lesson.steps[at].challenge.clone().expect("a question");
    assert_eq!(c.choices, ["client", "server", "both"]);
    // The explanation of the Mask bit says who masks: kept back until answered.
    const WITHHELD: &str = "Its explanation is shown once you answer the lesson's question.";
    assert!(shown(&h, WITHHELD));
    assert!(
        shown(&h, "Mask: True"),
        "the frame's own bit is there to look at"
    );
    click(&mut h, "server");
    click(&mut h, "Check");
    assert_eq!(outcome(&h), Outcome::Wrong);
    assert!(shown(&h, "✗ Not quite. Try again, or Show answer."));
    click(&mut h, "client");
    h.key_press(Key::Enter);
    h.run_steps(3);
    assert_eq!(outcome(&h), Outcome::Right, "Enter checks the choice");
    assert!(shown(&h, "✓ Correct: client"));
    assert!(shown(&h, &c.explain));
    assert!(!shown(&h, WITHHELD), "the explanation is back");
    assert!(h.query_by_label_contains("must be masked").is_some());
}

#[test]
fn the_worked_computations_wait_for_the_answer() {
    let (mut h, _, _) = at_question("handshake");
    // The worked computations chosen on the step before...
    click(&mut h, "◄ Back");
    h.get_by_label_contains("Worked out").click();
    h.run_steps(3);
    assert!(shown(&h, "Packet 2 — worked out"));
    // ...give way to the tree while the question is open (they work the ACK out),
    click(&mut h, "Next ►");
    assert!(shown(&h, "Packet 3 — layers"));
    assert!(shown(&h, ACK_HIDDEN));
    // and come back once it is answered.
    click(&mut h, "Show answer");
    assert!(shown(&h, "Packet 3 — worked out"));
}
