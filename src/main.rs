//! The `layerscope` binary: a thin shell over [`layerscope::cli`].

fn main() -> std::process::ExitCode {
    layerscope::cli::main()
}
