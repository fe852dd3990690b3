//! Places in the archive: the first message at or after a time, and each
//! conversation's figures kept up to date as messages arrive.

use serde_json::value::RawValue;
use volc_im::api::wire::Page;
use volc_im::archive::{Archive, Figures, PageFetch};
use volc_im::model::{AppId, ConversationId, Cursor, Message};
use volc_im::pager::Direction;

const APP: AppId = AppId(7);
const CONV: ConversationId = ConversationId(42);
const OTHER: ConversationId = ConversationId(43);
const T0: i64 = 1_700_000_000_000;

/// A message at position `idx`, sent `secs` seconds after `T0`.
fn message(idx: i64, secs: i64) -> Message {
    let raw = format!(
        r#"{{"MessageId": {}, "IndexInConversation": {idx}, "CreateTime": {}, "Sender": 9, "MsgType": 10001, "Status": 0, "Content": "{{\"text\":\"m{idx}\"}}"}}"#,
        1_000_000 + idx,
        T0 + secs * 1000
    );
    Message::from_raw(RawValue::from_string(raw).unwrap())
}

fn store(archive: &mut Archive, conversation: ConversationId, messages: Vec<Message>) {
    let fetch = PageFetch::new(
        APP,
        conversation,
        Direction::NewestFirst,
        Cursor::NEWEST,
        Cursor::NEWEST,
    );
    let page = Page {
        has_more: Some(true),
        new_cursor: Some(Cursor(1)),
        messages,
    };
    archive.store_page(&fetch, &page).unwrap();
}

fn index_at(archive: &Archive, conversation: ConversationId, secs: i64) -> Option<i64> {
    archive
        .first_at_or_after(APP, conversation, T0 + secs * 1000)
        .unwrap()
        .map(|m| m.message.body.index_in_conversation.unwrap())
}

#[test]
fn the_first_message_at_or_after_a_time_in_reading_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
    // Positions 1..=10 every 60 s; 6 and 7 sent in the same second; stored newest first.
    let mut messages: Vec<Message> = (1..=10)
        .map(|i| message(i, if i == 7 { 300 } else { i * 60 }))
        .collect();
    messages.reverse();
    store(&mut archive, CONV, messages);
    // Another conversation with messages at every time in between.
    store(
        &mut archive,
        OTHER,
        (100..200).map(|i| message(i, i)).collect(),
    );
    assert_eq!(index_at(&archive, CONV, 60), Some(1), "exactly at");
    assert_eq!(
        index_at(&archive, CONV, 61),
        Some(2),
        "just after the first"
    );
    assert_eq!(
        index_at(&archive, CONV, -1_000),
        Some(1),
        "before everything"
    );
    assert_eq!(
        index_at(&archive, CONV, 300),
        Some(5),
        "ties go in reading order"
    );
    assert_eq!(index_at(&archive, CONV, 301), Some(6));
    assert_eq!(index_at(&archive, CONV, 601), None, "after the newest");
    assert_eq!(index_at(&archive, ConversationId(99), 0), None);
}

#[test]
fn gaps_in_the_archive_and_messages_without_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
    // Positions 1..=1000 with most missing (stretches fetched apart), a second each.
    let kept: Vec<i64> = (1..=1000)
        .filter(|i| i % 97 == 0 || *i < 4 || *i > 990)
        .collect();
    store(
        &mut archive,
        CONV,
        kept.iter().rev().map(|&i| message(i, i)).collect(),
    );
    for secs in [0, 1, 4, 96, 97, 98, 500, 970, 971, 991, 1000] {
        let want = kept.iter().copied().find(|&i| i >= secs);
        assert_eq!(index_at(&archive, CONV, secs), want, "at {secs} s");
    }
    // A message without a position reads after all others.
    let raw = format!(
        r#"{{"MessageId": 5, "CreateTime": {}, "Content": "{{\"text\":\"late\"}}"}}"#,
        T0 + 5_000_000
    );
    store(
        &mut archive,
        CONV,
        vec![Message::from_raw(RawValue::from_string(raw).unwrap())],
    );
    let late = archive
        .first_at_or_after(APP, CONV, T0 + 1_001_000)
        .unwrap()
        .unwrap();
    assert_eq!(late.message.body.index_in_conversation, None);
    assert_eq!(late.message.body.create_time, Some(T0 + 5_000_000));
    assert!(
        archive
            .first_at_or_after(APP, CONV, T0 + 5_000_001)
            .unwrap()
            .is_none()
    );
}

#[test]
fn figures_follow_what_is_archived_and_are_kept_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite3");
    let mut archive = Archive::open(&path).unwrap();
    assert!(archive.figures().unwrap().is_empty());
    store(
        &mut archive,
        CONV,
        (1..=5).rev().map(|i| message(i, i)).collect(),
    );
    store(&mut archive, OTHER, vec![message(1, 1000)]);
    let f = archive.figures().unwrap();
    assert_eq!(
        f[&(APP, CONV)],
        Figures {
            messages: 5,
            newest_time: Some(T0 + 5_000)
        }
    );
    assert_eq!(f[&(APP, OTHER)].messages, 1);
    // The same messages again change nothing; new ones add up.
    store(
        &mut archive,
        CONV,
        (1..=5).rev().map(|i| message(i, i)).collect(),
    );
    store(
        &mut archive,
        CONV,
        (6..=8).rev().map(|i| message(i, i)).collect(),
    );
    let f = archive.figures().unwrap();
    assert_eq!(f[&(APP, CONV)].messages, 8);
    assert_eq!(f[&(APP, CONV)].newest_time, Some(T0 + 8_000));
    drop(archive);

    // Next run: the kept figures, and what was archived meanwhile.
    let mut archive = Archive::open(&path).unwrap();
    assert_eq!(archive.figures().unwrap()[&(APP, CONV)].messages, 8);
    store(&mut archive, CONV, vec![message(9, 9)]);
    assert_eq!(archive.figures().unwrap()[&(APP, CONV)].messages, 9);
    drop(archive);

    // A read-only archive answers the same.
    let archive = Archive::open_read_only(&path).unwrap();
    assert_eq!(archive.figures().unwrap()[&(APP, CONV)].messages, 9);
}

#[test]
fn a_landing_is_complete_only_when_nothing_can_be_missing_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
    // Two stretches: 11..=20 walked from the newest (its older edge a cursor), and
    // 1..=5 reaching the beginning; 6..=10 never fetched.
    let newest = PageFetch::new(
        APP,
        CONV,
        Direction::NewestFirst,
        Cursor::NEWEST,
        Cursor::NEWEST,
    );
    let page = |lo: i64, hi: i64, more: bool| Page {
        has_more: Some(more),
        new_cursor: more.then_some(Cursor(lo - 1)),
        messages: (lo..=hi).rev().map(|i| message(i, i * 60)).collect(),
    };
    archive.store_page(&newest, &page(11, 20, true)).unwrap();
    let older = PageFetch::new(APP, CONV, Direction::NewestFirst, Cursor(5), Cursor::NEWEST);
    archive.store_page(&older, &page(1, 5, false)).unwrap();
    let landing = |secs: i64| {
        let l = archive.landing_at(APP, CONV, T0 + secs * 1000).unwrap();
        (
            l.message
                .map(|m| m.message.body.index_in_conversation.unwrap()),
            l.complete,
        )
    };
    assert_eq!(landing(0), (Some(1), true), "the beginning of the history");
    assert_eq!(landing(150), (Some(3), true), "inside a complete stretch");
    assert_eq!(
        landing(6 * 60),
        (Some(11), false),
        "6..=10 may be in the gap"
    );
    assert_eq!(landing(12 * 60), (Some(12), true));
    assert_eq!(landing(21 * 60), (None, false));
}
