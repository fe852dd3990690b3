//! Reading the archive back: a conversation's messages in order, its coverage, the
//! archived conversations and the names kept.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use serde_json::value::RawValue;

use super::coverage::Stretch;
use super::stretches::stretches_of;
use super::{Archive, ArchiveError};
use crate::model::{AppId, ConversationId, Message, MessageId, UserId};

/// A message as archived.
#[derive(Clone, Debug)]
pub struct ArchivedMessage {
    /// Its row id in `messages`.
    pub row: i64,
    pub app: AppId,
    pub conversation: ConversationId,
    /// The message, read from its JSON exactly as received.
    pub message: Message,
}

/// A conversation the archive holds messages of, or knows the name of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchivedConversation {
    pub app: AppId,
    pub conversation: ConversationId,
    /// `ConversationType`, when known.
    pub conversation_type: Option<i32>,
    /// The name the service gave, when looked up.
    pub name: Option<String>,
    /// Messages archived.
    pub messages: u64,
    /// `CreateTime` (ms) of the newest archived message.
    pub newest_time: Option<i64>,
}

/// The order of messages within a conversation, oldest first.
const ORDER: &str = "idx IS NULL, idx, create_time, message_id, id";

/// Where a message sorts for the browser ([`Message::order_key`]): by
/// `IndexInConversation`, then `CreateTime`, then `MessageId`; messages without an
/// index come before all others.
pub type Position = (Option<i64>, Option<i64>, Option<MessageId>);

/// Which way from a position a window read goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Older messages.
    Before,
    /// Newer messages.
    After,
}

/// The columns window reads select.
const WINDOW_COLUMNS: &str = "id, raw";

impl Archive {
    /// A conversation's archived messages, oldest first (by `IndexInConversation`,
    /// then `CreateTime`, then `MessageId`).
    pub fn messages(
        &self,
        app: AppId,
        conversation: ConversationId,
    ) -> Result<Vec<ArchivedMessage>, ArchiveError> {
        let sql = format!(
            "SELECT id, raw FROM messages WHERE app_id = ?1 AND conversation_id = ?2 ORDER BY {ORDER}"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![app.0, conversation.0], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(|e| self.error(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (row, raw) = row.map_err(|e| self.error(e))?;
            out.push(ArchivedMessage {
                row,
                app,
                conversation,
                message: message_from(raw),
            });
        }
        Ok(out)
    }

    /// How many messages of a conversation are archived.
    pub fn message_count(
        &self,
        app: AppId,
        conversation: ConversationId,
    ) -> Result<u64, ArchiveError> {
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM messages WHERE app_id = ?1 AND conversation_id = ?2",
            )
            .and_then(|mut s| s.query_row(params![app.0, conversation.0], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
            .map_err(|e| self.error(e))
    }

    /// A conversation's stretches known complete, newest first.
    pub fn coverage(
        &self,
        app: AppId,
        conversation: ConversationId,
    ) -> Result<Vec<Stretch>, ArchiveError> {
        stretches_of(&self.conn, app, conversation).map_err(|e| self.error(e))
    }

    /// Every conversation the archive holds messages of or a name for, by app and id.
    /// The counts and newest times are the kept figures ([`Archive::figures`]): the
    /// cost is the conversations and what arrived since, not the messages.
    pub fn conversations(&self) -> Result<Vec<ArchivedConversation>, ArchiveError> {
        let mut figures = self.figures()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT app_id, conversation_id, conversation_type, name FROM conversations",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    AppId(r.get(0)?),
                    ConversationId(r.get(1)?),
                    r.get::<_, Option<i32>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .map_err(|e| self.error(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (app, conversation, conversation_type, name) = row.map_err(|e| self.error(e))?;
            let f = figures.remove(&(app, conversation)).unwrap_or_default();
            out.push(ArchivedConversation {
                app,
                conversation,
                conversation_type,
                name,
                messages: f.messages,
                newest_time: f.newest_time,
            });
        }
        out.extend(figures.into_iter().filter(|(_, f)| f.messages > 0).map(
            |((app, conversation), f)| ArchivedConversation {
                app,
                conversation,
                conversation_type: None,
                name: None,
                messages: f.messages,
                newest_time: f.newest_time,
            },
        ));
        out.sort_by_key(|c| (c.app, c.conversation));
        Ok(out)
    }

    /// One conversation's record, when the archive knows it.
    pub fn conversation(
        &self,
        app: AppId,
        conversation: ConversationId,
    ) -> Result<Option<ArchivedConversation>, ArchiveError> {
        Ok(self
            .conversations()?
            .into_iter()
            .find(|c| c.app == app && c.conversation == conversation))
    }

    /// The conversation of an app whose kept name is `name`, when exactly one has it.
    pub fn conversation_named(
        &self,
        app: Option<AppId>,
        name: &str,
    ) -> Result<Vec<(AppId, ConversationId)>, ArchiveError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT app_id, conversation_id FROM conversations
                 WHERE name = ?1 AND (?2 IS NULL OR app_id = ?2) ORDER BY app_id, conversation_id",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![name, app.map(|a| a.0)], |r| {
                Ok((AppId(r.get(0)?), ConversationId(r.get(1)?)))
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// The display names kept for an app's users.
    pub fn user_names(&self, app: AppId) -> Result<HashMap<UserId, String>, ArchiveError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT user_id, nick_name FROM users WHERE app_id = ?1 AND nick_name IS NOT NULL",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([app.0], |r| Ok((UserId(r.get(0)?), r.get::<_, String>(1)?)))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Senders of a conversation's archived messages that the archive has no user
    /// record for (never looked up, or looked up before they existed).
    pub fn senders_without_names(
        &self,
        app: AppId,
        conversation: ConversationId,
    ) -> Result<Vec<UserId>, ArchiveError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT m.sender FROM messages m
                 WHERE m.app_id = ?1 AND m.conversation_id = ?2 AND m.sender IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM users u
                                   WHERE u.app_id = m.app_id AND u.user_id = m.sender)
                 ORDER BY m.sender",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![app.0, conversation.0], |r| Ok(UserId(r.get(0)?)))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// The archived message of a conversation with this key's text form.
    pub fn message_by_key(
        &self,
        app: AppId,
        conversation: ConversationId,
        key: &str,
    ) -> Result<Option<ArchivedMessage>, ArchiveError> {
        self.one_message(
            "SELECT id, raw FROM messages WHERE app_id = ?1 AND conversation_id = ?2 AND key = ?3",
            app,
            conversation,
            key,
        )
    }

    /// The one message (`id, raw`) that `sql` finds of a conversation, given its third
    /// parameter.
    pub(super) fn one_message(
        &self,
        sql: &str,
        app: AppId,
        conversation: ConversationId,
        third: impl rusqlite::ToSql,
    ) -> Result<Option<ArchivedMessage>, ArchiveError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| {
                s.query_row(params![app.0, conversation.0, third], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })
                .optional()
            })
            .map(|found| {
                found.map(|(row, raw)| ArchivedMessage {
                    row,
                    app,
                    conversation,
                    message: message_from(raw),
                })
            })
            .map_err(|e| self.error(e))
    }
}

impl Archive {
    /// At most `limit` archived messages of a conversation on one side of `from`
    /// (`None`: from beyond the newest, reading [`Side::Before`]), oldest first, as the
    /// browser sorts them. Each read is a range of the position index, so its cost
    /// does not grow with the archive.
    pub fn window(
        &self,
        app: AppId,
        conversation: ConversationId,
        from: Option<Position>,
        side: Side,
        limit: usize,
    ) -> Result<Vec<ArchivedMessage>, ArchiveError> {
        let limit = limit as i64;
        let mut rows: Vec<(i64, String)> = Vec::new();
        match (side, from) {
            // From beyond the newest (inclusive of the largest index) or from an
            // indexed message: the indexed ones before, then the unindexed, which sort first.
            (Side::Before, None | Some((Some(_), _, _))) => {
                let (idx, inclusive) = match from {
                    Some((Some(idx), _, _)) => (idx, false),
                    _ => (i64::MAX, true),
                };
                rows = self.indexed(app, conversation, idx, Side::Before, inclusive, limit)?;
                if (rows.len() as i64) < limit {
                    let more = self.unindexed(
                        app,
                        conversation,
                        None,
                        Side::Before,
                        limit - rows.len() as i64,
                    )?;
                    rows.extend(more);
                }
            }
            (Side::Before, Some(at @ (None, _, _))) => {
                rows = self.unindexed(app, conversation, Some(at), Side::Before, limit)?;
            }
            (Side::After, None) => {}
            (Side::After, Some((Some(idx), _, _))) => {
                rows = self.indexed(app, conversation, idx, Side::After, false, limit)?;
            }
            (Side::After, Some(at @ (None, _, _))) => {
                rows = self.unindexed(app, conversation, Some(at), Side::After, limit)?;
                if (rows.len() as i64) < limit {
                    let more = self.indexed(
                        app,
                        conversation,
                        i64::MIN,
                        Side::After,
                        true,
                        limit - rows.len() as i64,
                    )?;
                    rows.extend(more);
                }
            }
        }
        if side == Side::Before {
            rows.reverse();
        }
        Ok(rows
            .into_iter()
            .map(|(row, raw)| ArchivedMessage {
                row,
                app,
                conversation,
                message: message_from(raw),
            })
            .collect())
    }

    /// Messages with an index beyond `idx` (or at it, when `inclusive`), nearest first.
    fn indexed(
        &self,
        app: AppId,
        conversation: ConversationId,
        idx: i64,
        side: Side,
        inclusive: bool,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, ArchiveError> {
        let (op, order) = match (side, inclusive) {
            (Side::Before, false) => ("<", "DESC"),
            (Side::Before, true) => ("<=", "DESC"),
            (Side::After, false) => (">", "ASC"),
            (Side::After, true) => (">=", "ASC"),
        };
        let sql = format!(
            "SELECT {WINDOW_COLUMNS} FROM messages
             WHERE app_id = ?1 AND conversation_id = ?2 AND idx {op} ?3
             ORDER BY idx {order}, create_time {order}, message_id {order}, id {order} LIMIT ?4"
        );
        self.window_rows(&sql, params![app.0, conversation.0, idx, limit])
    }

    /// Messages without an index beyond a position among them (`None`: from their
    /// newest end, reading before), nearest first. They are few: the index's `idx IS
    /// NULL` range is read and sorted.
    fn unindexed(
        &self,
        app: AppId,
        conversation: ConversationId,
        from: Option<Position>,
        side: Side,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, ArchiveError> {
        let (time, id) = match from {
            Some((_, t, m)) => (t.unwrap_or(i64::MIN), m.map_or(i64::MIN, |m| m.0)),
            None => (i64::MAX, i64::MAX),
        };
        let (op, order) = match side {
            Side::Before => ("<", "DESC"),
            Side::After => (">", "ASC"),
        };
        let sql = format!(
            "SELECT {WINDOW_COLUMNS} FROM messages
             WHERE app_id = ?1 AND conversation_id = ?2 AND idx IS NULL
               AND (coalesce(create_time, {min}), coalesce(message_id, {min})) {op} (?3, ?4)
             ORDER BY coalesce(create_time, {min}) {order}, coalesce(message_id, {min}) {order}, id {order}
             LIMIT ?5",
            min = i64::MIN
        );
        self.window_rows(&sql, params![app.0, conversation.0, time, id, limit])
    }

    fn window_rows(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<(i64, String)>, ArchiveError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params, |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// The stretch known complete that holds the message at `idx`, when one does.
    pub fn stretch_at(
        &self,
        app: AppId,
        conversation: ConversationId,
        idx: i64,
    ) -> Result<Option<Stretch>, ArchiveError> {
        Ok(self
            .coverage(app, conversation)?
            .into_iter()
            .find(|s| s.lo_idx.is_some_and(|lo| lo <= idx) && s.hi_idx.is_some_and(|hi| idx <= hi)))
    }
}

/// A message from its archived JSON. The JSON was stored as received, so it parses;
/// should the file have been edited by hand, the text is kept as a JSON string.
pub(super) fn message_from(raw: String) -> Message {
    match RawValue::from_string(raw) {
        Ok(raw) => Message::from_raw(raw),
        Err(e) => Message::from_value(&serde_json::Value::String(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const APP: AppId = AppId(7);
    const CONV: ConversationId = ConversationId(42);

    fn message(idx: i64) -> Message {
        Message::from_value(&json!({
            "MessageId": 1_000 + idx, "IndexInConversation": idx,
            "CreateTime": 1_700_000_000_000i64 + idx, "Content": "{\"text\":\"m\"}",
        }))
    }

    fn unindexed(t: i64) -> Message {
        Message::from_value(&json!({"MessageId": t, "CreateTime": t, "Content": "x"}))
    }

    fn archive() -> (tempfile::TempDir, Archive) {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
        let mut batch: Vec<Message> = (1..=100).map(message).collect();
        batch.extend([unindexed(5), unindexed(6)]);
        a.store_messages(APP, CONV, &batch).unwrap();
        (dir, a)
    }

    fn keys(ms: &[ArchivedMessage]) -> Vec<Position> {
        ms.iter().map(|m| m.message.order_key()).collect()
    }

    fn idxs(ms: &[ArchivedMessage]) -> Vec<Option<i64>> {
        ms.iter()
            .map(|m| m.message.body.index_in_conversation)
            .collect()
    }

    #[test]
    fn windows_read_either_side_of_a_position_in_the_browsers_order() {
        let (_dir, a) = archive();
        let newest = a.window(APP, CONV, None, Side::Before, 3).unwrap();
        assert_eq!(idxs(&newest), [Some(98), Some(99), Some(100)]);
        let at50 = message(50).order_key();
        let before = a.window(APP, CONV, Some(at50), Side::Before, 2).unwrap();
        assert_eq!(idxs(&before), [Some(48), Some(49)]);
        let after = a.window(APP, CONV, Some(at50), Side::After, 2).unwrap();
        assert_eq!(idxs(&after), [Some(51), Some(52)]);
        // Past the oldest indexed message come those without an index, as the
        // browser sorts them: before all others.
        let oldest = a
            .window(APP, CONV, Some(message(2).order_key()), Side::Before, 5)
            .unwrap();
        assert_eq!(idxs(&oldest), [None, None, Some(1)]);
        let mut sorted = keys(&oldest);
        sorted.sort();
        assert_eq!(sorted, keys(&oldest));
        let from_unindexed = a
            .window(APP, CONV, Some(unindexed(5).order_key()), Side::After, 2)
            .unwrap();
        assert_eq!(idxs(&from_unindexed), [None, Some(1)]);
        assert!(
            a.window(APP, CONV, None, Side::After, 5)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_window_read_is_a_range_of_the_position_index() {
        let (_dir, a) = archive();
        for (op, order) in [("<", "DESC"), (">", "ASC")] {
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT {WINDOW_COLUMNS} FROM messages
                 WHERE app_id = 1 AND conversation_id = 2 AND idx {op} 3
                 ORDER BY idx {order}, create_time {order}, message_id {order}, id {order} LIMIT 4"
            );
            let plan: Vec<String> = a
                .conn
                .prepare(&sql)
                .unwrap()
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert!(
                plan.iter().any(|p| p.contains("messages_by_position")),
                "{plan:?}"
            );
            assert!(
                !plan.iter().any(|p| p.contains("TEMP B-TREE")),
                "no sort of the whole conversation: {plan:?}"
            );
        }
    }
}
