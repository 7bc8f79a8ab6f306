//! `layerscope handout FILE --stream N -o OUT.html [--svg OUT.svg]`: a page for
//! students about one conversation (its ladder, its steps and the fields explained),
//! and the ladder alone as SVG. `layerscope handout --lesson NAME|FILE.json -o OUT`:
//! the same for a lesson, with the ladder of every conversation its steps visit.

use std::path::{Path, PathBuf};

use super::{load, outcome, CliError, Outcome};
use crate::capture::Capture;
use crate::export::handout::{conversation_handout_of, lesson_handout, Handout};
use crate::lessons::{self, CaptureSource};
use crate::store::Store;

#[derive(clap::Args, Debug)]
pub struct HandoutArgs {
    /// Capture file (pcap or pcapng); `-` reads standard input.
    #[arg(required_unless_present = "lesson")]
    pub file: Option<PathBuf>,
    /// The TCP conversation (`tcp.stream` in filters); may be left out when the
    /// capture has only one.
    #[arg(long, value_name = "N")]
    pub stream: Option<u32>,
    /// A handout of a lesson instead: a bundled lesson's name (`layerscope lessons`
    /// lists them) or a lesson file; its capture is the lesson's own.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["file", "stream"])]
    pub lesson: Option<String>,
    /// Write the handout here: one self-contained HTML page, or Markdown when the name
    /// ends in `.md` (the ladder is then written next to it as NAME.svg, or
    /// NAME-streamN.svg for each of a lesson's conversations).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "OUT.html",
        required_unless_present = "svg"
    )]
    pub output: Option<PathBuf>,
    /// Write the ladder alone as an SVG image here (a lesson's several ladders as
    /// OUT-streamN.svg).
    #[arg(long, value_name = "OUT.svg")]
    pub svg: Option<PathBuf>,
}

pub(super) fn handout(a: &HandoutArgs) -> Result<Outcome, CliError> {
    let (store, h) = match (&a.lesson, &a.file) {
        (Some(name), _) => lesson(name)?,
        (None, Some(file)) => conversation(file, a.stream)?,
        (None, None) => {
            return Err(CliError::Usage(
                "give a capture file, or --lesson NAME".into(),
            ))
        }
    };
    if let Some(out) = &a.output {
        h.save(out).map_err(|e| CliError::Usage(e.to_string()))?;
    }
    if let Some(svg) = &a.svg {
        h.save_ladders(svg)
            .map_err(|e| CliError::Usage(e.to_string()))?;
    }
    Ok(outcome(&store))
}

/// The lesson `name` (bundled, or a file) and its capture.
fn lesson(name: &str) -> Result<(Store, Handout), CliError> {
    let l = lessons::find(name).map_err(|e| CliError::Usage(e.to_string()))?;
    let store = match l.capture_source() {
        Ok(CaptureSource::Bundled(_, bytes)) => {
            Store::build(Capture::from_bytes(bytes.to_vec()).map_err(CliError::Open)?)
        }
        Ok(CaptureSource::File(p)) => load(&p)?,
        Err(e) => return Err(CliError::Usage(e.to_string())),
    };
    let h = lesson_handout(&store, &l);
    Ok((store, h))
}

/// Conversation `stream` of `file` (the only one when `None`).
fn conversation(file: &Path, stream: Option<u32>) -> Result<(Store, Handout), CliError> {
    let store = load(file)?;
    let n = store.analysis.tcp.conversations.len() as u32;
    let stream = match (stream, n) {
        (Some(s), n) if s < n => s,
        (None, 1) => 0,
        (s, n) => {
            let has = match n {
                0 => "it has no TCP conversation".to_string(),
                1 => "it has one: 0".to_string(),
                n => format!(
                    "it has {n}: 0 to {} (`layerscope inspect` shows which)",
                    n - 1
                ),
            };
            let what = s.map_or("choose a TCP stream with --stream N".into(), |s| {
                format!("no TCP stream {s}")
            });
            return Err(CliError::Usage(format!(
                "{what} in {}; {has}",
                file.display()
            )));
        }
    };
    let name = match file.file_name() {
        Some(f) if file != Path::new("-") => f.to_string_lossy().into_owned(),
        _ => "standard input".into(),
    };
    let h = conversation_handout_of(&store, &name, stream);
    Ok((store, h))
}
