//! The browser's state, driven by actions, with neither terminal nor network:
//! paging at both edges, prefetching, a stable selection, stale answers, errors.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use volc_im::api::ApiError;
use volc_im::api::wire::{ConversationsResult, UsersResult};
use volc_im::model::{ConversationInfo, Cursor, User, UserId};
use volc_im::paging::PageRequest;
use volc_im::tui::app::{Focus, Screen};
use volc_im::tui::conversation::{NOTICE_TICKS, PREFETCH_THRESHOLD};
use volc_im::tui::fixtures::{
    self, APP, CONVERSATION, code, ctrl, key, loaded, only_request, page, page_requests,
    selected_number, settings,
};
use volc_im::tui::viewport::EdgeRow;
use volc_im::tui::{Action, App, Command, Start, Target, ViewId};

const W: u16 = 120;
const H: u16 = 30;

/// The service's answer to `request` of `view`: too many requests.
fn throttled(view: ViewId, request: PageRequest) -> Action {
    let error = ApiError::Service {
        action: "GetConversationMessages".into(),
        status: 429,
        code: "FlowLimitExceeded".into(),
        code_n: None,
        message: "too many requests".into(),
        request_id: Some("req-1".into()),
    };
    Action::PageFailed {
        view,
        request,
        error,
    }
}

fn numbers(app: &App) -> Vec<i64> {
    let store = &app.view().unwrap().store();
    store.iter().map(|e| fixtures::number(&e.message)).collect()
}

/// Opens newest-first and loads the newest page `100..=81`.
fn newest_app(h: u16) -> (App, Vec<Command>) {
    let (mut app, commands) = App::new(settings(Start::Newest), W, h);
    let (view, request) = only_request(&commands);
    let more = app.update(loaded(view, request, page((81..=100).rev(), true, 80)));
    (app, more)
}

#[test]
fn opens_at_the_newest_message_at_the_bottom() {
    let (app, commands) = App::new(settings(Start::Newest), W, H);
    let (_, first) = only_request(&commands);
    assert_eq!((first.cursor, first.reverse), (Cursor::NEWEST, 1));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::FetchConversations { .. }))
    );
    assert_eq!(app.screen(), Screen::Conversation);

    let (app, more) = newest_app(H);
    assert_eq!(numbers(&app)[..3], [81, 82, 83], "ascending order");
    assert_eq!(selected_number(&app), 100);
    let list_h = i32::from(app.areas().list.height);
    assert_eq!(
        app.view().unwrap().scroll().row,
        list_h - 1,
        "on the bottom row"
    );
    // The selection is within the threshold of the top edge: the next page is asked
    // for at once, from the NewCursor the first page gave.
    let (_, second) = only_request(&more);
    assert_eq!((second.cursor, second.reverse), (Cursor(80), 1));
    // New senders are looked up.
    assert!(
        more.iter()
            .any(|c| matches!(c, Command::FetchUsers { ids, .. } if ids.len() == 3))
    );
}

#[test]
fn prefetch_starts_exactly_at_the_threshold() {
    let (mut app, commands) = App::new(settings(Start::Newest), W, 12);
    let (view, request) = only_request(&commands);
    let after = app.update(loaded(view, request, page((1..=60).rev(), true, 0)));
    assert!(
        page_requests(&after).is_empty(),
        "60 loaded, view full: no fetch"
    );
    let above = 60 - 1 - PREFETCH_THRESHOLD;
    for _ in 0..above {
        let c = app.update(key('k'));
        assert!(page_requests(&c).is_empty(), "still far from the edge");
    }
    assert_eq!(app.view().unwrap().scroll().selected, PREFETCH_THRESHOLD);
    let c = app.update(key('k'));
    assert_eq!(
        page_requests(&c).len(),
        1,
        "within {PREFETCH_THRESHOLD} of the edge"
    );
}

#[test]
fn one_request_per_edge_while_a_key_is_held() {
    let (mut app, more) = newest_app(H);
    let (view, second) = only_request(&more);
    for _ in 0..200 {
        let c = app.update(key('k'));
        assert!(
            page_requests(&c).is_empty(),
            "one request in flight at a time"
        );
        app.update(code(KeyCode::Up));
    }
    assert_eq!(selected_number(&app), 81);
    // The answer repeats the boundary message: it is shown once.
    let mut older = page((62..=81).rev(), true, 61);
    older.messages.push(fixtures::message(81));
    app.update(loaded(view, second, older));
    let n = numbers(&app);
    let mut sorted = n.clone();
    sorted.dedup();
    assert_eq!(n, sorted, "no message twice");
    assert_eq!(n.len(), 39);
}

#[test]
fn the_selection_keeps_its_message_and_row_when_older_messages_arrive() {
    let (mut app, more) = newest_app(H);
    let (view, second) = only_request(&more);
    for _ in 0..5 {
        app.update(key('k'));
    }
    let before = (selected_number(&app), app.view().unwrap().scroll().row);
    assert_eq!(before.0, 95);
    app.update(loaded(view, second, page((61..=80).rev(), true, 60)));
    let after = (selected_number(&app), app.view().unwrap().scroll().row);
    assert_eq!(after, before, "same message, same screen row");
    // Also at the very top, with the loading row in view.
    let (mut app, more) = newest_app(H);
    let (view, second) = only_request(&more);
    app.update(key('g'));
    let row = app.view().unwrap().scroll().row;
    assert_eq!(selected_number(&app), 81);
    app.update(loaded(view, second, page((61..=80).rev(), true, 60)));
    assert_eq!(selected_number(&app), 81);
    assert_eq!(app.view().unwrap().scroll().row, row);
}

#[test]
fn stale_answers_are_dropped() {
    let (mut app, more) = newest_app(H);
    let (view, second) = only_request(&more);
    // A failure frees the slot; the retry supersedes the first request.
    app.update(throttled(view, second));
    let (_, retry) = only_request(&app.update(key('r')));
    assert_ne!(retry.seq, second.seq);
    assert_eq!(retry.cursor, second.cursor);
    app.update(loaded(view, second, page((61..=80).rev(), true, 60)));
    assert_eq!(
        app.view().unwrap().store().len(),
        20,
        "the superseded answer is ignored"
    );
    // An answer for a conversation no longer shown is dropped too.
    app.update(loaded(
        ViewId(view.0 + 99),
        retry,
        page((61..=80).rev(), true, 60),
    ));
    assert_eq!(app.view().unwrap().store().len(), 20);
    app.update(loaded(view, retry, page((61..=80).rev(), true, 60)));
    assert_eq!(app.view().unwrap().store().len(), 40);
}

#[test]
fn an_error_keeps_the_messages_and_waits_for_a_retry() {
    let (mut app, more) = newest_app(H);
    let (view, second) = only_request(&more);
    app.update(throttled(view, second));
    let v = app.view().unwrap();
    assert_eq!(v.store().len(), 20, "messages stay");
    assert_eq!(
        v.error().as_deref(),
        Some("FlowLimitExceeded: too many requests")
    );
    assert_eq!(v.model().top, Some(EdgeRow::Failed));
    // No automatic retry while moving near the edge...
    app.update(key('g'));
    for _ in 0..3 {
        assert!(page_requests(&app.update(key('j'))).is_empty());
    }
    app.update(key('g'));
    // ...but moving past it again retries.
    let (_, again) = only_request(&app.update(key('k')));
    assert_eq!(again.cursor, second.cursor);
    assert_eq!(app.view().unwrap().error(), None, "cleared while retrying");
    app.update(loaded(view, again, page((61..=80).rev(), false, 0)));
    let v = app.view().unwrap();
    assert_eq!(v.error(), None, "a good page clears the error");
    assert_eq!(v.model().top, Some(EdgeRow::Beginning));
    assert!(
        page_requests(&app.update(key('k'))).is_empty(),
        "history ended"
    );
}

#[test]
fn r_retries_after_an_error() {
    let (mut app, more) = newest_app(H);
    let (view, second) = only_request(&more);
    app.update(throttled(view, second));
    let (_, again) = only_request(&app.update(key('r')));
    assert_eq!((again.cursor, again.reverse), (Cursor(80), 1));
    assert_eq!(app.view().unwrap().model().top, Some(EdgeRow::Loading));
    assert_eq!(
        app.view().unwrap().error(),
        None,
        "the old error is not shown beside the retry's spinner"
    );
    app.update(throttled(view, again));
    assert_eq!(
        app.view().unwrap().error().as_deref(),
        Some("FlowLimitExceeded: too many requests"),
        "a failed retry shows its error again"
    );
}

#[test]
fn from_the_start_opens_at_the_oldest_and_pages_downwards() {
    let (mut app, commands) = App::new(settings(Start::Oldest), W, 12);
    let (view, first) = only_request(&commands);
    assert_eq!((first.cursor, first.reverse), (Cursor::OLDEST, 0));
    let more = app.update(loaded(view, first, page(1..=40, true, 41)));
    assert!(page_requests(&more).is_empty(), "far from the bottom edge");
    assert_eq!(selected_number(&app), 1);
    assert_eq!(
        app.view().unwrap().scroll().row,
        2,
        "under the beginning marker and the day separator"
    );
    assert_eq!(app.view().unwrap().model().top, Some(EdgeRow::Beginning));
    let mut asked = None;
    for _ in 0..39 {
        let c = app.update(key('j'));
        if let Some(&(_, r)) = page_requests(&c).first() {
            asked = Some((selected_number(&app), r));
            break;
        }
    }
    let (at, request) = asked.expect("moving down fetches the next page");
    assert_eq!(40 - at, PREFETCH_THRESHOLD as i64 - 1);
    assert_eq!((request.cursor, request.reverse), (Cursor(41), 0));
    assert_eq!(app.view().unwrap().model().bottom, Some(EdgeRow::Loading));
    app.update(loaded(view, request, page(41..=45, false, 0)));
    assert_eq!(app.view().unwrap().model().bottom, Some(EdgeRow::End));
    assert_eq!(numbers(&app).last(), Some(&45));
}

#[test]
fn a_live_group_opens_newest_first_with_a_notice() {
    let mut s = settings(Start::Oldest);
    s.targets[0].live = true;
    let (app, commands) = App::new(s, W, H);
    let (_, first) = only_request(&commands);
    assert_eq!(first.reverse, 1, "never Reverse=0 for a live group");
    assert!(
        app.view()
            .unwrap()
            .notice()
            .unwrap()
            .contains("newest-first")
    );

    // The notice goes after a while...
    let mut app = app;
    for _ in 0..NOTICE_TICKS - 1 {
        app.update(Action::Tick);
    }
    assert!(app.view().unwrap().notice().is_some(), "shown for a while");
    app.update(Action::Tick);
    assert_eq!(
        app.view().unwrap().notice(),
        None,
        "gone after NOTICE_TICKS"
    );

    // ...or when the selection first moves.
    let mut s = settings(Start::Oldest);
    s.targets[0].live = true;
    let (mut app, commands) = App::new(s, W, H);
    let (view, first) = only_request(&commands);
    app.update(loaded(view, first, page((81..=100).rev(), true, 80)));
    assert!(app.view().unwrap().notice().is_some(), "a page keeps it");
    app.update(key('k'));
    assert_eq!(app.view().unwrap().notice(), None, "gone on the first move");

    // Learnt from BatchGetConversations after opening: reopened newest-first.
    let (mut app, commands) = App::new(settings(Start::Oldest), W, H);
    let (old_view, _) = only_request(&commands);
    let info = ConversationInfo {
        conversation_short_id: CONVERSATION,
        conversation_type: 100,
        ..Default::default()
    };
    let c = app.update(Action::ConversationsLoaded {
        app: APP,
        ids: vec![CONVERSATION],
        result: Ok(ConversationsResult {
            conversation_core_infos: vec![info],
        }),
    });
    let (new_view, request) = only_request(&c);
    assert_ne!(new_view, old_view);
    assert_eq!(request.reverse, 1);
}

#[test]
fn display_names_are_fetched_in_batches_of_fifty() {
    let (mut app, commands) = App::new(settings(Start::Newest), W, H);
    let (view, request) = only_request(&commands);
    let messages = (1..=120)
        .map(|n| fixtures::message_with(n, json!({"Sender": 50_000 + n})))
        .collect();
    let c = app.update(loaded(view, request, fixtures::page_of(messages, false, 0)));
    let batches: Vec<Vec<UserId>> = c
        .iter()
        .filter_map(|c| match c {
            Command::FetchUsers { ids, .. } => Some(ids.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        batches.iter().map(Vec::len).collect::<Vec<_>>(),
        [50, 50, 20]
    );
    assert!(app.is_fetching());
    let users = vec![User {
        user_id: UserId(50_120),
        nick_name: Some("Zoë".into()),
        portrait: None,
        ext: None,
    }];
    app.update(Action::UsersLoaded {
        app: APP,
        ids: batches[2].clone(),
        result: Ok(UsersResult {
            users,
            not_found_users: vec![],
        }),
    });
    assert_eq!(app.display_name(APP, UserId(50_120)), Some("Zoë"));
    // Already asked for: a second page from the same senders asks nothing.
    assert!(
        !app.update(key('k'))
            .iter()
            .any(|c| matches!(c, Command::FetchUsers { .. }))
    );
}

#[test]
fn a_reply_fetches_its_quoted_message_once_the_selection_rests() {
    let (mut app, commands) = App::new(settings(Start::Newest), W, H);
    let (view, request) = only_request(&commands);
    let reply = fixtures::message_with(
        30,
        json!({"RefMsgInfo": {"ReferencedMessageId": 5, "Hint": "the quoted text", "ReferencedMessageType": 10001, "Status": 0}}),
    );
    let mut messages: Vec<_> = (21..=29).map(fixtures::message).collect();
    messages.push(reply);
    app.update(loaded(view, request, fixtures::page_of(messages, false, 0)));
    assert_eq!(selected_number(&app), 30);
    assert!(app.update(Action::Tick).is_empty());
    let c = app.update(Action::Tick);
    let asked: Vec<_> = c
        .iter()
        .filter_map(|c| match c {
            Command::FetchReferenced { ids, .. } => Some(ids.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(asked, vec![vec![volc_im::model::MessageId(5)]]);
    assert!(app.update(Action::Tick).is_empty(), "asked once");
    let quoted = fixtures::message_from(
        json!({"MessageId": 5, "Sender": 1, "MsgType": 10001, "Content": "{\"text\":\"original words\"}", "CreateTime": 1}),
    );
    app.update(Action::ReferencedLoaded {
        view,
        ids: vec![volc_im::model::MessageId(5)],
        result: Ok(vec![quoted]),
    });
    let doc = &app.view().unwrap().detail();
    assert!(
        doc.lines.iter().any(|l| l.text == "original words"),
        "{doc:?}"
    );
}

#[test]
fn the_picker_opens_conversations_and_esc_goes_back() {
    let mut s = settings(Start::Newest);
    s.targets.push(Target {
        name: Some("Other".into()),
        app_id: APP,
        conversation: volc_im::model::ConversationId(43),
        live: false,
    });
    let (mut app, commands) = App::new(s, W, H);
    assert_eq!(app.screen(), Screen::Picker);
    assert!(page_requests(&commands).is_empty());
    app.update(key('j'));
    let (view, request) = only_request(&app.update(code(KeyCode::Enter)));
    assert_eq!(app.screen(), Screen::Conversation);
    assert_eq!(app.view().unwrap().target().conversation.0, 43);
    app.update(code(KeyCode::Esc));
    assert_eq!(app.screen(), Screen::Picker);
    assert_eq!(app.picker().selected, 1);
    // The answer for the closed conversation is dropped; reopening asks afresh.
    app.update(loaded(view, request, page((1..=20).rev(), true, 0)));
    let (view2, _) = only_request(&app.update(code(KeyCode::Enter)));
    assert_ne!(view2, view);
    assert!(app.view().unwrap().store().is_empty());
}

#[test]
fn focus_help_and_detail_keys() {
    let (mut app, _) = newest_app(H);
    app.update(code(KeyCode::Tab));
    assert_eq!(app.focus(), Focus::Detail);
    let selected = selected_number(&app);
    app.update(key('j'));
    assert_eq!(selected_number(&app), selected, "j scrolls the detail pane");
    app.update(code(KeyCode::Esc));
    assert_eq!(app.focus(), Focus::List);
    // Esc quickly followed by k arrives as Alt+k: both count.
    app.update(code(KeyCode::Tab));
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('k'),
        KeyModifiers::ALT,
    )));
    assert_eq!(app.focus(), Focus::List, "the Esc left the detail pane");
    assert_eq!(selected_number(&app), selected - 1, "the k moved up");
    app.update(key('j'));
    app.update(key('d'));
    assert!(app.areas().detail.is_none());
    app.update(key('?'));
    assert!(app.help_open());
    app.update(code(KeyCode::Esc));
    assert!(!app.help_open());
    app.update(ctrl('u'));
    assert!(selected_number(&app) < selected);
    app.update(ctrl('d'));
    assert_eq!(selected_number(&app), selected);
    assert_eq!(app.update(key('q')), vec![Command::Quit]);
    assert!(app.should_quit());
}

#[test]
fn any_size_down_to_one_cell_is_fine() {
    let (mut app, _) = newest_app(H);
    for (w, h) in [(1, 1), (10, 3), (0, 0), (3, 1), (200, 2), (W, H)] {
        app.update(Action::Resize {
            width: w,
            height: h,
        });
        for k in ['k', 'j', 'g', 'G', 'd', 'd'] {
            app.update(key(k));
        }
        app.update(code(KeyCode::PageUp));
        app.update(code(KeyCode::Tab));
        app.update(code(KeyCode::PageDown));
        app.update(code(KeyCode::Tab));
    }
    app.update(key('G'));
    assert_eq!(selected_number(&app), 100);
}

#[test]
fn a_page_without_has_more_ends_the_history_with_a_notice() {
    let (mut app, commands) = App::new(settings(Start::Newest), W, H);
    let (view, request) = only_request(&commands);
    let mut short = page((90..=100).rev(), true, 89);
    short.has_more = None;
    let more = app.update(loaded(view, request, short));
    assert!(page_requests(&more).is_empty(), "a short page is the end");
    let v = app.view().unwrap();
    assert!(!v.has_more());
    let notice = v.notice().unwrap_or_default();
    assert!(notice.contains("no HasMore"), "{notice:?}");
}
