//! Going to a given message (a result of the search across conversations) or to the
//! first message at or after a time (`t`): at once when it is loaded, else paging
//! toward it through the view's seeking, with the status bar counting and Esc
//! stopping it.

use crate::model::MessageId;
use crate::paging::Direction;

use super::super::action::Command;
use super::super::seek::{GOTO_PAGE_BUDGET, Goal, Note, Toward};
use super::ConversationView;

impl ConversationView {
    /// Goes to a message by id, paging back for it when it is not loaded.
    pub fn go_to_message(&mut self, id: MessageId) -> Option<Command> {
        self.cancel_quietly();
        let from = self.selected().and_then(|e| e.message.id());
        if from == Some(id) {
            return None;
        }
        if let Some(pos) = self.store().position(id) {
            self.push_jump(from);
            self.jump_to(pos);
            return None;
        }
        self.seek_more(Goal::Message(id), GOTO_PAGE_BUDGET, from)
    }

    /// Goes to the first message sent at or after `ms` (ms since the epoch): at once
    /// when the loaded messages show which it is, else paging toward it. With no
    /// message at or after it, the newest is selected and the status bar says so.
    pub fn go_to_time(&mut self, ms: i64) -> Option<Command> {
        self.cancel_quietly();
        let from = self.selected().and_then(|e| e.message.id());
        if let Some(pos) = self.time_landing(ms) {
            self.push_jump(from);
            self.jump_to(pos);
            return None;
        }
        let all_older = self
            .store()
            .iter()
            .all(|e| e.message.body.create_time.is_none_or(|t| t < ms));
        let toward = if all_older && !self.store().is_empty() {
            Toward::Newer
        } else {
            Toward::Older
        };
        if toward == Toward::Newer && Toward::of_walk(self.direction()) != Toward::Newer {
            // The newest is loaded already: nothing comes after it. The move is
            // settled here so that the remark stays with the new selection.
            self.push_jump(from);
            self.select_last();
            self.window.normalize(self.edges());
        }
        self.seek_more(Goal::Time(ms, toward), GOTO_PAGE_BUDGET, from)
    }

    /// The loaded message that is the first at or after `ms`, when the loaded ones
    /// show it is: the one before it is loaded (and older), or history begins there.
    pub(super) fn time_landing(&self, ms: i64) -> Option<usize> {
        let store = self.store();
        let first = store
            .iter()
            .position(|e| e.message.body.create_time.is_some_and(|t| t >= ms))?;
        let begins_here = match self.direction() {
            Direction::OldestFirst => true,
            Direction::NewestFirst => !self.has_more(),
        };
        (first > 0 || begins_here).then_some(first)
    }

    /// Ends a seek under way without a remark (a new goal replaces it).
    fn cancel_quietly(&mut self) {
        if self.cancel_seek() {
            self.clear_note();
        }
    }
}

/// The status bar's words for what came of going to a message or a time.
pub fn goal_note_text(note: Note) -> Option<String> {
    Some(match note {
        Note::MessageNotInHistory => "that message is not in this conversation's history".into(),
        Note::GoalNotWithin(n) => {
            format!("not reached within {n} messages loaded on the way; ask again to go further")
        }
        Note::GoalStopped => "stopped: more history could not be loaded; r retries".into(),
        Note::GoalCancelled => "stopped going there".into(),
        Note::NothingAfterTime => "no message at or after that time: the newest is selected".into(),
        _ => return None,
    })
}
