//! End to end: the real browser in a pseudo-terminal against a demo server that
//! grows (`--grow-every-ms`): new messages appear by themselves at the newest, a
//! reader scrolled up keeps their place and is told how many arrived, and `t` goes to
//! a day. Waits for text, never fixed sleeps.

mod tui_support;

use std::path::{Path, PathBuf};

use tui_support::{DemoProcess, Tui, demo_group};

/// A config file that looks for new messages every 300 ms.
fn fast_follow(home: &Path) -> PathBuf {
    let path = home.join("follow.toml");
    std::fs::write(&path, "follow_interval_ms = 300\n").unwrap();
    path
}

/// The browser on the demo group of a demo server that grows every `grow_ms`.
fn browse_growing(grow_ms: &str, home: &Path) -> (DemoProcess, Tui) {
    let demo = DemoProcess::start_with(&["--grow-every-ms", grow_ms]);
    let endpoint = format!("http://127.0.0.1:{}", demo.port);
    let config = fast_follow(home);
    let tui = Tui::start(
        &demo_group(&[
            "--config",
            config.to_str().unwrap(),
            "--endpoint",
            &endpoint,
        ]),
        home,
    );
    (demo, tui)
}

/// The detail pane's `Index` of the selected message.
fn selected_index(tui: &Tui) -> Option<i64> {
    tui.contents().lines().find_map(|l| {
        let rest = l.split("│Index").nth(1)?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

#[test]
fn at_the_newest_message_new_ones_appear_and_are_followed() {
    let home = tempfile::tempdir().unwrap();
    let (_demo, mut tui) = browse_growing("200", home.path());
    tui.wait_until("the newest message selected", || {
        selected_index(&tui).is_some_and(|i| i >= 591)
    });
    let opened_at = selected_index(&tui).unwrap();
    tui.wait_until("a newer message, followed", || {
        selected_index(&tui).is_some_and(|i| i > opened_at + 1)
    });
    assert!(!tui.contents().contains("to jump"), "{}", tui.contents());
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn scrolled_up_the_selection_stays_and_a_bar_counts_new_messages() {
    let home = tempfile::tempdir().unwrap();
    let (_demo, mut tui) = browse_growing("200", home.path());
    tui.wait_until("the newest message selected", || {
        selected_index(&tui).is_some_and(|i| i >= 591)
    });
    let newest = selected_index(&tui).unwrap();
    tui.send("kkk");
    let target = newest - 3;
    tui.wait_until("three messages up", || selected_index(&tui) == Some(target));
    tui.wait_for("to jump");
    let screen = tui.contents();
    assert!(
        screen.contains("new message") && screen.contains("G to jump"),
        "{screen}"
    );
    assert_eq!(selected_index(&tui), Some(target), "the selection stays");
    assert!(
        screen.lines().any(|l| l.starts_with('▌')),
        "the selected row is on screen:\n{screen}"
    );
    // G goes to the newest, past what arrived, and the bar goes.
    tui.send("G");
    tui.wait_until("the newest selected again", || {
        selected_index(&tui).is_some_and(|i| i > newest)
    });
    tui.wait_until("the bar gone", || !tui.contents().contains("to jump"));
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn t_goes_to_the_first_message_of_a_day() {
    let home = tempfile::tempdir().unwrap();
    let (_demo, mut tui) = browse_growing("60000", home.path());
    tui.wait_until("the newest message selected", || {
        selected_index(&tui).is_some_and(|i| i >= 591)
    });
    tui.send("t");
    tui.wait_for("go to:");
    tui.send("2025-05-13\r");
    // The first message of that day (UTC in the harness) is the 189th.
    tui.wait_until("the first message of 2025-05-13", || {
        selected_index(&tui) == Some(189)
    });
    assert!(tui.contents().contains("2025-05-13"), "{}", tui.contents());
    // A time that is not one says so and goes nowhere.
    tui.send("t");
    tui.wait_for("go to:");
    tui.send("someday\r");
    tui.wait_for("is not a time");
    assert_eq!(selected_index(&tui), Some(189));
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}
