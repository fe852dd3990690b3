//! One open conversation: its pager, its loaded messages, the list's scroll position
//! and what the detail pane shows. Plain state with plain methods; the network is
//! only ever asked for through returned [`Command`]s.

use std::collections::HashMap;

use jiff::tz::TimeZone;

use crate::api::ApiError;
use crate::api::wire::Page;
use crate::model::{Cursor, Message, MessageId, UserId};
use crate::pager::{Accepted, Direction, PageRequest, Pager, PagerState};

use super::Target;
use super::action::{Command, ViewId};
use super::app::Names;
use super::detail::{DetailDoc, DetailScroll, RefContent};
use super::search::Search;
use super::seek::{Note, Seek};
use super::store::{Entry, MessageStore, OrderKey};
use super::viewport::{self, EdgeRow, Gravity, ListModel, Scroll};

/// Fetching starts when the selection comes within this many messages of the loaded
/// edge (in the direction history is walked).
pub const PREFETCH_THRESHOLD: usize = 20;
/// Ticks the selection must rest on a reply before its quoted message is fetched.
pub const REF_FETCH_DELAY_TICKS: u64 = 2;
/// Ticks a notice stays in the status bar (unless the selection moves first).
pub const NOTICE_TICKS: u64 = 50;

/// What is known of a message quoted by a reply that is not among the loaded ones.
#[derive(Clone, Debug)]
pub enum RefLookup {
    Loading,
    Found(Box<Message>),
    NotFound,
    Failed(String),
}

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

/// The state of one open conversation.
#[derive(Debug)]
pub struct ConversationView {
    /// This opening's id; answers for another are stale.
    pub id: ViewId,
    /// What is shown.
    pub target: Target,
    /// The history walk.
    pub pager: Pager,
    /// The loaded messages, in conversation order.
    pub store: MessageStore,
    /// The list's scroll position.
    pub scroll: Scroll,
    /// The last fetch failed: no automatic fetching until `r` or a move past the edge.
    pub failed: bool,
    /// The last fetch error, for the status bar.
    pub error: Option<String>,
    /// The last failed fetch's error in full (with the request id and what to check),
    /// shown in the list while nothing is loaded.
    pub error_full: Option<String>,
    /// A remark for the status bar (e.g. why a live group opened newest-first); it
    /// goes when the selection first moves or after [`NOTICE_TICKS`].
    pub notice: Option<String>,
    /// The tick the notice was given at.
    pub notice_at: u64,
    /// Quoted messages fetched by id.
    pub referenced: HashMap<MessageId, RefLookup>,
    /// A quoted message to fetch once the selection rests: its id and the tick it was asked at.
    pub pending_ref: Option<(MessageId, u64)>,
    /// Bumped whenever the selected message changes (not when it merely moves in the store).
    pub selection_serial: u64,
    /// Bumped whenever a quoted message arrives.
    pub refs_version: u64,
    /// `GetMessages` calls out.
    pub refs_in_flight: usize,
    /// The detail pane's document.
    pub detail: DetailDoc,
    /// What `detail` was built from: the selection serial, the names version,
    /// [`Self::refs_version`] and whether the pane was compact; it is rebuilt when
    /// any of them changes.
    pub detail_key: Option<(u64, u64, u64, bool)>,
    /// The detail pane's scroll position (reset when another message is selected).
    pub detail_scroll: DetailScroll,
    /// The active search, when one was made.
    pub search: Option<Search>,
    /// What is being fetched for (a search match, a quoted message).
    pub seek: Option<Seek>,
    /// What came of the last search step or jump, and the selection it was made at.
    pub note: Option<(Note, u64)>,
    /// Where jumps started, most recent last.
    pub jumps: Vec<MessageId>,
    /// Where jump-back came from, for jump-forward; most recent last.
    pub forward_jumps: Vec<MessageId>,
    /// While messages are wrapped over several rows: the columns of their text.
    pub wrap_cols: Option<usize>,
}

impl ConversationView {
    /// A view that has fetched nothing yet.
    pub fn new(id: ViewId, target: Target, direction: Direction, start: Cursor) -> Self {
        ConversationView {
            id,
            target,
            pager: Pager::starting_at(direction, start),
            store: MessageStore::default(),
            scroll: Scroll::default(),
            failed: false,
            error: None,
            error_full: None,
            notice: None,
            notice_at: 0,
            referenced: HashMap::new(),
            pending_ref: None,
            selection_serial: 0,
            refs_version: 0,
            refs_in_flight: 0,
            detail: DetailDoc::default(),
            detail_key: None,
            detail_scroll: DetailScroll::default(),
            search: None,
            seek: None,
            note: None,
            jumps: Vec::new(),
            forward_jumps: Vec::new(),
            wrap_cols: None,
        }
    }

    /// The walk's direction.
    pub fn direction(&self) -> Direction {
        self.pager.direction()
    }

    /// The row shown at the end history is walked towards.
    fn fetch_edge(&self) -> Option<EdgeRow> {
        if self.pager.is_in_flight() {
            return Some(EdgeRow::Loading);
        }
        if self.failed {
            return Some(EdgeRow::Failed);
        }
        match self.pager.state() {
            PagerState::Done => Some(match self.direction() {
                Direction::NewestFirst => EdgeRow::Beginning,
                Direction::OldestFirst => EdgeRow::End,
            }),
            PagerState::Stopped(_) => Some(EdgeRow::Stopped),
            PagerState::HaveMore(_) if self.store.is_empty() => Some(EdgeRow::Loading),
            PagerState::HaveMore(_) => None,
        }
    }

    /// True when the whole history was walked and it holds no message at all.
    pub fn history_is_empty(&self) -> bool {
        self.store.is_empty() && *self.pager.state() == PagerState::Done && !self.failed
    }

    /// The list with its edge rows.
    pub fn model(&self) -> ListModel<'_> {
        let (top, bottom) = match self.direction() {
            Direction::NewestFirst => (self.fetch_edge(), None),
            Direction::OldestFirst => (Some(EdgeRow::Beginning), self.fetch_edge()),
        };
        let gravity = match self.direction() {
            Direction::NewestFirst => Gravity::Bottom,
            Direction::OldestFirst => Gravity::Top,
        };
        ListModel {
            store: &self.store,
            top,
            bottom,
            gravity,
            wrap_cols: self.wrap_cols,
        }
    }

    /// The selected message.
    pub fn selected(&self) -> Option<&Entry> {
        self.store.get(self.scroll.selected)
    }

    /// True when a page should be fetched now: more history exists, nothing is in
    /// flight, no error waits for a retry, and the selection is within
    /// [`PREFETCH_THRESHOLD`] messages of the loaded edge or the view is not full.
    pub fn wants_page(&self, h: i32) -> bool {
        if !self.pager.has_more() || self.pager.is_in_flight() || self.failed {
            return false;
        }
        if self.store.is_empty() {
            return true;
        }
        let model = self.model();
        let sel = self.scroll.selected;
        let item = model.item_of(sel);
        match self.direction() {
            Direction::NewestFirst => sel < PREFETCH_THRESHOLD || model.rows_before(item, h) < h,
            Direction::OldestFirst => {
                self.store.len() - 1 - sel < PREFETCH_THRESHOLD || model.rows_after(item, h) < h
            }
        }
    }

    /// The next page's command, marking it in flight; `None` when the pager says no.
    pub fn request_page(&mut self) -> Option<Command> {
        let request = self.pager.next_request()?;
        Some(Command::FetchPage {
            view: self.id,
            app: self.target.app_id,
            conversation: self.target.conversation,
            request,
        })
    }

    /// Retries after a failure (or fetches when more is wanted). Explains when the
    /// walk cannot go on. The old error is cleared while the retry runs (beside the
    /// spinner it would read as still broken); a new failure shows it again.
    pub fn retry(&mut self) -> Option<Command> {
        if let PagerState::Stopped(e) = self.pager.state() {
            self.error = Some(e.to_string());
            return None;
        }
        self.failed = false;
        let command = self.request_page();
        if command.is_some() {
            self.error = None;
            self.error_full = None;
        }
        command
    }

    /// Takes a page; `None` when it was stale. `names` are for matching the active
    /// search against senders.
    pub fn page_loaded(
        &mut self,
        request: &PageRequest,
        page: Page,
        tz: &TimeZone,
        h: i32,
        names: &Names,
    ) -> Option<Arrival> {
        let messages = match self.pager.accept(request, page) {
            Accepted::Stale => {
                tracing::debug!(seq = request.seq, "dropped a stale page");
                return None;
            }
            Accepted::Page {
                messages,
                duplicates,
            } => {
                if duplicates > 0 {
                    tracing::debug!(duplicates, "dropped messages already shown");
                }
                messages
            }
        };
        self.failed = false;
        self.error = match self.pager.state() {
            PagerState::Stopped(e) => Some(e.to_string()),
            _ => None,
        };
        self.error_full = None;
        let mut senders: Vec<UserId> = messages.iter().filter_map(|m| m.body.sender).collect();
        senders.sort();
        senders.dedup();
        let was_empty = self.store.is_empty();
        let entries: Vec<Entry> = messages.into_iter().map(|m| Entry::new(m, tz)).collect();
        let arrived = entries.len();
        let app = self.target.app_id;
        let hits = match &mut self.search {
            Some(search) => search.scan(&entries, names, app),
            None => Vec::new(),
        };
        let keep = (!was_empty).then_some(self.scroll.selected);
        let kept = self.store.insert(entries, keep);
        if was_empty && !self.store.is_empty() {
            self.scroll = match self.direction() {
                Direction::NewestFirst => Scroll {
                    selected: self.store.len() - 1,
                    row: h - 1,
                },
                Direction::OldestFirst => Scroll {
                    selected: 0,
                    row: 0,
                },
            };
            self.selection_serial += 1;
        } else if let Some(k) = kept {
            self.scroll.selected = k;
        }
        let mut scroll = self.scroll;
        viewport::normalize(&self.model(), &mut scroll, h);
        self.scroll = scroll;
        Some(Arrival {
            senders,
            messages: arrived,
            hits,
        })
    }

    /// Takes a failure: the messages stay, the error is shown, fetching waits for a retry.
    pub fn page_failed(&mut self, request: &PageRequest, error: &ApiError) {
        let was_in_flight = self.pager.is_in_flight();
        self.pager.failed(request);
        if was_in_flight && !self.pager.is_in_flight() {
            tracing::warn!(%error, "page fetch failed");
            self.failed = true;
            self.error = Some(error.short());
            self.error_full = Some(error.to_string());
        } else {
            tracing::debug!(seq = request.seq, "dropped a stale failure");
        }
    }

    /// Moves the selection by messages.
    pub fn step(&mut self, delta: isize, h: i32) {
        let model = self.model();
        let mut scroll = self.scroll;
        viewport::step(&model, &mut scroll, delta);
        viewport::normalize(&model, &mut scroll, h);
        self.set_scroll(scroll);
    }

    /// Moves by about `rows` rows of messages, keeping the selection's screen row.
    pub fn page(&mut self, rows: i32, h: i32) {
        let model = self.model();
        let mut scroll = self.scroll;
        viewport::page(&model, &mut scroll, rows);
        viewport::normalize(&model, &mut scroll, h);
        self.set_scroll(scroll);
    }

    /// Selects a message and puts its main line on a screen row.
    pub fn select(&mut self, message: usize, row: i32, h: i32) {
        let mut scroll = Scroll {
            selected: message,
            row,
        };
        viewport::normalize(&self.model(), &mut scroll, h);
        self.set_scroll(scroll);
    }

    fn set_scroll(&mut self, scroll: Scroll) {
        if scroll.selected != self.scroll.selected {
            self.selection_serial += 1;
            self.notice = None;
        }
        self.scroll = scroll;
    }

    /// True when the selection is at the loaded edge that history is walked towards.
    pub fn at_fetch_edge(&self) -> bool {
        match self.direction() {
            Direction::NewestFirst => self.scroll.selected == 0,
            Direction::OldestFirst => self.scroll.selected + 1 >= self.store.len(),
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
        if let Some(entry) = self.store.position(id).and_then(|p| self.store.get(p)) {
            return RefContent::Loaded(&entry.message);
        }
        match self.referenced.get(&id) {
            Some(RefLookup::Loading) => RefContent::Loading,
            Some(RefLookup::Found(m)) => RefContent::Loaded(m),
            Some(RefLookup::NotFound) => RefContent::NotFound,
            Some(RefLookup::Failed(e)) => RefContent::Failed(e),
            None => RefContent::Unknown,
        }
    }

    /// Notes that the selected reply's quoted message may need fetching.
    pub fn want_selected_ref(&mut self, now: u64) {
        let Some(id) = self.selected_ref_id() else {
            self.pending_ref = None;
            return;
        };
        if !matches!(self.ref_content(id), RefContent::Unknown) {
            self.pending_ref = None;
            return;
        }
        if self.pending_ref.map(|(p, _)| p) != Some(id) {
            self.pending_ref = Some((id, now));
        }
    }

    /// Gives the status bar a notice, from tick `now`.
    pub fn set_notice(&mut self, notice: &str, now: u64) {
        self.notice = Some(notice.to_owned());
        self.notice_at = now;
    }

    /// Drops the notice once it has been shown for [`NOTICE_TICKS`].
    pub fn expire_notice(&mut self, now: u64) {
        if now.saturating_sub(self.notice_at) >= NOTICE_TICKS {
            self.notice = None;
        }
    }

    /// The fetch of a quoted message, once the selection has rested on it.
    pub fn due_ref_fetch(&mut self, now: u64) -> Option<Command> {
        let (id, since) = self.pending_ref?;
        if now.saturating_sub(since) < REF_FETCH_DELAY_TICKS {
            return None;
        }
        self.pending_ref = None;
        self.referenced.insert(id, RefLookup::Loading);
        self.refs_version += 1;
        self.refs_in_flight += 1;
        Some(Command::FetchReferenced {
            view: self.id,
            app: self.target.app_id,
            conversation: self.target.conversation,
            ids: vec![id],
        })
    }

    /// Takes quoted messages (or the failure to get them).
    pub fn referenced_loaded(&mut self, ids: &[MessageId], result: Result<Vec<Message>, ApiError>) {
        self.refs_in_flight = self.refs_in_flight.saturating_sub(1);
        match result {
            Ok(messages) => {
                for m in messages {
                    if let Some(id) = m.id() {
                        self.referenced.insert(id, RefLookup::Found(Box::new(m)));
                    }
                }
                for id in ids {
                    self.referenced.entry(*id).or_insert(RefLookup::NotFound);
                    if matches!(self.referenced.get(id), Some(RefLookup::Loading)) {
                        self.referenced.insert(*id, RefLookup::NotFound);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "fetching quoted messages failed");
                for id in ids {
                    self.referenced.insert(*id, RefLookup::Failed(e.short()));
                }
            }
        }
        self.refs_version += 1;
    }
}
