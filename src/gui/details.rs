//! The layers of the selected packet: a tree grouped by OSI layer (7 at the top,
//! or 1), each layer a collapsible section in its colour; a field click selects
//! its bytes; the context menu applies a field as a filter; fields that name
//! other packets link to them.

use egui::{CollapsingHeader, RichText};

use super::theme::osi_color;
use crate::dissect::{Dissection, Field, Layer, Osi};

/// A field's place in the tree: layer index, then child indexes.
pub type FieldPath = Vec<usize>;

/// What a click in the tree asks for.
pub enum DetailsAction {
    SelectField(FieldPath, [u32; 2]),
    ApplyFilter(String),
    GoToPacket(u32),
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
                let mut lh = CollapsingHeader::new(RichText::new(&layer.title).color(color))
                    .id_salt(("layer", li))
                    .default_open(osi >= Osi::Session);
                if open_layer == Some(li) {
                    lh = lh.open(Some(true));
                }
                let r = lh.show(ui, |ui| {
                    for (fi, f) in layer.fields.iter().enumerate() {
                        if let Some(a) = field_ui(ui, f, vec![li, fi], selected, reveal) {
                            action = Some(a);
                        }
                    }
                });
                if r.header_response.clicked() {
                    action = Some(DetailsAction::SelectField(vec![li], layer.range));
                }
                if reveal && selected.is_some_and(|p| p.as_slice() == [li]) {
                    r.header_response.scroll_to_me(None);
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
) -> Option<DetailsAction> {
    let mut action = None;
    let is_sel = selected == Some(&path);
    let text = format!("{}: {}", f.label, f.value);
    let mut label_ui = |ui: &mut egui::Ui| {
        let r = ui
            .add(egui::Button::selectable(is_sel, text.as_str()))
            .on_hover_text(format!(
                "{}  (bytes {}..{})",
                f.name, f.range[0], f.range[1]
            ));
        if r.clicked() {
            action = Some(DetailsAction::SelectField(path.clone(), f.range));
        }
        if reveal && is_sel {
            r.scroll_to_me(None);
        }
        r.context_menu(|ui| {
            if ui.button("Apply as filter").clicked() {
                action = Some(DetailsAction::ApplyFilter(filter_for(f)));
                ui.close();
            }
            if ui.button("Copy value").clicked() {
                ui.ctx().copy_text(f.value.clone());
                ui.close();
            }
            if ui.button("Copy field name").clicked() {
                ui.ctx().copy_text(f.name.to_string());
                ui.close();
            }
        });
        for p in linked_packets(&f.value) {
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
        egui::collapsing_header::CollapsingState::load_with_default_open(ui.ctx(), id, false)
            .show_header(ui, |ui| label_ui(ui))
            .body(|ui| {
                for (ci, c) in f.children.iter().enumerate() {
                    let mut p = path.clone();
                    p.push(ci);
                    if let Some(a) = field_ui(ui, c, p, selected, reveal) {
                        action = Some(a);
                    }
                }
            });
    }
    action
}

/// `name == value`, the value as a number when it starts with one.
pub fn filter_for(f: &Field) -> String {
    let v = f.value.trim();
    let num: String = v
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == ':')
        .collect();
    let plain = !num.is_empty() && (num == v || v[num.len()..].starts_with(' '));
    if plain
        && (num.parse::<f64>().is_ok()
            || num.contains('.')
            || num.contains(':')
            || num.starts_with("0x"))
    {
        format!("{} == {num}", f.name)
    } else {
        format!(
            "{} == \"{}\"",
            f.name,
            v.replace('\\', "\\\\").replace('"', "\\\"")
        )
    }
}

/// Packet numbers a value mentions (`packet 12`, `packets 3, 4, 5`).
pub fn linked_packets(value: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(at) = rest.find("packet") {
        rest = &rest[at + 6..];
        let tail = rest.trim_start_matches('s').trim_start();
        let mut t = tail;
        loop {
            let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
            if digits.is_empty() {
                break;
            }
            if let Ok(n) = digits.parse::<u64>() {
                if !out.contains(&n) && out.len() < 32 {
                    out.push(n);
                }
            }
            t = t[digits.len()..].trim_start_matches([',', ' ']);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_filters() {
        assert_eq!(linked_packets("ACK in packet 45 after 0.6 ms"), vec![45]);
        assert_eq!(
            linked_packets("4 (in packets 16, 17, 18, 19)"),
            vec![16, 17, 18, 19]
        );
        assert!(linked_packets("no numbers here").is_empty());
        let f = |name, value: &str| Field::new(name, "x", value, [0, 0]);
        assert_eq!(
            filter_for(&f("tcp.srcport", "18300")),
            "tcp.srcport == 18300"
        );
        assert_eq!(filter_for(&f("ip.src", "127.0.0.1")), "ip.src == 127.0.0.1");
        assert_eq!(
            filter_for(&f("socketio.event", "chat message")),
            "socketio.event == \"chat message\""
        );
        assert_eq!(
            filter_for(&f("websocket.opcode", "Text (1)")),
            "websocket.opcode == \"Text (1)\""
        );
    }
}
