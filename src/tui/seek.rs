//! The browser's navigation vocabulary: which way through a conversation, what a
//! search for a message not loaded yet is after, what came of a jump, and the jump
//! list `'` walks back along. A leaf: plain types, no view behind them (the view's
//! seeking is in `conversation/seeking.rs`).

use crate::model::{MessageId, MessageStatus};
use crate::pager::Direction;

/// The most pages one search step fetches before it stops and says so (`n` goes on).
pub const SEARCH_PAGE_BUDGET: u32 = 25;
/// The most pages fetched looking for a quoted message.
pub const QUOTE_PAGE_BUDGET: u32 = 50;
/// The most pages fetched going to a message found in the archive or to a time
/// (`t`): far, since that is what was asked; Esc stops it, and the status bar counts.
pub const GOTO_PAGE_BUDGET: u32 = 500;
/// The most pages (or archive reads) `g` goes through toward the first message before
/// it stops and says so (`g` goes on).
pub const FIRST_PAGE_BUDGET: u32 = 5_000;
/// The most jumps remembered for `'`.
pub const JUMP_STACK_MAX: usize = 32;

/// Which way through the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Toward {
    /// Up the list, to earlier messages.
    Older,
    /// Down the list, to later messages.
    Newer,
}

impl Toward {
    /// The other way.
    pub fn reversed(self) -> Toward {
        match self {
            Toward::Older => Toward::Newer,
            Toward::Newer => Toward::Older,
        }
    }

    /// The way a walk in `direction` fetches more history.
    pub fn of_walk(direction: Direction) -> Toward {
        match direction {
            Direction::NewestFirst => Toward::Older,
            Direction::OldestFirst => Toward::Newer,
        }
    }

    /// `older` or `newer`.
    pub fn word(self) -> &'static str {
        match self {
            Toward::Older => "older",
            Toward::Newer => "newer",
        }
    }
}

/// What is being looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// The next search match that way.
    Match(Toward),
    /// A quoted message, with the status its reply gives it.
    Quote(MessageId, MessageStatus),
    /// A message by id (a result of the search across conversations).
    Message(MessageId),
    /// The first message at or after a time (ms), fetching that way.
    Time(i64, Toward),
    /// The first message of the conversation (`g` past what is archived).
    First,
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
    /// The message looked for is not in this conversation's history.
    MessageNotInHistory,
    /// The page budget ran out before the message or the time turned up.
    GoalNotWithin(usize),
    /// Going to a message or a time stopped: more history could not be loaded.
    GoalStopped,
    /// Going to a message or a time was stopped (Esc).
    GoalCancelled,
    /// No message at or after the time asked for: the newest is selected.
    NothingAfterTime,
    /// `'` with no jump to go back from.
    NoJumpBack,
    /// Ctrl-i with nothing to go forward to.
    NoJumpForward,
    /// Going to the first message stopped: more history could not be loaded.
    FirstStopped,
    FirstCancelled,
    /// The page budget ran out on the way to the first message; `g` goes on.
    FirstNotWithin(usize),
}

/// Where jumps started (for `'`) and where jumping back came from (for Ctrl-i), as in
/// vim's jump list: a new jump forgets the way forward.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Jumps {
    back: Vec<MessageId>,
    forward: Vec<MessageId>,
}

impl Jumps {
    /// Remembers where a jump started; at most [`JUMP_STACK_MAX`] places are kept.
    pub fn push(&mut self, from: MessageId) {
        self.forward.clear();
        if self.back.len() >= JUMP_STACK_MAX {
            self.back.remove(0);
        }
        self.back.push(from);
    }

    /// How many places `'` can go back to.
    pub fn len(&self) -> usize {
        self.back.len()
    }

    /// True when there is nowhere to go back to.
    pub fn is_empty(&self) -> bool {
        self.back.is_empty()
    }

    /// The most recent place `'` goes back to that `reachable` accepts (places it does
    /// not are dropped); `here` becomes the way forward.
    pub fn back(
        &mut self,
        here: Option<MessageId>,
        reachable: impl Fn(MessageId) -> bool,
    ) -> Option<MessageId> {
        let to = pop_reachable(&mut self.back, reachable)?;
        self.forward.extend(here);
        Some(to)
    }

    /// The way forward again, as [`Self::back`] the other way.
    pub fn forward(
        &mut self,
        here: Option<MessageId>,
        reachable: impl Fn(MessageId) -> bool,
    ) -> Option<MessageId> {
        let to = pop_reachable(&mut self.forward, reachable)?;
        self.back.extend(here);
        Some(to)
    }
}

fn pop_reachable(
    stack: &mut Vec<MessageId>,
    reachable: impl Fn(MessageId) -> bool,
) -> Option<MessageId> {
    while let Some(id) = stack.pop() {
        if reachable(id) {
            return Some(id);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jumps_go_back_and_forward_and_a_new_jump_forgets_the_way_forward() {
        let mut j = Jumps::default();
        j.push(MessageId(1));
        j.push(MessageId(2));
        assert_eq!(j.back(Some(MessageId(9)), |_| true), Some(MessageId(2)));
        assert_eq!(j.forward(Some(MessageId(2)), |_| true), Some(MessageId(9)));
        assert_eq!(j.len(), 2, "forward again put the place back");
        assert_eq!(j.back(None, |id| id != MessageId(2)), Some(MessageId(1)));
        assert!(j.is_empty(), "an unreachable place is dropped");
        j.push(MessageId(5));
        assert_eq!(j.forward(None, |_| true), None, "a new jump forgot it");
        for i in 0..(JUMP_STACK_MAX as i64 + 3) {
            j.push(MessageId(i));
        }
        assert_eq!(j.len(), JUMP_STACK_MAX);
    }
}
