//! Finding places in the archive cheaply, however large it grows: the first message
//! at or after a time (the browser's jump to a date), and each conversation's figures
//! (how many messages are archived, the time of the newest) without counting them.
//!
//! The figures are kept in `conversation_figures`, brought up to date from the
//! messages archived since the last time (`figures_state.upto`, a row id: rows are
//! only ever added with larger ids), so reading them costs what was archived since,
//! not the whole archive. volc-im never deletes a message (the search index's
//! triggers refuse a delete made outside it).

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{Archive, ArchiveError, ArchivedMessage};
use crate::model::{AppId, ConversationId};

/// The migration step that adds the kept figures, filled from what is archived already.
pub(crate) const MIGRATION: &str = r#"
    CREATE TABLE conversation_figures (
        app_id          INTEGER NOT NULL,
        conversation_id INTEGER NOT NULL,
        messages        INTEGER NOT NULL,
        newest_time     INTEGER,
        PRIMARY KEY (app_id, conversation_id)
    ) WITHOUT ROWID;
    CREATE TABLE figures_state (
        one  INTEGER PRIMARY KEY CHECK (one = 1),
        upto INTEGER NOT NULL
    );
    INSERT INTO conversation_figures
        SELECT app_id, conversation_id, count(*), max(create_time)
        FROM messages GROUP BY app_id, conversation_id;
    INSERT INTO figures_state VALUES (1, coalesce((SELECT max(id) FROM messages), 0));
"#;

/// How many messages of a conversation are archived, and when the newest was sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub messages: u64,
    /// `CreateTime` (ms) of the newest archived message.
    pub newest_time: Option<i64>,
}

impl Figures {
    fn add(&mut self, other: Figures) {
        self.messages += other.messages;
        self.newest_time = self.newest_time.max(other.newest_time);
    }
}

/// Where a jump to a time lands in the archive.
#[derive(Clone, Debug)]
pub struct TimeLanding {
    /// The first archived message at or after the time, if any is.
    pub message: Option<ArchivedMessage>,
    /// True when the archive knows no message is missing before it: the one before it
    /// is archived in the same complete stretch (so it is older than the time), or it
    /// begins the history. Otherwise the history between may hold an earlier one.
    pub complete: bool,
}

impl Archive {
    /// The first archived message at or after `time_ms`, and whether the archive
    /// knows it is the first of the conversation's whole history.
    pub fn landing_at(
        &self,
        app: AppId,
        conversation: ConversationId,
        time_ms: i64,
    ) -> Result<TimeLanding, ArchiveError> {
        let message = self.first_at_or_after(app, conversation, time_ms)?;
        let idx = message
            .as_ref()
            .and_then(|m| m.message.body.index_in_conversation);
        let complete = match idx {
            Some(f) => {
                self.coverage(app, conversation)?
                    .iter()
                    .any(|s| match (s.lo_idx, s.hi_idx) {
                        (Some(lo), Some(hi)) => {
                            (lo < f && f <= hi) || (lo == f && s.reaches_beginning())
                        }
                        _ => false,
                    })
            }
            None => false,
        };
        Ok(TimeLanding { message, complete })
    }

    /// The first archived message of a conversation sent at or after `time_ms`
    /// (`CreateTime`, ms), in reading order; `None` when every archived one is older.
    ///
    /// A binary search over the position index (times grow with positions: the
    /// service numbers messages as they are sent), a few dozen index lookups however
    /// large the archive, and no index of its own for every store to keep up.
    /// Messages archived without a position come after all others, as they read.
    pub fn first_at_or_after(
        &self,
        app: AppId,
        conversation: ConversationId,
        time_ms: i64,
    ) -> Result<Option<ArchivedMessage>, ArchiveError> {
        let sqlite = |e| self.error(e);
        // Two queries: SQLite answers a lone min() or max() from the index's ends,
        // but walks the whole range for both at once.
        let end = |sql: &str| -> Result<Option<i64>, ArchiveError> {
            self.conn
                .prepare_cached(sql)
                .and_then(|mut s| s.query_row(params![app.0, conversation.0], |r| r.get(0)))
                .map_err(sqlite)
        };
        let bounds = (
            end("SELECT min(idx) FROM messages
                 WHERE app_id = ?1 AND conversation_id = ?2 AND idx IS NOT NULL")?,
            end("SELECT max(idx) FROM messages WHERE app_id = ?1 AND conversation_id = ?2")?,
        );
        let mut at_or_after = self
            .conn
            .prepare_cached(
                "SELECT idx, create_time FROM messages
                 WHERE app_id = ?1 AND conversation_id = ?2 AND idx >= ?3
                 ORDER BY idx, create_time, message_id, id LIMIT 1",
            )
            .map_err(sqlite)?;
        let mut found = None;
        if let (Some(mut lo), Some(mut hi)) = bounds {
            // The first position whose time is at or after `time_ms` lies in [lo, hi].
            hi += 1;
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let (idx, time): (i64, Option<i64>) = at_or_after
                    .query_row(params![app.0, conversation.0, mid], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .map_err(sqlite)?;
                // No position lies in [mid, idx): a fit at idx leaves [lo, mid) to
                // look for an earlier one; a miss, everything after idx.
                if time.is_some_and(|t| t >= time_ms) {
                    found = Some(idx);
                    hi = mid;
                } else {
                    lo = idx + 1;
                }
            }
        }
        let sql = match found {
            Some(_) => {
                "SELECT id, raw FROM messages
                 WHERE app_id = ?1 AND conversation_id = ?2 AND idx = ?3
                 ORDER BY create_time, message_id, id LIMIT 1"
            }
            None => {
                "SELECT id, raw FROM messages
                 WHERE app_id = ?1 AND conversation_id = ?2 AND idx IS NULL AND create_time >= ?3
                 ORDER BY create_time, message_id, id LIMIT 1"
            }
        };
        let key = found.unwrap_or(time_ms);
        self.one_message(sql, app, conversation, key)
    }

    /// Every conversation's figures, by app and conversation. Reads the kept figures
    /// and what was archived since; keeps the sum for next time when the file can be
    /// written (a read-only or busy archive is answered all the same).
    pub fn figures(&self) -> Result<HashMap<(AppId, ConversationId), Figures>, ArchiveError> {
        let sqlite = |e| self.error(e);
        let upto: i64 = self
            .conn
            .query_row("SELECT upto FROM figures_state", [], |r| r.get(0))
            .optional()
            .map_err(sqlite)?
            .unwrap_or(0);
        let mut figures = HashMap::new();
        let mut kept = self
            .conn
            .prepare_cached(
                "SELECT app_id, conversation_id, messages, newest_time FROM conversation_figures",
            )
            .map_err(sqlite)?;
        let rows = kept
            .query_map([], |r| {
                Ok((
                    (AppId(r.get(0)?), ConversationId(r.get(1)?)),
                    Figures {
                        messages: r.get::<_, i64>(2)?.max(0) as u64,
                        newest_time: r.get(3)?,
                    },
                ))
            })
            .map_err(sqlite)?;
        for row in rows {
            let (key, f) = row.map_err(sqlite)?;
            figures.insert(key, f);
        }
        let mut since = self
            .conn
            .prepare_cached(
                // NOT INDEXED: the rows after `upto` by row id, not a walk of a whole
                // index that happens to be in GROUP BY order.
                "SELECT app_id, conversation_id, count(*), max(create_time), max(id)
                 FROM messages NOT INDEXED WHERE id > ?1 GROUP BY app_id, conversation_id",
            )
            .map_err(sqlite)?;
        let rows = since
            .query_map([upto], |r| {
                Ok((
                    (AppId(r.get(0)?), ConversationId(r.get(1)?)),
                    Figures {
                        messages: r.get::<_, i64>(2)? as u64,
                        newest_time: r.get(3)?,
                    },
                    r.get::<_, i64>(4)?,
                ))
            })
            .map_err(sqlite)?;
        let mut fresh = Vec::new();
        let mut top = upto;
        for row in rows {
            let (key, f, max_id) = row.map_err(sqlite)?;
            top = top.max(max_id);
            fresh.push((key, f));
            figures.entry(key).or_default().add(f);
        }
        if !fresh.is_empty()
            && let Err(e) = self.keep_figures(upto, top, &fresh)
        {
            tracing::debug!(error = %e, "the archive's figures were not kept (read-only or busy)");
        }
        Ok(figures)
    }

    /// Adds what was archived between `upto` and `top` to the kept figures, unless
    /// another process kept them meanwhile.
    fn keep_figures(
        &self,
        upto: i64,
        top: i64,
        fresh: &[((AppId, ConversationId), Figures)],
    ) -> rusqlite::Result<()> {
        if self.conn.is_readonly(rusqlite::MAIN_DB)? {
            return Ok(());
        }
        let tx = self.conn.unchecked_transaction()?;
        let moved = tx.execute(
            "UPDATE figures_state SET upto = ?2 WHERE one = 1 AND upto = ?1",
            params![upto, top],
        )?;
        if moved == 1 {
            let mut add = tx.prepare_cached(
                "INSERT INTO conversation_figures VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (app_id, conversation_id) DO UPDATE SET
                     messages = messages + excluded.messages,
                     newest_time = max(coalesce(newest_time, excluded.newest_time),
                                       coalesce(excluded.newest_time, newest_time))",
            )?;
            for ((app, conversation), f) in fresh {
                add.execute(params![
                    app.0,
                    conversation.0,
                    f.messages as i64,
                    f.newest_time
                ])?;
            }
            drop(add);
        }
        tx.commit()
    }
}
