//! Where the browser used to leave a reader guessing: an empty conversation, a live
//! group opened oldest-first, display names that cannot be loaded, a conversation
//! type the service would not tell.

use volc_im::api::ApiError;
use volc_im::api::wire::ConversationsResult;
use volc_im::tui::fixtures::{
    self, APP, CONVERSATION, draw, key, loaded, only_request, page, screen_lines, settings,
};
use volc_im::tui::{Action, App, Command, Start, Target};

fn service_error(code: &str, message: &str) -> ApiError {
    ApiError::Service {
        action: "GetConversationMessages".into(),
        status: 400,
        code: code.into(),
        code_n: None,
        message: message.into(),
        request_id: Some("req-1".into()),
    }
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    screen_lines(draw(app, w, h).backend().buffer()).join("\n")
}

#[test]
fn an_empty_conversation_says_to_check_the_ids() {
    for start in [Start::Newest, Start::Oldest] {
        let (mut app, commands) = App::new(settings(start), 100, 20);
        let (view, request) = only_request(&commands);
        app.update(loaded(view, request, page([], false, 0)));
        let s = screen(&mut app, 100, 20);
        assert!(
            s.contains("no messages: check the app id and the conversation id"),
            "{start:?}\n{s}"
        );
        assert!(!s.contains("beginning of conversation"), "{s}");
        assert_eq!(s.matches("no messages").count(), 1, "{s}");
    }
}

#[test]
fn a_live_group_refusing_oldest_first_reopens_newest_first_and_says_why() {
    let (mut app, commands) = App::new(settings(Start::Oldest), 120, 20);
    let (view, request) = only_request(&commands);
    assert_eq!(request.reverse, 0);
    let commands = app.update(Action::PageFailed {
        view,
        request,
        error: service_error(
            "InvalidParameter.Reverse",
            "live groups (ConversationType 100) read newest-first only: Reverse must be 1",
        ),
    });
    let (_, again) = only_request(&commands);
    assert_eq!(again.reverse, 1, "asked newest-first at once");
    let s = screen(&mut app, 120, 20);
    assert!(
        s.contains("live groups can only be read newest-first"),
        "{s}"
    );
    assert!(!s.contains("r retries"), "no dead end: {s}");
    // The picker knows it now.
    assert!(app.targets()[0].live);
}

#[test]
fn other_oldest_first_failures_still_offer_a_retry() {
    let (mut app, commands) = App::new(settings(Start::Oldest), 120, 20);
    let (view, request) = only_request(&commands);
    let commands = app.update(Action::PageFailed {
        view,
        request,
        error: service_error("InternalError", "try later"),
    });
    assert!(
        commands
            .iter()
            .all(|c| !matches!(c, Command::FetchPage { .. }))
    );
    let s = screen(&mut app, 120, 20);
    assert!(s.contains("r retries"), "{s}");
}

#[test]
fn failed_display_names_are_said_once_then_ids_stand_in() {
    let messages = (1..=3).map(fixtures::message).collect();
    let (mut app, _) = fixtures::open_showing(messages, false, 120, 20);
    let fail = |app: &mut App| {
        app.update(Action::UsersLoaded {
            app: APP,
            ids: vec![volc_im::model::UserId(fixtures::SENDERS[0])],
            result: Err(service_error("AccessDenied", "no BatchGetUser for you")),
        })
    };
    fail(&mut app);
    let s = screen(&mut app, 120, 20);
    assert!(s.contains("display names could not be loaded"), "{s}");
    assert!(s.contains("10001"), "the id stands in: {s}");
    // The notice goes with time, and a second failure says nothing more.
    for _ in 0..60 {
        app.update(Action::Tick);
    }
    fail(&mut app);
    let s = screen(&mut app, 120, 20);
    assert!(!s.contains("display names"), "{s}");
    assert!(!s.contains("AccessDenied"), "{s}");
}

#[test]
fn the_picker_shows_a_question_mark_for_a_type_it_could_not_learn() {
    let mut s = settings(Start::Newest);
    s.targets = vec![
        fixtures::target(),
        Target {
            name: Some("other".into()),
            app_id: APP,
            conversation: volc_im::model::ConversationId(43),
            live: false,
        },
    ];
    let (mut app, _) = App::new(s, 100, 10);
    let rows = |app: &mut App| screen_lines(draw(app, 100, 10).backend().buffer());
    let picked = rows(&mut app);
    assert!(picked[1].trim_end().ends_with('…'), "{picked:?}");
    app.update(Action::ConversationsLoaded {
        app: APP,
        ids: vec![CONVERSATION, volc_im::model::ConversationId(43)],
        result: Ok(ConversationsResult {
            conversation_core_infos: vec![],
        }),
    });
    let picked = rows(&mut app);
    assert!(picked[1].trim_end().ends_with('?'), "{picked:?}");
    assert!(picked[2].trim_end().ends_with('?'), "{picked:?}");
    app.update(key('q'));
}
