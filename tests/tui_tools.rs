//! The reader's tools, end to end in a pseudo-terminal: copying through the
//! terminal (OSC 52), the pager with the terminal handed over and taken back, a
//! remapped key, and the help overlay on a small terminal.

mod tui_support;

use base64::Engine;
use tui_support::{Tui, contains, group_newest_first, recognisable};
use volc_im::demo::DEMO_GROUP;

fn open_demo(home: &std::path::Path, size: (u16, u16), env: &[(&str, &str)]) -> (Tui, String) {
    let group = DEMO_GROUP.to_string();
    let tui = Tui::start_with(&["--demo", "--conversation", &group], home, size, env);
    let seen = recognisable(&group_newest_first()[0].decoded_content().summary());
    tui.wait_for(&seen);
    (tui, seen)
}

/// The payloads of the OSC 52 sequences in the output, decoded.
fn osc52_payloads(out: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(out);
    text.split("\x1b]52;")
        .skip(1)
        .filter_map(|rest| {
            let (_, rest) = rest.split_once(';')?;
            let end = rest.find(['\x07', '\x1b'])?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&rest[..end])
                .ok()?;
            String::from_utf8(bytes).ok()
        })
        .collect()
}

#[test]
fn y_copies_the_message_text_through_the_terminal_and_says_so() {
    let home = tempfile::tempdir().unwrap();
    let (mut tui, _) = open_demo(home.path(), (140, 40), &[]);
    let newest = &group_newest_first()[0];
    let before = tui.output_len();
    tui.send("y");
    tui.wait_for("copied the message's text");
    let copied = osc52_payloads(&tui.output_since(before));
    assert_eq!(copied, vec![newest.decoded_content().summary()]);
    let before = tui.output_len();
    tui.send("Y");
    tui.wait_for("copied the message's raw JSON");
    let copied = osc52_payloads(&tui.output_since(before));
    assert_eq!(copied, vec![newest.raw_json().to_owned()]);
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn v_hands_the_message_to_the_pager_and_redraws_afterwards() {
    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("pager.sh");
    let saved = home.path().join("paged.txt");
    let modes = home.path().join("modes.txt");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat > '{}'\nstty -a < /dev/tty > '{}'\n",
            saved.display(),
            modes.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let pager = script.to_str().unwrap();
    let (mut tui, seen) = open_demo(home.path(), (140, 40), &[("PAGER", pager)]);
    let newest = &group_newest_first()[0];
    let before = tui.output_len();
    tui.send("v");
    tui.wait_until("the pager saved the message", || {
        std::fs::read_to_string(&modes).is_ok_and(|m| !m.is_empty())
    });
    let paged = std::fs::read_to_string(&saved).unwrap();
    let id = newest.id().unwrap().0.to_string();
    assert!(paged.contains(&id), "{paged}");
    assert!(
        paged.contains(&newest.decoded_content().summary()),
        "{paged}"
    );
    let modes = std::fs::read_to_string(&modes).unwrap();
    assert!(
        modes.contains(" icanon") && modes.contains(" echo"),
        "the pager gets a cooked terminal: {modes}"
    );
    // Taken back: the full screen again, drawn whole.
    tui.wait_until("the browser's screen again", || {
        let out = tui.output_since(before);
        contains(&out, b"\x1b[?1049l") && contains(&out, b"\x1b[?1049h")
    });
    tui.wait_for(&seen);
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn a_pager_that_does_not_start_is_a_notice() {
    let home = tempfile::tempdir().unwrap();
    let (mut tui, seen) = open_demo(
        home.path(),
        (140, 40),
        &[("PAGER", "/nonexistent/pager-of-nowhere")],
    );
    tui.send("v");
    tui.wait_for("could not start the pager");
    tui.wait_for(&seen);
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn a_remapped_quit_key_quits_and_the_old_one_does_not() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("xdg_config_home/volc-im");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[keys]\nquit = [\"ctrl-q\"]\nhelp = [\"h\"]\n",
    )
    .unwrap();
    let (mut tui, _) = open_demo(home.path(), (140, 40), &[]);
    tui.wait_for("h help");
    tui.send("q");
    tui.send("h");
    tui.wait_for("quit (Ctrl-c always quits)");
    assert!(tui.contents().contains("Ctrl-q"), "{}", tui.contents());
    tui.send("\u{1b}");
    tui.wait_until("help closed", || !tui.contents().contains("Ctrl-c always"));
    tui.send("\u{11}");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn help_scrolls_on_a_small_terminal_and_q_closes_it() {
    let home = tempfile::tempdir().unwrap();
    let (mut tui, _) = open_demo(home.path(), (40, 12), &[]);
    tui.send("?");
    tui.wait_for("Keys ↓");
    let first = tui.contents();
    assert!(first.contains("next message"), "{first}");
    for _ in 0..40 {
        tui.send("j");
    }
    tui.wait_for("Keys ↑");
    tui.wait_until("the end of the help", || {
        let s = tui.contents();
        s.contains("mouse") && !s.contains("next message")
    });
    tui.send("q");
    tui.wait_until("help closed", || !tui.contents().contains("Keys"));
    // Still running: q closed the help, it did not quit.
    assert!(tui.process_state() != 'Z');
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn at_80x24_the_selected_messages_text_is_on_screen_twice_list_and_detail() {
    let home = tempfile::tempdir().unwrap();
    let (mut tui, seen) = open_demo(home.path(), (80, 24), &[]);
    tui.wait_until("the text in the detail pane too", || {
        tui.contents().matches(&seen).count() >= 2
    });
    let screen = tui.contents();
    let detail = &screen[screen.find("┌ Message").expect("a detail pane")..];
    assert!(detail.contains(&seen), "{screen}");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}
