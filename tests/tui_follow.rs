//! Following new messages, offline and reconnecting, going to a time, and the search
//! across conversations: the browser's state driven by actions, with neither
//! terminal nor network.

use volc_im::api::wire::Page;
use volc_im::api::{ApiError, TransportKind};
use volc_im::archive::SearchHit;
use volc_im::model::Cursor;
use volc_im::tui::app::Screen;
use volc_im::tui::fixtures::{
    self, APP, BASE_MS, CONVERSATION, code, draw, key, loaded, only_request, page, page_requests,
    screen_lines, selected_number, settings,
};
use volc_im::tui::{Action, App, Command, Start, ViewId};

use crossterm::event::KeyCode;

const W: u16 = 120;
const H: u16 = 20;

/// Ticks until the follow poll is asked for; its view and request.
fn tick_until_poll(app: &mut App) -> (ViewId, Command) {
    for _ in 0..1000 {
        let commands = app.update(Action::Tick);
        if let Some(c) = commands.iter().find(|c| matches!(c, Command::Poll { .. })) {
            let Command::Poll { view, .. } = c else {
                unreachable!()
            };
            return (*view, c.clone());
        }
    }
    panic!("no poll within 1000 ticks");
}

fn polled(view: ViewId, numbers: impl IntoIterator<Item = i64>) -> Action {
    Action::Polled {
        view,
        result: Ok(page(numbers, true, 0)),
    }
}

fn unreachable_error() -> ApiError {
    ApiError::Transport {
        action: "GetConversationMessages".into(),
        kind: TransportKind::Connect,
        message: "connection refused".into(),
    }
}

fn status_line(app: &mut App) -> String {
    let t = draw(app, W, H);
    screen_lines(t.backend().buffer())[usize::from(H) - 1].clone()
}

fn numbers(app: &App) -> Vec<i64> {
    let store = app.view().unwrap().store();
    store.iter().map(|e| fixtures::number(&e.message)).collect()
}

/// Opens the fixture conversation with messages 1..=10 (the whole history).
fn open_ten() -> App {
    let (mut app, commands) = App::new(settings(Start::Newest), W, H);
    let (view, request) = only_request(&commands);
    app.update(loaded(view, request, page((1..=10).rev(), false, 0)));
    app
}

#[test]
fn the_open_conversation_is_polled_newest_first_every_interval() {
    let mut app = open_ten();
    let (_, poll) = tick_until_poll(&mut app);
    let Command::Poll {
        app: a,
        conversation,
        request,
        ..
    } = poll
    else {
        unreachable!()
    };
    assert_eq!((a, conversation), (APP, CONVERSATION));
    assert_eq!((request.cursor, request.reverse), (Cursor::NEWEST, 1));
    // 2 s at 100 ms a tick, give or take the tick the view opened on.
    assert!((19..=21).contains(&app_ticks(&app)), "{}", app_ticks(&app));
    // Not again while it is out.
    for _ in 0..50 {
        let commands = app.update(Action::Tick);
        assert!(!commands.iter().any(|c| matches!(c, Command::Poll { .. })));
    }
}

fn app_ticks(app: &App) -> u64 {
    app.live()
        .follow()
        .map_or(0, |f| f.next_due().as_millis() as u64 / 100)
}

#[test]
fn at_the_newest_message_the_view_follows_new_ones() {
    let mut app = open_ten();
    assert_eq!(selected_number(&app), 10);
    let (view, _) = tick_until_poll(&mut app);
    app.update(polled(view, (3..=12).rev()));
    assert_eq!(numbers(&app), (1..=12).collect::<Vec<_>>());
    assert_eq!(selected_number(&app), 12, "the selection followed");
    let status = status_line(&mut app);
    assert!(!status.contains("new message"), "{status}");
    let shown = screen_lines(draw(&mut app, W, H).backend().buffer()).join("\n");
    assert!(shown.contains("message 12"), "{shown}");
}

#[test]
fn scrolled_up_nothing_moves_and_a_bar_counts_the_new_messages() {
    let mut app = open_ten();
    for _ in 0..3 {
        app.update(key('k'));
    }
    assert_eq!(selected_number(&app), 7);
    let before = screen_lines(draw(&mut app, W, H).backend().buffer());
    let (view, _) = tick_until_poll(&mut app);
    app.update(polled(view, (5..=13).rev()));
    assert_eq!(selected_number(&app), 7, "the selection stays");
    let after = screen_lines(draw(&mut app, W, H).backend().buffer());
    let list_rows = usize::from(H) - 1;
    let row_of = |lines: &[String]| {
        lines[..list_rows]
            .iter()
            .position(|l| l.contains("message 7"))
    };
    assert_eq!(
        row_of(&before),
        row_of(&after),
        "the selected message keeps its row"
    );
    let status = status_line(&mut app);
    assert!(status.contains(" 3 new messages · G to jump "), "{status}");
    insta::assert_snapshot!("new_messages_bar", status);
    // Another poll adds to the count; G goes to the newest and the bar goes.
    let (view, _) = tick_until_poll(&mut app);
    app.update(polled(view, (6..=14).rev()));
    assert!(status_line(&mut app).contains(" 4 new messages "));
    app.update(key('G'));
    assert_eq!(selected_number(&app), 14);
    assert!(!status_line(&mut app).contains("new message"));
}

#[test]
fn more_than_a_page_of_new_messages_is_opened_afresh_by_g() {
    let mut app = open_ten();
    app.update(key('k'));
    let (view, _) = tick_until_poll(&mut app);
    // A full page, none of it loaded: the stretch between is missing.
    app.update(polled(view, (31..=50).rev()));
    assert_eq!(
        numbers(&app),
        (1..=10).collect::<Vec<_>>(),
        "nothing joined with a gap"
    );
    assert!(status_line(&mut app).contains(" 20+ new messages · G to jump "));
    let commands = app.update(key('G'));
    let (new_view, request) = only_request(&commands);
    assert_ne!(new_view, view, "opened afresh");
    assert_eq!(request.cursor, Cursor::NEWEST);
}

#[test]
fn unreachable_shows_offline_and_the_next_answer_reconnects_and_retries() {
    let (mut app, commands) = App::new(settings(Start::Newest), W, H);
    let (view, request) = only_request(&commands);
    app.update(Action::PageFailed {
        view,
        request,
        error: unreachable_error(),
    });
    let status = status_line(&mut app);
    assert!(status.contains(" offline "), "{status}");
    insta::assert_snapshot!("offline_marker", status);
    // Polls go on, slower after each failure.
    let (view, _) = tick_until_poll(&mut app);
    app.update(Action::Polled {
        view,
        result: Err(unreachable_error()),
    });
    assert!(app.live().follow().unwrap().interval().as_secs() >= 4);
    assert!(status_line(&mut app).contains(" offline "));
    // The service answers again: online, and the failed first page is asked again.
    let (view, _) = tick_until_poll(&mut app);
    let commands = app.update(Action::Polled {
        view,
        result: Ok(page((1..=10).rev(), false, 0)),
    });
    assert!(!status_line(&mut app).contains("offline"));
    let (_, retry) = only_request(&commands);
    assert_eq!(retry.cursor, Cursor::NEWEST);
}

#[test]
fn with_offline_only_the_marker_stays_and_nothing_is_polled() {
    let mut s = settings(Start::Newest);
    s.offline = true;
    let (mut app, commands) = App::new(s, W, H);
    let (view, request) = only_request(&commands);
    app.update(loaded(view, request, page((1..=10).rev(), false, 0)));
    assert!(status_line(&mut app).contains(" offline "));
    for _ in 0..600 {
        let commands = app.update(Action::Tick);
        assert!(!commands.iter().any(|c| matches!(c, Command::Poll { .. })));
    }
    assert!(status_line(&mut app).contains(" offline "));
}

/// Types `text` and Enter.
fn type_in(app: &mut App, text: &str) -> Vec<Command> {
    for c in text.chars() {
        app.update(key(c));
    }
    app.update(code(KeyCode::Enter))
}

/// The time of fixture message `n`, as the `t` prompt takes it (UTC).
fn time_of(n: i64) -> String {
    let ts = jiff::Timestamp::from_millisecond(BASE_MS + n * 60_000).unwrap();
    ts.to_string()
}

/// Answers the `FindTime` among `commands` as an app without an archive would hear.
fn no_archive(app: &mut App, commands: &[Command]) -> Vec<Command> {
    let (view, time_ms) = commands
        .iter()
        .find_map(|c| match c {
            Command::FindTime { view, time_ms, .. } => Some((*view, *time_ms)),
            _ => None,
        })
        .expect("the archive is asked where the time lands");
    app.update(Action::TimeFound {
        view,
        time_ms,
        result: Err("no archive".into()),
    })
}

#[test]
fn t_goes_to_the_first_message_at_or_after_a_time_among_those_loaded() {
    let mut app = open_ten();
    app.update(key('t'));
    let commands = type_in(&mut app, &time_of(4));
    no_archive(&mut app, &commands);
    assert_eq!(selected_number(&app), 4);
    // Between two messages: the later one.
    app.update(key('t'));
    let between = format!(
        "{}",
        jiff::Timestamp::from_millisecond(BASE_MS + 6 * 60_000 + 1).unwrap()
    );
    let commands = type_in(&mut app, &between);
    no_archive(&mut app, &commands);
    assert_eq!(selected_number(&app), 7);
    // After the newest: the newest, and the status bar says so.
    app.update(key('t'));
    let commands = type_in(&mut app, "now");
    no_archive(&mut app, &commands);
    assert_eq!(selected_number(&app), 10);
    assert!(status_line(&mut app).contains("no message at or after that time"));
    // Back to where the jump started.
    app.update(key('\''));
    assert_eq!(selected_number(&app), 7);
}

#[test]
fn t_pages_back_toward_a_time_not_loaded_and_esc_stops_it() {
    let history = fixtures::History::new(200, fixtures::message);
    let (mut app, prefetch) = fixtures::open_on(&history, Start::Newest, W, H);
    app.update(key('t'));
    let commands = type_in(&mut app, &time_of(50));
    let mut more = no_archive(&mut app, &commands);
    more.extend(prefetch);
    let status = status_line(&mut app);
    assert!(status.contains("going to the time…"), "{status}");
    fixtures::pump(&mut app, &history, more, 100);
    assert_eq!(selected_number(&app), 50);
    assert!(!status_line(&mut app).contains("going to the time"));

    // Far back, then Esc: it stops and says so.
    app.update(key('t'));
    let commands = type_in(&mut app, &time_of(1));
    let more = no_archive(&mut app, &commands);
    assert!(!page_requests(&more).is_empty() || app.view().unwrap().is_fetching());
    app.update(code(KeyCode::Esc));
    assert!(status_line(&mut app).contains("stopped going there"));
}

#[test]
fn a_time_that_is_not_a_time_is_a_clear_notice() {
    let mut app = open_ten();
    app.update(key('t'));
    let commands = type_in(&mut app, "someday");
    assert!(
        !commands
            .iter()
            .any(|c| matches!(c, Command::FindTime { .. }))
    );
    let status = status_line(&mut app);
    assert!(
        status.contains("\"someday\" is not a time: try 2025-05-16"),
        "{status}"
    );
    assert_eq!(selected_number(&app), 10);
}

fn hit(n: i64, text: &str) -> SearchHit {
    let message = fixtures::message(n);
    SearchHit {
        row: n,
        app: APP,
        conversation: CONVERSATION,
        conversation_name: Some("Team chat".into()),
        sender: message.body.sender,
        sender_name: Some("Alice".into()),
        create_time: message.body.create_time,
        msg_type: Some(10001),
        text: text.into(),
        raw: message.raw_json().to_owned(),
    }
}

#[test]
fn s_searches_every_conversation_and_enter_opens_the_message() {
    let mut s = settings(Start::Newest);
    s.targets.push(volc_im::tui::Target {
        name: Some("other".into()),
        app_id: APP,
        conversation: volc_im::model::ConversationId(43),
        live: false,
    });
    let (mut app, _) = App::new(s, W, H);
    assert_eq!(app.screen(), Screen::Picker);
    app.update(key('S'));
    let commands = type_in(&mut app, "deck");
    let id = commands
        .iter()
        .find_map(|c| match c {
            Command::SearchEverywhere { id, query } => {
                assert_eq!(query.words, ["deck"]);
                assert!(query.conversations.is_empty());
                Some(*id)
            }
            _ => None,
        })
        .expect("the archive is searched");
    assert_eq!(app.screen(), Screen::Everywhere);
    app.update(Action::FoundEverywhere {
        id,
        result: Ok(vec![
            hit(150, "the new deck is up"),
            hit(40, "first deck draft"),
        ]),
    });
    let t = draw(&mut app, W, H);
    insta::assert_snapshot!("everywhere_screen", t.backend());
    // The second hit, Enter: its conversation opens and pages back to it.
    app.update(key('j'));
    let commands = app.update(code(KeyCode::Enter));
    assert_eq!(app.screen(), Screen::Conversation);
    let history = fixtures::History::new(200, fixtures::message);
    fixtures::pump(&mut app, &history, commands, 50);
    assert_eq!(selected_number(&app), 40);
    // Esc from the results goes back where S was pressed.
    app.update(key('S'));
    let commands = type_in(&mut app, "deck");
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::SearchEverywhere { .. }))
    );
    app.update(code(KeyCode::Esc));
    assert_eq!(app.screen(), Screen::Conversation);
}

#[test]
fn the_picker_shows_archive_figures_and_what_is_new() {
    let mut s = settings(Start::Newest);
    s.targets.push(volc_im::tui::Target {
        name: Some("other".into()),
        app_id: APP,
        conversation: volc_im::model::ConversationId(43),
        live: false,
    });
    let (mut app, commands) = App::new(s, W, 6);
    assert!(commands.contains(&Command::LoadOverview));
    let dir = tempfile::tempdir().unwrap();
    let mut archive = volc_im::archive::Archive::open(&dir.path().join("a.sqlite3")).unwrap();
    let fetch = volc_im::archive::PageFetch::new(
        APP,
        CONVERSATION,
        volc_im::pager::Direction::NewestFirst,
        Cursor::NEWEST,
        Cursor::NEWEST,
    );
    let p: Page = page((1..=30).rev(), false, 0);
    archive.store_page(&fetch, &p).unwrap();
    let seen = volc_im::archive::Place::of(&fixtures::message(25));
    archive
        .store_reading(APP, CONVERSATION, &seen, &seen)
        .unwrap();
    let overview = volc_im::tui::overview::Overview::read(&archive).unwrap();
    app.update(Action::OverviewLoaded(Ok(overview)));
    let t = draw(&mut app, W, 6);
    insta::assert_snapshot!("picker_figures", t.backend());
    let rows = screen_lines(t.backend().buffer());
    assert!(
        rows[1].contains("      30 2024-05-07 09:30     5 42"),
        "{rows:?}"
    );
}

/// Answers `FindTime` from the fixture archive.
fn from_archive(
    app: &mut App,
    archive: &fixtures::ArchiveFixture,
    commands: &[Command],
) -> Vec<Command> {
    let (view, time_ms) = commands
        .iter()
        .find_map(|c| match c {
            Command::FindTime { view, time_ms, .. } => Some((*view, *time_ms)),
            _ => None,
        })
        .expect("the archive is asked where the time lands");
    let result = archive
        .reads
        .lock()
        .landing_at(APP, CONVERSATION, time_ms)
        .map_err(|e| e.to_string());
    app.update(Action::TimeFound {
        view,
        time_ms,
        result,
    })
}

#[test]
fn t_lands_at_once_from_the_archive_far_from_the_view() {
    let history = fixtures::History::new(3_000, fixtures::message);
    let archive = fixtures::ArchiveFixture::walked(&history);
    let (mut app, _) = App::new(archive.settings(Start::Newest), W, H);
    assert_eq!(selected_number(&app), 3_000);
    app.update(key('t'));
    let commands = type_in(&mut app, &time_of(120));
    let after = from_archive(&mut app, &archive, &commands);
    assert_eq!(selected_number(&app), 120, "landed without paging back");
    only_the_newest_page_is_asked(&after);
}

/// The view opened checks the newest page, as every view does, and pages back
/// nowhere.
fn only_the_newest_page_is_asked(commands: &[Command]) {
    assert!(
        page_requests(commands)
            .iter()
            .all(|(_, r)| r.cursor == Cursor::NEWEST),
        "{commands:?}"
    );
}

#[test]
fn s_opens_a_result_at_once_from_the_archive() {
    let history = fixtures::History::new(3_000, fixtures::message);
    let archive = fixtures::ArchiveFixture::walked(&history);
    let (mut app, _) = App::new(archive.settings(Start::Newest), W, H);
    app.update(key('S'));
    let commands = type_in(&mut app, "message 77");
    let Some(Command::SearchEverywhere { id, query }) = commands
        .iter()
        .find(|c| matches!(c, Command::SearchEverywhere { .. }))
        .cloned()
    else {
        panic!("the archive is searched: {commands:?}");
    };
    let hits = archive.writes.lock().search(&query).unwrap();
    assert!(hits.iter().any(|h| h.text == "message 77"), "{hits:?}");
    app.update(Action::FoundEverywhere {
        id,
        result: Ok(hits
            .into_iter()
            .filter(|h| h.text == "message 77")
            .collect()),
    });
    let after = app.update(code(KeyCode::Enter));
    assert_eq!(app.screen(), Screen::Conversation);
    assert_eq!(selected_number(&app), 77);
    only_the_newest_page_is_asked(&after);
}

#[test]
fn far_back_in_the_archive_new_messages_are_counted_and_g_opens_the_newest() {
    let history = fixtures::History::new(3_000, fixtures::message);
    let archive = fixtures::ArchiveFixture::walked(&history);
    let (mut app, _) = App::new(archive.settings(Start::Newest), W, H);
    app.update(key('t'));
    let commands = type_in(&mut app, &time_of(100));
    from_archive(&mut app, &archive, &commands);
    assert_eq!(selected_number(&app), 100);
    let poll = |app: &mut App, top: i64| {
        let (view, _) = tick_until_poll(app);
        let page = fixtures::page((top - 19..=top).rev(), true, top - 20);
        let request = volc_im::paging::PageRequest {
            seq: 0,
            cursor: Cursor::NEWEST,
            reverse: 1,
            limit: 20,
        };
        archive.keep(CONVERSATION, &request, &page);
        app.update(Action::Polled {
            view,
            result: Ok(page),
        })
    };
    poll(&mut app, 3_000);
    poll(&mut app, 3_004);
    assert_eq!(selected_number(&app), 100, "the reader far back stays put");
    let status = status_line(&mut app);
    assert!(status.contains(" 4+ new messages · G to jump "), "{status}");
    app.update(key('G'));
    assert_eq!(selected_number(&app), 3_004, "G opens at the newest");
    assert!(!status_line(&mut app).contains("new messages"));
}

#[test]
fn a_poll_refused_by_the_service_is_said_once_and_slows_down() {
    let mut app = open_ten();
    let refused = || ApiError::Service {
        action: "GetConversationMessages".into(),
        status: 429,
        code: "FlowLimitExceeded".into(),
        code_n: None,
        message: "too many requests".into(),
        request_id: None,
    };
    let (view, _) = tick_until_poll(&mut app);
    app.update(Action::Polled {
        view,
        result: Err(refused()),
    });
    let status = status_line(&mut app);
    assert!(
        status.contains("looking for new messages failed: FlowLimitExceeded"),
        "{status}"
    );
    assert!(
        !status.contains("offline"),
        "an answer, even a refusal, is not offline"
    );
    assert_eq!(app.live().follow().unwrap().interval().as_secs(), 4);
    let (view, _) = tick_until_poll(&mut app);
    app.update(Action::Polled {
        view,
        result: Err(refused()),
    });
    assert_eq!(app.live().follow().unwrap().interval().as_secs(), 8);
}

#[test]
fn r_looks_for_the_service_at_once_instead_of_after_the_back_off() {
    let mut app = open_ten();
    for _ in 0..3 {
        let (view, _) = tick_until_poll(&mut app);
        app.update(Action::Polled {
            view,
            result: Err(unreachable_error()),
        });
    }
    assert!(status_line(&mut app).contains(" offline "));
    let commands = app.update(key('r'));
    assert!(
        commands.iter().any(|c| matches!(c, Command::Poll { .. })),
        "{commands:?}"
    );
}
