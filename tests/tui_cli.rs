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

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn completions_for_every_shell_name_the_commands_and_flags() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef volc-im"),
        ("fish", "complete -c volc-im"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer"),
    ] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {marker} missing");
        for word in ["export", "conversation", "from-start"] {
            assert!(script.contains(word), "{shell}: {word} missing");
        }
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values"));
}

#[test]
fn the_man_page_describes_the_browser_and_its_commands() {
    let out = run(&["man"]);
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH volc-im 1"),
        "{page}"
    );
    assert!(page.contains(".TH volc-im 1"));
    assert!(page.contains("conversation browser"));
    assert!(page.contains("export"));
    assert!(page.contains("completions"));
}
