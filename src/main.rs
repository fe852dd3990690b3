//! The `volc-im` binary: everything lives in the library.

/// Exporting allocates and frees a few small blocks per message (the received
/// JSON, its typed view): mimalloc does that in a fraction of the system
/// allocator's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    volc_im::cli::main()
}

/// Run by the loader before any constructor, so before mimalloc's first touch of
/// its heap.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".preinit_array")]
static NO_HUGE_PAGES: extern "C" fn() = no_huge_pages;

/// mimalloc asks for transparent huge pages for its heap, and the kernel then
/// clears 2 MiB at the first touch of each: a tenth of a short export's CPU in
/// `perf`, for a process whose whole heap is a few MiB.
#[cfg(target_os = "linux")]
extern "C" fn no_huge_pages() {
    // SAFETY: prctl(PR_SET_THP_DISABLE) only sets a flag of this process; it
    // takes no pointers. Failure (an old kernel) leaves huge pages on, harmlessly.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
