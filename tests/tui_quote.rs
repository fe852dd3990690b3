//! Going to the message a reply quotes (`o`) and back (`'`, Backspace), driven by
//! actions, with neither terminal nor network: a loaded quote, one paged back for in
//! the background, a page budget, the end of history, oldest-first reading.

use crossterm::event::KeyCode;
use volc_im::model::{Message, MessageStatus};
use volc_im::tui::fixtures::{
    self, History, code, key, loaded, note, only_request, page_requests, pump, selected_number,
};
use volc_im::tui::seek::{Goal, JUMP_STACK_MAX, Note, QUOTE_PAGE_BUDGET};
use volc_im::tui::{App, Command, Start};

const W: u16 = 120;
const H: u16 = 30;

fn open(history: &History, start: Start) -> (App, Vec<Command>) {
    fixtures::open_on(history, start, W, H)
}

/// Replies: 100 quotes 95 (loaded), 99 quotes 50 (three pages back), 98 quotes 96
/// (recalled), 97 quotes nothing.
fn replies(n: i64) -> Message {
    match n {
        100 => fixtures::reply(100, 95, 0),
        99 => fixtures::reply(99, 50, 0),
        98 => fixtures::reply(98, 96, 3),
        _ => fixtures::message(n),
    }
}

#[test]
fn o_goes_to_a_loaded_quote_and_back_returns() {
    let history = History::new(100, replies);
    let (mut app, _) = open(&history, Start::Newest);
    assert!(app.update(key('o')).is_empty());
    assert_eq!(selected_number(&app), 95);
    app.update(key('\''));
    assert_eq!(selected_number(&app), 100);
    app.update(key('o'));
    app.update(code(KeyCode::Backspace));
    assert_eq!(selected_number(&app), 100, "Backspace goes back too");
    app.update(key('\''));
    assert_eq!(note(&app), Some(Note::NoJumpBack));
    app.update(key('k'));
    app.update(key('k'));
    app.update(key('k'));
    assert_eq!(selected_number(&app), 97);
    app.update(key('o'));
    assert_eq!(note(&app), Some(Note::NotAReply));
    app.update(key('j'));
    app.update(key('o'));
    assert_eq!(
        selected_number(&app),
        96,
        "a recalled quote that is loaded is gone to"
    );
}

#[test]
fn ctrl_o_and_ctrl_i_walk_the_jump_list_back_and_forth() {
    let history = History::new(100, replies);
    let (mut app, _) = open(&history, Start::Newest);
    app.update(key('o'));
    assert_eq!(selected_number(&app), 95);
    app.update(fixtures::ctrl('o'));
    assert_eq!(selected_number(&app), 100);
    app.update(fixtures::ctrl('i'));
    assert_eq!(selected_number(&app), 95, "forward again");
    app.update(fixtures::ctrl('o'));
    app.update(key(']'));
    assert_eq!(selected_number(&app), 95, "] goes forward too");
    app.update(key(']'));
    assert_eq!(note(&app), Some(Note::NoJumpForward));
    // A new jump starts a new way forward.
    app.update(key('\''));
    assert_eq!(selected_number(&app), 100);
    app.update(key('k'));
    app.update(key('k'));
    app.update(key('o'));
    assert_eq!(selected_number(&app), 96);
    app.update(key(']'));
    assert_eq!(note(&app), Some(Note::NoJumpForward));
}

#[test]
fn o_pages_back_until_the_quote_arrives_and_it_stays_put() {
    let history = History::new(100, replies);
    let (mut app, prefetch) = open(&history, Start::Newest);
    let (view, second) = only_request(&prefetch);
    app.update(key('k'));
    assert_eq!(selected_number(&app), 99);
    assert!(
        app.update(key('o')).is_empty(),
        "the prefetch in flight counts"
    );
    let seek = app.view().unwrap().seek().cloned().unwrap();
    assert_eq!(
        seek.goal,
        Goal::Quote(fixtures::id(50), MessageStatus::Visible)
    );
    assert_eq!(seek.pages_left, QUOTE_PAGE_BUDGET);
    let c = app.update(loaded(view, second, history.answer(&second)));
    let (_, third) = only_request(&c);
    assert_eq!(selected_number(&app), 99);
    let c = app.update(loaded(view, third, history.answer(&third)));
    assert_eq!(selected_number(&app), 50, "landed on the quoted message");
    assert!(app.view().unwrap().seek().is_none());
    let row = app.view().unwrap().scroll().row;
    let h = i32::from(app.areas().list.height);
    assert!((0..h).contains(&row));
    // Later pages put older messages in front: the selection stays on its row.
    let (_, fourth) = only_request(&c);
    app.update(loaded(view, fourth, history.answer(&fourth)));
    assert_eq!(selected_number(&app), 50);
    assert_eq!(app.view().unwrap().scroll().row, row);
    app.update(key('\''));
    assert_eq!(selected_number(&app), 99, "back to the reply");
}

#[test]
fn a_quote_beyond_the_budget_or_the_history_is_reported() {
    // The quoted message is older than the whole budget.
    let history = History::with(5_000, fixtures::reply(5_000, 1, 0));
    let (mut app, prefetch) = open(&history, Start::Newest);
    let mut commands = app.update(key('o'));
    commands.extend(prefetch);
    let pages = pump(&mut app, &history, commands, 1_000);
    assert_eq!(pages, QUOTE_PAGE_BUDGET as usize);
    assert_eq!(
        note(&app),
        Some(Note::QuoteNotWithin(
            QUOTE_PAGE_BUDGET as usize * 20,
            MessageStatus::Visible
        ))
    );
    assert_eq!(selected_number(&app), 5_000);

    // A quote of a recalled message that history does not hold.
    let history = History::with(60, fixtures::reply(60, 1_000, 3));
    let (mut app, prefetch) = open(&history, Start::Newest);
    let mut commands = app.update(key('o'));
    commands.extend(prefetch);
    pump(&mut app, &history, commands, 100);
    assert_eq!(
        note(&app),
        Some(Note::QuoteNotInHistory(MessageStatus::Recalled))
    );
}

#[test]
fn from_the_start_a_missing_quote_is_not_paged_for() {
    let history = History::with(100, fixtures::reply(3, 1_000, 4));
    let (mut app, _) = open(&history, Start::Oldest);
    app.update(key('j'));
    app.update(key('j'));
    assert_eq!(selected_number(&app), 3);
    assert!(page_requests(&app.update(key('o'))).is_empty());
    assert_eq!(
        note(&app),
        Some(Note::QuoteNotLoaded(MessageStatus::Deleted))
    );
}

#[test]
fn the_jump_stack_is_bounded() {
    let history = History::new(100, replies);
    let (mut app, _) = open(&history, Start::Newest);
    for _ in 0..JUMP_STACK_MAX + 10 {
        app.update(key('G'));
        app.update(key('o'));
    }
    assert_eq!(app.view().unwrap().jumps().len(), JUMP_STACK_MAX);
}
