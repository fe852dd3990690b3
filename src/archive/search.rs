//! Full-text search over the archived messages' `text`.
//!
//! A message matches when its text contains every word of the query, case-insensitively,
//! in any script. Two FTS5 indexes serve it, both contentless (the text lives in
//! `messages` only) and both keyed by a *search key* that sorts by `CreateTime`, so a
//! query reads its hits newest first and stops at the limit instead of sorting every
//! hit:
//!
//! - `message_search`, the trigram tokenizer over the text: any word of three or more
//!   characters is a phrase of its trigrams, which is exactly a substring match.
//! - `message_grams`, every character and every pair of adjacent characters of the
//!   text that is not plain ASCII (CJK, emoji, accented letters, Arabic, ...), each
//!   written as one hex token: the words of one or two characters that trigrams
//!   cannot see (`好`, `你好`, `🚀`).
//!
//! Words of one or two ASCII characters (`ok`, `a`) are checked on the text itself
//! (`instr`), restricted by the other words and filters; alone, they read the
//! messages newest first and stop at the limit, which is quick because such short
//! words are common.
//!
//! `message_search_keys` maps each indexed message (`messages.id`) to its key:
//! `CreateTime` in milliseconds times 2^21, plus the message's rank among those
//! archived with the same millisecond. Triggers on `messages` keep the three tables in
//! step with every insert, update and delete, whoever writes.

use std::fmt::Write as _;
use std::ops::Range;

use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, params_from_iter, types::Value};

use super::{Archive, ArchiveError};
use crate::model::{AppId, ConversationId, MsgType, UserId};

/// The SQL function the triggers call to write a text's grams.
const GRAMS_FUNCTION: &str = "volc_im_grams";

/// The migration step that adds the search indexes and their triggers, and indexes
/// the messages already archived.
pub(crate) const MIGRATION: &str = r#"
    CREATE VIRTUAL TABLE message_search USING fts5(
        text, content='', contentless_delete=1, tokenize='trigram'
    );
    CREATE VIRTUAL TABLE message_grams USING fts5(
        grams, content='', contentless_delete=1, tokenize='ascii', detail='none'
    );
    CREATE TABLE message_search_keys (
        message INTEGER PRIMARY KEY,
        key     INTEGER NOT NULL UNIQUE
    );

    CREATE TRIGGER messages_search_insert AFTER INSERT ON messages
    WHEN NEW.text IS NOT NULL AND NEW.text <> ''
    BEGIN
        INSERT INTO message_search_keys (message, key)
            SELECT NEW.id, coalesce(
                (SELECT max(key) + 1 FROM message_search_keys
                 WHERE key BETWEEN b.base AND b.base + 2097151),
                b.base)
            FROM (SELECT min(max(coalesce(NEW.create_time, 0), 0), 4398046511103) * 2097152
                  AS base) AS b;
        INSERT INTO message_search (rowid, text)
            SELECT key, NEW.text FROM message_search_keys WHERE message = NEW.id;
        INSERT INTO message_grams (rowid, grams)
            SELECT key, volc_im_grams(NEW.text) FROM message_search_keys WHERE message = NEW.id;
    END;

    CREATE TRIGGER messages_search_delete AFTER DELETE ON messages
    BEGIN
        DELETE FROM message_search
            WHERE rowid = (SELECT key FROM message_search_keys WHERE message = OLD.id);
        DELETE FROM message_grams
            WHERE rowid = (SELECT key FROM message_search_keys WHERE message = OLD.id);
        DELETE FROM message_search_keys WHERE message = OLD.id;
    END;

    CREATE TRIGGER messages_search_update AFTER UPDATE OF text, create_time ON messages
    WHEN OLD.text IS NOT NEW.text OR OLD.create_time IS NOT NEW.create_time
    BEGIN
        DELETE FROM message_search
            WHERE rowid = (SELECT key FROM message_search_keys WHERE message = OLD.id);
        DELETE FROM message_grams
            WHERE rowid = (SELECT key FROM message_search_keys WHERE message = OLD.id);
        DELETE FROM message_search_keys WHERE message = OLD.id;
        INSERT INTO message_search_keys (message, key)
            SELECT NEW.id, coalesce(
                (SELECT max(key) + 1 FROM message_search_keys
                 WHERE key BETWEEN b.base AND b.base + 2097151),
                b.base)
            FROM (SELECT min(max(coalesce(NEW.create_time, 0), 0), 4398046511103) * 2097152
                  AS base) AS b
            WHERE NEW.text IS NOT NULL AND NEW.text <> '';
        INSERT INTO message_search (rowid, text)
            SELECT key, NEW.text FROM message_search_keys WHERE message = NEW.id;
        INSERT INTO message_grams (rowid, grams)
            SELECT key, volc_im_grams(NEW.text) FROM message_search_keys WHERE message = NEW.id;
    END;

    -- Messages archived before this step: the insert trigger's work, for each.
    CREATE TEMP TABLE search_backfill AS
        SELECT id, text, min(max(coalesce(create_time, 0), 0), 4398046511103) * 2097152
            + (row_number() OVER (PARTITION BY create_time ORDER BY id) - 1) AS key
        FROM messages WHERE text IS NOT NULL AND text <> '';
    INSERT INTO message_search_keys (message, key) SELECT id, key FROM search_backfill;
    INSERT INTO message_search (rowid, text) SELECT key, text FROM search_backfill;
    INSERT INTO message_grams (rowid, grams)
        SELECT key, volc_im_grams(text) FROM search_backfill;
    DROP TABLE search_backfill;
"#;

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
    )
}

/// What to look for and where.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// The words, each to be found in the text (case-insensitively). Made by
    /// [`SearchQuery::words_of`] from what the user typed.
    pub words: Vec<String>,
    /// Only these apps (any when empty).
    pub apps: Vec<AppId>,
    /// Only these conversations (any when empty); without an app, that
    /// conversation id in any app.
    pub conversations: Vec<(Option<AppId>, ConversationId)>,
    /// Only messages from these senders (any when empty).
    pub senders: Vec<UserId>,
    /// Only these message types (any when empty).
    pub types: Vec<MsgType>,
    /// `CreateTime` at or after, in ms.
    pub since_ms: Option<i64>,
    /// `CreateTime` at or before, in ms.
    pub until_ms: Option<i64>,
    /// At most this many hits.
    pub limit: usize,
}

/// One message found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    /// Its row in `messages`.
    pub row: i64,
    pub app: AppId,
    pub conversation: ConversationId,
    /// The conversation's name, when the archive keeps one.
    pub conversation_name: Option<String>,
    pub sender: Option<UserId>,
    /// The sender's display name, when the archive keeps one.
    pub sender_name: Option<String>,
    /// `CreateTime`, in ms.
    pub create_time: Option<i64>,
    pub msg_type: Option<i32>,
    /// The decoded text the words were found in.
    pub text: String,
    /// The message's JSON exactly as received.
    pub raw: String,
}

/// How a query was answered, for tests and the bench: which index drove it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchPlan {
    /// The trigram index (a word of three or more characters).
    Trigrams,
    /// The gram index (only short words, one with a character beyond ASCII).
    Grams,
    /// The messages newest first (only short ASCII words).
    Scan,
    /// Nothing to look for: no hits.
    Nothing,
}

/// A word as the indexes see it.
enum Word<'a> {
    /// Three characters or more: a trigram phrase.
    Long(&'a str),
    /// One or two characters, one of them beyond ASCII: gram tokens.
    Short(&'a str),
    /// One or two ASCII characters: checked on the text.
    Ascii(&'a str),
}

fn classify(word: &str) -> Word<'_> {
    let chars = word.chars().count();
    if chars >= 3 {
        Word::Long(word)
    } else if word.is_ascii() {
        Word::Ascii(word)
    } else {
        Word::Short(word)
    }
}

impl SearchQuery {
    /// The words of a query as typed: split at white space, except inside double
    /// quotes, which keep a phrase (spaces included) as one word. Empty words are
    /// dropped.
    pub fn words_of(typed: &str) -> Vec<String> {
        let mut words = Vec::new();
        for (i, part) in typed.split('"').enumerate() {
            if i % 2 == 1 {
                if !part.trim().is_empty() {
                    words.push(part.to_owned());
                }
            } else {
                words.extend(part.split_whitespace().map(str::to_owned));
            }
        }
        words
    }

    /// Which index answers this query.
    pub fn plan(&self) -> SearchPlan {
        let words: Vec<Word<'_>> = self.words.iter().map(|w| classify(w)).collect();
        if words.is_empty() {
            SearchPlan::Nothing
        } else if words.iter().any(|w| matches!(w, Word::Long(_))) {
            SearchPlan::Trigrams
        } else if words.iter().any(|w| matches!(w, Word::Short(_))) {
            SearchPlan::Grams
        } else {
            SearchPlan::Scan
        }
    }
}

impl Archive {
    /// The messages whose text holds every word of `query`, newest first (by
    /// `CreateTime`), at most `query.limit` of them.
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, ArchiveError> {
        let Some((sql, values)) = search_sql(query) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params_from_iter(values), |r| {
                Ok(SearchHit {
                    row: r.get(0)?,
                    app: AppId(r.get(1)?),
                    conversation: ConversationId(r.get(2)?),
                    conversation_name: r.get(3)?,
                    sender: r.get::<_, Option<i64>>(4)?.map(UserId),
                    sender_name: r.get(5)?,
                    create_time: r.get(6)?,
                    msg_type: r.get(7)?,
                    text: r.get(8)?,
                    raw: r.get(9)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}

/// The statement that answers a query, and its parameters; `None` when there is
/// nothing to look for.
fn search_sql(query: &SearchQuery) -> Option<(String, Vec<Value>)> {
    let words: Vec<Word<'_>> = query.words.iter().map(|w| classify(w)).collect();
    let phrases: Vec<&str> = words
        .iter()
        .filter_map(|w| match w {
            Word::Long(w) => Some(*w),
            _ => None,
        })
        .collect();
    let short: Vec<&str> = words
        .iter()
        .filter_map(|w| match w {
            Word::Short(w) => Some(*w),
            _ => None,
        })
        .collect();
    let ascii: Vec<&str> = words
        .iter()
        .filter_map(|w| match w {
            Word::Ascii(w) => Some(*w),
            _ => None,
        })
        .collect();
    let mut values: Vec<Value> = Vec::new();
    let mut conditions: Vec<String> = Vec::new();
    let bounds = key_bounds(query.since_ms, query.until_ms);

    let from = match query.plan() {
        SearchPlan::Nothing => return None,
        SearchPlan::Trigrams => {
            values.push(Value::Text(trigram_match(&phrases)));
            conditions.push(format!("s.message_search MATCH ?{}", values.len()));
            if !short.is_empty() {
                values.push(Value::Text(gram_match(&short)));
                conditions.push(format!(
                    "s.rowid IN (SELECT rowid FROM message_grams WHERE message_grams MATCH ?{})",
                    values.len()
                ));
            }
            "message_search AS s JOIN message_search_keys AS k ON k.key = s.rowid \
             JOIN messages AS m ON m.id = k.message"
        }
        SearchPlan::Grams => {
            values.push(Value::Text(gram_match(&short)));
            conditions.push(format!("s.message_grams MATCH ?{}", values.len()));
            "message_grams AS s JOIN message_search_keys AS k ON k.key = s.rowid \
             JOIN messages AS m ON m.id = k.message"
        }
        // The keys table in key order is the messages newest first.
        SearchPlan::Scan => "message_search_keys AS k JOIN messages AS m ON m.id = k.message",
    };
    let key_column = if query.plan() == SearchPlan::Scan {
        "k.key"
    } else {
        "s.rowid"
    };
    if let Some((lo, hi)) = bounds {
        values.push(Value::Integer(lo));
        values.push(Value::Integer(hi));
        conditions.push(format!(
            "{key_column} BETWEEN ?{} AND ?{}",
            values.len() - 1,
            values.len()
        ));
    }
    for word in &ascii {
        values.push(Value::Text(word.to_ascii_lowercase()));
        conditions.push(format!("instr(lower(m.text), ?{}) > 0", values.len()));
    }
    let mut any_of = |column: &str, items: Vec<i64>| {
        if items.is_empty() {
            return;
        }
        let mut list = String::new();
        for item in items {
            values.push(Value::Integer(item));
            let sep = if list.is_empty() { "" } else { ", " };
            let _ = write!(list, "{sep}?{}", values.len());
        }
        conditions.push(format!("{column} IN ({list})"));
    };
    any_of("m.app_id", query.apps.iter().map(|a| a.0).collect());
    any_of("m.sender", query.senders.iter().map(|s| s.0).collect());
    any_of(
        "m.msg_type",
        query.types.iter().map(|t| i64::from(t.code())).collect(),
    );
    if !query.conversations.is_empty() {
        let mut pairs = Vec::new();
        for (app, conversation) in &query.conversations {
            values.push(Value::Integer(conversation.0));
            let id = values.len();
            match app {
                Some(app) => {
                    values.push(Value::Integer(app.0));
                    pairs.push(format!(
                        "(m.conversation_id = ?{id} AND m.app_id = ?{})",
                        values.len()
                    ));
                }
                None => pairs.push(format!("m.conversation_id = ?{id}")),
            }
        }
        conditions.push(format!("({})", pairs.join(" OR ")));
    }
    // The key bounds hold whole milliseconds; the exact bounds are on the row.
    if let Some(since) = query.since_ms {
        values.push(Value::Integer(since));
        conditions.push(format!("m.create_time >= ?{}", values.len()));
    }
    if let Some(until) = query.until_ms {
        values.push(Value::Integer(until));
        conditions.push(format!("m.create_time <= ?{}", values.len()));
    }
    values.push(Value::Integer(query.limit.min(i64::MAX as usize) as i64));
    let limit = values.len();
    let sql = format!(
        "SELECT m.id, m.app_id, m.conversation_id, c.name, m.sender, u.nick_name,
                m.create_time, m.msg_type, m.text, m.raw
         FROM {from}
         LEFT JOIN conversations AS c
            ON c.app_id = m.app_id AND c.conversation_id = m.conversation_id
         LEFT JOIN users AS u ON u.app_id = m.app_id AND u.user_id = m.sender
         WHERE {}
         ORDER BY {key_column} DESC
         LIMIT ?{limit}",
        conditions.join(" AND ")
    );
    Some((sql, values))
}

/// The search keys of messages created between `since` and `until` (ms, both
/// included); `None` when neither is given.
fn key_bounds(since: Option<i64>, until: Option<i64>) -> Option<(i64, i64)> {
    if since.is_none() && until.is_none() {
        return None;
    }
    let ms = |t: i64| t.clamp(0, MAX_KEY_MS);
    let lo = since.map_or(0, |t| ms(t) * KEY_SPREAD);
    let hi = until.map_or(i64::MAX, |t| ms(t) * KEY_SPREAD + (KEY_SPREAD - 1));
    Some((lo, hi))
}

/// Messages of one millisecond get keys `ms * KEY_SPREAD + rank`.
const KEY_SPREAD: i64 = 1 << 21;
/// The largest `CreateTime` a key holds (about the year 2109); later times share it.
const MAX_KEY_MS: i64 = (1 << 42) - 1;

/// An FTS5 query: every phrase must appear.
fn trigram_match(phrases: &[&str]) -> String {
    phrases
        .iter()
        .map(|p| format!("\"{}\"", p.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// An FTS5 query over the gram index: each short word is one token.
fn gram_match(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"", gram_token(&fold(w))))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Case folding for the gram index (the trigram tokenizer folds on its own).
fn fold(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// A gram as one ASCII token: its UTF-8 bytes in hex, prefixed so that a token never
/// starts with a digit.
fn gram_token(gram: &str) -> String {
    let mut token = String::with_capacity(1 + gram.len() * 2);
    token.push('g');
    for byte in gram.as_bytes() {
        let _ = write!(token, "{byte:02x}");
    }
    token
}

/// Every character and pair of adjacent characters of `text` that is not plain
/// ASCII (white space excluded), folded, each as a token, space-separated and
/// without repeats.
pub(crate) fn grams(text: &str) -> String {
    let chars: Vec<char> = fold(text).chars().collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    let mut push = |gram: &str, out: &mut String| {
        if seen.insert(gram.to_owned()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&gram_token(gram));
        }
    };
    let mut buf = [0u8; 8];
    for (i, c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            continue;
        }
        if !c.is_ascii() {
            push(c.encode_utf8(&mut buf), &mut out);
        }
        if let Some(next) = chars.get(i + 1)
            && !next.is_whitespace()
            && !(c.is_ascii() && next.is_ascii())
        {
            let pair: String = [*c, *next].iter().collect();
            push(&pair, &mut out);
        }
    }
    out
}

/// Where in `text` each word occurs (byte ranges, in order, not overlapping),
/// compared character by character without regard to case: what a display
/// highlights.
pub fn match_ranges(text: &str, words: &[String]) -> Vec<Range<usize>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for word in words {
        let needle: Vec<char> = word.chars().collect();
        if needle.is_empty() || needle.len() > chars.len() {
            continue;
        }
        for start in 0..=chars.len() - needle.len() {
            let same = needle
                .iter()
                .zip(&chars[start..start + needle.len()])
                .all(|(a, (_, b))| a.to_lowercase().eq(b.to_lowercase()));
            if same {
                let from = chars[start].0;
                let to = chars
                    .get(start + needle.len())
                    .map_or(text.len(), |(at, _)| *at);
                ranges.push(from..to);
            }
        }
    }
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_spaces_and_quotes_keep_phrases() {
        assert_eq!(
            SearchQuery::words_of("  launch 你好  \"press kit\" x"),
            ["launch", "你好", "press kit", "x"]
        );
        assert!(SearchQuery::words_of(" \"\" ").is_empty());
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
    }

    #[test]
    fn highlights_are_found_without_regard_to_case() {
        let text = "Launch day: LAUNCH 🚀 launch";
        let words = vec!["launch".to_owned(), "🚀".to_owned()];
        let ranges = match_ranges(text, &words);
        let found: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(found, ["Launch", "LAUNCH", "🚀", "launch"]);
        assert!(match_ranges("abc", &["abcd".to_owned()]).is_empty());
        let overlapping = match_ranges("aaaa", &["aa".to_owned()]);
        assert_eq!(overlapping, [0..4]);
    }

    #[test]
    fn plans_follow_the_words() {
        let plan = |typed: &str| {
            SearchQuery {
                words: SearchQuery::words_of(typed),
                ..SearchQuery::default()
            }
            .plan()
        };
        assert_eq!(plan("launch"), SearchPlan::Trigrams);
        assert_eq!(plan("好 launch ok"), SearchPlan::Trigrams);
        assert_eq!(plan("你好"), SearchPlan::Grams);
        assert_eq!(plan("🚀 ok"), SearchPlan::Grams);
        assert_eq!(plan("ok"), SearchPlan::Scan);
        assert_eq!(plan("   "), SearchPlan::Nothing);
    }
}
