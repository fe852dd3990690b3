//! Full-text search over the archived messages' `text`.
//!
//! A message matches when its text contains every word of the query, case-insensitively,
//! in any script. Two FTS5 indexes serve it, keyed by `messages.id`:
//!
//! - `message_search`, the trigram tokenizer over `messages.text` (an external-content
//!   table: the text is stored once, in `messages`), without positions: the messages
//!   holding every trigram of a word of three or more characters are candidates, and
//!   the word is then checked on each one's folded text, so the match stays exactly a
//!   substring match.
//! - `message_grams` (contentless), every character and every pair of adjacent
//!   characters of the text that is not plain ASCII (CJK, emoji, accented letters,
//!   Arabic, ...), each written as one hex token: the words of one or two characters
//!   that trigrams cannot see (`好`, `你好`, `🚀`).
//!
//! Words of one or two ASCII characters (`ok`, `a`) are checked on the text itself
//! (`instr`), restricted by the other words and filters.
//!
//! Hits come newest first. A word found in few messages: those are read and sorted.
//! A word found in many: the messages are walked newest first along the
//! `messages_by_time` index (the index alone, no row read) until enough of them are
//! among the hits, so a common word costs no more than a rare one.
//!
//! Triggers on `messages` keep both indexes in step with every insert, update and
//! delete, whoever writes ([`super::search_index`]).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::ops::Range;

use rusqlite::{params_from_iter, types::Value};

use super::search_index::{FOLD_FUNCTION, fold, gram_token, index_queued};
use super::{Archive, ArchiveError};
use crate::model::{AppId, ConversationId, MsgType, UserId};

/// Up to this many candidates are read and sorted; more are found by walking the
/// messages newest first.
const SORT_AT_MOST: usize = 4096;
/// Candidates are read in batches of this many ids.
const BATCH: usize = 500;

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
    /// Three characters or more: its trigrams, then the word checked on the text.
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

/// The columns of a hit, from `messages AS m` (read along `index`, when given) with
/// its names joined.
fn hit_select(index: &str) -> String {
    format!(
        "SELECT m.id, m.app_id, m.conversation_id, c.name, m.sender, u.nick_name,
                m.create_time, m.msg_type, m.text, m.raw
         FROM messages AS m {index}
         LEFT JOIN conversations AS c
            ON c.app_id = m.app_id AND c.conversation_id = m.conversation_id
         LEFT JOIN users AS u ON u.app_id = m.app_id AND u.user_id = m.sender"
    )
}

/// Newest first, the order of the `messages_by_time` index.
const NEWEST_FIRST: &str = "m.create_time DESC, m.id DESC";

impl Archive {
    /// The messages whose text holds every word of `query`, newest first (by
    /// `CreateTime`), at most `query.limit` of them.
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, ArchiveError> {
        let limit = query.limit;
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.index_before_search()?;
        let filter = Filter::of(query);
        let candidates = match query.plan() {
            SearchPlan::Nothing => return Ok(Vec::new()),
            SearchPlan::Scan => return self.scan(&filter, limit),
            SearchPlan::Trigrams | SearchPlan::Grams => {
                self.candidates(query).map_err(|e| self.error(e))?
            }
        };
        if candidates.len() <= SORT_AT_MOST {
            self.sorted(&candidates.into_iter().collect::<Vec<_>>(), &filter, limit)
        } else {
            self.walk(&candidates, &filter, limit)
        }
        .map_err(|e| self.error(e))
    }

    /// Indexes what is queued, so that a search sees every message stored. An
    /// archive opened read-only cannot: its queued messages are left out.
    fn index_before_search(&self) -> Result<(), ArchiveError> {
        if self
            .conn
            .is_readonly(rusqlite::MAIN_DB)
            .map_err(|e| self.error(e))?
        {
            return Ok(());
        }
        let queued: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM message_search_pending)",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))?;
        if !queued {
            return Ok(());
        }
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.error(e))?;
        index_queued(&tx).map_err(|e| self.error(e))?;
        tx.commit().map_err(|e| self.error(e))
    }

    /// The ids of the messages every long and short word is found in.
    fn candidates(&self, query: &SearchQuery) -> rusqlite::Result<HashSet<i64>> {
        let words: Vec<Word<'_>> = query.words.iter().map(|w| classify(w)).collect();
        let long: Vec<&str> = words
            .iter()
            .filter_map(|w| {
                if let Word::Long(w) = w {
                    Some(*w)
                } else {
                    None
                }
            })
            .collect();
        let short: Vec<&str> = words
            .iter()
            .filter_map(|w| {
                if let Word::Short(w) = w {
                    Some(*w)
                } else {
                    None
                }
            })
            .collect();
        let mut found: Option<HashSet<i64>> = None;
        if !long.is_empty() {
            found = Some(self.ids(
                "SELECT rowid FROM message_search WHERE message_search MATCH ?1",
                &trigram_match(&long),
            )?);
        }
        if !short.is_empty() {
            let grams = self.ids(
                "SELECT rowid FROM message_grams WHERE message_grams MATCH ?1",
                &gram_match(&short),
            )?;
            found = Some(match found {
                Some(long) => long.intersection(&grams).copied().collect(),
                None => grams,
            });
        }
        Ok(found.unwrap_or_default())
    }

    fn ids(&self, sql: &str, pattern: &str) -> rusqlite::Result<HashSet<i64>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map([pattern], |r| r.get::<_, i64>(0))?;
        rows.collect()
    }

    /// Few candidates: read those that pass the filters, sort, keep the newest.
    fn sorted(
        &self,
        candidates: &[i64],
        filter: &Filter,
        limit: usize,
    ) -> rusqlite::Result<Vec<SearchHit>> {
        let mut hits = Vec::new();
        for batch in candidates.chunks(BATCH) {
            let mut values = filter.values.clone();
            let first = values.len() + 1;
            values.extend(batch.iter().map(|id| Value::Integer(*id)));
            let list: Vec<String> = (first..first + batch.len())
                .map(|n| format!("?{n}"))
                .collect();
            let sql = format!(
                "{} WHERE {} AND m.id IN ({})",
                hit_select(""),
                filter.sql,
                list.join(", ")
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(params_from_iter(values), hit)?;
            for row in rows {
                hits.push(row?);
            }
        }
        hits.sort_by_key(|h: &SearchHit| std::cmp::Reverse((h.create_time, h.row)));
        hits.truncate(limit);
        Ok(hits)
    }

    /// Many candidates: walk the messages newest first (the time index alone) and
    /// read those among the candidates, until `limit` pass the filters.
    fn walk(
        &self,
        candidates: &HashSet<i64>,
        filter: &Filter,
        limit: usize,
    ) -> rusqlite::Result<Vec<SearchHit>> {
        let (bounds, bound_values) = filter.time_bounds();
        let mut walk = self.conn.prepare(&format!(
            "SELECT m.id FROM messages AS m INDEXED BY messages_by_time
             WHERE {bounds} ORDER BY {NEWEST_FIRST}"
        ))?;
        let mut one = self.conn.prepare(&format!(
            "{} WHERE {} AND m.id = ?{}",
            hit_select(""),
            filter.sql,
            filter.values.len() + 1
        ))?;
        let mut hits = Vec::new();
        let mut ids = walk.query(params_from_iter(bound_values))?;
        while let Some(row) = ids.next()? {
            let id: i64 = row.get(0)?;
            if !candidates.contains(&id) {
                continue;
            }
            let mut values = filter.values.clone();
            values.push(Value::Integer(id));
            let mut found = one.query(params_from_iter(values))?;
            if let Some(row) = found.next()? {
                hits.push(hit(row)?);
                if hits.len() >= limit {
                    break;
                }
            }
        }
        Ok(hits)
    }

    /// Only short ASCII words: the messages newest first, each checked.
    fn scan(&self, filter: &Filter, limit: usize) -> Result<Vec<SearchHit>, ArchiveError> {
        let mut values = filter.values.clone();
        values.push(Value::Integer(limit.min(i64::MAX as usize) as i64));
        let sql = format!(
            "{} WHERE {} ORDER BY {NEWEST_FIRST} LIMIT ?{}",
            hit_select("INDEXED BY messages_by_time"),
            filter.sql,
            values.len()
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params_from_iter(values), hit)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}

fn hit(r: &rusqlite::Row<'_>) -> rusqlite::Result<SearchHit> {
    Ok(SearchHit {
        row: r.get(0)?,
        app: AppId(r.get(1)?),
        conversation: ConversationId(r.get(2)?),
        conversation_name: r.get(3)?,
        sender: r.get::<_, Option<i64>>(4)?.map(UserId),
        sender_name: r.get(5)?,
        create_time: r.get(6)?,
        msg_type: r.get(7)?,
        text: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
        raw: r.get(9)?,
    })
}

/// The conditions on `messages AS m` besides the indexed words: the short ASCII
/// words, and every filter.
struct Filter {
    sql: String,
    values: Vec<Value>,
    since: Option<i64>,
    until: Option<i64>,
}

impl Filter {
    fn of(query: &SearchQuery) -> Filter {
        let mut values: Vec<Value> = Vec::new();
        let mut conditions: Vec<String> = vec!["m.text IS NOT NULL".to_owned()];
        for word in &query.words {
            match classify(word) {
                Word::Ascii(word) => {
                    values.push(Value::Text(word.to_ascii_lowercase()));
                    conditions.push(format!("instr(lower(m.text), ?{}) > 0", values.len()));
                }
                // The trigram index finds the messages holding the word's trigrams,
                // anywhere: the word itself is checked here.
                Word::Long(word) => {
                    values.push(Value::Text(fold(word)));
                    conditions.push(format!(
                        "instr({FOLD_FUNCTION}(m.text), ?{}) > 0",
                        values.len()
                    ));
                }
                Word::Short(_) => {}
            }
        }
        let mut any_of = |column: &str, items: Vec<i64>, values: &mut Vec<Value>| {
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
        any_of(
            "m.app_id",
            query.apps.iter().map(|a| a.0).collect(),
            &mut values,
        );
        any_of(
            "m.sender",
            query.senders.iter().map(|s| s.0).collect(),
            &mut values,
        );
        any_of(
            "m.msg_type",
            query.types.iter().map(|t| i64::from(t.code())).collect(),
            &mut values,
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
        if let Some(since) = query.since_ms {
            values.push(Value::Integer(since));
            conditions.push(format!("m.create_time >= ?{}", values.len()));
        }
        if let Some(until) = query.until_ms {
            values.push(Value::Integer(until));
            conditions.push(format!("m.create_time <= ?{}", values.len()));
        }
        Filter {
            sql: conditions.join(" AND "),
            values,
            since: query.since_ms,
            until: query.until_ms,
        }
    }

    /// The time bounds alone, for walking the time index.
    fn time_bounds(&self) -> (String, Vec<Value>) {
        match (self.since, self.until) {
            (None, None) => ("1".to_owned(), Vec::new()),
            (since, until) => (
                "m.create_time BETWEEN ?1 AND ?2".to_owned(),
                vec![
                    Value::Integer(since.unwrap_or(i64::MIN)),
                    Value::Integer(until.unwrap_or(i64::MAX)),
                ],
            ),
        }
    }
}

/// An FTS5 query: every phrase must appear.
///
/// The index keeps no positions, so a word is the set of its trigrams: the messages
/// holding them all are candidates, and [`Filter`] checks the word itself on each.
fn trigram_match(words: &[&str]) -> String {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for word in words {
        let chars: Vec<char> = fold(word).chars().collect();
        for gram in chars.windows(3) {
            let gram: String = gram.iter().collect();
            if seen.insert(gram.clone()) {
                out.push(format!("\"{}\"", gram.replace('"', "\"\"")));
            }
        }
    }
    out.join(" AND ")
}

/// An FTS5 query over the gram index: each short word is one token.
fn gram_match(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"", gram_token(&fold(w))))
        .collect::<Vec<_>>()
        .join(" AND ")
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
    fn highlights_are_found_without_regard_to_case() {
        let text = "Launch day: LAUNCH 🚀 launch";
        let words = vec!["launch".to_owned(), "🚀".to_owned()];
        let ranges = match_ranges(text, &words);
        let found: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(found, ["Launch", "LAUNCH", "🚀", "launch"]);
        assert!(match_ranges("abc", &["abcd".to_owned()]).is_empty());
        let overlapping = match_ranges("aaaa", &["aa".to_owned()]);
        assert_eq!(overlapping, vec![Range { start: 0, end: 4 }]);
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
