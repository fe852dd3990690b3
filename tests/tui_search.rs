//! Searching, driven by actions, with neither terminal nor network: matches among
//! loaded messages, `n`/`N`, searches that page back in the background within a
//! budget, the end of history, cancelling, stale answers, names that arrive later.

use crossterm::event::KeyCode;
use volc_im::api::ApiError;
use volc_im::model::{Cursor, Message};
use volc_im::tui::app::Focus;
use volc_im::tui::fixtures::{
    self, History, code, ctrl, key, loaded, names_loaded, note, only_request, page_requests, pump,
    selected_number,
};
use volc_im::tui::search::Toward;
use volc_im::tui::seek::{Goal, Note, SEARCH_PAGE_BUDGET};
use volc_im::tui::{Action, App, Command, Start, ViewId};

const W: u16 = 120;
const H: u16 = 30;

fn open(history: &History, start: Start) -> (App, Vec<Command>) {
    fixtures::open_on(history, start, W, H)
}

fn typed(app: &mut App, text: &str) -> Vec<Command> {
    let mut commands = Vec::new();
    for c in text.chars() {
        commands.extend(app.update(key(c)));
    }
    commands
}

/// `/`, the query, Enter.
fn search(app: &mut App, query: &str) -> Vec<Command> {
    app.update(key('/'));
    let mut commands = typed(app, query);
    commands.extend(app.update(code(KeyCode::Enter)));
    commands
}

fn rank(app: &App) -> (Option<usize>, usize) {
    let s = app.view().unwrap().search().unwrap();
    (s.rank(), s.count())
}

/// Messages saying "NOON" at 85, 90 and 97 and "message n" elsewhere.
fn noon(n: i64) -> Message {
    match n {
        85 | 90 | 97 => fixtures::text_message(n, &format!("lunch at noon, #{n}")),
        _ => fixtures::message(n),
    }
}

#[test]
fn a_search_goes_to_loaded_matches_upward_and_n_and_n_step_either_way() {
    let history = History::new(100, noon);
    let (mut app, _prefetch) = open(&history, Start::Newest);
    assert_eq!(selected_number(&app), 100);
    app.update(key('/'));
    assert!(app.prompt().is_some());
    // Typed keys are text, not commands: `q` does not quit, `j` does not move.
    typed(&mut app, "qj");
    assert!(!app.should_quit());
    assert_eq!(selected_number(&app), 100);
    app.update(code(KeyCode::Backspace));
    app.update(code(KeyCode::Backspace));
    typed(&mut app, "NOO");
    assert_eq!(app.prompt().unwrap().text(), "NOO");
    app.update(ctrl('u'));
    typed(&mut app, "Noon");
    let c = app.update(code(KeyCode::Enter));
    assert!(app.prompt().is_none());
    assert!(page_requests(&c).is_empty(), "found among the loaded");
    assert_eq!(selected_number(&app), 97);
    assert_eq!(rank(&app), (Some(1), 3), "counted from the newest");
    app.update(key('n'));
    assert_eq!((selected_number(&app), rank(&app)), (90, (Some(2), 3)));
    app.update(key('n'));
    assert_eq!(selected_number(&app), 85);
    app.update(key('N'));
    assert_eq!(selected_number(&app), 90);
    app.update(key('N'));
    app.update(key('N'));
    assert_eq!(selected_number(&app), 97);
    assert_eq!(note(&app), Some(Note::NoFurther(Toward::Newer)));
    // Moving off a match: the count stays, the rank goes.
    app.update(key('j'));
    assert_eq!(rank(&app), (None, 3));
    assert_eq!(note(&app), None, "a note lasts until the selection moves");
    // Esc clears the search; the next Esc has nothing to clear.
    app.update(code(KeyCode::Esc));
    assert!(app.view().unwrap().search().is_none());
    app.update(key('n'));
    assert_eq!(note(&app), Some(Note::NoSearch));
}

#[test]
fn back_returns_to_where_a_search_started_when_n_made_its_first_jump() {
    let history = History::new(100, noon);
    let (mut app, prefetch) = open(&history, Start::Newest);
    pump(&mut app, &history, prefetch, 100);
    for _ in 0..20 {
        let more = app.update(key('k'));
        pump(&mut app, &history, more, 100);
    }
    assert_eq!(selected_number(&app), 80);
    let commands = search(&mut app, "noon");
    pump(&mut app, &history, commands, 100);
    assert_eq!(note(&app), Some(Note::NoFurther(Toward::Older)));
    assert_eq!(selected_number(&app), 80);
    // The search found nothing older; N makes its first jump, and ' undoes that.
    app.update(key('N'));
    assert_eq!(selected_number(&app), 85);
    app.update(key('N'));
    assert_eq!(selected_number(&app), 90);
    app.update(key('\''));
    assert_eq!(
        selected_number(&app),
        80,
        "back to where the search started"
    );
    app.update(key('\''));
    assert_eq!(
        note(&app),
        Some(Note::NoJumpBack),
        "later steps were no jumps"
    );
}

#[test]
fn the_selected_message_counts_and_escape_in_the_prompt_keeps_the_search() {
    let history = History::new(100, noon);
    let (mut app, _) = open(&history, Start::Newest);
    app.update(key('k'));
    app.update(key('k'));
    app.update(key('k'));
    assert_eq!(selected_number(&app), 97);
    search(&mut app, "noon");
    assert_eq!(
        selected_number(&app),
        97,
        "a match at the selection is the first"
    );
    app.update(key('/'));
    typed(&mut app, "other");
    app.update(code(KeyCode::Esc));
    assert!(app.prompt().is_none());
    let s = app.view().unwrap().search().unwrap();
    assert_eq!(s.query(), "noon", "Esc in the prompt keeps the last search");
}

#[test]
fn a_search_pages_back_in_the_background_and_lands_when_the_match_arrives() {
    let history = History::with(200, fixtures::text_message(130, "the rehearsal is at 3pm"));
    let (mut app, prefetch) = open(&history, Start::Newest);
    let (view, second) = only_request(&prefetch);
    let c = search(&mut app, "REHEARSAL");
    assert!(
        page_requests(&c).is_empty(),
        "the prefetch already in flight counts: no second request"
    );
    let seek = app.view().unwrap().seek().cloned().unwrap();
    assert_eq!(seek.goal, Goal::Match(Toward::Older));
    assert!(app.is_fetching(), "the spinner turns while searching");
    // Keys keep working meanwhile.
    app.update(key('k'));
    assert_eq!(selected_number(&app), 199);
    let c = app.update(loaded(view, second, history.answer(&second)));
    let (_, third) = only_request(&c);
    assert_eq!(third.cursor, Cursor(160));
    assert_eq!(selected_number(&app), 199, "no match yet");
    let c = app.update(loaded(view, third, history.answer(&third)));
    let (_, fourth) = only_request(&c);
    assert_eq!(fourth.cursor, Cursor(140));
    let c = app.update(loaded(view, fourth, history.answer(&fourth)));
    assert_eq!(selected_number(&app), 130, "landed on the match");
    assert!(app.view().unwrap().seek().is_none());
    assert_eq!(rank(&app), (Some(1), 1));
    // Near the loaded edge now: the ordinary prefetch goes on, and the selection
    // keeps its message and its row when that page arrives.
    let (_, fifth) = only_request(&c);
    let row = app.view().unwrap().scroll().row;
    app.update(loaded(view, fifth, history.answer(&fifth)));
    assert_eq!(selected_number(&app), 130);
    assert_eq!(app.view().unwrap().scroll().row, row);
}

#[test]
fn a_search_stops_at_its_page_budget_and_n_searches_further() {
    let history = History::with(5_000, fixtures::text_message(4_300, "needle"));
    let (mut app, prefetch) = open(&history, Start::Newest);
    let mut commands = search(&mut app, "needle");
    commands.extend(prefetch);
    let pages = pump(&mut app, &history, commands, 1_000);
    assert_eq!(pages, SEARCH_PAGE_BUDGET as usize, "stops at the budget");
    let messages = SEARCH_PAGE_BUDGET as usize * 20;
    assert_eq!(note(&app), Some(Note::NotWithin(Toward::Older, messages)));
    assert!(app.view().unwrap().seek().is_none());
    assert_eq!(selected_number(&app), 5_000, "the selection did not move");
    // `n` goes on with a fresh budget, and finds it.
    let c = app.update(key('n'));
    let pages = pump(&mut app, &history, c, 1_000);
    assert!(pages <= SEARCH_PAGE_BUDGET as usize);
    assert_eq!(selected_number(&app), 4_300);
}

#[test]
fn a_search_over_a_history_that_ends_says_so() {
    let history = History::new(90, fixtures::message);
    let (mut app, prefetch) = open(&history, Start::Newest);
    let mut commands = search(&mut app, "nowhere");
    commands.extend(prefetch);
    let pages = pump(&mut app, &history, commands, 100);
    assert_eq!(pages, 4, "the rest of the history, and no more");
    assert_eq!(note(&app), Some(Note::NoFurther(Toward::Older)));
    assert_eq!(rank(&app), (None, 0));
    assert!(app.update(key('n')).is_empty(), "nothing left to fetch");
    assert_eq!(note(&app), Some(Note::NoFurther(Toward::Older)));
}

#[test]
fn escape_cancels_a_running_search_and_its_page_is_kept_without_a_jump() {
    let history = History::with(200, fixtures::text_message(170, "found me"));
    let (mut app, prefetch) = open(&history, Start::Newest);
    let (view, second) = only_request(&prefetch);
    app.update(code(KeyCode::Tab));
    search(&mut app, "found");
    assert!(app.view().unwrap().seek().is_some());
    app.update(code(KeyCode::Esc));
    assert!(app.view().unwrap().seek().is_none());
    assert_eq!(note(&app), Some(Note::SearchCancelled));
    assert_eq!(
        app.focus(),
        Focus::Detail,
        "the first Esc only stopped the search"
    );
    app.update(loaded(view, second, history.answer(&second)));
    assert_eq!(app.view().unwrap().store().len(), 40, "the page is kept");
    assert_eq!(selected_number(&app), 200, "but nothing jumps");
    assert_eq!(rank(&app), (None, 1), "and its match is counted");
}

#[test]
fn stale_answers_are_still_dropped_while_searching() {
    let history = History::with(200, fixtures::text_message(150, "target"));
    let (mut app, prefetch) = open(&history, Start::Newest);
    let (view, second) = only_request(&prefetch);
    search(&mut app, "target");
    app.update(Action::PageFailed {
        view,
        request: second,
        error: ApiError::Request("connection reset".into()),
    });
    assert_eq!(note(&app), Some(Note::SearchStopped));
    assert!(app.view().unwrap().seek().is_none());
    // `n` tries again: a new request for the same page.
    let (_, again) = only_request(&app.update(key('n')));
    assert_eq!(again.cursor, second.cursor);
    assert_ne!(again.seq, second.seq);
    // The superseded request's late answer and an answer for another view are dropped.
    app.update(loaded(view, second, history.answer(&second)));
    app.update(loaded(ViewId(view.0 + 7), again, history.answer(&again)));
    assert_eq!(app.view().unwrap().store().len(), 20);
    assert!(app.view().unwrap().seek().is_some(), "still searching");
    let c = app.update(loaded(view, again, history.answer(&again)));
    assert_eq!(app.view().unwrap().store().len(), 40);
    let (_, third) = only_request(&c);
    app.update(loaded(view, third, history.answer(&third)));
    assert_eq!(selected_number(&app), 150);
}

#[test]
fn sender_names_match_once_they_arrive() {
    let history = History::new(30, fixtures::message);
    let (mut app, _) = open(&history, Start::Newest);
    search(&mut app, "zoë");
    assert_eq!(rank(&app).1, 0);
    app.update(names_loaded(&[(fixtures::SENDERS[0], "ZOË")]));
    // Senders take turns: a third of the twenty loaded messages.
    assert_eq!(rank(&app).1, 7);
}

#[test]
fn from_the_start_a_search_goes_up_and_n_pages_down() {
    let history = History::with(100, fixtures::text_message(70, "later on"));
    let (mut app, more) = open(&history, Start::Oldest);
    pump(&mut app, &history, more, 1);
    assert_eq!(app.view().unwrap().store().len(), 40, "the first screenful");
    search(&mut app, "later");
    assert_eq!(note(&app), Some(Note::NoFurther(Toward::Older)));
    let c = app.update(key('N'));
    assert_eq!(
        app.view().unwrap().seek().unwrap().goal,
        Goal::Match(Toward::Newer)
    );
    pump(&mut app, &history, c, 100);
    assert_eq!(selected_number(&app), 70);
}
