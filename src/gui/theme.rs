//! Colours: one per OSI layer (the details tree, the bytes pane, the stack
//! picture and the encapsulation bar share them), and the packet-list colours
//! that tell the story at a glance, with the legend that explains them.

use std::sync::Arc;

use egui::Color32;

use super::layout::{pane_ui, LEGEND_MAX_SHARE, LEGEND_MIN_WIDTH};
use crate::dissect::Osi;

/// The colour of an OSI layer, readable on light and dark backgrounds.
pub fn osi_color(osi: Osi) -> Color32 {
    match osi {
        Osi::Physical => Color32::from_rgb(0x8c, 0x8c, 0x8c),
        Osi::DataLink => Color32::from_rgb(0x4e, 0x8b, 0xd6),
        Osi::Network => Color32::from_rgb(0x2f, 0xa5, 0x8a),
        Osi::Transport => Color32::from_rgb(0xd9, 0x9a, 0x1e),
        Osi::Session => Color32::from_rgb(0xa0, 0x6c, 0xd5),
        Osi::Presentation => Color32::from_rgb(0xd5, 0x5c, 0x9a),
        Osi::Application => Color32::from_rgb(0xd9, 0x4f, 0x3c),
    }
}

/// What a packet-list row is, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RowKind {
    Plain,
    /// SYN, SYN-ACK, or the ACK that completes the handshake.
    Handshake,
    /// RST, or a refused connection.
    Reset,
    /// FIN segments.
    Teardown,
    /// The HTTP Upgrade request and its `101`.
    Upgrade,
    Http,
    WsText,
    WsBinary,
    WsControl,
    EngineIo,
    SocketIo,
    Dns,
    /// A segment with a warning (retransmission, malformed...).
    Warning,
}

impl RowKind {
    pub const ALL: [RowKind; 12] = [
        RowKind::Handshake,
        RowKind::Reset,
        RowKind::Teardown,
        RowKind::Upgrade,
        RowKind::Http,
        RowKind::WsText,
        RowKind::WsBinary,
        RowKind::WsControl,
        RowKind::EngineIo,
        RowKind::SocketIo,
        RowKind::Dns,
        RowKind::Warning,
    ];

    /// Row background; a light tint in light mode, a dark one in dark mode.
    pub fn background(self, dark: bool) -> Option<Color32> {
        if self == RowKind::Plain {
            return None;
        }
        let [r, g, b, _] = self.color().to_array();
        Some(if dark {
            Color32::from_rgb(r / 3, g / 3, b / 3)
        } else {
            Color32::from_rgb(
                255 - (255 - r) / 2,
                255 - (255 - g) / 2,
                255 - (255 - b) / 2,
            )
        })
    }

    /// The kind's colour at full strength (the ladder's phases use it too).
    pub fn color(self) -> Color32 {
        let (r, g, b) = match self {
            RowKind::Plain => (0xb0, 0xb0, 0xb0),
            RowKind::Handshake => (0x9b, 0xd7, 0x73),
            RowKind::Reset => (0xe0, 0x5a, 0x4f),
            RowKind::Teardown => (0xa9, 0xa9, 0xa9),
            RowKind::Upgrade => (0xf2, 0xc1, 0x3d),
            RowKind::Http => (0x9f, 0xcf, 0xf5),
            RowKind::WsText => (0xb9, 0x9c, 0xf0),
            RowKind::WsBinary => (0x7f, 0x8d, 0xe8),
            RowKind::WsControl => (0xc7, 0xc7, 0xe0),
            RowKind::EngineIo => (0x7f, 0xd6, 0xd0),
            RowKind::SocketIo => (0x4f, 0xc3, 0x9a),
            RowKind::Dns => (0xd8, 0xe6, 0xa6),
            RowKind::Warning => (0x30, 0x30, 0x30),
        };
        Color32::from_rgb(r, g, b)
    }

    pub fn legend(self) -> &'static str {
        match self {
            RowKind::Plain => "other",
            RowKind::Handshake => "TCP three-way handshake (1/3 SYN, 2/3 SYN-ACK, 3/3 ACK)",
            RowKind::Reset => "reset or refused connection",
            RowKind::Teardown => "connection teardown (FIN)",
            RowKind::Upgrade => "HTTP Upgrade request and its 101 Switching Protocols",
            RowKind::Http => "HTTP",
            RowKind::WsText => "WebSocket text",
            RowKind::WsBinary => "WebSocket binary",
            RowKind::WsControl => "WebSocket control (ping, pong, close)",
            RowKind::EngineIo => "Engine.IO (open, ping, pong, upgrade…)",
            RowKind::SocketIo => "Socket.IO event or ack",
            RowKind::Dns => "DNS",
            RowKind::Warning => "warning (retransmission, malformed…)",
        }
    }
}

/// egui's fonts plus a small symbol font (arrows, check marks) as a fallback,
/// so `46234 → 18300` and `[Accept ✓]` read as in the terminal.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "symbols".into(),
        Arc::new(egui::FontData::from_static(include_bytes!(
            "../../assets/fonts/symbols-subset.ttf"
        ))),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("symbols".into());
    }
    ctx.set_fonts(fonts);
}

/// The glyphs egui rasterizes ahead of need: printable ASCII and the symbols the
/// window writes (arrows, check marks, the replacement character).
const WARM_GLYPHS: &str = concat!(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`",
    "abcdefghijklmnopqrstuvwxyz{|}~→←↔✓✗…•▸▾·\u{fffd}"
);

/// Glyphs rasterized before they are needed. egui rasterizes a glyph the first time
/// it draws it, for each size, scale and quarter-pixel offset (its sub-pixel bins):
/// 10–60 µs each, so the first frame that showed a page of Follow Stream's monospace
/// took 10–13 ms where the next took 1–2. Each frame warms a few glyphs of the font
/// sizes not yet warm at the current scale, [`Self::BUDGET`] at most, while the
/// window opens and after a zoom.
#[derive(Default)]
pub struct GlyphWarmup {
    /// Per font and scale (pixels per point's bits): the pieces done.
    progress: Vec<(egui::FontId, u32, usize)>,
}

/// egui's sub-pixel bins: glyphs are placed at quarter pixels.
const BINS: usize = 4;
/// Glyphs laid out at a time.
const PIECE: usize = 12;

/// How many pieces warm a font: every bin of every glyph.
fn pieces() -> usize {
    BINS * WARM_GLYPHS.chars().count().div_ceil(PIECE)
}

impl GlyphWarmup {
    /// The most time a frame spends warming glyphs (it goes on past it to end a piece).
    /// (2 ms made the first frames of a view opened at once after launch 2 ms slower
    /// on the window bench; at 1 ms the warm-up takes about 45 frames, 55 ms of work.)
    pub const BUDGET: std::time::Duration = std::time::Duration::from_millis(1);

    /// The font sizes of the current style not yet all warm at the current scale.
    pub fn pending(&self, ctx: &egui::Context) -> Vec<egui::FontId> {
        let ppp = ctx.pixels_per_point().to_bits();
        let mut out: Vec<egui::FontId> = Vec::new();
        for id in ctx.global_style().text_styles.values() {
            let done =
                (self.progress.iter()).any(|(f, p, n)| f == id && *p == ppp && *n >= pieces());
            if !done && !out.contains(id) {
                out.push(id.clone());
            }
        }
        out
    }

    /// Warms glyphs for [`Self::BUDGET`] (at least one piece), if any are pending;
    /// call once a frame.
    pub fn step(&mut self, ctx: &egui::Context) {
        let started = std::time::Instant::now();
        let ppp = ctx.pixels_per_point();
        while let Some(id) = self.pending(ctx).into_iter().next() {
            let at = match (self.progress.iter())
                .position(|(f, p, _)| *f == id && *p == ppp.to_bits())
            {
                Some(at) => at,
                None => {
                    self.progress.push((id.clone(), ppp.to_bits(), 0));
                    self.progress.len() - 1
                }
            };
            let piece = self.progress[at].2;
            let (bin, chunk) = (piece % BINS, piece / BINS);
            let text: String = WARM_GLYPHS
                .chars()
                .skip(chunk * PIECE)
                .take(PIECE)
                .collect();
            let mut job = egui::text::LayoutJob::simple_singleline(text, id, Color32::WHITE);
            // Every glyph starts `bin` quarter pixels further right.
            if let Some(s) = job.sections.first_mut() {
                s.leading_space = bin as f32 / BINS as f32 / ppp;
            }
            ctx.fonts_mut(|f| f.layout_job(job));
            self.progress[at].2 += 1;
            if started.elapsed() >= Self::BUDGET {
                break;
            }
        }
        if !self.pending(ctx).is_empty() {
            ctx.request_repaint();
        }
    }
}

/// The legend in a panel on the right: at least [`LEGEND_MIN_WIDTH`], at most a
/// share of the window; its entries wrap whole words and scroll.
pub fn legend_panel_ui(ui: &mut egui::Ui) {
    let most = (ui.available_width() * LEGEND_MAX_SHARE).max(LEGEND_MIN_WIDTH);
    egui::Panel::right("legend")
        .resizable(true)
        .default_size(220.0)
        .size_range(LEGEND_MIN_WIDTH..=most)
        .show(ui, |ui| {
            pane_ui(ui, "Colour legend", |ui| {
                ui.strong("Colours");
                egui::ScrollArea::vertical()
                    .id_salt("legend")
                    .min_scrolled_height(0.0)
                    .auto_shrink(false)
                    .show(ui, legend_ui);
            });
        });
}

fn legend_ui(ui: &mut egui::Ui) {
    let dark = ui.visuals().dark_mode;
    for k in RowKind::ALL {
        ui.horizontal_top(|ui| {
            let (r, _) = ui.allocate_exact_size(egui::vec2(18.0, 14.0), egui::Sense::hover());
            if let Some(c) = k.background(dark) {
                ui.painter().rect_filled(r, 2.0, c);
            }
            ui.add(egui::Label::new(k.legend()).wrap());
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A context with the window's fonts in use (they apply from the next pass).
    fn context() -> egui::Context {
        let ctx = egui::Context::default();
        install_fonts(&ctx);
        for _ in 0..2 {
            ctx.run_ui(egui::RawInput::default(), |_| {})
                .textures_delta
                .clear();
        }
        ctx
    }

    /// Every glyph warmed ahead, U+FFFD among them, has a font in both families:
    /// none is drawn as a box (and egui_kittest, which panics on a missing glyph,
    /// can draw text decoded from bytes that are not UTF-8).
    #[test]
    fn every_warmed_glyph_has_a_font() {
        let ctx = context();
        for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
            let id = egui::FontId::new(14.0, family);
            for c in WARM_GLYPHS.chars() {
                assert!(
                    ctx.fonts_mut(|f| f.has_glyph(&id, c)),
                    "{c:?} (U+{:04X}) in {:?}",
                    c as u32,
                    id.family
                );
            }
        }
    }

    /// Steps warm every font size of the style, each in every bin, and then nothing
    /// is pending; a new scale (a zoom) makes them all pending again. Every glyph
    /// warmed is in the atlas: laying the glyphs out afterwards adds nothing to it.
    #[test]
    fn warm_up_takes_every_font_and_again_after_a_zoom() {
        let ctx = context();
        let mut w = GlyphWarmup::default();
        let fonts = w.pending(&ctx).len();
        assert!(fonts >= 3, "Small, Body and Monospace at least: {fonts}");
        let mut steps = 0;
        while !w.pending(&ctx).is_empty() {
            w.step(&ctx);
            steps += 1;
            assert!(
                steps <= fonts * pieces(),
                "each step warms a piece at least"
            );
        }
        assert!(w.progress.iter().all(|p| p.2 == pieces()));
        let fill = ctx.fonts(|f| f.font_atlas_fill_ratio());
        let ppp = ctx.pixels_per_point();
        for id in ctx.global_style().text_styles.values() {
            for bin in 0..BINS {
                let mut job = egui::text::LayoutJob::simple_singleline(
                    format!("{WARM_GLYPHS} {WARM_GLYPHS}"),
                    id.clone(),
                    Color32::WHITE,
                );
                job.sections[0].leading_space = (bin as f32 + 0.1) / BINS as f32 / ppp;
                ctx.fonts_mut(|f| f.layout_job(job));
            }
        }
        assert_eq!(
            ctx.fonts(|f| f.font_atlas_fill_ratio()),
            fill,
            "nothing new"
        );
        ctx.set_pixels_per_point(2.0);
        ctx.run_ui(egui::RawInput::default(), |_| {})
            .textures_delta
            .clear();
        assert_eq!(w.pending(&ctx).len(), fonts);
    }
}
