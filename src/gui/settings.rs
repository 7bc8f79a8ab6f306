//! Settings and recent files, kept between runs as JSON in the user's config
//! folder (`$XDG_CONFIG_HOME/layerscope/settings.json`, else
//! `~/.config/layerscope/settings.json`). A missing or unreadable file gives
//! the defaults; a failed save is reported in the status bar, never fatal.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::model::TimeFormat;

/// Most recent files remembered.
pub const MAX_RECENT: usize = 10;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Settings {
    pub time: TimeFormat,
    /// Layer 7 at the top of the details tree (else layer 1).
    pub top_down: bool,
    pub dark: bool,
    /// Zoom factor (Ctrl +/−), for projectors.
    pub zoom: f32,
    pub recent: Vec<PathBuf>,
    pub show_legend: bool,
    /// Capture filters used, newest first.
    pub capture_filters: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            time: TimeFormat::Relative,
            top_down: true,
            dark: true,
            zoom: 1.0,
            recent: Vec::new(),
            show_legend: false,
            capture_filters: Vec::new(),
        }
    }
}

impl Settings {
    /// Where settings live, if a home or config folder is known.
    pub fn default_path() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("layerscope").join("settings.json"))
    }

    pub fn load(path: &Path) -> Settings {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, text)
    }

    /// Put `path` first in the recent list.
    pub fn add_recent(&mut self, path: &Path) {
        let p = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|r| *r != p);
        self.recent.insert(0, p);
        self.recent.truncate(MAX_RECENT);
    }

    /// Put a capture filter first in the recent list.
    pub fn add_capture_filter(&mut self, filter: &str) {
        let f = filter.trim();
        if f.is_empty() {
            return;
        }
        self.capture_filters.retain(|r| r != f);
        self.capture_filters.insert(0, f.to_string());
        self.capture_filters.truncate(MAX_RECENT);
    }

    /// Zoom in or out by `step`, to a whole percent (steps of 0.1 added to a float
    /// drift: 1.2000000000000002).
    pub fn zoom_by(&mut self, step: f32) {
        self.zoom = ((self.zoom + step) * 100.0).round().clamp(60.0, 300.0) / 100.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_recent_files_stay_unique_and_bounded() {
        let dir = std::env::temp_dir().join(format!("layerscope-settings-{}", std::process::id()));
        let path = dir.join("settings.json");
        let mut s = Settings::default();
        for i in 0..15 {
            s.add_recent(Path::new(&format!("/tmp/f{i}.pcap")));
        }
        s.add_recent(Path::new("/tmp/f3.pcap"));
        assert_eq!(s.recent.len(), MAX_RECENT);
        assert_eq!(s.recent[0], PathBuf::from("/tmp/f3.pcap"));
        assert_eq!(
            s.recent.iter().filter(|p| p.ends_with("f3.pcap")).count(),
            1
        );
        s.zoom_by(10.0);
        assert_eq!(s.zoom, 3.0);
        s.time = TimeFormat::Delta;
        s.save(&path).unwrap();
        assert_eq!(Settings::load(&path), s);
        std::fs::write(&path, "not json").unwrap();
        assert_eq!(Settings::load(&path), Settings::default());
        let _ = std::fs::remove_dir_all(dir);
    }
}
