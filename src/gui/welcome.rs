//! The welcome page, shown in place of the packet list when the window opens with no
//! file (the bundled sample loads behind it) and from Help ▸ Welcome. One click from
//! it opens a capture (the file chooser or a recent file), the capture dialog, a
//! bundled sample, or a lesson at its first step. Opening anything, starting a
//! capture or a lesson, "Start with the sample" and Escape close it.

use std::path::PathBuf;

use egui::{Key, RichText, ScrollArea};

use super::{App, Choosing, SAMPLE};
use crate::gui::loader::Input;
use crate::lessons::{self, Lesson};

/// The page's title, also what tests look for.
pub const WELCOME_TITLE: &str = "Welcome to layerscope";

/// Widest the page's text grows on a wide window.
const PAGE_WIDTH: f32 = 1000.0;

/// Recent files listed (the File menu lists them all).
const RECENT_SHOWN: usize = 6;

/// What the welcome page asks for.
enum Cmd {
    /// Close it and show the capture behind it.
    Close,
    Open(Input),
    /// File ▸ Open…: the page stays until a file opens.
    Choose,
    /// Capture ▸ Interfaces…: the page stays until the capture starts.
    Capture,
    Lesson(Lesson),
}

/// What a bundled sample capture shows, in a line (`None`: not a bundled sample).
pub fn sample_text(name: &str) -> Option<&'static str> {
    Some(match name {
        "socketio-chat.pcap" => {
            "a Socket.IO chat: HTTP long-polling, the upgrade to WebSocket, events, an acknowledgement, binary data"
        }
        "tcp-refused.pcap" => "connections to a closed port (IPv4 and IPv6), refused with RST",
        "http-get.pcap" => "one HTTP GET, from the TCP three-way handshake to the teardown",
        "websocket-deflate.pcap" => {
            "a WebSocket session: masked text and binary frames, ping and pong, fragments, compression, close"
        }
        "chat-ws-vs-sio.pcap" => {
            "the same chat twice: over a plain WebSocket, then over Socket.IO with its long-polling start and upgrade"
        }
        _ => return None,
    })
}

/// A bundled sample as the window opens it (the chat sample under the name it has
/// when it is opened with no file).
fn sample_input(name: &'static str, bytes: &'static [u8]) -> Input {
    if bytes == SAMPLE.1 {
        Input::Bytes(SAMPLE.0, SAMPLE.1)
    } else {
        Input::Bytes(name, bytes)
    }
}

impl App {
    /// What the window opens at launch: `file`, or with none the bundled sample,
    /// behind the welcome page.
    pub fn at_launch(&mut self, file: Option<PathBuf>, ctx: &egui::Context) {
        match file {
            Some(p) => self.open(Input::File(p), ctx),
            None => {
                self.open(Input::Bytes(SAMPLE.0, SAMPLE.1), ctx);
                self.welcome = true;
            }
        }
    }

    /// The welcome page is shown.
    pub fn welcome_shown(&self) -> bool {
        self.welcome
    }

    /// Help ▸ Welcome.
    pub(super) fn welcome_menu_ui(&mut self, ui: &mut egui::Ui) {
        if ui.button("Welcome").clicked() {
            self.welcome = true;
            ui.close();
        }
    }

    /// The welcome page in the window's central area.
    pub(super) fn welcome_ui(&mut self, ui: &mut egui::Ui) {
        let mut cmd = None;
        egui::CentralPanel::default().show(ui, |ui| {
            ScrollArea::vertical()
                .id_salt("welcome")
                .auto_shrink(false)
                .show(ui, |ui| {
                    let margin = ((ui.available_width() - PAGE_WIDTH) / 2.0).max(0.0);
                    ui.horizontal(|ui| {
                        ui.add_space(margin);
                        ui.vertical(|ui| {
                            ui.set_max_width(PAGE_WIDTH.min(ui.available_width()));
                            cmd = self.welcome_page_ui(ui);
                        });
                    });
                });
        });
        let typing = ui.ctx().text_edit_focused();
        if !typing && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, Key::Escape)) {
            cmd = Some(Cmd::Close);
        }
        if let Some(c) = cmd {
            self.welcome_cmd(c, &ui.ctx().clone());
        }
    }

    fn welcome_cmd(&mut self, cmd: Cmd, ctx: &egui::Context) {
        match cmd {
            Cmd::Close => self.welcome = false,
            // The capture behind the page: show it rather than load it again.
            Cmd::Open(input) if self.shows(&input) => self.welcome = false,
            Cmd::Open(input) => self.open(input, ctx),
            Cmd::Choose => self.choose(Choosing::Open),
            Cmd::Capture => self.capture.open = true,
            Cmd::Lesson(l) => self.start_lesson(l, ctx),
        }
    }

    /// `input` is the capture shown (or being loaded) behind the page.
    fn shows(&self, input: &Input) -> bool {
        self.source.is_some() && self.opening.is_none() && self.title == input.file_name()
    }

    fn welcome_page_ui(&mut self, ui: &mut egui::Ui) -> Option<Cmd> {
        let mut cmd = None;
        ui.add_space(16.0);
        ui.horizontal_wrapped(|ui| {
            ui.heading(RichText::new(WELCOME_TITLE).size(28.0).strong());
            ui.add_space(16.0);
            if let Some(c) = self.behind_ui(ui) {
                cmd = Some(c);
            }
        });
        ui.label(
            "See network protocols at work: every packet taken apart layer by layer, \
             from Ethernet to Socket.IO, on a capture file or live traffic.",
        );
        ui.add_space(12.0);
        let (start, lesson) = if ui.available_width() >= 640.0 {
            ui.columns(2, |cols| {
                let start = self.start_column_ui(&mut cols[0]);
                (start, lessons_column_ui(&mut cols[1]))
            })
        } else {
            let start = self.start_column_ui(ui);
            ui.add_space(12.0);
            (start, lessons_column_ui(ui))
        };
        cmd.or(start).or(lesson)
    }

    /// The button that closes the page onto the capture behind it.
    fn behind_ui(&self, ui: &mut egui::Ui) -> Option<Cmd> {
        let text = if self.title == SAMPLE.0 {
            "Start with the sample ▸".to_string()
        } else if self.source.is_some() {
            format!("Back to {} ▸", self.title)
        } else {
            return None;
        };
        let hover = "Close this page (Esc); Help ▸ Welcome shows it again";
        let b = egui::Button::new(RichText::new(text).size(16.0));
        ui.add(b)
            .on_hover_text(hover)
            .clicked()
            .then_some(Cmd::Close)
    }

    /// Open a capture, capture live, the recent files and the bundled samples.
    fn start_column_ui(&self, ui: &mut egui::Ui) -> Option<Cmd> {
        let mut cmd = None;
        ui.heading("Start");
        ui.horizontal_wrapped(|ui| {
            let open = egui::Button::new("Open a capture…").shortcut_text("Ctrl+O");
            if ui
                .add(open)
                .on_hover_text("A pcap or pcapng file")
                .clicked()
            {
                cmd = Some(Cmd::Choose);
            }
            let live = ui.button("Capture live…").on_hover_text(
                "Choose interfaces and a capture filter (needs the capture helper's permission)",
            );
            if live.clicked() {
                cmd = Some(Cmd::Capture);
            }
        });
        ui.label("…or drop a pcap or pcapng file on the window.");
        ui.add_space(10.0);
        cmd = self.recent_ui(ui).or(cmd);
        ui.add_space(10.0);
        ui.strong("Bundled samples");
        for &(name, bytes) in lessons::bundled_samples() {
            ui.horizontal_wrapped(|ui| {
                if ui.link(name).clicked() {
                    cmd = Some(Cmd::Open(sample_input(name, bytes)));
                }
                ui.label(RichText::new(sample_text(name).unwrap_or_default()).weak());
            });
        }
        cmd
    }

    /// The files opened last, newest first.
    fn recent_ui(&self, ui: &mut egui::Ui) -> Option<Cmd> {
        ui.strong("Recent files");
        if self.settings.recent.is_empty() {
            ui.label(RichText::new("(none yet)").weak());
        }
        let mut cmd = None;
        for p in self.settings.recent.iter().take(RECENT_SHOWN) {
            let name = p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            ui.horizontal_wrapped(|ui| {
                if ui
                    .link(name)
                    .on_hover_text(p.display().to_string())
                    .clicked()
                {
                    cmd = Some(Cmd::Open(Input::File(p.clone())));
                }
                let mut folder = p
                    .parent()
                    .map_or_else(String::new, |d| d.display().to_string());
                if !p.exists() {
                    folder.push_str(" (not found)");
                }
                ui.label(RichText::new(folder).weak());
            });
        }
        cmd
    }
}

/// The bundled lessons, one a line: a click opens one at its first step.
fn lessons_column_ui(ui: &mut egui::Ui) -> Option<Cmd> {
    let mut cmd = None;
    ui.heading("Lessons");
    ui.label(
        "A guided walk through a real capture, one packet and one field at a time \
         (Next and Back, or the arrow keys). Help ▸ Lessons lists them too.",
    );
    ui.add_space(6.0);
    for l in lessons::bundled() {
        ui.horizontal_wrapped(|ui| {
            let steps = format!("{} steps, on {}", l.steps.len(), l.capture);
            let clicked = ui.link(&l.title).clicked();
            ui.label(RichText::new(steps).weak());
            if clicked {
                cmd = Some(Cmd::Lesson(l.clone()));
            }
        });
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_sample_says_what_it_shows() {
        let samples = lessons::bundled_samples();
        assert!(!samples.is_empty());
        for (name, _) in samples {
            assert!(sample_text(name).is_some(), "{name} has no line");
        }
        assert_eq!(sample_text("nothing.pcap"), None);
    }

    #[test]
    fn the_chat_sample_opens_under_the_launch_name() {
        let chat = (lessons::bundled_samples().iter())
            .find(|(n, _)| *n == "socketio-chat.pcap")
            .expect("bundled");
        match sample_input(chat.0, chat.1) {
            Input::Bytes(name, _) => assert_eq!(name, SAMPLE.0),
            Input::File(_) => panic!("bytes"),
        }
        let other = (lessons::bundled_samples().iter())
            .find(|(n, _)| *n == "http-get.pcap")
            .expect("bundled");
        match sample_input(other.0, other.1) {
            Input::Bytes(name, _) => assert_eq!(name, "http-get.pcap"),
            Input::File(_) => panic!("bytes"),
        }
    }
}
