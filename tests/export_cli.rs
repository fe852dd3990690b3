//! `volc-im export` as a user runs it: a real subprocess, against the demo server,
//! every output compared message for message with the demo data.

mod common;

use common::*;
use volc_im::demo::{DEMO_APP_ID, DEMO_DIRECT, DEMO_GROUP, DEMO_LIVE, DemoOptions, DemoServer};

/// The demo group, by the name the demo configures for it.
const GROUP_NAME: &str = "demo-group";

fn by_id(server: &DemoServer, conversation: i64) -> Vec<String> {
    export_from(&server.endpoint(), &[conversation])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonl_is_every_raw_message_byte_for_byte_on_stdout_and_in_a_file() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let ran = run(&mut volc_im(home.path()), &by_id(&server, DEMO_GROUP)).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_eq!(jsonl_lines(&ran.stdout), demo_raw(DEMO_GROUP));
    assert!(
        ran.stderr.is_empty(),
        "quiet when stderr is not a terminal: {}",
        ran.stderr
    );

    let file = home.path().join("group.jsonl");
    let mut args = by_id(&server, DEMO_GROUP);
    args.extend(words(&["--output", file.to_str().unwrap()]));
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        ran_stdout_expected(DEMO_GROUP)
    );
}

fn ran_stdout_expected(conversation: i64) -> String {
    demo_raw(conversation)
        .iter()
        .map(|r| format!("{r}\n"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_csv_and_markdown_hold_every_message() {
    let home = tempfile::tempdir().unwrap();
    let raws = demo_raw(DEMO_GROUP);
    for format in ["json", "csv", "markdown"] {
        let file = home.path().join(format!("group.{format}"));
        let args = words(&[
            "export",
            "--demo",
            "--conversation",
            GROUP_NAME,
            "--format",
            format,
            "--output",
            file.to_str().unwrap(),
        ]);
        let ran = run(&mut volc_im(home.path()), &args).await;
        assert!(ran.status.success(), "{format}: {}", ran.stderr);
        let text = std::fs::read_to_string(&file).unwrap();
        match format {
            "json" => assert_eq!(json_raws(&text), raws),
            "csv" => {
                let rows = csv_rows(&text);
                assert_eq!(rows.len(), raws.len());
                for (row, m) in rows.iter().zip(demo_messages(DEMO_GROUP)) {
                    assert_eq!(&row[0], DEMO_GROUP.to_string());
                    assert_eq!(&row[1], m.id().unwrap().to_string());
                    assert_eq!(&row[12], m.raw_json(), "the raw column round-trips");
                }
            }
            _ => {
                assert!(
                    text.contains(&format!("## {GROUP_NAME} ({DEMO_GROUP})")),
                    "heading"
                );
                assert_transcript_shows(&text, &demo_messages(DEMO_GROUP));
                for name in ["Alice Chen", "林小雨"] {
                    assert!(
                        text.contains(&format!("\n**{name}** ")),
                        "sender names: {name}"
                    );
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newest_first_is_the_reverse_and_a_live_group_reads_newest_first() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    for conversation in [DEMO_DIRECT, DEMO_LIVE] {
        let mut args = by_id(&server, conversation);
        args.push("--newest-first".into());
        let ran = run(&mut volc_im(home.path()), &args).await;
        assert!(ran.status.success(), "{}", ran.stderr);
        let mut want = demo_raw(conversation);
        want.reverse();
        assert_eq!(jsonl_lines(&ran.stdout), want);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_start_on_a_configured_live_group_is_refused_before_any_request() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("volc-im.toml");
    std::fs::write(
        &config,
        format!(
            "[[conversations]]\nname = \"launch live\"\napp_id = {DEMO_APP_ID}\nconversation_id = {DEMO_LIVE}\nlive = true\n"
        ),
    )
    .unwrap();
    let output = home.path().join("live.jsonl");
    let args = words(&[
        "export",
        "--config",
        config.to_str().unwrap(),
        "--endpoint",
        &server.endpoint(),
        "--conversation",
        "launch live",
        "--from-start",
        "--output",
        output.to_str().unwrap(),
    ]);
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(!ran.status.success());
    assert!(
        ran.stderr.contains("live group") && ran.stderr.contains("--newest-first"),
        "{}",
        ran.stderr
    );
    assert_eq!(ran.stderr.trim().lines().count(), 1, "{}", ran.stderr);
    assert_eq!(server.stats().total_requests, 0, "no request was sent");
    assert!(!output.exists(), "no output was started");

    // The demo's live group is known to be one, by name.
    let args = words(&["export", "--demo", "--conversation", "demo-live"]);
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("--newest-first"), "{}", ran.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_refusing_an_unconfigured_live_group_suggests_newest_first() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let ran = run(&mut volc_im(home.path()), &by_id(&server, DEMO_LIVE)).await;
    assert!(!ran.status.success());
    let first = ran.stderr.lines().next().unwrap();
    assert!(
        first.contains("InvalidParameter") && first.contains("RequestId"),
        "{first}"
    );
    assert!(first.contains("use --newest-first"), "{first}");
    assert!(ran.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_messages_limits_each_conversation() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut args = by_id(&server, DEMO_GROUP);
    args.extend(words(&[
        "--conversation",
        &DEMO_DIRECT.to_string(),
        "--max-messages",
        "45",
    ]));
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let mut want = demo_raw(DEMO_GROUP)[..45].to_vec();
    want.extend(&demo_raw(DEMO_DIRECT)[..45]);
    assert_eq!(jsonl_lines(&ran.stdout), want);
    let pages = server
        .stats()
        .per_action
        .get("GetConversationMessages")
        .copied();
    assert_eq!(pages, Some(6), "three pages each, none beyond the limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_conversations_are_walked_concurrently_and_written_in_blocks() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("all.md");
    let mut args = by_id(&server, DEMO_GROUP);
    args.extend(words(&[
        "--conversation",
        &DEMO_DIRECT.to_string(),
        "--conversation",
        &DEMO_LIVE.to_string(),
        "--newest-first",
        "--format",
        "markdown",
        "--output",
        file.to_str().unwrap(),
    ]));
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let text = std::fs::read_to_string(&file).unwrap();
    let order = markdown_ids(&text);
    let mut want = Vec::new();
    for conversation in [DEMO_GROUP, DEMO_DIRECT, DEMO_LIVE] {
        let mut ids = demo_ids(conversation);
        ids.reverse();
        want.extend(ids);
    }
    assert_eq!(
        order, want,
        "each conversation a block, in the order given, newest first"
    );
    for conversation in [DEMO_GROUP, DEMO_DIRECT, DEMO_LIVE] {
        assert_transcript_shows(&text, &demo_messages(conversation));
    }

    // The walks overlapped: the last conversation was asked for before the first ended.
    let log = server.request_log();
    let conv_of = |r: &volc_im::demo::LoggedRequest| r.body["ConversationShortId"].as_i64();
    let last_group = log
        .iter()
        .rposition(|r| conv_of(r) == Some(DEMO_GROUP))
        .unwrap();
    let first_live = log
        .iter()
        .position(|r| conv_of(r) == Some(DEMO_LIVE))
        .unwrap();
    assert!(first_live < last_group, "walks ran one after another");
}
