//! New messages from the follow poll: they join the end of the window when it holds
//! the newest messages (a reader on the newest follows them, one scrolled up sees
//! nothing move), and are only counted when the window is elsewhere in history.

use jiff::tz::TimeZone;

use crate::api::wire::Page;
use crate::model::{Message, UserId};
use crate::pager::{Direction, PagerState};

use super::super::names::Names;
use super::super::store::OrderKey;
use super::{ConversationView, shelf};

/// What a look at the newest page brought ([`ConversationView::take_newest`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Newest {
    /// These many messages joined the end (their senders, for display names);
    /// `followed` when the selection was on the newest and moved along.
    Joined {
        messages: usize,
        senders: Vec<UserId>,
        followed: bool,
    },
    /// More arrived than one page holds: a stretch between the loaded newest and the
    /// page is not loaded. At least this many are new.
    Beyond(usize),
    /// The window is elsewhere in history: these many arrived past what it shows.
    Elsewhere(usize),
    /// Nothing new, or the view does not reach the newest message yet (its own walk
    /// will bring them).
    Nothing,
}

impl ConversationView {
    /// True when the window's newest message is selected.
    pub fn is_at_window_end(&self) -> bool {
        !self.store().is_empty() && self.scroll().selected + 1 >= self.store().len()
    }

    /// True when the newest message is selected: the window's newest, with nothing
    /// newer archived beyond it.
    pub fn at_newest(&self) -> bool {
        !self.store().is_empty()
            && self.scroll().selected + 1 >= self.store().len()
            && !self.shelf.as_ref().is_some_and(|s| s.newer)
    }

    /// Takes the conversation's newest page (`Reverse=1` from the newest), looked at
    /// for messages sent since `known` (the newest seen so far; the window's newest
    /// when none is given). When the window holds the newest messages, the new ones
    /// join its end: the selected message keeps its row, so a reader scrolled up sees
    /// nothing move, and one on the newest message follows. When the window is
    /// elsewhere in history, they are only counted (the page is archived already).
    pub fn take_newest(
        &mut self,
        page: Page,
        known: Option<OrderKey>,
        tz: &TimeZone,
        names: &Names,
    ) -> Newest {
        let window_newest = self.store().ends().map(|(_, n)| n.message.order_key());
        let elsewhere = self.shelf.as_ref().is_some_and(|s| s.newer);
        let reaches_newest = !elsewhere
            && match self.direction() {
                Direction::NewestFirst => window_newest.is_some(),
                Direction::OldestFirst => *self.paging.state() == PagerState::Done,
            };
        let newest = if elsewhere {
            known
        } else {
            window_newest.max(known)
        };
        if !reaches_newest && !self.history_is_empty() && !elsewhere {
            return Newest::Nothing;
        }
        let full = page.has_more == Some(true);
        let mut fresh: Vec<Message> = page
            .messages
            .into_iter()
            .filter(|m| newest.is_none_or(|n| m.order_key() > n))
            .collect();
        if fresh.is_empty() || (elsewhere && newest.is_none()) {
            return Newest::Nothing;
        }
        let page_limit = crate::api::wire::PAGE_LIMIT as usize;
        // A window elsewhere has no end for them to join; a full page of nothing but
        // new messages may not reach the loaded ones.
        if elsewhere {
            return Newest::Elsewhere(fresh.len());
        }
        if full && newest.is_some() && fresh.len() >= page_limit {
            return Newest::Beyond(fresh.len());
        }
        fresh.sort_by_key(Message::order_key);
        let followed = self.store().is_empty() || self.at_newest();
        let arrival = self.take_messages(fresh, tz, names, true);
        self.trim(shelf::Side::After);
        Newest::Joined {
            messages: arrival.messages,
            senders: arrival.senders,
            followed,
        }
    }
}
