//! The process-wide request pace: at most `max_qps` requests in any one second,
//! as the server counts them.
//!
//! Two rules, both checked under one lock when a request asks to go:
//!
//! - a GCRA limiter (governor) spaces requests at `max_qps` a second, four at a
//!   time from 20 a second up, with slack so that a request that woke late does not push
//!   every later one back;
//! - a log of the last `max_qps` start times lets a request go only once the oldest
//!   of them is [`WINDOW`] old. The window is wider than the server's second, so
//!   that requests reaching the server up to [`WINDOW`] − 1 s later than they left
//!   (a busy machine, a new connection) still never put more than `max_qps` into any
//!   one second there. Lateness never adds up: after a slow stretch the log lets the
//!   next requests catch up.
//!
//! Sustained, that is `max_qps` per [`WINDOW`]: 98 a second for the documented 100.
//!
//! The limiter runs on the standard monotonic clock and waits with the async
//! runtime's own timer. Neither is governor's default: its default clock (quanta)
//! calibrates itself with a busy loop of up to 200 ms at start, and its `until_ready`
//! sleeps on a timer thread of its own, so every wait would end in a hand-off from
//! that thread to the runtime's.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::clock::{Clock, MonotonicClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

/// At most `max_qps` requests start within any stretch this long.
pub(crate) const WINDOW: Duration = Duration::from_millis(1020);
/// From this limit up, requests start [`BATCH`] at a time: one timer wakes every
/// request waiting (an export walks several conversations at once), whose answers
/// then often arrive together, so that a process exporting at the limit wakes
/// about once per page instead of twice.
const BATCH_FROM_QPS: u32 = 20;
/// Requests started at once from [`BATCH_FROM_QPS`] up.
const BATCH: u32 = 4;

type Limiter<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Paces requests for the whole process. `max_qps` 0 sets no limit.
pub(crate) struct Pace<C: Clock = MonotonicClock> {
    rules: Option<Mutex<Rules<C>>>,
    clock: C,
    /// Requests waiting for their turn queue here, first come first served, so
    /// that one timer wakes one request: were every waiting request to sleep until
    /// the next permit, all would wake for it and all but one sleep again.
    turn: tokio::sync::Mutex<()>,
}

struct Rules<C: Clock> {
    spacing: Limiter<C>,
    /// Start times of the last `max_qps` requests, oldest first.
    started: VecDeque<C::Instant>,
    max_qps: usize,
    /// Permits taken at once: [`BATCH`] from [`BATCH_FROM_QPS`] up, else 1.
    batch: usize,
    /// The permits of a batch left for the next requests to ask. The batch was
    /// checked against the log as a whole and nothing else can start before these
    /// permits are used, so they are good whenever that is; each start is logged then.
    banked: usize,
}

impl Pace {
    /// The pace for `max_qps` requests a second on the real clock.
    pub(crate) fn new(max_qps: u32) -> Pace {
        Pace::with_clock(max_qps, MonotonicClock)
    }

    /// Waits until the next request may go.
    pub(crate) async fn wait(&self) {
        if self.try_start().is_ok() {
            return;
        }
        let _turn = self.turn.lock().await;
        while let Err(wait) = self.try_start() {
            tokio::time::sleep(wait).await;
        }
    }
}

impl<C: Clock + Clone> Pace<C> {
    fn with_clock(max_qps: u32, clock: C) -> Pace<C> {
        let rules = (max_qps > 0).then(|| {
            let batch: u32 = if max_qps >= BATCH_FROM_QPS { BATCH } else { 1 };
            // From BATCH_FROM_QPS up, a batch of slack besides the batch itself, so
            // that a request that woke late is followed by the next on schedule.
            let burst = if batch > 1 { 2 * batch } else { 1 };
            let quota = Quota::per_second(NonZeroU32::new(max_qps).expect("max_qps > 0"))
                .allow_burst(NonZeroU32::new(burst).expect("burst is at least 1"));
            let max_qps = max_qps as usize;
            Mutex::new(Rules {
                spacing: RateLimiter::direct_with_clock(quota, clock.clone()),
                // Grows with use: a huge limit must not reserve memory up front.
                started: VecDeque::with_capacity(max_qps.min(1024)),
                max_qps,
                batch: batch as usize,
                banked: 0,
            })
        });
        Pace {
            rules,
            clock,
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// Takes a permit now, or says how long to wait before asking again.
    fn try_start(&self) -> Result<(), Duration> {
        let Some(rules) = &self.rules else {
            return Ok(());
        };
        let mut rules = rules
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = self.clock.now();
        if rules.banked > 0 {
            rules.banked -= 1;
            rules.log_start(now);
            return Ok(());
        }
        let batch = rules.batch;
        // The start `batch` places from the end of the log, once it is full: the
        // oldest that must be a window old for `batch` more to start.
        if let Some(excess) = (rules.started.len() + batch).checked_sub(rules.max_qps + 1)
            && let Some(&oldest) = rules.started.get(excess)
        {
            let age: Duration = now.duration_since(oldest).into();
            if age < WINDOW {
                return Err(WINDOW - age);
            }
        }
        let permits = NonZeroU32::new(batch as u32).expect("a batch is at least 1");
        match rules.spacing.check_n(permits) {
            Ok(Ok(())) => {}
            Ok(Err(not_until)) => return Err(not_until.wait_time_from(now)),
            Err(_) => unreachable!("the burst holds a whole batch"),
        }
        rules.log_start(now);
        rules.banked = batch - 1;
        Ok(())
    }
}

impl<C: Clock> Rules<C> {
    fn log_start(&mut self, at: C::Instant) {
        if self.started.len() >= self.max_qps {
            self.started.pop_front();
        }
        self.started.push_back(at);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use governor::clock::FakeRelativeClock;

    use super::*;
    use crate::demo::limiter::SlidingWindow;

    /// Sends `count` requests as fast as the pace allows, each waking `late(i)`
    /// after it was told to; the times (from the start) the requests went.
    fn send(max_qps: u32, count: usize, late: impl Fn(usize) -> Duration) -> Vec<Duration> {
        let clock = FakeRelativeClock::default();
        let pace = Pace::with_clock(max_qps, clock.clone());
        let mut elapsed = Duration::ZERO;
        let mut sent = Vec::with_capacity(count);
        while sent.len() < count {
            match pace.try_start() {
                Ok(()) => sent.push(elapsed),
                Err(wait) => {
                    let step = wait + late(sent.len());
                    clock.advance(step);
                    elapsed += step;
                }
            }
        }
        sent
    }

    /// How the demo server's own sliding window counts requests arriving at these
    /// times (from a start): the most in one second, and how many it refused.
    fn as_the_server_counts(max_qps: u32, arrived: &[Duration]) -> (u32, usize) {
        let mut window = SlidingWindow::new(max_qps);
        let base = Instant::now();
        let refused = arrived.iter().filter(|&&t| !window.admit(base + t)).count();
        (window.max_in_window(), refused)
    }

    /// A deterministic spread of delays in `0..max`.
    fn delay(i: usize, max: Duration) -> Duration {
        let spread = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
        max.mul_f64((spread % 1000) as f64 / 1000.0)
    }

    #[test]
    fn no_second_holds_more_than_the_limit_at_start_or_later() {
        for max_qps in [1, 5, 19, 20, 100, 1000] {
            let sent = send(max_qps, max_qps as usize * 5, |_| Duration::ZERO);
            let (busiest, refused) = as_the_server_counts(max_qps, &sent);
            assert_eq!(refused, 0, "{max_qps}/s: the server refused requests");
            assert!(busiest <= max_qps, "{max_qps}/s: {busiest} in one second");
        }
        let first_second = send(100, 200, |_| Duration::ZERO)
            .iter()
            .filter(|t| **t < Duration::from_secs(1))
            .count();
        assert!(first_second <= 100, "{first_second} in the first second");
    }

    #[test]
    fn requests_that_reach_the_server_late_still_keep_its_limit() {
        // Each request takes 0 to 19 ms more than the others to reach the server
        // (a descheduled thread, a new connection): arrivals bunch up, and a pace
        // that only spaced departures would let 101 land in one second.
        let sent = send(100, 1000, |_| Duration::ZERO);
        let mut arrived: Vec<Duration> = sent
            .iter()
            .enumerate()
            .map(|(i, t)| *t + delay(i, WINDOW - Duration::from_secs(1)))
            .collect();
        arrived.sort();
        let (busiest, refused) = as_the_server_counts(100, &arrived);
        assert!(
            refused == 0 && busiest <= 100,
            "{busiest} in one second, {refused} refused"
        );
    }

    #[test]
    fn late_wake_ups_do_not_add_up() {
        // Every third request wakes up to 5 ms late (a busy machine): the slack
        // lets the next ones catch up, so throughput stays at 98 a second.
        let sent = send(100, 1000, |i| {
            if i % 3 == 0 {
                delay(i, Duration::from_millis(5))
            } else {
                Duration::ZERO
            }
        });
        let (busiest, refused) = as_the_server_counts(100, &sent);
        assert!(refused == 0 && busiest <= 100, "{busiest} in one second");
        let rate = (sent.len() - 1) as f64 / sent.last().unwrap().as_secs_f64();
        assert!(rate >= 97.5, "{rate:.1} requests/s");
    }

    #[test]
    fn a_burst_at_start_waits_after_the_slack() {
        let clock = FakeRelativeClock::default();
        let pace = Pace::with_clock(100, clock.clone());
        for i in 0..8 {
            assert!(
                pace.try_start().is_ok(),
                "two batches of four at start ({i})"
            );
        }
        let wait = pace
            .try_start()
            .expect_err("a ninth request at once must wait");
        assert!(wait > Duration::from_millis(39) && wait <= Duration::from_millis(40));
        clock.advance(wait);
        assert!((0..4).all(|_| pace.try_start().is_ok()));
        assert!(pace.try_start().is_err(), "then four every 40 ms");
        clock.advance(Duration::from_millis(40));
        assert!(pace.try_start().is_ok());
        clock.advance(Duration::from_millis(7));
        assert!(
            (0..3).all(|_| pace.try_start().is_ok()),
            "the rest of a batch waits for the next requests, however late"
        );
        assert!(pace.try_start().is_err());
        let slow = Pace::with_clock(5, FakeRelativeClock::default());
        assert!(slow.try_start().is_ok());
        assert!(slow.try_start().is_err(), "low limits get no slack");
    }

    /// Three walks at the limit, each asking again once its answer is in: one
    /// timer wake starts all three, and the server still never counts more than
    /// the limit in a second.
    #[test]
    fn walks_waiting_together_start_on_one_wake() {
        let clock = FakeRelativeClock::default();
        let pace = Pace::with_clock(100, clock.clone());
        let mut wakes = 0;
        let mut sent = Vec::new();
        let mut elapsed = Duration::ZERO;
        while sent.len() < 600 {
            // The three walks ask in turn; whoever must wait sleeps on the timer.
            let mut started = 0;
            while started < 3 {
                match pace.try_start() {
                    Ok(()) => {
                        sent.push(elapsed);
                        started += 1;
                    }
                    Err(wait) => {
                        wakes += 1;
                        clock.advance(wait);
                        elapsed += wait;
                    }
                }
            }
        }
        let (busiest, refused) = as_the_server_counts(100, &sent);
        assert!(refused == 0 && busiest <= 100, "{busiest} in one second");
        let rate = (sent.len() - 1) as f64 / sent.last().unwrap().as_secs_f64();
        assert!(rate >= 97.0, "{rate:.1} requests/s");
        assert!(
            wakes * 3 <= sent.len(),
            "{wakes} timer wakes for {} requests",
            sent.len()
        );
    }

    #[test]
    fn no_limit_never_waits() {
        let pace = Pace::with_clock(0, FakeRelativeClock::default());
        assert!((0..100_000).all(|_| pace.try_start().is_ok()));
    }

    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "current_thread")]
    async fn waits_end_on_the_runtime_s_timer_without_a_timer_thread() {
        let pace = Pace::new(1000);
        for _ in 0..12 {
            pace.wait().await;
        }
        let threads: Vec<String> = std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
            .collect();
        assert!(
            !threads.iter().any(|name| name.contains("timer")),
            "{threads:?}"
        );
    }
}
