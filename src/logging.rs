//! Logs go to a file in the platform's state (or data) directory, never to the
//! screen: the terminal belongs to the UI and to the command's output.

use std::path::PathBuf;

use tracing::Level;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

use crate::log_escape::EscapeControls;

/// The environment variable that sets the log filter (`tracing` syntax), e.g. `debug`.
pub const LOG_ENV: &str = "VOLC_IM_LOG";

/// The log file's name.
pub const LOG_FILE: &str = "volc-im.log";

/// Log lines the writer thread may hold before further lines are dropped. The
/// default (128,000) is allocated up front at every start, for a program that logs a
/// handful of lines per command.
const BUFFERED_LINES: usize = 1024;

/// Opens the log file for appending, created readable by its owner only (it names
/// endpoints, access key ids and conversations), an existing one's permissions
/// narrowed.
fn open_private(path: &std::path::Path) -> Option<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path).ok()?;
        let wide = file
            .metadata()
            .is_ok_and(|m| m.permissions().mode() & 0o777 != 0o600);
        if wide {
            let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
        }
        Some(file)
    }
    #[cfg(not(unix))]
    options.open(path).ok()
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
    let file = open_private(&dir.join(LOG_FILE))?;
    let (writer, guard) = if background {
        let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
            .buffered_lines_limit(BUFFERED_LINES)
            .lossy(true)
            .finish(file);
        (BoxMakeWriter::new(EscapeControls(writer)), Some(guard))
    } else {
        let file = std::sync::Mutex::new(file);
        (BoxMakeWriter::new(EscapeControls(file)), None)
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(writer);
    // The default needs no directive parser: a filter by target does.
    let filtered = match EnvFilter::try_from_env(LOG_ENV) {
        Ok(filter) => layer.with_filter(filter).boxed(),
        Err(_) => layer
            .with_filter(Targets::new().with_target("volc_im", Level::INFO))
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(filtered)
        .try_init()
        .ok()?;
    guard
}
