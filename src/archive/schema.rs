//! The archive's tables, built by an ordered list of forward-only migration steps.
//!
//! `PRAGMA user_version` holds how many steps a file has had. A step is never edited
//! once released: a change to the schema is a new step at the end.

use rusqlite::Transaction;

/// The migration steps, oldest first. Step `n` (1-based) brings a file from version
/// `n - 1` to version `n`.
pub(crate) const STEPS: &[&str] = &[
    // 1: messages, coverage, conversations and users.
    r#"
    CREATE TABLE messages (
        id              INTEGER PRIMARY KEY,
        app_id          INTEGER NOT NULL,
        conversation_id INTEGER NOT NULL,
        key             TEXT    NOT NULL,
        message_id      INTEGER,
        idx             INTEGER,
        create_time     INTEGER,
        sender          INTEGER,
        sender_str      TEXT,
        msg_type        INTEGER,
        status          INTEGER,
        text            TEXT,
        raw             TEXT    NOT NULL,
        fetched_at      INTEGER NOT NULL,
        UNIQUE (app_id, conversation_id, key)
    );
    CREATE INDEX messages_by_position
        ON messages (app_id, conversation_id, idx, create_time, message_id);
    CREATE INDEX messages_by_time ON messages (create_time);

    CREATE TABLE coverage (
        id              INTEGER PRIMARY KEY,
        app_id          INTEGER NOT NULL,
        conversation_id INTEGER NOT NULL,
        lo_idx          INTEGER,
        hi_idx          INTEGER,
        lo_time         INTEGER,
        hi_time         INTEGER,
        lo_cursor       INTEGER,
        begins          INTEGER NOT NULL DEFAULT 0,
        hi_cursor       INTEGER,
        newest_at       INTEGER,
        updated_at      INTEGER NOT NULL
    );
    CREATE INDEX coverage_by_conversation ON coverage (app_id, conversation_id);

    CREATE TABLE conversations (
        app_id            INTEGER NOT NULL,
        conversation_id   INTEGER NOT NULL,
        conversation_type INTEGER,
        name              TEXT,
        info              TEXT,
        updated_at        INTEGER NOT NULL,
        PRIMARY KEY (app_id, conversation_id)
    ) WITHOUT ROWID;

    CREATE TABLE users (
        app_id     INTEGER NOT NULL,
        user_id    INTEGER NOT NULL,
        nick_name  TEXT,
        info       TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (app_id, user_id)
    ) WITHOUT ROWID;
    "#,
    // ---- Steps added after this line: the full-text index over `messages.text`
    // (an FTS5 external-content table on `messages.id`) and its triggers go here,
    // each as a step of its own appended in order.    // 2: the search indexes over `messages.text` and the triggers that keep them.
    super::search_index::MIGRATION,
    // 3: both search indexes without positions or sizes (half the index, faster to
    // write), every message queued to be indexed again.
    super::search_index::LEAN_MIGRATION,
    // 4: where each conversation was last read, and how far its reader had seen.
    r#"
    CREATE TABLE reading (
        app_id          INTEGER NOT NULL,
        conversation_id INTEGER NOT NULL,
        key             TEXT    NOT NULL,
        message_id      INTEGER,
        idx             INTEGER,
        create_time     INTEGER,
        seen_idx        INTEGER,
        seen_time       INTEGER,
        updated_at      INTEGER NOT NULL,
        PRIMARY KEY (app_id, conversation_id)
    ) WITHOUT ROWID;
    "#,
    // 5: each conversation's figures (messages, newest time) kept.
    super::positions::MIGRATION,
];

/// The schema version this build writes: the number of steps.
pub(crate) fn current_version() -> i64 {
    STEPS.len() as i64
}

/// Runs the steps a file at `from` has not had yet, in `tx`, and records the new
/// version.
pub(crate) fn migrate(tx: &Transaction<'_>, from: i64) -> rusqlite::Result<()> {
    for step in STEPS.iter().skip(from.max(0) as usize) {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", current_version())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn every_step_runs_from_an_empty_file_and_from_each_version() {
        for from in 0..=current_version() {
            let mut conn = Connection::open_in_memory().unwrap();
            super::super::search_index::register_functions(&conn).unwrap();
            let tx = conn.transaction().unwrap();
            for step in STEPS.iter().take(from as usize) {
                tx.execute_batch(step).unwrap();
            }
            migrate(&tx, from).unwrap();
            tx.commit().unwrap();
            let version: i64 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap();
            assert_eq!(version, current_version());
            conn.execute("SELECT count(*) FROM messages", []).ok();
            let reading: i64 = conn
                .query_row("SELECT count(*) FROM reading", [], |r| r.get(0))
                .unwrap();
            assert_eq!(reading, 0, "step 4 made the reading table (from {from})");
        }
    }
}
