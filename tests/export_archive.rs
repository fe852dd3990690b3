//! An export keeps every page it fetched in the archive, also when it is stopped:
//! the pages handed to the archive's writer are written before the process ends.

mod common;

use std::time::Duration;

use common::*;
use volc_im::archive::Archive;
use volc_im::demo::{DEMO_APP_ID, DEMO_GROUP, DemoOptions, DemoServer};
use volc_im::model::{AppId, ConversationId};

/// The raw JSON of every archived message of the demo group.
fn archived(home: &std::path::Path) -> Vec<String> {
    let archive = Archive::open_read_only(&home.join("data/volc-im/archive.sqlite3")).unwrap();
    archive
        .messages(AppId(DEMO_APP_ID), ConversationId(DEMO_GROUP))
        .unwrap()
        .into_iter()
        .map(|m| m.message.raw_json().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_stopped_by_a_signal_has_archived_every_message_it_wrote() {
    let server = DemoServer::start(DemoOptions {
        latency: Duration::from_millis(100),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        let home = tempfile::tempdir().unwrap();
        let out = home.path().join("group.jsonl");
        let ran = export_stopped_by(&server.endpoint(), home.path(), &out, signal, 40).await;
        assert!(!ran.status.success(), "stopped by signal {signal}");
        let stderr = String::from_utf8_lossy(&ran.stderr);
        assert!(!stderr.contains("into the archive failed"), "{stderr}");
        let written = std::fs::read_to_string(&out).unwrap();
        let written = jsonl_lines(&written);
        let kept = archived(home.path());
        assert!(written.len() >= 40, "signal {signal}");
        for line in &written {
            assert!(
                kept.iter().any(|raw| raw == line),
                "signal {signal}: written but not archived: {line}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_that_finishes_has_archived_the_whole_conversation() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("group.jsonl");
    let mut args = export_from(&server.endpoint(), &[DEMO_GROUP]);
    args.extend(words(&["--output", out.to_str().unwrap()]));
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let mut kept = archived(home.path());
    let mut all: Vec<String> = demo_raw(DEMO_GROUP).iter().map(|r| r.to_string()).collect();
    kept.sort();
    all.sort();
    assert_eq!(kept, all);
}
