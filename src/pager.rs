//! Walking one conversation's history page by page: the decisions, without I/O.
//!
//! The [`Pager`] says which page to ask for next, takes each answer, drops messages
//! it has already handed out (known by [`Message::key`], so also those without a
//! usable id), and stops when history ends or when the server misbehaves (a cursor
//! handed back twice, pages that bring nothing twice in a row), so that a walk can
//! never loop forever. When a page does not say whether more history exists, the
//! pager judges from the page and says so once ([`Pager::take_warning`]). The export
//! and the terminal UI both drive their fetches with it.

use std::collections::HashSet;

use crate::api::wire::{PAGE_LIMIT, Page};
use crate::model::{Cursor, Message, MessageKey};
// The requests a pager hands out, named here too so a walk needs one import.
pub use crate::paging::{Direction, PageRequest};

/// How many pages in a row may bring no new message (while claiming `HasMore`)
/// before the walk stops with an error.
pub const MAX_FRUITLESS_PAGES: u32 = 2;

/// Why a walk stopped before the end of history.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PagingError {
    /// `HasMore` was true but `NewCursor` was a cursor this walk already sent.
    #[error(
        "the server handed back cursor {0} again while claiming more history; stopped to avoid a loop"
    )]
    RepeatedCursor(Cursor),
    /// `HasMore` was true on pages that brought nothing new, too many times in a row.
    #[error(
        "the server sent {0} pages in a row with no new message while claiming more history; stopped to avoid a loop"
    )]
    FruitlessPages(u32),
    /// `HasMore` was true but no `NewCursor` came with it.
    #[error("the server claimed more history but sent no NewCursor")]
    MissingCursor,
}

/// Something the walk had to judge for itself, for its caller to tell the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PagerWarning {
    /// A page came without `HasMore`. A page that is not full, or has no
    /// `NewCursor`, or brings nothing new, is taken as the end of history; a full
    /// one with a `NewCursor` is followed (`followed`).
    #[error(
        "the server did not say whether more history exists (no HasMore in its answer); {}",
        if *.followed {
            "the page was full, so the walk went on from its NewCursor and ends at the first page that is not full or brings nothing new"
        } else {
            "the page was not full (or had no NewCursor), so it was taken as the end of history"
        }
    )]
    NoHasMore { followed: bool },
}

impl PagerWarning {
    /// A short form, for a status bar.
    pub fn short(self) -> &'static str {
        match self {
            PagerWarning::NoHasMore { followed: false } => {
                "the server sent no HasMore: a page that is not full was taken as the end of history"
            }
            PagerWarning::NoHasMore { followed: true } => {
                "the server sent no HasMore: loading on until a page brings nothing new"
            }
        }
    }
}

/// Where the walk stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PagerState {
    /// More history may exist; the next request starts at this cursor.
    HaveMore(Cursor),
    /// History ended (`HasMore` was false).
    Done,
    /// The walk stopped because the server misbehaved.
    Stopped(PagingError),
}

/// What became of an answer.
#[derive(Debug)]
pub enum Accepted {
    /// The answer belongs to the request in flight: its new messages, in received order.
    Page {
        /// Messages not handed out before.
        messages: Vec<Message>,
        /// How many received messages were dropped as already seen.
        duplicates: usize,
    },
    /// The answer was for a request no longer in flight (superseded or reset); ignored.
    Stale,
}

/// The paging state of one conversation walked in one direction.
#[derive(Clone, Debug)]
pub struct Pager {
    direction: Direction,
    state: PagerState,
    in_flight: Option<PageRequest>,
    next_seq: u64,
    used_cursors: HashSet<Cursor>,
    seen: HashSet<MessageKey>,
    fruitless: u32,
    pages: u64,
    delivered: u64,
    /// A warning not yet taken by the caller.
    warning: Option<PagerWarning>,
    /// A page without `HasMore` was seen (the warning is given once).
    warned: bool,
}

impl Pager {
    /// A walk from the direction's default start.
    pub fn new(direction: Direction) -> Self {
        Pager::starting_at(direction, direction.default_start())
    }

    /// A walk from the given cursor (a configured newest cursor, or a resume point).
    pub fn starting_at(direction: Direction, start: Cursor) -> Self {
        Pager {
            direction,
            state: PagerState::HaveMore(start),
            in_flight: None,
            next_seq: 0,
            used_cursors: HashSet::new(),
            seen: HashSet::new(),
            fruitless: 0,
            pages: 0,
            delivered: 0,
            warning: None,
            warned: false,
        }
    }

    /// The walk's direction.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Where the walk stands.
    pub fn state(&self) -> &PagerState {
        &self.state
    }

    /// True once history has ended.
    pub fn is_done(&self) -> bool {
        self.state == PagerState::Done
    }

    /// True while a request is out.
    pub fn is_in_flight(&self) -> bool {
        self.in_flight.is_some()
    }

    /// True when another page may be fetched now or later (not done, not stopped).
    pub fn has_more(&self) -> bool {
        matches!(self.state, PagerState::HaveMore(_))
    }

    /// The cursor the next request would start from: where to resume an interrupted walk.
    pub fn resume_cursor(&self) -> Option<Cursor> {
        match self.state {
            PagerState::HaveMore(c) => Some(c),
            _ => None,
        }
    }

    /// Pages accepted so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Messages handed out so far.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// What the walk had to judge for itself since the last call, once: for the
    /// caller to show (the log has it already).
    pub fn take_warning(&mut self) -> Option<PagerWarning> {
        self.warning.take()
    }

    /// The next page to fetch, marking it in flight; `None` while one is in flight,
    /// once history ended, or after the walk stopped. One request at a time.
    pub fn next_request(&mut self) -> Option<PageRequest> {
        if self.in_flight.is_some() {
            return None;
        }
        let PagerState::HaveMore(cursor) = self.state else {
            return None;
        };
        let req = PageRequest {
            seq: self.next_seq,
            cursor,
            reverse: self.direction.reverse_flag(),
            limit: PAGE_LIMIT,
        };
        self.next_seq += 1;
        self.in_flight = Some(req);
        Some(req)
    }

    /// The request in flight failed (after the client's own retries): the same page
    /// may be asked for again with [`Pager::next_request`]. A stale failure is ignored.
    pub fn failed(&mut self, req: &PageRequest) {
        if self.in_flight.as_ref() == Some(req) {
            self.in_flight = None;
        }
    }

    /// Takes the answer to a request.
    pub fn accept(&mut self, req: &PageRequest, page: Page) -> Accepted {
        if self.in_flight.as_ref() != Some(req) {
            return Accepted::Stale;
        }
        self.in_flight = None;
        self.used_cursors.insert(req.cursor);
        self.pages += 1;
        let received = page.messages.len();
        let messages: Vec<Message> = page
            .messages
            .into_iter()
            // A message without a usable id is known by its index or its bytes, so
            // that a server repeating id-less messages cannot go on for ever.
            .filter(|m| self.seen.insert(m.key()))
            .collect();
        let duplicates = received - messages.len();
        self.delivered += messages.len() as u64;
        self.state = match page.has_more {
            Some(false) => PagerState::Done,
            Some(true) => self.after_has_more(messages.is_empty(), page.new_cursor),
            None => {
                let full = received >= req.limit as usize;
                let next = page
                    .new_cursor
                    .filter(|c| full && !messages.is_empty() && !self.used_cursors.contains(c));
                self.warn_once(PagerWarning::NoHasMore {
                    followed: next.is_some(),
                });
                next.map_or(PagerState::Done, PagerState::HaveMore)
            }
        };
        Accepted::Page {
            messages,
            duplicates,
        }
    }

    fn warn_once(&mut self, warning: PagerWarning) {
        if !self.warned {
            self.warned = true;
            tracing::warn!(%warning, "judging the end of history");
            self.warning = Some(warning);
        }
    }

    /// The state after a page that claimed more history.
    fn after_has_more(&mut self, nothing_new: bool, new_cursor: Option<Cursor>) -> PagerState {
        self.fruitless = if nothing_new { self.fruitless + 1 } else { 0 };
        match new_cursor {
            None => PagerState::Stopped(PagingError::MissingCursor),
            Some(c) if self.used_cursors.contains(&c) => {
                PagerState::Stopped(PagingError::RepeatedCursor(c))
            }
            Some(_) if self.fruitless >= MAX_FRUITLESS_PAGES => {
                PagerState::Stopped(PagingError::FruitlessPages(self.fruitless))
            }
            Some(c) => PagerState::HaveMore(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(id: i64) -> Message {
        Message::from_value(
            &json!({"MessageId": id, "Sender": 1, "MsgType": 10001, "Content": "x", "CreateTime": id, "IndexInConversation": id}),
        )
    }

    fn page(ids: &[i64], has_more: bool, cursor: i64) -> Page {
        Page {
            has_more: Some(has_more),
            new_cursor: Some(Cursor(cursor)),
            messages: ids.iter().map(|&i| msg(i)).collect(),
        }
    }

    fn ids(acc: &Accepted) -> Vec<i64> {
        match acc {
            Accepted::Page { messages, .. } => messages.iter().map(|m| m.id().unwrap().0).collect(),
            Accepted::Stale => panic!("stale"),
        }
    }

    #[test]
    fn oldest_first_starts_at_zero_and_feeds_the_cursor_back() {
        let mut p = Pager::new(Direction::OldestFirst);
        let r = p.next_request().unwrap();
        assert_eq!((r.cursor, r.reverse, r.limit), (Cursor(0), 0, 20));
        assert!(p.next_request().is_none(), "one request at a time");
        let a = p.accept(&r, page(&[1, 2, 3], true, 777));
        assert_eq!(ids(&a), vec![1, 2, 3]);
        let r2 = p.next_request().unwrap();
        assert_eq!(r2.cursor, Cursor(777), "NewCursor is passed back unchanged");
        p.accept(&r2, page(&[4], false, 0));
        assert!(p.is_done());
        assert!(p.next_request().is_none());
        assert_eq!((p.pages(), p.delivered()), (2, 4));
    }

    #[test]
    fn newest_first_starts_at_max_with_reverse() {
        let mut p = Pager::new(Direction::NewestFirst);
        let r = p.next_request().unwrap();
        assert_eq!((r.cursor, r.reverse), (Cursor(i64::MAX), 1));
        let mut p = Pager::starting_at(Direction::NewestFirst, Cursor(5000));
        assert_eq!(p.next_request().unwrap().cursor, Cursor(5000));
    }

    #[test]
    fn repeated_boundary_messages_are_dropped() {
        let mut p = Pager::new(Direction::NewestFirst);
        let r = p.next_request().unwrap();
        p.accept(&r, page(&[10, 9, 8], true, 8));
        let r = p.next_request().unwrap();
        let a = p.accept(&r, page(&[8, 7, 6], true, 6));
        assert_eq!(ids(&a), vec![7, 6]);
        assert!(matches!(a, Accepted::Page { duplicates: 1, .. }));
    }

    #[test]
    fn a_repeated_cursor_stops_the_walk() {
        let mut p = Pager::new(Direction::OldestFirst);
        let r = p.next_request().unwrap();
        p.accept(&r, page(&[1], true, 5));
        let r = p.next_request().unwrap();
        let a = p.accept(&r, page(&[2], true, 5));
        assert_eq!(ids(&a), vec![2], "the page's messages are still delivered");
        assert_eq!(
            p.state(),
            &PagerState::Stopped(PagingError::RepeatedCursor(Cursor(5)))
        );
        assert!(p.next_request().is_none());
    }

    #[test]
    fn a_cursor_equal_to_the_start_is_a_repeat() {
        let mut p = Pager::new(Direction::OldestFirst);
        let r = p.next_request().unwrap();
        p.accept(&r, page(&[1], true, 0));
        assert_eq!(
            p.state(),
            &PagerState::Stopped(PagingError::RepeatedCursor(Cursor(0)))
        );
    }

    #[test]
    fn two_empty_pages_in_a_row_stop_the_walk_but_one_does_not() {
        let mut p = Pager::new(Direction::OldestFirst);
        let r = p.next_request().unwrap();
        p.accept(&r, page(&[], true, 1));
        assert!(p.has_more(), "one empty page is tolerated");
        let r = p.next_request().unwrap();
        p.accept(&r, page(&[1], true, 2));
        let r = p.next_request().unwrap();
        p.accept(&r, page(&[], true, 3));
        let r = p.next_request().unwrap();
        p.accept(&r, page(&[1], true, 4)); // only a duplicate: nothing new
        assert_eq!(
            p.state(),
            &PagerState::Stopped(PagingError::FruitlessPages(2))
        );
    }

    #[test]
    fn has_more_false_ends_even_with_an_odd_cursor() {
        let mut p = Pager::new(Direction::OldestFirst);
        let r = p.next_request().unwrap();
        p.accept(
            &r,
            Page {
                has_more: Some(false),
                new_cursor: None,
                messages: vec![msg(1)],
            },
        );
        assert!(p.is_done());
        let mut p = Pager::new(Direction::OldestFirst);
        let r = p.next_request().unwrap();
        p.accept(
            &r,
            Page {
                has_more: Some(true),
                new_cursor: None,
                messages: vec![msg(1)],
            },
        );
        assert_eq!(p.state(), &PagerState::Stopped(PagingError::MissingCursor));
    }

    #[test]
    fn a_failure_allows_the_same_page_again_and_stale_answers_are_ignored() {
        let mut p = Pager::new(Direction::OldestFirst);
        let r1 = p.next_request().unwrap();
        p.failed(&r1);
        let r2 = p.next_request().unwrap();
        assert_eq!(r2.cursor, r1.cursor);
        assert_ne!(r2.seq, r1.seq);
        assert!(matches!(
            p.accept(&r1, page(&[1], true, 9)),
            Accepted::Stale
        ));
        assert!(p.is_in_flight(), "a stale answer does not free the slot");
        assert_eq!(ids(&p.accept(&r2, page(&[1], true, 9))), vec![1]);
        assert_eq!(p.resume_cursor(), Some(Cursor(9)));
    }

    #[test]
    fn messages_without_an_id_are_known_by_their_index_or_bytes() {
        let mut p = Pager::new(Direction::OldestFirst);
        let r = p.next_request().unwrap();
        let odd = Message::from_value(&json!({"Content": "no id"}));
        let other = Message::from_value(&json!({"Content": "another"}));
        let indexed = Message::from_value(&json!({"Content": "x", "IndexInConversation": 4}));
        let a = p.accept(
            &r,
            Page {
                has_more: Some(true),
                new_cursor: Some(Cursor(1)),
                messages: vec![odd.clone(), odd.clone(), other, indexed],
            },
        );
        assert!(matches!(a, Accepted::Page { ref messages, duplicates: 1 } if messages.len() == 3));
        let r = p.next_request().unwrap();
        let again = Message::from_value(&json!({"Content": "y", "IndexInConversation": 4}));
        let a = p.accept(
            &r,
            Page {
                has_more: Some(true),
                new_cursor: Some(Cursor(2)),
                messages: vec![odd, again],
            },
        );
        assert!(matches!(a, Accepted::Page { ref messages, duplicates: 2 } if messages.is_empty()));
    }

    /// 20 messages without an id, the same each time, with a new cursor each time.
    fn idless_page(cursor: i64) -> Page {
        Page {
            has_more: Some(true),
            new_cursor: Some(Cursor(cursor)),
            messages: (0..20)
                .map(|i| Message::from_value(&json!({"Content": format!("same {i}")})))
                .collect(),
        }
    }

    #[test]
    fn the_same_id_less_messages_with_new_cursors_stop_the_walk() {
        let mut p = Pager::new(Direction::OldestFirst);
        let mut pages = 0;
        while let Some(r) = p.next_request() {
            pages += 1;
            assert!(pages < 10, "the walk must stop");
            p.accept(&r, idless_page(pages));
        }
        assert_eq!(p.delivered(), 20, "each message once");
        assert_eq!(
            p.state(),
            &PagerState::Stopped(PagingError::FruitlessPages(MAX_FRUITLESS_PAGES))
        );
    }

    fn no_has_more(ids: std::ops::RangeInclusive<i64>, cursor: Option<i64>) -> Page {
        Page {
            has_more: None,
            new_cursor: cursor.map(Cursor),
            messages: ids.map(msg).collect(),
        }
    }

    #[test]
    fn without_has_more_a_short_page_or_a_missing_cursor_is_the_end() {
        for page in [no_has_more(1..=19, Some(20)), no_has_more(1..=20, None)] {
            let mut p = Pager::new(Direction::OldestFirst);
            let r = p.next_request().unwrap();
            p.accept(&r, page);
            assert!(p.is_done());
            assert_eq!(
                p.take_warning(),
                Some(PagerWarning::NoHasMore { followed: false })
            );
            assert_eq!(p.take_warning(), None, "said once");
        }
    }

    #[test]
    fn without_has_more_a_full_page_is_followed_until_nothing_new_comes() {
        let mut p = Pager::new(Direction::OldestFirst);
        let r = p.next_request().unwrap();
        p.accept(&r, no_has_more(1..=20, Some(20)));
        assert_eq!(p.resume_cursor(), Some(Cursor(20)), "followed once more");
        let warning = p.take_warning().unwrap();
        assert_eq!(warning, PagerWarning::NoHasMore { followed: true });
        assert!(warning.to_string().contains("no HasMore"), "{warning}");
        let r = p.next_request().unwrap();
        p.accept(&r, no_has_more(21..=40, Some(40)));
        assert!(p.has_more(), "a full page of new messages goes on");
        let r = p.next_request().unwrap();
        p.accept(&r, no_has_more(21..=40, Some(60)));
        assert!(p.is_done(), "a full page of nothing new is the end");
        assert_eq!(p.delivered(), 40);
        assert_eq!(p.take_warning(), None, "the warning is given once per walk");
    }
}
