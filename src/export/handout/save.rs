//! Writing a [`Handout`] to files: the HTML page, or Markdown with its ladders beside it.

use std::path::{Path, PathBuf};

use super::Handout;

/// A handout file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {error}; check that its folder exists and is writable", path.display())]
pub struct SaveError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

fn write_file(path: &Path, text: &str) -> Result<(), SaveError> {
    std::fs::write(path, text).map_err(|error| SaveError {
        path: path.to_path_buf(),
        error,
    })
}

impl Handout {
    /// Write it to `out`: one HTML page, or Markdown when the name ends in `.md`, its
    /// ladders then written beside it as [`Handout::save_ladders`] names them. Returns
    /// the files written, the page last.
    pub fn save(&self, out: &Path) -> Result<Vec<PathBuf>, SaveError> {
        let markdown = out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md"));
        if !markdown {
            write_file(out, &self.html())?;
            return Ok(vec![out.to_path_buf()]);
        }
        let mut written = self.save_ladders(&out.with_extension("svg"))?;
        let hrefs: Vec<String> = (written.iter())
            .map(|p| {
                p.file_name()
                    .map_or("ladder.svg".into(), |f| f.to_string_lossy().into_owned())
            })
            .collect();
        write_file(out, &self.markdown(&hrefs))?;
        written.push(out.to_path_buf());
        Ok(written)
    }

    /// Write each ladder as an SVG image: at `out` when there is one, at
    /// `NAME-streamN.svg` beside it when there are several. Returns the files written.
    pub fn save_ladders(&self, out: &Path) -> Result<Vec<PathBuf>, SaveError> {
        let stem = out
            .file_stem()
            .map_or("ladder".into(), |s| s.to_string_lossy().into_owned());
        let mut written = Vec::new();
        for l in &self.ladders {
            let path = match self.ladders.len() {
                1 => out.to_path_buf(),
                _ => out.with_file_name(format!("{stem}-stream{}.svg", l.conversation)),
            };
            write_file(&path, &l.svg)?;
            written.push(path);
        }
        Ok(written)
    }
}
