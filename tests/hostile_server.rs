//! A misbehaving server: `volc-im export` run as a user runs it, against a scripted
//! fake service on loopback that repeats cursors, sends empty pages, answers with
//! proxy HTML, errors inside HTTP 200, broken JSON and huge messages. Every case
//! ends with a clear message, keeps what was written, and never loops.

mod common;

use std::sync::atomic::Ordering;

use common::scripted::{self, Answer, Fake, QUICK, cursor_of, envelope, export, message};
use common::{jsonl_lines, run, volc_im, words};
use serde_json::{Value, json};

/// The scripted service, each answer a status and a text body.
async fn fake(script: impl Fn(&Value) -> (u16, String) + Send + Sync + 'static) -> Fake {
    scripted::fake(move |request| {
        let (status, body) = script(request);
        scripted::text_answer(status, body)
    })
    .await
}

fn page(ids: &[i64], has_more: bool, new_cursor: i64) -> (u16, String) {
    let messages: Vec<Value> = ids.iter().map(|&i| message(i)).collect();
    let body =
        envelope(json!({"HasMore": has_more, "NewCursor": new_cursor, "Messages": messages}));
    (200, String::from_utf8(body).unwrap())
}

#[tokio::test]
async fn a_repeated_cursor_stops_with_an_error_and_keeps_the_messages() {
    let fake = fake(|req| match cursor_of(req) {
        0 => page(&[1, 2, 3], true, 5),
        _ => page(&[4], true, 5),
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let (ran, written, _) = export(&fake, home.path(), QUICK).await;
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("cursor 5 again"), "{}", ran.stderr);
    assert_eq!(
        jsonl_lines(&written).len(),
        4,
        "nothing received is lost: {written}"
    );
    assert_eq!(fake.requests.load(Ordering::SeqCst), 2, "no loop");
}

#[tokio::test]
async fn empty_pages_claiming_more_stop_after_two() {
    let fake = fake(|req| match cursor_of(req) {
        0 => page(&[1, 2], true, 1),
        c => page(&[], true, c + 1),
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let (ran, written, _) = export(&fake, home.path(), QUICK).await;
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("no new message"), "{}", ran.stderr);
    assert_eq!(jsonl_lines(&written).len(), 2);
    assert_eq!(fake.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_proxy_html_page_is_reported_with_status_and_excerpt_after_the_retries() {
    let fake = fake(|_| {
        (
            502,
            "<html><head><title>502 Bad Gateway</title></head><body>upstream gone</body></html>"
                .into(),
        )
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let (ran, _, _) = export(&fake, home.path(), QUICK).await;
    assert!(!ran.status.success());
    let first = ran.stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains("HTTP 502") && first.contains("502 Bad Gateway"),
        "{}",
        ran.stderr
    );
    assert_eq!(
        fake.requests.load(Ordering::SeqCst),
        2,
        "retried up to max_attempts"
    );
}

#[tokio::test]
async fn an_error_inside_http_200_is_an_error_with_code_and_request_id() {
    let fake = fake(|_| {
        let body = json!({"ResponseMetadata": {"RequestId": "req-7f3a", "Action": "GetConversationMessages",
            "Error": {"Code": "InvalidParameter.NotExistAppId", "Message": "app 1 does not exist"}}});
        (200, body.to_string())
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let (ran, written, _) = export(&fake, home.path(), QUICK).await;
    assert!(!ran.status.success());
    let first = ran.stderr.lines().next().unwrap_or_default();
    for needle in [
        "InvalidParameter.NotExistAppId",
        "app 1 does not exist",
        "req-7f3a",
    ] {
        assert!(first.contains(needle), "{needle} missing from {first:?}");
    }
    assert!(written.is_empty());
    assert_eq!(
        fake.requests.load(Ordering::SeqCst),
        1,
        "parameter errors are not retried"
    );
}

#[tokio::test]
async fn broken_json_is_a_clear_error_not_a_crash() {
    let fake = fake(|_| {
        (
            200,
            r#"{"ResponseMetadata":{"RequestId":"x"},"Result":{"HasMore":tru"#.into(),
        )
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let (ran, _, _) = export(&fake, home.path(), QUICK).await;
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("unreadable response"), "{}", ran.stderr);
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
}

#[tokio::test]
async fn huge_and_odd_messages_are_written_exactly_as_received() {
    let huge_text = "界".repeat(700_000); // about 2 MB of UTF-8
    let odd = json!({"MessageId": "77", "Sender": 5, "MsgType": 10001, "Content": 42, "Ext": null,
                     "CreateTime": 1, "IndexInConversation": 2, "FutureField": {"nested": [1, 2.50, "x"]}});
    let mut big = message(1);
    big["Content"] = json!(json!({"text": huge_text}).to_string());
    let expected = vec![big.to_string(), odd.to_string()];
    let raw = expected.clone();
    let fake = fake(move |_| {
        let body = format!(
            r#"{{"ResponseMetadata":{{"RequestId":"r"}},"Result":{{"HasMore":false,"NewCursor":0,"Messages":[{}]}}}}"#,
            raw.join(",")
        );
        (200, body)
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let (ran, written, _) = export(&fake, home.path(), QUICK).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_eq!(
        jsonl_lines(&written),
        expected,
        "byte for byte, odd fields and all"
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed_so_nothing_signed_travels_elsewhere() {
    let elsewhere = fake(|_| page(&[1], false, 0)).await;
    let target = format!("{}/", elsewhere.endpoint);
    let redirecting = scripted::fake(move |_| Answer::Whole {
        status: 307,
        headers: vec![("Location", target.clone())],
        body: Vec::new(),
    })
    .await;
    let endpoint = redirecting.endpoint;

    let home = tempfile::tempdir().unwrap();
    let mut cmd = volc_im(home.path());
    cmd.env("VOLC_SESSION_TOKEN", "sts-token-that-must-stay-home");
    let args = words(&[
        "api",
        "GetMessages",
        "--endpoint",
        &endpoint,
        "--body",
        "{}",
    ]);
    let ran = run(&mut cmd, &args).await;
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("HTTP 307"), "{}", ran.stderr);
    assert_eq!(
        elsewhere.requests.load(Ordering::SeqCst),
        0,
        "the redirect target heard nothing"
    );
}

#[tokio::test]
async fn listing_conversations_stops_on_empty_pages_that_claim_more() {
    let fake = fake(|req| {
        let cursor = req["Cursor"].as_i64().unwrap_or(0);
        let body = json!({"ResponseMetadata": {"RequestId": "r"},
            "Result": {"ConversationInfos": [], "HasMore": true, "NextCursor": cursor + 1}});
        (200, body.to_string())
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let args = words(&[
        "conversations",
        "--endpoint",
        &fake.endpoint,
        "--app-id",
        "1",
        "--user-id",
        "2",
    ]);
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("empty pages"), "{}", ran.stderr);
    assert_eq!(fake.requests.load(Ordering::SeqCst), 2, "no loop");
}
