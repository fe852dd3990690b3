//! What the client's calls are waiting for, published for a status bar or a
//! progress line to read on its own clock: which attempt, how long so far, and
//! whether it waits for the server's answer or before a retry.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

/// A call is shown as waiting once it has been out this long; quicker ones would
/// only flicker.
pub const SHOW_WAIT_AFTER: Duration = Duration::from_secs(1);

/// The longest-running call, as a display shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// The action, e.g. `GetConversationMessages`.
    pub action: String,
    /// Whole seconds since the call began, all its attempts included.
    pub seconds: u64,
    /// The attempt under way (or the next one, while waiting to retry), from 1.
    pub attempt: u32,
    /// The most attempts the call makes.
    pub max_attempts: u32,
    /// Whole seconds until the next attempt, while waiting to retry.
    pub retry_in: Option<u64>,
    /// The attempt waits for the rate limiter (`max_qps`), not yet for the server.
    pub queued: bool,
}

/// `waiting for the server · 14 s · attempt 2 of 5`; while waiting to retry
/// `retrying in 3 s · 14 s · attempt 3 of 5`; before the rate limiter lets the
/// attempt go, `waiting for the rate limit (max_qps) · ...`.
impl fmt::Display for Waiting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.retry_in, self.queued) {
            (Some(s), _) => write!(f, "retrying in {s} s")?,
            (None, true) => f.write_str("waiting for the rate limit (max_qps)")?,
            (None, false) => f.write_str("waiting for the server")?,
        }
        write!(
            f,
            " · {} s · attempt {} of {}",
            self.seconds, self.attempt, self.max_attempts
        )
    }
}

#[derive(Debug)]
struct CallState {
    action: String,
    started: Instant,
    attempt: u32,
    max_attempts: u32,
    retry_at: Option<Instant>,
    queued: bool,
}

#[derive(Debug, Default)]
struct Registry {
    next: u64,
    calls: BTreeMap<u64, CallState>,
}

/// The calls in flight. Cheap to clone: clones share the list.
#[derive(Clone, Debug, Default)]
pub struct Calls(Arc<Mutex<Registry>>);

impl Calls {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        // A panic elsewhere while holding the lock leaves a list that is still usable.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a call; it is listed until the returned guard is dropped (also when
    /// the call's future is dropped half way).
    pub(crate) fn begin(&self, action: &str, max_attempts: u32) -> CallGuard {
        let mut registry = self.lock();
        let id = registry.next;
        registry.next += 1;
        registry.calls.insert(
            id,
            CallState {
                action: action.to_owned(),
                started: Instant::now(),
                attempt: 1,
                max_attempts,
                retry_at: None,
                queued: true,
            },
        );
        CallGuard {
            calls: self.clone(),
            id,
        }
    }

    /// The call that has been out longest, if any.
    pub fn longest(&self) -> Option<Waiting> {
        let registry = self.lock();
        let now = Instant::now();
        let call = registry.calls.values().min_by_key(|c| c.started)?;
        Some(Waiting {
            action: call.action.clone(),
            seconds: now.duration_since(call.started).as_secs(),
            attempt: call.attempt,
            max_attempts: call.max_attempts,
            retry_in: call
                .retry_at
                .map(|at| at.saturating_duration_since(now).as_secs_f64().ceil() as u64),
            queued: call.queued,
        })
    }

    /// The longest call once it has been out for [`SHOW_WAIT_AFTER`]: what a
    /// display should say is going on.
    pub fn slow(&self) -> Option<Waiting> {
        self.longest()
            .filter(|w| Duration::from_secs(w.seconds) >= SHOW_WAIT_AFTER)
    }

    fn update(&self, id: u64, change: impl FnOnce(&mut CallState)) {
        if let Some(call) = self.lock().calls.get_mut(&id) {
            change(call);
        }
    }
}

/// One listed call; dropping it takes the call off the list.
pub(crate) struct CallGuard {
    calls: Calls,
    id: u64,
}

impl CallGuard {
    /// Attempt `n` (from 1) waits for the rate limiter.
    pub(crate) fn attempt(&self, n: u32) {
        self.calls.update(self.id, |c| {
            c.attempt = n;
            c.retry_at = None;
            c.queued = true;
        });
    }

    /// The attempt is sent: it waits for the server now.
    pub(crate) fn sent(&self) {
        self.calls.update(self.id, |c| c.queued = false);
    }

    /// Waiting `delay` before attempt `next`.
    pub(crate) fn retrying(&self, next: u32, delay: Duration) {
        self.calls.update(self.id, |c| {
            c.attempt = next;
            c.retry_at = Some(Instant::now() + delay);
        });
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.calls.lock().calls.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_longest_call_is_shown_once_it_is_slow_and_gone_when_it_ends() {
        let calls = Calls::default();
        assert_eq!(calls.longest(), None);
        let first = calls.begin("GetConversationMessages", 5);
        tokio::time::advance(Duration::from_millis(500)).await;
        let _second = calls.begin("BatchGetUser", 5);
        assert_eq!(calls.slow(), None, "not slow yet");
        tokio::time::advance(Duration::from_secs(14)).await;
        first.attempt(2);
        assert_eq!(
            calls.slow().unwrap().to_string(),
            "waiting for the rate limit (max_qps) · 14 s · attempt 2 of 5"
        );
        first.sent();
        let w = calls.slow().unwrap();
        assert_eq!(w.action, "GetConversationMessages");
        assert_eq!(
            w.to_string(),
            "waiting for the server · 14 s · attempt 2 of 5"
        );
        first.retrying(3, Duration::from_millis(2500));
        assert_eq!(
            calls.slow().unwrap().to_string(),
            "retrying in 3 s · 14 s · attempt 3 of 5"
        );
        drop(first);
        assert_eq!(calls.slow().unwrap().action, "BatchGetUser");
    }
}
