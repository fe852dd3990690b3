//! `volc-im search` and `volc-im export --offline`, the real binary over a real
//! archive filled by `volc-im sync --demo`.

mod common;
mod tui_support;

use std::path::{Path, PathBuf};

use common::{Ran, demo_messages, run, volc_im, words};
use tui_support::run_in_terminal;
use volc_im::demo::{DEMO_DIRECT, DEMO_GROUP, DEMO_LIVE};
use volc_im::export::Format;

/// A home directory with the demo app synced into an archive file.
struct Synced {
    home: tempfile::TempDir,
    archive: PathBuf,
}

async fn synced() -> Synced {
    let home = tempfile::tempdir().unwrap();
    let archive = home.path().join("archive.sqlite3");
    let ran = cli(
        home.path(),
        &["sync", "--demo", "--all", "--archive", path(&archive)],
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    Synced { home, archive }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

async fn cli(home: &Path, args: &[&str]) -> Ran {
    let mut cmd = volc_im(home);
    cmd.env("TZ", "UTC");
    run(&mut cmd, &words(args)).await
}

impl Synced {
    async fn search(&self, args: &[&str]) -> Ran {
        let mut all = vec!["search", "--demo", "--archive", path(&self.archive)];
        all.extend_from_slice(args);
        cli(self.home.path(), &all).await
    }
}

/// The demo messages whose text holds `word` (case-insensitively), newest first:
/// what a search must find.
fn expected(word: &str, limit: usize) -> Vec<String> {
    let lower = word.to_lowercase();
    let mut found: Vec<(i64, String)> = [DEMO_GROUP, DEMO_DIRECT, DEMO_LIVE]
        .into_iter()
        .flat_map(demo_messages)
        .filter(|m| {
            m.decoded_content()
                .text
                .is_some_and(|t| t.to_lowercase().contains(&lower))
        })
        .map(|m| (m.body.create_time.unwrap(), m.raw_json().to_owned()))
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().take(limit).map(|(_, raw)| raw).collect()
}

#[tokio::test]
async fn json_hits_are_the_raw_messages_byte_for_byte_newest_first() {
    let s = synced().await;
    for (word, limit) in [
        ("直播", 50),
        ("launch", 7),
        ("好", 50),
        ("🚀", 50),
        ("LGTM", 50),
    ] {
        let ran = s
            .search(&["--json", "--limit", &limit.to_string(), word])
            .await;
        assert!(ran.status.success(), "{}", ran.stderr);
        let want = expected(word, limit);
        assert!(!want.is_empty(), "{word} is in the demo data");
        let got: Vec<&str> = ran.stdout.split_terminator('\n').collect();
        assert_eq!(got, want, "{word}");
    }
}

#[tokio::test]
async fn a_person_sees_time_conversation_sender_and_safe_text() {
    let s = synced().await;
    let ran = s.search(&["--limit", "3", "BUILD FAILED"]).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", ran.stdout);
    let line = lines[0];
    assert!(line.starts_with("2025-05-"), "{line}");
    assert!(line.contains("Launch crew 🚀 发布筹备"), "{line}");
    assert!(line.contains("CI 机器人 🤖"), "{line}");
    assert!(line.contains("BUILD FAILED"), "{line}");
    assert!(
        !ran.stdout.contains(|c: char| c.is_control() && c != '\n'),
        "no control character reaches the terminal: {:?}",
        ran.stdout
    );

    let none = s.search(&["no-such-words-anywhere"]).await;
    assert!(none.status.success());
    assert!(none.stdout.is_empty());
    assert!(
        none.stderr.contains("no archived message matches"),
        "{}",
        none.stderr
    );
}

#[tokio::test]
async fn filters_reach_the_search() {
    let s = synced().await;
    let count = |ran: &Ran| ran.stdout.lines().count();
    let all = s.search(&["--json", "666"]).await;
    assert!(count(&all) > 3);
    let live_only = s
        .search(&["--json", "--conversation", &DEMO_GROUP.to_string(), "666"])
        .await;
    assert_eq!(count(&live_only), 0, "666 is said in the live group only");
    let by_name = s
        .search(&["--conversation", "demo-live", "--limit", "2", "666"])
        .await;
    assert_eq!(count(&by_name), 2, "{}", by_name.stderr);
    let from = s.search(&["--json", "--from", "1880000006", "666"]).await;
    assert!(count(&from) >= 1 && count(&from) < count(&all));
    assert!(
        from.stdout
            .lines()
            .all(|l| l.contains("\"Sender\":1880000006"))
    );
    let typed = s.search(&["--json", "--type", "custom", "poll"]).await;
    assert!(
        typed
            .stdout
            .lines()
            .all(|l| l.contains("\"MsgType\":10012"))
    );
    let day = s
        .search(&[
            "--json",
            "--since",
            "2025-05-15",
            "--until",
            "2025-05-15",
            "launch",
        ])
        .await;
    assert!(count(&day) >= 1, "{}", day.stderr);
    let later = s
        .search(&["--json", "--since", "2030-01-01", "launch"])
        .await;
    assert_eq!(count(&later), 0);
}

#[tokio::test]
async fn bad_arguments_and_a_missing_archive_say_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("none.sqlite3");
    let ran = cli(home.path(), &["search", "--archive", path(&missing), "x"]).await;
    assert!(!ran.status.success());
    assert!(
        ran.stderr.contains("no archive at") && ran.stderr.contains("volc-im sync"),
        "{}",
        ran.stderr
    );
    assert!(!missing.exists(), "a search never creates an archive");
    for (args, says) in [
        (vec!["search", "--since", "someday", "x"], "not a date"),
        (vec!["search", "--type", "gif", "x"], "not a message type"),
        (vec!["search", "--limit", "0", "x"], "--limit"),
    ] {
        let ran = cli(home.path(), &args).await;
        assert!(!ran.status.success(), "{args:?}");
        assert!(ran.stderr.contains(says), "{args:?}: {}", ran.stderr);
    }
}

async fn export(
    home: &Path,
    archive: &Path,
    conversation: &str,
    format: Format,
    offline: bool,
    newest_first: bool,
) -> Ran {
    let mut args = vec![
        "export",
        "--demo",
        "--conversation",
        conversation,
        "--format",
        format.name(),
    ];
    if newest_first {
        args.push("--newest-first");
    }
    if offline {
        args.extend(["--offline", "--archive", path(archive)]);
    } else {
        args.push("--no-archive");
    }
    cli(home, &args).await
}

#[tokio::test]
async fn an_offline_export_equals_the_online_one_in_every_format() {
    let s = synced().await;
    for (conversation, newest_first) in [
        ("demo-group", false),
        ("demo-direct", true),
        ("demo-live", true),
    ] {
        for format in Format::ALL {
            let online = export(
                s.home.path(),
                &s.archive,
                conversation,
                format,
                false,
                newest_first,
            )
            .await;
            let offline = export(
                s.home.path(),
                &s.archive,
                conversation,
                format,
                true,
                newest_first,
            )
            .await;
            assert!(online.status.success(), "{}", online.stderr);
            assert!(offline.status.success(), "{}", offline.stderr);
            assert!(
                online.stdout == offline.stdout,
                "{conversation} {format}: the offline export differs"
            );
            assert!(!offline.stderr.contains("warning"), "{}", offline.stderr);
        }
    }
}

#[tokio::test]
async fn an_offline_export_warns_when_the_archive_lacks_the_beginning() {
    let home = tempfile::tempdir().unwrap();
    let archive = home.path().join("part.sqlite3");
    let partial = cli(
        home.path(),
        &[
            "export",
            "--demo",
            "--conversation",
            "demo-group",
            "--newest-first",
            "--max-messages",
            "40",
            "--archive",
            path(&archive),
            "--output",
            path(&home.path().join("newest.jsonl")),
        ],
    )
    .await;
    assert!(partial.status.success(), "{}", partial.stderr);
    let offline = export(
        home.path(),
        &archive,
        "demo-group",
        Format::Jsonl,
        true,
        false,
    )
    .await;
    assert!(offline.status.success(), "{}", offline.stderr);
    assert!(
        offline.stderr.contains("does not reach the beginning"),
        "{}",
        offline.stderr
    );
    let lines = offline.stdout.lines().count();
    assert!(
        (40..=60).contains(&lines),
        "what was archived: {lines} messages"
    );

    let never = export(
        home.path(),
        &archive,
        "demo-direct",
        Format::Jsonl,
        true,
        false,
    )
    .await;
    assert!(
        never.stderr.contains("holds no message"),
        "{}",
        never.stderr
    );
}

#[tokio::test]
async fn on_a_terminal_the_matches_are_highlighted_and_nothing_else_escapes() {
    let s = synced().await;
    let args = [
        "search",
        "--demo",
        "--archive",
        path(&s.archive),
        "\"build failed\"",
    ];
    let shown = run_in_terminal(&args, s.home.path(), 200, &[]);
    assert_eq!(shown.code, 0);
    let text = shown.text;
    assert!(
        text.contains("\u{1b}[7mBUILD FAILED\u{1b}[27m"),
        "the match is in reverse video: {text:?}"
    );
    let escapes = text.matches('\u{1b}').count();
    assert_eq!(escapes, 2, "only the highlight's own escapes: {text:?}");
}
