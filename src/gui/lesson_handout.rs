//! The lesson bar's Handout…: the lesson in progress saved as a page for students, the
//! same as `layerscope handout --lesson` writes ([`crate::export::handout::lesson_handout`]):
//! HTML, or Markdown with the ladders beside it when the name ends in `.md`.

use std::path::Path;

use super::App;
use crate::export::handout::lesson_handout;

impl App {
    /// Save the lesson in progress as a handout at `path`; the status line says what
    /// was written, or why not.
    pub fn save_lesson_handout(&mut self, path: &Path) {
        let Some(l) = &self.lesson else {
            self.status = Some("no lesson is open: Help ▸ Lessons opens one".into());
            return;
        };
        let Some(store) = self.store().filter(|_| !self.is_loading()) else {
            self.status =
                Some("wait for the lesson's capture to load, then save the handout".into());
            return;
        };
        let h = lesson_handout(store, &l.lesson);
        self.status = Some(match h.save(path) {
            Ok(files) if files.len() > 1 => format!(
                "saved the handout of “{}” to {}, its ladders beside it ({} SVG images)",
                l.lesson.title,
                path.display(),
                files.len() - 1
            ),
            Ok(_) => format!(
                "saved the handout of “{}” to {}",
                l.lesson.title,
                path.display()
            ),
            Err(e) => e.to_string(),
        });
    }
}
