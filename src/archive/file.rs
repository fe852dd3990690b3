//! The archive file before SQLite sees it: its directory and mode, and a look at its
//! header so that a file that is not ours, or is cut short, is never written to.
//!
//! A file shorter than its header says is not always cut short: a checkpoint
//! (SQLite copying the write-ahead log into the file) interrupted by a kill or a
//! power cut writes page 1 before the pages past the old end, and leaves the log
//! beside the file holding every one of them. SQLite recovers from that at opening,
//! so a file with such a log beside it is left to SQLite.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{ErrorKind, Read};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use super::ArchiveError;

const MAGIC: &[u8; 16] = b"SQLite format 3\0";
const HEADER_LEN: usize = 100;
/// A write-ahead log starts with a 32-byte header whose first word is one of these
/// (the two checksum byte orders), then frames of a 24-byte header and one page.
const WAL_MAGIC: [u32; 2] = [0x377f_0682, 0x377f_0683];
const WAL_HEADER_LEN: usize = 32;
const WAL_FRAME_HEADER_LEN: u64 = 24;

/// Creates the file's directory (0700) and the file itself (0600) when missing. An
/// existing directory or file keeps its mode.
pub(crate) fn create(path: &Path) -> Result<(), ArchiveError> {
    let io = |source| ArchiveError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io)?;
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) if e.kind() == ErrorKind::PermissionDenied => Err(ArchiveError::ReadOnly {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(io(e)),
    }
}

/// Checks that an existing file is empty (a new archive) or an SQLite database as
/// long as its header says, or shorter with a write-ahead log holding frames beside
/// it (a checkpoint cut short, which SQLite completes).
pub(crate) fn check(path: &Path) -> Result<(), ArchiveError> {
    let io = |source| ArchiveError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let actual = file.metadata().map_err(io)?.len();
    let mut header = Vec::with_capacity(HEADER_LEN);
    (&mut file)
        .take(HEADER_LEN as u64)
        .read_to_end(&mut header)
        .map_err(io)?;
    let checked = match check_header(&header, actual) {
        Err(Problem::Truncated { .. })
            if header.len() == HEADER_LEN && wal_has_frames(path, &header) =>
        {
            Ok(())
        }
        other => other,
    };
    checked.map_err(|problem| match problem {
        Problem::NotSqlite => ArchiveError::NotSqlite {
            path: path.to_path_buf(),
        },
        Problem::Truncated { expected } => ArchiveError::Truncated {
            path: path.to_path_buf(),
            expected,
            actual,
        },
    })
}

/// Whether the log beside `path` is a write-ahead log (by its header) holding at
/// least one whole frame of the page size `header` names. Any doubt (no log, an
/// unreadable or foreign one) answers no, and the file is refused as truncated.
fn wal_has_frames(path: &Path, header: &[u8]) -> bool {
    let Some(page_size) = page_size(header) else {
        return false;
    };
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let Ok(mut file) = File::open(&wal) else {
        return false;
    };
    let Ok(len) = file.metadata().map(|m| m.len()) else {
        return false;
    };
    let mut head = [0u8; WAL_HEADER_LEN];
    if len < WAL_HEADER_LEN as u64 + WAL_FRAME_HEADER_LEN + page_size
        || file.read_exact(&mut head).is_err()
    {
        return false;
    }
    let magic = u32::from_be_bytes(head[..4].try_into().expect("4 bytes"));
    let wal_page_size = u32::from_be_bytes(head[8..12].try_into().expect("4 bytes"));
    WAL_MAGIC.contains(&magic) && u64::from(wal_page_size) == page_size
}

/// The page size the header names, or `None` for one SQLite never writes.
fn page_size(header: &[u8]) -> Option<u64> {
    match u16::from_be_bytes([header[16], header[17]]) {
        1 => Some(65_536),
        n if n >= 512 && n.is_power_of_two() => Some(u64::from(n)),
        _ => None,
    }
}

#[derive(Debug, PartialEq)]
enum Problem {
    NotSqlite,
    Truncated { expected: u64 },
}

fn check_header(header: &[u8], len: u64) -> Result<(), Problem> {
    if header.is_empty() {
        return Ok(());
    }
    if header.len() < HEADER_LEN {
        return Err(if MAGIC.starts_with(header) || header.starts_with(MAGIC) {
            Problem::Truncated {
                expected: HEADER_LEN as u64,
            }
        } else {
            Problem::NotSqlite
        });
    }
    if &header[..16] != MAGIC {
        return Err(Problem::NotSqlite);
    }
    let Some(page_size) = page_size(header) else {
        return Err(Problem::NotSqlite);
    };
    let pages = u32::from_be_bytes(header[28..32].try_into().expect("4 bytes"));
    // The page count is valid only when the change counter matches the version-valid-for number.
    let count_valid = header[24..28] == header[92..96];
    let expected = if count_valid {
        u64::from(pages) * page_size
    } else {
        page_size
    };
    if len < expected || !len.is_multiple_of(page_size) {
        return Err(Problem::Truncated {
            expected: expected.max(len.div_ceil(page_size) * page_size),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(page_size: u16, pages: u32) -> Vec<u8> {
        let mut h = vec![0u8; HEADER_LEN];
        h[..16].copy_from_slice(MAGIC);
        h[16..18].copy_from_slice(&page_size.to_be_bytes());
        h[24..28].copy_from_slice(&7u32.to_be_bytes());
        h[28..32].copy_from_slice(&pages.to_be_bytes());
        h[92..96].copy_from_slice(&7u32.to_be_bytes());
        h
    }

    #[test]
    fn an_empty_file_is_a_new_archive() {
        assert_eq!(check_header(&[], 0), Ok(()));
    }

    #[test]
    fn a_whole_database_passes() {
        assert_eq!(check_header(&header(4096, 3), 3 * 4096), Ok(()));
    }

    #[test]
    fn other_files_are_not_sqlite() {
        assert_eq!(check_header(b"{\"a\": 1}\n", 9), Err(Problem::NotSqlite));
        let mut text = vec![b'x'; HEADER_LEN];
        text[..5].copy_from_slice(b"hello");
        assert_eq!(check_header(&text, 4096), Err(Problem::NotSqlite));
    }

    /// A file of one page whose header counts three, and beside it a log of
    /// `frames` frames of `page_size`-byte pages.
    fn short_file_with_log(frames: u64, page_size: u32) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite3");
        let mut file = header(4096, 3);
        file.resize(4096, 0);
        std::fs::write(&path, &file).unwrap();
        let mut wal = vec![0u8; WAL_HEADER_LEN];
        wal[..4].copy_from_slice(&WAL_MAGIC[0].to_be_bytes());
        wal[8..12].copy_from_slice(&page_size.to_be_bytes());
        wal.resize(
            WAL_HEADER_LEN + (frames * (WAL_FRAME_HEADER_LEN + u64::from(page_size))) as usize,
            0,
        );
        std::fs::write(dir.path().join("a.sqlite3-wal"), &wal).unwrap();
        (dir, path)
    }

    #[test]
    fn a_short_file_is_left_to_sqlite_only_with_frames_of_its_page_size_beside_it() {
        let (_dir, path) = short_file_with_log(2, 4096);
        assert!(check(&path).is_ok());
        let (_dir, path) = short_file_with_log(0, 4096);
        assert!(matches!(check(&path), Err(ArchiveError::Truncated { .. })));
        let (_dir, path) = short_file_with_log(2, 1024);
        assert!(matches!(check(&path), Err(ArchiveError::Truncated { .. })));
    }

    #[test]
    fn a_short_file_is_truncated() {
        assert_eq!(
            check_header(&header(4096, 3), 2 * 4096),
            Err(Problem::Truncated { expected: 3 * 4096 })
        );
        assert_eq!(
            check_header(&header(4096, 3), 3 * 4096 - 10),
            Err(Problem::Truncated { expected: 3 * 4096 })
        );
        assert!(matches!(
            check_header(&MAGIC[..10], 10),
            Err(Problem::Truncated { .. })
        ));
    }
}
