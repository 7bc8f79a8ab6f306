//! The layers of the selected packet: a tree grouped by OSI layer (7 at the top,
//! or 1), each layer a collapsible section in its colour; a field click selects
//! its bytes; the context menu applies a field as a filter; fields that name
//! other packets link to them. Hovering a field or layer shows the first sentence of
//! its explanation ([`crate::explain`]); the explanation panel under the tree explains
//! the selected one in full.

use egui::{CollapsingHeader, RichText};

use super::theme::osi_color;
use crate::dissect::fmt::{mac, secs};
use crate::dissect::{Dissection, Field, Layer, Osi, Value};
use crate::explain;
use crate::lessons::challenge::HIDDEN;
use crate::lessons::Expected;

/// A field's place in the tree: layer index, then child indexes.
pub type FieldPath = Vec<usize>;

/// What a click in the tree asks for.
pub enum DetailsAction {
    SelectField(FieldPath, [u32; 2]),
    ApplyFilter(String),
    GoToPacket(u32),
}

/// What a lesson's open question hides in the tree: the value of the field it asks
/// for (`field`: its path, when this packet is the one asked about) and the answer's
/// text wherever it stands as a word.
#[derive(Clone, Copy)]
pub struct Hide<'a> {
    pub field: Option<&'a [usize]>,
    pub expected: &'a Expected,
}

impl Hide<'_> {
    /// A row's text (`label: value`, or a title) with what gives the answer away hidden,
    /// and whether anything was.
    fn row(&self, path: &[usize], label: &str, shown: &str) -> (String, bool) {
        if self.field == Some(path) {
            return (format!("{label}: {HIDDEN}"), true);
        }
        let text = match shown.is_empty() {
            true => label.to_string(),
            false => format!("{label}: {shown}"),
        };
        match self.expected.mask(&text) {
            std::borrow::Cow::Owned(masked) => (masked, true),
            std::borrow::Cow::Borrowed(_) => (text, false),
        }
    }
}

/// The seven layers, 1 to 7.
pub const OSI_ORDER: [Osi; 7] = Osi::ALL;

/// `7 Application`.
pub fn osi_title(osi: Osi) -> String {
    format!("{} {}", osi as u8, osi.name())
}

/// Draw the tree. `top_down`: layer 7 first. `reveal`: scroll the selected
/// field (or layer) into view, once, after it was selected elsewhere (the OSI
/// stack, the bytes).
pub fn details_ui(
    ui: &mut egui::Ui,
    d: &Dissection,
    selected: Option<&FieldPath>,
    top_down: bool,
    open_layer: Option<usize>,
    reveal: bool,
    hide: Option<Hide>,
) -> Option<DetailsAction> {
    let mut action = None;
    let mut order = OSI_ORDER.to_vec();
    if top_down {
        order.reverse();
    }
    for osi in order {
        let layers: Vec<(usize, &Layer)> = d
            .layers
            .iter()
            .enumerate()
            .filter(|(_, l)| l.osi == osi)
            .collect();
        if layers.is_empty() {
            continue;
        }
        let color = osi_color(osi);
        let head = RichText::new(osi_title(osi)).strong().color(color);
        let mut h = CollapsingHeader::new(head)
            .id_salt(("osi", osi as u8))
            .default_open(true);
        if open_layer.is_some_and(|i| d.layers.get(i).is_some_and(|l| l.osi == osi)) {
            h = h.open(Some(true));
        }
        h.show(ui, |ui| {
            for (li, layer) in layers {
                let title = hide.map_or(layer.title.as_str().into(), |h| {
                    h.expected.mask(&layer.title)
                });
                let mut lh = CollapsingHeader::new(RichText::new(title.as_ref()).color(color))
                    .id_salt(("layer", li))
                    .default_open(osi >= Osi::Session);
                if open_layer == Some(li) {
                    lh = lh.open(Some(true));
                }
                let r = lh.show(ui, |ui| {
                    for (fi, f) in layer.fields.iter().enumerate() {
                        let at = vec![li, fi];
                        if let Some(a) = field_ui(ui, f, at, selected, reveal, hide) {
                            action = Some(a);
                        }
                    }
                });
                let r = with_hover(r.header_response, layer.protocol, None);
                if r.clicked() {
                    action = Some(DetailsAction::SelectField(vec![li], layer.range));
                }
                if reveal && selected.is_some_and(|p| p.as_slice() == [li]) {
                    r.scroll_to_me(None);
                }
            }
        });
    }
    if !d.warnings.is_empty() {
        ui.separator();
        for w in &d.warnings {
            ui.colored_label(
                egui::Color32::from_rgb(0xd9, 0x7a, 0x00),
                format!("⚠ {}", w.message),
            );
        }
    }
    if let Some(stop) = &d.stop {
        ui.colored_label(
            egui::Color32::from_rgb(0xd9, 0x4f, 0x3c),
            format!("Decoding stopped: {}", stop.reason),
        );
    }
    action
}

fn field_ui(
    ui: &mut egui::Ui,
    f: &Field,
    path: FieldPath,
    selected: Option<&FieldPath>,
    reveal: bool,
    hide: Option<Hide>,
) -> Option<DetailsAction> {
    let mut action = None;
    let is_sel = selected == Some(&path);
    let shown = f.shown();
    let (text, hidden) = match hide {
        Some(h) => h.row(&path, f.label, &shown),
        None if shown.is_empty() => (f.label.to_string(), false),
        None => (format!("{}: {shown}", f.label), false),
    };
    let mut label_ui = |ui: &mut egui::Ui| {
        let r = ui.add(egui::Button::selectable(is_sel, text.as_str()));
        let r = with_hover(r, f.name, Some(f.range));
        if r.clicked() {
            action = Some(DetailsAction::SelectField(path.clone(), f.range));
        }
        if reveal && is_sel {
            r.scroll_to_me(None);
        }
        r.context_menu(|ui| {
            // A hidden value is not handed out through the filter bar or the clipboard.
            if !hidden && ui.button("Apply as filter").clicked() {
                action = Some(DetailsAction::ApplyFilter(filter_for(f)));
                ui.close();
            }
            if !hidden && ui.button("Copy value").clicked() {
                ui.ctx().copy_text(shown.clone());
                ui.close();
            }
            if ui.button("Copy field name").clicked() {
                ui.ctx().copy_text(f.name.to_string());
                ui.close();
            }
        });
        // Fields that name other packets carry them as links (FT_FRAMENUM-like values).
        for &p in f.value.links().iter().take(MAX_LINKS) {
            if ui
                .small_button(format!("→ {p}"))
                .on_hover_text(format!("go to packet {p}"))
                .clicked()
            {
                action = Some(DetailsAction::GoToPacket(p.saturating_sub(1) as u32));
            }
        }
    };
    if f.children.is_empty() {
        ui.horizontal_wrapped(|ui| label_ui(ui));
    } else {
        let id = ui.make_persistent_id(("field", &path));
        let mut state =
            egui::collapsing_header::CollapsingState::load_with_default_open(ui.ctx(), id, false);
        // A field selected below this one is shown: its parents open.
        let below = selected.is_some_and(|p| p.len() > path.len() && p.starts_with(&path));
        if reveal && below {
            state.set_open(true);
        }
        state.show_header(ui, |ui| label_ui(ui)).body(|ui| {
            for (ci, c) in f.children.iter().enumerate() {
                let mut p = path.clone();
                p.push(ci);
                if let Some(a) = field_ui(ui, c, p, selected, reveal, hide) {
                    action = Some(a);
                }
            }
        });
    }
    action
}

/// The hover text of a field or layer: the first sentence of its explanation, then its
/// name (and bytes).
fn with_hover(r: egui::Response, name: &str, range: Option<[u32; 2]>) -> egui::Response {
    let mut text = match explain::first_sentence(name) {
        Some(first) => format!("{first}\n\n{name}"),
        None => name.to_string(),
    };
    if let Some([a, b]) = range {
        text.push_str(&format!("  (bytes {a}..{b})"));
    }
    r.on_hover_text(text)
}

/// The name of the field (or the layer's protocol) at `path`.
pub fn name_at(d: &Dissection, path: &[usize]) -> Option<&'static str> {
    let (&li, rest) = path.split_first()?;
    let layer = d.layers.get(li)?;
    let Some((&fi, rest)) = rest.split_first() else {
        return Some(layer.protocol);
    };
    let mut f = layer.fields.get(fi)?;
    for &ci in rest {
        f = f.children.get(ci)?;
    }
    Some(f.name)
}

/// The explanation panel at the bottom of `ui`: what the selected field (or layer) is,
/// why it is there, what a usual value means and its standard. As tall as its text, up
/// to 40% of the height (the text scrolls beyond); folded, one line.
/// What a lesson's open question withholds from the explanation panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Withheld {
    #[default]
    Nothing,
    /// The selected field's value in this packet is the answer (the explanation,
    /// which is about the field in general, stays).
    Value,
    /// The explanation states the answer (a question about what the field means).
    Explanation,
}

/// `withheld`: what a lesson's open question keeps back.
pub fn explanation_panel_ui(
    ui: &mut egui::Ui,
    d: &Dissection,
    selected: Option<&FieldPath>,
    withheld: Withheld,
) {
    let fold = explanation_fold(ui.ctx());
    let wanted_id = egui::Id::unique("layerscope-explanation-height");
    let margin = egui::Margin::symmetric(0, 4);
    let frame = margin.sum().y;
    let max = (0.4 * ui.available_height()).max(3.0 * ui.spacing().interact_size.y);
    // The height the text took the frame before (the panel's size must be known first).
    let wanted = ui.data(|m| m.get_temp::<f32>(wanted_id)).unwrap_or(max);
    egui::Panel::bottom("explanation")
        .exact_size((wanted + frame).min(max))
        .frame(egui::Frame::new().inner_margin(margin))
        .show(ui, |ui| {
            let took = explanation_ui(ui, fold, d, selected, withheld);
            if (took - wanted).abs() > 0.5 {
                ui.data_mut(|m| m.insert_temp(wanted_id, took));
                ui.ctx().request_repaint();
            }
        });
}

/// Whether the explanation is folded away (open by default), kept by egui.
fn explanation_fold(ctx: &egui::Context) -> egui::collapsing_header::CollapsingState {
    let id = egui::Id::unique("layerscope-explanation");
    egui::collapsing_header::CollapsingState::load_with_default_open(ctx, id, true)
}

/// The fold's header and the explanation; the height they take unclipped.
fn explanation_ui(
    ui: &mut egui::Ui,
    fold: egui::collapsing_header::CollapsingState,
    d: &Dissection,
    selected: Option<&FieldPath>,
    withheld: Withheld,
) -> f32 {
    let name = selected.and_then(|p| name_at(d, p));
    let def = name.and_then(explain::definition);
    let title = match (name, def) {
        (Some(n), Some(def)) => format!("Explanation: {} ({n})", def.label),
        (Some(n), None) => format!("Explanation: {n}"),
        (None, _) => "Explanation".to_string(),
    };
    let (_, head, body) = fold.show_header(ui, |ui| ui.strong(title)).body(|ui| {
        egui::ScrollArea::vertical()
            .id_salt("explanation-text")
            .auto_shrink([false, true])
            .min_scrolled_height(0.0)
            .show(ui, |ui| match withheld {
                Withheld::Nothing => entry_ui(ui, name),
                Withheld::Value => {
                    ui.strong("Its value in this packet is hidden until you answer the lesson's question.");
                    entry_ui(ui, name)
                }
                Withheld::Explanation => {
                    ui.strong("Its explanation is shown once you answer the lesson's question.");
                }
            })
            .content_size
            .y
    });
    let gap = ui.spacing().item_spacing.y;
    head.response.rect.height() + body.map_or(0.0, |b| gap + b.inner)
}

/// The explanation of `name`, or what to do to see one.
fn entry_ui(ui: &mut egui::Ui, name: Option<&str>) {
    let Some(name) = name else {
        ui.weak("Select a field (or a layer) to see what it means.");
        return;
    };
    let Some(e) = explain::explain(name) else {
        ui.weak(format!("No explanation has been written for {name} yet."));
        return;
    };
    ui.label(&e.what);
    let part = |ui: &mut egui::Ui, head: &str, text: &str| {
        if !text.is_empty() {
            ui.horizontal_wrapped(|ui| {
                ui.strong(head);
                ui.label(text);
            });
        }
    };
    part(ui, "Why:", &e.why);
    part(ui, "Typical:", &e.typical);
    part(ui, "Standard:", &e.rfc);
}

/// Most link buttons drawn for one field (a message reassembled from many frames).
const MAX_LINKS: usize = 32;

/// `name == value`, the literal written from the field's typed value (a number, an
/// address, a byte string, a quoted text); a field without a value gives its bare name.
pub fn filter_for(f: &Field) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let lit = match &f.value {
        Value::None => return f.name.to_string(),
        Value::Unsigned(v) | Value::Named(v, _) | Value::Frame(v) => v.to_string(),
        Value::Signed(v) => v.to_string(),
        Value::Bool(b) => u8::from(*b).to_string(),
        Value::Ipv4(a) => a.to_string(),
        Value::Ipv6(a) => a.to_string(),
        Value::Mac(m) => mac(m),
        Value::Bytes(b) if b.is_empty() => quote(""),
        Value::Bytes(b) => mac(b),
        Value::Text(s) => quote(s),
        Value::Time(ns) | Value::Duration(ns) => secs(*ns),
        Value::Frames(v) => match v.first() {
            Some(n) => n.to_string(),
            None => return f.name.to_string(),
        },
    };
    format!("{} == {lit}", f.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_from_typed_values() {
        let f = |name, value: Value| Field::new(name, "x", value, [0, 0]);
        assert_eq!(
            filter_for(&f("tcp.srcport", Value::Unsigned(18300))),
            "tcp.srcport == 18300"
        );
        let ip = Value::Ipv4("127.0.0.1".parse().unwrap());
        assert_eq!(filter_for(&f("ip.src", ip)), "ip.src == 127.0.0.1");
        assert_eq!(
            filter_for(&f("socketio.event", Value::text("say \"hi\""))),
            "socketio.event == \"say \\\"hi\\\"\""
        );
        assert_eq!(
            filter_for(&f("websocket.opcode", Value::Named(1, "Text"))),
            "websocket.opcode == 1"
        );
        assert_eq!(
            filter_for(&f("tcp.flags.syn", Value::Bool(true))),
            "tcp.flags.syn == 1"
        );
        assert_eq!(
            filter_for(&f("tcp.payload", Value::bytes(b"GET"))),
            "tcp.payload == 47:45:54"
        );
        assert_eq!(
            filter_for(&f("frame.time_delta", Value::Duration(500_000_000))),
            "frame.time_delta == 0.500000000"
        );
        assert_eq!(filter_for(&f("websocket", Value::None)), "websocket");
        let links = f("websocket.message.frames", Value::Frames([16, 17].into()));
        assert_eq!(links.value.links(), [16, 17]);
        assert_eq!(filter_for(&links), "websocket.message.frames == 16");
        // Every filter written this way parses.
        for text in [
            "tcp.payload == 47:45:54",
            "frame.time_delta == 0.500000000",
            "socketio.event == \"say \\\"hi\\\"\"",
        ] {
            crate::filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }
}
