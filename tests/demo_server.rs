//! The demo server over real loopback HTTP: signature checks, parameter checks,
//! paging, the rate limit, injected faults and byte-for-byte messages.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::value::RawValue;
use serde_json::{Value, json};
use volc_im::api::sign::{self, Credentials, RequestParts, Scope};
use volc_im::api::wire::{GetConversationMessagesRequest, PAGE_LIMIT};
use volc_im::api::{ApiError, Client, ClientSettings};
use volc_im::demo::{
    DEMO_APP_ID, DEMO_DIRECT, DEMO_GROUP, DEMO_LIVE, DemoOptions, DemoServer, demo_credentials,
    demo_data,
};
use volc_im::model::{AppId, ConversationId, Cursor};

/// What came back for one request.
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Answer {
        status: u16,
        body: String,
    },
    /// The connection closed without an answer.
    Dropped,
}

impl Reply {
    fn status(&self) -> u16 {
        match self {
            Reply::Answer { status, .. } => *status,
            Reply::Dropped => 0,
        }
    }

    fn json(&self) -> Value {
        match self {
            Reply::Answer { body, .. } => serde_json::from_str(body).expect("a JSON body"),
            Reply::Dropped => panic!("no answer"),
        }
    }

    fn code(&self) -> String {
        self.json()["ResponseMetadata"]["Error"]["Code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// The status and the error code, which together say how a request was refused.
    fn refusal(&self) -> (u16, String) {
        (self.status(), self.code())
    }

    fn request_id(&self) -> String {
        self.json()["ResponseMetadata"]["RequestId"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

/// How a test request is signed.
struct Signing {
    creds: Credentials,
    at: jiff::Timestamp,
    /// Sent instead of the signed body, to tamper with it.
    sent_body: Option<Vec<u8>>,
    authorize: bool,
}

impl Default for Signing {
    fn default() -> Self {
        Signing {
            creds: demo_credentials(),
            at: jiff::Timestamp::now(),
            sent_body: None,
            authorize: true,
        }
    }
}

async fn post_with(
    http: &reqwest::Client,
    server: &DemoServer,
    action: &str,
    body: &[u8],
    signing: Signing,
) -> Reply {
    post_to(http, &server.endpoint(), action, body, signing).await
}

async fn post_to(
    http: &reqwest::Client,
    endpoint: &str,
    action: &str,
    body: &[u8],
    signing: Signing,
) -> Reply {
    let url: url::Url = format!("{endpoint}/?Action={action}&Version=2020-12-01")
        .parse()
        .unwrap();
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let base = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), sign::host_header(&url)),
    ];
    let scope = Scope {
        region: "cn-north-1".into(),
        service: "rtc".into(),
    };
    let parts = RequestParts {
        method: "POST",
        path: "/",
        query: &query,
        headers: &base,
        body,
    };
    let signature = sign::sign(
        &signing.creds,
        &scope,
        &parts,
        &sign::format_x_date(signing.at),
    );
    let sent = signing.sent_body.unwrap_or_else(|| body.to_vec());
    let mut request = http.post(url).body(sent);
    for (k, v) in &base {
        request = request.header(k, v);
    }
    for (k, v) in signature.headers(signing.creds.session_token.as_ref()) {
        if k != "Authorization" || signing.authorize {
            request = request.header(k, v);
        }
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            match response.text().await {
                Ok(body) => Reply::Answer { status, body },
                Err(_) => Reply::Dropped,
            }
        }
        Err(e) => {
            assert!(!e.is_timeout(), "{e}");
            Reply::Dropped
        }
    }
}

async fn post(server: &DemoServer, action: &str, body: Value) -> Reply {
    let http = reqwest::Client::new();
    post_with(
        &http,
        server,
        action,
        body.to_string().as_bytes(),
        Signing::default(),
    )
    .await
}

fn page_body(conversation: i64, cursor: i64, limit: u32, reverse: Option<i32>) -> Value {
    let mut body = json!({
        "AppId": DEMO_APP_ID, "ConversationShortId": conversation, "Cursor": cursor, "Limit": limit,
    });
    if let Some(r) = reverse {
        body["Reverse"] = json!(r);
    }
    body
}

async fn start(options: DemoOptions) -> DemoServer {
    DemoServer::start(options).await.expect("the server starts")
}

/// A server that injects a fault into `fail_rate` of its answers, as `seed` decides.
async fn faulty(fail_rate: f64, seed: u64) -> DemoServer {
    start(DemoOptions {
        fail_rate,
        seed,
        ..DemoOptions::default()
    })
    .await
}

fn client_for(server: &DemoServer, max_attempts: u32) -> Client {
    let mut settings = ClientSettings::new(server.endpoint().parse().unwrap(), "cn-north-1");
    settings.max_attempts = max_attempts;
    Client::new(settings, demo_credentials()).unwrap()
}

#[tokio::test]
async fn a_correctly_signed_request_is_served() {
    let server = start(DemoOptions::default()).await;
    assert!(server.addr().ip().is_loopback());
    let reply = post(
        &server,
        "GetConversationMessages",
        page_body(DEMO_GROUP, 0, 20, None),
    )
    .await;
    assert_eq!(reply.status(), 200, "{reply:?}");
    let json = reply.json();
    assert_eq!(
        json["ResponseMetadata"]["Action"],
        "GetConversationMessages"
    );
    assert!(!reply.request_id().is_empty());
    assert_eq!(json["Result"]["Messages"].as_array().unwrap().len(), 20);
    assert_eq!(json["Result"]["HasMore"], true);
    let stats = server.stats();
    assert_eq!((stats.total_requests, stats.served), (1, 1));
    assert_eq!(stats.per_action["GetConversationMessages"], 1);
    server.shutdown().await;
}

#[tokio::test]
async fn authentication_failures_are_refused_with_their_codes() {
    let server = start(DemoOptions::default()).await;
    let http = reqwest::Client::new();
    let body = page_body(DEMO_GROUP, 0, 5, None).to_string();
    let send = |signing: Signing| {
        post_with(
            &http,
            &server,
            "GetConversationMessages",
            body.as_bytes(),
            signing,
        )
    };

    let wrong = send(Signing {
        creds: Credentials::new(volc_im::demo::DEMO_ACCESS_KEY, "not-the-secret"),
        ..Signing::default()
    })
    .await;
    assert_eq!(wrong.refusal(), (401, "SignatureDoesNotMatch".into()));
    assert_eq!(wrong.json()["ResponseMetadata"]["Error"]["CodeN"], 100010);
    assert!(!wrong.request_id().is_empty());

    let missing = send(Signing {
        authorize: false,
        ..Signing::default()
    })
    .await;
    assert_eq!(
        missing.refusal(),
        (401, "MissingAuthenticationToken".into())
    );
    assert_eq!(missing.json()["ResponseMetadata"]["Error"]["CodeN"], 100003);

    let tampered = send(Signing {
        sent_body: Some(body.replace("\"Limit\":5", "\"Limit\":6").into_bytes()),
        ..Signing::default()
    })
    .await;
    assert_eq!(tampered.refusal(), (401, "SignatureDoesNotMatch".into()));

    let stale = send(Signing {
        at: jiff::Timestamp::now() - jiff::SignedDuration::from_mins(20),
        ..Signing::default()
    })
    .await;
    assert_eq!(stale.refusal(), (403, "InvalidTimestamp".into()));
    assert_eq!(stale.json()["ResponseMetadata"]["Error"]["CodeN"], 100006);

    let unknown = send(Signing {
        creds: Credentials::new("AKLTsomeoneelse", volc_im::demo::DEMO_SECRET_KEY),
        ..Signing::default()
    })
    .await;
    assert_eq!(unknown.refusal(), (401, "InvalidAccessKey".into()));

    let mut with_token = demo_credentials();
    with_token.session_token = Some("sts-session-token".into());
    let token = send(Signing {
        creds: with_token,
        ..Signing::default()
    })
    .await;
    assert_eq!(token.status(), 200, "{token:?}");

    let stats = server.stats();
    assert_eq!(stats.signature_failures, 5);
    assert_eq!(stats.served, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn parameter_errors_are_invalid_parameter() {
    let server = start(DemoOptions::default()).await;
    let limit = post(
        &server,
        "GetConversationMessages",
        page_body(DEMO_GROUP, 0, 21, None),
    )
    .await;
    assert_eq!(limit.refusal(), (400, "InvalidParameter".into()));

    let live = post(
        &server,
        "GetConversationMessages",
        page_body(DEMO_LIVE, 0, 20, Some(0)),
    )
    .await;
    assert_eq!(live.refusal(), (400, "InvalidParameter".into()));
    let message = live.json()["ResponseMetadata"]["Error"]["Message"].to_string();
    assert!(message.contains("newest-first"), "{message}");

    let absent = post(
        &server,
        "GetConversationMessages",
        page_body(DEMO_LIVE, 0, 20, None),
    )
    .await;
    assert_eq!(absent.code(), "InvalidParameter");

    let app = post(
        &server,
        "GetConversationMessages",
        json!({"AppId": 1, "ConversationShortId": DEMO_GROUP, "Cursor": 0, "Limit": 5}),
    )
    .await;
    assert_eq!(app.code(), "InvalidParameter.NotExistAppId");

    let conversation = post(
        &server,
        "GetConversationMessages",
        page_body(42, 0, 5, None),
    )
    .await;
    assert!(conversation.code().starts_with("InvalidParameter"));

    let unmarshal = post(&server, "GetConversationMessages", json!({"AppId": "x"})).await;
    assert_eq!(
        unmarshal.refusal(),
        (400, "InvalidParameter.Unmarshal".into())
    );

    let action = post(&server, "DeleteEverything", json!({})).await;
    assert_eq!(action.refusal(), (404, "InvalidActionOrVersion".into()));
    server.shutdown().await;
}

#[tokio::test]
async fn request_ids_are_unique() {
    let server = start(DemoOptions::default()).await;
    let mut ids = HashSet::new();
    for cursor in 0..30 {
        let reply = post(
            &server,
            "GetConversationMessages",
            page_body(DEMO_DIRECT, cursor, 1, None),
        )
        .await;
        assert!(ids.insert(reply.request_id()), "{reply:?}");
    }
    let failed = post(&server, "Nope", json!({})).await;
    assert!(ids.insert(failed.request_id()));
    server.shutdown().await;
}

/// Walks a conversation with the real client, passing `NewCursor` back unchanged.
async fn walk(client: &Client, conversation: i64, reverse: i32) -> Vec<String> {
    let mut cursor = if reverse == 1 {
        Cursor::NEWEST
    } else {
        Cursor::OLDEST
    };
    let mut seen = Vec::new();
    loop {
        let page = client
            .get_conversation_messages(&GetConversationMessagesRequest {
                app_id: AppId(DEMO_APP_ID),
                conversation_short_id: ConversationId(conversation),
                cursor,
                limit: PAGE_LIMIT,
                reverse: Some(reverse),
            })
            .await
            .unwrap();
        seen.extend(page.messages.iter().map(|m| m.raw_json().to_owned()));
        if page.has_more != Some(true) {
            return seen;
        }
        cursor = page.new_cursor.expect("a cursor when there is more");
        assert!(seen.len() < 10_000, "the walk does not end");
    }
}

#[tokio::test]
async fn walking_with_new_cursor_returns_every_message_once_in_order() {
    let server = start(DemoOptions::default()).await;
    let client = client_for(&server, 1);
    let stored = demo_data()
        .conversation(ConversationId(DEMO_GROUP))
        .unwrap()
        .raw_messages();

    let forward = walk(&client, DEMO_GROUP, 0).await;
    assert_eq!(forward.len(), stored.len());
    assert!(forward.iter().zip(&stored).all(|(a, b)| a == b));

    let mut backward = walk(&client, DEMO_GROUP, 1).await;
    backward.reverse();
    assert!(backward == forward);

    let live = demo_data()
        .conversation(ConversationId(DEMO_LIVE))
        .unwrap()
        .raw_messages();
    let mut live_walk = walk(&client, DEMO_LIVE, 1).await;
    live_walk.reverse();
    assert!(
        live_walk
            .iter()
            .map(String::as_str)
            .eq(live.iter().copied())
    );
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_fields_come_back_byte_identical() {
    let server = start(DemoOptions::default()).await;
    let group = demo_data()
        .conversation(ConversationId(DEMO_GROUP))
        .unwrap();
    let (position, stored) = group
        .raw_messages()
        .into_iter()
        .enumerate()
        .find(|(_, raw)| raw.contains("\"ClientMsgId\""))
        .expect("a message with an unknown field");

    let reply = post(
        &server,
        "GetConversationMessages",
        page_body(DEMO_GROUP, position as i64 + 1, 1, None),
    )
    .await;
    let Reply::Answer { body, .. } = &reply else {
        panic!("no answer")
    };
    assert!(body.contains(stored), "{body}");

    let id = group.messages()[position].id().unwrap();
    let client = client_for(&server, 1);
    let by_id = client
        .get_messages(&volc_im::api::wire::GetMessagesRequest {
            app_id: AppId(DEMO_APP_ID),
            conversation_short_id: ConversationId(DEMO_GROUP),
            message_ids: vec![id, volc_im::model::MessageId(12345)],
        })
        .await
        .unwrap();
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0].raw_json(), stored);
    assert!(by_id[0].unknown_fields().contains_key("ClientMsgId"));

    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(rename = "Result")]
        result: Messages,
    }
    #[derive(serde::Deserialize)]
    struct Messages {
        #[serde(rename = "Messages")]
        messages: Vec<Box<RawValue>>,
    }
    let parsed: Envelope = serde_json::from_str(body).unwrap();
    assert_eq!(parsed.result.messages[0].get(), stored);
    server.shutdown().await;
}

#[tokio::test]
async fn a_burst_over_the_limit_is_throttled_and_no_window_exceeds_it() {
    let server = start(DemoOptions {
        max_qps: 50,
        ..DemoOptions::default()
    })
    .await;
    let http = reqwest::Client::new();
    let body = page_body(DEMO_DIRECT, 0, 1, None).to_string();
    let replies = futures::future::join_all((0..150).map(|_| {
        post_with(
            &http,
            &server,
            "GetConversationMessages",
            body.as_bytes(),
            Signing::default(),
        )
    }))
    .await;
    let throttled: Vec<&Reply> = replies.iter().filter(|r| r.status() == 429).collect();
    assert!(!throttled.is_empty());
    for reply in &throttled {
        assert_eq!(reply.code(), "FlowLimitExceeded.QPSOverLimit");
    }
    let ok = replies.iter().filter(|r| r.status() == 200).count();
    assert_eq!(ok + throttled.len(), 150);
    let stats = server.stats();
    assert!(stats.max_accepted_in_window <= 50, "{stats:?}");
    assert!(stats.max_accepted_in_window >= 1);
    assert_eq!(stats.qps_rejected, throttled.len() as u64);
    assert_eq!(stats.served, ok as u64);
    server.shutdown().await;
}

/// Sends `n` requests one after another and notes what came back.
async fn outcomes(options: DemoOptions, n: usize) -> (Vec<Reply>, volc_im::demo::DemoStats) {
    let server = start(options).await;
    let http = reqwest::Client::new();
    let mut replies = Vec::with_capacity(n);
    for i in 0..n {
        let body = page_body(DEMO_GROUP, i as i64, 1, None).to_string();
        let reply = post_with(
            &http,
            &server,
            "GetConversationMessages",
            body.as_bytes(),
            Signing::default(),
        )
        .await;
        // Request ids differ between runs; keep what the fault decided.
        replies.push(match reply {
            Reply::Answer { status, .. } if status != 200 => Reply::Answer {
                status,
                body: reply.code(),
            },
            Reply::Answer { status, .. } => Reply::Answer {
                status,
                body: String::new(),
            },
            Reply::Dropped => Reply::Dropped,
        });
    }
    let stats = server.stats();
    server.shutdown().await;
    (replies, stats)
}

#[tokio::test]
async fn injected_faults_repeat_with_the_seed() {
    // No rate limit: the requests come faster than 100 a second.
    let options = DemoOptions {
        fail_rate: 0.25,
        seed: 2024,
        max_qps: 0,
        ..DemoOptions::default()
    };
    let (first, stats) = outcomes(options.clone(), 200).await;
    let (second, _) = outcomes(options, 200).await;
    assert_eq!(first, second);

    let faults = first.iter().filter(|r| r.status() != 200).count();
    assert!((30..=70).contains(&faults), "{faults} faults of 200");
    assert_eq!(stats.faults_injected, faults as u64);
    assert_eq!(stats.served, 200 - faults as u64);
    let kinds: HashSet<String> = first
        .iter()
        .filter(|r| r.status() != 200)
        .map(|r| match r {
            Reply::Dropped => "dropped".to_owned(),
            Reply::Answer { status, body } => format!("{status} {body}"),
        })
        .collect();
    let expected: HashSet<String> = [
        "dropped",
        "500 InternalError",
        "429 FlowLimitExceeded",
        "503 ServiceUnavailableTemp",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(kinds, expected);
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_error_for_the_client() {
    let server = faulty(1.0, 0).await;
    let client = client_for(&server, 1);
    let mut dropped = false;
    for _ in 0..40 {
        let err = client
            .get_conversation_messages(&GetConversationMessagesRequest {
                app_id: AppId(DEMO_APP_ID),
                conversation_short_id: ConversationId(DEMO_GROUP),
                cursor: Cursor::OLDEST,
                limit: 1,
                reverse: None,
            })
            .await
            .unwrap_err();
        assert!(err.is_retryable(), "{err}");
        if let ApiError::Transport { .. } = err {
            dropped = true;
            break;
        }
    }
    assert!(dropped, "no dropped connection in 40 faults");
    server.shutdown().await;
}

#[tokio::test]
async fn the_client_gets_through_faults_by_retrying() {
    let server = faulty(0.2, 11).await;
    let client = client_for(&server, 6);
    let walked = walk(&client, DEMO_DIRECT, 0).await;
    let stored = demo_data()
        .conversation(ConversationId(DEMO_DIRECT))
        .unwrap()
        .raw_messages();
    assert!(walked.iter().map(String::as_str).eq(stored.iter().copied()));
    assert!(server.stats().faults_injected > 0);
    assert!(client.stats().retries > 0);
    server.shutdown().await;
}

#[tokio::test]
async fn requests_are_logged_and_fed_live() {
    let server = start(DemoOptions {
        latency: Duration::from_millis(30),
        ..DemoOptions::default()
    })
    .await;
    let mut feed = server.subscribe();
    let started = std::time::Instant::now();
    let body = json!({"AppId": DEMO_APP_ID, "ConversationShortId": DEMO_GROUP});
    let reply = post(&server, "GetConversationUserCount", body.clone()).await;
    assert!(started.elapsed() >= Duration::from_millis(30));
    assert_eq!(reply.json()["Result"]["Count"], 10);
    let event = feed.recv().await.unwrap();
    assert_eq!(event.action, "GetConversationUserCount");
    assert_eq!(event.body, body);
    assert_eq!(event.status, Some(200));
    assert_eq!(
        event.json_line(),
        json!({"action": "GetConversationUserCount", "body": body, "status": 200}).to_string()
    );
    let log = server.request_log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].request_id, reply.request_id());
    server.shutdown().await;
}

#[tokio::test]
async fn the_other_actions_answer_through_the_client() {
    let server = start(DemoOptions::default()).await;
    let client = client_for(&server, 1);
    let data = demo_data();
    let owner = data.conversations()[0].info().owner_user_id.unwrap();
    let page = client
        .get_user_conversations(&volc_im::api::wire::GetUserConversationsRequest {
            app_id: AppId(DEMO_APP_ID),
            participant_user_id: volc_im::model::UserId(owner),
            cursor: 0,
            limit: 20,
            data_type: None,
            inbox_type: None,
            skip_member_count: None,
        })
        .await
        .unwrap();
    assert_eq!(page.conversation_infos.len(), 3);
    assert!(!page.has_more);
    let ids: Vec<ConversationId> = data.conversations().iter().map(|c| c.id()).collect();
    let convs = client
        .batch_get_conversations(&volc_im::api::wire::BatchGetConversationsRequest {
            app_id: AppId(DEMO_APP_ID),
            conversation_short_id: ids,
            skip_member_count: None,
        })
        .await
        .unwrap();
    let expected: Vec<_> = data
        .conversations()
        .iter()
        .map(|c| c.info().clone())
        .collect();
    assert_eq!(convs.conversation_core_infos, expected);
    let users = client
        .batch_get_user(&volc_im::api::wire::BatchGetUserRequest {
            app_id: AppId(DEMO_APP_ID),
            user_ids: data.users().iter().map(|u| u.user_id).collect(),
        })
        .await
        .unwrap();
    assert_eq!(users.users, data.users());
    assert!(users.not_found_users.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn after_shutdown_nothing_listens() {
    let server = start(DemoOptions::default()).await;
    let addr = server.addr();
    server.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn the_demo_server_command_serves_logs_and_stops_on_ctrl_c() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_volc-im"))
        .args(["demo-server", "--port", "0", "--log-requests"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    let endpoint = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("a banner line before the output ends");
        banner.push(line.clone());
        if let Some(endpoint) = line.strip_prefix("listening on ") {
            break endpoint.to_owned();
        }
    };
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    // The rest of the banner comes before any request line.
    loop {
        let line = lines.next_line().await.unwrap().expect("the whole banner");
        let last = line.contains("Ctrl-C");
        banner.push(line);
        if last {
            break;
        }
    }
    let banner = banner.join("\n");
    assert!(banner.contains(volc_im::demo::DEMO_SECRET_KEY), "{banner}");
    assert!(banner.contains(&DEMO_GROUP.to_string()), "{banner}");

    let body = page_body(DEMO_GROUP, 0, 3, None);
    let reply = post_to(
        &reqwest::Client::new(),
        &endpoint,
        "GetConversationMessages",
        body.to_string().as_bytes(),
        Signing::default(),
    )
    .await;
    assert_eq!(reply.status(), 200, "{reply:?}");
    let logged: Value =
        serde_json::from_str(&lines.next_line().await.unwrap().expect("a request line")).unwrap();
    assert_eq!(
        logged,
        json!({"action": "GetConversationMessages", "body": body, "status": 200, "new_cursor": 4})
    );

    let pid = child.id().expect("still running") as libc::pid_t;
    // SAFETY: signals the child this test started, by its own id.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status}");
}
