//! What the browser draws, at fixed sizes, as snapshots (times in UTC): the list with
//! day separators and reply hints, the detail pane, the edge rows, errors, help, tiny
//! terminals, hostile text and wide characters.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use volc_im::api::ApiError;
use volc_im::api::wire::UsersResult;
use volc_im::model::{Message, User, UserId};
use volc_im::tui::fixtures::{
    self, APP, BASE_MS, code, key, names_loaded, only_request, open_showing, settings,
};
use volc_im::tui::{Action, App, Command, Start, Target, ui};

/// Draws the app on a test terminal of its own size.
fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.update(Action::Resize {
        width: w,
        height: h,
    });
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    terminal
}

/// The screen as text lines, as a terminal shows them (cells covered by a wide
/// character left out).
fn lines(t: &Terminal<TestBackend>) -> Vec<String> {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            let mut row = String::new();
            let mut x = 0;
            while x < buf.area.width {
                let symbol = buf[(x, y)].symbol();
                row.push_str(symbol);
                x += volc_im::tui::text::width(symbol).max(1) as u16;
            }
            row
        })
        .collect()
}

/// Messages around midnight, with a reply, an image, a recalled message and an
/// unknown type.
fn evening() -> Vec<Message> {
    let minute = 60_000;
    let late = BASE_MS + 14 * 60 * minute + 56 * minute; // 2024-05-07 23:56 UTC
    let mut out = Vec::new();
    for n in 1..=8i64 {
        let time = late + n * minute;
        let patch = match n {
            3 => json!({"CreateTime": time, "MsgType": 10003,
                "Content": "{\"__files\":{\"img\":{\"remoteURL\":\"https://cdn.invalid/cat.png\"}}}"}),
            4 => {
                json!({"CreateTime": time, "RefMsgInfo": {"ReferencedMessageId": fixtures::id(3).0,
                "Hint": "[图片]", "ReferencedMessageType": 10003, "Status": 0},
                "Content": "{\"text\":\"nice cat\"}"})
            }
            5 => json!({"CreateTime": time, "Status": 3}),
            6 => {
                json!({"CreateTime": time, "MsgType": 10077, "Content": "{\"card\":{\"title\":\"Poll\"}}"})
            }
            7 => json!({"CreateTime": time, "RefMsgInfo": {"ReferencedMessageId": 1,
                "Hint": "an old message", "ReferencedMessageType": 10001, "Status": 3},
                "Content": "{\"text\":\"replying to something gone\"}", "Ext": {"source": "web"}}),
            _ => json!({"CreateTime": time}),
        };
        out.push(fixtures::message_with(n, patch));
    }
    out
}

#[test]
fn list_with_day_separators_replies_and_the_detail_pane() {
    let (mut app, _) = open_showing(evening(), false, 120, 24);
    let t = draw(&mut app, 120, 24);
    insta::assert_snapshot!("wide_list_and_detail", t.backend());
    let screen = lines(&t).join("\n");
    assert!(screen.contains("Tue 2024-05-07"), "{screen}");
    assert!(screen.contains("Wed 2024-05-08"), "{screen}");
    assert!(screen.contains("┃ ↪ 10001: [图片]"), "{screen}");
    assert!(screen.contains("┃ ↪ (recalled) an old message"), "{screen}");
    assert!(screen.contains("beginning of conversation"), "{screen}");
}

#[test]
fn a_selected_reply_marks_its_quote_line_with_it() {
    let (mut app, _) = open_showing(evening(), false, 120, 24);
    app.update(key('k')); // message 7, a reply
    let t = draw(&mut app, 120, 24);
    let rows = lines(&t);
    let quote = rows.iter().position(|r| r.contains("00:03 10002")).unwrap();
    let main = quote + 1;
    // The reply's time and sender head its quote; its text follows under it.
    assert!(
        rows[quote].contains("┃ ↪ (recalled) an old message"),
        "{rows:?}"
    );
    assert!(
        rows[main].contains("replying to something gone"),
        "{rows:?}"
    );
    let buf = t.backend().buffer();
    for y in [quote, main] {
        let y = y as u16;
        assert_eq!(buf[(0, y)].symbol(), "▌", "{rows:?}");
        assert_eq!(buf[(30, y)].bg, ratatui::style::Color::DarkGray);
    }
    let other = rows
        .iter()
        .position(|r| r.contains("┃ ↪ 10001: [图片]"))
        .unwrap() as u16;
    assert_eq!(
        buf[(0, other)].symbol(),
        " ",
        "another reply's quote is not marked"
    );
    assert_ne!(buf[(30, other)].bg, ratatui::style::Color::DarkGray);
}

#[test]
fn the_detail_pane_goes_below_on_a_narrow_terminal() {
    let (mut app, _) = open_showing(evening(), false, 80, 40);
    app.update(key('k'));
    app.update(key('k'));
    app.update(key('k'));
    let t = draw(&mut app, 80, 40);
    insta::assert_snapshot!("narrow_detail_below", t.backend());
}

#[test]
fn the_detail_pane_scrolls_on_its_own() {
    let long = (1..=40)
        .map(|i| format!("line {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let m = fixtures::message_with(1, json!({"Content": json!({"text": long}).to_string()}));
    let (mut app, _) = open_showing(vec![m], false, 120, 20);
    app.update(code(KeyCode::Tab));
    for _ in 0..12 {
        app.update(key('j'));
    }
    let t = draw(&mut app, 120, 20);
    insta::assert_snapshot!("detail_scrolled", t.backend());
}

#[test]
fn a_loading_row_while_older_messages_are_fetched() {
    let messages = (1..=20).map(fixtures::message).collect();
    let (mut app, more) = open_showing(messages, true, 80, 26);
    assert!(!more.is_empty(), "the next page is being fetched");
    app.update(key('d'));
    let t = draw(&mut app, 80, 26);
    insta::assert_snapshot!("loading_row", t.backend());
    assert!(lines(&t).join("\n").contains("loading older messages…"));
}

#[test]
fn the_beginning_of_history_is_marked_and_errors_show_in_the_status_bar() {
    let messages = (1..=5).map(fixtures::message).collect();
    let (mut app, _) = open_showing(messages, false, 80, 10);
    app.update(key('d'));
    let t = draw(&mut app, 80, 10);
    insta::assert_snapshot!("beginning_marker", t.backend());

    let messages = (1..=15).map(fixtures::message).collect();
    let (mut app, more) = open_showing(messages, true, 100, 12);
    let (view, request) = only_request(&more);
    app.update(Action::PageFailed {
        view,
        request,
        error: ApiError::Service {
            action: "GetConversationMessages".into(),
            status: 429,
            code: "FlowLimitExceeded".into(),
            code_n: None,
            message: "request rate over the limit".into(),
            request_id: Some("202405070900".into()),
        },
    });
    app.update(key('d'));
    app.update(key('g'));
    let t = draw(&mut app, 100, 12);
    insta::assert_snapshot!("error_in_status_bar", t.backend());
    let screen = lines(&t).join("\n");
    assert!(screen.contains("FlowLimitExceeded: request rate over the limit"));
    assert!(screen.contains("message 1 "), "messages stay: {screen}");
}

#[test]
fn a_first_page_that_fails_shows_the_whole_error_in_the_empty_list() {
    let (mut app, commands) = App::new(settings(Start::Newest), 80, 14);
    let (view, request) = only_request(&commands);
    app.update(Action::PageFailed {
        view,
        request,
        error: ApiError::Service {
            action: "GetConversationMessages".into(),
            status: 401,
            code: "SignatureDoesNotMatch".into(),
            code_n: Some(100010),
            message: "the signature does not match: check the secret key and the signing".into(),
            request_id: Some("20250507090000A1B2C3".into()),
        },
    });
    app.update(key('d'));
    let t = draw(&mut app, 80, 14);
    insta::assert_snapshot!("first_page_failed", t.backend());
    // The status bar cuts the error; the empty list has room for all of it.
    let screen = lines(&t).join(" ");
    let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("could not load messages: r retries"),
        "{screen}"
    );
    assert!(words.contains("RequestId 20250507090000A1B2C3"), "{screen}");
    assert!(
        words.contains("check the secret key that goes with this access key"),
        "{screen}"
    );

    // Once a page arrives the list is the messages again.
    let retry = app.update(key('r'));
    let (view, request) = only_request(&retry);
    app.update(fixtures::loaded(
        view,
        request,
        fixtures::page([3, 2, 1], false, 0),
    ));
    let screen = lines(&draw(&mut app, 80, 14)).join("\n");
    assert!(!screen.contains("RequestId"), "{screen}");
    assert!(screen.contains("message 1"), "{screen}");
}

#[test]
fn tiny_terminals_draw_without_panicking() {
    let (mut app, _) = open_showing(evening(), false, 100, 24);
    let t = draw(&mut app, 1, 1);
    insta::assert_snapshot!("tiny_1x1", t.backend());
    let t = draw(&mut app, 10, 3);
    insta::assert_snapshot!("tiny_10x3", t.backend());
    app.update(key('?'));
    for (w, h) in [(0, 0), (1, 5), (5, 1), (2, 2), (30, 4), (99, 9), (100, 9)] {
        draw(&mut app, w, h);
    }
    app.update(key('?'));
    app.update(code(KeyCode::Tab));
    for (w, h) in [
        (0, 0),
        (1, 5),
        (5, 1),
        (2, 2),
        (30, 4),
        (99, 9),
        (100, 9),
        (100, 12),
    ] {
        draw(&mut app, w, h);
    }
}

/// Text that would drive a terminal: colours, a title change, cursor moves, a clear
/// screen, bells, backspaces, C1 controls, bidi overrides.
const HOSTILE: &[&str] = &[
    "\u{1b}[31mred\u{1b}[0m and \u{1b}]0;pwned\u{7} title",
    "\u{1b}[2J\u{1b}[H cleared? \u{9b}31m C1 CSI \u{9d}0;x\u{9c}",
    "over\rwrite and back\u{8}\u{8}space and \u{7f}del",
    "tab\tstops\tline\nbreak",
    "abc\u{202e}txt.exe\u{202c} \u{2067}שלום\u{2069} end",
];

#[test]
fn hostile_text_never_reaches_the_terminal() {
    let messages: Vec<Message> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, text)| {
            fixtures::message_with(
                i as i64 + 1,
                json!({"Content": json!({"text": text}).to_string(),
                       "SenderStr": "\u{1b}[1mevil\u{7}",
                       "Ext": {"k\u{1b}": "v\u{9b}"},
                       "RefMsgInfo": {"ReferencedMessageId": 1, "Hint": "\u{1b}]52;c;Zm9v\u{7}", "Status": 0}}),
            )
        })
        .collect();
    let (mut app, _) = open_showing(messages, false, 120, 30);
    app.update(names_loaded(&[(
        fixtures::SENDERS[1],
        "\u{1b}[5mblink\u{202e}",
    )]));
    let t = draw(&mut app, 120, 30);
    insta::assert_snapshot!("hostile_text", t.backend());
    let buf = t.backend().buffer();
    for cell in &buf.content {
        for c in cell.symbol().chars() {
            assert!(!c.is_control(), "control {c:?} in a cell");
            assert!(
                !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'),
                "bidi control {c:?} in a cell"
            );
        }
    }
    let screen = lines(&t).join("\n");
    assert!(screen.contains("␛[31mred"), "{screen}");
    assert!(screen.contains("over␍write"), "{screen}");
    assert!(screen.contains("tab stops   line↵break"), "{screen}");
}

#[test]
fn wide_characters_keep_the_columns_aligned() {
    let texts = [
        "中文消息，对齐",
        "👍 thumbs",
        "👨\u{200d}👩\u{200d}👧 family",
        "e\u{301}galite\u{301} combining",
        "🇯🇵 flag",
        "ｆｕｌｌｗｉｄｔｈ",
    ];
    let messages: Vec<Message> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            fixtures::message_with(
                i as i64 + 1,
                json!({"Content": json!({"text": t}).to_string(), "Sender": 20_000 + i as i64}),
            )
        })
        .collect();
    let (mut app, _) = open_showing(messages, false, 100, 12);
    let names = ["张伟", "Zoë", "😀 Emoji Person", "Ａｌｉｃｅ", "مريم", "x"];
    app.update(Action::UsersLoaded {
        app: APP,
        ids: vec![],
        result: Ok(UsersResult {
            users: names
                .iter()
                .enumerate()
                .map(|(i, n)| User {
                    user_id: UserId(20_000 + i as i64),
                    nick_name: Some((*n).into()),
                    portrait: None,
                    ext: None,
                })
                .collect(),
            not_found_users: vec![],
        }),
    });
    app.update(key('d'));
    let t = draw(&mut app, 100, 12);
    insta::assert_snapshot!("wide_characters", t.backend());
    // The content column starts at the same cell on every message row.
    let buf = t.backend().buffer();
    let content_col = 1 + 5 + 1 + 14 + 1;
    let mut seen = 0;
    for (y, row) in lines(&t).iter().enumerate() {
        let y = y as u16;
        if let Some(i) = texts
            .iter()
            .position(|t| row.contains(t.split(' ').next().unwrap()))
        {
            let first: String = texts[i].chars().take(1).collect();
            assert_eq!(
                buf[(content_col, y)].symbol().chars().next(),
                first.chars().next(),
                "row {y}: {row}"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, texts.len());
}

#[test]
fn the_picker_and_the_demo_status() {
    let mut s = settings(Start::Newest);
    s.is_demo = true;
    s.demo_hint = Some("set VOLC_ACCESSKEY and VOLC_SECRETKEY to read your own".into());
    s.targets.push(Target {
        name: None,
        app_id: APP,
        conversation: volc_im::model::ConversationId(9_000_000_000_000_000_001),
        live: true,
    });
    let (mut app, _) = App::new(s, 100, 8);
    app.update(key('j'));
    let t = draw(&mut app, 100, 8);
    insta::assert_snapshot!("picker_demo", t.backend());
    let screen = lines(&t).join("\n");
    assert!(screen.contains(" DEMO "));
    assert!(screen.contains("live group"));
}

/// The screen with a line of `^` under every cell drawn in the search-match style.
fn with_matches_marked(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = Vec::new();
    for (y, line) in lines(t).into_iter().enumerate() {
        out.push(line);
        let mut marks = String::new();
        let mut x = 0;
        while x < buf.area.width {
            let cell = &buf[(x, y as u16)];
            let w = volc_im::tui::text::width(cell.symbol()).max(1);
            let mark = if cell.bg == ui::theme::search_match().bg.unwrap() {
                '^'
            } else {
                ' '
            };
            marks.extend(std::iter::repeat_n(mark, w));
            x += w as u16;
        }
        if marks.contains('^') {
            out.push(marks.trim_end().to_owned());
        }
    }
    out.join("\n")
}

fn search_for(app: &mut App, query: &str) -> Vec<Command> {
    app.update(key('/'));
    for c in query.chars() {
        app.update(key(c));
    }
    app.update(code(KeyCode::Enter))
}

#[test]
fn the_search_prompt_shows_the_query_cleaned() {
    let (mut app, _) = open_showing(evening(), false, 100, 12);
    app.update(key('d'));
    app.update(key('/'));
    for c in "发布 q\u{7}x".chars() {
        app.update(key(c));
    }
    let t = draw(&mut app, 100, 12);
    insta::assert_snapshot!("search_prompt", t.backend());
    let screen = lines(&t).join("\n");
    assert!(screen.contains(" /发布 q␇x"), "{screen}");
    assert!(screen.contains("Enter searches · Esc cancels"), "{screen}");
}

#[test]
fn matches_are_highlighted_where_the_row_shows_them() {
    let long = format!("{} launch", "words ".repeat(30));
    let texts = [
        "Launch 🚀 day: LAUNCH!",
        "nothing here",
        "发布会 launch 发布",
        long.as_str(),
        "from the bot",
    ];
    let mut messages: Vec<Message> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            fixtures::message_with(
                i as i64 + 1,
                json!({"Content": json!({"text": t}).to_string()}),
            )
        })
        .collect();
    messages[1] = fixtures::message_with(
        2,
        json!({"Content": "{\"text\":\"see above\"}", "RefMsgInfo": {"ReferencedMessageId": fixtures::id(1).0,
            "Hint": "the launch plan", "ReferencedMessageType": 10001, "Status": 0}}),
    );
    messages[4] = fixtures::message_with(
        5,
        json!({"Content": "{\"text\":\"from the bot\"}", "Sender": 30_000}),
    );
    let (mut app, _) = open_showing(messages, false, 100, 12);
    app.update(Action::UsersLoaded {
        app: APP,
        ids: vec![],
        result: Ok(UsersResult {
            users: vec![User {
                user_id: UserId(30_000),
                nick_name: Some("Launchpad".into()),
                portrait: None,
                ext: None,
            }],
            not_found_users: vec![],
        }),
    });
    app.update(key('d'));
    search_for(&mut app, "LAUNCH");
    let t = draw(&mut app, 100, 12);
    insta::assert_snapshot!("search_highlight", with_matches_marked(&t));
    let screen = lines(&t).join("\n");
    assert!(screen.contains("match 1/5 \"LAUNCH\""), "{screen}");
}

#[test]
fn the_status_bar_while_searching_older_messages() {
    let messages = (1..=15).map(fixtures::message).collect();
    let (mut app, more) = open_showing(messages, true, 100, 12);
    assert!(!more.is_empty(), "the next page is on its way");
    app.update(key('d'));
    search_for(&mut app, "not loaded yet");
    let t = draw(&mut app, 100, 12);
    insta::assert_snapshot!("searching_status", t.backend());
    let screen = lines(&t).join("\n");
    assert!(
        screen.contains("searching older messages… \"not loaded yet\""),
        "{screen}"
    );
}

#[test]
fn the_help_box_keeps_its_border_over_wide_characters() {
    let messages = (1..=20)
        .map(|n| fixtures::text_message(n, &"发布会".repeat(20)))
        .collect();
    // At this width the box's left border falls where a wide character starts.
    let (mut app, _) = open_showing(messages, false, 120, 24);
    app.update(key('d'));
    app.update(key('?'));
    let t = draw(&mut app, 120, 24);
    let buf = t.backend().buffer();
    let (x, top) = (0..24)
        .find_map(|y| {
            (0..120)
                .find(|&x| buf[(x, y)].symbol() == "┌")
                .map(|x| (x, y))
        })
        .expect("the help box");
    let bottom = (top..24)
        .find(|&y| buf[(x, y)].symbol() == "└")
        .expect("the help box's bottom");
    for y in top..=bottom {
        let left = buf[(x - 1, y)].symbol();
        assert!(
            volc_im::tui::text::width(left) <= 1,
            "row {y}: {left:?} would cover the border"
        );
    }
}

#[test]
fn a_slow_call_is_shown_in_the_status_bar() {
    use volc_im::api::calls::Waiting;
    let messages = (1..=5).map(fixtures::message).collect();
    let (mut app, _) = open_showing(messages, true, 120, 10);
    app.update(Action::Waiting(Some(Waiting {
        action: "GetConversationMessages".into(),
        seconds: 14,
        attempt: 2,
        max_attempts: 5,
        retry_in: None,
        queued: false,
    })));
    let screen = lines(&draw(&mut app, 120, 10)).join("\n");
    assert!(
        screen.contains("waiting for the server · 14 s · attempt 2 of 5"),
        "{screen}"
    );
    app.update(Action::Waiting(None));
    let screen = lines(&draw(&mut app, 120, 10)).join("\n");
    assert!(!screen.contains("waiting for the server"), "{screen}");
}
