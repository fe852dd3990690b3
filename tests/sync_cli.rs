//! `volc-im sync` as a user runs it: a real subprocess against the demo server, the
//! archive a real SQLite file in a temp dir, compared byte for byte with the demo data.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use volc_im::demo::{DEMO_APP_ID, DEMO_DIRECT, DEMO_GROUP, DEMO_LIVE, DemoOptions, DemoServer};

const ALL: [i64; 3] = [DEMO_GROUP, DEMO_DIRECT, DEMO_LIVE];

/// A conversation's archived messages, in order, read with plain SQL as a user would.
fn archived(archive: &Path, conversation: i64) -> Vec<String> {
    if !archive.exists() {
        return Vec::new();
    }
    let conn =
        rusqlite::Connection::open_with_flags(archive, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    // A sync killed before its first commit leaves a file without tables yet.
    let Ok(mut stmt) = conn.prepare(
        "SELECT raw FROM messages WHERE app_id = ?1 AND conversation_id = ?2 ORDER BY idx",
    ) else {
        return Vec::new();
    };
    stmt.query_map([DEMO_APP_ID, conversation], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn assert_exact(archive: &Path, conversations: &[i64]) {
    for &c in conversations {
        let got = archived(archive, c);
        let want = demo_raw(c);
        assert_eq!(got.len(), want.len(), "conversation {c}: message count");
        assert!(got == want, "conversation {c}: raw bytes, in order");
    }
}

fn page_requests(server: &DemoServer) -> u64 {
    server
        .stats()
        .per_action
        .get("GetConversationMessages")
        .copied()
        .unwrap_or(0)
}

fn archive_in(home: &Path) -> PathBuf {
    home.join("archive.sqlite3")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_archives_every_conversation_exactly_and_a_second_costs_one_request_each() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let archive = archive_in(home.path());
    let ran = run(
        &mut volc_im(home.path()),
        &sync_args(&server.endpoint(), &archive, &ALL),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert!(
        ran.stderr.is_empty(),
        "quiet when not a terminal: {}",
        ran.stderr
    );
    assert_exact(&archive, &ALL);
    let first = page_requests(&server);
    let pages: u64 = ALL
        .iter()
        .map(|c| demo_raw(*c).len().div_ceil(20) as u64)
        .sum();
    assert!(
        first <= pages + 3,
        "{first} page requests for {pages} pages"
    );

    let ran = run(
        &mut volc_im(home.path()),
        &sync_args(&server.endpoint(), &archive, &ALL),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_eq!(
        page_requests(&server) - first,
        ALL.len() as u64,
        "nothing new: one page request per conversation"
    );
    assert_exact(&archive, &ALL);

    let conn = rusqlite::Connection::open(&archive).unwrap();
    let names: Vec<(i64, Option<String>, Option<i64>)> = conn
        .prepare("SELECT conversation_id, name, conversation_type FROM conversations ORDER BY conversation_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().all(|(_, name, _)| name.is_some()), "{names:?}");
    assert!(
        names
            .iter()
            .any(|(id, _, t)| *id == DEMO_LIVE && *t == Some(100))
    );
    let named_users: i64 = conn
        .query_row(
            "SELECT count(*) FROM users WHERE nick_name IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(named_users >= 2, "senders' names are kept: {named_users}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_injected_faults_the_archive_is_still_exact() {
    let server = DemoServer::start(DemoOptions {
        fail_rate: 0.25,
        seed: 11,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let archive = archive_in(home.path());
    let mut ok = false;
    // A request may fail even after its retries; the next sync carries on.
    for _ in 0..5 {
        let ran = run(
            &mut volc_im(home.path()),
            &sync_args(&server.endpoint(), &archive, &ALL),
        )
        .await;
        if ran.status.success() {
            ok = true;
            break;
        }
        assert!(ran.stderr.contains("carries on"), "{}", ran.stderr);
    }
    assert!(ok, "a sync completed within five runs");
    assert!(server.stats().faults_injected > 0);
    assert_exact(&archive, &ALL);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_any_point_a_sync_loses_nothing_and_the_next_completes_it_exactly() {
    let server = DemoServer::start(DemoOptions {
        latency: Duration::from_millis(4),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let archive = archive_in(home.path());
    let args = sync_args(&server.endpoint(), &archive, &ALL);
    let mut kills = 0;
    let total: usize = ALL.iter().map(|c| demo_raw(*c).len()).sum();
    let mut partial = Vec::new();
    for delay_ms in [15u64, 40, 70, 110, 160, 230] {
        let mut child = volc_im(home.path())
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        let pid = child.id().expect("running or just ended") as i32;
        // SAFETY: a plain kill(2) of our own child.
        if unsafe { libc::kill(pid, libc::SIGKILL) } == 0 {
            kills += 1;
        }
        let _ = child.wait().await;
        let held: usize = ALL.iter().map(|c| archived(&archive, *c).len()).sum();
        if 0 < held && held < total {
            partial.push(held);
        }
        // Whatever was stored is whole: every archived message is a demo message, once.
        for c in ALL {
            let got = archived(&archive, c);
            let want = demo_raw(c);
            assert!(
                got.iter().all(|raw| want.contains(&raw.as_str())),
                "{c}: only demo messages"
            );
            let mut unique = got.clone();
            unique.dedup();
            assert_eq!(unique.len(), got.len(), "{c}: no duplicates");
        }
    }
    assert!(kills >= 3, "the sync was killed several times ({kills})");
    assert!(
        !partial.is_empty(),
        "at least one kill left the sync mid-way"
    );
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_exact(&archive, &ALL);
    let conn = rusqlite::Connection::open(&archive).unwrap();
    let stretches: i64 = conn
        .query_row("SELECT count(*) FROM coverage", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stretches, 3, "one complete stretch per conversation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_left_by_an_export_and_a_single_call_is_filled_by_the_next_sync() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let archive = archive_in(home.path());
    let archive_flag = words(&["--archive", archive.to_str().unwrap()]);
    // The oldest 100 messages, from an export...
    let mut export = export_from(&server.endpoint(), &[DEMO_GROUP]);
    export.extend(words(&["--max-messages", "100"]));
    export.extend(archive_flag.clone());
    let ran = run(&mut volc_im(home.path()), &export).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    // ...and the newest page, from a single call.
    let body = format!(
        r#"{{"AppId":{DEMO_APP_ID},"ConversationShortId":{DEMO_GROUP},"Cursor":9223372036854775807,"Limit":20,"Reverse":1}}"#
    );
    let mut api = words(&[
        "api",
        "GetConversationMessages",
        "--endpoint",
        &server.endpoint(),
        "--body",
        &body,
    ]);
    api.extend(archive_flag);
    let ran = run(&mut volc_im(home.path()), &api).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let held = archived(&archive, DEMO_GROUP);
    let all = demo_raw(DEMO_GROUP);
    assert_eq!(held.len(), 120, "100 from the export, 20 from the call");
    assert_eq!(held[..100], all[..100]);
    assert_eq!(held[100..], all[all.len() - 20..]);

    let before = page_requests(&server);
    let ran = run(
        &mut volc_im(home.path()),
        &sync_args(&server.endpoint(), &archive, &[DEMO_GROUP]),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_exact(&archive, &[DEMO_GROUP]);
    let gap_pages = (all.len() - 120).div_ceil(20) as u64;
    let spent = page_requests(&server) - before;
    assert!(
        spent <= gap_pages + 2,
        "only the gap is fetched: {spent} page requests for a gap of {gap_pages} pages"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_syncs_at_once_on_one_archive_both_finish_and_the_archive_is_exact() {
    let server = DemoServer::start(DemoOptions {
        latency: Duration::from_millis(10),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let archive = archive_in(home.path());
    let first = volc_im(home.path())
        .args(sync_args(
            &server.endpoint(),
            &archive,
            &[DEMO_GROUP, DEMO_LIVE],
        ))
        .output();
    let second = async {
        // Start once the first holds its locks.
        let locks = home.path().join("archive.sqlite3.locks");
        for _ in 0..500 {
            if locks.exists() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        volc_im(home.path())
            .args(sync_args(
                &server.endpoint(),
                &archive,
                &[DEMO_DIRECT, DEMO_GROUP],
            ))
            .output()
            .await
    };
    let (first, second) = tokio::join!(first, second);
    let (first, second) = (first.unwrap(), second.unwrap());
    let second_err = String::from_utf8_lossy(&second.stderr);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(second.status.success(), "{second_err}");
    assert!(
        second_err.contains("another sync of this conversation is running; waiting"),
        "the second says why it waits: {second_err}"
    );
    assert_exact(&archive, &ALL);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_conversation_fails_the_sync_with_its_code_and_request_id_and_keeps_the_rest() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let archive = archive_in(home.path());
    let ran = run(
        &mut volc_im(home.path()),
        &sync_args(&server.endpoint(), &archive, &[DEMO_DIRECT, 123]),
    )
    .await;
    assert!(!ran.status.success());
    assert!(
        ran.stderr.contains("1 of 2 conversations failed"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("InvalidParameter.NotExistConversation"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("RequestId"), "{}", ran.stderr);
    assert_exact(&archive, &[DEMO_DIRECT]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_an_archive_is_refused_by_name_and_left_as_it_was() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let notes = home.path().join("notes.txt");
    std::fs::write(&notes, "shopping list\n".repeat(50)).unwrap();
    let ran = run(
        &mut volc_im(home.path()),
        &sync_args(&server.endpoint(), &notes, &[DEMO_DIRECT]),
    )
    .await;
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("notes.txt"), "{}", ran.stderr);
    assert!(ran.stderr.contains("move it aside"), "{}", ran.stderr);
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "shopping list\n".repeat(50)
    );
    assert_eq!(
        page_requests(&server),
        0,
        "nothing fetched for an unusable archive"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_keeps_its_own_archive_and_every_command_fills_it() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data/volc-im");
    let ran = run(
        &mut volc_im(home.path()),
        &words(&["export", "--demo", "--conversation", "demo-direct"]),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let demo = data.join("demo-archive.sqlite3");
    assert_exact(&demo, &[DEMO_DIRECT]);
    assert!(
        !data.join("archive.sqlite3").exists(),
        "the real archive is never touched by the demo"
    );

    let ran = run(
        &mut volc_im(home.path()),
        &words(&[
            "export",
            "--demo",
            "--no-archive",
            "--conversation",
            "demo-group",
        ]),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert!(
        archived(&demo, DEMO_GROUP).is_empty(),
        "--no-archive keeps nothing"
    );

    let ran = run(
        &mut volc_im(home.path()),
        &words(&["conversations", "--demo"]),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let conn = rusqlite::Connection::open(&demo).unwrap();
    let named: i64 = conn
        .query_row(
            "SELECT count(*) FROM conversations WHERE name IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(named >= 1, "the listed conversations' names are kept");
    drop(conn);

    let ran = run(
        &mut volc_im(home.path()),
        &words(&["sync", "--demo", "--all"]),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_exact(&demo, &ALL);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_a_sync_saying_so_and_the_next_carries_on() {
    let server = DemoServer::start(DemoOptions {
        latency: Duration::from_millis(15),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let archive = archive_in(home.path());
    let args = sync_args(&server.endpoint(), &archive, &[DEMO_GROUP]);
    let child = volc_im(home.path())
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().unwrap() as i32;
    let started = async {
        while archived(&archive, DEMO_GROUP).is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), started)
        .await
        .expect("the sync stores pages");
    // SAFETY: a plain kill(2) of our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let out = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("terminated: stopped; every page fetched before is archived"),
        "{stderr}"
    );
    let held = archived(&archive, DEMO_GROUP).len();
    assert!(
        held < demo_raw(DEMO_GROUP).len(),
        "stopped mid-way ({held})"
    );
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_exact(&archive, &[DEMO_GROUP]);
}
