//! A lesson as a handout: its title, the ladder of every TCP conversation its steps
//! visit, then each step with its number, its packet, the field it points at and that
//! field's value as the tree shows it, the step's text and the field explained.

use std::collections::BTreeSet;

use super::{Handout, HandoutAnswer, HandoutStep, LadderImage};
use crate::dissect::Dissection;
use crate::export::svg::{ladder_title, render};
use crate::lessons::{find_field, Lesson, Step};
use crate::store::{PacketId, Store};
use crate::story::{ladder, Ladder};

/// The handout of `lesson`, read against `store` (its capture). A step whose packet or
/// field is not in the capture is still there, saying what is missing.
pub fn lesson_handout(store: &Store, lesson: &Lesson) -> Handout {
    let conversations: BTreeSet<u32> = (lesson.steps.iter())
        .filter_map(|s| conversation_of(store, s.packet))
        .collect();
    let ladders: Vec<(u32, Ladder)> = (conversations.iter())
        .map(|&c| (c, ladder(store, c)))
        .collect();
    let mut answers = Vec::new();
    let steps = (lesson.steps.iter().enumerate())
        .map(|(i, s)| {
            let mut h = step(store, &ladders, i + 1, s);
            if let Some(a) = ask(store, s, &mut h) {
                answers.push(a);
            }
            h
        })
        .collect();
    let visits = match conversations.len() {
        0 => String::new(),
        1 => ", in one TCP conversation".to_string(),
        n => format!(", in {n} TCP conversations"),
    };
    Handout {
        title: lesson.title.clone(),
        subtitle: format!(
            "A lesson in {} steps on the capture {}{visits}.",
            lesson.steps.len(),
            lesson.capture
        ),
        ladders: (ladders.iter())
            .map(|(c, l)| LadderImage {
                conversation: *c,
                svg: render(l, &ladder_title(*c)),
            })
            .collect(),
        steps,
        left_out: 0,
        answers,
    }
}

/// A step's question: asked in the step, its answer kept out of the step (masked
/// wherever it stands as a word; for a multiple-choice question, the field's
/// explanation, which states it, left out) and returned for the page's end.
fn ask(store: &Store, s: &Step, h: &mut HandoutStep) -> Option<HandoutAnswer> {
    let c = s.challenge.as_ref()?;
    let Ok(expected) = c.resolve(s, store) else {
        h.question = Some(format!(
            "{} (this question's answer is not in the capture)",
            c.question
        ));
        return None;
    };
    h.question = Some(match c.choices.is_empty() {
        true => c.question.clone(),
        false => format!("{} ({})", c.question, c.choices.join(" / ")),
    });
    if !c.choices.is_empty() {
        h.fields.clear();
    }
    h.story = expected.mask(&h.story).into_owned();
    h.label = expected.mask(&h.label).into_owned();
    h.value = h.value.as_deref().map(|v| expected.mask(v).into_owned());
    Some(HandoutAnswer {
        step: h.number.unwrap_or_default(),
        answer: expected.shown.clone(),
        explain: c.explain.clone(),
    })
}

/// The `tcp.stream` of packet `number` (from 1), if it is a TCP packet of the capture.
fn conversation_of(store: &Store, number: u32) -> Option<u32> {
    let p = number.checked_sub(1)?;
    let (c, _) = store.analysis.tcp.conversation_of(PacketId(p))?;
    Some(c.0)
}

fn step(store: &Store, ladders: &[(u32, Ladder)], number: usize, s: &Step) -> HandoutStep {
    let mut h = HandoutStep {
        number: Some(number),
        packet: s.packet.saturating_sub(1),
        story: s.text.clone(),
        fields: s.field.iter().cloned().collect(),
        ..HandoutStep::default()
    };
    let Some(p) = (s.packet.checked_sub(1)).filter(|&p| (p as usize) < store.len()) else {
        h.label = format!(
            "packet {} is not in the capture ({} packets)",
            s.packet,
            store.len()
        );
        return h;
    };
    let arrow = (ladders.iter())
        .flat_map(|(_, l)| &l.arrows)
        .find(|a| a.packet == p);
    h.label = arrow.map_or_else(|| store.columns(PacketId(p)).info, |a| a.label.clone());
    h.direction = arrow.map_or("", |a| a.dir.arrow()).to_string();
    if let Some(name) = &s.field {
        let value = (store.dissect(PacketId(p))).and_then(|d| value_of(&d, name));
        h.value = Some(value.unwrap_or_else(|| format!("not in packet {}", s.packet)));
    }
    h
}

/// The first field called `name` in `d` as the tree shows it (`Upgrade: websocket`), or
/// the title of the layer called so.
fn value_of(d: &Dissection, name: &str) -> Option<String> {
    let found = find_field(d, name)?;
    let (&li, rest) = found.path.split_first()?;
    let layer = d.layers.get(li)?;
    let Some((&fi, children)) = rest.split_first() else {
        return Some(layer.title.clone());
    };
    let mut field = layer.fields.get(fi)?;
    for &c in children {
        field = field.children.get(c)?;
    }
    let shown = field.shown();
    Some(match shown.is_empty() {
        true => field.label.to_string(),
        false => format!("{}: {shown}", field.label),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::svg::tests::check_xml;
    use crate::lessons::load_bundled;
    use crate::story::testutil::sample;

    #[test]
    fn a_question_is_asked_in_its_step_and_answered_at_the_end() {
        let lesson = load_bundled("handshake").expect("bundled");
        let store = sample(&lesson.capture);
        let h = lesson_handout(&store, &lesson);
        let asked: Vec<&HandoutStep> = h.steps.iter().filter(|s| s.question.is_some()).collect();
        assert_eq!(asked.len(), 1);
        let q = asked[0];
        assert!(q
            .question
            .as_deref()
            .unwrap_or("")
            .contains("acknowledgment number"));
        assert_eq!(
            q.value.as_deref(),
            Some("Acknowledgment Number (raw): ?"),
            "the answer is not given in the step"
        );
        assert_eq!(h.answers.len(), 1);
        assert_eq!(h.answers[0].step, q.number.unwrap_or(0));
        assert_eq!(h.answers[0].answer, "858667451");
        for page in [h.html(), h.markdown(&[])] {
            let at = page.find("Answers").expect("an Answers section");
            assert!(
                !page[..at].contains("858667451"),
                "given away before the answers"
            );
            assert!(
                !page[..at].contains("858,667,451"),
                "given away before the answers"
            );
            assert!(page[at..].contains("858667451"));
            assert!(page.contains("Question:"));
        }
        // A multiple-choice question lists its choices and leaves out the explanation
        // that states the answer.
        let lesson = load_bundled("websocket-frames").expect("bundled");
        let h = lesson_handout(&sample(&lesson.capture), &lesson);
        let q = h
            .steps
            .iter()
            .find(|s| s.question.is_some())
            .expect("asked");
        assert!(q
            .question
            .as_deref()
            .unwrap_or("")
            .ends_with("(client / server / both)"));
        assert!(q.fields.is_empty());
        assert_eq!(h.answers[0].answer, "client");
    }

    #[test]
    fn the_comparison_lesson_has_its_three_ladders_and_every_step() {
        let lesson = load_bundled("socketio-vs-websocket").expect("bundled");
        let store = sample(&lesson.capture);
        let h = lesson_handout(&store, &lesson);
        assert_eq!(h.title, lesson.title);
        // The plain WebSocket (stream 0), the first poll (1) and the upgraded WebSocket (3).
        let convs: Vec<u32> = h.ladders.iter().map(|l| l.conversation).collect();
        assert_eq!(convs, [0, 1, 3]);
        assert!(
            h.subtitle.contains("in 3 TCP conversations"),
            "{}",
            h.subtitle
        );
        assert_eq!(h.steps.len(), lesson.steps.len());
        for (i, (got, want)) in h.steps.iter().zip(&lesson.steps).enumerate() {
            assert_eq!(got.number, Some(i + 1));
            assert_eq!(got.packet + 1, want.packet);
            assert_eq!(got.story, want.text);
            assert_eq!(got.fields, want.field.iter().cloned().collect::<Vec<_>>());
            assert!(!got.direction.is_empty(), "step {}", i + 1);
        }
        // Step 1: the Upgrade header of packet 4, as the tree shows it.
        assert_eq!(h.steps[0].value.as_deref(), Some("Upgrade: websocket"));
        assert_eq!(h.steps[0].direction, "client → server");
        // Step 7: the bare text frame "hi", its label the ladder's.
        assert_eq!(h.steps[6].value.as_deref(), Some("Payload (unmasked): hi"));
        // Step 10: the Engine.IO ping comes from the server.
        assert_eq!(h.steps[9].value.as_deref(), Some("Packet type: ping (2)"));
        assert_eq!(h.steps[9].direction, "server → client");

        let html = h.html();
        let names = check_xml(html.trim_start_matches("<!DOCTYPE html>\n"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names.iter().filter(|n| *n == "svg").count(), 3);
        assert!(html.contains("<span class=\"no\">Step 8 · #70</span>"));
        assert!(html.contains("<code>socketio.event</code>: <code>Event: chat message</code>"));
    }

    #[test]
    fn a_missing_packet_or_field_is_said_and_a_layer_gives_its_title() {
        let mut lesson = load_bundled("handshake").expect("bundled");
        let store = sample(&lesson.capture);
        lesson.steps.truncate(3);
        lesson.steps[0].field = Some("tcp".into());
        lesson.steps[1].field = Some("http.upgrade".into());
        lesson.steps[2].packet = 9999;
        let h = lesson_handout(&store, &lesson);
        let v = h.steps[0].value.as_deref().unwrap_or("");
        assert!(v.starts_with("Transmission Control Protocol"), "{v}");
        let p2 = lesson.steps[1].packet;
        assert_eq!(
            h.steps[1].value.as_deref(),
            Some(format!("not in packet {p2}").as_str())
        );
        assert!(
            h.steps[2]
                .label
                .starts_with("packet 9999 is not in the capture"),
            "{}",
            h.steps[2].label
        );
        assert_eq!(h.ladders.len(), 1, "two steps in one conversation");
        let md = h.markdown(&["x.svg".to_string()]);
        assert!(md.contains("![The ladder of the conversation](x.svg)"));
        assert!(md.contains("### Step 3 · #9999"), "{md}");
    }
}
