//! Signals and suspend, end to end: each ending signal sent to the real browser gives
//! the terminal back fully (mouse off, main screen, cursor shown, cooked mode) and
//! exits with 128 + the signal; Ctrl-z stops it with the terminal restored, and
//! continuing it redraws the whole screen.

mod tui_support;

use tui_support::{RESTORE_SEQUENCES, Tui, contains, group_newest_first, recognisable};
use volc_im::demo::DEMO_GROUP;

fn open_demo(home: &std::path::Path) -> (Tui, String) {
    let group = DEMO_GROUP.to_string();
    let tui = Tui::start(&["--demo", "--conversation", &group], home);
    let seen = recognisable(&group_newest_first()[0].decoded_content().summary());
    tui.wait_for(&seen);
    (tui, seen)
}

fn assert_restored(tui: &Tui, since: usize) {
    tui.wait_until("the sequences restoring the terminal", || {
        let out = tui.output_since(since);
        RESTORE_SEQUENCES.iter().all(|s| contains(&out, s))
    });
    assert!(tui.terminal_is_cooked(), "raw mode is off");
}

#[test]
fn each_ending_signal_restores_the_terminal_and_exits_128_plus_the_signal() {
    for (sig, code) in [
        (libc::SIGTERM, 143),
        (libc::SIGHUP, 129),
        (libc::SIGINT, 130),
        (libc::SIGQUIT, 131),
    ] {
        let home = tempfile::tempdir().unwrap();
        let (mut tui, _) = open_demo(home.path());
        assert!(!tui.terminal_is_cooked(), "raw mode while browsing");
        let before = tui.output_len();
        tui.signal(sig);
        assert_eq!(tui.wait_exit(), code, "signal {sig}");
        assert_restored(&tui, before);
    }
}

#[test]
fn ctrl_z_suspends_with_the_terminal_restored_and_continuing_redraws() {
    let home = tempfile::tempdir().unwrap();
    let (mut tui, seen) = open_demo(home.path());
    let before = tui.output_len();
    tui.send("\u{1a}");
    tui.wait_until("the browser stopped", || tui.process_state() == 'T');
    assert_restored(&tui, before);

    let before = tui.output_len();
    tui.signal(libc::SIGCONT);
    tui.wait_until("the full screen again", || {
        let out = tui.output_since(before);
        // Alternate screen, cleared, and the messages drawn again.
        contains(&out, b"\x1b[?1049h") && contains(&out, b"\x1b[2J")
    });
    tui.wait_for(&seen);
    assert!(!tui.terminal_is_cooked(), "raw mode again");
    tui.send("j");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn a_stop_signal_from_outside_suspends_the_same_way() {
    let home = tempfile::tempdir().unwrap();
    let (mut tui, seen) = open_demo(home.path());
    let before = tui.output_len();
    tui.signal(libc::SIGTSTP);
    tui.wait_until("the browser stopped", || tui.process_state() == 'T');
    assert_restored(&tui, before);
    tui.signal(libc::SIGCONT);
    tui.wait_for(&seen);
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}
