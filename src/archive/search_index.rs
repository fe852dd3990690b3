//! The search indexes: their tables, the triggers that keep them, the queue of
//! messages waiting to be indexed, and the grams of a text (see [`super::search`]).
//!
//! The grams of a text must never change between versions without a migration that
//! rebuilds `message_grams`: a delete is told the grams that were indexed.

use std::collections::HashSet;

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

/// The SQL function the triggers call to write a text's grams.
const GRAMS_FUNCTION: &str = "volc_im_grams";
/// The SQL function a search checks a long word on the text with ([`fold`]).
pub(crate) const FOLD_FUNCTION: &str = "volc_im_fold";

/// The migration step that adds the search indexes, the queue of messages waiting to
/// be indexed and the triggers that keep both, and queues the messages already
/// archived.
pub(crate) const MIGRATION: &str = r#"
    CREATE VIRTUAL TABLE message_search USING fts5(
        text, content='messages', content_rowid='id', tokenize='trigram'
    );
    CREATE VIRTUAL TABLE message_grams USING fts5(
        grams, content='', tokenize='ascii', detail='none'
    );
    -- Messages stored but not indexed yet: indexing many at once is many times
    -- faster than one page at a time.
    CREATE TABLE message_search_pending (message INTEGER PRIMARY KEY);

    CREATE TRIGGER messages_search_insert AFTER INSERT ON messages
    WHEN NEW.text IS NOT NULL AND NEW.text <> ''
    BEGIN
        INSERT OR IGNORE INTO message_search_pending (message) VALUES (NEW.id);
    END;

    -- An indexed message leaves the indexes as it was indexed; a queued one, the queue.
    CREATE TRIGGER messages_search_delete AFTER DELETE ON messages
    WHEN OLD.text IS NOT NULL AND OLD.text <> ''
    BEGIN
        INSERT INTO message_search (message_search, rowid, text)
            SELECT 'delete', OLD.id, OLD.text
            WHERE NOT EXISTS (SELECT 1 FROM message_search_pending WHERE message = OLD.id);
        INSERT INTO message_grams (message_grams, rowid, grams)
            SELECT 'delete', OLD.id, g FROM (SELECT volc_im_grams(OLD.text) AS g)
            WHERE g <> ''
              AND NOT EXISTS (SELECT 1 FROM message_search_pending WHERE message = OLD.id);
        DELETE FROM message_search_pending WHERE message = OLD.id;
    END;

    CREATE TRIGGER messages_search_update AFTER UPDATE OF text ON messages
    WHEN OLD.text IS NOT NEW.text
    BEGIN
        INSERT INTO message_search (message_search, rowid, text)
            SELECT 'delete', OLD.id, OLD.text
            WHERE OLD.text IS NOT NULL AND OLD.text <> ''
              AND NOT EXISTS (SELECT 1 FROM message_search_pending WHERE message = OLD.id);
        INSERT INTO message_grams (message_grams, rowid, grams)
            SELECT 'delete', OLD.id, g FROM (SELECT volc_im_grams(OLD.text) AS g)
            WHERE OLD.text IS NOT NULL AND g <> ''
              AND NOT EXISTS (SELECT 1 FROM message_search_pending WHERE message = OLD.id);
        DELETE FROM message_search_pending WHERE message = OLD.id;
        INSERT INTO message_search_pending (message)
            SELECT NEW.id WHERE NEW.text IS NOT NULL AND NEW.text <> '';
    END;

    -- Messages archived before this step.
    INSERT INTO message_search_pending (message)
        SELECT id FROM messages WHERE text IS NOT NULL AND text <> '';
"#;

/// The migration step that rebuilds both search indexes leaner: `detail=none` keeps
/// only which messages hold a token, not where (a search checks a long word on the
/// text itself, see [`super::search`]), and `columnsize=0` drops the per-message
/// token counts nothing reads. Every message with text is queued again, since
/// neither index can be copied into the new layout.
pub(crate) const LEAN_MIGRATION: &str = r#"
    DROP TABLE message_search;
    DROP TABLE message_grams;
    CREATE VIRTUAL TABLE message_search USING fts5(
        text, content='messages', content_rowid='id', tokenize='trigram',
        detail='none', columnsize=0
    );
    CREATE VIRTUAL TABLE message_grams USING fts5(
        grams, content='', tokenize='ascii', detail='none', columnsize=0
    );
    INSERT OR IGNORE INTO message_search_pending (message)
        SELECT id FROM messages WHERE text IS NOT NULL AND text <> '';
"#;

/// The store indexes its queue once it holds this many messages (a search indexes
/// whatever is queued first).
pub(crate) const INDEX_EVERY: i64 = 20_000;

/// Indexes the queued messages when the queue is long enough: called by the store's
/// write path, inside its transaction.
pub(crate) fn index_if_due(conn: &Connection) -> rusqlite::Result<()> {
    // The span of queued ids, not count(*): counting walks the whole queue on every
    // page, while the span takes two lookups. It is never less than the count, so at
    // worst a batch is indexed early.
    let queued: i64 = conn
        .prepare_cached(
            "SELECT coalesce((SELECT max(message) FROM message_search_pending)
                           - (SELECT min(message) FROM message_search_pending) + 1, 0)",
        )?
        .query_row([], |r| r.get(0))?;
    if queued >= INDEX_EVERY {
        index_queued(conn)?;
    }
    Ok(())
}

/// Indexes every queued message and empties the queue (inside the caller's
/// transaction, when there is one).
pub(crate) fn index_queued(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "INSERT INTO message_search (rowid, text)
             SELECT m.id, m.text FROM message_search_pending AS p
             JOIN messages AS m ON m.id = p.message;
         INSERT INTO message_grams (rowid, grams)
             SELECT id, g FROM (
                 SELECT m.id AS id, volc_im_grams(m.text) AS g FROM message_search_pending AS p
                 JOIN messages AS m ON m.id = p.message)
             WHERE g <> '';
         DELETE FROM message_search_pending;",
    )
}

/// Makes the functions the search triggers call known to a connection. Every
/// connection that writes messages needs them (another program writing `messages`
/// without them gets "no such function", and writes nothing).
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        GRAMS_FUNCTION,
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            let text: Option<String> = ctx.get(0)?;
            Ok(grams(text.as_deref().unwrap_or("")))
        },
    )?;
    conn.create_scalar_function(
        FOLD_FUNCTION,
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            let text: Option<String> = ctx.get(0)?;
            Ok(text.map(|t| fold(&t)))
        },
    )
}

/// Case folding for the gram index (the trigram tokenizer folds on its own).
pub(crate) fn fold(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// A gram as one ASCII token: its UTF-8 bytes in hex, prefixed so that a token never
/// starts with a digit.
pub(crate) fn gram_token(gram: &str) -> String {
    let mut token = String::with_capacity(1 + gram.len() * 2);
    token.push('g');
    gram.chars().for_each(|c| push_hex(c, &mut token));
    token
}

/// Appends the UTF-8 bytes of `c` in lowercase hex.
fn push_hex(c: char, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 4];
    for &byte in c.encode_utf8(&mut buf).as_bytes() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
}

/// Every character and pair of adjacent characters of `text` that is not plain
/// ASCII (white space excluded), folded, each as a token, space-separated and
/// without repeats.
pub(crate) fn grams(text: &str) -> String {
    // Folding keeps ASCII text ASCII, and plain ASCII has no grams: most messages
    // stop here.
    if text.is_ascii() {
        return String::new();
    }
    let chars: Vec<char> = fold(text).chars().collect();
    let mut seen: HashSet<(char, Option<char>)> = HashSet::new();
    let mut out = String::new();
    let mut push = |first: char, second: Option<char>, out: &mut String| {
        if seen.insert((first, second)) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push('g');
            push_hex(first, out);
            if let Some(second) = second {
                push_hex(second, out);
            }
        }
    };
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            continue;
        }
        if !c.is_ascii() {
            push(c, None, &mut out);
        }
        if let Some(&next) = chars.get(i + 1)
            && !next.is_whitespace()
            && !(c.is_ascii() && next.is_ascii())
        {
            push(c, Some(next), &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::schema::STEPS;
    use crate::archive::{Archive, SearchQuery};

    fn texts(archive: &Archive, typed: &str) -> Vec<String> {
        let query = SearchQuery {
            words: SearchQuery::words_of(typed),
            limit: 50,
            ..SearchQuery::default()
        };
        let mut found: Vec<String> = archive
            .search(&query)
            .unwrap()
            .into_iter()
            .map(|h| h.text)
            .collect();
        found.sort();
        found
    }

    /// A file written with the search indexes of step 2 (positions kept), some of
    /// its messages indexed and some still queued, is rebuilt leaner when opened and
    /// finds exactly what it found before; a message deleted afterwards is gone.
    #[test]
    fn an_archive_indexed_with_positions_is_reindexed_and_finds_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.sqlite3");
        {
            let mut conn = Connection::open(&path).unwrap();
            register_functions(&conn).unwrap();
            let tx = conn.transaction().unwrap();
            for step in &STEPS[..2] {
                tx.execute_batch(step).unwrap();
            }
            tx.pragma_update(None, "user_version", 2).unwrap();
            let texts = [
                "the launch is on Thursday",
                "lau aun unc nch",
                "大家好，你好世界",
                "Prelaunch checklist",
            ];
            for (i, text) in texts.iter().enumerate() {
                if i == 2 {
                    // The first two are indexed under step 2, the rest stay queued.
                    index_queued(&tx).unwrap();
                }
                tx.execute(
                    "INSERT INTO messages (app_id, conversation_id, key, idx, create_time,
                        text, raw, fetched_at) VALUES (1, 2, ?1, ?1, ?1, ?2, '{}', 0)",
                    rusqlite::params![i as i64, text],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        let archive = Archive::open(&path).unwrap();
        let detail: String = archive
            .conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'message_search'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(detail.contains("detail='none'"), "{detail}");
        assert_eq!(
            texts(&archive, "LAUNCH"),
            ["Prelaunch checklist", "the launch is on Thursday"]
        );
        assert_eq!(texts(&archive, "你好"), ["大家好，你好世界"]);
        assert_eq!(texts(&archive, "\"unc nch\""), ["lau aun unc nch"]);
        archive
            .conn
            .execute("DELETE FROM messages WHERE text LIKE 'the launch%'", [])
            .unwrap();
        assert_eq!(texts(&archive, "launch"), ["Prelaunch checklist"]);
        archive
            .conn
            .execute(
                "INSERT INTO message_search (message_search, rank) VALUES ('integrity-check', 1)",
                [],
            )
            .expect("the trigram index matches the messages");
    }

    /// The store indexes its queue once it holds a batch, and not before.
    #[test]
    fn the_queue_is_indexed_once_it_holds_a_batch() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
        let queued = |archive: &Archive| -> i64 {
            archive
                .conn
                .query_row("SELECT count(*) FROM message_search_pending", [], |r| {
                    r.get(0)
                })
                .unwrap()
        };
        let insert = |archive: &Archive, from: i64, to: i64| {
            archive
                .conn
                .execute(
                    "WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
                     INSERT INTO messages (app_id, conversation_id, key, idx, create_time,
                         text, raw, fetched_at)
                     SELECT 1, 2, 'index:' || i, i, i, 'launch ' || i, '{}', 0 FROM n",
                    rusqlite::params![from, to],
                )
                .unwrap();
        };
        insert(&archive, 1, INDEX_EVERY - 1);
        index_if_due(&archive.conn).unwrap();
        assert_eq!(
            queued(&archive),
            INDEX_EVERY - 1,
            "one short of a batch waits"
        );
        insert(&archive, INDEX_EVERY, INDEX_EVERY);
        index_if_due(&archive.conn).unwrap();
        assert_eq!(queued(&archive), 0, "a whole batch is indexed");
        let indexed: i64 = archive
            .conn
            .query_row("SELECT count(*) FROM message_search", [], |r| r.get(0))
            .unwrap();
        assert_eq!(indexed, INDEX_EVERY);
    }

    #[test]
    fn grams_cover_non_ascii_characters_and_their_neighbours() {
        let g = grams("Hi 你好!");
        let tokens: Vec<&str> = g.split(' ').collect();
        for gram in ["你", "好", "你好", "好!"] {
            assert!(tokens.contains(&gram_token(gram).as_str()), "{gram}");
        }
        assert!(!tokens.contains(&gram_token("Hi").as_str()));
        assert!(!tokens.contains(&gram_token("hi").as_str()));
        assert_eq!(grams("plain ascii only"), "");
        assert_eq!(grams("É"), gram_token("é"), "folded");
        let mixed = grams("ok 你好你好 Ünï 🚀!");
        let expected: Vec<String> = [
            "你", "你好", "好", "好你", "ü", "ün", "nï", "ï", "🚀", "🚀!",
        ]
        .iter()
        .map(|g| gram_token(g))
        .collect();
        assert_eq!(mixed, expected.join(" "), "each gram once, in order");
        assert_eq!(gram_token("好"), "ge5a5bd");
    }
}
