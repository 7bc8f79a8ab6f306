//! Running `layerscope` as a person does, and reading what it printed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The program built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_layerscope"))
}

/// The program run with `args`, to its end.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("runs")
}

/// The program run with `args` and `input` on its standard input, to its end.
pub fn run_with_input(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    child.wait_with_output().expect("wait")
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
