//! The "TCP states" window: both endpoints' state machines (RFC 9293 §3.3.2)
//! at the selected packet, for that packet's conversation. Two columns list the
//! RFC's states; each endpoint's current state is highlighted (a filled box when
//! the capture shows it, a dashed one and "(inferred)" when it does not), the
//! transitions this packet caused are listed, and each names its packet, which
//! a click selects.

use egui::{RichText, Sense, Shape, Stroke};

use crate::store::{PacketId, Store};
use crate::story::tcp_states::{timeline, Endpoint, How, StateAt, StateTimeline, TcpState};

/// The window's state: open or not, and the timeline of the conversation shown.
#[derive(Default)]
pub struct TcpStatesView {
    pub open: bool,
    /// (conversation, packets in the store when computed, its timeline): the
    /// timeline is a pass over the conversation, done again only when either changes.
    cached: Option<(u32, usize, StateTimeline)>,
}

impl TcpStatesView {
    /// The window, following the selected packet; the packet to select when a
    /// packet number was clicked.
    pub fn window_ui(
        &mut self,
        ctx: &egui::Context,
        store: Option<&Store>,
        selected: Option<u32>,
    ) -> Option<u32> {
        let mut open = self.open;
        let mut clicked = None;
        // Beside the packet list at 100 %; within the window at any zoom.
        let room = ctx.content_rect().size();
        egui::Window::new("TCP states")
            .open(&mut open)
            .default_size([560f32.min(room.x - 20.0), 460f32.min(room.y - 60.0)])
            .default_pos([(room.x - 600.0).max(10.0), 90f32.min(room.y / 8.0)])
            .show(ctx, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, true])
                    .show(ui, |ui| clicked = self.ui(ui, store, selected));
            });
        self.open = open;
        clicked
    }

    fn ui(&mut self, ui: &mut egui::Ui, store: Option<&Store>, sel: Option<u32>) -> Option<u32> {
        let (Some(store), Some(p)) = (store, sel) else {
            ui.label("Select a packet of a TCP connection to see both ends' states.");
            return None;
        };
        let Some((conv, _)) = store.analysis.tcp.conversation_of(PacketId(p)) else {
            ui.label(format!(
                "Packet {} is not part of a TCP connection (or is not analysed yet).",
                p + 1
            ));
            return None;
        };
        let fresh = matches!(&self.cached, Some((c, n, _)) if *c == conv.0 && *n == store.len());
        if !fresh {
            self.cached = Some((conv.0, store.len(), timeline(store, conv.0)));
        }
        let (_, _, t) = self.cached.as_ref().expect("computed above");
        tcp_states_ui(ui, t, PacketId(p))
    }
}

/// Both endpoints' state machines of `t` at packet `p`; the packet to select
/// when a packet number was clicked.
pub fn tcp_states_ui(ui: &mut egui::Ui, t: &StateTimeline, p: PacketId) -> Option<u32> {
    let mut clicked = None;
    ui.label(
        RichText::new(format!(
            "TCP stream {}: client {} ⇄ server {}",
            t.conversation, t.client, t.server
        ))
        .strong(),
    );
    ui.label(format!(
        "At packet {}, as RFC 9293 §3.3.2 draws them:",
        p.number()
    ));
    let now = t.at(p);
    ui.columns(2, |cols| {
        for (e, col) in Endpoint::BOTH.into_iter().zip(cols.iter_mut()) {
            let addr = match e {
                Endpoint::Client => &t.client,
                Endpoint::Server => &t.server,
            };
            if let Some(q) = endpoint_ui(col, t, e, addr, now[e.index()], p) {
                clicked = Some(q);
            }
        }
    });
    ui.separator();
    caused_ui(ui, t, p);
    ui.add_space(4.0);
    ui.label(
        RichText::new(
            "Filled: the endpoint's own segment is in the capture (seen). Dashed, \
             \"(inferred)\": it happened on receipt of a segment, assumed to arrive as it \
             was captured, before the capture began, or on a timer: no packet shows it.",
        )
        .weak()
        .small(),
    );
    clicked
}

/// One endpoint's column: its states, the current one marked, and the
/// transition that led there with its packet (a button).
fn endpoint_ui(
    ui: &mut egui::Ui,
    t: &StateTimeline,
    e: Endpoint,
    addr: &str,
    now: StateAt,
    p: PacketId,
) -> Option<u32> {
    let title = match e {
        Endpoint::Client => "Client",
        Endpoint::Server => "Server",
    };
    ui.label(RichText::new(format!("{title} {addr}")).strong());
    let inferred = if now.how == How::Inferred {
        " (inferred)"
    } else {
        ""
    };
    ui.label(format!("{title} now: {}{inferred}", now.state.name()));
    // The states it left at this very packet (one segment can take it through two:
    // FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT).
    let left: Vec<TcpState> = (t.caused_by(p))
        .filter(|tr| tr.endpoint == e)
        .map(|tr| tr.from)
        .collect();
    for s in TcpState::ALL {
        state_row_ui(ui, s, now, left.contains(&s));
    }
    let last = now.last.map(|i| &t.transitions[i]);
    match last {
        Some(tr) => {
            let q = tr
                .packet
                .expect("a transition in effect at a packet has one");
            let mut clicked = None;
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("{} → {}", tr.from.name(), tr.to.name()));
                if ui
                    .link(format!("packet {}", q.number()))
                    .on_hover_text("Select this packet")
                    .clicked()
                {
                    clicked = Some(q.0);
                }
            });
            let how = if tr.how == How::Seen {
                "seen"
            } else {
                "inferred"
            };
            ui.label(format!("{} ({how})", tr.event.text()));
            clicked
        }
        None => {
            let text = format!("Since the start: {}", t.start_text(e));
            ui.label(RichText::new(text).italics());
            None
        }
    }
}

/// One state's row: highlighted when current (filled if seen, dashed if
/// inferred), marked when the endpoint left it at this packet.
fn state_row_ui(ui: &mut egui::Ui, s: TcpState, now: StateAt, left: bool) {
    let current = s == now.state;
    let inferred = current && now.how == How::Inferred;
    let text = match (current, left) {
        (true, _) if inferred => format!("▶ {} (inferred)", s.name()),
        (true, _) => format!("▶ {}", s.name()),
        (false, true) => format!("   {} (left here)", s.name()),
        (false, false) => format!("   {}", s.name()),
    };
    let mut rich = RichText::new(text).monospace();
    if current {
        rich = rich.strong();
    } else if !left {
        rich = rich.weak();
    }
    if inferred {
        rich = rich.italics();
    }
    let galley = egui::WidgetText::from(rich).into_galley(
        ui,
        Some(egui::TextWrapMode::Extend),
        f32::INFINITY,
        egui::TextStyle::Body,
    );
    let pad = egui::vec2(6.0, 2.0);
    // Clear of the scroll bar on the right.
    let width = (ui.available_width() - 8.0).max(galley.size().x + 2.0 * pad.x);
    let (rect, resp) = ui.allocate_exact_size(
        egui::vec2(width, galley.size().y + 2.0 * pad.y),
        Sense::hover(),
    );
    let v = ui.visuals();
    if current {
        let stroke = Stroke::new(1.5, v.selection.stroke.color);
        if inferred {
            let r = rect.shrink(1.0);
            let pts = [
                r.left_top(),
                r.right_top(),
                r.right_bottom(),
                r.left_bottom(),
                r.left_top(),
            ];
            ui.painter()
                .extend(Shape::dashed_line(&pts, stroke, 5.0, 3.0));
        } else {
            ui.painter().rect_filled(rect, 3.0, v.selection.bg_fill);
        }
    }
    let color = if current && !inferred {
        v.selection.stroke.color
    } else {
        v.text_color()
    };
    let label = galley.text().trim().to_string();
    ui.painter().galley(rect.min + pad, galley, color);
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &label));
}

/// The transitions this packet caused, or that it caused none.
fn caused_ui(ui: &mut egui::Ui, t: &StateTimeline, p: PacketId) {
    let mut any = false;
    for tr in t.caused_by(p) {
        any = true;
        let how = if tr.how == How::Seen {
            "seen"
        } else {
            "inferred"
        };
        let mut text = RichText::new(format!(
            "Packet {}: {} {} → {}: {} ({how})",
            p.number(),
            tr.endpoint.name(),
            tr.from.name(),
            tr.to.name(),
            tr.event.text()
        ));
        if tr.how == How::Inferred {
            text = text.italics();
        }
        ui.label(text);
    }
    if !any {
        ui.label(RichText::new(format!("Packet {} changes no state.", p.number())).weak());
    }
}
