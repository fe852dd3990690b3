//! `volc-im sync` in a terminal against a server that takes requests and never
//! answers: the progress line says so within seconds instead of a bare "starting".

mod tui_support;

use std::time::Duration;

use tui_support::{Tui, silent_server};

#[test]
fn a_sync_from_a_server_that_never_answers_is_shown_waiting() {
    let endpoint = silent_server();
    let home = tempfile::tempdir().unwrap();
    let archive = home.path().join("archive.sqlite3");
    let sync = Tui::start(
        &[
            "sync",
            "--endpoint",
            &endpoint,
            "--app-id",
            "1",
            "--conversation",
            "9",
            "--archive",
            archive.to_str().unwrap(),
        ],
        home.path(),
    );
    let shown = sync.wait_for("waiting for the server · 1 s · attempt 1 of ");
    assert!(shown < Duration::from_secs(4), "shown after {shown:?}");
}
