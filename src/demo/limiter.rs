//! The request-rate limit: at most `max_qps` accepted requests in any one-second
//! sliding window.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

/// A sliding one-second window over the arrival times of accepted requests.
#[derive(Debug)]
pub(crate) struct SlidingWindow {
    max_qps: u32,
    accepted: VecDeque<Instant>,
    max_seen: u32,
}

impl SlidingWindow {
    /// A window accepting `max_qps` requests a second; 0 accepts everything.
    pub(crate) fn new(max_qps: u32) -> Self {
        SlidingWindow {
            max_qps,
            // Grows with use; a huge limit must not reserve memory up front.
            accepted: VecDeque::with_capacity((max_qps as usize).min(1024)),
            max_seen: 0,
        }
    }

    /// Admits or refuses a request arriving at `now`. A request is refused when the
    /// last `max_qps` accepted requests all arrived within the second before it.
    /// Arrival times must not go backwards.
    pub(crate) fn admit(&mut self, now: Instant) -> bool {
        while let Some(&oldest) = self.accepted.front() {
            if now.saturating_duration_since(oldest) >= WINDOW {
                self.accepted.pop_front();
            } else {
                break;
            }
        }
        if self.max_qps > 0 && self.accepted.len() >= self.max_qps as usize {
            return false;
        }
        self.accepted.push_back(now);
        // Every request in the deque arrived within the second up to `now`; the
        // busiest window always ends at an arrival, so this sees it.
        let in_window = u32::try_from(self.accepted.len()).unwrap_or(u32::MAX);
        self.max_seen = self.max_seen.max(in_window);
        true
    }

    /// The most accepted requests seen in any one-second window so far.
    pub(crate) fn max_in_window(&self) -> u32 {
        self.max_seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_the_limit_is_refused_until_the_window_slides() {
        let start = Instant::now();
        let mut window = SlidingWindow::new(3);
        let at = |ms: u64| start + Duration::from_millis(ms);
        assert!(window.admit(at(0)));
        assert!(window.admit(at(100)));
        assert!(window.admit(at(200)));
        assert!(!window.admit(at(300)));
        assert!(!window.admit(at(999)));
        // The request at 0 ms leaves the window at 1000 ms.
        assert!(window.admit(at(1000)));
        assert!(!window.admit(at(1050)));
        assert!(window.admit(at(1100)));
        assert_eq!(window.max_in_window(), 3);
    }

    #[test]
    fn refused_requests_do_not_count() {
        let start = Instant::now();
        let mut window = SlidingWindow::new(1);
        assert!(window.admit(start));
        for ms in [10, 500, 990] {
            assert!(!window.admit(start + Duration::from_millis(ms)));
        }
        assert!(window.admit(start + Duration::from_millis(1000)));
    }

    #[test]
    fn zero_means_no_limit_but_still_measures() {
        let start = Instant::now();
        let mut window = SlidingWindow::new(0);
        for i in 0..500 {
            assert!(window.admit(start + Duration::from_micros(i)));
        }
        assert_eq!(window.max_in_window(), 500);
    }
}
