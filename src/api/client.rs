//! The signed OpenAPI client: one rate limiter for the whole process, retries with
//! backoff for what can succeed later, a fresh signature on every attempt.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use tracing::Instrument;

use super::calls::{CallGuard, Calls};
use super::error::{ApiError, TransportKind};
use super::pace::Pace;
use super::response;
pub use super::response::DEFAULT_MAX_RESPONSE_BYTES;
use super::sign::{self, Credentials, RequestParts, Scope};
use super::wire::{
    self, API_VERSION, BatchGetConversationsRequest, BatchGetUserRequest,
    ConversationUserCountRequest, ConversationsResult, GetConversationMessagesRequest,
    GetMessagesRequest, GetUserConversationsRequest, Page, RawMessages, RawMessagesPage, SERVICE,
    UserConversationsPage, UserCountResult, UsersResult,
};
use crate::model::{AppId, ConversationId, Message};
use crate::paging::PageRequest;

/// The documented limit: requests per second, per account.
pub const DEFAULT_MAX_QPS: u32 = 100;
/// Attempts per call, the first included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// The most attempts a call may be configured to make.
pub const MAX_ATTEMPTS_LIMIT: u32 = 20;
/// The most time one call may take, all its attempts and the waits between them
/// included, unless configured otherwise (`max_retry_seconds`).
pub const DEFAULT_MAX_RETRY_TIME: Duration = Duration::from_secs(60);
/// How long to wait for a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole request may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The first retry waits about this long; each further one about twice as long.
pub const RETRY_MIN_DELAY: Duration = Duration::from_millis(200);
/// No retry waits longer than this.
pub const RETRY_MAX_DELAY: Duration = Duration::from_secs(8);
/// Where and how the client calls.
#[derive(Clone, Debug)]
pub struct ClientSettings {
    /// The OpenAPI endpoint, e.g. `https://rtc.volcengineapi.com`.
    pub endpoint: url::Url,
    /// The signing region, e.g. `cn-north-1`.
    pub region: String,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Requests per second for the whole process (0: no limit).
    pub max_qps: u32,
    /// Attempts per call, the first included (1 = no retry; at most [`MAX_ATTEMPTS_LIMIT`]).
    pub max_attempts: u32,
    /// The most time one call may take, all its attempts included.
    pub max_retry_time: Duration,
    /// The most bytes read from one answer.
    pub max_response_bytes: u64,
}

impl ClientSettings {
    /// Default settings for an endpoint and region.
    pub fn new(endpoint: url::Url, region: impl Into<String>) -> Self {
        ClientSettings {
            endpoint,
            region: region.into(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_qps: DEFAULT_MAX_QPS,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            max_retry_time: DEFAULT_MAX_RETRY_TIME,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

/// Counters of what the client did, for progress displays and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Requests sent (attempts, retries included).
    pub requests: u64,
    /// Attempts that were retries.
    pub retries: u64,
    /// Attempts answered with throttling.
    pub throttled: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
}

/// Reads a response (action, HTTP status, body) into a call's result.
type Reader<T> = fn(&str, u16, &[u8]) -> Result<T, ApiError>;

/// A signed request ready to send, as `--dry-run` shows it.
#[derive(Clone, Debug)]
pub struct PreparedRequest {
    /// Always `POST`.
    pub method: &'static str,
    /// The full URL with `Action` and `Version`.
    pub url: url::Url,
    /// Every header sent; a session token's value is masked.
    pub headers: Vec<(String, String)>,
    /// The exact body.
    pub body: Vec<u8>,
}

/// The OpenAPI client. Cheap to clone: clones share the connection pool, the rate
/// limiter and the counters.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    creds: Arc<Credentials>,
    settings: Arc<ClientSettings>,
    pace: Arc<Pace>,
    counters: Arc<Counters>,
    calls: Calls,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.settings.endpoint.as_str())
            .field("region", &self.settings.region)
            .field("access_key", &self.creds.access_key)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the given endpoint and credentials.
    pub fn new(settings: ClientSettings, creds: Credentials) -> Result<Client, ApiError> {
        let mut http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .user_agent(concat!("volc-im/", env!("CARGO_PKG_VERSION")))
            // A signed request is never followed elsewhere: the signature covers this
            // host only, and a session token must not travel to another one.
            .redirect(reqwest::redirect::Policy::none());
        if settings.endpoint.scheme() != "https" {
            // Every request goes to the endpoint and redirects are not followed, so a
            // plain-http client never verifies a certificate: it need not read the
            // system's root certificates (a good part of a short command's start).
            http = http.tls_certs_only([]);
        }
        let http = http
            .build()
            .map_err(|e| ApiError::Request(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            http,
            creds: Arc::new(creds),
            pace: Arc::new(Pace::new(settings.max_qps)),
            settings: Arc::new(settings),
            counters: Arc::default(),
            calls: Calls::default(),
        })
    }

    /// The settings in use.
    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// The access key id in use (not secret).
    pub fn access_key(&self) -> &str {
        &self.creds.access_key
    }

    /// What the client has done so far.
    pub fn stats(&self) -> ClientStats {
        ClientStats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            retries: self.counters.retries.load(Ordering::Relaxed),
            throttled: self.counters.throttled.load(Ordering::Relaxed),
        }
    }

    /// The calls in flight, for a display to read on its own clock.
    pub fn calls(&self) -> &Calls {
        &self.calls
    }

    fn url_for(&self, action: &str) -> url::Url {
        let mut url = self.settings.endpoint.clone();
        url.set_path("/");
        url.set_query(None);
        url.query_pairs_mut()
            .append_pair("Action", action)
            .append_pair("Version", API_VERSION);
        url
    }

    /// Signs a request for `action` with the given body, as it would be sent now.
    /// The session token's value is masked in the result: it is for showing.
    pub fn prepare(&self, action: &str, body: &[u8]) -> PreparedRequest {
        let (url, headers) = self.signed_headers(action, body);
        let headers = headers
            .into_iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("x-security-token") {
                    (k, "***".to_owned())
                } else {
                    (k, v)
                }
            })
            .collect();
        PreparedRequest {
            method: "POST",
            url,
            headers,
            body: body.to_vec(),
        }
    }

    /// The URL and the full header list, signed now.
    fn signed_headers(&self, action: &str, body: &[u8]) -> (url::Url, Vec<(String, String)>) {
        let url = self.url_for(action);
        let query: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let base = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Host".to_owned(), sign::host_header(&url)),
        ];
        let scope = Scope {
            region: self.settings.region.clone(),
            service: SERVICE.to_owned(),
        };
        let parts = RequestParts {
            method: "POST",
            path: "/",
            query: &query,
            headers: &base,
            body,
        };
        let x_date = sign::format_x_date(jiff::Timestamp::now());
        let signature = sign::sign(&self.creds, &scope, &parts, &x_date);
        let mut headers = base;
        for (name, value) in signature.headers(self.creds.session_token.as_ref()) {
            headers.push((name.to_owned(), value));
        }
        (url, headers)
    }

    /// One attempt: wait for the rate limiter, sign, send, read with `read`.
    async fn attempt<T>(
        &self,
        action: &str,
        body: &[u8],
        call: &CallGuard,
        read: Reader<T>,
    ) -> Result<T, ApiError> {
        self.pace.wait().await;
        call.sent();
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let (url, headers) = self.signed_headers(action, body);
        let mut request = self.http.post(url.clone()).body(body.to_vec());
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request.send().await.map_err(|e| transport(action, &e))?;
        let cap = self.settings.max_response_bytes;
        let (status, bytes) =
            response::read(action, &url, response, cap, |e| transport(action, e)).await?;
        let result = read(action, status, &bytes);
        if let Err(e) = &result
            && e.is_throttled()
        {
            self.counters.throttled.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// Attempts until one succeeds or fails for good. Retries what can succeed later
    /// (throttling, 5xx, transport failures) with exponential backoff and jitter, up
    /// to the configured attempts and within the configured time for the whole call;
    /// a result that cannot be read is not retried. Its state is published in
    /// [`Client::calls`].
    async fn call_with<T>(
        &self,
        action: &str,
        body: &[u8],
        read: Reader<T>,
    ) -> Result<T, ApiError> {
        let max_attempts = self.settings.max_attempts.clamp(1, MAX_ATTEMPTS_LIMIT);
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(RETRY_MIN_DELAY)
            .with_max_delay(RETRY_MAX_DELAY)
            .with_max_times(max_attempts as usize - 1)
            .with_jitter()
            .build();
        let limit = self.settings.max_retry_time;
        let deadline = tokio::time::Instant::now() + limit;
        let call = self.calls.begin(action, max_attempts);
        async {
            let mut attempt = 1;
            loop {
                call.attempt(attempt);
                let err = match tokio::time::timeout_at(
                    deadline,
                    self.attempt(action, body, &call, read),
                )
                .await
                {
                    Ok(Ok(result)) => return Ok(result),
                    Ok(Err(err)) => err,
                    Err(_) => {
                        tracing::warn!(attempts = attempt, "giving up: max_retry_seconds reached");
                        return Err(ApiError::GaveUp {
                            action: action.into(),
                            seconds: limit.as_secs_f64().ceil() as u64,
                            attempts: attempt,
                            last: None,
                        });
                    }
                };
                if !err.is_retryable() {
                    return Err(err);
                }
                let Some(delay) = delays.next() else {
                    return Err(err);
                };
                if tokio::time::Instant::now() + delay >= deadline {
                    tracing::warn!(%err, "not retrying: max_retry_seconds would pass first");
                    return Err(ApiError::GaveUp {
                        action: action.into(),
                        seconds: limit.as_secs_f64().ceil() as u64,
                        attempts: attempt,
                        last: Some(Box::new(err)),
                    });
                }
                self.counters.retries.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%err, ?delay, "retrying");
                attempt += 1;
                call.retrying(attempt, delay);
                tokio::time::sleep(delay).await;
            }
        }
        .instrument(tracing::debug_span!("call", action))
        .await
    }

    /// A signed call to any action with a raw JSON body; returns the raw `Result`.
    /// Retries what can succeed later (throttling, 5xx, transport failures) with
    /// exponential backoff and jitter, up to the configured attempts.
    pub async fn call_raw(&self, action: &str, body: &[u8]) -> Result<Box<RawValue>, ApiError> {
        self.call_with(action, body, wire::read_response).await
    }

    /// A signed call with a typed body and result, retried as [`Client::call_raw`] is.
    pub async fn call<Req: Serialize, Res: DeserializeOwned>(
        &self,
        action: &str,
        req: &Req,
    ) -> Result<Res, ApiError> {
        let body = serde_json::to_vec(req)
            .map_err(|e| ApiError::Request(format!("{action}: cannot encode the body: {e}")))?;
        self.call_with(action, &body, wire::read_response_as::<Res>)
            .await
    }

    /// `GetConversationMessages`: one page of a conversation's history.
    pub async fn get_conversation_messages(
        &self,
        req: &GetConversationMessagesRequest,
    ) -> Result<Page, ApiError> {
        let page: RawMessagesPage = self.call("GetConversationMessages", req).await?;
        Ok(page.read())
    }

    /// The page a [`PageRequest`] of the pager asks for.
    pub async fn fetch_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        req: &PageRequest,
    ) -> Result<Page, ApiError> {
        self.get_conversation_messages(&GetConversationMessagesRequest {
            app_id: app,
            conversation_short_id: conversation,
            cursor: req.cursor,
            limit: req.limit,
            reverse: Some(req.reverse),
        })
        .await
    }

    /// `GetMessages`: messages by id (those that exist).
    pub async fn get_messages(&self, req: &GetMessagesRequest) -> Result<Vec<Message>, ApiError> {
        let messages: RawMessages = self.call("GetMessages", req).await?;
        Ok(messages.read())
    }

    /// `GetUserConversations`: a page of a user's conversations.
    pub async fn get_user_conversations(
        &self,
        req: &GetUserConversationsRequest,
    ) -> Result<UserConversationsPage, ApiError> {
        self.call("GetUserConversations", req).await
    }

    /// `BatchGetConversations`: conversations by id.
    pub async fn batch_get_conversations(
        &self,
        req: &BatchGetConversationsRequest,
    ) -> Result<ConversationsResult, ApiError> {
        self.call("BatchGetConversations", req).await
    }

    /// `BatchGetUser`: users by id (at most 50 a call).
    pub async fn batch_get_user(&self, req: &BatchGetUserRequest) -> Result<UsersResult, ApiError> {
        self.call("BatchGetUser", req).await
    }

    /// `GetConversationUserCount`: how many members a conversation has.
    pub async fn get_conversation_user_count(
        &self,
        req: &ConversationUserCountRequest,
    ) -> Result<UserCountResult, ApiError> {
        self.call("GetConversationUserCount", req).await
    }
}

fn transport(action: &str, err: &reqwest::Error) -> ApiError {
    if err.is_builder() {
        // The request could not be built (a header value that is not allowed, say):
        // trying again cannot help.
        return ApiError::Request(format!("{action}: the request could not be built: {err}"));
    }
    let kind = if err.is_timeout() {
        TransportKind::Timeout
    } else if err.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Interrupted
    };
    // The chain of sources says why (refused, reset, ...); the URL holds no secret.
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    ApiError::Transport {
        action: action.into(),
        kind,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepared_requests_are_signed_and_mask_the_token() {
        let mut creds = Credentials::new("AKTEST", "top-secret");
        creds.session_token = Some("session-secret".into());
        let settings = ClientSettings::new("http://127.0.0.1:8080".parse().unwrap(), "cn-north-1");
        let client = Client::new(settings, creds).unwrap();
        let p = client.prepare("GetMessages", br#"{"AppId":1}"#);
        assert_eq!(
            p.url.as_str(),
            "http://127.0.0.1:8080/?Action=GetMessages&Version=2020-12-01"
        );
        let header = |n: &str| {
            p.headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(header("Host").as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(header("X-Security-Token").as_deref(), Some("***"));
        let auth = header("Authorization").unwrap();
        assert!(
            auth.contains(
                "SignedHeaders=content-type;host;x-content-sha256;x-date;x-security-token"
            ),
            "{auth}"
        );
        let shown = format!("{p:?} {client:?}");
        assert!(!shown.contains("top-secret") && !shown.contains("session-secret"));
    }
}
