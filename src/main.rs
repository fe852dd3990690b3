//! The `volc-im` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    volc_im::cli::main()
}
