//! Text from the server is data, never terminal control: an error whose `Code` and
//! `Message` hold escape sequences (a title change, a clipboard write) reaches
//! stderr and the log file escaped, for every command; JSON printed to a terminal
//! has its control characters escaped, while JSON to a pipe stays byte-exact.

mod common;
mod tui_support;

use axum::body::Bytes;
use axum::http::StatusCode;
use common::{run, serve, volc_im, words};
use serde_json::json;
use tui_support::run_in_terminal;

const TITLE: &str = "\u{1b}]0;pwned\u{7}";
const CLIPBOARD: &str = "\u{1b}]52;c;aGVsbG8=\u{7}";
/// A message whose text holds a C1 CSI, DEL and a bidi override, raw in the JSON.
const CONTENT: &str = "x\u{9b}2J\u{7f}\u{202e}y";

/// A fake service on loopback: `GetMessages`, and `GetConversationMessages` of
/// conversation 10, answer a message with `CONTENT`; everything else gets the
/// hostile error.
async fn fake() -> String {
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(
            |query: axum::extract::RawQuery, body: Bytes| async move {
                let query = query.0.unwrap_or_default();
                let body = String::from_utf8_lossy(&body);
                if query.contains("Action=GetConversationMessages") && body.contains(":10,") {
                    let body = json!({
                        "ResponseMetadata": {"RequestId": "r2", "Action": "GetConversationMessages", "Version": "2020-12-01"},
                        "Result": {"HasMore": false, "NewCursor": 0, "Messages": [
                            {"ConversationShortId": 10, "MessageId": 1, "MsgType": 10001, "Content": CONTENT}
                        ]}
                    });
                    return (StatusCode::OK, body.to_string());
                }
                if query.contains("Action=GetMessages") {
                    let body = json!({
                        "ResponseMetadata": {"RequestId": "r1", "Action": "GetMessages", "Version": "2020-12-01"},
                        "Result": {"Messages": [{"MessageId": 1, "Content": CONTENT}]}
                    });
                    return (StatusCode::OK, body.to_string());
                }
                let body = json!({
                    "ResponseMetadata": {
                        "RequestId": format!("req-{TITLE}"),
                        "Action": "x", "Version": "2020-12-01",
                        "Error": {"Code": format!("Bad{TITLE}"), "Message": format!("oops{CLIPBOARD}\nvolc-im export --forged")}
                    }
                });
                (StatusCode::BAD_REQUEST, body.to_string())
            },
        ),
    );
    serve(app).await
}

fn assert_escaped(what: &str, text: &str) {
    assert!(
        !text.contains(['\u{1b}', '\u{7}']),
        "{what} holds a raw escape: {text:?}"
    );
    assert!(text.contains("Bad\\u{1b}]0;pwned\\u{7}"), "{what}: {text}");
    assert!(
        text.contains("oops\\u{1b}]52;c;aGVsbG8=\\u{7}\\nvolc-im export --forged"),
        "{what}: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_error_reaches_stderr_and_the_log_escaped_for_every_command() {
    let endpoint = fake().await;
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out.jsonl");
    let commands = [
        words(&[
            "export",
            "--endpoint",
            &endpoint,
            "--app-id",
            "1",
            "--conversation",
            "9",
            "-o",
            out.to_str().unwrap(),
        ]),
        words(&[
            "export",
            "--endpoint",
            &endpoint,
            "--app-id",
            "1",
            "--conversation",
            "9",
        ]),
        words(&["api", "GetConversationUserCount", "--endpoint", &endpoint]),
        words(&[
            "conversations",
            "--endpoint",
            &endpoint,
            "--app-id",
            "1",
            "--user-id",
            "2",
        ]),
    ];
    for args in &commands {
        let ran = run(&mut volc_im(home.path()), args).await;
        assert_eq!(ran.status.code(), Some(1), "{args:?}: {}", ran.stderr);
        assert_escaped(&format!("stderr of {}", args[0]), &ran.stderr);
        assert!(
            !ran.stderr
                .lines()
                .any(|l| l.starts_with("volc-im export --forged")),
            "a forged line: {}",
            ran.stderr
        );
    }
    let log = std::fs::read_to_string(home.path().join("state/volc-im/volc-im.log")).unwrap();
    assert_escaped("the log file", &log);
    assert!(
        !log.lines()
            .any(|l| l.starts_with("volc-im export --forged")),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_to_a_pipe_is_exact_and_json_to_a_terminal_is_escaped() {
    let endpoint = fake().await;
    let home = tempfile::tempdir().unwrap();
    let api = words(&["api", "GetMessages", "--raw", "--endpoint", &endpoint]);
    let export = words(&[
        "export",
        "--endpoint",
        &endpoint,
        "--app-id",
        "1",
        "--conversation",
        "10",
    ]);
    for args in [api, export] {
        let ran = run(&mut volc_im(home.path()), &args).await;
        assert!(ran.status.success(), "{args:?}: {}", ran.stderr);
        assert!(ran.stdout.contains(CONTENT), "byte-exact: {:?}", ran.stdout);

        let shown = run_in_terminal(&args, home.path(), 200, &[]).text;
        assert!(
            !shown.contains(['\u{9b}', '\u{7f}', '\u{202e}']),
            "raw controls on the terminal: {shown:?}"
        );
        assert!(shown.contains("x\\u009b2J\\u007f\\u202ey"), "{shown:?}");
    }
}
