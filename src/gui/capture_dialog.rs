//! Capture ▸ Interfaces… (Ctrl+K): the interfaces libpcap can capture on, loopback first,
//! with their addresses and a sparkline of packets per second (the kernel's counters, read
//! about once a second); a capture filter checked by libpcap as you type (after a pause,
//! against the selected interface); snaplen, promiscuous mode, and recent filters.

use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use egui::{Color32, RichText};

use crate::live::rates::Rates;
use crate::live::Options;

pub use crate::live::devices::{check_filter, Iface};

/// How long the filter text must stay unchanged before it is compiled.
pub const DEBOUNCE: f64 = 0.3;

const GOOD: Color32 = Color32::from_rgb(0x1f, 0x5f, 0x2a);
const BAD: Color32 = Color32::from_rgb(0x7a, 0x1f, 0x1f);
const BAD_TEXT: Color32 = Color32::from_rgb(0xe0, 0x5a, 0x4f);

pub struct CaptureDialog {
    pub open: bool,
    /// The list, once known (or why it is not).
    ifaces: Option<Result<Vec<Iface>, String>>,
    listing: Option<Receiver<Result<Vec<Iface>, String>>>,
    pub selected: Option<String>,
    pub filter: String,
    /// The last check: (filter, interface, verdict).
    checked: Option<(String, String, Result<(), String>)>,
    /// When the filter text last changed (egui's clock).
    edited_at: f64,
    pub snaplen: u32,
    pub promisc: bool,
    rates: Rates,
    sampled: Option<Instant>,
}

impl Default for CaptureDialog {
    fn default() -> Self {
        CaptureDialog {
            open: false,
            ifaces: None,
            listing: None,
            selected: None,
            filter: String::new(),
            checked: None,
            edited_at: f64::NEG_INFINITY,
            snaplen: Options::default().snaplen,
            promisc: true,
            rates: Rates::default(),
            sampled: None,
        }
    }
}

impl CaptureDialog {
    /// Use this list instead of asking libpcap (tests).
    pub fn set_interfaces(&mut self, list: Vec<Iface>) {
        self.ifaces = Some(Ok(list));
        self.listing = None;
    }

    /// Select `iface` and fill in `filter` (`layerscope -i IFACE -f FILTER`).
    pub fn preset(&mut self, iface: &str, filter: Option<&str>) {
        self.selected = Some(iface.to_string());
        if let Some(f) = filter {
            self.filter = f.to_string();
        }
    }

    /// The names of the interfaces listed, once known.
    pub fn names(&self) -> Option<Vec<String>> {
        match &self.ifaces {
            Some(Ok(l)) => Some(l.iter().map(|i| i.name.clone()).collect()),
            _ => None,
        }
    }

    /// What Start captures, if the filter is not known to be bad.
    pub fn options(&self) -> Result<Options, String> {
        let iface = self
            .selected
            .clone()
            .ok_or_else(|| "choose an interface first".to_string())?;
        let filter = self.filter.trim();
        check_filter(filter, &iface)?;
        Ok(Options {
            interfaces: vec![iface],
            filter: (!filter.is_empty()).then(|| filter.to_string()),
            snaplen: self.snaplen,
            promisc: self.promisc,
            ..Options::default()
        })
    }

    /// The verdict on the current filter, once it is checked.
    pub fn verdict(&self) -> Option<&Result<(), String>> {
        let iface = self.selected.as_deref().unwrap_or("lo");
        match &self.checked {
            Some((f, i, v)) if *f == self.filter && i == iface => Some(v),
            _ => None,
        }
    }

    fn poll(&mut self, ctx: &egui::Context) {
        if self.ifaces.is_none() && self.listing.is_none() {
            let (tx, rx) = channel();
            let c = ctx.clone();
            let spawned = std::thread::Builder::new()
                .name("layerscope-ifaces".into())
                .spawn(move || {
                    let _ = tx.send(crate::live::devices::list());
                    c.request_repaint();
                });
            match spawned {
                Ok(_) => self.listing = Some(rx),
                Err(e) => self.ifaces = Some(Err(format!("cannot list interfaces: {e}"))),
            }
        }
        if let Some(rx) = &self.listing {
            if let Ok(list) = rx.try_recv() {
                if let (Ok(l), None) = (&list, &self.selected) {
                    self.selected = l.first().map(|i| i.name.clone());
                }
                self.ifaces = Some(list);
                self.listing = None;
            }
        }
        if self
            .sampled
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
        {
            self.rates.sample();
            self.sampled = Some(Instant::now());
        }
        ctx.request_repaint_after(Duration::from_millis(500));
        // Compile the filter once it has stayed the same for a moment.
        let now = ctx.input(|i| i.time);
        if self.verdict().is_none() {
            if now - self.edited_at >= DEBOUNCE {
                let iface = self.selected.clone().unwrap_or_else(|| "lo".into());
                let v = check_filter(&self.filter, &iface);
                self.checked = Some((self.filter.clone(), iface, v));
            } else {
                ctx.request_repaint_after(Duration::from_secs_f64(DEBOUNCE));
            }
        }
    }

    /// Draw the dialog; returns the options to start capturing with when Start is clicked.
    pub fn ui(&mut self, ctx: &egui::Context, recent: &[String]) -> Option<Options> {
        if !self.open {
            return None;
        }
        self.poll(ctx);
        let mut open = true;
        let mut start = None;
        egui::Window::new("Capture interfaces")
            .open(&mut open)
            .default_size([620.0, 420.0])
            .show(ctx, |ui| start = self.body(ui, recent));
        self.open &= open;
        if start.is_some() {
            self.open = false;
        }
        start
    }

    fn body(&mut self, ui: &mut egui::Ui, recent: &[String]) -> Option<Options> {
        match &self.ifaces {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Listing interfaces…");
                });
            }
            Some(Err(e)) => {
                ui.colored_label(BAD_TEXT, e);
            }
            Some(Ok(list)) => {
                if list.is_empty() {
                    ui.label("libpcap lists no interface.");
                }
                let list = list.clone();
                egui::ScrollArea::vertical()
                    .id_salt("ifaces")
                    .max_height(220.0)
                    .show(ui, |ui| {
                        egui::Grid::new("iface_grid")
                            .num_columns(4)
                            .striped(true)
                            .show(ui, |ui| {
                                for i in &list {
                                    self.iface_row(ui, i);
                                    ui.end_row();
                                }
                            });
                    });
            }
        }
        ui.separator();
        ui.horizontal(|ui| {
            ui.label("Capture filter:");
            let bg = match (self.filter.trim().is_empty(), self.verdict()) {
                (true, _) | (false, None) => None,
                (false, Some(Ok(()))) => Some(GOOD),
                (false, Some(Err(_))) => Some(BAD),
            };
            let mut edit = egui::TextEdit::singleline(&mut self.filter)
                .hint_text("BPF, e.g. tcp port 8765")
                .desired_width(320.0)
                .id_salt("capture_filter");
            if let Some(c) = bg {
                edit = edit.background_color(c).text_color(Color32::WHITE);
            }
            if ui.add(edit).changed() {
                self.edited_at = ui.input(|i| i.time);
            }
            if !recent.is_empty() {
                egui::ComboBox::from_id_salt("recent_capture_filters")
                    .selected_text("Recent")
                    .show_ui(ui, |ui| {
                        for f in recent {
                            if ui.selectable_label(false, f).clicked() {
                                self.filter = f.clone();
                                self.edited_at = f64::NEG_INFINITY;
                            }
                        }
                    });
            }
        });
        match (self.filter.trim().is_empty(), self.verdict()) {
            (true, _) => {
                ui.label(RichText::new("No filter: every packet is captured.").weak());
            }
            (false, None) => {
                ui.label(RichText::new("checking…").weak());
            }
            (false, Some(Ok(()))) => {
                ui.label(
                    RichText::new("✓ valid capture filter")
                        .color(Color32::from_rgb(0x4c, 0xaf, 0x50)),
                );
            }
            (false, Some(Err(e))) => {
                ui.label(RichText::new(format!("✖ {e}")).color(BAD_TEXT));
            }
        }
        ui.horizontal(|ui| {
            let l = ui.label("Snapshot length:");
            ui.add(egui::DragValue::new(&mut self.snaplen).range(64..=262_144))
                .labelled_by(l.id);
            ui.label("bytes");
            ui.checkbox(&mut self.promisc, "Promiscuous mode");
        });
        ui.separator();
        let mut start = None;
        ui.horizontal(|ui| {
            let bad = matches!(self.verdict(), Some(Err(_)));
            let can = self.selected.is_some() && !bad;
            let label = match &self.selected {
                Some(i) => format!("Start capturing on {i}"),
                None => "Start".to_string(),
            };
            if ui.add_enabled(can, egui::Button::new(label)).clicked() {
                match self.options() {
                    Ok(o) => start = Some(o),
                    Err(e) => {
                        let iface = self.selected.clone().unwrap_or_default();
                        self.checked = Some((self.filter.clone(), iface, Err(e)));
                    }
                }
            }
            if ui.button("Refresh").clicked() {
                self.ifaces = None;
            }
        });
        start
    }

    fn iface_row(&mut self, ui: &mut egui::Ui, i: &Iface) {
        let on = self.selected.as_deref() == Some(i.name.as_str());
        let mut text = RichText::new(&i.name).strong();
        if !i.up {
            text = text.weak();
        }
        if ui.selectable_label(on, text).clicked() {
            self.selected = Some(i.name.clone());
        }
        ui.horizontal(|ui| {
            let history = self.rates.history.get(&i.name).cloned().unwrap_or_default();
            sparkline(ui, &history);
            ui.label(
                RichText::new(format!("{:>6.0} pkt/s", self.rates.latest(&i.name))).monospace(),
            );
        });
        let mut what = i.addresses.join(", ");
        if let Some(d) = &i.description {
            what = if what.is_empty() {
                d.clone()
            } else {
                format!("{what} — {d}")
            };
        }
        if !i.up {
            what.push_str(" (down)");
        }
        ui.label(RichText::new(what).weak());
    }
}

/// Packets per second, newest right, scaled to the highest value shown.
fn sparkline(ui: &mut egui::Ui, history: &[f32]) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(90.0, 16.0), egui::Sense::hover());
    let p = ui.painter();
    p.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    if history.len() < 2 {
        return;
    }
    let max = history.iter().copied().fold(1.0f32, f32::max);
    let n = Rates::HISTORY.max(history.len()) as f32;
    let start = n - history.len() as f32;
    let points: Vec<egui::Pos2> = history
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let x = rect.left() + rect.width() * (start + k as f32) / (n - 1.0);
            let y = rect.bottom() - 1.0 - (rect.height() - 2.0) * (v / max);
            egui::pos2(x, y)
        })
        .collect();
    p.add(egui::Shape::line(
        points,
        egui::Stroke::new(1.5, Color32::from_rgb(0x60, 0x9c, 0xe0)),
    ));
}
