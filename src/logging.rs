//! Logs go to a file in the platform's state (or data) directory, never to the
//! screen: the terminal belongs to the UI and to the command's output.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// The environment variable that sets the log filter (`tracing` syntax), e.g. `debug`.
pub const LOG_ENV: &str = "VOLC_IM_LOG";

/// The log file's name.
pub const LOG_FILE: &str = "volc-im.log";

/// Log lines the writer thread may hold before further lines are dropped. The
/// default (128,000) is allocated up front at every start, for a program that logs a
/// handful of lines per command.
const BUFFERED_LINES: usize = 1024;

/// Creates the log file readable by its owner only (it names endpoints, access key
/// ids and conversations), or narrows an existing one's permissions.
fn make_private(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path);
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The directory logs are written to (Linux: `~/.local/state/volc-im`).
fn log_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "volc-im")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// Starts logging to `volc-im.log` in [`log_dir`]. With `background`, lines are
/// written by a thread of their own, so that the caller never waits for the disk
/// (the browser, which draws between events); without, each line is written as it
/// is logged, which for a command logging a handful of lines saves starting a
/// thread. Returns the guard that flushes a background log when dropped; `None`
/// without `background`, or when no log file could be opened (then nothing is
/// logged: the screen is never used for logs).
pub fn init(background: bool) -> Option<WorkerGuard> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    make_private(&dir.join(LOG_FILE));
    let appender = tracing_appender::rolling::never(&dir, LOG_FILE);
    let filter =
        EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("volc_im=info"));
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    if !background {
        log.with_writer(crate::log_escape::EscapeControls(appender))
            .try_init()
            .ok()?;
        return None;
    }
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .lossy(true)
        .finish(appender);
    log.with_writer(crate::log_escape::EscapeControls(writer))
        .try_init()
        .ok()?;
    Some(guard)
}
