//! The browser's command line without a terminal.

use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_volc-im");

#[test]
fn without_a_terminal_the_browser_points_to_export() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("--demo")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        "volc-im: volc-im needs a terminal; for scripts use `volc-im export`"
    );
    assert!(out.stdout.is_empty());
}
