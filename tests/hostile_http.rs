//! A misbehaving server at the HTTP level: `volc-im export` run as a user runs it,
//! against a scripted server on loopback that writes its answers byte by byte: a
//! body that never ends, no answer at all, compressed answers, redirects, pages of
//! the same id-less messages, pages without `HasMore`. Every case ends, with a
//! clear message where it fails, and keeps what was written.

mod common;

use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::jsonl_lines;
use common::scripted::{
    Answer, QUICK, cursor_of, envelope, export, fake, json_answer, message, page,
};
use serde_json::{Value, json};

#[tokio::test]
async fn a_body_that_never_ends_stops_at_the_cap_with_a_clear_error() {
    let fake = fake(|_| Answer::Endless).await;
    let home = tempfile::tempdir().unwrap();
    let config = format!("{QUICK}max_response_bytes = 1048576\n");
    let (ran, _, _) = export(&fake, home.path(), &config).await;
    assert!(!ran.status.success());
    assert!(
        ran.stderr.contains(
            "GetConversationMessages: the answer is larger than 1 MiB (max_response_bytes)"
        ),
        "{}",
        ran.stderr
    );
    assert_eq!(fake.requests.load(Ordering::SeqCst), 1, "not retried");
    let sent = fake.sent.load(Ordering::SeqCst);
    assert!(
        sent < 64 * 1024 * 1024,
        "stopped reading early: {sent} bytes sent"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_on_within_max_retry_seconds() {
    let fake = fake(|_| Answer::Silent).await;
    let home = tempfile::tempdir().unwrap();
    let config = "max_attempts = 20\ntimeout_secs = 1\nmax_retry_seconds = 3\n";
    let (ran, _, took) = export(&fake, home.path(), config).await;
    assert!(!ran.status.success());
    assert!(
        ran.stderr.contains("after 3 s and") && ran.stderr.contains("(max_retry_seconds)"),
        "{}",
        ran.stderr
    );
    assert!(took < Duration::from_secs(15), "took {took:?}");
    let attempts = fake.requests.load(Ordering::SeqCst);
    assert!((2..20).contains(&attempts), "{attempts} attempts");
}

fn compressed(encoding: &'static str, body: &[u8]) -> Answer {
    let bytes = match encoding {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(body).unwrap();
            e.finish().unwrap()
        }
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(body).unwrap();
            e.finish().unwrap()
        }
        _ => body.to_vec(),
    };
    Answer::Whole {
        status: 200,
        headers: vec![
            ("Content-Type", "application/json".into()),
            ("Content-Encoding", encoding.into()),
        ],
        body: bytes,
    }
}

#[tokio::test]
async fn gzip_and_deflate_answers_are_read() {
    for encoding in ["gzip", "deflate"] {
        let fake = fake(move |req| {
            let (ids, more, next) = match cursor_of(req) {
                0 => (1..=20, true, 21),
                _ => (21..=25, false, 26),
            };
            let messages: Vec<Value> = ids.map(message).collect();
            let body = envelope(json!({"HasMore": more, "NewCursor": next, "Messages": messages}));
            compressed(encoding, &body)
        })
        .await;
        let home = tempfile::tempdir().unwrap();
        let (ran, written, _) = export(&fake, home.path(), QUICK).await;
        assert!(ran.status.success(), "{encoding}: {}", ran.stderr);
        assert_eq!(jsonl_lines(&written).len(), 25, "{encoding}");
    }
}

#[tokio::test]
async fn another_encoding_is_named() {
    let fake = fake(|_| compressed("br", b"\x1b\x00\x00not brotli")).await;
    let home = tempfile::tempdir().unwrap();
    let (ran, _, _) = export(&fake, home.path(), QUICK).await;
    assert!(!ran.status.success());
    assert!(
        ran.stderr.contains("\"br\" content encoding") && ran.stderr.contains("gzip and deflate"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("expected value"), "{}", ran.stderr);
}

#[tokio::test]
async fn a_redirect_says_where_it_pointed_and_is_not_followed() {
    let fake = fake(|_| Answer::Whole {
        status: 302,
        headers: vec![(
            "Location",
            "https://user:hunter2@login.example/sso?ticket=SECRET-TICKET".into(),
        )],
        body: b"<html>moved</html>".to_vec(),
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let (ran, _, _) = export(&fake, home.path(), QUICK).await;
    assert!(!ran.status.success());
    assert!(
        ran.stderr
            .contains("HTTP 302 redirect to https://login.example/sso?…, not followed"),
        "{}",
        ran.stderr
    );
    for secret in ["hunter2", "SECRET-TICKET"] {
        assert!(!ran.stderr.contains(secret), "{}", ran.stderr);
    }
    assert_eq!(fake.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_same_id_less_messages_with_new_cursors_are_written_once_and_stop() {
    let fake = fake(|req| {
        let messages: Vec<Value> = (0..20)
            .map(|i| json!({"Sender": 5, "MsgType": 10001, "Content": format!("same {i}"), "CreateTime": i}))
            .collect();
        let next = cursor_of(req) + 1;
        json_answer(envelope(
            json!({"HasMore": true, "NewCursor": next, "Messages": messages}),
        ))
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let (ran, written, _) = export(&fake, home.path(), QUICK).await;
    assert!(
        !ran.status.success(),
        "a walk that brings nothing new is stopped"
    );
    assert!(ran.stderr.contains("no new message"), "{}", ran.stderr);
    assert_eq!(jsonl_lines(&written).len(), 20, "each message once");
    assert!(fake.requests.load(Ordering::SeqCst) <= 4, "no endless walk");
}

#[tokio::test]
async fn a_lone_surrogate_keeps_the_id_so_overlapping_pages_write_each_message_once() {
    // Pages overlap by one message, as some servers do; one message's content was
    // cut inside a UTF-16 pair.
    let odd = |id: i64| {
        let mut m = message(id);
        m["Content"] = json!("PLACEHOLDER");
        m.to_string()
            .replace("\"PLACEHOLDER\"", r#""truncated emoji \ud83d""#)
    };
    let fake = fake(move |req| {
        let (ids, more, next) = match cursor_of(req) {
            0 => (1..=20, true, 20),
            20 => (20..=39, true, 39),
            _ => (39..=45, false, 46),
        };
        let messages: Vec<String> = ids
            .map(|i| if i % 5 == 0 { odd(i) } else { message(i).to_string() })
            .collect();
        let body = format!(
            r#"{{"ResponseMetadata":{{"RequestId":"r"}},"Result":{{"HasMore":{more},"NewCursor":{next},"Messages":[{}]}}}}"#,
            messages.join(",")
        );
        json_answer(body.into_bytes())
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let (ran, written, _) = export(&fake, home.path(), QUICK).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let lines = jsonl_lines(&written);
    assert_eq!(lines.len(), 45, "45 messages, each once");
    assert!(
        written.contains(r#""truncated emoji \ud83d""#),
        "kept exactly as received"
    );
}

#[tokio::test]
async fn pages_without_has_more_end_where_a_page_is_short_and_say_so() {
    let fake = fake(|req| match cursor_of(req) {
        0 => page(1..=20, None, 20),
        20 => page(21..=40, None, 40),
        _ => page(41..=45, None, 45),
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let (ran, written, _) = export(&fake, home.path(), QUICK).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_eq!(jsonl_lines(&written).len(), 45, "full pages were followed");
    assert_eq!(
        ran.stderr.matches("no HasMore").count(),
        1,
        "said once: {}",
        ran.stderr
    );
    assert!(ran.stderr.contains("warning"), "{}", ran.stderr);
    assert_eq!(fake.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_full_page_without_has_more_is_followed_once_and_ends_when_nothing_new_comes() {
    let fake = fake(|req| page(1..=20, None, cursor_of(req) + 20)).await;
    let home = tempfile::tempdir().unwrap();
    let (ran, written, _) = export(&fake, home.path(), QUICK).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_eq!(jsonl_lines(&written).len(), 20);
    assert_eq!(
        fake.requests.load(Ordering::SeqCst),
        2,
        "followed once more"
    );
    assert!(ran.stderr.contains("no HasMore"), "{}", ran.stderr);
}

#[tokio::test]
async fn retries_stop_once_max_retry_seconds_would_pass() {
    let fake = fake(|_| Answer::Whole {
        status: 503,
        headers: vec![("Content-Type", "text/html".into())],
        body: b"<html>busy</html>".to_vec(),
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let config = "max_attempts = 20\nmax_retry_seconds = 2\n";
    let (ran, _, took) = export(&fake, home.path(), config).await;
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("HTTP 503"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("gave up after 2 s and") && ran.stderr.contains("(max_retry_seconds)"),
        "{}",
        ran.stderr
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let attempts = fake.requests.load(Ordering::SeqCst);
    assert!(
        (2..20).contains(&attempts),
        "{attempts} attempts within 2 s"
    );
}
