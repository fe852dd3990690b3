//! The archive's write-ahead log beside the file: a checkpoint cut short is
//! recovered, not refused, and the log and its index are as private as the file.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use volc_im::api::wire::Page;
use volc_im::archive::{Archive, ArchiveError, PageFetch};
use volc_im::model::{AppId, ConversationId, Cursor, Message};
use volc_im::paging::Direction;

const APP: AppId = AppId(7);
const CONV: ConversationId = ConversationId(42);

fn message(idx: i64) -> Message {
    let raw = format!(
        r#"{{"MessageId": {}, "IndexInConversation": {idx}, "CreateTime": {}, "Sender": 9, "MsgType": 10001, "Content": "{{\"text\":\"message {idx} {}\"}}"}}"#,
        1_000_000 + idx,
        1_700_000_000_000i64 + idx * 1000,
        "x".repeat(200)
    );
    Message::from_raw(serde_json::value::RawValue::from_string(raw).unwrap())
}

/// Stores 400 messages, newest first, in pages of 20.
fn fill(archive: &mut Archive) {
    for i in (0..20).rev() {
        let page = Page {
            has_more: Some(i > 0),
            new_cursor: (i > 0).then_some(Cursor(i * 20)),
            messages: (i * 20 + 1..=i * 20 + 20).rev().map(message).collect(),
        };
        let cursor = if i == 19 {
            Cursor::NEWEST
        } else {
            Cursor((i + 1) * 20)
        };
        let fetch = PageFetch::new(APP, CONV, Direction::NewestFirst, cursor, Cursor::NEWEST);
        archive.store_page(&fetch, &page).unwrap();
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// Makes in `to` what a checkpoint killed after its first write leaves: the file
/// as it was before the checkpoint, but with page 1 (and so the header's page
/// count) copied from the log, and the log itself untouched.
fn cut_short_checkpoint(from: &Path, to: &Path) {
    let wal = std::fs::read(sibling(from, "-wal")).unwrap();
    let mut file = std::fs::read(from).unwrap();
    let page_size = be32(&wal, 8) as usize;
    let frame = 24 + page_size;
    let mut page_one = None;
    let mut at = 32;
    while at + frame <= wal.len() {
        if be32(&wal, at) == 1 {
            page_one = Some(&wal[at + 24..at + frame]);
        }
        at += frame;
    }
    let page_one = page_one.expect("the log holds page 1");
    file[..page_size].copy_from_slice(page_one);
    std::fs::write(to, &file).unwrap();
    std::fs::write(sibling(to, "-wal"), &wal).unwrap();
    let header_pages = be32(&file, 28) as usize;
    assert!(
        file.len() < header_pages * page_size,
        "the file ({} bytes) is shorter than its header's {header_pages} pages",
        file.len()
    );
}

/// An archive `live.sqlite3` filled in `dir` and, while it is open, what is on disk
/// (the file and its log, as a kill would leave them) copied to `copy.sqlite3` as
/// a checkpoint cut short.
fn filled_and_cut_short(dir: &tempfile::TempDir) -> (PathBuf, PathBuf) {
    let live = dir.path().join("live.sqlite3");
    let copy = dir.path().join("copy.sqlite3");
    let mut archive = Archive::open(&live).unwrap();
    fill(&mut archive);
    cut_short_checkpoint(&live, &copy);
    (live, copy)
}

#[test]
fn a_checkpoint_cut_short_is_recovered_and_every_message_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let (live, copy) = filled_and_cut_short(&dir);
    let expected = Archive::open_read_only(&live)
        .unwrap()
        .messages(APP, CONV)
        .unwrap();
    assert_eq!(expected.len(), 400);

    let archive = Archive::open(&copy).expect("a checkpoint cut short is recovered");
    let got = archive.messages(APP, CONV).unwrap();
    assert_eq!(got.len(), 400);
    for (a, b) in got.iter().zip(&expected) {
        assert_eq!(a.message.raw_json(), b.message.raw_json());
    }
    let check: String = rusqlite::Connection::open(&copy)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn the_same_file_without_its_log_is_refused_as_truncated_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (_, copy) = filled_and_cut_short(&dir);
    std::fs::remove_file(sibling(&copy, "-wal")).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let err = Archive::open(&copy).expect_err("refused");
    assert!(matches!(err, ArchiveError::Truncated { .. }), "{err:?}");
    let err = Archive::open_read_only(&copy).expect_err("refused");
    assert!(matches!(err, ArchiveError::Truncated { .. }), "{err:?}");
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    assert!(!sibling(&copy, "-wal").exists());
}

#[test]
fn a_log_that_is_not_a_write_ahead_log_does_not_excuse_a_short_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_, copy) = filled_and_cut_short(&dir);
    let wal = sibling(&copy, "-wal");
    let mut bytes = std::fs::read(&wal).unwrap();
    bytes[..4].copy_from_slice(b"junk");
    std::fs::write(&wal, &bytes).unwrap();
    let err = Archive::open(&copy).expect_err("refused");
    assert!(matches!(err, ArchiveError::Truncated { .. }), "{err:?}");
    assert_eq!(std::fs::read(&wal).unwrap(), bytes);
}

#[test]
fn the_log_and_its_index_are_as_private_as_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive.sqlite3");
    {
        let mut archive = Archive::open(&path).unwrap();
        fill(&mut archive);
        for suffix in ["-wal", "-shm"] {
            assert_eq!(mode(&sibling(&path, suffix)), 0o600, "{suffix} while open");
        }
    }
    for suffix in ["-wal", "-shm"] {
        let file = sibling(&path, suffix);
        if file.exists() {
            assert_eq!(mode(&file), 0o600, "{suffix} after close");
        }
    }
    let archive = Archive::open(&path).unwrap();
    assert_eq!(archive.messages(APP, CONV).unwrap().len(), 400);
}
