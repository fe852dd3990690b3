//! The client against the demo server on loopback: the real signing, retry and
//! rate-limit path.

use std::collections::HashSet;
use std::time::Duration;

use volc_im::api::client::{Client, ClientSettings};
use volc_im::api::sign::Credentials;
use volc_im::api::wire::{
    BatchGetUserRequest, GetConversationMessagesRequest, GetMessagesRequest, UsersResult,
};
use volc_im::api::{ApiError, TransportKind};
use volc_im::demo::{
    DEMO_ACCESS_KEY, DEMO_APP_ID, DEMO_GROUP, DEMO_LIVE, DemoOptions, DemoServer, demo_credentials,
    demo_data,
};
use volc_im::model::{AppId, ConversationId, Cursor, MessageId, UserId};
use volc_im::pager::{Accepted, Direction, Pager, PagerState};

fn client_for(
    server: &DemoServer,
    creds: Credentials,
    tune: impl FnOnce(&mut ClientSettings),
) -> Client {
    let mut settings = ClientSettings::new(server.endpoint().parse().unwrap(), "cn-north-1");
    tune(&mut settings);
    Client::new(settings, creds).unwrap()
}

/// A cheap signed call: `BatchGetUser` for the given users.
async fn ask(client: &Client, app: i64, users: &[UserId]) -> Result<UsersResult, ApiError> {
    client
        .batch_get_user(&BatchGetUserRequest {
            app_id: AppId(app),
            user_ids: users.to_vec(),
        })
        .await
}

/// Walks a whole conversation with the pager; returns the ids in walk order.
async fn walk(client: &Client, conversation: i64, direction: Direction) -> Vec<i64> {
    let mut pager = Pager::new(direction);
    let mut ids = Vec::new();
    while let Some(req) = pager.next_request() {
        let page = client
            .fetch_page(AppId(DEMO_APP_ID), ConversationId(conversation), &req)
            .await
            .unwrap_or_else(|e| panic!("page at {:?}: {e}", req.cursor));
        match pager.accept(&req, page) {
            Accepted::Page { messages, .. } => {
                ids.extend(messages.iter().map(|m| m.id().unwrap().0))
            }
            Accepted::Stale => unreachable!("one request at a time"),
        }
    }
    assert_eq!(pager.state(), &PagerState::Done);
    ids
}

fn demo_ids(conversation: i64) -> Vec<i64> {
    demo_data()
        .conversation(ConversationId(conversation))
        .unwrap()
        .messages()
        .iter()
        .map(|m| m.id().unwrap().0)
        .collect()
}

#[tokio::test]
async fn a_signed_request_is_accepted_and_the_walk_is_complete_both_ways() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let client = client_for(&server, demo_credentials(), |_| {});
    let expected = demo_ids(DEMO_GROUP);
    assert!(expected.len() > 100);
    assert_eq!(
        walk(&client, DEMO_GROUP, Direction::OldestFirst).await,
        expected
    );
    let mut backwards = expected.clone();
    backwards.reverse();
    assert_eq!(
        walk(&client, DEMO_GROUP, Direction::NewestFirst).await,
        backwards
    );
    let stats = server.stats();
    assert_eq!(stats.signature_failures, 0);
    assert_eq!(client.stats().retries, 0);
}

#[tokio::test]
async fn a_wrong_secret_is_signature_does_not_match_with_its_request_id_and_no_retry() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let client = client_for(
        &server,
        Credentials::new(DEMO_ACCESS_KEY, "not-the-demo-secret"),
        |_| {},
    );
    let err = client
        .get_conversation_messages(&GetConversationMessagesRequest {
            app_id: AppId(DEMO_APP_ID),
            conversation_short_id: ConversationId(DEMO_GROUP),
            cursor: Cursor::OLDEST,
            limit: 20,
            reverse: Some(0),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"), "{err}");
    let request_id = err.request_id().expect("a RequestId").to_owned();
    assert!(!request_id.is_empty());
    let shown = format!("{err} {err:?}");
    assert!(shown.contains(&request_id));
    assert!(
        !shown.contains("not-the-demo-secret"),
        "the secret never shows: {shown}"
    );
    assert_eq!(
        server.stats().total_requests,
        1,
        "auth errors are never retried"
    );
    assert_eq!(client.stats().retries, 0);
}

#[tokio::test]
async fn injected_faults_lose_nothing_and_duplicate_nothing() {
    let server = DemoServer::start(DemoOptions {
        fail_rate: 0.25,
        seed: 7,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    // Enough attempts that a seeded run of bad luck cannot end the walk.
    let client = client_for(&server, demo_credentials(), |s| s.max_attempts = 8);
    let ids = walk(&client, DEMO_GROUP, Direction::OldestFirst).await;
    assert_eq!(ids, demo_ids(DEMO_GROUP), "every message, once, in order");
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
    let stats = server.stats();
    assert!(stats.faults_injected > 0, "faults were injected: {stats:?}");
    assert!(
        client.stats().retries >= stats.faults_injected,
        "every fault was retried"
    );
}

#[tokio::test]
async fn the_rate_limit_is_never_exceeded_even_by_concurrent_callers() {
    let server = DemoServer::start(DemoOptions {
        max_qps: 50,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let client = client_for(&server, demo_credentials(), |s| {
        s.max_qps = 50;
        s.max_attempts = 1;
    });
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..15 {
                ask(&client, DEMO_APP_ID, &[UserId(1)])
                    .await
                    .expect("never throttled");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let stats = server.stats();
    assert_eq!(stats.qps_rejected, 0, "{stats:?}");
    assert!(stats.max_accepted_in_window <= 50, "{stats:?}");
    assert_eq!(stats.total_requests, 90);
}

#[tokio::test]
async fn the_live_group_refuses_oldest_first_and_serves_newest_first() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let client = client_for(&server, demo_credentials(), |_| {});
    let req = |reverse| GetConversationMessagesRequest {
        app_id: AppId(DEMO_APP_ID),
        conversation_short_id: ConversationId(DEMO_LIVE),
        cursor: Cursor::OLDEST,
        limit: 20,
        reverse,
    };
    let err = client
        .get_conversation_messages(&req(Some(0)))
        .await
        .unwrap_err();
    assert!(err.code().unwrap().starts_with("InvalidParameter"), "{err}");
    assert!(!err.is_retryable());
    let mut newest = demo_ids(DEMO_LIVE);
    newest.reverse();
    assert_eq!(
        walk(&client, DEMO_LIVE, Direction::NewestFirst).await,
        newest
    );
}

#[tokio::test]
async fn get_messages_fetches_by_id() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let client = client_for(&server, demo_credentials(), |_| {});
    let ids = demo_ids(DEMO_GROUP);
    let got = client
        .get_messages(&GetMessagesRequest {
            app_id: AppId(DEMO_APP_ID),
            conversation_short_id: ConversationId(DEMO_GROUP),
            message_ids: vec![MessageId(ids[3]), MessageId(ids[10])],
        })
        .await
        .unwrap();
    let got: Vec<i64> = got.iter().map(|m| m.id().unwrap().0).collect();
    assert_eq!(got, vec![ids[3], ids[10]]);
}

#[tokio::test]
async fn a_dead_endpoint_is_a_connect_error_after_the_configured_attempts() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let settings = ClientSettings {
        max_attempts: 2,
        ..ClientSettings::new(
            format!("http://127.0.0.1:{port}").parse().unwrap(),
            "cn-north-1",
        )
    };
    let client = Client::new(settings, demo_credentials()).unwrap();
    let err = ask(&client, 1, &[]).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.stats().requests, 2);
    assert_eq!(client.stats().retries, 1);
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let server = DemoServer::start(DemoOptions {
        latency: Duration::from_secs(5),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let client = client_for(&server, demo_credentials(), |s| {
        s.timeout = Duration::from_millis(300);
        s.max_attempts = 1;
    });
    let err = ask(&client, DEMO_APP_ID, &[]).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_session_token_is_signed_and_accepted() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let mut creds = demo_credentials();
    creds.session_token = Some("sts-token-value".into());
    let client = client_for(&server, creds, |_| {});
    ask(&client, DEMO_APP_ID, &[])
        .await
        .expect("accepted with X-Security-Token signed");
}
