//! Choosing a file: the desktop's own dialog when there is one (`zenity` or
//! `kdialog`, run as a child process so no portal or toolkit crate is linked
//! in), and otherwise a small built-in browser drawn with egui. A plain X11
//! box with neither still gets a working File ▸ Open: folders and captures
//! listed (other files at a tick), Enter in the name box opens, folder icons
//! painted (the bundled fonts have no folder glyph).

use std::path::{Path, PathBuf};
use std::process::Command;

/// No desktop dialog program could be run: use the built-in browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoDialog;

/// What the desktop dialog answered: a path, or `None` when cancelled.
pub type Answer = Result<Option<PathBuf>, NoDialog>;

/// Ask the desktop's dialog.
pub fn native(save: bool, start: &Path) -> Answer {
    let start = start.display().to_string();
    let attempts: [(&str, Vec<String>); 2] = [
        (
            "zenity",
            [
                vec!["--file-selection".to_string()],
                if save {
                    vec!["--save".into(), "--confirm-overwrite".into()]
                } else {
                    vec![]
                },
                vec![
                    format!("--filename={start}/"),
                    "--file-filter=Captures | *.pcap *.pcapng *.cap *.ntar".into(),
                    "--file-filter=All files | *".into(),
                ],
            ]
            .concat(),
        ),
        (
            "kdialog",
            vec![
                if save {
                    "--getsavefilename"
                } else {
                    "--getopenfilename"
                }
                .to_string(),
                start,
                "*.pcap *.pcapng *.cap|Captures".into(),
            ],
        ),
    ];
    for (prog, args) in attempts {
        match Command::new(prog).args(&args).output() {
            Ok(out) if out.status.success() => {
                let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
                return Ok((!s.is_empty()).then(|| PathBuf::from(s)));
            }
            // Ran and was cancelled (exit 1), or could not show itself (no display).
            Ok(out) if out.status.code() == Some(1) => return Ok(None),
            _ => continue,
        }
    }
    Err(NoDialog)
}

/// The names a capture file has (compressed captures are not read).
pub const CAPTURE_EXTENSIONS: [&str; 4] = ["pcap", "pcapng", "cap", "ntar"];

/// Whether `name` is named like a capture file.
pub fn is_capture(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.rsplit_once('.')).is_some_and(|(_, ext)| CAPTURE_EXTENSIONS.contains(&ext))
}

/// The built-in browser's state.
#[derive(Debug)]
pub struct Browser {
    pub dir: PathBuf,
    pub name: String,
    pub save: bool,
    pub error: Option<String>,
    /// List every file, not only captures.
    pub all_files: bool,
    /// Folders first, then files, each by name: (name, is a folder).
    entries: Vec<(String, bool)>,
    /// The name box has had the keyboard once.
    focused: bool,
}

impl Browser {
    pub fn new(dir: PathBuf, save: bool) -> Browser {
        let mut b = Browser {
            dir,
            name: String::new(),
            save,
            error: None,
            all_files: false,
            entries: Vec::new(),
            focused: false,
        };
        b.refresh();
        b
    }

    fn refresh(&mut self) {
        self.entries.clear();
        self.error = None;
        match std::fs::read_dir(&self.dir) {
            Ok(rd) => {
                for e in rd.flatten().take(10_000) {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if name.starts_with('.') {
                        continue;
                    }
                    // Through symbolic links: a link to a folder is a folder.
                    let is_dir = e.path().is_dir();
                    self.entries.push((name, is_dir));
                }
                self.entries.sort_by(|a, b| {
                    b.1.cmp(&a.1)
                        .then(a.0.to_lowercase().cmp(&b.0.to_lowercase()))
                });
            }
            Err(e) => self.error = Some(format!("cannot read {}: {e}", self.dir.display())),
        }
    }

    fn go(&mut self, dir: PathBuf) {
        self.dir = dir;
        self.refresh();
    }

    /// Draw it; `Some(Some(path))` when chosen, `Some(None)` when cancelled.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<Option<PathBuf>> {
        ui.horizontal(|ui| {
            if ui.button("⬆ Up").clicked() {
                if let Some(p) = self.dir.parent() {
                    self.go(p.to_path_buf());
                }
            }
            ui.label(self.dir.display().to_string());
        });
        if let Some(e) = &self.error {
            ui.colored_label(egui::Color32::from_rgb(0xd9, 0x4f, 0x3c), e);
        }
        let mut result = self.list_ui(ui);
        ui.checkbox(&mut self.all_files, "All files")
            .on_hover_text("Show every file, not only captures (.pcap, .pcapng, .cap, .ntar)");
        if let Some(r) = self.name_ui(ui) {
            result = Some(r);
        }
        result
    }

    /// The folders and files; a click on a folder opens it, a double click on a file
    /// chooses it.
    fn list_ui(&mut self, ui: &mut egui::Ui) -> Option<Option<PathBuf>> {
        let mut result = None;
        let mut go = None;
        egui::ScrollArea::vertical()
            .max_height(320.0)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                for (name, is_dir) in &self.entries {
                    if !is_dir && !self.all_files && !is_capture(name) {
                        continue;
                    }
                    let r = ui
                        .horizontal(|ui| {
                            icon_ui(ui, *is_dir);
                            ui.selectable_label(self.name == *name, name)
                        })
                        .inner;
                    if r.clicked() {
                        if *is_dir {
                            go = Some(self.dir.join(name));
                        } else {
                            self.name = name.clone();
                        }
                    }
                    if r.double_clicked() && !is_dir {
                        result = Some(Some(self.dir.join(name)));
                    }
                }
            });
        if let Some(d) = go {
            self.go(d);
        }
        result
    }

    /// The name box and the buttons. Enter in the box chooses the file, or opens the
    /// folder it names.
    fn name_ui(&mut self, ui: &mut egui::Ui) -> Option<Option<PathBuf>> {
        let mut result = None;
        ui.horizontal(|ui| {
            let label = ui.label("File:");
            let r = ui
                .text_edit_singleline(&mut self.name)
                .labelled_by(label.id);
            if !self.focused {
                r.request_focus();
                self.focused = true;
            }
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let verb = if self.save { "Save" } else { "Open" };
            let button = ui
                .add_enabled(!self.name.is_empty(), egui::Button::new(verb))
                .clicked();
            if (button || enter) && !self.name.is_empty() {
                let path = self.dir.join(&self.name);
                if path.is_dir() {
                    self.name.clear();
                    self.go(path);
                    r.request_focus();
                } else {
                    result = Some(Some(path));
                }
            }
            if ui.button("Cancel").clicked() {
                result = Some(None);
            }
        });
        result
    }
}

/// A folder (painted: the bundled fonts have no folder glyph) or the room of one.
fn icon_ui(ui: &mut egui::Ui, folder: bool) {
    let h = ui.text_style_height(&egui::TextStyle::Body);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(h * 1.2, h), egui::Sense::hover());
    if !folder {
        return;
    }
    let colour = egui::Color32::from_rgb(0xd9, 0xa4, 0x3e);
    let body = egui::Rect::from_min_max(
        rect.left_top() + egui::vec2(0.0, h * 0.25),
        rect.right_bottom() - egui::vec2(0.0, h * 0.08),
    );
    let tab = egui::Rect::from_min_size(
        rect.left_top() + egui::vec2(0.0, h * 0.1),
        egui::vec2(rect.width() * 0.45, h * 0.3),
    );
    let p = ui.painter();
    p.rect_filled(tab, 1.5, colour);
    p.rect_filled(body, 2.0, colour);
}
