//! Pages read back from the archive, cursor to cursor as the service hands them out,
//! so that an export can be written from the archive alone.
//!
//! The cursor is `IndexInConversation`, as the service's: a forward page starts at
//! the first message at or after its cursor, a backward page at the last one at or
//! before it. Messages archived without an index sort after all others (as in
//! [`Archive::messages`]): a forward walk ends with them, a backward walk from the
//! newest starts with them.

use rusqlite::params;
use serde_json::value::RawValue;

use super::{Archive, ArchiveError};
use crate::api::wire::Page;
use crate::model::{AppId, ConversationId, Cursor, Message};
use crate::pager::Direction;

impl Archive {
    /// The archived page of a conversation that a request at `cursor` going
    /// `direction` would get, at most `limit` indexed messages.
    pub fn archived_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        cursor: Cursor,
        direction: Direction,
        limit: u32,
    ) -> Result<Page, ArchiveError> {
        let sql = match direction {
            Direction::OldestFirst => {
                "SELECT raw, idx FROM messages
                 WHERE app_id = ?1 AND conversation_id = ?2 AND idx >= ?3
                 ORDER BY idx, create_time, message_id, id LIMIT ?4"
            }
            Direction::NewestFirst => {
                "SELECT raw, idx FROM messages
                 WHERE app_id = ?1 AND conversation_id = ?2 AND idx <= ?3
                 ORDER BY idx DESC, create_time DESC, message_id DESC, id DESC LIMIT ?4"
            }
        };
        let wanted = i64::from(limit.max(1));
        let mut rows = self.rows(sql, params![app.0, conversation.0, cursor.0, wanted + 1])?;
        let has_more = rows.len() as i64 > wanted;
        rows.truncate(wanted as usize);
        let last_idx = rows.last().and_then(|(_, idx)| *idx);
        let mut messages: Vec<Message> = Vec::new();
        let unindexed = || {
            self.rows(
                "SELECT raw, idx FROM messages
                 WHERE app_id = ?1 AND conversation_id = ?2 AND idx IS NULL
                 ORDER BY create_time, message_id, id",
                params![app.0, conversation.0],
            )
        };
        match direction {
            Direction::OldestFirst => {
                messages.extend(rows.into_iter().map(|(raw, _)| message_from(raw)));
                if !has_more {
                    messages.extend(unindexed()?.into_iter().map(|(raw, _)| message_from(raw)));
                }
            }
            Direction::NewestFirst => {
                if cursor == Cursor::NEWEST {
                    let mut newest = unindexed()?;
                    newest.reverse();
                    messages.extend(newest.into_iter().map(|(raw, _)| message_from(raw)));
                }
                messages.extend(rows.into_iter().map(|(raw, _)| message_from(raw)));
            }
        }
        let new_cursor = match (last_idx, direction) {
            (Some(idx), Direction::OldestFirst) => Cursor(idx.saturating_add(1)),
            (Some(idx), Direction::NewestFirst) => Cursor(idx.saturating_sub(1)),
            (None, _) => cursor,
        };
        Ok(Page {
            has_more,
            new_cursor: Some(new_cursor),
            messages,
        })
    }

    fn rows(
        &self,
        sql: &str,
        values: impl rusqlite::Params,
    ) -> Result<Vec<(String, Option<i64>)>, ArchiveError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(values, |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}

/// A message from its archived JSON (kept as received, so it parses; a file edited
/// by hand keeps its text as a JSON string).
fn message_from(raw: String) -> Message {
    match RawValue::from_string(raw) {
        Ok(raw) => Message::from_raw(raw),
        Err(e) => Message::from_value(&serde_json::Value::String(e.to_string())),
    }
}
