//! Searching the loaded messages: which ones match a query, in conversation order, and
//! where a match sits in the text a row shows.
//!
//! A message matches when its decoded text, its sender's shown name or its reply hint
//! contains the query, compared in Unicode lowercase. Matches are found once, when the
//! query is set, when messages arrive and when names arrive; never while drawing.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

use crate::model::AppId;
use crate::pager::Direction;

use super::names::{Names, shown_name};
pub use super::seek::Toward;
use super::store::{Entry, MessageStore, OrderKey};

/// The most characters a query may have.
pub const QUERY_MAX_CHARS: usize = 200;

/// True when `haystack` contains `needle` (already lowercase), ignoring case.
pub fn contains(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    if haystack.is_ascii() {
        if !needle.is_ascii() {
            return false;
        }
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        return h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle)
}

/// True when the message's text or reply hint contains the needle.
fn text_hit(entry: &Entry, needle: &str) -> bool {
    let hint = entry
        .message
        .body
        .ref_msg_info
        .as_ref()
        .map(|r| r.hint.as_str());
    hint.is_some_and(|h| contains(h, needle))
        || contains(&entry.message.decoded_content().summary(), needle)
}

/// An active search: the query and the loaded messages that match it.
#[derive(Clone, Debug)]
pub struct Search {
    query: String,
    needle: String,
    /// Messages whose text or hint matches.
    text_hits: BTreeSet<OrderKey>,
    /// Every match: text hits and messages whose sender's name matches.
    hits: BTreeSet<OrderKey>,
    /// The `names_version` the name matches were found at.
    names_seen: u64,
    /// The selected message's place among the matches, counted from where the view
    /// starts (the newest for newest-first reading), when it is a match.
    rank: Option<usize>,
    /// Bumped whenever the matches change.
    version: u64,
    /// What the rank was computed for: the selection serial and the matches' version.
    rank_of: Option<(u64, u64)>,
    /// True once the selection has been on a match: until then, the step that first
    /// reaches one (the search's own, or `n`/`N` after it found nothing that way) is
    /// the jump that `'` undoes.
    landed: bool,
}

impl Search {
    /// A search for `query` over the loaded messages.
    pub fn new(
        query: &str,
        store: &MessageStore,
        names: &Names,
        app: AppId,
        names_version: u64,
    ) -> Search {
        let mut search = Search {
            query: query.to_owned(),
            needle: query.to_lowercase(),
            text_hits: BTreeSet::new(),
            hits: BTreeSet::new(),
            names_seen: names_version,
            rank: None,
            version: 0,
            rank_of: None,
            landed: false,
        };
        search.scan(store.iter(), names, app);
        search
    }

    /// The query as typed (strangers' text when pasted: clean it before showing).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The query in lowercase.
    pub fn needle(&self) -> &str {
        &self.needle
    }

    /// How many loaded messages match.
    pub fn count(&self) -> usize {
        self.hits.len()
    }

    /// True when a loaded message matches.
    pub fn is_hit(&self, entry: &Entry) -> bool {
        self.hits.contains(&entry.message.order_key())
    }

    /// True once a step of this search reached a match.
    pub fn has_landed(&self) -> bool {
        self.landed
    }

    /// Records that a step reached a match.
    pub fn land(&mut self) {
        self.landed = true;
    }

    /// The selected message's number among the matches (from 1), when it is one.
    pub fn rank(&self) -> Option<usize> {
        self.rank
    }

    /// Looks at newly arrived messages; returns those that match.
    pub fn scan<'e>(
        &mut self,
        entries: impl IntoIterator<Item = &'e Entry>,
        names: &Names,
        app: AppId,
    ) -> Vec<OrderKey> {
        let mut found = Vec::new();
        for entry in entries {
            let key = entry.message.order_key();
            let text = text_hit(entry, &self.needle);
            if text {
                self.text_hits.insert(key);
            }
            if text || contains(&shown_name(names, app, &entry.message), &self.needle) {
                self.hits.insert(key);
                found.push(key);
            }
        }
        if !found.is_empty() {
            self.version += 1;
        }
        found
    }

    /// Takes the matches the archive's search found (by position), loaded or not.
    pub fn add_archived(&mut self, keys: impl IntoIterator<Item = OrderKey>) {
        let before = self.hits.len();
        for key in keys {
            self.text_hits.insert(key);
            self.hits.insert(key);
        }
        if self.hits.len() != before {
            self.version += 1;
        }
    }

    /// True when `key` is a match, loaded or not.
    pub fn has_hit(&self, key: OrderKey) -> bool {
        self.hits.contains(&key)
    }

    /// Looks at the senders' names again after names arrived: only names are compared,
    /// each sender once, so no message is decoded again.
    pub fn rescan_names(
        &mut self,
        store: &MessageStore,
        names: &Names,
        app: AppId,
        names_version: u64,
    ) {
        if self.names_seen == names_version {
            return;
        }
        self.names_seen = names_version;
        let mut by_sender: HashMap<String, bool> = HashMap::new();
        for entry in store.iter() {
            let m = &entry.message;
            let name_hit = *by_sender
                .entry(m.sender_label())
                .or_insert_with(|| contains(&shown_name(names, app, m), &self.needle));
            let key = m.order_key();
            let changed = if name_hit || self.text_hits.contains(&key) {
                self.hits.insert(key)
            } else {
                self.hits.remove(&key)
            };
            if changed {
                self.version += 1;
            }
        }
    }

    /// The nearest match from `from` toward older or newer messages; `from` itself
    /// counts when `inclusive`.
    pub fn next_hit(&self, from: OrderKey, toward: Toward, inclusive: bool) -> Option<OrderKey> {
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let edge = if inclusive {
            Included(from)
        } else {
            Excluded(from)
        };
        match toward {
            Toward::Older => self.hits.range((Unbounded, edge)).next_back().copied(),
            Toward::Newer => self.hits.range((edge, Unbounded)).next().copied(),
        }
    }

    /// Brings the selected message's rank up to date (only when the selection or the
    /// matches changed).
    pub fn update_rank(&mut self, selected: Option<&Entry>, serial: u64, direction: Direction) {
        let of = (serial, self.version);
        if self.rank_of == Some(of) {
            return;
        }
        self.rank_of = Some(of);
        self.rank = selected
            .map(|e| e.message.order_key())
            .filter(|k| self.hits.contains(k))
            .map(|k| match direction {
                Direction::NewestFirst => self.hits.range(k..).count(),
                Direction::OldestFirst => self.hits.range(..=k).count(),
            });
    }
}

/// Where `needle` (lowercase) occurs in clean shown text, as byte ranges of `shown`
/// that start and end on grapheme boundaries. Reads only `shown` (one row's worth).
pub fn highlights(shown: &str, needle: &str) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    if needle.is_empty() || shown.is_empty() {
        return out;
    }
    // The lowercase text, and where each grapheme starts in it and in `shown`.
    let mut lower = String::with_capacity(shown.len());
    let mut starts: Vec<(usize, usize)> = Vec::new();
    for (at, g) in shown.grapheme_indices(true) {
        starts.push((lower.len(), at));
        lower.push_str(&g.to_lowercase());
    }
    starts.push((lower.len(), shown.len()));
    for (at, _) in lower.match_indices(needle) {
        let end = at + needle.len();
        // The grapheme the match starts in, and the first one after it ends.
        let first = starts.partition_point(|&(l, _)| l <= at) - 1;
        let after = starts.partition_point(|&(l, _)| l < end);
        let range = starts[first].1..starts[after.min(starts.len() - 1)].1;
        match out.last_mut() {
            Some(last) if last.end >= range.start => last.end = last.end.max(range.end),
            _ => out.push(range),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;
    use crate::tui::names::Name;
    use jiff::tz::TimeZone;
    use serde_json::json;

    fn entry_with(n: i64, patch: serde_json::Value) -> Entry {
        Entry::new(fixtures::message_with(n, patch), &TimeZone::UTC)
    }

    #[test]
    fn case_is_ignored_in_unicode() {
        assert!(contains("Hello World", "world"));
        assert!(contains("ÉCOLE", "école"));
        assert!(contains("Straße 5", "straße"));
        assert!(!contains("abc", "abcd"));
        assert!(!contains("abc", ""));
        assert!(!contains("plain ascii", "é"));
    }

    #[test]
    fn text_hint_and_name_are_searched() {
        let mut store = MessageStore::default();
        store.insert(
            vec![
                entry_with(1, json!({"Content": "{\"text\":\"Launch at NOON\"}"})),
                entry_with(
                    2,
                    json!({"RefMsgInfo": {"ReferencedMessageId": 1, "Hint": "noon?", "Status": 0}}),
                ),
                entry_with(3, json!({"Sender": 777})),
                entry_with(4, json!({})),
            ],
            None,
        );
        let mut names = Names::new();
        let s = Search::new("NOON", &store, &names, fixtures::APP, 0);
        assert_eq!(s.count(), 2);
        let mut s = Search::new("bob", &store, &names, fixtures::APP, 0);
        assert_eq!(s.count(), 0);
        names.insert(
            (fixtures::APP, crate::model::UserId(777)),
            Name::Known("Bob".into()),
        );
        s.rescan_names(&store, &names, fixtures::APP, 1);
        assert_eq!(s.count(), 1, "the name arrived later");
        assert!(s.is_hit(store.get(2).unwrap()));
    }

    #[test]
    fn next_hit_goes_either_way_and_counts_from_the_start() {
        let mut store = MessageStore::default();
        store.insert((1..=9).map(fixtures::entry).collect(), None);
        let names = Names::new();
        let mut s = Search::new("message", &store, &names, fixtures::APP, 0);
        assert_eq!(s.count(), 9);
        let key = |i: usize| store.get(i).unwrap().message.order_key();
        assert_eq!(s.next_hit(key(4), Toward::Older, false), Some(key(3)));
        assert_eq!(s.next_hit(key(4), Toward::Older, true), Some(key(4)));
        assert_eq!(s.next_hit(key(4), Toward::Newer, false), Some(key(5)));
        assert_eq!(s.next_hit(key(0), Toward::Older, false), None);
        s.update_rank(store.get(8), 1, Direction::NewestFirst);
        assert_eq!(
            s.rank(),
            Some(1),
            "the newest is the first match newest-first"
        );
        s.update_rank(store.get(8), 2, Direction::OldestFirst);
        assert_eq!(s.rank(), Some(9));
    }

    #[test]
    fn highlights_fall_on_grapheme_boundaries() {
        let shown = "Hello hello HELLO";
        assert_eq!(highlights(shown, "hello"), vec![0..5, 6..11, 12..17]);
        let cjk = "发布会 PPT 发布";
        let r = highlights(cjk, "发布");
        assert_eq!(
            r.iter().map(|r| &cjk[r.clone()]).collect::<Vec<_>>(),
            ["发布", "发布"]
        );
        // A match inside a grapheme (e + combining accent) covers the whole grapheme.
        let combining = "cafe\u{301} ok";
        let r = highlights(combining, "e");
        assert_eq!(&combining[r[0].clone()], "e\u{301}");
        // Lowercasing that changes lengths keeps the ranges in the shown text.
        let dotted = "İstanbul istanbul";
        let r = highlights(dotted, "stanbul");
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(|r| dotted[r.clone()].ends_with("stanbul")));
        assert_eq!(highlights("👍 ok 👍", "ok"), vec![5..7]);
        assert!(highlights("abc", "").is_empty());
        assert_eq!(highlights("aaaa", "aa"), vec![0..4]);
    }
}
