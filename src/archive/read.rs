//! Reading the archive back: a conversation's messages in order, its coverage, the
//! archived conversations and the names kept.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use serde_json::value::RawValue;

use super::coverage::Stretch;
use super::store::stretches_of;
use super::{Archive, ArchiveError};
use crate::model::{AppId, ConversationId, Message, UserId};

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
    pub fn conversations(&self) -> Result<Vec<ArchivedConversation>, ArchiveError> {
        let sql = "
            WITH counts AS (
                SELECT app_id, conversation_id, count(*) AS n, max(create_time) AS newest
                FROM messages GROUP BY app_id, conversation_id
            ), keys AS (
                SELECT app_id, conversation_id FROM counts
                UNION SELECT app_id, conversation_id FROM conversations
            )
            SELECT k.app_id, k.conversation_id, c.conversation_type, c.name,
                   coalesce(n.n, 0), n.newest
            FROM keys k
            LEFT JOIN conversations c USING (app_id, conversation_id)
            LEFT JOIN counts n USING (app_id, conversation_id)
            ORDER BY k.app_id, k.conversation_id";
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ArchivedConversation {
                    app: AppId(r.get(0)?),
                    conversation: ConversationId(r.get(1)?),
                    conversation_type: r.get(2)?,
                    name: r.get(3)?,
                    messages: r.get::<_, i64>(4)? as u64,
                    newest_time: r.get(5)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
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
        self.conn
            .prepare_cached(
                "SELECT id, raw FROM messages WHERE app_id = ?1 AND conversation_id = ?2 AND key = ?3",
            )
            .and_then(|mut s| {
                s.query_row(params![app.0, conversation.0, key], |r| {
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

/// A message from its archived JSON. The JSON was stored as received, so it parses;
/// should the file have been edited by hand, the text is kept as a JSON string.
pub(super) fn message_from(raw: String) -> Message {
    match RawValue::from_string(raw) {
        Ok(raw) => Message::from_raw(raw),
        Err(e) => Message::from_value(&serde_json::Value::String(e.to_string())),
    }
}
