//! The browser reading through the archive, driven by actions with neither terminal
//! nor network: opening at once from what is archived, a bounded window over a large
//! archive, filling gaps from the server, and keeping each conversation's place.

use volc_im::archive::Side;
use volc_im::model::{ConversationId, Cursor};
use volc_im::tui::conversation::WINDOW_MAX;
use volc_im::tui::fixtures::{
    self, ArchiveFixture, History, code, key, page_requests, selected_number, serve,
};
use volc_im::tui::viewport::EdgeRow;
use volc_im::tui::{App, Command, Start, Target};

use crossterm::event::KeyCode;

const W: u16 = 120;
const H: u16 = 30;

fn numbers(app: &App) -> Vec<i64> {
    let store = app.view().unwrap().store();
    store.iter().map(|e| fixtures::number(&e.message)).collect()
}

fn contiguous(ns: &[i64]) -> bool {
    ns.windows(2).all(|w| w[1] == w[0] + 1)
}

fn reads(commands: &[Command]) -> Vec<Side> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::ReadArchive { read, .. } => Some(read.side),
            _ => None,
        })
        .collect()
}

#[test]
fn a_conversation_opens_with_its_archived_messages_then_checks_for_newer_ones() {
    let archived = History::new(3_000, fixtures::message);
    let archive = ArchiveFixture::walked(&archived);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), W, H);
    // Shown at once, before any answer: the newest archived messages, the newest
    // selected on the bottom row.
    assert_eq!(selected_number(&app), 3_000);
    assert!(numbers(&app).len() >= 100 && contiguous(&numbers(&app)));
    assert_eq!(
        app.view().unwrap().model().top,
        None,
        "more is archived above"
    );
    // Meanwhile the server is asked for what is newer.
    let asked = page_requests(&commands);
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].1.cursor, Cursor::NEWEST);
    // It has 5 messages more: they appear, and the view follows them from the newest.
    let server = History::new(3_005, fixtures::message);
    let rest = serve(&mut app, &archive, &server, commands, 10);
    assert!(page_requests(&rest).is_empty(), "the check met the archive");
    assert_eq!(selected_number(&app), 3_005);
    assert!(contiguous(&numbers(&app)));
}

#[test]
fn a_gap_between_the_archive_and_the_newest_is_filled_from_the_server() {
    let archive = ArchiveFixture::walked(&History::new(1_000, fixtures::message));
    let server = History::new(1_130, fixtures::message);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), W, H);
    let rest = serve(&mut app, &archive, &server, commands, 50);
    assert!(page_requests(&rest).is_empty());
    let ns = numbers(&app);
    assert!(
        contiguous(&ns),
        "no hole between the archive and the newest: {ns:?}"
    );
    assert_eq!(ns.last(), Some(&1_130));
    assert!(ns.contains(&1_000) && ns.contains(&1_001));
}

#[test]
fn a_window_over_a_large_archive_stays_bounded_and_reaches_the_beginning() {
    let history = History::new(12_000, fixtures::message);
    let archive = ArchiveFixture::walked(&history);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), W, H);
    serve(&mut app, &archive, &history, commands, 10);
    let mut largest = 0;
    let mut fetched = 0;
    for _ in 0..2_000 {
        let commands = app.update(code(KeyCode::PageUp));
        fetched += page_requests(&commands).len();
        serve(&mut app, &archive, &history, commands, 10);
        largest = largest.max(app.view().unwrap().store().len());
        if app.view().unwrap().model().top == Some(EdgeRow::Beginning) {
            break;
        }
    }
    assert_eq!(fetched, 0, "all of it came from the archive");
    assert!(
        largest <= WINDOW_MAX,
        "the window stayed bounded: {largest}"
    );
    assert_eq!(app.view().unwrap().model().top, Some(EdgeRow::Beginning));
    assert_eq!(numbers(&app)[0], 1);
    assert!(contiguous(&numbers(&app)));
    // And back down to the newest, the far side read again.
    for _ in 0..2_000 {
        let commands = app.update(code(KeyCode::PageDown));
        serve(&mut app, &archive, &history, commands, 10);
        if selected_number(&app) == 12_000 {
            break;
        }
    }
    assert_eq!(selected_number(&app), 12_000);
    assert!(app.view().unwrap().store().len() <= WINDOW_MAX);
}

#[test]
fn past_a_gap_in_the_archive_older_pages_are_fetched_by_cursor() {
    // Archived: the newest 300 of 1,000, walked from the newest; the rest is not.
    let server = History::new(1_000, fixtures::message);
    let archive = ArchiveFixture::walked_pages(&server, 15);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), W, H);
    serve(&mut app, &archive, &server, commands, 10);
    let mut fetched = Vec::new();
    for _ in 0..200 {
        let commands = app.update(code(KeyCode::PageUp));
        fetched.extend(page_requests(&commands).into_iter().map(|(_, r)| r.cursor));
        let rest = serve(&mut app, &archive, &server, commands, 10);
        assert!(reads(&rest).is_empty());
        if numbers(&app)[0] <= 600 {
            break;
        }
    }
    assert!(
        numbers(&app)[0] <= 600,
        "older history came from the server"
    );
    assert!(contiguous(&numbers(&app)));
    assert!(!fetched.is_empty());
}

fn two_targets(archive: &ArchiveFixture) -> volc_im::tui::Settings {
    let mut settings = archive.settings(Start::Newest);
    settings.targets.push(Target {
        name: Some("Other".into()),
        conversation: ConversationId(43),
        ..fixtures::target()
    });
    settings
}

#[test]
fn switching_away_and_back_returns_to_the_same_message_this_run_and_the_next() {
    let history = History::new(2_000, fixtures::message);
    let archive = ArchiveFixture::walked(&history);
    let (mut app, commands) = App::new(two_targets(&archive), W, H);
    serve(&mut app, &archive, &history, commands, 10);
    let commands = app.update(code(KeyCode::Enter));
    serve(&mut app, &archive, &history, commands, 10);
    for _ in 0..300 {
        let commands = app.update(key('k'));
        serve(&mut app, &archive, &history, commands, 10);
    }
    let place = selected_number(&app);
    assert_eq!(place, 1_700);
    // To the other conversation and back.
    let commands = app.update(code(KeyCode::Esc));
    serve(&mut app, &archive, &history, commands, 10);
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    app.update(code(KeyCode::Esc));
    app.update(key('k'));
    let commands = app.update(code(KeyCode::Enter));
    assert_eq!(
        selected_number(&app),
        place,
        "back on the same message at once"
    );
    serve(&mut app, &archive, &history, commands, 10);
    assert_eq!(selected_number(&app), place);
    // Quitting keeps it for the next run.
    let commands = app.update(key('q'));
    assert!(matches!(commands.last(), Some(Command::Quit)));
    serve(&mut app, &archive, &history, commands, 10);
    let (mut again, commands) = App::new(two_targets(&archive), W, H);
    serve(&mut again, &archive, &history, commands, 10);
    again.update(code(KeyCode::Enter));
    assert_eq!(selected_number(&again), place, "and the next run too");
}

#[test]
fn messages_that_arrived_since_the_last_look_are_marked() {
    let history = History::new(500, fixtures::message);
    let archive = ArchiveFixture::walked(&history);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), W, H);
    serve(&mut app, &archive, &history, commands, 10);
    assert_eq!(app.view().unwrap().model().new_since, None, "first look");
    let commands = app.update(key('q'));
    serve(&mut app, &archive, &history, commands, 10);
    // Eight more arrive; the next run marks the first of them.
    let grown = History::new(508, fixtures::message);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), W, H);
    serve(&mut app, &archive, &grown, commands, 10);
    let view = app.view().unwrap();
    let marked = view.model().new_since.expect("a mark");
    assert_eq!(
        fixtures::number(&view.store().get(marked).unwrap().message),
        501
    );
    assert_eq!(selected_number(&app), 500, "where it was left");
}

#[test]
fn the_new_since_row_sits_above_the_first_new_message() {
    let history = History::new(500, fixtures::message);
    let archive = ArchiveFixture::walked(&history);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), 100, 20);
    serve(&mut app, &archive, &history, commands, 10);
    for _ in 0..3 {
        app.update(key('k'));
    }
    let commands = app.update(key('q'));
    serve(&mut app, &archive, &history, commands, 10);
    let grown = History::new(503, fixtures::message);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), 100, 20);
    serve(&mut app, &archive, &grown, commands, 10);
    // They came with the check for newer messages, below the selection: down to them.
    for _ in 0..4 {
        app.update(key('j'));
    }
    let t = fixtures::draw(&mut app, 100, 20);
    let lines = fixtures::screen_lines(t.backend().buffer());
    let at = lines
        .iter()
        .position(|l| l.contains("new since you last looked"))
        .expect("the row is drawn");
    assert!(lines[at + 1].contains("message 501"), "{lines:#?}");
    insta::assert_snapshot!("new_since_row", t.backend());
}

fn typed(app: &mut App, text: &str) -> Vec<Command> {
    let mut commands = Vec::new();
    for c in text.chars() {
        commands.extend(app.update(key(c)));
    }
    commands.extend(app.update(code(KeyCode::Enter)));
    commands
}

#[test]
fn a_search_finds_archived_messages_far_from_the_window_at_once() {
    let history = History::new(6_000, |n| match n {
        40 | 2_500 => fixtures::text_message(n, "the launch window opens"),
        _ => fixtures::message(n),
    });
    let archive = ArchiveFixture::walked(&history);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), W, H);
    serve(&mut app, &archive, &history, commands, 10);
    app.update(key('/'));
    let commands = typed(&mut app, "launch");
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::SearchArchive { query, .. } if query == "launch"))
    );
    let rest = serve(&mut app, &archive, &history, commands, 10);
    assert!(
        page_requests(&rest).is_empty(),
        "nothing fetched from the server"
    );
    assert_eq!(
        selected_number(&app),
        2_500,
        "the nearest match, 3,500 messages up"
    );
    let search = app.view().unwrap().search().unwrap();
    assert_eq!(search.count(), 2, "matches counted over the whole archive");
    assert_eq!(search.rank(), Some(1));
    // n walks on to the next one, N back, ' back to where the search started.
    let commands = app.update(key('n'));
    serve(&mut app, &archive, &history, commands, 10);
    assert_eq!(selected_number(&app), 40);
    let commands = app.update(key('N'));
    serve(&mut app, &archive, &history, commands, 10);
    assert_eq!(selected_number(&app), 2_500);
    // G goes to the newest of the whole history, g to the oldest.
    let commands = app.update(key('G'));
    serve(&mut app, &archive, &history, commands, 10);
    assert_eq!(selected_number(&app), 6_000);
    let commands = app.update(key('g'));
    serve(&mut app, &archive, &history, commands, 10);
    assert_eq!(selected_number(&app), 1);
    assert_eq!(app.view().unwrap().model().top, Some(EdgeRow::Beginning));
}

#[test]
fn a_quoted_message_in_the_archive_is_landed_on_at_once() {
    let history = History::new(4_000, |n| match n {
        3_990 => fixtures::reply(n, 120, 0),
        _ => fixtures::message(n),
    });
    let archive = ArchiveFixture::walked(&history);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), W, H);
    serve(&mut app, &archive, &history, commands, 10);
    for _ in 0..10 {
        app.update(key('k'));
    }
    assert_eq!(selected_number(&app), 3_990);
    let commands = app.update(key('o'));
    let rest = serve(&mut app, &archive, &history, commands, 10);
    assert!(page_requests(&rest).is_empty());
    assert_eq!(selected_number(&app), 120);
    // ' goes back to the reply, through the archive too.
    let commands = app.update(key('\''));
    serve(&mut app, &archive, &history, commands, 10);
    assert_eq!(selected_number(&app), 3_990);
}

#[test]
fn reading_far_past_the_archived_edge_keeps_the_window_bounded() {
    let server = History::new(6_000, fixtures::message);
    let archive = ArchiveFixture::walked_pages(&server, 10);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), W, H);
    serve(&mut app, &archive, &server, commands, 10);
    let mut largest = 0;
    for _ in 0..3_000 {
        let commands = app.update(code(KeyCode::PageUp));
        serve(&mut app, &archive, &server, commands, 10);
        largest = largest.max(app.view().unwrap().store().len());
        if app.view().unwrap().model().top == Some(EdgeRow::Beginning) {
            break;
        }
    }
    assert_eq!(numbers(&app)[0], 1, "the beginning was reached");
    assert!(
        largest <= WINDOW_MAX,
        "the window stayed bounded: {largest}"
    );
    assert!(contiguous(&numbers(&app)));
}

/// Answers the archive's reads among `commands` and those that follow; returns the
/// pages asked for, unanswered.
fn reads_only(
    app: &mut App,
    archive: &ArchiveFixture,
    commands: Vec<Command>,
) -> Vec<(volc_im::tui::ViewId, volc_im::pager::PageRequest)> {
    let mut pending = commands;
    let mut pages = Vec::new();
    while let Some(command) = pending.pop() {
        match command {
            Command::ReadArchive { view, read } => {
                let result = volc_im::tui::archived::read_window(&archive.reads.lock(), &read)
                    .map_err(|e| e.to_string());
                pending.extend(app.update(volc_im::tui::Action::ArchiveRead {
                    view,
                    read,
                    result,
                }));
            }
            Command::FetchPage { view, request, .. } => pages.push((view, request)),
            _ => {}
        }
    }
    pages
}

#[test]
fn a_page_on_its_way_when_the_window_moves_elsewhere_is_not_shown_there() {
    // More archived than a window holds: at the archived edge the newest are not in it.
    let server = History::new(4_000, fixtures::message);
    let archive = ArchiveFixture::walked_pages(&server, 150);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), W, H);
    serve(&mut app, &archive, &server, commands, 10);
    // Up to the archived edge, until a page is asked for from the server.
    let mut asked = Vec::new();
    for _ in 0..1_000 {
        let commands = app.update(code(KeyCode::PageUp));
        asked = reads_only(&mut app, &archive, commands);
        if !asked.is_empty() {
            break;
        }
    }
    let (view, request) = *asked.first().expect("a page asked for");
    // G before it comes: the window moves to the newest; then the page arrives.
    assert!(numbers(&app)[0] <= 1_001 && !numbers(&app).contains(&4_000));
    app.update(key('G'));
    assert_eq!(selected_number(&app), 4_000);
    app.update(fixtures::loaded(view, request, server.answer(&request)));
    assert!(contiguous(&numbers(&app)), "{:?}", numbers(&app));
    assert_eq!(selected_number(&app), 4_000);
}

#[test]
fn g_goes_on_past_the_archive_to_the_first_message_and_esc_stops_it() {
    let server = History::new(3_000, fixtures::message);
    let archive = ArchiveFixture::walked_pages(&server, 10);
    let (mut app, commands) = App::new(archive.settings(Start::Newest), W, H);
    serve(&mut app, &archive, &server, commands, 10);
    // Stopped on the way: Esc.
    let commands = app.update(key('g'));
    assert_eq!(
        page_requests(&commands).len(),
        1,
        "the walk goes on from the server"
    );
    serve(&mut app, &archive, &server, commands, 3);
    assert!(app.view().unwrap().seek().is_some(), "still on its way");
    app.update(code(KeyCode::Esc));
    assert!(app.view().unwrap().seek().is_none());
    assert_eq!(
        fixtures::note(&app),
        Some(volc_im::tui::seek::Note::FirstCancelled)
    );
    // Again, to the end this time.
    let commands = app.update(key('g'));
    let rest = serve(&mut app, &archive, &server, commands, 1_000);
    assert!(page_requests(&rest).is_empty());
    assert_eq!(selected_number(&app), 1);
    assert_eq!(app.view().unwrap().model().top, Some(EdgeRow::Beginning));
    assert!(app.view().unwrap().store().len() <= WINDOW_MAX);
}
