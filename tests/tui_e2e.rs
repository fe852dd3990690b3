//! End to end: the real `volc-im` binary in a pseudo-terminal, reading the demo data
//! from a demo server running as its own process. Waits for text on screen with a
//! deadline, never with fixed sleeps.

mod tui_support;

use std::time::Duration;
use tui_support::{
    DemoProcess, Tui, contains, demo_group, group_newest_first, recognisable, silent_server,
};

use volc_im::demo::{DEMO_GROUP, demo_data};

#[test]
fn browses_the_demo_group_pages_back_and_quits_cleanly() {
    let demo = DemoProcess::start();
    let home = tempfile::tempdir().unwrap();
    let endpoint = format!("http://127.0.0.1:{}", demo.port);
    let mut tui = Tui::start(&demo_group(&["--endpoint", &endpoint]), home.path());

    // It opens on the newest message.
    let newest = group_newest_first();
    let newest_text = newest[0].decoded_content().summary();
    let first_frame = tui.wait_for(&recognisable(&newest_text));
    eprintln!("first frame with the newest message after {first_frame:?}");

    // The first page asks for the newest messages.
    tui.wait_until("the first GetConversationMessages", || {
        !demo.bodies("GetConversationMessages").is_empty()
    });
    let first = &demo.bodies("GetConversationMessages")[0];
    assert_eq!(
        (&first["Cursor"], &first["Reverse"]),
        (&i64::MAX.into(), &1.into())
    );

    // Moving up past the top asks for the page before, from the NewCursor of the
    // answer that came before it, as the server logged both.
    tui.send("g");
    for _ in 0..5 {
        tui.send("k");
    }
    tui.wait_until("a third GetConversationMessages", || {
        demo.logged("GetConversationMessages").len() >= 3
    });
    let pages = demo.logged("GetConversationMessages");
    for (i, pair) in pages.windows(2).enumerate() {
        let new_cursor = &pair[0]["new_cursor"];
        assert!(new_cursor.is_i64(), "answer {i} had a NewCursor: {pages:?}");
        assert_eq!(
            &pair[1]["body"]["Cursor"],
            new_cursor,
            "request {} starts at the NewCursor of answer {i}: {pages:?}",
            i + 1
        );
        assert_eq!(pair[1]["body"]["Reverse"], 1);
    }

    // A reply shows its quoted hint.
    tui.wait_for("↪");
    tui.wait_until("display names asked for", || {
        !demo.bodies("BatchGetUser").is_empty()
    });

    tui.send("q");
    assert_eq!(tui.wait_exit(), 0, "q exits with status 0");
    // The terminal is restored: main screen, cursor shown. (The reader may still be
    // draining the last bytes the browser wrote, hence the wait.)
    tui.wait_until("the sequences restoring the terminal", || {
        let out = tui.raw_output();
        contains(&out, b"\x1b[?1049l") && contains(&out, b"\x1b[?25h")
    });
    assert!(contains(&tui.raw_output(), b"\x1b[?1049h"));
}

#[test]
fn demo_mode_opens_on_its_own_and_times_the_first_frame() {
    let home = tempfile::tempdir().unwrap();
    let group = DEMO_GROUP.to_string();
    let mut tui = Tui::start(&["--demo", "--conversation", &group], home.path());
    let newest = group_newest_first();
    let text = newest[0].decoded_content().summary();
    let first_frame = tui.wait_for(&recognisable(&text));
    eprintln!("demo mode: first full frame after {first_frame:?}");
    tui.wait_for("DEMO");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

/// A word of an older message (not among the newest 60, within the search's reach)
/// that no newer message shows, by text, quote or sender; and that message's text.
fn word_from_an_older_page() -> (String, String) {
    let newest = group_newest_first();
    let data = demo_data();
    let shown = |m: &volc_im::model::Message| {
        let name = m
            .body
            .sender
            .and_then(|u| data.user(u))
            .and_then(|u| u.nick_name.clone())
            .unwrap_or_default();
        let hint = m
            .body
            .ref_msg_info
            .as_ref()
            .map(|r| r.hint.clone())
            .unwrap_or_default();
        format!("{} {name} {hint}", m.decoded_content().summary()).to_lowercase()
    };
    for i in 60..300 {
        let text = newest[i].decoded_content().summary();
        for word in text.split(|c: char| !c.is_ascii_alphabetic()) {
            let word = word.to_lowercase();
            if word.len() >= 7 && !newest[..i].iter().any(|m| shown(m).contains(&word)) {
                return (word, text);
            }
        }
    }
    panic!("the demo group has no word to search for");
}

#[test]
fn a_search_finds_a_message_pages_back_while_the_screen_stays_live() {
    let home = tempfile::tempdir().unwrap();
    let group = DEMO_GROUP.to_string();
    let mut tui = Tui::start(&["--demo", "--conversation", &group], home.path());
    let newest = group_newest_first();
    tui.wait_for(&recognisable(&newest[0].decoded_content().summary()));
    let (word, text) = word_from_an_older_page();
    eprintln!("searching for {word:?}, in {text:?}");
    tui.send("/");
    tui.wait_for("Enter searches");
    tui.send(&word);
    tui.wait_for(&format!("/{word}"));
    tui.send("\r");
    let seen = recognisable(&text);
    tui.wait_until(&format!("{seen:?} selected and \"match 1/\""), || {
        let screen = tui.contents();
        screen.contains("match 1/")
            && screen
                .lines()
                .any(|l| l.starts_with('▌') && l.contains(&seen))
    });
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn a_server_that_never_answers_is_shown_waiting_in_the_browser_and_the_export() {
    let endpoint = silent_server();
    let home = tempfile::tempdir().unwrap();
    let mut tui = Tui::start(
        &[
            "--endpoint",
            &endpoint,
            "--app-id",
            "1",
            "--conversation",
            "9",
        ],
        home.path(),
    );
    let shown = tui.wait_for("waiting for the server · 1 s · attempt 1 of 5");
    assert!(shown < Duration::from_secs(3), "shown after {shown:?}");
    tui.wait_for("waiting for the server · 2 s");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);

    let out = home.path().join("out.jsonl");
    let export = Tui::start(
        &[
            "export",
            "--endpoint",
            &endpoint,
            "--app-id",
            "1",
            "--conversation",
            "9",
            "--output",
            out.to_str().unwrap(),
        ],
        home.path(),
    );
    let shown = export.wait_for("waiting for the server · 1 s · attempt 1 of 5");
    assert!(shown < Duration::from_secs(3), "shown after {shown:?}");
}
