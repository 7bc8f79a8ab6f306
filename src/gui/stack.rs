//! The OSI stack of the selected packet: seven rows, each saying in a few words
//! what this packet carries at that layer (empty layers greyed); a click selects
//! the layer. Below it, the encapsulation bar: the frame's bytes split into the
//! nested headers and the payload, proportional and labelled.

use egui::{Color32, RichText, Sense, Stroke, StrokeKind};

use super::details::{osi_title, OSI_ORDER};
use super::theme::osi_color;
use crate::dissect::{tcp_flags_str, Dissection, Layer, Osi, Value};

/// One line per layer: what the packet carries there. At layer 7 the
/// innermost protocol says it best (`Socket.IO EVENT / "chat message" ["hi"]`
/// rather than the WebSocket frame that carried it).
pub fn layer_summary(d: &Dissection, osi: Osi) -> Option<String> {
    let titles: Vec<String> = d
        .layers
        .iter()
        .filter(|l| l.osi == osi)
        .map(|l| short_title(l).unwrap_or_else(|| l.title.clone()))
        .collect();
    match (osi, titles.last()) {
        (_, None) => None,
        (Osi::Application, Some(last)) => Some(last.clone()),
        _ => Some(titles.join(" · ")),
    }
}

/// A transport header in a few words, as a packet list's Info reads:
/// `TCP 46262 → 18300 [PSH, ACK] Seq=305 Len=29`, `UDP 48063 → 53 Len=33`.
fn short_title(l: &Layer) -> Option<String> {
    let value = |name: &str| l.fields.iter().find(|f| f.name == name).map(|f| &f.value);
    let number = |name: &str| match value(name)? {
        Value::Unsigned(v) => Some(*v),
        _ => None,
    };
    match l.protocol {
        "tcp" => {
            let flags = u16::try_from(number("tcp.flags")?).ok()?;
            Some(format!(
                "TCP {} → {} [{}] Seq={} Len={}",
                number("tcp.srcport")?,
                number("tcp.dstport")?,
                tcp_flags_str(flags),
                number("tcp.seq")?,
                number("tcp.len")?
            ))
        }
        "udp" => {
            // The header's length field counts its own 8 bytes; Len is the payload.
            let len = number("udp.length")?;
            Some(format!(
                "UDP {} → {} Len={}",
                number("udp.srcport")?,
                number("udp.dstport")?,
                len.saturating_sub(8)
            ))
        }
        _ => None,
    }
}

/// Draw the stack (layer 7 at the top); returns the index of the first layer
/// of the row clicked.
pub fn stack_ui(ui: &mut egui::Ui, d: &Dissection) -> Option<usize> {
    let mut clicked = None;
    for osi in OSI_ORDER.iter().rev() {
        let color = osi_color(*osi);
        let summary = layer_summary(d, *osi);
        let resp = ui
            .horizontal(|ui| {
                let (rect, _) = ui.allocate_exact_size(egui::vec2(6.0, 18.0), Sense::hover());
                let fill = if summary.is_some() {
                    color
                } else {
                    color.gamma_multiply(0.25)
                };
                ui.painter().rect_filled(rect, 2.0, fill);
                let name = RichText::new(format!("{:<15}", osi_title(*osi))).monospace();
                // Not selectable: a click anywhere on the row is the row's.
                let label = |ui: &mut egui::Ui, t: RichText| {
                    ui.add(egui::Label::new(t).selectable(false));
                };
                match &summary {
                    Some(s) => {
                        label(ui, name.strong().color(color));
                        ui.add(egui::Label::new(s.as_str()).truncate().selectable(false));
                    }
                    None => {
                        label(ui, name.weak());
                        label(
                            ui,
                            RichText::new("(nothing at this layer)").weak().italics(),
                        );
                    }
                }
            })
            .response
            .interact(Sense::click());
        if resp.clicked() && summary.is_some() {
            clicked = d.layers.iter().position(|l| l.osi == *osi);
        }
    }
    clicked
}

/// The segments of the encapsulation bar: (label, start, end, colour), by byte
/// position; each layer's own header is where it starts up to the next layer.
pub fn encapsulation(d: &Dissection) -> Vec<(String, u32, u32, Osi)> {
    let mut layers: Vec<&Layer> = d
        .layers
        .iter()
        // Headers on the wire only: the session and presentation layers are
        // derived views of bytes another layer already shows.
        .filter(|l| l.range[1] > l.range[0] && l.protocol != "frame")
        .filter(|l| !matches!(l.osi, Osi::Session | Osi::Presentation))
        .collect();
    layers.sort_by_key(|l| (l.range[0], l.osi as u8));
    let mut out: Vec<(String, u32, u32, Osi)> = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let next = layers[i + 1..]
            .iter()
            .map(|n| n.range[0])
            .find(|&s| s > l.range[0])
            .unwrap_or(l.range[1]);
        let end = next.min(l.range[1]).max(l.range[0]);
        if end > l.range[0] && out.last().is_none_or(|o| o.2 <= l.range[0]) {
            out.push((l.protocol.to_string(), l.range[0], end, l.osi));
        }
    }
    let covered = out.last().map_or(0, |o| o.2);
    if covered < d.caplen {
        out.push(("payload".into(), covered, d.caplen, Osi::Application));
    }
    out
}

/// Draw the bar; returns the byte range of the segment clicked.
pub fn encapsulation_ui(ui: &mut egui::Ui, d: &Dissection) -> Option<[u32; 2]> {
    let segs = encapsulation(d);
    let total = d.caplen.max(1) as f32;
    let width = ui.available_width().max(100.0);
    let (rect, resp) = ui.allocate_exact_size(egui::vec2(width, 34.0), Sense::click());
    let p = ui.painter();
    let mut clicked = None;
    let min_w = 28.0;
    // Every segment gets at least a readable width; the rest is proportional.
    let spare = (width - min_w * segs.len() as f32).max(0.0);
    let mut x = rect.left();
    for (label, a, b, osi) in &segs {
        let w = min_w + spare * (*b - *a) as f32 / total;
        let r = egui::Rect::from_min_size(egui::pos2(x, rect.top()), egui::vec2(w, rect.height()));
        p.rect_filled(r, 0.0, osi_color(*osi).gamma_multiply(0.85));
        p.rect_stroke(
            r,
            0.0,
            Stroke::new(1.0, Color32::from_gray(30)),
            StrokeKind::Inside,
        );
        let text = format!("{label} {}", b - a);
        p.text(
            r.center(),
            egui::Align2::CENTER_CENTER,
            text,
            egui::FontId::proportional(12.0),
            Color32::WHITE,
        );
        if resp.clicked() && resp.interact_pointer_pos().is_some_and(|q| r.contains(q)) {
            clicked = Some([*a, *b]);
        }
        x += w;
    }
    resp.on_hover_text("Each header wraps the layers above it: the frame carries the IP packet, which carries the TCP segment, which carries the application data.");
    clicked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Capture;
    use crate::store::{PacketId, Store};

    #[test]
    fn encapsulation_of_an_http_request_is_nested_headers_then_payload() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/http-get.pcap");
        let store = Store::build(Capture::open(&path).unwrap());
        let d = store.dissect(PacketId(3)).unwrap();
        let segs = encapsulation(&d);
        let names: Vec<&str> = segs.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, ["eth", "ip", "tcp", "http"]);
        assert_eq!((segs[0].1, segs[0].2), (0, 14));
        assert_eq!((segs[1].1, segs[1].2), (14, 34));
        assert_eq!(segs.last().unwrap().2, d.caplen);
        assert!(layer_summary(&d, Osi::Application)
            .unwrap()
            .contains("GET /hello.txt"));
        assert!(layer_summary(&d, Osi::Presentation).is_none());
    }
}
