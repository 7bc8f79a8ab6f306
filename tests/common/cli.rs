//! Running `layerscope` as a person does, and reading what it printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The program built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_layerscope"))
}

/// The program run with `args`, to its end.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("runs")
}

/// `samples/NAME`.
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
