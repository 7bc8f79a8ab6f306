//! The Encapsulation view: the OSI model, moving. For the selected packet, the
//! data drawn as a row of blocks as wide as their bytes; sending, from layer 7
//! down, each layer's header appears in front of what it carries; receiving, from
//! layer 1 up, each is read and removed. Play, pause, step, a direction and a
//! speed; the step's sentence is shown large and its bytes are selected in the
//! hex pane. The steps come from [`crate::story::encapsulation`].

use egui::{Color32, RichText, Sense, Stroke, StrokeKind};

use super::details::FieldPath;
use super::theme::osi_color;
use crate::dissect::{Dissection, Range};
use crate::store::{PacketId, Store};
use crate::story::encapsulation::{encapsulation, span_in_store, Adds, Encapsulation, Step};

/// How long a block takes to appear or go.
const ANIMATION_S: f64 = 0.45;
/// Blocks never get narrower than their label (plus this margin), in points.
const BLOCK_MARGIN: f32 = 14.0;

/// The view's state: which packet, which step, playing or not.
pub struct EncapView {
    pub open: bool,
    /// Sending (7 → 1) or receiving (1 → 7).
    pub sending: bool,
    /// The current step, in the order of the direction.
    pub step: usize,
    pub playing: bool,
    /// Seconds a step stays on screen while playing.
    pub secs_per_step: f64,
    /// The packet (index) the steps are for, and its steps.
    shown: Option<(u32, Encapsulation)>,
    /// When the step last changed (egui time), for the animation and playing.
    changed_at: f64,
    /// The step whose bytes were last selected: (packet, step, direction).
    selected: Option<(u32, usize, bool)>,
}

impl Default for EncapView {
    fn default() -> Self {
        EncapView {
            open: false,
            sending: true,
            step: 0,
            playing: false,
            secs_per_step: 2.5,
            shown: None,
            changed_at: 0.0,
            selected: None,
        }
    }
}

/// The selected packet: its index, tree and bytes.
pub type Selection<'a> = (u32, &'a Dissection, &'a [u8]);

/// The view in its own window; returns the bytes to select (layer path, range).
pub fn encapsulation_window(
    ctx: &egui::Context,
    view: &mut EncapView,
    selection: Option<Selection<'_>>,
    store: Option<&Store>,
) -> Option<(FieldPath, Range)> {
    let mut open = view.open;
    let mut out = None;
    let room = ctx.content_rect();
    egui::Window::new("Encapsulation")
        .open(&mut open)
        .max_width(room.width() - 16.0)
        .max_height(room.height() - 40.0)
        .default_size([
            (room.width() * 0.42 - 16.0).clamp(360.0, 900.0),
            room.height().min(430.0) - 40.0,
        ])
        // Over the selected packet's layers tree (bottom left), the pane it needs
        // least: the packet list, the OSI stack and the bytes it highlights stay in view.
        .pivot(egui::Align2::LEFT_BOTTOM)
        .default_pos([room.left() + 8.0, room.bottom() - 30.0])
        .show(ctx, |ui| {
            egui::ScrollArea::vertical()
                .auto_shrink([false, true])
                .show(ui, |ui| out = encapsulation_ui(ui, view, selection, store));
        });
    view.open = open;
    out
}

/// The controls, the picture and the sentence; returns the bytes to select when
/// the step changed (the current layer's path and its header's range).
pub fn encapsulation_ui(
    ui: &mut egui::Ui,
    view: &mut EncapView,
    selection: Option<Selection<'_>>,
    store: Option<&Store>,
) -> Option<(FieldPath, Range)> {
    let Some((index, d, data)) = selection else {
        ui.label("Select a packet to see how its layers wrap each other.");
        return None;
    };
    let now = ui.input(|i| i.time);
    view.show_packet(index, d, store, now);
    let count = view.shown.as_ref().map_or(0, |(_, e)| e.steps.len());
    let before = (view.step, view.sending);
    controls_ui(ui, view, count, now);
    view.advance(count, now);
    if (view.step, view.sending) != before {
        view.changed_at = now;
    }
    let (_, e) = view.shown.as_ref()?;
    let steps = e.ordered(view.sending);
    let current = steps.get(view.step).copied()?;
    let t = ((now - view.changed_at) / ANIMATION_S).clamp(0.0, 1.0) as f32;
    ui.add_space(6.0);
    heading_ui(ui, e, current, view, count);
    ui.add_space(4.0);
    blocks_ui(ui, e, &steps, view, t, data);
    ui.add_space(8.0);
    let sentence = if view.sending {
        &current.sending
    } else {
        &current.receiving
    };
    sentence_ui(ui, sentence, current.note.as_deref());
    if t < 1.0 {
        ui.ctx().request_repaint();
    } else if view.playing {
        let left = (view.secs_per_step - (now - view.changed_at)).max(0.01);
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f64(left));
    }
    let key = (index, view.step, view.sending);
    if view.selected == Some(key) {
        return None;
    }
    view.selected = Some(key);
    let layer = current.layer?;
    Some((vec![layer], selected_range(current, e.caplen)))
}

impl EncapView {
    /// Take packet `index` (its steps, from the first) if it is not the one shown.
    fn show_packet(&mut self, index: u32, d: &Dissection, store: Option<&Store>, now: f64) {
        if self.shown.as_ref().is_some_and(|(i, _)| *i == index) {
            return;
        }
        let mut e = encapsulation(d);
        // The store knows the packets a message spans (once this packet is in it).
        if let Some(s) = store.filter(|s| (index as usize) < s.len()) {
            if let Some(span) = span_in_store(s, PacketId(index)) {
                e.set_span(span);
            }
        }
        self.shown = Some((index, e));
        self.step = 0;
        self.playing = false;
        self.changed_at = now;
    }

    /// While playing, the next step once this one has had its time; stop at the end.
    fn advance(&mut self, count: usize, now: f64) {
        if !self.playing || now - self.changed_at < self.secs_per_step {
            return;
        }
        if self.step + 1 < count {
            self.step += 1;
        } else {
            self.playing = false;
        }
    }
}

/// The step's sentence, large, and its note.
fn sentence_ui(ui: &mut egui::Ui, sentence: &str, note: Option<&str>) {
    let big = ui.text_style_height(&egui::TextStyle::Body) * 1.45;
    ui.add(egui::Label::new(RichText::new(sentence).size(big)).wrap());
    if let Some(note) = note {
        ui.add_space(4.0);
        ui.add(egui::Label::new(RichText::new(note).weak().italics()).wrap());
    }
}

/// The bytes a step stands for in the hex pane: its header, the whole frame for the
/// physical layer, none for the layers without bytes.
fn selected_range(s: &Step, caplen: u32) -> Range {
    match (s.adds, s.pdu) {
        (Adds::Nothing, crate::story::encapsulation::Pdu::Bits) => [0, caplen],
        _ if s.header[1] > s.header[0] => s.header,
        _ => s.trailer,
    }
}

/// Play/pause, step back and forward, the direction and the speed.
fn controls_ui(ui: &mut egui::Ui, view: &mut EncapView, count: usize, now: f64) {
    ui.horizontal_wrapped(|ui| {
        let last = count.saturating_sub(1);
        if ui
            .add_enabled(view.step > 0, egui::Button::new("◄◄ Start"))
            .clicked()
        {
            view.step = 0;
        }
        if ui
            .add_enabled(view.step > 0, egui::Button::new("◄ Back"))
            .clicked()
        {
            view.step -= 1;
            view.playing = false;
        }
        let play = if view.playing { "Pause" } else { "► Play" };
        if ui.button(play).clicked() {
            view.playing = !view.playing;
            if view.playing && view.step >= last {
                view.step = 0;
            }
            view.changed_at = now;
        }
        if ui
            .add_enabled(view.step < last, egui::Button::new("Forward ►"))
            .clicked()
        {
            view.step += 1;
            view.playing = false;
        }
        if ui
            .add_enabled(view.step < last, egui::Button::new("End ►►"))
            .clicked()
        {
            view.step = last;
            view.playing = false;
        }
    });
    // The direction and the speed on their own row: a slider does not wrap.
    ui.horizontal_wrapped(|ui| {
        for (sending, name) in [(true, "Sending: 7 → 1"), (false, "Receiving: 1 → 7")] {
            if ui.selectable_label(view.sending == sending, name).clicked()
                && view.sending != sending
            {
                view.sending = sending;
                view.step = 0;
            }
        }
        ui.separator();
        ui.add(
            egui::Slider::new(&mut view.secs_per_step, 0.5..=6.0)
                .step_by(0.5)
                .suffix(" s a step")
                .text("Speed"),
        );
    });
}

/// Which step, which layer, what the data is called now.
fn heading_ui(ui: &mut egui::Ui, e: &Encapsulation, s: &Step, view: &EncapView, count: usize) {
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!(
                "Packet {} · step {} of {count}",
                e.number,
                view.step + 1
            ))
            .weak(),
        );
        let color = osi_color(s.osi);
        let layer = format!("Layer {} {}", s.osi.number(), s.osi.name());
        let title = match s.name == s.osi.name() {
            true => layer,
            false => format!("{layer} · {}", s.name),
        };
        ui.label(RichText::new(title).strong().color(color));
        let what = match s.adds {
            Adds::Nothing => "adds no bytes".to_string(),
            Adds::Message => format!("the message: {} bytes", s.size()),
            Adds::Header if view.sending => format!("adds {} bytes", s.size()),
            Adds::Header => format!("removes {} bytes", s.size()),
        };
        ui.label(format!("{what} · PDU: {}", s.pdu.name()));
        if let Some(a) = &s.addressing {
            ui.label(RichText::new(format!("addressing: {}", addressing_words(a))).weak());
        }
    });
}

fn addressing_words(a: &crate::story::encapsulation::Addressing) -> String {
    use crate::story::encapsulation::Addressing;
    let mac = |m: &Option<[u8; 6]>| m.map_or("?".into(), |m| crate::dissect::fmt::mac(&m));
    match a {
        Addressing::Ports {
            source,
            destination,
        } => format!("port {source} → {destination}"),
        Addressing::Ip {
            source,
            destination,
        } => format!("IP {source} → {destination}"),
        Addressing::Mac {
            source,
            destination: None,
        } => format!("MAC {} (source)", mac(source)),
        Addressing::Mac {
            source,
            destination,
        } => format!("MAC {} → {}", mac(source), mac(destination)),
    }
}

/// One block of the row: a header, a trailer or the message.
struct Block<'a> {
    step: usize,
    range: Range,
    label: String,
    s: &'a Step,
}

/// The blocks of all steps (headers, trailers, the message), in frame order.
fn blocks_of<'a>(steps: &[&'a Step]) -> Vec<Block<'a>> {
    let mut blocks: Vec<Block> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        for (range, trailer) in [(s.header, false), (s.trailer, true)] {
            let n = range[1].saturating_sub(range[0]);
            if n > 0 {
                let label = match trailer {
                    true => format!("{} trailer\n{n} B", s.name),
                    false => format!("{}\n{n} B", s.name),
                };
                blocks.push(Block {
                    step: i,
                    range,
                    label,
                    s,
                });
            }
        }
    }
    blocks.sort_by_key(|b| b.range[0]);
    blocks
}

/// The row of blocks. Every block has its place in the whole frame's row (so none
/// moves while others come and go); only those present at this step are drawn,
/// the current one appearing (sending) or going (receiving).
fn blocks_ui(
    ui: &mut egui::Ui,
    e: &Encapsulation,
    steps: &[&Step],
    view: &EncapView,
    t: f32,
    data: &[u8],
) {
    let blocks = blocks_of(steps);
    let font = egui::TextStyle::Body.resolve(ui.style());
    let galleys: Vec<_> = (blocks.iter())
        .map(|b| {
            ui.painter()
                .layout_no_wrap(b.label.clone(), font.clone(), Color32::WHITE)
        })
        .collect();
    let width = ui.available_width().max(120.0);
    let mut mins: Vec<f32> = galleys.iter().map(|g| g.size().x + BLOCK_MARGIN).collect();
    // Too narrow for every label (a big zoom): all blocks shrink alike, labels clipped.
    let fit = (width / mins.iter().sum::<f32>().max(1.0)).min(1.0);
    mins.iter_mut().for_each(|m| *m *= fit);
    let spare = (width - mins.iter().sum::<f32>()).max(0.0);
    let total = e.caplen.max(1) as f32;
    let height = galleys.iter().map(|g| g.size().y).fold(0.0, f32::max) + 14.0;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, height), Sense::hover());
    let p = ui.painter_at(rect.expand(2.0));
    let mut x = rect.left();
    for ((b, g), min) in blocks.iter().zip(galleys).zip(&mins) {
        let w = min + spare * (b.range[1] - b.range[0]) as f32 / total;
        let r = egui::Rect::from_min_size(egui::pos2(x, rect.top()), egui::vec2(w, height));
        x += w;
        let present = match view.sending {
            true => b.step <= view.step,
            false => b.step >= view.step,
        };
        if !present {
            p.rect_stroke(
                r.shrink(1.0),
                3.0,
                Stroke::new(1.0, ui.visuals().weak_text_color().gamma_multiply(0.4)),
                StrokeKind::Inside,
            );
            continue;
        }
        let current = b.step == view.step;
        // Sending: the current block slides in from the left and fades in;
        // receiving: it is outlined, then fades as its layer removes it.
        let (alpha, dx) = match (current, view.sending) {
            (false, _) => (1.0, 0.0),
            (true, true) => (t, -24.0 * (1.0 - t)),
            (true, false) => (1.0 - 0.6 * t, 0.0),
        };
        let r = r.translate(egui::vec2(dx, 0.0));
        let color = osi_color(b.s.osi);
        let fill = if b.s.adds == Adds::Message {
            color.gamma_multiply(0.7)
        } else {
            color
        };
        p.rect_filled(r.shrink(1.0), 3.0, fill.gamma_multiply(alpha));
        if current {
            let stroke = Stroke::new(3.0, ui.visuals().strong_text_color());
            p.rect_stroke(r.shrink(1.0), 3.0, stroke, StrokeKind::Inside);
        }
        let text = Color32::WHITE.gamma_multiply(alpha.max(0.3));
        let at = egui::pos2(
            (r.center().x - g.size().x / 2.0).max(r.left() + 2.0),
            r.center().y - g.size().y / 2.0,
        );
        p.with_clip_rect(r.shrink(1.0))
            .galley_with_override_text_color(at, g, text);
        // Named for screen readers and tests: "TCP 32 B".
        let name = b.label.replace('\n', " ");
        let resp = ui.interact(
            r,
            ui.scope_id().with(("encap_block", b.range)),
            Sense::hover(),
        );
        resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &name));
        resp.on_hover_text(format!(
            "bytes {} to {} of the frame",
            b.range[0], b.range[1]
        ));
    }
    let last = steps
        .get(view.step)
        .is_some_and(|s| s.pdu == crate::story::encapsulation::Pdu::Bits);
    if last {
        bits_ui(ui, data, width);
    }
}

/// The frame's first bytes as the bits a wire carries.
fn bits_ui(ui: &mut egui::Ui, data: &[u8], width: f32) {
    let mono = egui::TextStyle::Monospace.resolve(ui.style());
    let char_w = ui.fonts_mut(|f| f.glyph_width(&mono, '0')).max(1.0);
    let chars = (width / char_w) as usize;
    let mut s = String::new();
    for b in data.iter().take(chars.div_ceil(8)) {
        s.push_str(&format!("{b:08b}"));
    }
    s.truncate(chars.saturating_sub(1));
    s.push('…');
    ui.label(RichText::new(s).monospace().weak());
}
