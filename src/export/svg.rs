//! A conversation's ladder ([`crate::story::ladder()`]) drawn as a standalone SVG
//! image, for handouts and slides: client and server columns with their names, one
//! arrow per packet from sender to receiver with its label, the phases shaded with a
//! legend, the packet number at the left and the time at the right.
//!
//! Written by hand (SVG is a small text format): a fixed width that prints on A4
//! and a height that grows with the arrows, at most [`MAX_SVG_ARROWS`] of them (a
//! note says how many were left out). Presentation attributes only, no `<style>`,
//! so the image can be put inline in an HTML page without its CSS leaking out.

use std::fmt::Write;

use crate::store::Store;
use crate::story::{ladder, Arrow, ArrowKind, Ladder, Phase};

/// Most arrows drawn in one image; the rest are left out with a note.
pub const MAX_SVG_ARROWS: usize = 500;

/// Width of the image in user units (CSS pixels): 760 px fit an A4 page's width.
pub const WIDTH: u32 = 760;

const CLIENT_X: u32 = 130;
const SERVER_X: u32 = 630;
const ROW: u32 = 26;
const FONT: &str = "DejaVu Sans, Arial, Helvetica, sans-serif";
/// Room for a label between the two lifelines.
const LABEL_ROOM: f64 = 480.0;

/// `text` made safe for XML and HTML text and attribute values: `& < > " '` escaped,
/// control characters XML does not allow replaced by `�`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A light fill for a phase's band (prints on white, black text reads on it).
fn phase_fill(p: Phase) -> &'static str {
    match p {
        Phase::TcpHandshake => "#d6e6f7",
        Phase::Upgrade => "#fbe0c2",
        Phase::Http => "#e4efd2",
        Phase::WebSocket => "#e2daf3",
        Phase::SocketIo => "#d3eee6",
        Phase::Data => "#ececec",
        Phase::Teardown => "#f6d5d5",
    }
}

/// The ladder of conversation `conversation` (`tcp.stream`) as an SVG document.
pub fn ladder_svg(store: &Store, conversation: u32) -> String {
    let l = ladder(store, conversation);
    let title = if l.arrows.is_empty() && l.client.is_empty() {
        format!("No TCP conversation {conversation} in this capture")
    } else {
        ladder_title(conversation)
    };
    render(&l, &title)
}

/// The heading of conversation `conversation`'s ladder.
pub fn ladder_title(conversation: u32) -> String {
    format!("TCP conversation {conversation} (tcp.stream == {conversation})")
}

/// Draw `l` under the heading `title`.
pub fn render(l: &Ladder, title: &str) -> String {
    let shown = &l.arrows[..l.arrows.len().min(MAX_SVG_ARROWS)];
    let mut body = String::new();
    let mut y = 22;
    text(&mut body, 10, y, "start", St(15, "bold", "#111"), title);
    y += 12;
    y = legend(&mut body, l, y);
    let top = y + 8;
    y = headers(&mut body, l, top);
    let first_row = y;
    bands(&mut body, l, shown.len(), first_row);
    let end = first_row + ROW * shown.len() as u32 + 6;
    for x in [CLIENT_X, SERVER_X] {
        let _ = writeln!(
            body,
            r##"<line x1="{x}" y1="{}" x2="{x}" y2="{end}" stroke="#666" stroke-width="1.2"/>"##,
            top + 36
        );
    }
    for (i, a) in shown.iter().enumerate() {
        arrow(&mut body, a, first_row + ROW * i as u32);
    }
    let mut height = end + 14;
    if let Some(note) = cut_note(l) {
        text(
            &mut body,
            10,
            height,
            "start",
            St(12, "normal", "#8a0000"),
            &note,
        );
        height += 14;
    }
    let mut out = String::with_capacity(body.len() + 400);
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" role="img">"#
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>"##
    );
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

/// What was left out, if anything.
fn cut_note(l: &Ladder) -> Option<String> {
    let left = l.arrows.len().saturating_sub(MAX_SVG_ARROWS);
    match (left, l.truncated) {
        (0, false) => None,
        (0, true) => Some(
            "The conversation has more packets than the ladder holds; they are left out.".into(),
        ),
        (n, more) => Some(format!(
            "{n}{} more packets are left out: only the first {MAX_SVG_ARROWS} are drawn.",
            if more { " and" } else { "" }
        )),
    }
}

/// A text style: font size, weight, colour.
struct St(u32, &'static str, &'static str);

/// One line of text at (`x`, `y`), anchored `start`, `middle` or `end`.
fn text(out: &mut String, x: u32, y: u32, anchor: &str, St(size, weight, fill): St, s: &str) {
    let _ = writeln!(
        out,
        r#"<text x="{x}" y="{y}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}" fill="{fill}">{}</text>"#,
        escape(s)
    );
}

/// One swatch per phase, in order of first appearance; returns the y below it.
fn legend(out: &mut String, l: &Ladder, y: u32) -> u32 {
    let mut seen: Vec<Phase> = Vec::new();
    for s in &l.phases {
        if !seen.contains(&s.phase) {
            seen.push(s.phase);
        }
    }
    let (mut x, mut y) = (10, y);
    for p in seen {
        let name = p.name();
        let w = 14 + 6 + (name.chars().count() as u32) * 13 / 2 + 22;
        if x + w > WIDTH - 10 {
            x = 10;
            y += 18;
        }
        let _ = writeln!(
            out,
            r##"<rect x="{x}" y="{y}" width="14" height="12" fill="{}" stroke="#888" stroke-width="0.6"/>"##,
            phase_fill(p)
        );
        text(out, x + 20, y + 10, "start", St(11, "normal", "#222"), name);
        x += w;
    }
    y + 16
}

/// The client's and server's name boxes and the column titles; returns the y of the first row.
fn headers(out: &mut String, l: &Ladder, top: u32) -> u32 {
    for (x, who, addr) in [
        (CLIENT_X, "client", &l.client),
        (SERVER_X, "server", &l.server),
    ] {
        let _ = writeln!(
            out,
            r##"<rect x="{}" y="{top}" width="190" height="36" rx="4" fill="#f4f4f4" stroke="#666"/>"##,
            x - 95
        );
        text(out, x, top + 15, "middle", St(12, "bold", "#111"), who);
        text(out, x, top + 30, "middle", St(11, "normal", "#222"), addr);
    }
    text(out, 10, top + 50, "start", St(10, "bold", "#444"), "No.");
    text(
        out,
        WIDTH - 8,
        top + 50,
        "end",
        St(10, "bold", "#444"),
        "Time (s)",
    );
    top + 56
}

/// The phases' shaded bands behind the first `shown` arrows.
fn bands(out: &mut String, l: &Ladder, shown: usize, first_row: u32) {
    for s in &l.phases {
        let first = s.first_arrow as usize;
        if first >= shown {
            break;
        }
        let last = (s.last_arrow as usize).min(shown - 1);
        let y = first_row + ROW * first as u32;
        let h = ROW * (last - first + 1) as u32;
        let _ = writeln!(
            out,
            r#"<rect x="0" y="{y}" width="{WIDTH}" height="{h}" fill="{}"/>"#,
            phase_fill(s.phase)
        );
    }
}

/// One packet: its number, its arrow from sender to receiver, its label, its time.
fn arrow(out: &mut String, a: &Arrow, row: u32) {
    let (stroke, width, dash) = match a.kind {
        _ if a.retransmission => ("#b00020", 1.4, Some("6 3")),
        ArrowKind::Control => ("#111111", 1.8, None),
        ArrowKind::Message => ("#1a4f9c", 1.8, None),
        ArrowKind::Data => ("#444444", 1.3, None),
        ArrowKind::Ack => ("#777777", 1.0, Some("4 3")),
    };
    let ly = row + 18;
    let (from, to) = match a.dir {
        crate::ids::Direction::FromClient => (CLIENT_X, SERVER_X),
        crate::ids::Direction::FromServer => (SERVER_X, CLIENT_X),
    };
    let tip = if to > from { to - 1 } else { to + 1 };
    let back = if to > from { tip - 9 } else { tip + 9 };
    text(
        out,
        10,
        ly + 4,
        "start",
        St(10, "normal", "#333"),
        &format!("#{}", u64::from(a.packet) + 1),
    );
    text(
        out,
        WIDTH - 8,
        ly + 4,
        "end",
        St(10, "normal", "#333"),
        &format!("{:.6}", a.rel_s),
    );
    let dash = dash.map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
    let _ = writeln!(
        out,
        r#"<line x1="{from}" y1="{ly}" x2="{back}" y2="{ly}" stroke="{stroke}" stroke-width="{width}"{dash}/>"#
    );
    let _ = writeln!(
        out,
        r#"<polygon points="{tip},{ly} {back},{} {back},{}" fill="{stroke}"/>"#,
        ly - 4,
        ly + 4
    );
    let fill = if a.kind == ArrowKind::Ack {
        "#555555"
    } else {
        "#111111"
    };
    let mid = (CLIENT_X + SERVER_X) / 2;
    let weight = if a.kind == ArrowKind::Control {
        "bold"
    } else {
        "normal"
    };
    // A sans-serif character at 11 px is about 6.2 px wide on average; a label that
    // would not fit between the lifelines is squeezed rather than overflowing.
    let est = a.label.chars().count() as f64 * 6.2;
    let fit = if est > LABEL_ROOM {
        format!(r#" textLength="{LABEL_ROOM}" lengthAdjust="spacingAndGlyphs""#)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        r#"<text x="{mid}" y="{}" text-anchor="middle" font-size="11" font-weight="{weight}" fill="{fill}"{fit}>{}</text>"#,
        ly - 5,
        escape(&a.label)
    );
}

#[cfg(test)]
pub(crate) mod tests;
