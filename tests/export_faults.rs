//! `volc-im export` when things go wrong: injected faults, a wrong secret, a server
//! that dies mid-way, Ctrl-C. Every stop keeps what was written and prints a resume
//! command; running it completes the output with no gap and no duplicate.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::*;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};
use volc_im::demo::{DEMO_DIRECT, DEMO_GROUP, DemoOptions, DemoServer};

fn export_args(
    server: &DemoServer,
    conversations: &[i64],
    format: &str,
    output: &Path,
) -> Vec<String> {
    export_into(&server.endpoint(), conversations, format, output)
}

/// `export` of `conversations` from the server at `endpoint` into `output`.
fn export_into(endpoint: &str, conversations: &[i64], format: &str, output: &Path) -> Vec<String> {
    let mut args = export_from(endpoint, conversations);
    args.extend(words(&[
        "--format",
        format,
        "--output",
        output.to_str().unwrap(),
    ]));
    args
}

/// Starts `volc-im` with `args`, its output piped.
fn spawn(home: &Path, args: &[String]) -> Child {
    volc_im(home)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a run that must fail; its stderr.
async fn failed(child: Child) -> String {
    let out = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{stderr}");
    stderr
}

/// Waits until the server has answered `n` more requests.
async fn served(
    feed: &mut tokio::sync::broadcast::Receiver<volc_im::demo::LoggedRequest>,
    n: usize,
) {
    let mut seen = 0;
    while seen < n {
        match tokio::time::timeout(Duration::from_secs(30), feed.recv()).await {
            Ok(Ok(_)) | Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => seen += 1,
            other => panic!("the server stopped answering: {other:?}"),
        }
    }
}

/// A demo server slow enough (20 ms an answer) for an export to be stopped mid-way,
/// on `port` (0: any free one).
async fn slow_server(port: u16) -> DemoServer {
    DemoServer::start(DemoOptions {
        latency: Duration::from_millis(20),
        port,
        ..DemoOptions::default()
    })
    .await
    .unwrap()
}

/// Starts an export with the arguments `args` makes for a slow server, and shuts the
/// server down once it has answered 8 requests: the export, left to fail, and the
/// port to start the server again on.
async fn export_as_the_server_dies(
    home: &Path,
    args: impl FnOnce(&DemoServer) -> Vec<String>,
) -> (Child, u16) {
    let server = slow_server(0).await;
    let port = server.addr().port();
    let mut feed = server.subscribe();
    let child = spawn(home, &args(&server));
    served(&mut feed, 8).await;
    server.shutdown().await;
    (child, port)
}

/// The demo data of `conversations`, ascending, as the lines a complete jsonl export holds.
fn all_raw(conversations: &[i64]) -> Vec<&'static str> {
    conversations.iter().flat_map(|&c| demo_raw(c)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_lose_nothing_and_duplicate_nothing() {
    let home = tempfile::tempdir().unwrap();
    // One conversation with the default client settings: its requests come in a fixed
    // order, so the seed fixes the faults (some pages need several attempts).
    let server = DemoServer::start(DemoOptions {
        fail_rate: 0.25,
        seed: 11,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let file = home.path().join("group.jsonl");
    let ran = run(
        &mut volc_im(home.path()),
        &export_args(&server, &[DEMO_GROUP], "jsonl", &file),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_eq!(
        jsonl_lines(&std::fs::read_to_string(&file).unwrap()),
        demo_raw(DEMO_GROUP)
    );
    assert!(server.stats().faults_injected >= 5, "{:?}", server.stats());

    // Two conversations at once, with more attempts allowed per page.
    let server = DemoServer::start(DemoOptions {
        fail_rate: 0.25,
        seed: 5,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let config = home.path().join("volc-im.toml");
    std::fs::write(&config, "max_attempts = 12\n").unwrap();
    let file = home.path().join("both.csv");
    let mut args = export_args(&server, &[DEMO_GROUP, DEMO_DIRECT], "csv", &file);
    args.extend(words(&["--config", config.to_str().unwrap()]));
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let rows = csv_rows(&std::fs::read_to_string(&file).unwrap());
    let raws: Vec<&str> = rows.iter().map(|r| &r[12]).collect();
    assert_eq!(raws, all_raw(&[DEMO_GROUP, DEMO_DIRECT]));
    assert!(server.stats().faults_injected > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_fails_at_once_with_code_and_request_id_then_the_resume_completes() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("out.jsonl");
    let args = export_args(&server, &[DEMO_GROUP, DEMO_DIRECT], "jsonl", &file);
    let ran = run(
        volc_im(home.path()).env("VOLC_SECRETKEY", "not-the-secret"),
        &args,
    )
    .await;
    assert!(!ran.status.success());
    let first = ran.stderr.lines().next().unwrap();
    assert!(
        first.contains("SignatureDoesNotMatch") && first.contains("RequestId "),
        "{first}"
    );
    assert!(!ran.stderr.contains("not-the-secret"));
    assert!(ran.stderr.contains("0 messages written"), "{}", ran.stderr);
    let resume = resume_args(&ran.stderr);
    assert!(resume.contains(&"--append".to_owned()) && resume.contains(&"--cursor".to_owned()));

    let ran = run(&mut volc_im(home.path()), &resume).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(jsonl_lines(&text), all_raw(&[DEMO_GROUP, DEMO_DIRECT]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_dying_mid_way_leaves_a_resumable_json_array() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("out.json");
    let (child, port) = export_as_the_server_dies(home.path(), |server| {
        export_args(server, &[DEMO_GROUP, DEMO_DIRECT], "json", &file)
    })
    .await;
    let stderr = failed(child).await;
    assert!(
        stderr
            .lines()
            .next()
            .unwrap()
            .contains("GetConversationMessages"),
        "{stderr}"
    );
    assert!(stderr.contains("left open"), "{stderr}");
    let partial = std::fs::read_to_string(&file).unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&partial).is_err(),
        "the array is open"
    );

    let server = slow_server(port).await;
    let ran = run(&mut volc_im(home.path()), &resume_args(&stderr)).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(json_raws(&text), all_raw(&[DEMO_GROUP, DEMO_DIRECT]));
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_keeps_what_was_written_and_the_resume_completes_it() {
    let home = tempfile::tempdir().unwrap();
    let server = slow_server(0).await;
    let mut feed = server.subscribe();
    let file = home.path().join("out.md");
    let mut args = export_args(&server, &[DEMO_GROUP], "markdown", &file);
    args.push("--newest-first".into());
    let child = spawn(home.path(), &args);
    served(&mut feed, 6).await;
    let pid = child.id().unwrap() as libc::pid_t;
    // SAFETY: signalling our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let stderr = failed(child).await;
    assert!(stderr.starts_with("volc-im: interrupted"), "{stderr}");
    let resume = resume_args(&stderr);
    assert!(resume.contains(&"--newest-first".to_owned()));

    let ran = run(&mut volc_im(home.path()), &resume).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let text = std::fs::read_to_string(&file).unwrap();
    let order = markdown_ids(&text);
    let mut want = demo_ids(DEMO_GROUP);
    want.reverse();
    assert_eq!(order, want, "no gap, no duplicate");
    assert_eq!(
        text.matches("\n## ").count(),
        1,
        "the heading is not repeated"
    );
    assert_transcript_shows(&text, &demo_messages(DEMO_GROUP));
}

/// `volc-im demo-server` as a process of its own, printing each request it answers.
struct DemoProcess {
    child: Child,
    endpoint: String,
    port: u16,
    lines: Lines<BufReader<ChildStdout>>,
}

impl DemoProcess {
    /// Starts it and waits for its `listening on` line.
    async fn start(home: &Path, args: &[&str]) -> DemoProcess {
        let mut child = volc_im(home)
            .args(["demo-server", "--log-requests"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let endpoint = loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("the server announces itself");
            if let Some(endpoint) = line.strip_prefix("listening on ") {
                break endpoint.trim().to_owned();
            }
        };
        let port = endpoint.rsplit(':').next().unwrap().parse().unwrap();
        DemoProcess {
            child,
            endpoint,
            port,
            lines,
        }
    }

    /// Waits until it has answered `n` more requests.
    async fn served(&mut self, n: usize) {
        let mut seen = 0;
        while seen < n {
            let line = tokio::time::timeout(Duration::from_secs(30), self.lines.next_line())
                .await
                .expect("requests keep coming")
                .unwrap()
                .expect("the server runs");
            if line.starts_with('{') {
                seen += 1;
            }
        }
    }

    fn export_args(&self, conversations: &[i64], format: &str, output: &Path) -> Vec<String> {
        export_into(&self.endpoint, conversations, format, output)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_faulty_demo_server_process_every_message_is_written_once() {
    let home = tempfile::tempdir().unwrap();
    let server = DemoProcess::start(
        home.path(),
        &["--port", "0", "--fail-rate", "0.25", "--seed", "11"],
    )
    .await;
    let file = home.path().join("group.json");
    let ran = run(
        &mut volc_im(home.path()),
        &server.export_args(&[DEMO_GROUP], "json", &file),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_eq!(
        json_raws(&std::fs::read_to_string(&file).unwrap()),
        demo_raw(DEMO_GROUP)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_demo_server_process_leaves_a_resumable_export() {
    let home = tempfile::tempdir().unwrap();
    let mut server = DemoProcess::start(home.path(), &["--port", "0", "--latency-ms", "20"]).await;
    let file = home.path().join("out.jsonl");
    let args = server.export_args(&[DEMO_DIRECT, DEMO_GROUP], "jsonl", &file);
    let export = spawn(home.path(), &args);
    server.served(10).await;
    server.child.kill().await.unwrap();
    let stderr = failed(export).await;
    let first = stderr.lines().next().unwrap();
    assert!(
        first.starts_with("volc-im: conversation ") && first.contains("GetConversationMessages"),
        "{first}"
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.ends_with('\n'), "whole lines only");

    let port = server.port.to_string();
    let _server = DemoProcess::start(home.path(), &["--port", &port]).await;
    let ran = run(&mut volc_im(home.path()), &resume_args(&stderr)).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(jsonl_lines(&text), all_raw(&[DEMO_DIRECT, DEMO_GROUP]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_to_stdout_resumes_into_the_file_stdout_was_saved_to() {
    let home = tempfile::tempdir().unwrap();
    let (child, port) = export_as_the_server_dies(home.path(), |server| {
        let mut args = export_from(&server.endpoint(), &[DEMO_GROUP, DEMO_DIRECT]);
        args.extend(words(&["--format", "json", "--max-messages", "1000"]));
        args
    })
    .await;
    let out = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("resume into the file you redirected stdout to"),
        "{stderr}"
    );
    let file = home.path().join("saved.json");
    std::fs::write(&file, &out.stdout).unwrap();

    let resume: Vec<String> = resume_args(&stderr)
        .into_iter()
        .map(|w| {
            if w == "<the file you redirected stdout to>" {
                file.to_str().unwrap().to_owned()
            } else {
                w
            }
        })
        .collect();
    assert!(resume.contains(&"--append".to_owned()), "{resume:?}");
    let server = slow_server(port).await;
    let ran = run(&mut volc_im(home.path()), &resume).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(json_raws(&text), all_raw(&[DEMO_GROUP, DEMO_DIRECT]));
    drop(server);
}
