//! What the server counts and remembers, for tests and for `--log-requests`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::REQUEST_LOG_CAPACITY;

/// A snapshot of the server's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoStats {
    /// Every request received.
    pub total_requests: u64,
    /// Requests received, by the `Action` they named (`""` when none).
    pub per_action: BTreeMap<String, u64>,
    /// Requests answered with data (HTTP 200).
    pub served: u64,
    /// Requests refused with `FlowLimitExceeded.QPSOverLimit`.
    pub qps_rejected: u64,
    /// Requests refused for their authentication: no or unreadable
    /// `Authorization`, unknown access key, bad signature or body hash, stale `X-Date`.
    pub signature_failures: u64,
    /// Requests answered with an injected fault (dropped connections included).
    pub faults_injected: u64,
    /// The most requests accepted by the rate limit within any one second.
    pub max_accepted_in_window: u32,
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    /// The `RequestId` given to it.
    pub request_id: String,
    /// The `Action` it named (`""` when none).
    pub action: String,
    /// Its body: the parsed JSON, a string when it was not JSON, null when empty.
    pub body: Value,
    /// When it arrived.
    pub arrived: Instant,
    /// The HTTP status answered; `None` when the connection was dropped instead.
    pub status: Option<u16>,
    /// The error code answered, if any.
    pub error: Option<String>,
    /// The `NewCursor` of a successful `GetConversationMessages` answer, so that a
    /// test can follow the cursor chain as the client saw it.
    pub new_cursor: Option<i64>,
}

impl LoggedRequest {
    /// One JSON line: `{"action":..,"body":..,"status":..}` (status null for a
    /// dropped connection), with `"error"` when the answer was an error and
    /// `"new_cursor"` when it was a page of messages.
    pub fn json_line(&self) -> String {
        let mut line = json!({
            "action": self.action,
            "body": self.body,
            "status": self.status,
        });
        if let Some(code) = &self.error {
            line["error"] = json!(code);
        }
        if let Some(cursor) = self.new_cursor {
            line["new_cursor"] = json!(cursor);
        }
        line.to_string()
    }

    /// The body as logged: parsed JSON, else text, else null.
    pub(crate) fn body_value(body: &[u8]) -> Value {
        if body.is_empty() {
            return Value::Null;
        }
        serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
    }
}

/// The counters, the bounded request log and the live feed of requests.
#[derive(Debug)]
pub(crate) struct Recorder {
    counters: Mutex<DemoStats>,
    log: Mutex<VecDeque<LoggedRequest>>,
    feed: broadcast::Sender<LoggedRequest>,
}

/// What the live feed buffers for a slow reader before it skips.
const FEED_CAPACITY: usize = 1024;

/// Which counter an answer adds to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Served,
    QpsRejected,
    SignatureFailure,
    Fault,
    /// Any other refusal (parameters, action).
    Refused,
}

impl Recorder {
    pub(crate) fn new() -> Self {
        Recorder {
            counters: Mutex::new(DemoStats::default()),
            log: Mutex::new(VecDeque::new()),
            feed: broadcast::channel(FEED_CAPACITY).0,
        }
    }

    /// Counts a request as it arrives.
    pub(crate) fn arrived(&self, action: &str) {
        let mut c = self
            .counters
            .lock()
            .expect("the counters lock is never poisoned");
        c.total_requests += 1;
        *c.per_action.entry(action.to_owned()).or_default() += 1;
    }

    /// Counts how a request was answered.
    pub(crate) fn answered(&self, outcome: Outcome) {
        let mut c = self
            .counters
            .lock()
            .expect("the counters lock is never poisoned");
        match outcome {
            Outcome::Served => c.served += 1,
            Outcome::QpsRejected => c.qps_rejected += 1,
            Outcome::SignatureFailure => c.signature_failures += 1,
            Outcome::Fault => c.faults_injected += 1,
            Outcome::Refused => {}
        }
    }

    /// Logs a request, dropping the oldest beyond the log's capacity, and passes
    /// it to the live feed.
    pub(crate) fn log(&self, entry: LoggedRequest) {
        {
            let mut log = self.log.lock().expect("the log lock is never poisoned");
            if log.len() == REQUEST_LOG_CAPACITY {
                log.pop_front();
            }
            log.push_back(entry.clone());
        }
        // Nobody listening is fine.
        let _ = self.feed.send(entry);
    }

    pub(crate) fn snapshot(&self, max_accepted_in_window: u32) -> DemoStats {
        let mut stats = self
            .counters
            .lock()
            .expect("the counters lock is never poisoned")
            .clone();
        stats.max_accepted_in_window = max_accepted_in_window;
        stats
    }

    pub(crate) fn entries(&self) -> Vec<LoggedRequest> {
        let log = self.log.lock().expect("the log lock is never poisoned");
        log.iter().cloned().collect()
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<LoggedRequest> {
        self.feed.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: usize) -> LoggedRequest {
        LoggedRequest {
            request_id: n.to_string(),
            action: "GetMessages".into(),
            body: json!({"N": n}),
            arrived: Instant::now(),
            status: Some(200),
            error: None,
            new_cursor: None,
        }
    }

    #[test]
    fn the_log_keeps_the_newest_entries() {
        let recorder = Recorder::new();
        for n in 0..REQUEST_LOG_CAPACITY + 5 {
            recorder.log(entry(n));
        }
        let entries = recorder.entries();
        assert_eq!(entries.len(), REQUEST_LOG_CAPACITY);
        assert_eq!(entries[0].request_id, "5");
    }

    #[test]
    fn json_lines_carry_action_body_and_status() {
        let mut e = entry(1);
        assert_eq!(
            e.json_line(),
            r#"{"action":"GetMessages","body":{"N":1},"status":200}"#
        );
        e.status = None;
        e.error = Some("InternalError".into());
        assert_eq!(
            e.json_line(),
            r#"{"action":"GetMessages","body":{"N":1},"status":null,"error":"InternalError"}"#
        );
    }

    #[test]
    fn bodies_are_logged_as_json_text_or_null() {
        assert_eq!(LoggedRequest::body_value(b""), Value::Null);
        assert_eq!(LoggedRequest::body_value(b"{\"A\":1}"), json!({"A": 1}));
        assert_eq!(LoggedRequest::body_value(b"{oops"), json!("{oops"));
    }

    #[test]
    fn counters_add_up() {
        let recorder = Recorder::new();
        recorder.arrived("GetMessages");
        recorder.arrived("GetMessages");
        recorder.arrived("");
        recorder.answered(Outcome::Served);
        recorder.answered(Outcome::Fault);
        let stats = recorder.snapshot(7);
        assert_eq!(stats.total_requests, 3);
        assert_eq!(stats.per_action["GetMessages"], 2);
        assert_eq!((stats.served, stats.faults_injected), (1, 1));
        assert_eq!(stats.max_accepted_in_window, 7);
    }
}
