//! The `volc-im` binary: everything lives in the library.

/// Exporting allocates and frees a few small blocks per message (the received
/// JSON, its typed view): mimalloc does that in a fraction of the system
/// allocator's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    volc_im::cli::main()
}
