//! The demo server: a real HTTP server speaking the Volcengine OpenAPI protocol for
//! the read-only IM actions, with a shipped demo app, so that `volc-im` can be tried
//! without an account and every test runs the real client path, signing included.
//!
//! - [`data`]: the demo app's users, conversations and messages (`assets/demo/`).
//! - [`DemoServer`]: the server; [`DemoOptions`] for its port, latency, injected
//!   faults and request-rate limit.
//! - [`demo_credentials`]: the public demo key pair the server accepts.

mod actions;
mod auth;
pub mod data;
mod faults;
mod grow;
pub(crate) mod limiter;
mod reply;
mod server;
mod stats;

use std::time::Duration;

use crate::api::sign::Credentials;

pub use data::{DemoConversation, DemoData, demo_data};
pub use grow::MAX_GROWN_PER_CONVERSATION;
pub use server::DemoServer;
pub use stats::{DemoStats, LoggedRequest};

/// The demo access key id. Public: it opens nothing but the demo server.
pub const DEMO_ACCESS_KEY: &str = "AKLTdemo0volcim0000000000000000";
/// The demo secret key. Public: it opens nothing but the demo server.
pub const DEMO_SECRET_KEY: &str = "demo-secret-key-of-volc-im";
/// The region the demo server names in its responses (any region is accepted).
pub const DEMO_REGION: &str = "cn-north-1";
/// The demo application's `AppId`.
pub const DEMO_APP_ID: i64 = 100001;
/// The demo group chat (ConversationType 2): a team planning a product launch.
pub const DEMO_GROUP: i64 = 7300000000000000001;
/// The demo one-to-one chat (ConversationType 1).
pub const DEMO_DIRECT: i64 = 7300000000000000002;
/// The demo live group (ConversationType 100): readable newest-first only.
pub const DEMO_LIVE: i64 = 7300000000000000003;

/// How many requests a second the server accepts unless told otherwise: the
/// documented limit of the real service.
pub const DEFAULT_MAX_QPS: u32 = 100;
/// How far `X-Date` may be from the server's clock, either way.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);
/// How many requests the in-memory request log keeps (the newest).
pub const REQUEST_LOG_CAPACITY: usize = 10_000;

/// The demo key pair, as the client takes it.
pub fn demo_credentials() -> Credentials {
    Credentials::new(DEMO_ACCESS_KEY, DEMO_SECRET_KEY)
}

/// How the demo server behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoOptions {
    /// The loopback port to listen on; 0 picks a free one.
    pub port: u16,
    /// A fixed delay added to every response.
    pub latency: Duration,
    /// The share of requests (0.0 to 1.0) answered with an injected fault: HTTP 500,
    /// 429 or 503, or a connection closed without an answer.
    pub fail_rate: f64,
    /// Seeds the fault injection: the same seed and the same requests, in the same
    /// order, give the same faults.
    pub seed: u64,
    /// Requests accepted in any one-second window; 0 means no limit.
    pub max_qps: u32,
    /// When set, every conversation gains one new message this often (at most
    /// [`MAX_GROWN_PER_CONVERSATION`] each), seeded by `seed`.
    pub grow_every: Option<Duration>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            port: 0,
            latency: Duration::ZERO,
            fail_rate: 0.0,
            seed: 0,
            max_qps: DEFAULT_MAX_QPS,
            grow_every: None,
        }
    }
}
