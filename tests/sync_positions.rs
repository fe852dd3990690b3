//! `volc-im sync` of a conversation whose messages carry no `IndexInConversation`
//! (optional in the API): the archive cannot record coverage for them, so the sync
//! must say so and fail instead of ending after one page as if it had finished.

mod common;

use axum::body::Bytes;
use common::{run, serve, volc_im, words};
use serde_json::{Value, json};

/// Ten messages, newest first, without `IndexInConversation`, two a page.
async fn answer(body: Bytes) -> String {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let top = request["Cursor"].as_i64().unwrap_or(0).clamp(1, 10);
    let ids: Vec<i64> = (1..=top).rev().take(2).collect();
    let last = *ids.last().unwrap();
    let messages: Vec<Value> = ids
        .iter()
        .map(|&i| {
            json!({"AppId": 1, "ConversationShortId": 9, "ConversationType": 2, "MessageId": 100 + i,
                   "Sender": 5, "MsgType": 10001, "Content": format!("{{\"text\":\"m{i}\"}}"),
                   "CreateTime": 1_700_000_000_000i64 + i, "Status": 0})
        })
        .collect();
    json!({
        "ResponseMetadata": {"RequestId": "fake-req", "Action": "GetConversationMessages", "Version": "2020-12-01"},
        "Result": {"HasMore": last > 1, "NewCursor": last - 1, "Messages": messages}
    })
    .to_string()
}

#[tokio::test]
async fn messages_without_positions_fail_the_sync_instead_of_ending_it_silently() {
    let app = axum::Router::new().route("/", axum::routing::post(answer));
    let endpoint = serve(app).await;

    let home = tempfile::tempdir().unwrap();
    let archive = home.path().join("archive.sqlite3");
    let args = words(&[
        "sync",
        "--endpoint",
        &endpoint,
        "--app-id",
        "1",
        "--conversation",
        "9",
        "--archive",
        archive.to_str().unwrap(),
    ]);
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(!ran.status.success(), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("no IndexInConversation") && ran.stderr.contains("volc-im export"),
        "{}",
        ran.stderr
    );
}
