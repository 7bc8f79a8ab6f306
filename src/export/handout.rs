//! Handouts for students: one self-contained HTML page (inline CSS, the ladder as an
//! inline SVG, no external resource, readable offline and on paper), or Markdown with
//! the ladder saved next to it.
//!
//! A [`Handout`] is a title, ladder images and a list of [`HandoutStep`]s (a packet,
//! its story, the fields worth explaining); [`conversation_handout`] builds one from a
//! conversation's replay steps ([`crate::story::replay::conversation_steps`]), and
//! [`lesson_handout`] from a lesson's steps, with the ladder of every conversation they
//! visit. [`Handout::save`] writes either as the file name says.

use std::fmt::Write;

use super::svg::{escape, ladder_title, render, MAX_SVG_ARROWS};
use crate::explain;
use crate::ids::Direction;
use crate::store::Store;
use crate::story::ladder;
use crate::story::replay::{conversation_steps, Milestone};

/// A page for students.
#[derive(Clone, Debug, Default)]
pub struct Handout {
    pub title: String,
    /// One line under the title (who talks to whom, from which capture).
    pub subtitle: String,
    /// The ladders, in the order they are shown (none when there is no conversation).
    pub ladders: Vec<LadderImage>,
    pub steps: Vec<HandoutStep>,
    /// Steps not included (past [`MAX_SVG_ARROWS`]).
    pub left_out: usize,
    /// The answers to the steps' questions, in step order.
    pub answers: Vec<HandoutAnswer>,
}

/// One conversation's ladder as a whole `<svg>` document ([`super::svg::render`]).
#[derive(Clone, Debug, Default)]
pub struct LadderImage {
    /// Its `tcp.stream`.
    pub conversation: u32,
    pub svg: String,
}

/// One step: a packet and what to say about it.
#[derive(Clone, Debug, Default)]
pub struct HandoutStep {
    /// A lesson step's number, from 1 (`None`: a conversation's packet).
    pub number: Option<usize>,
    /// Packet index (0-based; shown as `#index+1`).
    pub packet: u32,
    /// `client → server`, or "" when it has no direction.
    pub direction: String,
    /// The ladder's label for it (`SYN Seq=0`).
    pub label: String,
    /// The step's story, one or two sentences.
    pub story: String,
    /// A milestone's name (`SYN`, `101 Switching Protocols`); highlighted when set.
    pub milestone: Option<String>,
    /// Field names to explain ([`crate::explain::explain`]); names without an entry are skipped.
    pub fields: Vec<String>,
    /// The field a lesson step points at, as the tree shows it (`Upgrade: websocket`),
    /// or why it is missing; its value is `?` when the step asks for it.
    pub value: Option<String>,
    /// The question a lesson step asks (its choices after it), if any: the answer is
    /// left out of the step and given in [`Handout::answers`].
    pub question: Option<String>,
}

/// The answer to a lesson step's question, printed after the steps (a teacher who hands
/// out the questions can cut it off).
#[derive(Clone, Debug, Default)]
pub struct HandoutAnswer {
    /// The step's number, from 1.
    pub step: usize,
    pub answer: String,
    /// Why, from the lesson's `explain`.
    pub explain: String,
}

/// The fields worth explaining at a milestone whose arrow is labelled `label`.
pub fn milestone_fields(m: Milestone, label: &str) -> &'static [&'static str] {
    match m {
        Milestone::Syn => &["tcp.flags.syn", "tcp.seq", "tcp.seq_raw"],
        Milestone::SynAck => &["tcp.flags.syn", "tcp.flags.ack", "tcp.ack", "tcp.ack_raw"],
        Milestone::HandshakeAck => &["tcp.flags.ack", "tcp.ack"],
        Milestone::Upgrade => &[
            "http.upgrade",
            "http.connection",
            "http.sec_websocket_key",
            "http.sec_websocket_version",
        ],
        Milestone::Switching => &[
            "http.response.code",
            "http.sec_websocket_accept",
            "websocket.accept.expected",
        ],
        Milestone::FirstFrame => &[
            "websocket.fin",
            "websocket.opcode",
            "websocket.mask",
            "websocket.masking_key",
            "websocket.payload",
        ],
        Milestone::Close if label.starts_with("WS Close") => {
            &["websocket.opcode", "websocket.close.code"]
        }
        Milestone::Close if label.contains("RST") => &["tcp.flags.reset"],
        Milestone::Close => &["tcp.flags.fin"],
    }
}

/// The handout of conversation `conversation` (`tcp.stream`) of the capture named
/// `capture_name`, its steps told as the classroom replay tells them.
pub fn conversation_handout_of(store: &Store, capture_name: &str, conversation: u32) -> Handout {
    let l = ladder(store, conversation);
    let title = format!("{capture_name}: TCP conversation {conversation}");
    if l.arrows.is_empty() {
        return Handout {
            subtitle: format!("There is no TCP conversation {conversation} in this capture."),
            title,
            ..Handout::default()
        };
    }
    let steps = conversation_steps(store, conversation);
    let left_out = steps.len().saturating_sub(MAX_SVG_ARROWS);
    let steps = (steps.into_iter().take(MAX_SVG_ARROWS))
        .map(|s| {
            let label = (l.arrows.iter().find(|a| a.packet == s.packet))
                .map_or(String::new(), |a| a.label.clone());
            let fields = s.milestone.map_or(&[][..], |m| milestone_fields(m, &label));
            HandoutStep {
                packet: s.packet,
                direction: s.dir.map_or("", Direction::arrow).to_string(),
                milestone: s.milestone.map(|m| m.name().to_string()),
                fields: fields.iter().map(|f| f.to_string()).collect(),
                label,
                story: s.story,
                ..HandoutStep::default()
            }
        })
        .collect();
    Handout {
        subtitle: format!(
            "Client {}, server {}: {} packets, from the capture {capture_name}.",
            l.client,
            l.server,
            l.arrows.len()
        ),
        ladders: vec![LadderImage {
            conversation,
            svg: render(&l, &ladder_title(conversation)),
        }],
        title,
        steps,
        left_out,
        answers: Vec::new(),
    }
}

/// [`conversation_handout_of`] as one self-contained HTML page.
pub fn conversation_handout(store: &Store, capture_name: &str, conversation: u32) -> String {
    conversation_handout_of(store, capture_name, conversation).html()
}

const CSS: &str = "body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;max-width:800px;\
margin:2em auto;padding:0 1em;color:#111;line-height:1.45}\
h1{font-size:1.6em;margin-bottom:.2em}.sub{color:#444;margin-top:0}\
figure{margin:1em 0}figure svg{max-width:100%;height:auto;border:1px solid #ccc}\
.step{border-left:4px solid #ddd;padding:.2em .9em;margin:.8em 0}\
.step.milestone{border-left-color:#c25e00;background:#fff6ec}\
.step h3{font-size:1em;margin:.3em 0}.no{color:#555;margin-right:.4em}\
.badge{background:#c25e00;color:#fff;border-radius:3px;padding:0 .4em;margin-left:.4em;font-size:.85em}\
.dir{color:#555;font-weight:normal;margin-left:.4em}.story{margin:.3em 0}\
code{font-family:'DejaVu Sans Mono',Consolas,monospace;font-size:.92em;background:#f2f2f2;padding:0 .2em}\
dl{margin:.4em 0 .6em}dt{font-weight:bold;margin-top:.5em}dd{margin-left:1.2em}dd p{margin:.15em 0}\
.rfc{color:#444;font-style:italic}.note{color:#8a0000}footer{color:#666;font-size:.85em;margin-top:2em}\
@media print{body{margin:0;max-width:none}.step{break-inside:avoid}\
.step.milestone{background:none}figure svg{border:none}}";

impl Handout {
    /// One HTML page, nothing outside it (the SVG is inline, no link, no script).
    pub fn html(&self) -> String {
        let mut o = String::new();
        let t = escape(&self.title);
        let _ = write!(
            o,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
             <title>{t}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{t}</h1>\n\
             <p class=\"sub\">{}</p>\n",
            escape(&self.subtitle)
        );
        if !self.ladders.is_empty() {
            let (what, each) = match self.ladders.len() {
                1 => ("The ladder", ""),
                _ => ("The ladders, one per TCP conversation", "in each, "),
            };
            let _ = writeln!(
                o,
                "<p>{what}: time runs down the page, each arrow is one packet from the side \
                 that sent it to the side that received it; {each}the shading groups the \
                 packets into phases.</p>"
            );
        }
        for l in &self.ladders {
            o.push_str("<figure>\n");
            o.push_str(l.svg.trim_end());
            o.push_str("\n</figure>\n");
        }
        if !self.steps.is_empty() {
            o.push_str("<h2>Step by step</h2>\n");
        }
        let mut explained: Vec<(&str, u32)> = Vec::new();
        for s in &self.steps {
            step_html(&mut o, s, &mut explained);
        }
        if self.left_out > 0 {
            let _ = writeln!(
                o,
                "<p class=\"note\">{} more steps are left out: only the first {MAX_SVG_ARROWS} are shown.</p>",
                self.left_out
            );
        }
        if !self.answers.is_empty() {
            o.push_str("<h2>Answers</h2>\n<dl class=\"answers\">\n");
            for a in &self.answers {
                let _ = writeln!(
                    o,
                    "<dt>Step {}: <code>{}</code></dt><dd>{}</dd>",
                    a.step,
                    escape(&a.answer),
                    escape(&a.explain)
                );
            }
            o.push_str("</dl>\n");
        }
        o.push_str("<footer>Made with layerscope. Packet numbers are those of the capture file.</footer>\n</body>\n</html>\n");
        o
    }

    /// Markdown, with each ladder as an image at the matching `svg_hrefs` (save
    /// [`Handout::ladders`] there; [`Handout::save`] does).
    pub fn markdown(&self, svg_hrefs: &[String]) -> String {
        let mut o = format!("# {}\n\n{}\n\n", md(&self.title), md(&self.subtitle));
        for (l, href) in self.ladders.iter().zip(svg_hrefs) {
            let alt = match self.ladders.len() {
                1 => "The ladder of the conversation".to_string(),
                _ => format!("The ladder of TCP conversation {}", l.conversation),
            };
            let _ = writeln!(o, "![{alt}]({href})\n");
        }
        if !self.steps.is_empty() {
            o.push_str("## Step by step\n\n");
        }
        let mut explained: Vec<(&str, u32)> = Vec::new();
        for s in &self.steps {
            let m = s
                .milestone
                .as_deref()
                .map_or(String::new(), |m| format!(" · **{}**", md(m)));
            let step = s.number.map_or(String::new(), |n| format!("Step {n} · "));
            let dir = match s.direction.as_str() {
                "" => String::new(),
                d => format!(" ({d})"),
            };
            let _ = writeln!(o, "### {step}#{}{m}{dir}\n", u64::from(s.packet) + 1);
            let _ = writeln!(o, "{}\n", code_md(&s.label));
            if let (Some(name), Some(v)) = (s.fields.first(), &s.value) {
                let _ = writeln!(o, "Field `{name}`: {}\n", code_md(v));
            }
            let _ = writeln!(o, "{}\n", md(&s.story));
            if let Some(q) = &s.question {
                let _ = writeln!(o, "**Question:** {}\n", md(q));
            }
            for (name, e, seen) in entries(s, &mut explained) {
                match seen {
                    Some(p) => {
                        let _ =
                            writeln!(o, "- `{name}`: explained at packet #{}.", u64::from(p) + 1);
                    }
                    None => {
                        let _ = writeln!(o, "- `{name}`: {}", md(&e.what));
                        let _ = writeln!(o, "  *Why:* {}", md(&e.why));
                        if !e.typical.is_empty() {
                            let _ = writeln!(o, "  *Usually:* {}", md(&e.typical));
                        }
                        if !e.rfc.is_empty() {
                            let _ = writeln!(o, "  ({})", md(&e.rfc));
                        }
                    }
                }
            }
            if !s.fields.is_empty() {
                o.push('\n');
            }
        }
        if self.left_out > 0 {
            let _ = writeln!(o, "{} more steps are left out.\n", self.left_out);
        }
        if !self.answers.is_empty() {
            o.push_str("## Answers\n\n");
            for a in &self.answers {
                let _ = writeln!(o, "- Step {}: {}", a.step, code_md(&a.answer));
                if !a.explain.is_empty() {
                    let _ = writeln!(o, "  {}", md(&a.explain));
                }
            }
            o.push('\n');
        }
        o
    }
}

/// The explained fields of `s`: name, entry, and the packet it was first explained at.
fn entries<'a>(
    s: &'a HandoutStep,
    explained: &mut Vec<(&'a str, u32)>,
) -> Vec<(&'a str, &'static explain::Entry, Option<u32>)> {
    let mut out = Vec::new();
    for name in &s.fields {
        let Some(e) = explain::explain(name) else {
            continue;
        };
        let seen = explained.iter().find(|(n, _)| n == name).map(|x| x.1);
        if seen.is_none() {
            explained.push((name, s.packet));
        }
        out.push((name.as_str(), e, seen));
    }
    out
}

fn step_html<'a>(o: &mut String, s: &'a HandoutStep, explained: &mut Vec<(&'a str, u32)>) {
    let class = if s.milestone.is_some() {
        "step milestone"
    } else {
        "step"
    };
    let badge = (s.milestone.as_deref()).map_or(String::new(), |m| {
        format!("<span class=\"badge\">{}</span>", escape(m))
    });
    let step = s.number.map_or(String::new(), |n| format!("Step {n} · "));
    let _ = write!(
        o,
        "<section class=\"{class}\">\n<h3><span class=\"no\">{step}#{}</span><code>{}</code>{badge}\
         <span class=\"dir\">{}</span></h3>\n",
        u64::from(s.packet) + 1,
        escape(&s.label),
        escape(&s.direction),
    );
    if let (Some(name), Some(v)) = (s.fields.first(), &s.value) {
        let _ = writeln!(
            o,
            "<p class=\"field\"><code>{}</code>: <code>{}</code></p>",
            escape(name),
            escape(v)
        );
    }
    let _ = writeln!(o, "<p class=\"story\">{}</p>", escape(&s.story));
    if let Some(q) = &s.question {
        let _ = writeln!(
            o,
            "<p class=\"question\"><b>Question:</b> {}</p>",
            escape(q)
        );
    }
    let list = entries(s, explained);
    if !list.is_empty() {
        o.push_str("<dl>\n");
        for (name, e, seen) in list {
            let _ = write!(o, "<dt><code>{}</code></dt>\n<dd>", escape(name));
            match seen {
                Some(p) => {
                    let _ = write!(o, "<p>Explained at packet #{}.</p>", u64::from(p) + 1);
                }
                None => {
                    let _ = write!(
                        o,
                        "<p>{}</p><p><b>Why:</b> {}</p>",
                        escape(&e.what),
                        escape(&e.why)
                    );
                    if !e.typical.is_empty() {
                        let _ = write!(o, "<p><b>Usually:</b> {}</p>", escape(&e.typical));
                    }
                    if !e.rfc.is_empty() {
                        let _ = write!(o, "<p class=\"rfc\">{}</p>", escape(&e.rfc));
                    }
                }
            }
            o.push_str("</dd>\n");
        }
        o.push_str("</dl>\n");
    }
    o.push_str("</section>\n");
}

/// Text for Markdown: HTML-escaped (Markdown passes entities through) and with the
/// characters that would start emphasis or links backslashed.
fn md(text: &str) -> String {
    let mut out = String::new();
    for c in escape(text).chars() {
        if matches!(c, '*' | '_' | '[' | ']' | '`' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` as an inline code span, fenced with more backticks than it contains.
fn code_md(text: &str) -> String {
    let longest = (text.split(|c| c != '`')).map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

mod lesson;
mod save;
pub use lesson::lesson_handout;
pub use save::SaveError;

#[cfg(test)]
mod tests;
