//! The local archive: one SQLite file holding every message any command fetched,
//! which stretches of each conversation are known complete, and names of
//! conversations and users.
//!
//! The store knows nothing of terminals or of the command line. Export, sync, search
//! and the browser share it through [`Archive`]'s methods. Its tables are a public
//! surface (see the README): users query them with `sqlite3`.

mod archiving;
mod coverage;
mod error;
mod file;
mod pages;
mod positions;
mod read;
mod reading;
mod schema;
mod search;
mod search_index;
mod shared;
mod store;
mod stretches;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

pub use archiving::Archiving;
pub use coverage::{NewerEdge, OlderEdge, Stretch};
pub use error::ArchiveError;
pub use positions::{Figures, TimeLanding};
pub use read::{ArchivedConversation, ArchivedMessage, Position, Side};
pub use reading::{Place, Reading};
pub use search::{SearchHit, SearchPlan, SearchQuery, match_ranges};
pub use shared::SharedArchive;
pub use store::{PageFetch, PageStored};

/// How long a write waits for another process's write to finish before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 64;

/// The bytes the write-ahead log beside the file is cut back to when folded in.
const WAL_SIZE_LIMIT: i64 = 4 * 1024 * 1024;
/// A log up to this long is left beside the file at the end of a command; a
/// longer one is folded in. The next command to open the archive reads the whole
/// log to index it, so a long one would cost every start.
const WAL_KEPT: u64 = 256 * 1024;

/// The archive's file name in the data directory.
pub const FILE_NAME: &str = "archive.sqlite3";
/// The demo's own archive, beside the real one: trying the demo never mixes demo
/// messages among real ones.
pub const DEMO_FILE_NAME: &str = "demo-archive.sqlite3";

/// An open archive file.
pub struct Archive {
    conn: Connection,
    path: PathBuf,
    /// Pages stored in a transaction still open (see [`Archive::store_in_batch`]).
    batch: Option<Batch>,
}

/// A write transaction left open between stores, so that pages stored as they
/// arrive share one commit.
#[derive(Debug, Default)]
struct Batch {
    /// Pages stored in it: lost together if its commit fails.
    pages: u64,
}

impl Drop for Archive {
    fn drop(&mut self) {
        // Its owner ends a batch and reports what that did; one still open here is
        // committed rather than lost.
        let _ = self.end_batch();
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        let long = std::fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_KEPT);
        if long && !self.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true) {
            // Another process reading makes this fail at once rather than wait:
            // the log is then left for a later close.
            let _ = self.conn.busy_timeout(Duration::ZERO);
            let _ = self.checkpoint();
        }
    }
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive").field("path", &self.path).finish()
    }
}

/// Where the archive lives unless configured: `archive.sqlite3` (or the demo's own
/// file) in the platform data directory (`~/.local/share/volc-im/` on Linux).
pub fn default_path(demo: bool) -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "volc-im")?;
    let name = if demo { DEMO_FILE_NAME } else { FILE_NAME };
    Some(dirs.data_dir().join(name))
}

impl Archive {
    /// Opens the archive at `path` for reading and writing, creating it (0600, in a
    /// directory made 0700) when missing and bringing its schema up to date.
    ///
    /// A file that is not SQLite, is truncated, belongs to another program or was
    /// written by a newer volc-im is refused with an error naming it, and nothing is
    /// written to it.
    pub fn open(path: &Path) -> Result<Archive, ArchiveError> {
        no_memory_statistics();
        file::create(path)?;
        file::check(path)?;
        let sqlite = |e| ArchiveError::from_sqlite(path, e);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
        if conn.is_readonly(rusqlite::MAIN_DB).map_err(sqlite)? {
            return Err(ArchiveError::ReadOnly {
                path: path.to_path_buf(),
            });
        }
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
        stable_plans(&conn).map_err(sqlite)?;
        // Room for every statement a page's store and the reads around it use: with
        // the default 16 they pushed each other out and were parsed again per page.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        search_index::register_functions(&conn).map_err(sqlite)?;
        let mut archive = Archive {
            conn,
            path: path.to_path_buf(),
            batch: None,
        };
        archive.refuse_unknown()?;
        let mode: String = archive
            .conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(sqlite)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), mode, "the archive could not switch to WAL");
        }
        // In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits.
        archive
            .conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(sqlite)?;
        // 32 MiB of page cache: index pages of a large archive stay in memory.
        archive
            .conn
            .pragma_update(None, "cache_size", -32_768)
            .map_err(sqlite)?;
        // A short log stays beside the file when the command ends (see `Drop`):
        // folding it in at every exit cost two fsyncs, and the next command created
        // it again. Every commit is as safe either way.
        archive
            .conn
            .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .map_err(sqlite)?;
        archive
            .conn
            .pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)
            .map_err(sqlite)?;
        archive.migrate()?;
        Ok(archive)
    }

    /// Opens an existing archive for reading only: nothing is ever written to it, and
    /// a file from a newer volc-im is refused.
    pub fn open_read_only(path: &Path) -> Result<Archive, ArchiveError> {
        if !path.exists() {
            return Err(ArchiveError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no archive here yet (sync or export first)",
                ),
            });
        }
        file::check(path)?;
        let sqlite = |e| ArchiveError::from_sqlite(path, e);
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
        stable_plans(&conn).map_err(sqlite)?;
        let archive = Archive {
            conn,
            path: path.to_path_buf(),
            batch: None,
        };
        archive.refuse_unknown()?;
        if archive.version()? < schema::current_version() {
            // An older file is read as it is only once it has been brought up to date.
            return Err(ArchiveError::ReadOnly {
                path: path.to_path_buf(),
            });
        }
        Ok(archive)
    }

    /// The file this archive is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Caps the file at about `bytes` (rounded down to whole pages): a store that
    /// would pass it fails with [`ArchiveError::Full`] and stores nothing.
    pub fn set_size_limit(&self, bytes: u64) -> Result<(), ArchiveError> {
        let page_size: i64 = self
            .conn
            .pragma_query_value(None, "page_size", |r| r.get(0))
            .map_err(|e| self.error(e))?;
        let pages = (bytes / page_size.max(1) as u64).max(1) as i64;
        self.conn
            .pragma_update(None, "max_page_count", pages)
            .map_err(|e| self.error(e))
    }

    /// Moves everything committed from the write-ahead log into the file itself (the
    /// log is otherwise folded in as it grows), so that the file alone is the archive.
    pub fn checkpoint(&self) -> Result<(), ArchiveError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(|e| self.error(e))
    }

    /// The schema version of the file.
    fn version(&self) -> Result<i64, ArchiveError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.error(e))
    }

    /// Refuses a file from a newer volc-im, and an SQLite file of another program.
    fn refuse_unknown(&self) -> Result<(), ArchiveError> {
        let found = self.version()?;
        let supported = schema::current_version();
        if found > supported {
            return Err(ArchiveError::Newer {
                path: self.path.clone(),
                found,
                supported,
            });
        }
        if found == 0 {
            let tables: i64 = self
                .conn
                .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
                .map_err(|e| self.error(e))?;
            if tables > 0 {
                return Err(ArchiveError::Foreign {
                    path: self.path.clone(),
                });
            }
        }
        Ok(())
    }

    /// Runs the migration steps the file has not had, as one transaction; another
    /// process migrating at the same moment is waited for.
    fn migrate(&mut self) -> Result<(), ArchiveError> {
        if self.version()? == schema::current_version() {
            return Ok(());
        }
        let path = self.path.clone();
        let sqlite = |e| ArchiveError::from_sqlite(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite)?;
        let from: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sqlite)?;
        if from > schema::current_version() {
            return Err(ArchiveError::Newer {
                path: path.clone(),
                found: from,
                supported: schema::current_version(),
            });
        }
        schema::migrate(&tx, from).map_err(sqlite)?;
        tx.commit().map_err(sqlite)
    }

    fn error(&self, e: rusqlite::Error) -> ArchiveError {
        ArchiveError::from_sqlite(&self.path, e)
    }
}

/// Plans made once per statement. By default SQLite marks a statement for
/// compiling again whenever a bound value it looked at while planning changes,
/// and the statement cache's clearing of bindings counts as a change: the
/// coverage lookups of every page were compiled anew, as costly as the page's
/// own store. The archive has no statistics tables and no `LIKE ?`, so a value
/// never changes a plan here.
fn stable_plans(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map(drop)
}

/// SQLite counts the memory it allocates under a process-wide mutex, on every
/// allocation, for statistics nothing here reads: off, before its first use.
fn no_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int. Called before this
        // process opens its first connection; once SQLite is initialised (another
        // part of the process opened one first) it returns SQLITE_MISUSE and
        // changes nothing, and statistics simply stay on.
        unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::ffi::c_int,
            );
        }
    });
}

/// Milliseconds since the epoch, now.
fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::api::wire::Page;
    use crate::model::{AppId, ConversationId, Cursor, Message};
    use crate::pager::Direction;

    /// The write-ahead log is not folded in at every close: it stays beside the
    /// file, and every later open, for writing or for reading, sees what it holds.
    #[test]
    fn what_a_command_stored_is_read_back_from_the_log_beside_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite3");
        let (app, conversation) = (AppId(1), ConversationId(2));
        {
            let mut archive = Archive::open(&path).unwrap();
            let page = Page {
                has_more: Some(false),
                new_cursor: None,
                messages: (1..=3)
                    .map(|i| {
                        Message::from_value(&json!({
                            "MessageId": i, "IndexInConversation": i, "Content": "hi"
                        }))
                    })
                    .collect(),
            };
            let fetch = PageFetch::new(
                app,
                conversation,
                Direction::NewestFirst,
                Cursor::NEWEST,
                Cursor::NEWEST,
            );
            archive.store_page(&fetch, &page).unwrap();
        }
        let wal = dir.path().join("a.sqlite3-wal");
        assert!(
            std::fs::metadata(&wal).unwrap().len() > 0,
            "closing folded the log in"
        );
        let reader = Archive::open_read_only(&path).unwrap();
        assert_eq!(reader.messages(app, conversation).unwrap().len(), 3);
        drop(reader);
        let archive = Archive::open(&path).unwrap();
        assert_eq!(archive.messages(app, conversation).unwrap().len(), 3);
        archive.checkpoint().unwrap();
        assert_eq!(
            std::fs::metadata(&wal).unwrap().len(),
            0,
            "folded in on demand"
        );
    }

    /// A long log is folded in when the archive is closed, so that the next command
    /// does not read it all at its start.
    #[test]
    fn a_long_log_is_folded_in_at_close() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite3");
        let (app, conversation) = (AppId(1), ConversationId(2));
        let text = "x".repeat(2_000);
        {
            let mut archive = Archive::open(&path).unwrap();
            let messages: Vec<Message> = (1..=400)
                .map(|i| {
                    Message::from_value(&json!({
                        "MessageId": i, "IndexInConversation": i, "Content": text
                    }))
                })
                .collect();
            archive
                .store_messages(app, conversation, &messages)
                .unwrap();
            let wal = std::fs::metadata(dir.path().join("a.sqlite3-wal")).unwrap();
            assert!(wal.len() > WAL_KEPT, "{} bytes of log", wal.len());
        }
        let wal = std::fs::metadata(dir.path().join("a.sqlite3-wal")).map_or(0, |m| m.len());
        assert_eq!(wal, 0);
        let archive = Archive::open_read_only(&path).unwrap();
        assert_eq!(archive.messages(app, conversation).unwrap().len(), 400);
    }
}

#[cfg(test)]
mod statement_tests {
    use serde_json::json;

    use super::*;
    use crate::api::wire::Page;
    use crate::model::{AppId, ConversationId, Cursor, Message};
    use crate::pager::Direction;

    /// Times the connection's prepared statements were compiled again since they
    /// were first prepared, added up.
    fn reprepares(archive: &Archive) -> i32 {
        let mut total = 0;
        // SAFETY: the handle is the archive's own open connection, used on this
        // thread only; sqlite3_next_stmt and sqlite3_stmt_status only read.
        unsafe {
            let db = archive.conn.handle();
            let mut stmt = rusqlite::ffi::sqlite3_next_stmt(db, std::ptr::null_mut());
            while !stmt.is_null() {
                total += rusqlite::ffi::sqlite3_stmt_status(
                    stmt,
                    rusqlite::ffi::SQLITE_STMTSTATUS_REPREPARE,
                    0,
                );
                stmt = rusqlite::ffi::sqlite3_next_stmt(db, stmt);
            }
        }
        total
    }

    /// A page's store runs cached statements as they were compiled: binding the
    /// next page's values does not make SQLite compile them again (each compile
    /// cost about as much as the page's own work).
    #[test]
    fn storing_page_after_page_compiles_no_statement_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
        let (app, conversation) = (AppId(1), ConversationId(2));
        let mut cursor = Cursor::NEWEST;
        for p in (0..6i64).rev() {
            let page = Page {
                has_more: Some(p > 0),
                new_cursor: (p > 0).then_some(Cursor(p * 20)),
                messages: (p * 20 + 1..=p * 20 + 20)
                    .rev()
                    .map(|i| {
                        Message::from_value(&json!({
                            "MessageId": 1000 + i, "IndexInConversation": i,
                            "CreateTime": 1_700_000_000_000i64 + i, "Content": "hi"
                        }))
                    })
                    .collect(),
            };
            let fetch = PageFetch::new(
                app,
                conversation,
                Direction::NewestFirst,
                cursor,
                Cursor::NEWEST,
            );
            let pages = [(fetch, page)];
            for stored in archive.store_pages(&pages).unwrap() {
                stored.unwrap();
            }
            // The same page again: every message found archived as it is.
            for stored in archive.store_pages(&pages).unwrap() {
                stored.unwrap();
            }
            cursor = Cursor(p * 20);
        }
        assert_eq!(archive.messages(app, conversation).unwrap().len(), 120);
        assert_eq!(reprepares(&archive), 0);
    }
}
