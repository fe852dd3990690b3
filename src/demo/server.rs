//! The HTTP server: accepts loopback connections, injects the configured faults,
//! checks each request's signature, applies the rate limit and answers from the
//! demo data.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rand::RngExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::actions::{self, ACTIONS};
use super::auth;
use super::data::{DemoData, demo_data};
use super::faults::{Fault, FaultDice};
use super::grow::{Grower, Histories};
use super::limiter::SlidingWindow;
use super::reply::{Refusal, ok_raw};
use super::stats::{DemoStats, LoggedRequest, Outcome, Recorder};
use super::{DEMO_REGION, DemoOptions};
use crate::api::sign::RequestParts;
use crate::api::wire::API_VERSION;
use crate::model::ConversationId;

/// The largest request body read.
const MAX_BODY_BYTES: usize = 1 << 20;
/// How long open connections may finish their answers after shutdown is asked.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long to wait before accepting again after `accept` failed (e.g. no file
/// descriptors left).
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// A running demo server, listening on 127.0.0.1.
pub struct DemoServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
    growth: Option<JoinHandle<()>>,
}

impl fmt::Debug for DemoServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoServer")
            .field("addr", &self.addr)
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

/// State shared by every request.
struct Shared {
    options: DemoOptions,
    data: &'static DemoData,
    histories: Histories,
    recorder: Recorder,
    limiter: Mutex<SlidingWindow>,
    dice: Mutex<FaultDice>,
    requests: AtomicU64,
}

/// Closes the connection a request came on, without an answer.
#[derive(Clone)]
struct ConnectionKill(Arc<Notify>);

impl DemoServer {
    /// Binds 127.0.0.1 on the given port (0 picks a free one) and serves on the
    /// current tokio runtime until [`DemoServer::shutdown`] or until dropped.
    pub async fn start(options: DemoOptions) -> std::io::Result<DemoServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            data: demo_data(),
            histories: Histories::shipped(demo_data()),
            recorder: Recorder::new(),
            limiter: Mutex::new(SlidingWindow::new(options.max_qps)),
            dice: Mutex::new(FaultDice::new(options.fail_rate, options.seed)),
            requests: AtomicU64::new(0),
            options,
        });
        let router = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let (shutdown, stop) = watch::channel(false);
        let growth = shared
            .options
            .grow_every
            .map(|every| tokio::spawn(grow_loop(Arc::clone(&shared), every, stop.clone())));
        let task = tokio::spawn(accept_loop(listener, router, stop));
        tracing::info!(%addr, "demo server listening");
        Ok(DemoServer {
            addr,
            shared,
            shutdown,
            task,
            growth,
        })
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint to give the client: `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The options the server runs with.
    pub fn options(&self) -> &DemoOptions {
        &self.shared.options
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> DemoStats {
        let max = self.shared.limiter().max_in_window();
        self.shared.recorder.snapshot(max)
    }

    /// The requests received so far, oldest first (the newest
    /// [`REQUEST_LOG_CAPACITY`](super::REQUEST_LOG_CAPACITY) of them).
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.shared.recorder.entries()
    }

    /// How many messages a conversation holds now (more than shipped once it grows);
    /// 0 for a conversation the demo app does not have.
    pub fn message_count(&self, conversation: ConversationId) -> usize {
        self.shared.histories.len(conversation)
    }

    /// Every request from now on, as it is answered.
    pub fn subscribe(&self) -> broadcast::Receiver<LoggedRequest> {
        self.shared.recorder.subscribe()
    }

    /// Stops accepting, lets open connections finish their answers (for a few
    /// seconds at most) and returns when the server is gone.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        if let Some(growth) = self.growth {
            let _ = growth.await;
        }
        if let Err(e) = self.task.await
            && e.is_panic()
        {
            tracing::error!("the demo server's accept loop panicked");
        }
    }
}

/// Appends a message to every conversation each `every`, until the server stops.
async fn grow_loop(shared: Arc<Shared>, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut grower = Grower::new(shared.options.seed);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    // A stalled runtime must not make up for lost ticks with a burst of messages.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                let now = jiff::Timestamp::now().as_millisecond();
                if shared.histories.grow(&mut grower, now) == 0 {
                    tracing::info!("demo server: every conversation is full, growth stops");
                    break;
                }
            }
            _ = stop.changed() => break,
        }
    }
}

async fn accept_loop(listener: TcpListener, router: Router, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone(), stop.clone()));
                }
                Err(e) => {
                    tracing::warn!(%e, "accept failed");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                }
            },
            // A change, or the server handle dropped: either way, stop.
            _ = stop.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drained).await.is_err() {
        tracing::warn!("demo server: closing connections still busy after the grace period");
    }
}

async fn serve_connection(stream: TcpStream, router: Router, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let kill = ConnectionKill(Arc::new(Notify::new()));
    let for_requests = kill.clone();
    let service = TowerToHyperService::new(router);
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(for_requests.clone());
        service.call(req)
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut stopping = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            // Returning drops the connection and its socket: the client sees the
            // connection closed with no answer.
            _ = kill.0.notified() => return,
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// How a request is answered.
enum Answer {
    Reply {
        status: StatusCode,
        body: String,
        error: Option<&'static str>,
        /// A page of messages' `NewCursor`, for the request log.
        new_cursor: Option<i64>,
    },
    Drop,
}

impl Shared {
    fn limiter(&self) -> std::sync::MutexGuard<'_, SlidingWindow> {
        self.limiter
            .lock()
            .expect("the limiter lock is never poisoned")
    }

    fn next_request_id(&self) -> String {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let stamp = jiff::Timestamp::now().strftime("%Y%m%d%H%M%S");
        let noise: u32 = rand::rng().random();
        format!("{stamp}{n:06}{noise:08X}")
    }

    fn refuse(&self, refusal: Refusal, outcome: Outcome, ids: (&str, &str, &str)) -> Answer {
        self.recorder.answered(outcome);
        reply(refusal, ids)
    }

    /// Decides the answer. Injected faults come first, as a failing network or
    /// gateway would (they draw in arrival order, whatever the request); then the
    /// signature, the action, the rate limit, and the work.
    fn answer(
        &self,
        parts: &Parts,
        query: &[(String, String)],
        body: Option<&[u8]>,
        request_id: &str,
    ) -> Answer {
        let (action, version) = (param(query, "Action"), param(query, "Version"));
        self.recorder.arrived(action);
        let fault = self
            .dice
            .lock()
            .expect("the dice lock is never poisoned")
            .draw();
        if let Some(fault) = fault {
            self.recorder.answered(Outcome::Fault);
            return match injected(fault) {
                Some(refusal) => reply(refusal, (request_id, action, DEMO_REGION)),
                None => Answer::Drop,
            };
        }
        let Some(body) = body else {
            let refusal = Refusal::invalid(format!(
                "the body could not be read or is over {MAX_BODY_BYTES} bytes"
            ));
            return self.refuse(refusal, Outcome::Refused, (request_id, action, DEMO_REGION));
        };
        let headers = header_pairs(parts);
        let received = RequestParts {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query,
            headers: &headers,
            body,
        };
        let auth = match auth::check(&received, jiff::Timestamp::now()) {
            Ok(auth) => auth,
            Err(refusal) => {
                let ids = (request_id, action, DEMO_REGION);
                return self.refuse(refusal, Outcome::SignatureFailure, ids);
            }
        };
        let ids = (request_id, action, auth.scope.region.as_str());
        if parts.uri.path() != "/" || version != API_VERSION || !ACTIONS.contains(&action) {
            let refusal = Refusal::new(
                StatusCode::NOT_FOUND,
                "InvalidActionOrVersion",
                format!(
                    "no action `{action}` of version `{version}` at `{}`: the actions are {} of version {API_VERSION}, at /",
                    parts.uri.path(),
                    ACTIONS.join(", ")
                ),
            )
            .with_code_n(100008);
            return self.refuse(refusal, Outcome::Refused, ids);
        }
        if !self.limiter().admit(Instant::now()) {
            let refusal = Refusal::new(
                StatusCode::TOO_MANY_REQUESTS,
                "FlowLimitExceeded.QPSOverLimit",
                format!(
                    "more than {} requests in one second: slow down and retry",
                    self.options.max_qps
                ),
            );
            return self.refuse(refusal, Outcome::QpsRejected, ids);
        }
        match actions::dispatch(action, body, self.data, &self.histories) {
            Ok(served) => {
                self.recorder.answered(Outcome::Served);
                Answer::Reply {
                    status: StatusCode::OK,
                    body: ok_raw(request_id, action, ids.2, &served.result),
                    error: None,
                    new_cursor: served.new_cursor,
                }
            }
            Err(refusal) => self.refuse(refusal, Outcome::Refused, ids),
        }
    }
}

/// The error an injected fault answers with; `None` for a dropped connection.
fn injected(fault: Fault) -> Option<Refusal> {
    Some(match fault {
        Fault::InternalError => Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "injected fault: internal error",
        )
        .with_code_n(100014),
        Fault::Throttled => Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            "FlowLimitExceeded",
            "injected fault: throttled",
        ),
        Fault::Unavailable => Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailableTemp",
            "injected fault: service temporarily unavailable",
        ),
        Fault::DropConnection => return None,
    })
}

fn reply(refusal: Refusal, ids: (&str, &str, &str)) -> Answer {
    let (request_id, action, region) = ids;
    Answer::Reply {
        status: refusal.status,
        body: refusal.body(request_id, action, region),
        error: Some(refusal.code),
        new_cursor: None,
    }
}

/// A query parameter's value, `""` when absent.
fn param<'a>(query: &'a [(String, String)], name: &str) -> &'a str {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// The received headers as pairs; `host` from the URI when no `Host` header came.
fn header_pairs(parts: &Parts) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (k.as_str().to_owned(), value)
        })
        .collect();
    if !parts.headers.contains_key(header::HOST)
        && let Some(authority) = parts.uri.authority()
    {
        pairs.push(("host".to_owned(), authority.to_string()));
    }
    pairs
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let arrived = Instant::now();
    let request_id = shared.next_request_id();
    let kill = req.extensions().get::<ConnectionKill>().cloned();
    let (parts, body) = req.into_parts();
    let bytes: Option<Bytes> = axum::body::to_bytes(body, MAX_BODY_BYTES).await.ok();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let answer = shared.answer(&parts, &query, bytes.as_deref(), &request_id);
    if !shared.options.latency.is_zero() {
        tokio::time::sleep(shared.options.latency).await;
    }
    let action = param(&query, "Action").to_owned();
    let (status, error, new_cursor) = match &answer {
        Answer::Reply {
            status,
            error,
            new_cursor,
            ..
        } => (Some(status.as_u16()), error.map(str::to_owned), *new_cursor),
        Answer::Drop => (None, None, None),
    };
    shared.recorder.log(LoggedRequest {
        request_id,
        action,
        body: LoggedRequest::body_value(bytes.as_deref().unwrap_or_default()),
        arrived,
        status,
        error,
        new_cursor,
    });
    match answer {
        Answer::Reply { status, body, .. } => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            response
        }
        Answer::Drop => match kill {
            Some(kill) => {
                kill.0.notify_one();
                // The connection task drops this future with the connection.
                std::future::pending::<Response>().await
            }
            None => {
                let mut response = Response::new(Body::empty());
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                response
            }
        },
    }
}
