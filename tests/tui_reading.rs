//! End to end: where each conversation was read, kept by the real binary in the
//! archive, with the demo server as its own process. Waits for text, never sleeps.

mod tui_support;

use tui_support::{DemoProcess, Tui, demo_group, group_newest_first, recognisable};

use volc_im::demo::{DEMO_APP_ID, DEMO_GROUP};

/// The detail pane's line with a message's id: what tells which message is selected.
fn id_line(id: i64) -> String {
    format!("MessageId     {id}")
}

#[test]
fn a_restart_returns_to_the_message_last_read() {
    let demo = DemoProcess::start();
    let home = tempfile::tempdir().unwrap();
    let endpoint = format!("http://127.0.0.1:{}", demo.port);
    let args = demo_group(&["--endpoint", &endpoint]);
    let newest = group_newest_first();
    let mut tui = Tui::start(&args, home.path());
    tui.wait_for(&recognisable(&newest[0].decoded_content().summary()));
    for _ in 0..12 {
        tui.send("k");
    }
    let place = newest[12].id().expect("demo messages have ids").0;
    tui.wait_for(&id_line(place));
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);

    let mut again = Tui::start(&args, home.path());
    let took = again.wait_for(&id_line(place));
    eprintln!("reopened on the last-read message after {took:?}");

    // Stopped by a signal, it keeps the place too.
    again.send("k");
    let place = newest[13].id().unwrap().0;
    again.wait_for(&id_line(place));
    again.signal(libc::SIGTERM);
    assert_eq!(again.wait_exit(), 128 + libc::SIGTERM as u32);
    let last = Tui::start(&args, home.path());
    last.wait_for(&id_line(place));
}

/// The id of the message the detail pane shows.
fn selected_id(tui: &Tui) -> Option<String> {
    tui.contents()
        .lines()
        .find_map(|l| l.split("MessageId").nth(1).map(str::to_owned))
        .and_then(|rest| rest.split_whitespace().next().map(str::to_owned))
}

#[test]
fn switching_conversations_and_back_keeps_the_selection() {
    let home = tempfile::tempdir().unwrap();
    // The built-in demo opens the picker of its conversations.
    let mut tui = Tui::start(&["--demo"], home.path());
    tui.wait_for("Enter opens");
    tui.send("\r");
    tui.wait_until("a message selected", || selected_id(&tui).is_some());
    // Up two messages, each move seen to land.
    let mut place = selected_id(&tui).unwrap();
    for _ in 0..2 {
        let before = place.clone();
        tui.send("k");
        tui.wait_until("the selection to move up", || {
            selected_id(&tui).is_some_and(|id| id != before)
        });
        place = selected_id(&tui).unwrap();
    }
    tui.send("\x1b");
    tui.wait_for("Enter opens");
    tui.send("j\r");
    tui.wait_until("the other conversation", || {
        selected_id(&tui).is_some_and(|id| id != place)
    });
    tui.send("\x1b");
    tui.wait_for("Enter opens");
    tui.send("k\r");
    tui.wait_for(&format!("MessageId     {place}"));
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

/// A word of one of the oldest messages of the demo group found in no other message,
/// and that message's text.
fn word_of_an_old_message() -> (String, String) {
    let messages = group_newest_first();
    let shown = |m: &volc_im::model::Message| m.decoded_content().summary().to_lowercase();
    for (i, m) in messages.iter().enumerate().rev() {
        let text = m.decoded_content().summary();
        for word in text.split(|c: char| !c.is_ascii_alphabetic()) {
            let word = word.to_lowercase();
            let elsewhere = messages
                .iter()
                .enumerate()
                .any(|(j, o)| j != i && shown(o).contains(&word));
            if word.len() >= 7 && !elsewhere {
                return (word, text);
            }
        }
    }
    panic!("the demo group has no word of its own to search for");
}

#[test]
fn a_search_finds_an_archived_message_far_from_the_view_without_paging() {
    let demo = DemoProcess::start();
    let home = tempfile::tempdir().unwrap();
    let endpoint = format!("http://127.0.0.1:{}", demo.port);
    let archive = home.path().join("archive.sqlite3");
    let archive = archive.to_str().unwrap();
    let (app, group) = (DEMO_APP_ID.to_string(), DEMO_GROUP.to_string());
    let synced = std::process::Command::new(tui_support::BIN)
        .args(["sync", "--endpoint", &endpoint, "--app-id", &app])
        .args(["--archive", archive, "--conversation", &group])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("VOLC_ACCESSKEY", volc_im::demo::DEMO_ACCESS_KEY)
        .env("VOLC_SECRETKEY", volc_im::demo::DEMO_SECRET_KEY)
        .output()
        .expect("sync runs");
    assert!(
        synced.status.success(),
        "{}",
        String::from_utf8_lossy(&synced.stderr)
    );
    let synced_pages = demo.logged("GetConversationMessages").len();

    let args = demo_group(&["--endpoint", &endpoint, "--archive", archive]);
    let mut tui = Tui::start(&args, home.path());
    let newest = group_newest_first();
    tui.wait_for(&recognisable(&newest[0].decoded_content().summary()));
    let (word, text) = word_of_an_old_message();
    tui.send("/");
    tui.wait_for("Enter searches");
    tui.send(&word);
    tui.send("\r");
    let seen = recognisable(&text);
    tui.wait_until(&format!("{seen:?} selected and \"match 1/1\""), || {
        let screen = tui.contents();
        screen.contains("match 1/1") && screen.contains(&seen)
    });
    // Only the check for newer messages asked the server for history.
    let asked = demo.logged("GetConversationMessages").len() - synced_pages;
    assert!(asked <= 1, "{asked} pages fetched");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}
