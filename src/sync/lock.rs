//! One sync per conversation at a time, across processes: a lock file per
//! conversation beside the archive, held (by the operating system, so a killed
//! process never leaves it held) while the conversation syncs.

use std::fs::{DirBuilder, File, OpenOptions, TryLockError};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::model::{AppId, ConversationId};

/// A held lock on one conversation's sync; released when dropped.
#[derive(Debug)]
pub struct ConversationLock {
    _file: File,
}

/// A lock that could not be taken.
#[derive(Debug, thiserror::Error)]
#[error("cannot lock {}: {source}", path.display())]
pub struct LockError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

/// The directory of lock files of the archive at `archive`.
pub fn lock_dir(archive: &Path) -> PathBuf {
    let mut name = archive.file_name().unwrap_or_default().to_os_string();
    name.push(".locks");
    archive.with_file_name(name)
}

impl ConversationLock {
    /// Takes the lock at once, or `Ok(None)` when another process holds it.
    pub fn try_acquire(
        archive: &Path,
        app: AppId,
        conversation: ConversationId,
    ) -> Result<Option<ConversationLock>, LockError> {
        let (path, file) = open(archive, app, conversation)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(ConversationLock::held(file))),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(source)) => Err(LockError { path, source }),
        }
    }

    /// Waits for the lock (on a blocking thread).
    pub async fn acquire(
        archive: &Path,
        app: AppId,
        conversation: ConversationId,
    ) -> Result<ConversationLock, LockError> {
        let (path, file) = open(archive, app, conversation)?;
        let waited = tokio::task::spawn_blocking(move || file.lock().map(|()| file)).await;
        match waited {
            Ok(Ok(file)) => Ok(ConversationLock::held(file)),
            Ok(Err(source)) => Err(LockError { path, source }),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    fn held(mut file: File) -> ConversationLock {
        // Who holds it, for a person looking at the file; the lock itself is the OS's.
        let _ = file.set_len(0);
        let _ = writeln!(file, "{}", std::process::id());
        ConversationLock { _file: file }
    }
}

fn open(
    archive: &Path,
    app: AppId,
    conversation: ConversationId,
) -> Result<(PathBuf, File), LockError> {
    let dir = lock_dir(archive);
    let path = dir.join(format!("{app}-{conversation}.lock"));
    let fail = |source| LockError {
        path: path.clone(),
        source,
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(fail)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(fail)?;
    Ok((path, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("archive.sqlite3");
        let (app, conv) = (AppId(1), ConversationId(2));
        let first = ConversationLock::try_acquire(&archive, app, conv)
            .unwrap()
            .expect("free");
        assert!(
            ConversationLock::try_acquire(&archive, app, conv)
                .unwrap()
                .is_none()
        );
        assert!(
            ConversationLock::try_acquire(&archive, app, ConversationId(3))
                .unwrap()
                .is_some(),
            "another conversation is not locked"
        );
        drop(first);
        assert!(
            ConversationLock::try_acquire(&archive, app, conv)
                .unwrap()
                .is_some()
        );
    }
}
