//! `S`: a search across every archived conversation, shown as a list like the
//! picker's (time, conversation, sender, text). The search runs in the worker; its
//! answer comes back tagged, and an answer for an earlier search is dropped.

use crate::archive::{SearchHit, SearchQuery};

/// The most messages one search lists: the newest, as the archive's search orders
/// them. Narrowing the words finds older ones.
pub const HITS_MAX: usize = 1000;

/// Tells one search from the next: an answer for another is stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SearchId(pub u64);

/// Where a search across conversations stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// The worker is searching.
    Searching,
    /// The hits, newest first.
    Hits(Vec<SearchHit>),
    /// The archive could not be searched: what went wrong.
    Failed(String),
}

/// The results screen of one search across every archived conversation.
#[derive(Clone, Debug)]
pub struct Everywhere {
    id: SearchId,
    typed: String,
    words: Vec<String>,
    found: Found,
    selected: usize,
    offset: usize,
}

impl Everywhere {
    /// A search for what was typed, and the archive query the worker runs for it.
    pub fn new(id: SearchId, typed: &str) -> (Everywhere, SearchQuery) {
        let words = SearchQuery::words_of(typed);
        let query = SearchQuery {
            words: words.clone(),
            limit: HITS_MAX,
            ..SearchQuery::default()
        };
        let view = Everywhere {
            id,
            typed: typed.to_owned(),
            words,
            found: Found::Searching,
            selected: 0,
            offset: 0,
        };
        (view, query)
    }

    /// The worker's answer; `false` (and nothing changes) when it is for another search.
    pub fn found(&mut self, id: SearchId, result: Result<Vec<SearchHit>, String>) -> bool {
        if id != self.id {
            return false;
        }
        self.found = match result {
            Ok(hits) => Found::Hits(hits),
            Err(e) => Found::Failed(e),
        };
        self.selected = 0;
        self.offset = 0;
        true
    }

    /// Which search this is.
    pub fn id(&self) -> SearchId {
        self.id
    }

    /// The query as typed.
    pub fn typed(&self) -> &str {
        &self.typed
    }

    /// The words looked for (what a row highlights).
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Where the search stands.
    pub fn state(&self) -> &Found {
        &self.found
    }

    /// The hits so far (none while searching or after a failure).
    pub fn hits(&self) -> &[SearchHit] {
        match &self.found {
            Found::Hits(h) => h,
            _ => &[],
        }
    }

    /// The selected row.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The first row shown.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The selected hit, if any.
    pub fn selected_hit(&self) -> Option<&SearchHit> {
        self.hits().get(self.selected)
    }

    /// Moves the selection by `delta` rows (clamped), keeping it within `rows` shown.
    pub fn move_by(&mut self, delta: i64, rows: usize) {
        let n = self.hits().len();
        if n == 0 {
            return;
        }
        let at = (self.selected as i64).saturating_add(delta);
        self.selected = at.clamp(0, n as i64 - 1) as usize;
        self.keep_visible(rows);
    }

    /// To the first or the last hit.
    pub fn to_end(&mut self, last: bool, rows: usize) {
        let n = self.hits().len();
        self.selected = if last { n.saturating_sub(1) } else { 0 };
        self.keep_visible(rows);
    }

    /// Scrolls so that the selection is among the `rows` shown.
    pub fn keep_visible(&mut self, rows: usize) {
        let rows = rows.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AppId, ConversationId};

    pub(crate) fn hit(row: i64, text: &str) -> SearchHit {
        SearchHit {
            row,
            app: AppId(1),
            conversation: ConversationId(42),
            conversation_name: None,
            sender: None,
            sender_name: None,
            create_time: None,
            msg_type: None,
            text: text.into(),
            raw: "{}".into(),
        }
    }

    #[test]
    fn the_query_searches_every_conversation_for_the_words_typed() {
        let (view, query) = Everywhere::new(SearchId(1), r#"deck "press kit""#);
        assert_eq!(query.words, ["deck", "press kit"]);
        assert!(query.conversations.is_empty() && query.apps.is_empty());
        assert_eq!(query.limit, HITS_MAX);
        assert_eq!(view.state(), &Found::Searching);
        assert_eq!(view.typed(), r#"deck "press kit""#);
    }

    #[test]
    fn an_answer_for_an_earlier_search_is_dropped() {
        let (mut view, _) = Everywhere::new(SearchId(2), "deck");
        assert!(!view.found(SearchId(1), Ok(vec![hit(1, "old deck")])));
        assert_eq!(view.state(), &Found::Searching);
        assert!(view.found(SearchId(2), Err("the archive is locked".into())));
        assert_eq!(view.state(), &Found::Failed("the archive is locked".into()));
        assert!(view.hits().is_empty());
    }

    #[test]
    fn the_selection_moves_within_the_hits_and_stays_shown() {
        let (mut view, _) = Everywhere::new(SearchId(1), "m");
        view.move_by(1, 3);
        assert_eq!(view.selected(), 0, "nothing to move through yet");
        let hits = (0..10).map(|i| hit(i, "m")).collect();
        view.found(SearchId(1), Ok(hits));
        view.move_by(4, 3);
        assert_eq!((view.selected(), view.offset()), (4, 2));
        view.move_by(100, 3);
        assert_eq!((view.selected(), view.offset()), (9, 7));
        view.move_by(-8, 3);
        assert_eq!((view.selected(), view.offset()), (1, 1));
        view.to_end(true, 3);
        assert_eq!(view.selected_hit().map(|h| h.row), Some(9));
        view.to_end(false, 3);
        assert_eq!((view.selected(), view.offset()), (0, 0));
    }
}
