//! `layerscope handout FILE --stream N -o OUT.html [--svg OUT.svg]`: a page for
//! students about one conversation (its ladder, its steps and the fields explained),
//! and the ladder alone as SVG.

use std::fs;
use std::path::{Path, PathBuf};

use super::{load, outcome, CliError, Outcome};
use crate::export::handout::conversation_handout_of;
use crate::export::svg::ladder_svg;

#[derive(clap::Args, Debug)]
pub struct HandoutArgs {
    /// Capture file (pcap or pcapng); `-` reads standard input.
    pub file: PathBuf,
    /// The TCP conversation (`tcp.stream` in filters); may be left out when the
    /// capture has only one.
    #[arg(long, value_name = "N")]
    pub stream: Option<u32>,
    /// Write the handout here: one self-contained HTML page, or Markdown when the name
    /// ends in `.md` (the ladder is then written next to it as NAME.svg).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "OUT.html",
        required_unless_present = "svg"
    )]
    pub output: Option<PathBuf>,
    /// Write the ladder alone as an SVG image here.
    #[arg(long, value_name = "OUT.svg")]
    pub svg: Option<PathBuf>,
}

pub(super) fn handout(a: &HandoutArgs) -> Result<Outcome, CliError> {
    let store = load(&a.file)?;
    let n = store.analysis.tcp.conversations.len() as u32;
    let stream = match (a.stream, n) {
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
                a.file.display()
            )));
        }
    };
    let name = match a.file.file_name() {
        Some(f) if a.file != Path::new("-") => f.to_string_lossy().into_owned(),
        _ => "standard input".into(),
    };
    if let Some(out) = &a.output {
        let h = conversation_handout_of(&store, &name, stream);
        if out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md"))
        {
            let svg_path = out.with_extension("svg");
            let href = svg_path
                .file_name()
                .map_or("ladder.svg".into(), |f| f.to_string_lossy());
            write(&svg_path, &h.ladder_svg)?;
            write(out, &h.markdown(&href))?;
        } else {
            write(out, &h.html())?;
        }
    }
    if let Some(svg) = &a.svg {
        write(svg, &ladder_svg(&store, stream))?;
    }
    Ok(outcome(&store))
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    fs::write(path, text).map_err(|e| {
        CliError::Usage(format!(
            "cannot write {}: {e}; check that its folder exists and is writable",
            path.display()
        ))
    })
}
