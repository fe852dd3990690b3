//! Shared by the end-to-end tests that run the binary as a subprocess: the binary
//! with a clean home, the demo data, and readers for each output format.
#![allow(dead_code)]

pub mod scripted;
pub mod search;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{ExitStatus, Stdio};

use tokio::process::Command;
use volc_im::demo::{DEMO_ACCESS_KEY, DEMO_APP_ID, DEMO_SECRET_KEY, demo_data};
use volc_im::model::safe_text::strip_controls;
use volc_im::model::{ConversationId, Message, MsgType};

/// The binary with a clean environment and home, so that no developer's real config
/// or credentials are read; the demo key pair in the environment.
pub fn volc_im(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volc-im"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("VOLC_ACCESSKEY", DEMO_ACCESS_KEY)
        .env("VOLC_SECRETKEY", DEMO_SECRET_KEY)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// What a finished run left.
#[derive(Debug)]
pub struct Ran {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary with `args` to the end.
pub async fn run(cmd: &mut Command, args: &[String]) -> Ran {
    let out = cmd.args(args).output().await.expect("the binary runs");
    Ran {
        status: out.status,
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Serves `app` on a loopback port of its own for the rest of the test; its endpoint.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    endpoint
}

/// `["--flag", "value", ...]` from string slices.
pub fn words(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

/// `export` of the demo app's `conversations` from the server at `endpoint`.
pub fn export_from(endpoint: &str, conversations: &[i64]) -> Vec<String> {
    let mut args = words(&[
        "export",
        "--endpoint",
        endpoint,
        "--app-id",
        &DEMO_APP_ID.to_string(),
    ]);
    for c in conversations {
        args.extend(words(&["--conversation", &c.to_string()]));
    }
    args
}

/// The arguments of the resume command a failed export printed (after `volc-im`).
pub fn resume_args(stderr: &str) -> Vec<String> {
    let line = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("volc-im export "))
        .unwrap_or_else(|| panic!("no resume command in: {stderr}"));
    let mut words = shlex::split(line.trim()).expect("the command is shell-quoted");
    assert_eq!(words.remove(0), "volc-im");
    words
}

/// A demo conversation's messages in ascending order, exactly as stored.
pub fn demo_raw(conversation: i64) -> Vec<&'static str> {
    demo_data()
        .conversation(ConversationId(conversation))
        .expect("a demo conversation")
        .raw_messages()
}

/// A demo conversation's messages, parsed, ascending.
pub fn demo_messages(conversation: i64) -> Vec<Message> {
    demo_data()
        .conversation(ConversationId(conversation))
        .expect("a demo conversation")
        .messages()
}

/// A demo conversation's message ids, ascending.
pub fn demo_ids(conversation: i64) -> Vec<i64> {
    demo_messages(conversation)
        .iter()
        .map(|m| m.id().unwrap().0)
        .collect()
}

/// The raw messages of a jsonl output, one per line.
pub fn jsonl_lines(text: &str) -> Vec<&str> {
    text.split_terminator('\n').collect()
}

/// The raw messages of a complete json output.
pub fn json_raws(text: &str) -> Vec<String> {
    serde_json::from_str::<Vec<Box<serde_json::value::RawValue>>>(text)
        .expect("a complete JSON array")
        .into_iter()
        .map(|r| r.get().to_owned())
        .collect()
}

/// The rows of a csv output (header checked).
pub fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(&reader.headers().unwrap()[12], "raw");
    reader.records().map(Result::unwrap).collect()
}

/// The message ids of a markdown transcript, in the order it shows them.
pub fn markdown_ids(text: &str) -> Vec<i64> {
    text.lines()
        .filter_map(|l| l.split("<!-- volc-im:message ").nth(1))
        .map(|rest| rest.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect()
}

/// Markdown with its escapes and hard breaks undone, for finding text in it.
pub fn markdown_plain(text: &str) -> String {
    let text = text.replace("\\\n", "\n");
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
            out.push(chars.next().unwrap());
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks that a markdown transcript shows every message: its text (as sanitised),
/// its reply quote, a marker for media; and that it holds no control character.
pub fn assert_transcript_shows(markdown: &str, messages: &[Message]) {
    for c in markdown.chars() {
        assert!(
            c == '\n' || c == '\t' || !c.is_control(),
            "control character {c:?} in markdown"
        );
    }
    let plain = markdown_plain(markdown);
    for m in messages {
        let id = m.id().unwrap();
        assert!(
            plain.contains(&format!(" {id} -->")),
            "message {id} missing"
        );
        let decoded = m.decoded_content();
        if let Some(text) = decoded.text.as_deref() {
            for line in strip_controls(text).lines() {
                let line = line.trim();
                assert!(plain.contains(line), "text of {id} missing: {line:?}");
            }
        }
        if m.msg_type() != MsgType::Text && !decoded.files.is_empty() {
            assert!(
                plain.contains(&format!("[{}](", m.msg_type().label())),
                "media marker of {id}"
            );
        }
        if let Some(reference) = &m.body.ref_msg_info {
            let hint = strip_controls(&reference.hint).replace('\n', " ");
            assert!(
                plain.contains(&format!("> ↪ {}", hint.trim())),
                "reply quote of {id}: {hint:?}"
            );
        }
    }
}

/// `sync` of `conversations` from the server at `endpoint` into `archive`.
pub fn sync_args(endpoint: &str, archive: &Path, conversations: &[i64]) -> Vec<String> {
    let mut args = words(&[
        "sync",
        "--endpoint",
        endpoint,
        "--app-id",
        &DEMO_APP_ID.to_string(),
        "--archive",
        archive.to_str().unwrap(),
    ]);
    for c in conversations {
        args.extend(words(&["--conversation", &c.to_string()]));
    }
    args
}

/// Waits until `path` holds at least `lines` lines.
pub async fn wait_for_lines(path: &Path, lines: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let now = std::fs::read_to_string(path).unwrap_or_default();
        if now.lines().count() >= lines {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no output after 30 s: {now:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// `volc-im export` of the demo group from `endpoint` to `out`, sent `signal` once
/// `out` holds `lines` lines; what it printed and how it ended.
pub async fn export_stopped_by(
    endpoint: &str,
    home: &Path,
    out: &Path,
    signal: i32,
    lines: usize,
) -> std::process::Output {
    let mut args = export_from(endpoint, &[volc_im::demo::DEMO_GROUP]);
    args.extend(words(&["--output", out.to_str().unwrap()]));
    let child = volc_im(home)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_lines(out, lines).await;
    let pid = child.id().unwrap() as i32;
    // SAFETY: kill(2) sends a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    tokio::time::timeout(std::time::Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("the export ends after the signal")
        .unwrap()
}
