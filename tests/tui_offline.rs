//! End to end: the browser on a synced archive with the server gone. `--offline`
//! opens from the archive alone and says `offline`; without it, a server that does
//! not answer shows `offline`, and the marker goes once the server answers again.

mod tui_support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tui_support::{BIN, DemoProcess, Tui, demo_group, group_newest_first, recognisable};
use volc_im::demo::{DEMO_ACCESS_KEY, DEMO_APP_ID, DEMO_DIRECT, DEMO_GROUP, DEMO_SECRET_KEY};

/// An archive in `home` holding `conversations`, synced from a demo server that is
/// gone once this returns.
fn synced_archive(home: &Path, conversations: &[i64]) -> PathBuf {
    let archive = home.join("archive.sqlite3");
    let demo = DemoProcess::start();
    sync_these(
        &format!("http://127.0.0.1:{}", demo.port),
        &archive,
        home,
        conversations,
    );
    archive
}

/// The browser on the demo group of `archive`, with no network at all.
fn offline_group(archive: &Path, home: &Path) -> Tui {
    Tui::start(
        &demo_group(&["--offline", "--archive", archive.to_str().unwrap()]),
        home,
    )
}

/// `volc-im sync` of `conversations` from `endpoint` into `archive`.
fn sync_these(endpoint: &str, archive: &Path, home: &Path, conversations: &[i64]) {
    let mut command = Command::new(BIN);
    command
        .args(["sync", "--endpoint", endpoint, "--app-id"])
        .arg(DEMO_APP_ID.to_string())
        .arg("--archive")
        .arg(archive);
    for conversation in conversations {
        command.arg("--conversation").arg(conversation.to_string());
    }
    let out = command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("VOLC_ACCESSKEY", DEMO_ACCESS_KEY)
        .env("VOLC_SECRETKEY", DEMO_SECRET_KEY)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A port on loopback where nothing listens (yet).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn offline_opens_a_synced_archive_at_once_with_no_server() {
    let home = tempfile::tempdir().unwrap();
    let archive = synced_archive(home.path(), &[DEMO_GROUP]);
    let mut tui = offline_group(&archive, home.path());
    let newest = group_newest_first()[0].decoded_content().summary();
    let first_frame = tui.wait_for(&recognisable(&newest));
    eprintln!("first frame from the archive after {first_frame:?}");
    tui.wait_for(" offline ");
    // Names come from the archive too, and paging back reads it.
    tui.send("g");
    tui.send("kkkkkkkkkkkkkkkkkkkkkkkkk");
    tui.wait_until("older messages read from the archive", || {
        tui.contents().lines().any(|l| {
            l.split("│Index")
                .nth(1)
                .and_then(|r| r.split_whitespace().next()?.parse::<i64>().ok())
                .is_some_and(|i| i < 560)
        })
    });
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn offline_without_an_archive_says_how_to_fill_it() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("none.sqlite3");
    let mut tui = Tui::start(
        &["--offline", "--archive", missing.to_str().unwrap()],
        home.path(),
    );
    tui.wait_for("no archive at");
    assert!(
        tui.contents().contains("volc-im sync"),
        "{}",
        tui.contents()
    );
    assert_ne!(tui.wait_exit(), 0);
}

#[test]
fn a_server_that_does_not_answer_shows_offline_until_it_answers() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("c.toml");
    std::fs::write(&config, "max_attempts = 1\nfollow_interval_ms = 300\n").unwrap();
    let port = closed_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut tui = Tui::start(
        &demo_group(&[
            "--config",
            config.to_str().unwrap(),
            "--endpoint",
            &endpoint,
        ]),
        home.path(),
    );
    tui.wait_for(" offline ");
    // The server comes up where it was expected: the next poll finds it, the marker
    // goes and the history that failed to load is fetched by itself.
    let port = port.to_string();
    let _demo = DemoProcess::start_with(&["--port", &port]);
    let newest = group_newest_first()[0].decoded_content().summary();
    tui.wait_for(&recognisable(&newest));
    tui.wait_until("the marker gone", || !tui.contents().contains(" offline "));
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn with_the_server_down_a_synced_archive_opens_at_once_and_says_offline() {
    let home = tempfile::tempdir().unwrap();
    let archive = synced_archive(home.path(), &[DEMO_GROUP]);
    let config = home.path().join("c.toml");
    std::fs::write(&config, "max_attempts = 1\n").unwrap();
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let mut tui = Tui::start(
        &demo_group(&[
            "--config",
            config.to_str().unwrap(),
            "--archive",
            archive.to_str().unwrap(),
            "--endpoint",
            &endpoint,
        ]),
        home.path(),
    );
    let newest = group_newest_first()[0].decoded_content().summary();
    let first_frame = tui.wait_for(&recognisable(&newest));
    eprintln!("first frame from the archive, server down, after {first_frame:?}");
    tui.wait_for(" offline ");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn s_searches_the_archive_and_opens_a_result_far_back() {
    let home = tempfile::tempdir().unwrap();
    let archive = synced_archive(home.path(), &[DEMO_GROUP]);
    let mut tui = offline_group(&archive, home.path());
    let newest = group_newest_first()[0].decoded_content().summary();
    tui.wait_for(&recognisable(&newest));
    tui.send("S");
    tui.wait_for("search every conversation:");
    tui.send("partner deck freeze\r");
    tui.wait_for("in every conversation · 1 found");
    tui.wait_for("Reminder: partner deck freeze is noon tomorrow");
    tui.send("\r");
    // The conversation opens at that message, the 125th, from the archive.
    tui.wait_until("the result selected", || {
        tui.contents()
            .lines()
            .any(|l| l.contains("│Index") && l.contains(" 125 "))
    });
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn the_picker_shows_what_is_archived_from_its_first_frame() {
    let home = tempfile::tempdir().unwrap();
    let archive = synced_archive(home.path(), &[DEMO_GROUP, DEMO_DIRECT]);
    let app = DEMO_APP_ID.to_string();
    // No conversation named: the picker lists every archived one.
    let tui = Tui::start(
        &[
            "--offline",
            "--archive",
            archive.to_str().unwrap(),
            "--app-id",
            &app,
        ],
        home.path(),
    );
    let archived = group_newest_first().len().to_string();
    let group = DEMO_GROUP.to_string();
    tui.wait_until("the group's archived count in the picker", || {
        tui.contents()
            .lines()
            .any(|l| l.contains(&group) && l.split_whitespace().any(|w| w == archived.as_str()))
    });
}
