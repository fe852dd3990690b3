//! Going to a message that may not be loaded yet: the next search match, or the
//! message a reply quotes. When it is not among the loaded messages and more history
//! lies that way, pages are fetched in the background, through the view's one pager
//! (one request at a time, like any other fetch), until it turns up or a page budget
//! runs out. Keys keep working meanwhile; Esc stops it. Also the jump list that `'`
//! walks back along.

use crate::archive::Position;
use crate::model::{AppId, MessageId, MessageStatus};
use crate::pager::Direction;

use super::super::action::Command;
use super::super::names::Names;
use super::super::search::Search;
use super::super::seek::{
    FIRST_PAGE_BUDGET, Goal, Jumps, Note, QUOTE_PAGE_BUDGET, SEARCH_PAGE_BUDGET, Seek, Toward,
};
use super::super::store::{Entry, MessageStore, OrderKey};
use super::ConversationView;

/// A place in the archive the view asks to be taken to: only the app reads the
/// archive, so it carries the landing out ([`ConversationView::take_landing`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Landing {
    /// A search match that is archived but not loaded.
    Match(Position),
    /// The message a reply quotes, when the archive has it.
    Quote(MessageId, MessageStatus),
    /// The newest archived message.
    Newest,
    /// The oldest archived message.
    Oldest,
    /// A place of the jump list that is no longer in the window.
    Jump(MessageId),
}

/// The active search, the seek under way, the last remark and the jump list.
#[derive(Debug, Default)]
pub(super) struct Navigation {
    search: Option<Search>,
    seek: Option<Seek>,
    /// What came of the last search step or jump, and the selection it was made at.
    note: Option<(Note, u64)>,
    jumps: Jumps,
    /// A landing asked for, and where the jump to it starts.
    landing: Option<(Landing, Option<MessageId>)>,
    /// The archive is searching for the active search's query.
    archive_searching: bool,
    /// A step waits for the archive's matches: its way and whether the selection counts.
    awaiting: Option<(Toward, bool)>,
}

impl Navigation {
    /// The matches of the active search among newly arrived messages.
    pub(super) fn scan(&mut self, entries: &[Entry], names: &Names, app: AppId) -> Vec<OrderKey> {
        match &mut self.search {
            Some(search) => search.scan(entries, names, app),
            None => Vec::new(),
        }
    }

    /// Brings the search's name matches and the selection's rank up to date.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn settle_search(
        &mut self,
        store: &MessageStore,
        selected: Option<&Entry>,
        serial: u64,
        direction: Direction,
        names: &Names,
        app: AppId,
        names_version: u64,
    ) {
        if let Some(search) = self.search.as_mut() {
            search.rescan_names(store, names, app, names_version);
            search.update_rank(selected, serial, direction);
        }
    }
}

impl ConversationView {
    /// The remark for the status bar, unless the selection moved since.
    pub fn note(&self) -> Option<Note> {
        self.nav
            .note
            .filter(|(_, serial)| *serial == self.selection_serial())
            .map(|(n, _)| n)
    }

    fn set_note(&mut self, note: Note) {
        self.nav.note = Some((note, self.selection_serial()));
    }

    pub(super) fn clear_note(&mut self) {
        self.nav.note = None;
    }

    /// The active search, when one was made.
    pub fn search(&self) -> Option<&Search> {
        self.nav.search.as_ref()
    }

    /// What is being fetched for (a search match, a quoted message).
    pub fn seek(&self) -> Option<&Seek> {
        self.nav.seek.as_ref()
    }

    /// Where jumps started, for `'`.
    pub fn jumps(&self) -> &Jumps {
        &self.nav.jumps
    }

    /// True while pages are being fetched to find something.
    pub fn is_seeking(&self) -> bool {
        self.nav.seek.is_some()
    }

    /// Searches for `query` (a non-empty one) and goes to the nearest match at or
    /// above the selection. With an archive, the conversation's whole archive is
    /// searched too (the step waits for it when nothing loaded matches); without, older
    /// history is fetched until a match turns up.
    pub fn start_search(&mut self, query: &str, names: &Names, names_version: u64) -> Vec<Command> {
        if query.is_empty() {
            return Vec::new();
        }
        let app = self.target.app_id;
        self.nav.search = Some(Search::new(
            query,
            self.window.store(),
            names,
            app,
            names_version,
        ));
        let mut commands = Vec::new();
        self.nav.archive_searching = self.shelf.is_some();
        self.nav.awaiting = None;
        if self.nav.archive_searching {
            commands.push(Command::SearchArchive {
                view: self.id,
                app,
                conversation: self.target.conversation,
                query: query.to_owned(),
            });
        }
        commands.extend(self.search_step(Toward::Older, true));
        commands
    }

    /// Takes the archive's matches for a query; a step waiting for them is taken now.
    pub fn archive_searched(
        &mut self,
        query: &str,
        result: Result<Vec<Position>, String>,
    ) -> Option<Command> {
        let search = self.nav.search.as_mut().filter(|s| s.query() == query)?;
        self.nav.archive_searching = false;
        match result {
            Ok(keys) => search.add_archived(keys),
            Err(e) => tracing::warn!(error = %e, "searching the archive failed"),
        }
        let (toward, inclusive) = self.nav.awaiting.take()?;
        self.search_step(toward, inclusive)
    }

    /// The landing asked for, once: where to, and where the jump starts.
    pub fn take_landing(&mut self) -> Option<(Landing, Option<MessageId>)> {
        self.nav.landing.take()
    }

    /// The app showed the archive at a landing: the jump is remembered and a search
    /// step counts as landed.
    pub fn landed(&mut self, landing: Landing, from: Option<MessageId>) -> Option<Command> {
        let jumped = matches!(landing, Landing::Jump(_));
        if !jumped && from != self.selected().and_then(|e| e.message.id()) {
            self.push_jump(from);
        }
        if let (Landing::Match(_), Some(search)) = (landing, self.nav.search.as_mut()) {
            search.land();
        }
        if landing == Landing::Oldest {
            return self.walk_to_first();
        }
        None
    }

    /// The archive did not have the landing's message: a quoted message is then
    /// looked for by paging, as without an archive.
    pub fn not_landed(&mut self, landing: Landing, from: Option<MessageId>) -> Option<Command> {
        match landing {
            Landing::Quote(id, status) => {
                self.seek_more(Goal::Quote(id, status), QUOTE_PAGE_BUDGET, from)
            }
            Landing::Jump(_) => {
                self.set_note(Note::NoJumpBack);
                None
            }
            _ => None,
        }
    }

    /// Goes to the oldest (`Toward::Older`) or newest message of the whole history:
    /// of the window when it holds that end, else through the archive, then on to the
    /// first message from the server when the archive does not reach it.
    pub fn go_to_end(&mut self, toward: Toward) -> Option<Command> {
        let beyond = match (toward, &self.shelf) {
            (Toward::Older, Some(s)) => s.older,
            (Toward::Newer, Some(s)) => s.newer,
            (_, None) => false,
        };
        if beyond {
            let from = self.selected().and_then(|e| e.message.id());
            let landing = match toward {
                Toward::Older => Landing::Oldest,
                Toward::Newer => Landing::Newest,
            };
            self.nav.landing = Some((landing, from));
            return None;
        }
        match toward {
            Toward::Older => self.walk_to_first(),
            Toward::Newer => {
                self.select_last();
                None
            }
        }
    }

    /// At the oldest archived message (or the oldest loaded, without an archive):
    /// with an archive, history the server still has beyond it is fetched page by
    /// page until the first message, the status bar counting them; Esc stops it.
    fn walk_to_first(&mut self) -> Option<Command> {
        self.select_first();
        if self.shelf.is_none() || !self.more_that_way() {
            return None;
        }
        let from = self.selected().and_then(|e| e.message.id());
        self.seek_more(Goal::First, FIRST_PAGE_BUDGET, from)
    }

    /// Ends the active search; false when there was none.
    pub fn clear_search(&mut self) -> bool {
        if self.nav.search.is_none() {
            return false;
        }
        self.nav.search = None;
        self.nav.note = None;
        self.nav.awaiting = None;
        self.nav.archive_searching = false;
        true
    }

    /// Goes to the nearest search match that way from the selection (the selection
    /// itself counts when `inclusive`), fetching more history when none is loaded.
    pub fn search_step(&mut self, toward: Toward, inclusive: bool) -> Option<Command> {
        self.nav.seek = None;
        self.nav.note = None;
        let Some(search) = &self.nav.search else {
            self.set_note(Note::NoSearch);
            return None;
        };
        let selected = self.selected().map(|e| e.message.order_key());
        let found = selected.and_then(|k| search.next_hit(k, toward, inclusive));
        // The search's first landing is a jump to come back from, even when it is an
        // `n` or `N` after the search itself found nothing that way.
        let first = inclusive || !search.has_landed();
        let from = self.selected().and_then(|e| e.message.id());
        if let Some(pos) = found.and_then(|k| self.store().position_of_key(k)) {
            if first && pos != self.scroll().selected {
                self.push_jump(from);
            }
            if let Some(search) = self.nav.search.as_mut() {
                search.land();
            }
            self.jump_to(pos);
            return None;
        }
        if let Some(key) = found {
            // Archived, not in the window: the app shows the archive there.
            self.nav.landing = Some((Landing::Match(key), if first { from } else { None }));
            return None;
        }
        if self.nav.archive_searching {
            self.nav.awaiting = Some((toward, inclusive));
            return None;
        }
        let from = if first { from } else { None };
        self.seek_more(Goal::Match(toward), SEARCH_PAGE_BUDGET, from)
    }

    /// Goes to the message the selected reply quotes, paging back for it when needed.
    pub fn jump_to_quote(&mut self) -> Option<Command> {
        self.nav.seek = None;
        self.nav.note = None;
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
        if let Some(pos) = self.store().position(id) {
            self.push_jump(from);
            self.jump_to(pos);
            return None;
        }
        if self.shelf.is_some() {
            // Perhaps archived: the app looks there first.
            self.nav.landing = Some((Landing::Quote(id, status), from));
            return None;
        }
        self.seek_more(Goal::Quote(id, status), QUOTE_PAGE_BUDGET, from)
    }

    /// Back to where the last jump started (the jump list's previous place); the
    /// place left is where [`Self::jump_forward`] goes again.
    pub fn jump_back(&mut self) {
        self.nav.note = None;
        let here = self.selected().and_then(|e| e.message.id());
        let store = self.window.store();
        let archived = self.shelf.is_some();
        let reachable = |id| archived || store.position(id).is_some();
        match self.nav.jumps.back(here, reachable) {
            Some(id) => self.jump_to_id(id),
            None => self.set_note(Note::NoJumpBack),
        }
    }

    /// Forward again to where [`Self::jump_back`] came from.
    pub fn jump_forward(&mut self) {
        self.nav.note = None;
        let here = self.selected().and_then(|e| e.message.id());
        let store = self.window.store();
        let archived = self.shelf.is_some();
        let reachable = |id| archived || store.position(id).is_some();
        match self.nav.jumps.forward(here, reachable) {
            Some(id) => self.jump_to_id(id),
            None => self.set_note(Note::NoJumpForward),
        }
    }

    /// Goes to a place of the jump list: in the window, or through the archive.
    fn jump_to_id(&mut self, id: MessageId) {
        match self.store().position(id) {
            Some(pos) => self.jump_to(pos),
            None => self.nav.landing = Some((Landing::Jump(id), None)),
        }
    }

    /// Stops looking; false when nothing was being looked for.
    pub fn cancel_seek(&mut self) -> bool {
        let Some(seek) = self.nav.seek.take() else {
            return false;
        };
        self.set_note(match seek.goal {
            Goal::Match(_) => Note::SearchCancelled,
            Goal::Quote(..) => Note::QuoteCancelled,
            Goal::Message(_) | Goal::Time(..) => Note::GoalCancelled,
            Goal::First => Note::FirstCancelled,
        });
        true
    }

    /// Takes the next step after a page arrived: lands on what turned up among the new
    /// messages (`new_hits`: the search matches among them), or asks for another page,
    /// or stops and says why.
    pub fn seek_after_page(&mut self, new_hits: &[OrderKey], arrived: usize) -> Option<Command> {
        let seek = self.nav.seek.as_mut()?;
        seek.messages += arrived;
        seek.pages_left = seek.pages_left.saturating_sub(1);
        let (goal, pages_left, messages, from) =
            (seek.goal, seek.pages_left, seek.messages, seek.from);
        let nearest = match goal {
            Goal::Match(Toward::Older) => new_hits.iter().max(),
            Goal::Match(Toward::Newer) => new_hits.iter().min(),
            _ => None,
        };
        let found = match goal {
            Goal::Match(_) => nearest.and_then(|&k| self.store().position_of_key(k)),
            Goal::Quote(id, _) | Goal::Message(id) => self.store().position(id),
            Goal::Time(ms, _) => self.time_landing(ms),
            Goal::First => (!self.more_that_way()).then_some(0),
        };
        if goal == Goal::First {
            // The selection goes along with the walk, so the window's far side can go.
            self.select_first();
            if found.is_some() {
                self.nav.seek = None;
                return None;
            }
        }
        if let Some(pos) = found {
            self.nav.seek = None;
            self.push_jump(from);
            if let (Goal::Match(_), Some(search)) = (goal, self.nav.search.as_mut()) {
                search.land();
            }
            self.jump_to(pos);
            return None;
        }
        if !self.more_that_way() {
            self.nav.seek = None;
            self.set_note(self.end_note(goal));
            return None;
        }
        if pages_left == 0 {
            self.nav.seek = None;
            self.set_note(match goal {
                Goal::Match(toward) => Note::NotWithin(toward, messages),
                Goal::Quote(_, status) => Note::QuoteNotWithin(messages, status),
                Goal::Message(_) | Goal::Time(..) => Note::GoalNotWithin(messages),
                Goal::First => Note::FirstNotWithin(messages),
            });
            return None;
        }
        self.fetch_for_seek()
    }

    /// Stops looking when the page it waited for failed.
    pub(super) fn seek_after_failure(&mut self) {
        if let Some(seek) = self.nav.seek.take() {
            self.set_note(match seek.goal {
                Goal::Match(_) => Note::SearchStopped,
                Goal::Quote(..) => Note::QuoteStopped,
                Goal::Message(_) | Goal::Time(..) => Note::GoalStopped,
                Goal::First => Note::FirstStopped,
            });
        }
    }

    /// Starts fetching toward the goal, or says why it cannot be had.
    pub(super) fn seek_more(
        &mut self,
        goal: Goal,
        budget: u32,
        from: Option<MessageId>,
    ) -> Option<Command> {
        let toward = match goal {
            Goal::Match(t) | Goal::Time(_, t) => t,
            Goal::Quote(..) | Goal::Message(_) | Goal::First => Toward::Older,
        };
        if toward != Toward::of_walk(self.direction()) {
            self.set_note(match goal {
                Goal::Match(t) => Note::NoFurther(t),
                Goal::Quote(_, status) => Note::QuoteNotLoaded(status),
                Goal::Message(_) => Note::MessageNotInHistory,
                Goal::Time(..) => Note::NothingAfterTime,
                Goal::First => Note::FirstStopped,
            });
            return None;
        }
        if !self.more_that_way() {
            self.set_note(self.end_note(goal));
            return None;
        }
        self.nav.seek = Some(Seek {
            goal,
            pages_left: budget,
            messages: 0,
            from,
        });
        self.fetch_for_seek()
    }

    /// Why the walk cannot go on for a goal: history ended, or the walk stopped.
    fn end_note(&self, goal: Goal) -> Note {
        match (goal, self.paging.stopped()) {
            (Goal::Match(_), true) => Note::SearchStopped,
            (Goal::Match(t), false) => Note::NoFurther(t),
            (Goal::Quote(..), true) => Note::QuoteStopped,
            (Goal::Quote(_, status), false) => Note::QuoteNotInHistory(status),
            (Goal::Message(_) | Goal::Time(..), true) => Note::GoalStopped,
            (Goal::Message(_), false) => Note::MessageNotInHistory,
            (Goal::Time(..), false) => Note::NothingAfterTime,
            (Goal::First, _) => Note::FirstStopped,
        }
    }

    /// The next page, unless one is on its way already (then its answer counts).
    fn fetch_for_seek(&mut self) -> Option<Command> {
        // Past the archived edge the walk goes on from the cursor the archive ends at.
        self.resume_older();
        if self.older_archived() {
            if self.is_reading_archive() {
                return None;
            }
            return self.read_toward(crate::archive::Side::Before);
        }
        if self.paging.is_in_flight() {
            return None;
        }
        self.request_page()
    }

    pub(super) fn push_jump(&mut self, from: Option<MessageId>) {
        if let Some(id) = from {
            self.nav.jumps.push(id);
        }
    }
}
