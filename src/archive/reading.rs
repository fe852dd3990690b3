//! Where each conversation was read: the message the reader was on last (to open it
//! there again) and the newest message they had seen (to tell what arrived since).

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{Archive, ArchiveError, now_ms};
use crate::model::{AppId, ConversationId, Message, MessageId, MessageKey};

/// A message's place in its conversation: its identity and where it sorts
/// (`IndexInConversation`, `CreateTime`, `MessageId`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub key: MessageKey,
    pub idx: Option<i64>,
    pub create_time: Option<i64>,
    pub message_id: Option<MessageId>,
}

impl Place {
    /// Where `message` is.
    pub fn of(message: &Message) -> Place {
        let (idx, create_time, message_id) = message.order_key();
        Place {
            key: message.key(),
            idx,
            create_time,
            message_id,
        }
    }
}

/// How far a conversation was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    /// The message the reader was on.
    pub last_read: Place,
    /// `IndexInConversation` and `CreateTime` (ms) of the newest message they had seen.
    pub seen_idx: Option<i64>,
    pub seen_time: Option<i64>,
    /// When it was recorded (ms since the epoch).
    pub updated_at: i64,
}

impl Archive {
    /// Records where a conversation was read: on `last_read`, having seen as far as
    /// `newest_seen`. How far was seen never goes back: reading an older stretch
    /// later does not make newer messages new again.
    pub fn store_reading(
        &self,
        app: AppId,
        conversation: ConversationId,
        last_read: &Place,
        newest_seen: &Place,
    ) -> Result<(), ArchiveError> {
        self.conn
            .prepare_cached(
                "INSERT INTO reading (app_id, conversation_id, key, message_id, idx, create_time,
                                      seen_idx, seen_time, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (app_id, conversation_id) DO UPDATE SET
                    key = excluded.key, message_id = excluded.message_id, idx = excluded.idx,
                    create_time = excluded.create_time,
                    seen_idx = CASE WHEN seen_idx IS NULL OR excluded.seen_idx > seen_idx
                                    THEN excluded.seen_idx ELSE seen_idx END,
                    seen_time = CASE WHEN seen_time IS NULL OR excluded.seen_time > seen_time
                                     THEN excluded.seen_time ELSE seen_time END,
                    updated_at = excluded.updated_at",
            )
            .and_then(|mut s| {
                s.execute(params![
                    app.0,
                    conversation.0,
                    last_read.key.to_string(),
                    last_read.message_id.map(|m| m.0),
                    last_read.idx,
                    last_read.create_time,
                    newest_seen.idx,
                    newest_seen.create_time,
                    now_ms(),
                ])
            })
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// Where a conversation was read last, when it was.
    pub fn reading(
        &self,
        app: AppId,
        conversation: ConversationId,
    ) -> Result<Option<Reading>, ArchiveError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT key, message_id, idx, create_time, seen_idx, seen_time, updated_at
                 FROM reading WHERE app_id = ?1 AND conversation_id = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![app.0, conversation.0], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                        r.get::<_, Option<i64>>(5)?,
                        r.get::<_, i64>(6)?,
                    ))
                })
                .optional()
            })
            .map_err(|e| self.error(e))?;
        let Some((key, message_id, idx, create_time, seen_idx, seen_time, updated_at)) = row else {
            return Ok(None);
        };
        // A key edited by hand into something unreadable is as good as no record.
        let Ok(key) = key.parse::<MessageKey>() else {
            tracing::warn!(
                key,
                "the reading record's message key does not parse; ignored"
            );
            return Ok(None);
        };
        Ok(Some(Reading {
            last_read: Place {
                key,
                idx,
                create_time,
                message_id: message_id.map(MessageId),
            },
            seen_idx,
            seen_time,
            updated_at,
        }))
    }

    /// How many archived messages of a conversation are newer than what its reader
    /// had seen; `None` when it was never read. One indexed range count.
    pub fn new_since_seen(
        &self,
        app: AppId,
        conversation: ConversationId,
    ) -> Result<Option<u64>, ArchiveError> {
        let sql = format!(
            "SELECT {NEW_SINCE_SEEN} FROM reading r WHERE r.app_id = ?1 AND r.conversation_id = ?2"
        );
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row(params![app.0, conversation.0], |r| r.get::<_, i64>(0))
                    .optional()
            })
            .map(|n| n.map(|n| n as u64))
            .map_err(|e| self.error(e))
    }

    /// [`Self::new_since_seen`] for every conversation that was read, in one query.
    pub fn new_since_seen_all(
        &self,
    ) -> Result<HashMap<(AppId, ConversationId), u64>, ArchiveError> {
        let sql = format!("SELECT r.app_id, r.conversation_id, {NEW_SINCE_SEEN} FROM reading r");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    (AppId(r.get(0)?), ConversationId(r.get(1)?)),
                    r.get::<_, i64>(2)? as u64,
                ))
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}

/// The count of messages after what reading row `r` had seen: by position when it
/// knows one (a range of the position index), else by time. Only the branch that
/// applies runs.
const NEW_SINCE_SEEN: &str = "CASE
    WHEN r.seen_idx IS NOT NULL THEN (
        SELECT count(*) FROM messages m
        WHERE m.app_id = r.app_id AND m.conversation_id = r.conversation_id
          AND m.idx > r.seen_idx)
    WHEN r.seen_time IS NOT NULL THEN (
        SELECT count(*) FROM messages m
        WHERE m.app_id = r.app_id AND m.conversation_id = r.conversation_id
          AND m.create_time > r.seen_time)
    ELSE 0 END";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::Page;
    use crate::archive::PageFetch;
    use crate::model::Cursor;
    use crate::pager::Direction;
    use serde_json::json;

    const APP: AppId = AppId(7);
    const CONV: ConversationId = ConversationId(42);
    const OTHER: ConversationId = ConversationId(43);

    fn message(idx: i64) -> Message {
        Message::from_value(&json!({
            "MessageId": 1_000_000 + idx, "IndexInConversation": idx,
            "CreateTime": 1_700_000_000_000i64 + idx * 1000, "Content": "{\"text\":\"m\"}",
        }))
    }

    fn archive_with(conversations: &[(ConversationId, i64)]) -> (tempfile::TempDir, Archive) {
        let dir = tempfile::tempdir().unwrap();
        let mut archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
        for &(conversation, n) in conversations {
            let page = Page {
                has_more: Some(false),
                new_cursor: None,
                messages: (1..=n).rev().map(message).collect(),
            };
            let fetch = PageFetch::new(
                APP,
                conversation,
                Direction::NewestFirst,
                Cursor::NEWEST,
                Cursor::NEWEST,
            );
            archive.store_page(&fetch, &page).unwrap();
        }
        (dir, archive)
    }

    #[test]
    fn a_reading_reads_back_and_counts_what_arrived_since() {
        let (_dir, mut archive) = archive_with(&[(CONV, 30), (OTHER, 5)]);
        assert_eq!(archive.reading(APP, CONV).unwrap(), None);
        assert_eq!(
            archive.new_since_seen(APP, CONV).unwrap(),
            None,
            "never read"
        );
        archive
            .store_reading(
                APP,
                CONV,
                &Place::of(&message(12)),
                &Place::of(&message(25)),
            )
            .unwrap();
        let r = archive.reading(APP, CONV).unwrap().unwrap();
        assert_eq!(r.last_read, Place::of(&message(12)));
        assert_eq!(r.seen_idx, Some(25));
        assert_eq!(archive.new_since_seen(APP, CONV).unwrap(), Some(5));
        // Messages archived later count as new.
        archive
            .store_messages(APP, CONV, &[message(31), message(32)])
            .unwrap();
        assert_eq!(archive.new_since_seen(APP, CONV).unwrap(), Some(7));
        archive
            .store_reading(APP, OTHER, &Place::of(&message(5)), &Place::of(&message(5)))
            .unwrap();
        let all = archive.new_since_seen_all().unwrap();
        assert_eq!(all.len(), 2, "only conversations that were read");
        assert_eq!(all[&(APP, CONV)], 7);
        assert_eq!(all[&(APP, OTHER)], 0);
    }

    #[test]
    fn reading_an_older_stretch_later_does_not_unsee_newer_messages() {
        let (_dir, archive) = archive_with(&[(CONV, 30)]);
        archive
            .store_reading(
                APP,
                CONV,
                &Place::of(&message(28)),
                &Place::of(&message(30)),
            )
            .unwrap();
        archive
            .store_reading(APP, CONV, &Place::of(&message(3)), &Place::of(&message(10)))
            .unwrap();
        let r = archive.reading(APP, CONV).unwrap().unwrap();
        assert_eq!(r.last_read.idx, Some(3), "the place moves back");
        assert_eq!(r.seen_idx, Some(30), "what was seen does not");
        assert_eq!(archive.new_since_seen(APP, CONV).unwrap(), Some(0));
    }

    #[test]
    fn without_positions_what_is_new_is_told_by_time() {
        let (_dir, mut archive) = archive_with(&[]);
        let timed =
            |t: i64| Message::from_value(&json!({"MessageId": t, "CreateTime": t, "Content": "x"}));
        archive
            .store_messages(APP, CONV, &[timed(100), timed(200), timed(300)])
            .unwrap();
        archive
            .store_reading(APP, CONV, &Place::of(&timed(100)), &Place::of(&timed(200)))
            .unwrap();
        assert_eq!(archive.new_since_seen(APP, CONV).unwrap(), Some(1));
        let r = archive.reading(APP, CONV).unwrap().unwrap();
        assert_eq!(r.last_read.key, timed(100).key());
    }

    #[test]
    fn the_count_is_a_search_of_the_position_index() {
        let (_dir, archive) = archive_with(&[(CONV, 3)]);
        let plan: Vec<String> = archive
            .conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT {NEW_SINCE_SEEN} FROM reading r"
            ))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            plan.iter()
                .any(|p| p.contains("messages_by_position") && p.contains("idx>?")),
            "{plan:?}"
        );
    }
}
