//! `volc-im sync --all` with conversation names from the server that hold escape
//! sequences: every line on stderr shows them escaped, never as they came.

mod common;

use axum::body::Bytes;
use axum::http::StatusCode;
use common::{run, serve, volc_im, words};
use serde_json::json;

/// A name that would retitle the terminal.
const NAME: &str = "team\u{1b}]0;PWNED\u{7}";

#[tokio::test]
async fn a_hostile_conversation_name_reaches_stderr_escaped() {
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(|query: axum::extract::RawQuery, _: Bytes| async move {
            let query = query.0.unwrap_or_default();
            if query.contains("Action=GetUserConversations") {
                let body = json!({
                    "ResponseMetadata": {"RequestId": "r1", "Action": "GetUserConversations", "Version": "2020-12-01"},
                    "Result": {"HasMore": false, "NextCursor": 0, "ConversationInfos": [
                        {"ConversationShortId": 9, "ConversationType": 2, "Name": NAME}
                    ]}
                });
                return (StatusCode::OK, body.to_string());
            }
            let body = json!({
                "ResponseMetadata": {"RequestId": "r2", "Action": "x", "Version": "2020-12-01",
                    "Error": {"Code": "InvalidParameter", "Message": "no"}}
            });
            (StatusCode::BAD_REQUEST, body.to_string())
        }),
    );
    let endpoint = serve(app).await;

    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "app_id = 1\nuser_id = 5\nmax_attempts = 1\n").unwrap();
    let archive = home.path().join("archive.sqlite3");
    let args = words(&[
        "sync",
        "--all",
        "--endpoint",
        &endpoint,
        "--config",
        config.to_str().unwrap(),
        "--archive",
        archive.to_str().unwrap(),
    ]);
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(!ran.status.success(), "{}", ran.stderr);
    assert!(!ran.stderr.contains('\u{1b}'), "{:?}", ran.stderr);
    assert!(
        ran.stderr.contains("team\\u{1b}]0;PWNED\\u{7}"),
        "{:?}",
        ran.stderr
    );
}
