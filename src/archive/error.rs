//! What can go wrong with an archive file, said so that the user knows what to do.

use std::path::{Path, PathBuf};

use rusqlite::ffi::ErrorCode;

/// An archive that cannot be opened, read or written. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The file exists but is not an SQLite database.
    #[error(
        "archive {}: not an SQLite database (another program's file, or damaged); nothing was written to it: move it aside, or use another archive file",
        path.display()
    )]
    NotSqlite { path: PathBuf },
    /// An SQLite database, but not one volc-im wrote.
    #[error(
        "archive {}: an SQLite database of another program (it has tables of its own); nothing was written to it: use another archive file",
        path.display()
    )]
    Foreign { path: PathBuf },
    /// Shorter than its own header says.
    #[error(
        "archive {}: truncated ({actual} bytes where its header records {expected}); nothing was written to it: move it aside (keep it, sqlite3's .recover may save its messages) and run again",
        path.display()
    )]
    Truncated {
        path: PathBuf,
        expected: u64,
        actual: u64,
    },
    /// Written by a newer volc-im.
    #[error(
        "archive {}: written by a newer volc-im (schema version {found}, this one knows up to {supported}); nothing was written to it: upgrade volc-im, or move the file aside",
        path.display()
    )]
    Newer {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// SQLite found the file damaged.
    #[error(
        "archive {}: damaged ({reason}); move it aside (keep it, sqlite3's .recover may save its messages) and run again",
        path.display()
    )]
    Damaged { path: PathBuf, reason: String },
    /// The file (or its directory) cannot be written.
    #[error(
        "archive {}: read-only; make it and its directory writable (chmod u+w), or use another archive file",
        path.display()
    )]
    ReadOnly { path: PathBuf },
    /// The disk (or the archive's size limit) is full; the page being stored was not
    /// stored, and everything stored before is intact.
    #[error(
        "archive {}: full (no space left on the disk or the archive's size limit reached); nothing stored before was lost: free some space and run again",
        path.display()
    )]
    Full { path: PathBuf },
    /// Another process held the file locked for longer than the busy timeout.
    #[error(
        "archive {}: busy (another volc-im has held it locked for more than {} s); try again when it is done",
        path.display(), super::BUSY_TIMEOUT.as_secs()
    )]
    Busy { path: PathBuf },
    /// The file or its directory could not be created or read.
    #[error("archive {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Any other SQLite failure.
    #[error("archive {}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

impl ArchiveError {
    /// Reads an SQLite failure on the archive at `path` as what it means to the user.
    pub(crate) fn from_sqlite(path: &Path, source: rusqlite::Error) -> ArchiveError {
        let path = path.to_path_buf();
        match source.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => ArchiveError::NotSqlite { path },
            Some(ErrorCode::DatabaseCorrupt) => ArchiveError::Damaged {
                path,
                reason: sqlite_reason(&source),
            },
            Some(ErrorCode::ReadOnly) | Some(ErrorCode::PermissionDenied) => {
                ArchiveError::ReadOnly { path }
            }
            Some(ErrorCode::DiskFull) => ArchiveError::Full { path },
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
                ArchiveError::Busy { path }
            }
            _ => ArchiveError::Sqlite { path, source },
        }
    }

    /// The file this error is about.
    pub fn path(&self) -> &Path {
        match self {
            ArchiveError::NotSqlite { path }
            | ArchiveError::Foreign { path }
            | ArchiveError::Truncated { path, .. }
            | ArchiveError::Newer { path, .. }
            | ArchiveError::Damaged { path, .. }
            | ArchiveError::ReadOnly { path }
            | ArchiveError::Full { path }
            | ArchiveError::Busy { path }
            | ArchiveError::Io { path, .. }
            | ArchiveError::Sqlite { path, .. } => path,
        }
    }
}

fn sqlite_reason(error: &rusqlite::Error) -> String {
    match error {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        other => other.to_string(),
    }
}
