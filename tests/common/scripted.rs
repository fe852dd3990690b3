//! A scripted service on loopback for the tests of a misbehaving server: each
//! request's JSON body goes to a script, and its [`Answer`] is written as raw HTTP,
//! so that a test can send what no well-behaved server would (a body that never
//! ends, silence, any status and header). Also the export those tests run against it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{Ran, run, volc_im, words};

/// What the scripted server does with one request.
pub enum Answer {
    /// Writes these bytes after the status line and headers it is given.
    Whole {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// A 200 whose chunked body never ends (until the client hangs up, or
    /// [`ENDLESS_LIMIT`] bytes).
    Endless,
    /// Reads the request and never answers.
    Silent,
}

/// The most an endless body sends before the server gives up on its own.
pub const ENDLESS_LIMIT: u64 = 512 * 1024 * 1024;

type Script = Arc<dyn Fn(&Value) -> Answer + Send + Sync>;

/// The service, and what it has been through.
pub struct Fake {
    /// Where to send requests.
    pub endpoint: String,
    /// How many requests it has read.
    pub requests: Arc<AtomicUsize>,
    /// How many bytes of endless bodies it has sent.
    pub sent: Arc<AtomicU64>,
}

/// Starts the service on loopback; its tasks end with the test's runtime.
pub async fn fake(script: impl Fn(&Value) -> Answer + Send + Sync + 'static) -> Fake {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let script: Script = Arc::new(script);
    let requests = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let (r, s) = (requests.clone(), sent.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(connection(stream, script.clone(), r.clone(), s.clone()));
        }
    });
    Fake {
        endpoint,
        requests,
        sent,
    }
}

/// Serves the requests of one connection, one after another.
async fn connection(
    mut stream: TcpStream,
    script: Script,
    requests: Arc<AtomicUsize>,
    sent: Arc<AtomicU64>,
) {
    let mut buf = Vec::new();
    loop {
        let Some(body) = read_request(&mut stream, &mut buf).await else {
            return;
        };
        requests.fetch_add(1, Ordering::SeqCst);
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        match script(&request) {
            Answer::Whole {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} Scripted\r\n");
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                if stream.write_all(head.as_bytes()).await.is_err()
                    || stream.write_all(&body).await.is_err()
                {
                    return;
                }
            }
            Answer::Endless => {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("10000\r\n{}\r\n", "[".repeat(0x10000));
                while sent.load(Ordering::SeqCst) < ENDLESS_LIMIT {
                    if stream.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                    sent.fetch_add(0x10000, Ordering::SeqCst);
                }
                return;
            }
            Answer::Silent => {
                // Holds the connection open without a word until the client hangs up.
                let mut rest = [0u8; 1024];
                while matches!(stream.read(&mut rest).await, Ok(n) if n > 0) {}
                return;
            }
        }
    }
}

/// Reads one request; its body. `None` when the connection ends first.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                let body = buf[end + 4..end + 4 + length].to_vec();
                buf.drain(..end + 4 + length);
                return Some(body);
            }
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A message of conversation 9 of app 1, numbered `id` (id, index and time).
pub fn message(id: i64) -> Value {
    json!({"AppId": 1, "ConversationShortId": 9, "ConversationType": 2, "MessageId": id, "Sender": 5,
           "MsgType": 10001, "Content": format!("{{\"text\":\"message {id}\"}}"), "CreateTime": 1_700_000_000_000i64 + id,
           "Status": 0, "IndexInConversation": id})
}

/// A `GetConversationMessages` answer with this `Result`.
pub fn envelope(result: Value) -> Vec<u8> {
    json!({
        "ResponseMetadata": {"RequestId": "fake-req", "Action": "GetConversationMessages", "Version": "2020-12-01"},
        "Result": result,
    })
    .to_string()
    .into_bytes()
}

/// A 200 with a JSON body.
pub fn json_answer(body: Vec<u8>) -> Answer {
    Answer::Whole {
        status: 200,
        headers: vec![("Content-Type", "application/json".into())],
        body,
    }
}

/// A `status` with a text body, as a web framework sends a string.
pub fn text_answer(status: u16, body: String) -> Answer {
    Answer::Whole {
        status,
        headers: vec![("Content-Type", "text/plain; charset=utf-8".into())],
        body: body.into_bytes(),
    }
}

/// A page of the messages `ids`, with `HasMore` when given, and `NewCursor`.
pub fn page(ids: std::ops::RangeInclusive<i64>, has_more: Option<bool>, cursor: i64) -> Answer {
    let messages: Vec<Value> = ids.map(message).collect();
    let mut result = json!({"NewCursor": cursor, "Messages": messages});
    if let Some(more) = has_more {
        result["HasMore"] = json!(more);
    }
    json_answer(envelope(result))
}

/// The `Cursor` a request asks for (-1 without one).
pub fn cursor_of(request: &Value) -> i64 {
    request["Cursor"].as_i64().unwrap_or(-1)
}

/// Exports conversation 9 of app 1 from the fake into `out.jsonl` with the given
/// configuration; what it printed, what it wrote, and how long it took.
pub async fn export(fake: &Fake, home: &std::path::Path, config: &str) -> (Ran, String, Duration) {
    let path = home.join("config.toml");
    std::fs::write(&path, config).unwrap();
    let out = home.join("out.jsonl");
    let args = words(&[
        "export",
        "--endpoint",
        &fake.endpoint,
        "--config",
        path.to_str().unwrap(),
        "--app-id",
        "1",
        "--conversation",
        "9",
        "--output",
        out.to_str().unwrap(),
    ]);
    let started = Instant::now();
    let ran = tokio::time::timeout(Duration::from_secs(60), run(&mut volc_im(home), &args))
        .await
        .expect("the export ends");
    let written = std::fs::read_to_string(&out).unwrap_or_default();
    (ran, written, started.elapsed())
}

/// Two attempts per call and a short timeout, so that retried failures end quickly.
pub const QUICK: &str = "max_attempts = 2\ntimeout_secs = 5\n";
