//! Shared test fixtures: messages, pages, keys and app settings. Used by unit tests,
//! the integration tests in `tests/tui_*.rs` and the render benchmark.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use crate::api::wire::Page;
use crate::api::wire::UsersResult;
use crate::model::{AppId, ConversationId, Cursor, Message, MessageId, User, UserId};
use crate::pager::PageRequest;

use super::action::{Action, Command, ViewId};
use super::app::{App, Settings};
use super::seek::Note;
use super::store::Entry;
use super::{Start, Target};

/// 2024-05-07 09:00:00 UTC, in milliseconds: the first fixture message's time.
pub const BASE_MS: i64 = 1_715_072_400_000;
/// The fixture app and conversation.
pub const APP: AppId = AppId(1001);
pub const CONVERSATION: ConversationId = ConversationId(42);
/// Fixture senders.
pub const SENDERS: [i64; 3] = [10001, 10002, 10003];

/// The id of the message numbered `n`.
pub fn id(n: i64) -> MessageId {
    MessageId(7_000_000_000_000_000_000 + n)
}

/// The number of a fixture message (its index in the conversation).
pub fn number(m: &Message) -> i64 {
    m.body
        .index_in_conversation
        .expect("fixture messages have an index")
}

/// A text message numbered `n`: id, index and minute all follow `n`.
pub fn message_json(n: i64) -> Value {
    json!({
        "AppId": APP.0,
        "ConversationShortId": CONVERSATION.0,
        "ConversationType": 2,
        "MessageId": 7_000_000_000_000_000_000i64 + n,
        "Sender": SENDERS[n.rem_euclid(SENDERS.len() as i64) as usize],
        "MsgType": 10001,
        "Content": json!({"text": format!("message {n}")}).to_string(),
        "CreateTime": BASE_MS + n * 60_000,
        "Status": 0,
        "IndexInConversation": n,
    })
}

/// [`message_json`] with fields replaced or added.
pub fn message_with(n: i64, patch: Value) -> Message {
    let mut m = message_json(n);
    if let (Value::Object(base), Value::Object(extra)) = (&mut m, patch) {
        base.extend(extra);
    }
    Message::from_value(&m)
}

/// A message numbered `n` saying `text`.
pub fn text_message(n: i64, text: &str) -> Message {
    message_with(n, json!({"Content": json!({"text": text}).to_string()}))
}

/// A message numbered `n` replying to message `quoted`, whose status is `status`.
pub fn reply(n: i64, quoted: i64, status: i32) -> Message {
    message_with(
        n,
        json!({"RefMsgInfo": {"ReferencedMessageId": id(quoted).0, "Hint": format!("message {quoted}"),
            "ReferencedMessageType": 10001, "Status": status}}),
    )
}

/// A text message numbered `n`.
pub fn message(n: i64) -> Message {
    Message::from_value(&message_json(n))
}

/// A message from any JSON.
pub fn message_from(value: Value) -> Message {
    Message::from_value(&value)
}

/// A message numbered `n` prepared for the list, in UTC.
pub fn entry(n: i64) -> Entry {
    Entry::new(message(n), &TimeZone::UTC)
}

/// A page of the numbered messages, in the order given.
pub fn page(numbers: impl IntoIterator<Item = i64>, has_more: bool, new_cursor: i64) -> Page {
    Page {
        has_more: Some(has_more),
        new_cursor: Some(Cursor(new_cursor)),
        messages: numbers.into_iter().map(message).collect(),
    }
}

/// A page of given messages.
pub fn page_of(messages: Vec<Message>, has_more: bool, new_cursor: i64) -> Page {
    Page {
        has_more: Some(has_more),
        new_cursor: Some(Cursor(new_cursor)),
        messages,
    }
}

/// The fixture conversation as a target.
pub fn target() -> Target {
    Target {
        name: Some("Team chat".into()),
        app_id: APP,
        conversation: CONVERSATION,
        live: false,
    }
}

/// Settings for one conversation, UTC, not demo.
pub fn settings(start: Start) -> Settings {
    Settings {
        targets: vec![target()],
        start,
        newest_cursor: Cursor::NEWEST,
        is_demo: false,
        demo_hint: None,
        time_zone: TimeZone::UTC,
        ui: Default::default(),
        offline: false,
        follow_interval: crate::tui::follow::DEFAULT_INTERVAL,
        archive: None,
    }
}

/// The answer `page` to `request` of `view`.
pub fn loaded(view: ViewId, request: PageRequest, page: Page) -> Action {
    Action::PageLoaded {
        view,
        request,
        page,
    }
}

/// Display names arriving for the users given as `(user id, nick name)`.
pub fn names_loaded(names: &[(i64, &str)]) -> Action {
    let users = names
        .iter()
        .map(|&(id, nick)| User {
            user_id: UserId(id),
            nick_name: Some(nick.into()),
            portrait: None,
            ext: None,
        })
        .collect();
    Action::UsersLoaded {
        app: APP,
        ids: vec![],
        result: Ok(UsersResult {
            users,
            not_found_users: vec![],
        }),
    }
}

/// The number of the selected message of the shown conversation.
pub fn selected_number(app: &App) -> i64 {
    number(&app.view().unwrap().selected().unwrap().message)
}

/// The note the shown conversation displays, if any.
pub fn note(app: &App) -> Option<Note> {
    app.view().unwrap().note()
}

/// A key press.
pub fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// A key press with Ctrl.
pub fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// A special key press.
pub fn code(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Opens the fixture conversation showing `messages` (given oldest first), received as
/// one newest-first page, with more history before them when `has_more`; returns the
/// commands that followed.
pub fn open_showing(
    messages: Vec<Message>,
    has_more: bool,
    width: u16,
    height: u16,
) -> (App, Vec<Command>) {
    let (mut app, commands) = App::new(settings(Start::Newest), width, height);
    let (view, request) = *page_requests(&commands)
        .first()
        .expect("the first page is asked for");
    let page = page_of(messages.into_iter().rev().collect(), has_more, 0);
    let more = app.update(loaded(view, request, page));
    (app, more)
}

/// An app showing `messages` (given oldest first), received as one newest-first page,
/// with more history before them when `has_more`.
pub fn app_showing(messages: Vec<Message>, has_more: bool, width: u16, height: u16) -> App {
    open_showing(messages, has_more, width, height).0
}

/// A conversation of `total` messages numbered from 1, answering page requests the
/// way the server does; `message` makes each one.
pub struct History {
    pub total: i64,
    message: Box<dyn Fn(i64) -> Message>,
}

impl History {
    /// `total` messages, each made by `message` from its number.
    pub fn new(total: i64, message: impl Fn(i64) -> Message + 'static) -> Self {
        History {
            total,
            message: Box::new(message),
        }
    }

    /// `total` plain fixture messages, with `special` in place of the one of its number.
    pub fn with(total: i64, special: Message) -> Self {
        let at = number(&special);
        Self::new(
            total,
            move |n| {
                if n == at { special.clone() } else { message(n) }
            },
        )
    }

    /// The answer to a request, newest-first or oldest-first.
    pub fn answer(&self, r: &PageRequest) -> Page {
        let n = i64::from(r.limit);
        if r.reverse == 1 {
            let top = if r.cursor == Cursor::NEWEST {
                self.total
            } else {
                r.cursor.0
            };
            let bottom = (top - n + 1).max(1);
            let messages = (bottom..=top).rev().map(&self.message).collect();
            page_of(messages, bottom > 1, bottom - 1)
        } else {
            let first = r.cursor.0.max(1);
            let last = (first + n - 1).min(self.total);
            let messages = (first..=last).map(&self.message).collect();
            page_of(messages, last < self.total, last + 1)
        }
    }
}

/// The page requests among commands.
pub fn page_requests(commands: &[Command]) -> Vec<(ViewId, PageRequest)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::FetchPage { view, request, .. } => Some((*view, *request)),
            _ => None,
        })
        .collect()
}

/// The one page request among commands; panics when there is not exactly one.
pub fn only_request(commands: &[Command]) -> (ViewId, PageRequest) {
    let r = page_requests(commands);
    assert_eq!(r.len(), 1, "one page request expected: {commands:?}");
    r[0]
}

/// Answers the page request among `commands` from `history`, then every page asked
/// for after it, until none is asked for or `max` pages were answered. Returns how
/// many were. Panics if two pages are ever in flight at once.
pub fn pump(app: &mut App, history: &History, commands: Vec<Command>, max: usize) -> usize {
    let mut pending = page_requests(&commands);
    let mut answered = 0;
    while let Some((view, request)) = pending.pop() {
        if answered == max {
            break;
        }
        let more = app.update(loaded(view, request, history.answer(&request)));
        answered += 1;
        pending.extend(page_requests(&more));
        assert!(pending.len() <= 1, "one page in flight at a time");
    }
    answered
}

/// Opens the fixture conversation on `history` and answers its first page only;
/// returns the commands that followed (a prefetch of the next page, names).
pub fn open_on(history: &History, start: Start, width: u16, height: u16) -> (App, Vec<Command>) {
    let (mut app, commands) = App::new(settings(start), width, height);
    let (view, request) = only_request(&commands);
    let more = app.update(loaded(view, request, history.answer(&request)));
    (app, more)
}

/// Draws the app on a test terminal of `width`×`height` (telling the app the size first).
pub fn draw(
    app: &mut App,
    width: u16,
    height: u16,
) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    app.update(Action::Resize { width, height });
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height))
        .expect("a test terminal");
    terminal
        .draw(|f| super::ui::draw(f, app))
        .expect("drawing to a test terminal");
    terminal
}

/// A buffer's rows as a terminal shows them: the cells a wide character covers are
/// left out.
pub fn screen_lines(buf: &ratatui::buffer::Buffer) -> Vec<String> {
    (0..buf.area.height)
        .map(|y| {
            let mut row = String::new();
            let mut x = 0;
            while x < buf.area.width {
                let symbol = buf[(x, y)].symbol();
                row.push_str(symbol);
                x += super::text::width(symbol).max(1) as u16;
            }
            row
        })
        .collect()
}

/// An archive in a temporary directory, with the browser's read-only connection to it.
pub struct ArchiveFixture {
    pub dir: tempfile::TempDir,
    /// The connection fetched pages are kept through.
    pub writes: crate::archive::SharedArchive,
    /// The browser's connection for reading.
    pub reads: crate::archive::SharedArchive,
}

impl ArchiveFixture {
    /// An archive holding `history`'s messages as one newest-first walk of it from the
    /// newest message to the first, as the browser or a sync leaves it.
    pub fn walked(history: &History) -> ArchiveFixture {
        Self::walked_pages(history, usize::MAX)
    }

    /// An archive holding the newest `pages` pages of `history`, walked newest-first.
    pub fn walked_pages(history: &History, pages: usize) -> ArchiveFixture {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("archive.sqlite3");
        let archive = crate::archive::Archive::open(&path).expect("a new archive");
        let writes = crate::archive::SharedArchive::new(archive);
        let reads = crate::archive::SharedArchive::new(
            crate::archive::Archive::open_read_only(&path).expect("the archive, read-only"),
        );
        let fixture = ArchiveFixture { dir, writes, reads };
        let mut cursor = Cursor::NEWEST;
        for _ in 0..pages {
            let request = PageRequest {
                seq: 0,
                cursor,
                reverse: 1,
                limit: crate::api::wire::PAGE_LIMIT,
            };
            let page = history.answer(&request);
            let next = page.new_cursor.filter(|_| page.has_more == Some(true));
            fixture.keep(CONVERSATION, &request, &page);
            match next {
                Some(c) => cursor = c,
                None => break,
            }
        }
        fixture
    }

    /// Keeps a fetched page, as the browser's source does before answering.
    pub fn keep(&self, conversation: ConversationId, request: &PageRequest, page: &Page) {
        let fetch = crate::archive::PageFetch::new(
            APP,
            conversation,
            request.direction(),
            request.cursor,
            Cursor::NEWEST,
        );
        self.writes
            .lock()
            .store_page(&fetch, page)
            .expect("the page is archived");
    }

    /// Settings for `targets`, reading through this archive.
    pub fn settings(&self, start: Start) -> Settings {
        Settings {
            archive: Some(self.reads.clone()),
            ..settings(start)
        }
    }
}

/// Carries out the archive's commands and the page requests among `commands` the
/// way the terminal's loop and the worker do (pages answered from `history` and
/// archived first), and those that follow, at most `max` of them; returns the other
/// commands.
pub fn serve(
    app: &mut App,
    archive: &ArchiveFixture,
    history: &History,
    commands: Vec<Command>,
    max: usize,
) -> Vec<Command> {
    let mut pending: std::collections::VecDeque<Command> = commands.into();
    let mut rest = Vec::new();
    let mut served = 0;
    while let Some(command) = pending.pop_front() {
        if served == max {
            rest.push(command);
            continue;
        }
        let action = match command {
            Command::FetchPage {
                view,
                request,
                conversation,
                ..
            } => {
                let page = history.answer(&request);
                archive.keep(conversation, &request, &page);
                loaded(view, request, page)
            }
            Command::ReadArchive { view, read } => {
                let result = super::archived::read_window(&archive.reads.lock(), &read)
                    .map_err(|e| e.to_string());
                Action::ArchiveRead { view, read, result }
            }
            Command::SearchArchive {
                view,
                app: a,
                conversation,
                query,
            } => {
                let result = super::archived::search_conversation(
                    &archive.writes.lock(),
                    a,
                    conversation,
                    &query,
                )
                .map_err(|e| e.to_string());
                Action::ArchiveSearched {
                    view,
                    query,
                    result,
                }
            }
            Command::SaveReading {
                app: a,
                conversation,
                last_read,
                newest_seen,
            } => {
                archive
                    .writes
                    .lock()
                    .store_reading(a, conversation, &last_read, &newest_seen)
                    .expect("the reading is kept");
                served += 1;
                continue;
            }
            other => {
                rest.push(other);
                continue;
            }
        };
        served += 1;
        pending.extend(app.update(action));
    }
    rest
}
