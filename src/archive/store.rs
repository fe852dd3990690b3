//! Storing: pages with their coverage, messages fetched by id, conversation and user
//! names. Every message goes through [`write_messages`], the one write path.

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::coverage::Stretch;
use super::stretches::{page_span, record_coverage};
use super::{Archive, ArchiveError, now_ms};
use crate::api::wire::Page;
use crate::model::{AppId, ConversationId, ConversationInfo, Cursor, Message, User};
use crate::pager::Direction;

/// Where a page came from: the request that fetched it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageFetch {
    pub app: AppId,
    pub conversation: ConversationId,
    /// The walk's direction (`Reverse`).
    pub direction: Direction,
    /// The `Cursor` the page was asked for with.
    pub cursor: Cursor,
    /// The cursor is where a walk in this direction starts: the newest message
    /// (newest-first), or the beginning of the history (oldest-first).
    pub from_edge: bool,
}

impl PageFetch {
    /// The fetch of a page at `cursor`; `newest_start` is the cursor newest-first walks
    /// start at ([`Cursor::NEWEST`] unless configured).
    pub fn new(
        app: AppId,
        conversation: ConversationId,
        direction: Direction,
        cursor: Cursor,
        newest_start: Cursor,
    ) -> PageFetch {
        let from_edge = match direction {
            Direction::NewestFirst => cursor == newest_start,
            Direction::OldestFirst => cursor == Cursor::OLDEST,
        };
        PageFetch {
            app,
            conversation,
            direction,
            cursor,
            from_edge,
        }
    }
}

/// What storing a page did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageStored {
    /// Messages not archived before.
    pub new: u64,
    /// Archived messages whose JSON changed (a later `Status`, say), now replaced.
    pub changed: u64,
    /// The stretch the page is part of now, after any merge; `None` for an empty page
    /// that continues no stretch.
    pub stretch: Option<Stretch>,
    /// The page reached a stretch archived before it (the walk met archived history).
    pub joined: bool,
}

/// Counts of one write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Written {
    pub(crate) new: u64,
    pub(crate) changed: u64,
}

impl Archive {
    /// Stores a fetched page and records its coverage, in one transaction: after a
    /// kill at any instant the archive holds the page and its coverage, or neither.
    pub fn store_page(
        &mut self,
        fetch: &PageFetch,
        page: &Page,
    ) -> Result<PageStored, ArchiveError> {
        let path = self.path.clone();
        let sqlite = |e| ArchiveError::from_sqlite(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite)?;
        let now = now_ms();
        let written = write_messages(&tx, fetch.app, fetch.conversation, &page.messages, now)
            .map_err(sqlite)?;
        let (stretch, joined) = record_coverage(&tx, fetch, page, now).map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
        Ok(PageStored {
            new: written.new,
            changed: written.changed,
            stretch,
            joined,
        })
    }

    /// Stores several fetched pages, each with its coverage, in one transaction: each
    /// page is all there or not at all (a page that fails, say on a full archive, is
    /// rolled back alone and the others are kept), and the commit costs once for all
    /// of them. One result per page, in order; the outer error is the transaction's
    /// own (it could not begin or commit), and then no page was stored.
    pub fn store_pages(
        &mut self,
        pages: &[(PageFetch, Page)],
    ) -> Result<Vec<Result<PageStored, ArchiveError>>, ArchiveError> {
        let results = self.store_in_batch(pages)?;
        self.end_batch()?;
        Ok(results)
    }

    /// Stores pages as [`Archive::store_pages`] does, in a write transaction left
    /// open for more: pages stored as they arrive share one commit, made by
    /// [`Archive::end_batch`]. Until then nothing of the batch is visible to
    /// other connections, and other writers wait. The outer error is the
    /// transaction's own (it could not begin), and then no page was stored.
    pub(crate) fn store_in_batch(
        &mut self,
        pages: &[(PageFetch, Page)],
    ) -> Result<Vec<Result<PageStored, ArchiveError>>, ArchiveError> {
        let path = self.path.clone();
        let sqlite = |e| ArchiveError::from_sqlite(&path, e);
        if self.batch.is_none() {
            self.conn
                .prepare_cached("BEGIN IMMEDIATE")
                .and_then(|mut begin| begin.execute([]))
                .map_err(sqlite)?;
            self.batch = Some(super::Batch::default());
        }
        let now = now_ms();
        let results: Vec<_> = pages
            .iter()
            .map(|(fetch, page)| store_one(&self.conn, fetch, page, now).map_err(sqlite))
            .collect();
        if let Some(batch) = &mut self.batch {
            batch.pages += results.iter().filter(|r| r.is_ok()).count() as u64;
        }
        Ok(results)
    }

    /// Commits the batch [`Archive::store_in_batch`] left open, if any, after
    /// indexing the search queue when it is due. On failure the batch is rolled
    /// back: the error says how many stored pages it took with it.
    pub(crate) fn end_batch(&mut self) -> Result<(), BatchLost> {
        let Some(batch) = self.batch.take() else {
            return Ok(());
        };
        let committed = super::search_index::index_if_due(&self.conn).and_then(|()| {
            self.conn
                .prepare_cached("COMMIT")
                .and_then(|mut commit| commit.execute([]))
        });
        match committed {
            Ok(_) => Ok(()),
            Err(e) => {
                if !self.conn.is_autocommit() {
                    let _ = self.conn.execute_batch("ROLLBACK");
                }
                Err(BatchLost {
                    error: ArchiveError::from_sqlite(&self.path, e),
                    pages: batch.pages,
                })
            }
        }
    }

    /// Stores messages fetched by id (`GetMessages`): they are kept, but say nothing
    /// of coverage. Returns how many were new.
    pub fn store_messages(
        &mut self,
        app: AppId,
        conversation: ConversationId,
        messages: &[Message],
    ) -> Result<u64, ArchiveError> {
        let path = self.path.clone();
        let sqlite = |e| ArchiveError::from_sqlite(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite)?;
        let written = write_messages(&tx, app, conversation, messages, now_ms()).map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
        Ok(written.new)
    }

    /// Keeps conversations' names and types as the service described them.
    pub fn store_conversations(
        &mut self,
        app: AppId,
        conversations: &[ConversationInfo],
    ) -> Result<(), ArchiveError> {
        let path = self.path.clone();
        let sqlite = |e| ArchiveError::from_sqlite(&path, e);
        let tx = self.conn.transaction().map_err(sqlite)?;
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO conversations
                        (app_id, conversation_id, conversation_type, name, info, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (app_id, conversation_id) DO UPDATE SET
                        conversation_type = excluded.conversation_type,
                        name = excluded.name, info = excluded.info,
                        updated_at = excluded.updated_at",
                )
                .map_err(sqlite)?;
            let now = now_ms();
            for info in conversations {
                let json = serde_json::to_string(info).unwrap_or_default();
                upsert
                    .execute(params![
                        app.0,
                        info.conversation_short_id.0,
                        info.conversation_type,
                        info.name,
                        json,
                        now
                    ])
                    .map_err(sqlite)?;
            }
        }
        tx.commit().map_err(sqlite)
    }

    /// Keeps conversations' types when only the type is known (from their messages),
    /// without touching names already kept.
    pub fn note_conversation_type(
        &mut self,
        app: AppId,
        conversation: ConversationId,
        conversation_type: i32,
    ) -> Result<(), ArchiveError> {
        self.conn
            .execute(
                "INSERT INTO conversations (app_id, conversation_id, conversation_type, updated_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (app_id, conversation_id) DO UPDATE SET
                    conversation_type = excluded.conversation_type
                 WHERE conversation_type IS NOT excluded.conversation_type",
                params![app.0, conversation.0, conversation_type, now_ms()],
            )
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// Keeps users' display names as `BatchGetUser` returned them.
    pub fn store_users(&mut self, app: AppId, users: &[User]) -> Result<(), ArchiveError> {
        let path = self.path.clone();
        let sqlite = |e| ArchiveError::from_sqlite(&path, e);
        let tx = self.conn.transaction().map_err(sqlite)?;
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO users (app_id, user_id, nick_name, info, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (app_id, user_id) DO UPDATE SET
                        nick_name = excluded.nick_name, info = excluded.info,
                        updated_at = excluded.updated_at",
                )
                .map_err(sqlite)?;
            let now = now_ms();
            for user in users {
                let json = serde_json::to_string(user).unwrap_or_default();
                upsert
                    .execute(params![app.0, user.user_id.0, user.nick_name, json, now])
                    .map_err(sqlite)?;
            }
        }
        tx.commit().map_err(sqlite)
    }
}

/// A batch that could not be committed, and the stored pages it lost.
#[derive(Debug)]
pub(crate) struct BatchLost {
    pub(crate) error: ArchiveError,
    pub(crate) pages: u64,
}

impl From<BatchLost> for ArchiveError {
    fn from(lost: BatchLost) -> ArchiveError {
        lost.error
    }
}

/// One page of a grouped store, inside a savepoint of its own.
fn store_one(
    tx: &Connection,
    fetch: &PageFetch,
    page: &Page,
    now: i64,
) -> rusqlite::Result<PageStored> {
    // Cached statements rather than rusqlite's savepoint, which parses its SQL anew
    // each time.
    tx.prepare_cached("SAVEPOINT page")?.execute([])?;
    let stored = insert_messages(tx, fetch.app, fetch.conversation, &page.messages, now)
        .and_then(|written| Ok((written, record_coverage(tx, fetch, page, now)?)));
    let (written, (stretch, joined)) = match stored {
        Ok(stored) => stored,
        Err(e) => {
            tx.prepare_cached("ROLLBACK TO page")?.execute([])?;
            tx.prepare_cached("RELEASE page")?.execute([])?;
            return Err(e);
        }
    };
    tx.prepare_cached("RELEASE page")?.execute([])?;
    Ok(PageStored {
        new: written.new,
        changed: written.changed,
        stretch,
        joined,
    })
}

/// The one write path of messages: a message not archived is inserted; an archived
/// one (same key in the same conversation) whose JSON differs is replaced in place,
/// keeping its row id.
pub(crate) fn write_messages(
    tx: &Transaction<'_>,
    app: AppId,
    conversation: ConversationId,
    messages: &[Message],
    now: i64,
) -> rusqlite::Result<Written> {
    let written = insert_messages(tx, app, conversation, messages, now)?;
    super::search_index::index_if_due(tx)?;
    Ok(written)
}

/// [`write_messages`] without the search queue's check, for a caller that checks it
/// once for several pages.
fn insert_messages(
    tx: &Connection,
    app: AppId,
    conversation: ConversationId,
    messages: &[Message],
    now: i64,
) -> rusqlite::Result<Written> {
    // Looked up first: a message archived as it is now (every message of an export
    // run again) costs neither its text's decoding nor a write. The page's span is
    // read as one range of the position index; a message not in it (new, or
    // without a position) is looked up by its key.
    let keys: Vec<String> = messages.iter().map(|m| m.key().to_string()).collect();
    let in_span = archived_in_span(tx, app, conversation, messages, &keys)?;
    let mut archived = tx.prepare_cached(
        "SELECT id, raw FROM messages WHERE app_id = ?1 AND conversation_id = ?2 AND key = ?3",
    )?;
    let mut written = Written::default();
    for ((message, key), in_span) in messages.iter().zip(&keys).zip(in_span) {
        let found = match in_span {
            Some(found) => Some(found),
            None => archived
                .query_row(params![app.0, conversation.0, key], |row| {
                    let same = row.get_ref(1)?.as_bytes()? == message.raw_json().as_bytes();
                    Ok((row.get::<_, i64>(0)?, same))
                })
                .optional()?,
        };
        let body = &message.body;
        let text = match found {
            Some((_, true)) => continue,
            _ => message.decoded_content().text,
        };
        // One statement for a new message and a changed one; the lookup above says
        // which it was (the write transaction rules out a row appearing since).
        tx.prepare_cached(
            "INSERT INTO messages (app_id, conversation_id, key, message_id, idx,
                create_time, sender, sender_str, msg_type, status, text, raw, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (app_id, conversation_id, key) DO UPDATE SET
                message_id = excluded.message_id, idx = excluded.idx,
                create_time = excluded.create_time, sender = excluded.sender,
                sender_str = excluded.sender_str, msg_type = excluded.msg_type,
                status = excluded.status, text = excluded.text, raw = excluded.raw,
                fetched_at = excluded.fetched_at",
        )?
        .execute(params![
            app.0,
            conversation.0,
            key,
            body.message_id.map(|m| m.0),
            body.index_in_conversation,
            body.create_time,
            body.sender.map(|s| s.0),
            body.sender_str,
            body.msg_type,
            body.status,
            text,
            message.raw_json(),
            now,
        ])?;
        if found.is_some() {
            written.changed += 1;
        } else {
            written.new += 1;
        }
    }
    Ok(written)
}

/// For each of `messages` (whose keys are `keys`), its row id and whether its
/// archived JSON is the same, when it is archived within the page's span of
/// positions: one read of a range of the position index, bounded (a message the
/// range does not reach is left to a lookup by key).
fn archived_in_span(
    tx: &Connection,
    app: AppId,
    conversation: ConversationId,
    messages: &[Message],
    keys: &[String],
) -> rusqlite::Result<Vec<Option<(i64, bool)>>> {
    let mut found = vec![None; messages.len()];
    let (Some((lo, _)), Some((hi, _))) = page_span(messages) else {
        return Ok(found);
    };
    let limit = 2 * messages.len() as i64 + 8;
    let mut span = tx.prepare_cached(
        "SELECT key, id, raw FROM messages INDEXED BY messages_by_position
         WHERE app_id = ?1 AND conversation_id = ?2 AND idx BETWEEN ?3 AND ?4 LIMIT ?5",
    )?;
    let mut rows = span.query(params![app.0, conversation.0, lo, hi, limit])?;
    while let Some(row) = rows.next()? {
        let key = row.get_ref(0)?.as_str()?;
        let Some(i) = keys.iter().position(|k| k == key) else {
            continue;
        };
        let same = row.get_ref(2)?.as_bytes()? == messages[i].raw_json().as_bytes();
        found[i] = Some((row.get(1)?, same));
    }
    Ok(found)
}
