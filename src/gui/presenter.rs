//! Presenter mode (F5, View ▸ Presenter), for a class in front of a projector:
//! everything at least twice the default size, a high-contrast theme (black on
//! white, strong colours), and only what a class needs: the replay bar with the
//! step's story, the compact ladder of the chosen conversation, the OSI stack and
//! the explanation. Two masks for captures taken on a real network: addresses
//! (IP addresses, ports, MAC addresses shown as "client" and "server") and
//! payload text (quoted text and JSON arguments shown as "…").
//!
//! The masks apply to what the presenter draws: the replay bar (scope name and
//! story), the compact ladder and the presenter's OSI stack. The packet list, the
//! tree and the bytes are hidden in presenter mode; the Conversations, TCP states
//! and Encapsulation windows, if opened over it, are not masked.

use std::sync::Arc;

use egui::{Color32, Stroke, Visuals};

use crate::dissect::Dissection;
use crate::ids::Direction;

/// Zoom never goes below this in presenter mode (twice the default size).
pub const MIN_ZOOM: f32 = 2.0;
/// Nor above this (a 1280×800 projector shows 320×200 points at 4×).
pub const MAX_ZOOM: f32 = 4.0;

/// Presenter mode's state.
#[derive(Default)]
pub struct Presenter {
    pub active: bool,
    pub mask_addresses: bool,
    pub mask_payload: bool,
    /// Zoom while presenting; the user's own zoom stays in the settings.
    pub zoom: f32,
    /// egui's dark and light styles before presenting, put back on leaving.
    saved: Option<(Arc<egui::Style>, Arc<egui::Style>)>,
}

impl Presenter {
    /// Present: twice the user's zoom (at least [`MIN_ZOOM`]), high contrast.
    pub fn enter(&mut self, ctx: &egui::Context, normal_zoom: f32) {
        if self.active {
            return;
        }
        self.active = true;
        self.zoom = (2.0 * normal_zoom).clamp(MIN_ZOOM, MAX_ZOOM);
        self.saved = Some(ctx.options(|o| (o.dark_style.clone(), o.light_style.clone())));
        ctx.options_mut(|o| {
            for style in [&mut o.dark_style, &mut o.light_style] {
                Arc::make_mut(style).visuals = high_contrast();
            }
        });
    }

    /// Back to the window as it was (its styles; the zoom comes back from the settings).
    pub fn leave(&mut self, ctx: &egui::Context) {
        if !self.active {
            return;
        }
        self.active = false;
        if let Some((dark, light)) = self.saved.take() {
            ctx.options_mut(|o| {
                o.dark_style = dark;
                o.light_style = light;
            });
        }
    }

    /// Ctrl +, Ctrl − and Ctrl 0 change the presenting zoom only (never the
    /// settings'); `applied` is the zoom the window last set.
    pub fn zoom_logic(&mut self, ctx: &egui::Context, applied: &mut f32) {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let kbd = |k| KeyboardShortcut::new(Modifiers::COMMAND, k);
        let step = ctx.input_mut(|i| {
            if i.consume_shortcut(&kbd(Key::Plus)) || i.consume_shortcut(&kbd(Key::Equals)) {
                0.25
            } else if i.consume_shortcut(&kbd(Key::Minus)) {
                -0.25
            } else if i.consume_shortcut(&kbd(Key::Num0)) {
                MIN_ZOOM - self.zoom
            } else {
                0.0
            }
        });
        self.zoom = (self.zoom + step).clamp(MIN_ZOOM, MAX_ZOOM);
        if *applied != self.zoom {
            ctx.set_zoom_factor(self.zoom);
            *applied = self.zoom;
        }
    }

    /// The mask for text about a packet sent by `dir` (addresses from its tree)
    /// in a conversation between `endpoints` (client and server `addr:port`).
    pub fn mask(
        &self,
        d: Option<&Dissection>,
        dir: Option<Direction>,
        endpoints: Option<&(String, String)>,
    ) -> Mask {
        if !self.active {
            return Mask::default();
        }
        let mut m = Mask {
            payload: self.mask_payload,
            ..Mask::default()
        };
        if self.mask_addresses {
            if let Some((client, server)) = endpoints {
                m.endpoints(client, server);
            }
            if let Some(d) = d {
                m.add_packet(d, dir);
            }
        }
        m
    }

    /// The presenter's own bar, when nothing is replayed: the two masks and the way
    /// out. True when Leave was clicked.
    pub fn bar_ui(&mut self, ui: &mut egui::Ui) -> bool {
        let mut leave = false;
        ui.horizontal_wrapped(|ui| {
            ui.strong("Presenter");
            leave = self.bar_contents_ui(ui);
        });
        leave
    }

    /// The two masks and the way out, in a row (the replay's controls come first).
    pub fn bar_contents_ui(&mut self, ui: &mut egui::Ui) -> bool {
        let hint = "IP addresses, ports and MAC addresses shown as \"client\" and \"server\"";
        (ui.checkbox(&mut self.mask_addresses, "Mask addresses")).on_hover_text(hint);
        (ui.checkbox(&mut self.mask_payload, "Mask payload text"))
            .on_hover_text("Quoted text and JSON arguments shown as \"…\"");
        (ui.button("Leave"))
            .on_hover_text("F5: back to the whole window")
            .clicked()
    }
}

/// Black on white, thick strokes, strong selection: what reads on a projector
/// in a lit room.
pub fn high_contrast() -> Visuals {
    let mut v = Visuals::light();
    let ink = Color32::BLACK;
    v.override_text_color = Some(ink);
    v.panel_fill = Color32::WHITE;
    v.window_fill = Color32::WHITE;
    v.extreme_bg_color = Color32::WHITE;
    v.faint_bg_color = Color32::from_gray(235);
    v.window_stroke = Stroke::new(2.0, ink);
    v.selection.bg_fill = Color32::from_rgb(0xff, 0xd8, 0x00);
    v.selection.stroke = Stroke::new(2.0, ink);
    v.hyperlink_color = Color32::from_rgb(0x00, 0x3c, 0xb4);
    for w in [
        &mut v.widgets.noninteractive,
        &mut v.widgets.inactive,
        &mut v.widgets.hovered,
        &mut v.widgets.active,
        &mut v.widgets.open,
    ] {
        w.fg_stroke = Stroke::new(2.0, ink);
    }
    v.widgets.noninteractive.bg_stroke = Stroke::new(1.5, ink);
    v.widgets.inactive.bg_stroke = Stroke::new(1.5, ink);
    v.widgets.inactive.weak_bg_fill = Color32::from_gray(225);
    v.widgets.inactive.bg_fill = Color32::from_gray(225);
    v.widgets.hovered.weak_bg_fill = Color32::from_rgb(0xff, 0xe9, 0x6b);
    v.widgets.hovered.bg_fill = Color32::from_rgb(0xff, 0xe9, 0x6b);
    v
}

/// The colours of the two directions on the ladder: strong on white and on the
/// default dark theme.
pub fn direction_color(dir: Option<Direction>, high_contrast: bool) -> Color32 {
    match (dir, high_contrast) {
        (Some(Direction::FromClient), true) => Color32::from_rgb(0x00, 0x3c, 0xb4),
        (Some(Direction::FromServer), true) => Color32::from_rgb(0xb4, 0x1e, 0x00),
        (Some(Direction::FromClient), false) => Color32::from_rgb(0x5a, 0xa0, 0xf0),
        (Some(Direction::FromServer), false) => Color32::from_rgb(0xf0, 0x8c, 0x3c),
        (None, _) => Color32::GRAY,
    }
}

/// One address pair of a packet and the words shown instead: the sender's and
/// the receiver's.
#[derive(Clone, Debug)]
struct Pair {
    from: String,
    to: String,
    from_name: &'static str,
    to_name: &'static str,
}

/// What to hide in a text: address pairs and, or, payload text.
#[derive(Clone, Debug, Default)]
pub struct Mask {
    /// Applied in order: whole `addr:port` first, then ports, IP and MAC addresses.
    pairs: Vec<Pair>,
    payload: bool,
}

impl Mask {
    /// A mask of addresses for a conversation's client and server `addr:port`
    /// (the ladder's column names, the replay's scope).
    pub fn endpoints(&mut self, client: &str, server: &str) {
        self.pairs.push(Pair {
            from: client.to_string(),
            to: server.to_string(),
            from_name: "client",
            to_name: "server",
        });
    }

    /// A mask of payload text only, or nothing.
    pub fn payload_only(payload: bool) -> Mask {
        Mask {
            pairs: Vec::new(),
            payload,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty() && !self.payload
    }

    /// The packet's addresses, as its tree shows them, sender first.
    fn add_packet(&mut self, d: &Dissection, dir: Option<Direction>) {
        let (from_name, to_name) = match dir {
            Some(d) => (d.sender(), d.reverse().sender()),
            None => ("sender", "receiver"),
        };
        let shown = |n: &str| d.field(n).map(|f| f.shown());
        let pair = |a: &str, b: &str| Some((shown(a)?, shown(b)?));
        let ips = pair("ip.src", "ip.dst").or_else(|| pair("ipv6.src", "ipv6.dst"));
        let ports =
            pair("tcp.srcport", "tcp.dstport").or_else(|| pair("udp.srcport", "udp.dstport"));
        let mut add = |(from, to): (String, String)| {
            self.pairs.push(Pair {
                from,
                to,
                from_name,
                to_name,
            })
        };
        if let (Some((si, di)), Some((sp, dp))) = (&ips, &ports) {
            let sock = |ip: &str, port: &str| match ip.contains(':') {
                true => format!("[{ip}]:{port}"),
                false => format!("{ip}:{port}"),
            };
            add((sock(si, sp), sock(di, dp)));
            add((format!("{sp} → {dp}"), format!("{dp} → {sp}")));
            add((format!("Src Port: {sp}"), format!("Dst Port: {dp}")));
        }
        ips.into_iter().for_each(&mut add);
        pair("eth.src", "eth.dst").into_iter().for_each(&mut add);
    }

    /// `text` with the mask applied.
    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        for p in &self.pairs {
            out = replace_pair(&out, p);
        }
        if self.payload {
            out = mask_payload(&out);
        }
        out
    }
}

/// Each occurrence of the pair's addresses replaced by its name. When both are
/// the same text (loopback, two hosts behind one address), the first occurrence
/// is the sender's, the next the receiver's, and so on: texts name the source
/// first (`Src: a, Dst: b`, `a → b`).
fn replace_pair(text: &str, p: &Pair) -> String {
    if p.from.is_empty() || p.to.is_empty() {
        return text.to_string();
    }
    // The port pair is written both ways round: `sp → dp` (sender's) or `dp → sp`.
    if p.from.contains(" → ") || p.from.starts_with("Src Port") {
        let names = match p.from.starts_with("Src Port") {
            true => [
                format!("Src Port: {}", p.from_name),
                format!("Dst Port: {}", p.to_name),
            ],
            false => [
                format!("{} → {}", p.from_name, p.to_name),
                format!("{} → {}", p.to_name, p.from_name),
            ],
        };
        return text.replace(&p.from, &names[0]).replace(&p.to, &names[1]);
    }
    if p.from != p.to {
        // The longer first, so that one address inside the other stays whole.
        let (a, b) = match p.from.len() >= p.to.len() {
            true => ((&p.from, p.from_name), (&p.to, p.to_name)),
            false => ((&p.to, p.to_name), (&p.from, p.from_name)),
        };
        return text.replace(a.0, a.1).replace(b.0, b.1);
    }
    let mut out = String::new();
    let mut rest = text;
    let mut n = 0;
    while let Some(at) = rest.find(&p.from) {
        out.push_str(&rest[..at]);
        out.push_str(if n % 2 == 0 { p.from_name } else { p.to_name });
        rest = &rest[at + p.from.len()..];
        n += 1;
    }
    out.push_str(rest);
    out
}

/// Quoted text and JSON arguments replaced by `…`: `EVENT "chat message" ["hi"]`
/// becomes `EVENT "…" […]`. Flags and notes in brackets (`[SYN, ACK]`,
/// `[Upgrade: websocket]`) stay.
pub fn mask_payload(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let json_open = (c == '[' || c == '{')
            && chars
                .get(i + 1)
                .is_some_and(|&n| matches!(n, '"' | '{' | '[' | '-' | '0'..='9'));
        if c == '"' {
            out.push_str("\"…\"");
            i = quoted_end(&chars, i);
        } else if json_open {
            out.push(c);
            out.push('…');
            let end = bracket_end(&chars, i);
            if let Some(&close) = chars.get(end - 1).filter(|&&e| e == ']' || e == '}') {
                out.push(close);
            }
            i = end;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The index after the quoted string opening at `at` (its end, if unclosed).
fn quoted_end(chars: &[char], at: usize) -> usize {
    let mut i = at + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

/// The index after the JSON array or object opening at `at` (its end, if unclosed).
fn bracket_end(chars: &[char], at: usize) -> usize {
    let mut depth = 0usize;
    let mut i = at;
    while i < chars.len() {
        match chars[i] {
            '"' => {
                i = quoted_end(chars, i);
                continue;
            }
            '[' | '{' => depth += 1,
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(from: &str, to: &str) -> Pair {
        Pair {
            from: from.into(),
            to: to.into(),
            from_name: "client",
            to_name: "server",
        }
    }

    #[test]
    fn payload_text_is_masked_and_flags_stay() {
        assert_eq!(
            mask_payload(r#"Socket.IO EVENT "chat message" ["hi", {"a": "]"}]"#),
            r#"Socket.IO EVENT "…" […]"#
        );
        assert_eq!(mask_payload("TCP [SYN, ACK] Seq=0"), "TCP [SYN, ACK] Seq=0");
        assert_eq!(
            mask_payload("GET /chat [Upgrade: websocket]"),
            "GET /chat [Upgrade: websocket]"
        );
        assert_eq!(mask_payload(r#"WS Text "he\"llo"#), r#"WS Text "…""#);
        assert_eq!(mask_payload("[1, 2"), "[…");
    }

    #[test]
    fn equal_addresses_are_named_in_order_and_different_ones_by_value() {
        let same = pair("127.0.0.1", "127.0.0.1");
        assert_eq!(
            replace_pair("IPv4, Src: 127.0.0.1, Dst: 127.0.0.1", &same),
            "IPv4, Src: client, Dst: server"
        );
        let diff = pair("10.0.0.1", "10.0.0.12");
        assert_eq!(
            replace_pair("10.0.0.12 → 10.0.0.1", &diff),
            "server → client"
        );
        let ports = pair("46262 → 18300", "18300 → 46262");
        assert_eq!(
            replace_pair("TCP 46262 → 18300 [ACK] Seq=18300", &ports),
            "TCP client → server [ACK] Seq=18300"
        );
    }
}
