//! The layout on small terminals and the quote rows: at 80×24 the detail pane shows
//! the selected message's text first; a reply's quote sits on its header row, named
//! with the quoted sender when that message is known.

use serde_json::json;
use volc_im::tui::fixtures::{self, draw, key, names_loaded, open_showing, screen_lines};

fn long_text() -> String {
    "The launch checklist is final: staging is green, the rollback plan is written down, \
     and every owner has signed off."
        .to_owned()
}

#[test]
fn at_80x24_the_selected_messages_text_is_in_the_detail_pane_without_scrolling() {
    let mut messages: Vec<_> = (1..=6).map(fixtures::message).collect();
    messages.push(fixtures::text_message(7, &long_text()));
    let (mut app, _) = open_showing(messages, false, 80, 24);
    let t = draw(&mut app, 80, 24);
    insta::assert_snapshot!("layout_80x24", t.backend());
    let rows = screen_lines(t.backend().buffer());
    let detail_top = rows
        .iter()
        .position(|r| r.starts_with("┌ Message"))
        .unwrap();
    let detail = rows[detail_top..].join("\n");
    assert!(detail.contains("The launch checklist is final"), "{detail}");
    assert!(detail.contains("every owner has signed off"), "{detail}");
    // The fields come after it.
    let text_at = detail.find("The launch").unwrap();
    let id_at = detail.find("── Message ──").unwrap();
    assert!(text_at < id_at, "{detail}");
}

#[test]
fn a_wide_terminal_keeps_the_fields_first() {
    let messages = vec![fixtures::text_message(1, &long_text())];
    let (mut app, _) = open_showing(messages, false, 160, 45);
    let rows = screen_lines(draw(&mut app, 160, 45).backend().buffer()).join("\n");
    assert!(rows.find("MessageId").unwrap() < rows.find("The launch").unwrap());
}

#[test]
fn a_replys_quote_is_on_its_header_row_and_names_the_quoted_sender() {
    let messages = vec![
        fixtures::text_message(1, "can we ship on friday?"),
        fixtures::text_message(2, "unrelated"),
        fixtures::message_with(
            3,
            json!({"Content": json!({"text": "yes, friday works"}).to_string(),
                "RefMsgInfo": {"ReferencedMessageId": fixtures::id(1).0, "Hint": "can we ship on friday?",
                    "ReferencedMessageType": 10001, "Status": 0}}),
        ),
        fixtures::message_with(
            4,
            json!({"RefMsgInfo": {"ReferencedMessageId": fixtures::id(999).0, "Hint": "something older",
                "ReferencedMessageType": 10001, "Status": 0}}),
        ),
    ];
    let (mut app, _) = open_showing(messages, false, 100, 14);
    app.update(names_loaded(&[
        (fixtures::SENDERS[1], "Alice"),
        (fixtures::SENDERS[0], "Bob"),
        (fixtures::SENDERS[2], "Carol"),
    ]));
    app.update(key('d'));
    let t = draw(&mut app, 100, 14);
    insta::assert_snapshot!("quote_rows", t.backend());
    let rows = screen_lines(t.backend().buffer());
    let quote = rows
        .iter()
        .position(|r| r.contains("┃ ↪ Alice: can we ship on friday?"))
        .unwrap_or_else(|| panic!("{rows:#?}"));
    assert!(
        rows[quote].contains("09:03 Bob"),
        "the reply's header: {rows:#?}"
    );
    assert!(rows[quote + 1].contains("yes, friday works"), "{rows:#?}");
    assert!(!rows[quote + 1].contains("09:03"), "{rows:#?}");
    // A quote of a message not loaded has no name to give.
    assert!(
        rows.iter()
            .any(|r| r.contains("09:04 Alice") && r.contains("┃ ↪ something older")),
        "{rows:#?}"
    );
}

#[test]
fn w_wraps_long_messages_over_several_rows_and_back() {
    let mut messages: Vec<_> = (1..=3).map(fixtures::message).collect();
    messages.push(fixtures::text_message(4, &long_text()));
    messages.push(fixtures::message(5));
    let (mut app, _) = open_showing(messages, false, 80, 24);
    app.update(key('d'));
    app.update(key('k'));
    let one_row = screen_lines(draw(&mut app, 80, 24).backend().buffer());
    assert!(
        !one_row
            .iter()
            .any(|r| r.contains("every owner has signed off"))
    );
    app.update(key('w'));
    let t = draw(&mut app, 80, 24);
    insta::assert_snapshot!("wrapped_80x24", t.backend());
    let rows = screen_lines(t.backend().buffer());
    let first = rows.iter().position(|r| r.contains("09:04")).unwrap();
    let next = rows.iter().position(|r| r.contains("09:05")).unwrap();
    assert!(next - first >= 2, "several rows: {rows:#?}");
    let text: Vec<String> = rows[first..next]
        .iter()
        .map(|r| r.chars().skip(22).collect::<String>().trim().to_owned())
        .collect();
    assert!(
        text.join(" ").ends_with("every owner has signed off."),
        "{rows:#?}"
    );
    // The selection mark covers every row of the selected message.
    assert!(
        rows[first..next].iter().all(|r| r.starts_with('▌')),
        "{rows:#?}"
    );
    app.update(key('j'));
    app.update(key('w'));
    let rows = screen_lines(draw(&mut app, 80, 24).backend().buffer());
    assert!(
        !rows
            .iter()
            .any(|r| r.contains("every owner has signed off"))
    );
}
