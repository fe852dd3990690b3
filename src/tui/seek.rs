//! Going to a message that may not be loaded yet: the next search match, or the
//! message a reply quotes. When it is not among the loaded messages and more history
//! lies that way, pages are fetched in the background, through the view's one pager
//! (one request at a time, like any other fetch), until it turns up or a page budget
//! runs out. Keys keep working meanwhile; Esc stops it. Also the stack of jumps that
//! `'` walks back along.

use crate::model::{MessageId, MessageStatus};
use crate::pager::PagerState;

use super::action::Command;
use super::conversation::ConversationView;
use super::search::Toward;
use super::store::OrderKey;
use super::viewport::{self, Item};

/// The most pages one search step fetches before it stops and says so (`n` goes on).
pub const SEARCH_PAGE_BUDGET: u32 = 25;
/// The most pages fetched looking for a quoted message.
pub const QUOTE_PAGE_BUDGET: u32 = 50;
/// The most jumps remembered for `'`.
pub const JUMP_STACK_MAX: usize = 32;

/// What is being looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// The next search match that way.
    Match(Toward),
    /// A quoted message, with the status its reply gives it.
    Quote(MessageId, MessageStatus),
}

/// A search for a message in history not loaded yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seek {
    pub goal: Goal,
    /// Pages that may still be fetched.
    pub pages_left: u32,
    /// Messages that arrived meanwhile.
    pub messages: usize,
    /// Where the jump starts, remembered for `'` once it lands.
    pub from: Option<MessageId>,
}

/// What came of going somewhere, for the status bar (shown until the selection moves).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// `n` or `N` before any search.
    NoSearch,
    /// No match that way in the whole conversation.
    NoFurther(Toward),
    /// The page budget ran out; the same key searches further.
    NotWithin(Toward, usize),
    /// More history could not be loaded (the error is shown too).
    SearchStopped,
    SearchCancelled,
    /// `o` on a message that quotes nothing.
    NotAReply,
    /// The quoted message is not loaded, and this view does not page that way.
    QuoteNotLoaded(MessageStatus),
    /// The page budget ran out; `o` looks further.
    QuoteNotWithin(usize, MessageStatus),
    /// History ended without it.
    QuoteNotInHistory(MessageStatus),
    QuoteStopped,
    QuoteCancelled,
    /// `'` with no jump to go back from.
    NoJumpBack,
    /// Ctrl-i with nothing to go forward to.
    NoJumpForward,
}

impl ConversationView {
    /// The remark for the status bar, unless the selection moved since.
    pub fn note(&self) -> Option<Note> {
        self.note
            .filter(|(_, serial)| *serial == self.selection_serial)
            .map(|(n, _)| n)
    }

    fn set_note(&mut self, note: Note) {
        self.note = Some((note, self.selection_serial));
    }

    /// True while pages are being fetched to find something.
    pub fn is_seeking(&self) -> bool {
        self.seek.is_some()
    }

    /// Goes to the nearest search match that way from the selection (the selection
    /// itself counts when `inclusive`), fetching more history when none is loaded.
    pub fn search_step(&mut self, toward: Toward, inclusive: bool, h: i32) -> Option<Command> {
        self.seek = None;
        self.note = None;
        let Some(search) = &self.search else {
            self.set_note(Note::NoSearch);
            return None;
        };
        let selected = self.selected().map(|e| e.message.order_key());
        let found = selected.and_then(|k| search.next_hit(k, toward, inclusive));
        // The search's first landing is a jump to come back from, even when it is an
        // `n` or `N` after the search itself found nothing that way.
        let first = inclusive || !search.has_landed();
        let from = self.selected().and_then(|e| e.message.id());
        if let Some(pos) = found.and_then(|k| self.store.position_of_key(k)) {
            if first && Some(pos) != Some(self.scroll.selected) {
                self.push_jump(from);
            }
            if let Some(search) = self.search.as_mut() {
                search.land();
            }
            self.jump_to(pos, h);
            return None;
        }
        let from = if first { from } else { None };
        self.seek_more(Goal::Match(toward), SEARCH_PAGE_BUDGET, from)
    }

    /// Goes to the message the selected reply quotes, paging back for it when needed.
    pub fn jump_to_quote(&mut self, h: i32) -> Option<Command> {
        self.seek = None;
        self.note = None;
        let entry = self.selected()?;
        let from = entry.message.id();
        let quote = entry.message.body.ref_msg_info.as_ref().and_then(|r| {
            let id = r.referenced_message_id?;
            Some((id, r.status()))
        });
        let Some((id, status)) = quote else {
            self.set_note(Note::NotAReply);
            return None;
        };
        if let Some(pos) = self.store.position(id) {
            self.push_jump(from);
            self.jump_to(pos, h);
            return None;
        }
        self.seek_more(Goal::Quote(id, status), QUOTE_PAGE_BUDGET, from)
    }

    /// Back to where the last jump started (the jump list's previous place); the
    /// place left is where [`Self::jump_forward`] goes again.
    pub fn jump_back(&mut self, h: i32) {
        self.note = None;
        let here = self.selected().and_then(|e| e.message.id());
        while let Some(id) = self.jumps.pop() {
            if let Some(pos) = self.store.position(id) {
                if let Some(here) = here {
                    self.forward_jumps.push(here);
                }
                self.jump_to(pos, h);
                return;
            }
        }
        self.set_note(Note::NoJumpBack);
    }

    /// Forward again to where [`Self::jump_back`] came from.
    pub fn jump_forward(&mut self, h: i32) {
        self.note = None;
        let here = self.selected().and_then(|e| e.message.id());
        while let Some(id) = self.forward_jumps.pop() {
            if let Some(pos) = self.store.position(id) {
                if let Some(here) = here {
                    self.jumps.push(here);
                }
                self.jump_to(pos, h);
                return;
            }
        }
        self.set_note(Note::NoJumpForward);
    }

    /// Stops looking; false when nothing was being looked for.
    pub fn cancel_seek(&mut self) -> bool {
        let Some(seek) = self.seek.take() else {
            return false;
        };
        self.set_note(match seek.goal {
            Goal::Match(_) => Note::SearchCancelled,
            Goal::Quote(..) => Note::QuoteCancelled,
        });
        true
    }

    /// Takes the next step after a page arrived: lands on what turned up among the new
    /// messages (`new_hits`: the search matches among them), or asks for another page,
    /// or stops and says why.
    pub fn seek_after_page(
        &mut self,
        new_hits: &[OrderKey],
        arrived: usize,
        h: i32,
    ) -> Option<Command> {
        let seek = self.seek.as_mut()?;
        seek.messages += arrived;
        seek.pages_left = seek.pages_left.saturating_sub(1);
        let (goal, pages_left, messages, from) =
            (seek.goal, seek.pages_left, seek.messages, seek.from);
        let nearest = match goal {
            Goal::Match(Toward::Older) => new_hits.iter().max(),
            Goal::Match(Toward::Newer) => new_hits.iter().min(),
            Goal::Quote(..) => None,
        };
        let found = match goal {
            Goal::Match(_) => nearest.and_then(|&k| self.store.position_of_key(k)),
            Goal::Quote(id, _) => self.store.position(id),
        };
        if let Some(pos) = found {
            self.seek = None;
            self.push_jump(from);
            if let (Goal::Match(_), Some(search)) = (goal, self.search.as_mut()) {
                search.land();
            }
            self.jump_to(pos, h);
            return None;
        }
        if !self.pager.has_more() {
            self.seek = None;
            self.set_note(self.end_note(goal));
            return None;
        }
        if pages_left == 0 {
            self.seek = None;
            self.set_note(match goal {
                Goal::Match(toward) => Note::NotWithin(toward, messages),
                Goal::Quote(_, status) => Note::QuoteNotWithin(messages, status),
            });
            return None;
        }
        self.fetch_for_seek()
    }

    /// Stops looking when the page it waited for failed.
    pub fn seek_after_failure(&mut self) {
        if self.failed
            && let Some(seek) = self.seek.take()
        {
            self.set_note(match seek.goal {
                Goal::Match(_) => Note::SearchStopped,
                Goal::Quote(..) => Note::QuoteStopped,
            });
        }
    }

    /// Starts fetching toward the goal, or says why it cannot be had.
    fn seek_more(&mut self, goal: Goal, budget: u32, from: Option<MessageId>) -> Option<Command> {
        let toward = match goal {
            Goal::Match(t) => t,
            Goal::Quote(..) => Toward::Older,
        };
        if toward != Toward::of_walk(self.direction()) {
            self.set_note(match goal {
                Goal::Match(t) => Note::NoFurther(t),
                Goal::Quote(_, status) => Note::QuoteNotLoaded(status),
            });
            return None;
        }
        if !self.pager.has_more() {
            self.set_note(self.end_note(goal));
            return None;
        }
        self.seek = Some(Seek {
            goal,
            pages_left: budget,
            messages: 0,
            from,
        });
        self.fetch_for_seek()
    }

    /// Why the walk cannot go on for a goal: history ended, or the walk stopped.
    fn end_note(&self, goal: Goal) -> Note {
        let stopped = matches!(self.pager.state(), PagerState::Stopped(_));
        match (goal, stopped) {
            (Goal::Match(_), true) => Note::SearchStopped,
            (Goal::Match(t), false) => Note::NoFurther(t),
            (Goal::Quote(..), true) => Note::QuoteStopped,
            (Goal::Quote(_, status), false) => Note::QuoteNotInHistory(status),
        }
    }

    /// The next page, unless one is on its way already (then its answer counts).
    fn fetch_for_seek(&mut self) -> Option<Command> {
        if self.pager.is_in_flight() {
            return None;
        }
        self.failed = false;
        self.request_page()
    }

    fn push_jump(&mut self, from: Option<MessageId>) {
        let Some(id) = from else {
            return;
        };
        // A new jump starts a new way forward, as in vim.
        self.forward_jumps.clear();
        if self.jumps.len() >= JUMP_STACK_MAX {
            self.jumps.remove(0);
        }
        self.jumps.push(id);
    }

    /// Selects a message: where it is when it is on screen, else mid-list.
    fn jump_to(&mut self, pos: usize, h: i32) {
        let model = self.model();
        let row = viewport::place(&model, self.scroll, h)
            .iter()
            .find(|p| p.item == Item::Message(pos))
            .map(|p| p.top + p.height - 1)
            .filter(|r| (0..h).contains(r))
            .unwrap_or(h / 2);
        self.select(pos, row, h);
    }
}
