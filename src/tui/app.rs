//! The application state and its one entry point for change: [`App::update`] takes an
//! [`Action`] and returns the [`Command`]s it calls for. Nothing here waits for the
//! network or touches the terminal.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::tz::TimeZone;
use ratatui::layout::Rect;

use crate::api::calls::Waiting;
use crate::api::wire::Page;
use crate::archive::{Place, Position, SharedArchive};
use crate::model::{AppId, ConversationId, ConversationInfo, ConversationKind, Cursor, UserId};
use crate::pager::{Direction, PageRequest};

use super::action::{Action, Command, ViewId};
use super::conversation::ConversationView;
use super::everywhere::Everywhere;
use super::follow::Live;
use super::keys::KeyMap;
use super::layout::{self, Areas};
use super::names::{Names, known_name};
use super::overview::Overview;
use super::prompt::Prompt;
use super::settings::UiSettings;
use super::{Start, Target};

/// Shown when a live group is asked to open at its oldest message.
pub const LIVE_GROUP_NOTICE: &str =
    "live groups can only be read newest-first: opened at the newest message";
/// The most conversation ids per `BatchGetConversations`.
pub const CONVERSATION_BATCH_LIMIT: usize = 50;

/// What the app starts from.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The conversations to show; one opens directly, several open the picker.
    pub targets: Vec<Target>,
    /// Where a conversation opens.
    pub start: Start,
    /// The cursor a newest-first walk starts from.
    pub newest_cursor: Cursor,
    /// Talking to the built-in demo server.
    pub is_demo: bool,
    /// One line on how to configure real credentials, shown in demo mode.
    pub demo_hint: Option<String>,
    /// Times are shown in this zone.
    pub time_zone: TimeZone,
    /// Keys and tools from the configuration.
    pub ui: UiSettings,
    /// `--offline`: nothing is asked of the service; the status bar says `offline`.
    pub offline: bool,
    /// How often the open conversation is looked at for new messages.
    pub follow_interval: std::time::Duration,
    /// The archive, opened for reading: conversations open with what it holds, and
    /// where they were last read. `None` without an archive.
    pub archive: Option<SharedArchive>,
}

/// Which screen is up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Picker,
    Conversation,
    /// The results of a search across every archived conversation.
    Everywhere,
}

/// Which pane takes the movement keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
}

/// The picker's selection and scroll offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Picker {
    pub selected: usize,
    pub offset: usize,
}

/// Everything the screen shows.
#[derive(Debug)]
pub struct App {
    pub(crate) targets: Vec<Target>,
    pub(crate) start: Start,
    pub(crate) newest_cursor: Cursor,
    pub(crate) is_demo: bool,
    pub(crate) demo_hint: Option<String>,
    pub(crate) tz: TimeZone,
    pub(crate) screen: Screen,
    pub(crate) picker: Picker,
    pub(crate) view: Option<ConversationView>,
    pub(crate) focus: Focus,
    pub(crate) show_detail: bool,
    pub(crate) help: bool,
    /// The help overlay's first row shown.
    pub(crate) help_scroll: usize,
    /// Which keys ask for what.
    pub(crate) keys: KeyMap,
    /// Earlier search queries, oldest first.
    pub(crate) search_history: Vec<String>,
    /// Long messages wrap over several rows of the list.
    pub(crate) wrap: bool,
    /// The file an export started from the view is writing, while it runs.
    pub(crate) exporting: Option<String>,
    /// How many messages that export has written so far.
    export_written: u64,
    /// The search prompt, while it is open.
    pub(crate) prompt: Option<Prompt>,
    pub(crate) size: Rect,
    pub(crate) names: Names,
    pub(crate) names_version: u64,
    /// `BatchGetUser` calls out.
    pub(crate) users_in_flight: usize,
    pub(crate) infos: HashMap<(AppId, ConversationId), ConversationInfo>,
    /// True once a failure to load display names was announced (it is said once).
    pub(crate) names_failure_told: bool,
    /// Conversations whose description was asked for and answered (or failed).
    pub(crate) infos_settled: HashSet<(AppId, ConversationId)>,
    pub(crate) ticks: u64,
    /// What the longest call out is waiting for, once it is slow.
    pub(crate) waiting: Option<Waiting>,
    pub(crate) next_view: u64,
    pub(crate) quit: bool,
    /// Following the open conversation, and whether the service is reachable.
    pub(crate) live: Live,
    /// The last search across every archived conversation, while its results are up.
    pub(crate) everywhere: Option<Everywhere>,
    /// The screen the results return to.
    pub(crate) everywhere_from: Screen,
    pub(crate) next_search: u64,
    /// The picker's figures from the archive.
    pub(crate) overview: Overview,
    /// A message to go to once its view has a first page (a search result opened).
    pub(crate) pending_landing: Option<(ViewId, crate::model::MessageId)>,
    /// The archive, for reading.
    pub(super) archive: Option<SharedArchive>,
    /// Where each conversation was read this run (and what had been seen of it), so
    /// that coming back is instant whatever the archive is doing.
    pub(super) places: HashMap<(AppId, ConversationId), (Place, Option<Position>)>,
    /// Commands made where no command could be returned (opening, closing).
    pub(super) outbox: Vec<Command>,
}

impl App {
    /// The app for a terminal of `width`×`height`, and its first commands (conversation
    /// descriptions, and the first page when one conversation opens directly).
    pub fn new(settings: Settings, width: u16, height: u16) -> (App, Vec<Command>) {
        let single = settings.targets.len() == 1;
        let mut app = App {
            targets: settings.targets,
            start: settings.start,
            newest_cursor: settings.newest_cursor,
            is_demo: settings.is_demo,
            demo_hint: settings.demo_hint,
            tz: settings.time_zone,
            screen: Screen::Picker,
            picker: Picker::default(),
            view: None,
            focus: Focus::List,
            show_detail: true,
            help: false,
            help_scroll: 0,
            keys: settings.ui.keys,
            search_history: settings.ui.search_history,
            wrap: false,
            exporting: None,
            export_written: 0,
            prompt: None,
            size: Rect::new(0, 0, width, height),
            names: HashMap::new(),
            names_version: 0,
            users_in_flight: 0,
            infos: HashMap::new(),
            names_failure_told: false,
            infos_settled: HashSet::new(),
            ticks: 0,
            waiting: None,
            next_view: 0,
            quit: false,
            live: Live::new(settings.follow_interval, settings.offline),
            everywhere: None,
            everywhere_from: Screen::Picker,
            next_search: 0,
            overview: Overview::default(),
            pending_landing: None,
            archive: settings.archive,
            places: HashMap::new(),
            outbox: Vec::new(),
        };
        let mut by_app: BTreeMap<AppId, Vec<ConversationId>> = BTreeMap::new();
        for t in &app.targets {
            by_app.entry(t.app_id).or_default().push(t.conversation);
        }
        let mut commands: Vec<Command> = by_app
            .into_iter()
            .flat_map(|(app, ids)| {
                ids.chunks(CONVERSATION_BATCH_LIMIT)
                    .map(|c| Command::FetchConversations {
                        app,
                        ids: c.to_vec(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        commands.push(Command::LoadOverview);
        if single {
            app.open(0);
        }
        commands.extend(app.settle());
        commands.append(&mut app.outbox);
        (app, commands)
    }

    /// Applies one action; returns what it calls for.
    pub fn update(&mut self, action: Action) -> Vec<Command> {
        if matches!(action, Action::Key(_)) {
            self.touched();
        }
        let screen_before = self.screen;
        let mut commands = match action {
            Action::Key(key) => self.on_key(key),
            Action::Mouse(mouse) => self.on_mouse(mouse),
            Action::Resize { width, height } => {
                self.size = Rect::new(0, 0, width, height);
                if let Some(view) = &mut self.view {
                    // Row starts depend on the width: restart the line.
                    view.rewrap_detail();
                }
                self.relayout();
                Vec::new()
            }
            Action::Tick => {
                self.ticks += 1;
                let now = self.ticks;
                let mut commands: Vec<Command> = match self.view.as_mut() {
                    Some(view) => {
                        view.expire_notice(now);
                        view.due_ref_fetch(now).into_iter().collect()
                    }
                    None => Vec::new(),
                };
                commands.extend(self.due_poll());
                commands
            }
            Action::PageLoaded {
                view,
                request,
                page,
            } => {
                self.live.reached(Ok(()));
                let mut commands = self.page_loaded(view, &request, page);
                commands.extend(self.land_pending());
                commands
            }
            Action::Polled { view, result } => self.polled(view, result),
            Action::FoundEverywhere { id, result } => {
                self.found_everywhere(id, result);
                Vec::new()
            }
            Action::OverviewLoaded(result) => {
                self.overview_loaded(result);
                Vec::new()
            }
            Action::TimeFound {
                view,
                time_ms,
                result,
            } => self.time_found(view, time_ms, result),
            Action::PageFailed {
                view,
                request,
                error,
            } => {
                self.live.reached(Err(&error));
                let refused_live = self.view.as_ref().is_some_and(|v| {
                    v.id() == view
                        && v.direction() == Direction::OldestFirst
                        && crate::export::is_live_group_refusal(&error)
                });
                if refused_live {
                    // The service reads this one newest-first only: reopen it that
                    // way instead of leaving a retry that would be refused again.
                    tracing::info!("oldest-first refused: a live group; reopening newest-first");
                    let index = self.picker.selected;
                    if let Some(t) = self.targets.get_mut(index) {
                        t.live = true;
                    }
                    self.open(index);
                } else if let Some(v) = self.view_mut(view) {
                    v.page_failed(&request, &error);
                }
                self.land_pending()
            }
            Action::UsersLoaded { app, ids, result } => {
                self.live.reached(result.as_ref().map(drop));
                self.users_loaded(app, &ids, result);
                Vec::new()
            }
            Action::ReferencedLoaded { view, ids, result } => {
                self.live.reached(result.as_ref().map(drop));
                let senders: Vec<UserId> = match &result {
                    Ok(messages) => messages.iter().filter_map(|m| m.body.sender).collect(),
                    Err(_) => Vec::new(),
                };
                match self.view_mut(view) {
                    Some(v) => {
                        let app = v.target().app_id;
                        v.referenced_loaded(&ids, result);
                        self.request_names(app, senders)
                    }
                    None => Vec::new(),
                }
            }
            Action::ConversationsLoaded { app, ids, result } => {
                self.live.reached(result.as_ref().map(drop));
                self.conversations_loaded(app, &ids, result);
                Vec::new()
            }
            Action::Waiting(waiting) => {
                self.waiting = waiting;
                Vec::new()
            }
            Action::InputClosed => return self.quitting(),
            Action::ArchiveRead { view, read, result } => self.archive_loaded(view, &read, result),
            Action::ArchiveSearched {
                view,
                query,
                result,
            } => self
                .view_mut(view)
                .and_then(|v| v.archive_searched(&query, result))
                .into_iter()
                .collect(),
            Action::ExportProgress(written) => {
                self.export_written = written;
                Vec::new()
            }
            Action::ExportEnded(report) => {
                self.exporting = None;
                self.export_written = 0;
                let now = self.ticks;
                if let Some(v) = self.view.as_mut() {
                    v.set_notice(&report, now);
                }
                Vec::new()
            }
            Action::Reported(report) => {
                let now = self.ticks;
                if let Some(v) = self.view.as_mut().filter(|_| !report.is_empty()) {
                    v.set_notice(&report, now);
                }
                Vec::new()
            }
        };
        if self.screen == Screen::Picker && screen_before != Screen::Picker {
            // Back at the picker: what was read changes its figures.
            commands.push(Command::LoadOverview);
        }
        commands.extend(self.land());
        commands.extend(self.settle());
        self.settle_live();
        commands.append(&mut self.outbox);
        commands
    }

    /// Leaves: where the open conversation was read is kept, then the app quits.
    pub(crate) fn quitting(&mut self) -> Vec<Command> {
        self.quit = true;
        self.leave_view();
        let mut commands = std::mem::take(&mut self.outbox);
        commands.push(Command::Quit);
        commands
    }

    /// True while anything is being fetched (the spinner turns).
    pub fn is_fetching(&self) -> bool {
        self.exporting.is_some()
            || self.users_in_flight > 0
            || self.searching_everywhere()
            || self
                .view
                .as_ref()
                .is_some_and(ConversationView::is_fetching)
    }

    /// True once a conversation's description was answered for (or failed): what is
    /// not known of it by then will not be.
    pub fn info_settled(&self, target: &Target) -> bool {
        self.infos_settled
            .contains(&(target.app_id, target.conversation))
    }

    /// The file an export started from the view is writing, while it runs.
    pub fn exporting(&self) -> Option<&str> {
        self.exporting.as_deref()
    }

    /// How many messages the export started from the view has written so far.
    pub fn export_written(&self) -> u64 {
        self.export_written
    }

    /// True while the status bar shows a notice.
    pub fn has_notice(&self) -> bool {
        self.view.as_ref().is_some_and(|v| v.notice().is_some())
    }

    /// The key map in use.
    pub fn keys(&self) -> &KeyMap {
        &self.keys
    }

    /// The help overlay's first row shown.
    pub fn help_scroll(&self) -> usize {
        self.help_scroll
    }

    /// True once the user asked to quit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Which screen is up.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// Which pane has the focus.
    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// True while the help overlay is open.
    pub fn help_open(&self) -> bool {
        self.help
    }

    /// The search prompt, while it is open.
    pub fn prompt(&self) -> Option<&Prompt> {
        self.prompt.as_ref()
    }

    /// The open conversation.
    pub fn view(&self) -> Option<&ConversationView> {
        self.view.as_ref()
    }

    /// The picker's state.
    pub fn picker(&self) -> Picker {
        self.picker
    }

    /// The conversations offered.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The screen's regions for the current size.
    pub fn areas(&self) -> Areas {
        self.areas_for(self.size)
    }

    /// The screen's regions for a given size.
    pub fn areas_for(&self, size: Rect) -> Areas {
        let detail = self.screen == Screen::Conversation && self.show_detail;
        layout::areas(size, detail, self.status_lines())
    }

    /// The status bar's wanted height: a second line for the demo hint.
    pub fn status_lines(&self) -> u16 {
        if self.is_demo && self.demo_hint.is_some() {
            2
        } else {
            1
        }
    }

    /// Lays the screen out again after what decides it changed (the size, the detail
    /// pane shown or hidden, wrapping, the screen): the open view keeps its list's
    /// height from here.
    pub(crate) fn relayout(&mut self) {
        let list = self.areas().list;
        let wrap_cols = self.wrap.then(|| super::layout::text_cols(list.width));
        if let Some(view) = self.view.as_mut() {
            view.set_layout(i32::from(list.height), wrap_cols);
        }
    }

    /// Takes a page for the open view: the view's own arrival, the search going on,
    /// the pager's warning, names for new senders.
    fn page_loaded(&mut self, view: ViewId, request: &PageRequest, page: Page) -> Vec<Command> {
        let tz = self.tz.clone();
        let now = self.ticks;
        let names = &self.names;
        let Some(v) = self.view.as_mut().filter(|v| v.id() == view) else {
            tracing::debug!(?view, "dropped a page for a closed conversation");
            return Vec::new();
        };
        let app = v.target().app_id;
        let mut commands = Vec::new();
        let senders = match v.page_loaded(request, page, &tz, names) {
            Some(arrival) => {
                commands.extend(v.seek_after_page(&arrival.hits, arrival.messages));
                arrival.senders
            }
            None => Vec::new(),
        };
        if let Some(warning) = v.take_warning() {
            v.set_notice(warning.short(), now);
        }
        commands.extend(self.request_names(app, senders));
        commands
    }

    fn view_mut(&mut self, id: ViewId) -> Option<&mut ConversationView> {
        self.view.as_mut().filter(|v| v.id() == id)
    }

    /// A sender's display name, when known.
    pub fn display_name(&self, app: AppId, user: UserId) -> Option<&str> {
        known_name(&self.names, app, user)
    }

    /// What is known of a target's conversation (name, type).
    pub fn info(&self, target: &Target) -> Option<&ConversationInfo> {
        self.infos.get(&(target.app_id, target.conversation))
    }

    /// The name a target's conversation is shown under: the configured one, else the
    /// server's; `None` when there is none (or it is blank).
    pub fn conversation_name<'a>(&'a self, target: &'a Target) -> Option<&'a str> {
        target
            .name
            .as_deref()
            .or_else(|| self.info(target)?.name.as_deref())
            .filter(|n| !n.trim().is_empty())
    }

    /// A target's conversation type, when known.
    pub fn kind_of(&self, target: &Target) -> Option<ConversationKind> {
        if target.live {
            return Some(ConversationKind::LiveGroup);
        }
        self.info(target).map(ConversationInfo::kind)
    }

    /// Opens a target: a fresh view whose first page `settle` asks for.
    pub(crate) fn open(&mut self, index: usize) {
        let Some(target) = self.targets.get(index).cloned() else {
            return;
        };
        let live = self.kind_of(&target) == Some(ConversationKind::LiveGroup);
        let (direction, notice) = match self.start {
            Start::Newest => (Direction::NewestFirst, None),
            Start::Oldest if live => (Direction::NewestFirst, Some(LIVE_GROUP_NOTICE)),
            Start::Oldest => (Direction::OldestFirst, None),
        };
        let start = match direction {
            Direction::NewestFirst => self.newest_cursor,
            Direction::OldestFirst => Cursor::OLDEST,
        };
        self.leave_view();
        self.next_view += 1;
        let mut view = ConversationView::new(ViewId(self.next_view), target, direction, start);
        if let Some(notice) = notice {
            view.set_notice(notice, self.ticks);
        }
        if direction == Direction::NewestFirst {
            self.show_archive_in(&mut view, None);
        }
        tracing::info!(conversation = %view.target().conversation, %direction, "opened");
        let conversation = (view.target().app_id, view.target().conversation);
        self.live.opened(view.id(), conversation, self.clock());
        self.view = Some(view);
        self.screen = Screen::Conversation;
        self.focus = Focus::List;
        self.picker.selected = index;
        self.relayout();
    }

    /// Back to the picker; answers for the closed view will be dropped.
    pub(crate) fn close(&mut self) {
        self.live.closed();
        self.leave_view();
        self.view = None;
        self.screen = Screen::Picker;
        self.focus = Focus::List;
    }
}
