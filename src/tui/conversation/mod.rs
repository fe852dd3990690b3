//! One open conversation, as owned parts with their own state: the history walk
//! ([`paging`]), the message window and selection ([`window`]), quoted messages
//! ([`quotes`]), the detail pane ([`pane`]), and search, seeking and jumps
//! ([`seeking`]). Plain state with plain methods; the network is only ever asked for
//! through returned [`Command`]s. After every update [`ConversationView::settle`]
//! brings the derived state in line, the one place the selection is clamped.

mod following;
mod landing;
mod paging;
mod pane;
mod quotes;
mod seeking;
mod shelf;
mod window;

use jiff::tz::TimeZone;
use ratatui::layout::Rect;

use crate::api::ApiError;
use crate::api::wire::Page;
use crate::model::{Cursor, Message, MessageId, UserId};
use crate::pager::{Direction, PageRequest, PagerState, PagerWarning};

use super::Target;
use super::action::{Command, ViewId};
use super::detail::{self, DetailDoc, DetailScroll, DocContext, RefContent};
use super::names::{Names, known_name};
use super::store::{Entry, MessageStore, OrderKey};
use super::viewport::{EdgeRow, Gravity, ListModel, Scroll};

pub use following::Newest;
pub use landing::goal_note_text;
pub use pane::PaneMove;
pub use quotes::{REF_FETCH_DELAY_TICKS, RefLookup};
pub use seeking::Landing;
use seeking::Navigation;
pub use shelf::{WINDOW_KEEP, WINDOW_MAX};
use window::{Edges, Window};

/// Fetching starts when the selection comes within this many messages of the loaded
/// edge (in the direction history is walked).
pub const PREFETCH_THRESHOLD: usize = 20;
/// Ticks a notice stays in the status bar (unless the selection moves first).
pub const NOTICE_TICKS: u64 = 50;

/// What an accepted page brought.
#[derive(Clone, Debug, Default)]
pub struct Arrival {
    /// Its senders, each once, for display names.
    pub senders: Vec<UserId>,
    /// How many new messages it brought.
    pub messages: usize,
    /// The new messages that match the active search.
    pub hits: Vec<OrderKey>,
}

/// What settling a view needs from the app around it.
pub struct Surroundings<'a> {
    pub names: &'a Names,
    pub names_version: u64,
    pub time_zone: &'a TimeZone,
    /// The detail pane's text area, when it is shown.
    pub detail: Option<Rect>,
    /// The tick it is.
    pub now: u64,
}

/// The state of one open conversation.
#[derive(Debug)]
pub struct ConversationView {
    id: ViewId,
    target: Target,
    paging: paging::Paging,
    window: Window,
    quotes: quotes::Quotes,
    pane: pane::DetailPane,
    nav: Navigation,
    /// The archive beyond the window, when the view reads through one.
    shelf: Option<shelf::Shelf>,
    /// The newest message selected since the view opened.
    newest_seen: Option<crate::archive::Position>,
    /// A remark for the status bar (e.g. why a live group opened newest-first), and
    /// the tick it was given at; it goes when the selection first moves or after
    /// [`NOTICE_TICKS`].
    notice: Option<(String, u64)>,
}

impl ConversationView {
    /// A view that has fetched nothing yet.
    pub fn new(id: ViewId, target: Target, direction: Direction, start: Cursor) -> Self {
        ConversationView {
            id,
            target,
            paging: paging::Paging::new(direction, start),
            window: Window::default(),
            quotes: quotes::Quotes::default(),
            pane: pane::DetailPane::default(),
            nav: Navigation::default(),
            shelf: None,
            newest_seen: None,
            notice: None,
        }
    }

    /// This opening's id; answers for another are stale.
    pub fn id(&self) -> ViewId {
        self.id
    }

    /// What is shown.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The walk's direction.
    pub fn direction(&self) -> Direction {
        self.paging.direction()
    }

    /// The loaded messages, in conversation order.
    pub fn store(&self) -> &MessageStore {
        self.window.store()
    }

    /// The list's scroll position.
    pub fn scroll(&self) -> Scroll {
        self.window.scroll()
    }

    /// The selected message.
    pub fn selected(&self) -> Option<&Entry> {
        self.window.selected()
    }

    /// Bumped whenever the selected message changes.
    pub fn selection_serial(&self) -> u64 {
        self.window.serial()
    }

    /// True while more history may exist that way.
    pub fn has_more(&self) -> bool {
        self.paging.has_more()
    }

    /// True while a page or a quoted message is being fetched, or a search pages on.
    pub fn is_fetching(&self) -> bool {
        self.paging.is_in_flight()
            || self.quotes.in_flight()
            || self.is_seeking()
            || self.is_reading_archive()
    }

    /// True when the last fetch failed and waits for a retry.
    pub fn failed(&self) -> bool {
        self.paging.failed()
    }

    /// What went wrong, in one line, for the status bar.
    pub fn error(&self) -> Option<String> {
        self.paging.error()
    }

    /// The last failed fetch's error in full (with the request id and what to check),
    /// shown in the list while nothing is loaded.
    pub fn error_full(&self) -> Option<&str> {
        self.paging.error_full()
    }

    /// The status bar's notice, while it lasts.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|(n, _)| n.as_str())
    }

    /// The list's rows, as laid out on the last resize.
    pub fn list_height(&self) -> i32 {
        self.window.height()
    }

    /// The detail pane's document.
    pub fn detail(&self) -> &DetailDoc {
        self.pane.doc()
    }

    /// The detail pane's scroll position.
    pub fn detail_scroll(&self) -> DetailScroll {
        self.pane.scroll()
    }

    /// While messages are wrapped over several rows: the columns of their text.
    pub fn wrap_cols(&self) -> Option<usize> {
        self.window.wrap_cols()
    }

    /// The row shown at the end history is walked towards.
    fn fetch_edge(&self) -> Option<EdgeRow> {
        if let Some(shelf) = &self.shelf {
            if shelf.older {
                return None;
            }
            if shelf.begins() {
                return Some(EdgeRow::Beginning);
            }
            if shelf.checking {
                // The check is about the newest end, not this one.
                return None;
            }
        }
        if self.paging.is_in_flight() {
            return Some(EdgeRow::Loading);
        }
        if self.paging.failed() {
            return Some(EdgeRow::Failed);
        }
        match self.paging.state() {
            PagerState::Done => Some(match self.direction() {
                Direction::NewestFirst => EdgeRow::Beginning,
                Direction::OldestFirst => EdgeRow::End,
            }),
            PagerState::Stopped(_) => Some(EdgeRow::Stopped),
            PagerState::HaveMore(_) if self.store().is_empty() => Some(EdgeRow::Loading),
            PagerState::HaveMore(_) => None,
        }
    }

    fn edges(&self) -> Edges {
        match self.direction() {
            Direction::NewestFirst => Edges {
                top: self.fetch_edge(),
                bottom: None,
                gravity: Gravity::Bottom,
                new_since: self.new_since(),
            },
            Direction::OldestFirst => Edges {
                top: Some(EdgeRow::Beginning),
                bottom: self.fetch_edge(),
                gravity: Gravity::Top,
                new_since: None,
            },
        }
    }

    /// True when the whole history was walked and it holds no message at all.
    pub fn history_is_empty(&self) -> bool {
        self.store().is_empty() && *self.paging.state() == PagerState::Done && !self.failed()
    }

    /// The list with its edge rows.
    pub fn model(&self) -> ListModel<'_> {
        self.window.model(self.edges())
    }

    /// True when a page should be fetched now: more history exists, nothing is in
    /// flight, no error waits for a retry, and the selection is within
    /// [`PREFETCH_THRESHOLD`] messages of the loaded edge or the view is not full.
    fn wants_page(&self) -> bool {
        if !self.paging.can_fetch() {
            return false;
        }
        match &self.shelf {
            // The check goes on until its pages meet the archived messages.
            Some(s) if s.checking => return true,
            Some(s) if s.older || s.begins() => return false,
            _ => {}
        }
        if self.store().is_empty() {
            return true;
        }
        let h = self.window.height();
        let model = self.model();
        let sel = self.scroll().selected;
        let item = model.item_of(sel);
        match self.direction() {
            Direction::NewestFirst => sel < PREFETCH_THRESHOLD || model.rows_before(item, h) < h,
            Direction::OldestFirst => {
                self.store().len() - 1 - sel < PREFETCH_THRESHOLD || model.rows_after(item, h) < h
            }
        }
    }

    /// The next page's command, marking it in flight; `None` when the pager says no.
    fn request_page(&mut self) -> Option<Command> {
        let request = self.paging.request()?;
        Some(Command::FetchPage {
            view: self.id,
            app: self.target.app_id,
            conversation: self.target.conversation,
            request,
        })
    }

    /// Retries after a failure (or fetches when more is wanted). The old error is
    /// not shown while the retry runs (beside the spinner it would read as still
    /// broken); a new failure shows it again. A stopped walk stays stopped.
    pub fn retry(&mut self) -> Option<Command> {
        if self.paging.stopped() {
            return None;
        }
        self.request_page()
    }

    /// The list's height and the columns of wrapped text, kept from the last layout.
    pub fn set_layout(&mut self, height: i32, wrap_cols: Option<usize>) {
        self.window.set_layout(height, wrap_cols);
    }

    /// The width changed: the detail pane's rows start elsewhere.
    pub fn rewrap_detail(&mut self) {
        self.pane.rewrap();
    }

    /// Takes a page; `None` when it was stale. `names` are for matching the active
    /// search against senders.
    pub fn page_loaded(
        &mut self,
        request: &PageRequest,
        page: Page,
        tz: &TimeZone,
        names: &Names,
    ) -> Option<Arrival> {
        let messages = self.paging.accept(request, page)?;
        match self.checked_page(&messages) {
            // The window is elsewhere: the page is archived, not shown.
            Some(None) => Some(Arrival::default()),
            Some(Some(follow)) => {
                let arrival = self.take_messages(messages, tz, names, follow);
                self.trim(crate::archive::Side::After);
                Some(arrival)
            }
            None => {
                let arrival = self.take_messages(messages, tz, names, false);
                self.fetched_older();
                self.trim(crate::archive::Side::Before);
                Some(arrival)
            }
        }
    }

    /// Takes a failure: the messages stay, the error is shown, fetching waits for a
    /// retry; a search paging on for it stops.
    pub fn page_failed(&mut self, request: &PageRequest, error: &ApiError) {
        if self.paging.fail(request, error) {
            if let Some(shelf) = self.shelf.as_mut() {
                // Offline: what is archived is shown; the check waits for a retry.
                shelf.checking = false;
            }
            self.seek_after_failure();
        }
    }

    /// What the walk had to judge for itself, once.
    pub fn take_warning(&mut self) -> Option<PagerWarning> {
        self.paging.take_warning()
    }

    /// Moves the selection by messages.
    pub fn step(&mut self, delta: isize) {
        let edges = self.edges();
        self.window.step(edges, delta);
    }

    /// Moves by about `rows` rows of messages, keeping the selection's screen row.
    pub fn page(&mut self, rows: i32) {
        let edges = self.edges();
        self.window.page(edges, rows);
    }

    /// Selects the first loaded message, at the top.
    pub fn select_first(&mut self) {
        self.window.select(0, 0);
    }

    /// Selects the last loaded message, at the bottom.
    pub fn select_last(&mut self) {
        let last = self.store().len().saturating_sub(1);
        let row = self.window.height() - 1;
        self.window.select(last, row);
    }

    /// Selects the message shown on a row of the list (a click); false when none is.
    pub fn select_at_row(&mut self, row: i32) -> bool {
        match self.window.message_at(self.edges(), row) {
            Some((message, at)) => {
                self.window.select(message, at);
                true
            }
            None => false,
        }
    }

    /// Selects a loaded message: where it is when it is on screen, else mid-list.
    fn jump_to(&mut self, pos: usize) {
        let edges = self.edges();
        self.window.jump_to(edges, pos);
    }

    /// Scrolls the detail pane, `width`×`height` text cells.
    pub fn scroll_detail(&mut self, how: PaneMove, width: u16, height: u16) {
        self.pane.scroll_by(how, width, height);
    }

    /// True when the selection is at the loaded edge that history is walked towards.
    pub fn at_fetch_edge(&self) -> bool {
        let sel = self.scroll().selected;
        match self.direction() {
            Direction::NewestFirst => sel == 0,
            Direction::OldestFirst => sel + 1 >= self.store().len(),
        }
    }

    /// The id of the message the selected one quotes.
    pub fn selected_ref_id(&self) -> Option<MessageId> {
        self.selected()?
            .message
            .body
            .ref_msg_info
            .as_ref()?
            .referenced_message_id
    }

    /// What is known of a quoted message.
    pub fn ref_content(&self, id: MessageId) -> RefContent<'_> {
        let store = self.store();
        if let Some(entry) = store.position(id).and_then(|p| store.get(p)) {
            return RefContent::Loaded(&entry.message);
        }
        self.quotes.content(id)
    }

    /// Gives the status bar a notice, from tick `now`.
    pub fn set_notice(&mut self, notice: &str, now: u64) {
        self.notice = Some((notice.to_owned(), now));
    }

    /// Drops the notice once it has been shown for [`NOTICE_TICKS`].
    pub fn expire_notice(&mut self, now: u64) {
        if self
            .notice
            .as_ref()
            .is_some_and(|(_, at)| now.saturating_sub(*at) >= NOTICE_TICKS)
        {
            self.notice = None;
        }
    }

    /// The fetch of a quoted message, once the selection has rested on it.
    pub fn due_ref_fetch(&mut self, now: u64) -> Option<Command> {
        let id = self.quotes.due(now)?;
        Some(Command::FetchReferenced {
            view: self.id,
            app: self.target.app_id,
            conversation: self.target.conversation,
            ids: vec![id],
        })
    }

    /// Takes quoted messages (or the failure to get them).
    pub fn referenced_loaded(&mut self, ids: &[MessageId], result: Result<Vec<Message>, ApiError>) {
        self.quotes.loaded(ids, result);
    }

    /// The selected message's document for the detail pane.
    fn build_detail(&self, around: &Surroundings<'_>, compact: bool) -> DetailDoc {
        let Some(entry) = self.selected() else {
            return DetailDoc::default();
        };
        let app = self.target.app_id;
        let name_of = |sender: Option<UserId>| known_name(around.names, app, sender?);
        let referenced = match self.selected_ref_id() {
            Some(id) => self.ref_content(id),
            None => RefContent::Unknown,
        };
        let ref_sender_name = match &referenced {
            RefContent::Loaded(m) => name_of(m.body.sender),
            _ => None,
        };
        let ctx = DocContext {
            sender_name: name_of(entry.message.body.sender),
            ref_sender_name,
            time_zone: around.time_zone,
            referenced,
            compact,
        };
        detail::build(&entry.message, &ctx)
    }

    /// Brings derived state in line after any change: the selection and scroll
    /// position (clamped here and nowhere else), the search's matches and rank, the
    /// next page when one is wanted, the detail document, the quoted message to fetch.
    pub fn settle(&mut self, around: &Surroundings<'_>) -> Option<Command> {
        self.resume_older();
        let edges = self.edges();
        if self.window.normalize(edges) {
            self.notice = None;
        }
        self.mark_seen();
        let app = self.target.app_id;
        let serial = self.window.serial();
        let direction = self.direction();
        self.nav.settle_search(
            self.window.store(),
            self.window.selected(),
            serial,
            direction,
            around.names,
            app,
            around.names_version,
        );
        let command = if self.wants_page() {
            self.request_page()
        } else {
            self.wanted_read()
        };
        match around.detail {
            Some(inner) => {
                let compact = inner.height < detail::COMPACT_DETAIL_MAX_ROWS;
                let key = (serial, around.names_version, self.quotes.version(), compact);
                if !self.pane.is_built_from(key) {
                    let doc = self.build_detail(around, compact);
                    self.pane.replace(key, doc);
                }
                let wanted = self
                    .selected_ref_id()
                    .filter(|&id| matches!(self.ref_content(id), RefContent::Unknown));
                self.quotes.want(wanted, around.now);
            }
            None => self.quotes.want(None, around.now),
        }
        command
    }
}
