//! The archive on real SQLite files in temp dirs: storing pages, replacing messages,
//! coverage, and every kind of bad file.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::json;
use volc_im::api::wire::Page;
use volc_im::archive::{Archive, ArchiveError, NewerEdge, OlderEdge, PageFetch};
use volc_im::model::{AppId, ConversationId, Cursor, Message};
use volc_im::paging::Direction;

const APP: AppId = AppId(7);
const CONV: ConversationId = ConversationId(42);

/// A message at position `idx`, with a text to tell it by.
fn message(idx: i64, status: i32) -> Message {
    let raw = format!(
        r#"{{"MessageId": {},  "IndexInConversation": {idx}, "CreateTime": {}, "Sender": 9, "MsgType": 10001, "Status": {status}, "Content": "{{\"text\":\"m{idx}\"}}", "Later": [1, 2]}}"#,
        1_000_000 + idx,
        1_700_000_000_000i64 + idx * 1000
    );
    Message::from_raw(serde_json::value::RawValue::from_string(raw).unwrap())
}

/// A newest-first page holding positions `hi` down to `lo`.
fn page(lo: i64, hi: i64, next: Option<i64>) -> Page {
    Page {
        has_more: Some(next.is_some()),
        new_cursor: next.map(Cursor),
        messages: (lo..=hi).rev().map(|i| message(i, 0)).collect(),
    }
}

fn fetch(cursor: Cursor) -> PageFetch {
    PageFetch::new(APP, CONV, Direction::NewestFirst, cursor, Cursor::NEWEST)
}

fn raws(archive: &Archive) -> Vec<String> {
    archive
        .messages(APP, CONV)
        .unwrap()
        .into_iter()
        .map(|m| m.message.raw_json().to_owned())
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_new_archive_is_private_and_keeps_messages_byte_for_byte_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/volc-im/archive.sqlite3");
    let mut archive = Archive::open(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    let stored = archive
        .store_page(&fetch(Cursor::NEWEST), &page(11, 20, Some(10)))
        .unwrap();
    assert_eq!((stored.new, stored.changed, stored.joined), (10, 0, false));
    archive
        .store_page(&fetch(Cursor(10)), &page(1, 10, None))
        .unwrap();
    let expected: Vec<String> = (1..=20)
        .map(|i| message(i, 0).raw_json().to_owned())
        .collect();
    assert_eq!(raws(&archive), expected);
    drop(archive);
    let reopened = Archive::open(&path).unwrap();
    assert_eq!(raws(&reopened), expected, "kept across runs");
    let cov = reopened.coverage(APP, CONV).unwrap();
    assert_eq!(cov.len(), 1, "{cov:?}");
    assert_eq!((cov[0].lo_idx, cov[0].hi_idx), (Some(1), Some(20)));
    assert_eq!(cov[0].older, OlderEdge::Beginning);
    assert!(matches!(cov[0].newer, NewerEdge::NewestAt(_)));
}

#[test]
fn a_message_fetched_again_replaces_its_row_and_is_never_duplicated() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
    archive
        .store_page(&fetch(Cursor::NEWEST), &page(1, 5, None))
        .unwrap();
    let mut again = page(1, 5, None);
    again.messages[2] = message(3, 3); // recalled since
    let stored = archive.store_page(&fetch(Cursor::NEWEST), &again).unwrap();
    assert_eq!((stored.new, stored.changed), (0, 1));
    let all = archive.messages(APP, CONV).unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[2].message.body.status, 3, "the later Status wins");
    assert_eq!(all[2].message.raw_json(), message(3, 3).raw_json());
}

#[test]
fn a_gap_is_a_gap_until_the_walk_from_above_fills_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
    // An earlier walk: 1..=10, from the then newest message down to the beginning.
    archive
        .store_page(&fetch(Cursor::NEWEST), &page(1, 10, None))
        .unwrap();
    // Later, 30 new messages; the walk from the newest is interrupted after one page.
    let top = archive
        .store_page(&fetch(Cursor::NEWEST), &page(31, 40, Some(30)))
        .unwrap();
    assert!(!top.joined);
    let cov = archive.coverage(APP, CONV).unwrap();
    assert_eq!(cov.len(), 2, "two stretches, a gap between: {cov:?}");
    assert_eq!(cov[0].older, OlderEdge::Cursor(Cursor(30)));
    assert_eq!((cov[1].lo_idx, cov[1].hi_idx), (Some(1), Some(10)));
    // The gap is filled from the cursor the upper stretch recorded.
    let mid = archive
        .store_page(&fetch(Cursor(30)), &page(21, 30, Some(20)))
        .unwrap();
    assert!(!mid.joined);
    let last = archive
        .store_page(&fetch(Cursor(20)), &page(10, 20, Some(9)))
        .unwrap();
    assert!(last.joined, "the page met the archived stretch");
    let cov = archive.coverage(APP, CONV).unwrap();
    assert_eq!(cov.len(), 1, "{cov:?}");
    assert_eq!((cov[0].lo_idx, cov[0].hi_idx), (Some(1), Some(40)));
    assert_eq!(cov[0].older, OlderEdge::Beginning);
    assert_eq!(archive.message_count(APP, CONV).unwrap(), 40);
}

#[test]
fn a_page_from_a_cursor_no_stretch_continues_claims_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
    archive
        .store_page(&fetch(Cursor(500)), &page(50, 59, Some(49)))
        .unwrap();
    let cov = archive.coverage(APP, CONV).unwrap();
    assert_eq!(cov.len(), 1);
    assert_eq!((cov[0].lo_idx, cov[0].hi_idx), (Some(50), Some(59)));
    assert_eq!(
        cov[0].newer,
        NewerEdge::Unknown,
        "not known to be the newest"
    );
    assert_eq!(cov[0].older, OlderEdge::Cursor(Cursor(49)));
}

#[test]
fn an_oldest_first_walk_begins_at_the_beginning_and_continues_by_its_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
    let forward =
        |cursor| PageFetch::new(APP, CONV, Direction::OldestFirst, cursor, Cursor::NEWEST);
    let mut first = page(1, 10, Some(11));
    first.messages.reverse();
    archive
        .store_page(&forward(Cursor::OLDEST), &first)
        .unwrap();
    let cov = archive.coverage(APP, CONV).unwrap();
    assert_eq!(cov[0].older, OlderEdge::Beginning);
    assert_eq!(cov[0].newer, NewerEdge::Cursor(Cursor(11)));
    let mut second = page(11, 15, None);
    second.messages.reverse();
    archive.store_page(&forward(Cursor(11)), &second).unwrap();
    let cov = archive.coverage(APP, CONV).unwrap();
    assert_eq!(cov.len(), 1);
    assert_eq!(cov[0].hi_idx, Some(15));
    assert!(matches!(cov[0].newer, NewerEdge::NewestAt(_)));
}

fn refused(path: &Path) -> ArchiveError {
    Archive::open(path).expect_err("the file is refused")
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.sqlite3");
    std::fs::write(&path, "my notes, not a database\n".repeat(20)).unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = refused(&path);
    assert!(matches!(err, ArchiveError::NotSqlite { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("notes.sqlite3") && text.contains("move it aside"),
        "{text}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!dir.path().join("notes.sqlite3-wal").exists());
}

#[test]
fn a_truncated_archive_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite3");
    {
        let mut archive = Archive::open(&path).unwrap();
        for i in 0..20 {
            archive
                .store_page(&fetch(Cursor::NEWEST), &page(i * 20 + 1, i * 20 + 20, None))
                .unwrap();
        }
        // The file alone: no write-ahead log beside it to recover from.
        archive.checkpoint().unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let cut = &bytes[..bytes.len() / 2 + 100];
    std::fs::write(&path, cut).unwrap();
    let err = refused(&path);
    assert!(matches!(err, ArchiveError::Truncated { .. }), "{err:?}");
    assert!(err.to_string().contains("a.sqlite3"));
    assert_eq!(std::fs::read(&path).unwrap(), cut);
}

#[test]
fn an_archive_from_a_newer_volc_im_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite3");
    drop(Archive::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = refused(&path);
    assert!(
        matches!(err, ArchiveError::Newer { found: 999, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("newer volc-im"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(
        !dir.path().join("a.sqlite3-wal").exists(),
        "not even switched to WAL"
    );
}

#[test]
fn another_programs_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE recipes (name TEXT)")
            .unwrap();
    }
    let err = refused(&path);
    assert!(matches!(err, ArchiveError::Foreign { .. }), "{err:?}");
}

#[test]
fn a_read_only_archive_says_so_and_can_still_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite3");
    {
        let mut archive = Archive::open(&path).unwrap();
        archive
            .store_page(&fetch(Cursor::NEWEST), &page(1, 5, None))
            .unwrap();
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    // As root the mode does not stop writes; the immutable attribute does.
    let _immutable = Immutable::set(&path);
    if std::fs::OpenOptions::new().write(true).open(&path).is_ok() {
        return; // neither stops writes here: nothing to test
    }
    let before = std::fs::read(&path).unwrap();
    let err = refused(&path);
    assert!(matches!(err, ArchiveError::ReadOnly { .. }), "{err:?}");
    assert!(err.to_string().contains("chmod"), "{err}");
    let reader = Archive::open_read_only(&path).unwrap();
    assert_eq!(reader.message_count(APP, CONV).unwrap(), 5);
    drop(reader);
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing written");
}

/// `chattr +i` on a file while it lives, where the system allows it.
struct Immutable(std::path::PathBuf, bool);

impl Immutable {
    fn set(path: &Path) -> Immutable {
        let done = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        Immutable(path.to_path_buf(), done)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        if self.1 {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.0)
                .status();
        }
    }
}

#[test]
fn a_full_archive_stores_nothing_of_the_failed_page_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite3");
    let mut archive = Archive::open(&path).unwrap();
    archive
        .store_page(&fetch(Cursor::NEWEST), &page(1, 20, None))
        .unwrap();
    let size = std::fs::metadata(&path).unwrap().len()
        + std::fs::metadata(dir.path().join("a.sqlite3-wal")).map_or(0, |m| m.len());
    archive.set_size_limit(size.max(64 * 1024)).unwrap();
    let mut failure = None;
    for i in 1..200 {
        let big = Page {
            has_more: Some(true),
            new_cursor: Some(Cursor(i)),
            messages: (0..20)
                .map(|j| {
                    let idx = 1000 + i * 20 + j;
                    let raw = json!({"MessageId": idx, "IndexInConversation": idx, "Content": "x".repeat(2000)});
                    Message::from_value(&raw)
                })
                .collect(),
        };
        if let Err(e) = archive.store_page(&fetch(Cursor::NEWEST), &big) {
            failure = Some(e);
            break;
        }
    }
    let err = failure.expect("the limit is reached");
    assert!(matches!(err, ArchiveError::Full { .. }), "{err:?}");
    assert!(err.to_string().contains("nothing stored before was lost"));
    let count = archive.message_count(APP, CONV).unwrap();
    assert_eq!(count % 20, 0, "whole pages only: {count}");
    drop(archive);
    let reopened = Archive::open(&path).unwrap();
    assert_eq!(reopened.message_count(APP, CONV).unwrap(), count);
    assert_eq!(
        raws(&reopened)[..20],
        (1..=20)
            .map(|i| message(i, 0).raw_json().to_owned())
            .collect::<Vec<_>>()[..]
    );
}

/// A message like [`message`] at position `idx` but numbered `id`.
fn message_with_id(id: i64, idx: i64) -> Message {
    let raw = format!(
        r#"{{"MessageId": {id}, "IndexInConversation": {idx}, "CreateTime": {}, "Sender": 9, "MsgType": 10001, "Status": 0, "Content": "{{\"text\":\"m{idx}\"}}"}}"#,
        1_700_000_000_000i64 + idx * 1000
    );
    Message::from_raw(serde_json::value::RawValue::from_string(raw).unwrap())
}

#[test]
fn a_page_stored_again_is_told_apart_message_by_message() {
    // The store reads a page's archived messages as one range of positions; what
    // the range does not hold (a new message, one whose position moved, one with
    // no position) is still found by its key, so counts stay exact.
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
    let first = archive
        .store_page(&fetch(Cursor::NEWEST), &page(1, 20, None))
        .unwrap();
    assert_eq!((first.new, first.changed), (20, 0));
    let same = archive
        .store_page(&fetch(Cursor::NEWEST), &page(1, 20, None))
        .unwrap();
    assert_eq!((same.new, same.changed), (0, 0), "nothing written again");

    let mut mixed = page(1, 20, None);
    mixed.messages[0] = message(20, 3); // recalled since
    mixed.messages[5] = message_with_id(1_000_015, 1_500); // its position moved
    mixed.messages.push(message_with_id(77, 0)); // new, below the span
    let unpositioned =
        r#"{"MessageId": 88, "CreateTime": 1, "Content": "{\"text\":\"no position\"}"}"#;
    mixed.messages.push(Message::from_raw(
        serde_json::value::RawValue::from_string(unpositioned.into()).unwrap(),
    ));
    let stored = archive.store_page(&fetch(Cursor::NEWEST), &mixed).unwrap();
    assert_eq!((stored.new, stored.changed), (2, 2), "{stored:?}");
    assert_eq!(
        archive.message_count(APP, CONV).unwrap(),
        22,
        "the moved message kept its row"
    );
    let again = archive.store_page(&fetch(Cursor::NEWEST), &mixed).unwrap();
    assert_eq!((again.new, again.changed), (0, 0), "{again:?}");
}
