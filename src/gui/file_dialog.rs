//! Choosing a file: the desktop's own dialog when there is one (`zenity` or
//! `kdialog`, run as a child process so no portal or toolkit crate is linked
//! in), and otherwise a small built-in browser drawn with egui. A plain X11
//! box with neither still gets a working File ▸ Open.

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

/// The built-in browser's state.
#[derive(Debug)]
pub struct Browser {
    pub dir: PathBuf,
    pub name: String,
    pub save: bool,
    pub error: Option<String>,
    entries: Vec<(String, bool)>,
}

impl Browser {
    pub fn new(dir: PathBuf, save: bool) -> Browser {
        let mut b = Browser {
            dir,
            name: String::new(),
            save,
            error: None,
            entries: Vec::new(),
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
                    let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
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

    /// Draw it; `Some(Some(path))` when chosen, `Some(None)` when cancelled.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<Option<PathBuf>> {
        let mut result = None;
        ui.horizontal(|ui| {
            if ui.button("⬆ Up").clicked() {
                if let Some(p) = self.dir.parent() {
                    self.dir = p.to_path_buf();
                    self.refresh();
                }
            }
            ui.label(self.dir.display().to_string());
        });
        if let Some(e) = &self.error {
            ui.colored_label(egui::Color32::from_rgb(0xd9, 0x4f, 0x3c), e);
        }
        let mut go = None;
        egui::ScrollArea::vertical()
            .max_height(320.0)
            .show(ui, |ui| {
                for (name, is_dir) in &self.entries {
                    let capture = [".pcap", ".pcapng", ".cap", ".ntar"]
                        .iter()
                        .any(|x| name.ends_with(x));
                    let label = if *is_dir {
                        format!("📁 {name}")
                    } else {
                        name.clone()
                    };
                    let r = ui.selectable_label(self.name == *name, label);
                    if r.clicked() {
                        if *is_dir {
                            go = Some(self.dir.join(name));
                        } else {
                            self.name = name.clone();
                        }
                    }
                    if r.double_clicked() && !is_dir && (capture || self.save) {
                        result = Some(Some(self.dir.join(name)));
                    }
                }
            });
        if let Some(d) = go {
            self.dir = d;
            self.refresh();
        }
        ui.horizontal(|ui| {
            ui.label("File:");
            ui.text_edit_singleline(&mut self.name);
            let verb = if self.save { "Save" } else { "Open" };
            if ui
                .add_enabled(!self.name.is_empty(), egui::Button::new(verb))
                .clicked()
            {
                result = Some(Some(self.dir.join(&self.name)));
            }
            if ui.button("Cancel").clicked() {
                result = Some(None);
            }
        });
        result
    }
}
