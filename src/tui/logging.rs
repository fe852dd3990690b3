//! The browser's log goes to a file, never to the screen.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// The environment variable with the log filter, e.g. `volc_im=debug`.
pub const LOG_ENV: &str = "VOLC_IM_LOG";
/// The log file's name.
pub const LOG_FILE: &str = "volc-im.log";

/// The platform's state directory for volc-im (data directory where there is none).
pub fn default_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "volc-im")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// Starts logging to a file in `dir` (or [`default_dir`]). When a logger is already
/// installed (the caller set one up), that one is kept. The guard flushes on drop.
pub fn init(dir: Option<PathBuf>) -> Option<WorkerGuard> {
    if tracing::dispatcher::has_been_set() {
        return None;
    }
    let dir = dir.or_else(default_dir)?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, LOG_FILE);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter =
        EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("volc_im=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
