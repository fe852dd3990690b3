//! When to look for new messages in the open conversation, and whether the service is
//! reachable: a plain state machine. Time is passed in (a monotonic offset from any
//! origin), so it is tested without a clock or a terminal.
//!
//! The poll runs every `follow_interval_ms` while messages keep coming or keys are
//! pressed; once the conversation has been quiet for [`IDLE_AFTER`], each quiet poll
//! doubles the wait, up to [`IDLE_MAX_INTERVAL`]; a new message or a key press brings
//! it back to the base interval. A failed poll doubles the wait too (up to
//! [`ERROR_MAX_INTERVAL`]). Whether the service is reachable at all is [`Reach`]:
//! a failure to reach it marks it offline, and the next answer online again.

use std::time::Duration;

use crate::api::ApiError;
use crate::archive::Position;
use crate::model::{AppId, ConversationId};

use super::action::ViewId;

use crate::config::{DEFAULT_FOLLOW_INTERVAL_MS, FOLLOW_INTERVAL_MS_MAX, FOLLOW_INTERVAL_MS_MIN};

/// The base interval unless the config sets `follow_interval_ms`.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(DEFAULT_FOLLOW_INTERVAL_MS);
/// The bounds of `follow_interval_ms` (the config refuses others).
pub const MIN_INTERVAL: Duration = Duration::from_millis(FOLLOW_INTERVAL_MS_MIN);
pub const MAX_INTERVAL: Duration = Duration::from_millis(FOLLOW_INTERVAL_MS_MAX);
/// Quiet for this long (no new message, no key), the polls start to slow down.
pub const IDLE_AFTER: Duration = Duration::from_secs(60);
/// The slowest a quiet conversation is polled (unless the base interval is slower).
pub const IDLE_MAX_INTERVAL: Duration = Duration::from_secs(30);
/// The slowest polls come after failures (unless the base interval is slower).
pub const ERROR_MAX_INTERVAL: Duration = Duration::from_secs(60);

/// Whether the service answers, as far as the browser's calls know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reach {
    /// Nothing answered or failed yet.
    #[default]
    Unknown,
    Online,
    /// The last call could not reach the service; the archive is what is shown.
    Offline,
}

impl Reach {
    /// After a call's outcome; `Some(true)` when this answer ends an offline spell.
    pub fn after(&mut self, outcome: Result<(), &ApiError>) -> bool {
        let before = *self;
        match outcome {
            Ok(()) => *self = Reach::Online,
            Err(e) if is_unreachable(e) => *self = Reach::Offline,
            // An answer, even an error, comes from a reachable service.
            Err(_) => *self = Reach::Online,
        }
        before == Reach::Offline && *self == Reach::Online
    }
}

/// True when an error means the service could not be reached at all (no connection,
/// no answer), as opposed to an answer that was an error.
pub fn is_unreachable(error: &ApiError) -> bool {
    match error {
        ApiError::Transport { .. } => true,
        ApiError::GaveUp { last, .. } => last.as_deref().is_none_or(is_unreachable),
        _ => false,
    }
}

/// The follow state of one open conversation.
#[derive(Clone, Debug)]
pub struct Follow {
    base: Duration,
    /// The wait after the last poll.
    interval: Duration,
    next_due: Duration,
    in_flight: bool,
    /// The last new message or key press.
    last_activity: Duration,
    failures: u32,
}

impl Follow {
    /// Follow with `base` between polls; the first is due one interval after `now`
    /// (opening a conversation asks for its newest page already).
    pub fn new(base: Duration, now: Duration) -> Follow {
        let base = base.clamp(MIN_INTERVAL, MAX_INTERVAL);
        Follow {
            base,
            interval: base,
            next_due: now + base,
            in_flight: false,
            last_activity: now,
            failures: 0,
        }
    }

    /// True when a poll should go out now; the caller sends it and reports back with
    /// [`Follow::answered`] or [`Follow::failed`]. Never two at once.
    pub fn due(&mut self, now: Duration) -> bool {
        if self.in_flight || now < self.next_due {
            return false;
        }
        self.in_flight = true;
        true
    }

    /// True while a poll is out.
    pub fn in_flight(&self) -> bool {
        self.in_flight
    }

    /// A poll was answered with `new` messages not seen before.
    pub fn answered(&mut self, now: Duration, new: usize) {
        self.in_flight = false;
        self.failures = 0;
        if new > 0 {
            self.last_activity = now;
        }
        self.interval = if now.saturating_sub(self.last_activity) >= IDLE_AFTER {
            (self.interval * 2).min(IDLE_MAX_INTERVAL.max(self.base))
        } else {
            self.base
        };
        self.next_due = now + self.interval;
    }

    /// A poll failed.
    pub fn failed(&mut self, now: Duration) {
        self.in_flight = false;
        self.failures = self.failures.saturating_add(1);
        let factor = 1u32 << self.failures.min(16);
        self.interval = self
            .base
            .saturating_mul(factor)
            .min(ERROR_MAX_INTERVAL.max(self.base));
        self.next_due = now + self.interval;
    }

    /// A key was pressed: a reader is here, so a quiet conversation is polled at the
    /// base interval again (a failing service keeps its slower pace).
    pub fn touched(&mut self, now: Duration) {
        self.last_activity = now;
        if self.failures == 0 && self.interval > self.base {
            self.interval = self.base;
            self.next_due = self.next_due.min(now + self.base);
        }
    }

    /// The next poll goes out at once (a retry asked for).
    pub fn now(&mut self, now: Duration) {
        self.next_due = self.next_due.min(now);
    }

    /// Failed polls since the last answer.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The wait between the last poll and the next.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// When the next poll is due.
    pub fn next_due(&self) -> Duration {
        self.next_due
    }
}

/// The follow state of the app: the open view's poll timing, reachability, and what
/// arrived below a reader scrolled up.
#[derive(Clone, Debug)]
pub struct Live {
    /// `--offline`: nothing is ever asked of the service.
    offline_only: bool,
    base: Duration,
    /// The poll timing of the open view.
    follow: Option<(ViewId, Follow)>,
    reach: Reach,
    /// Messages that arrived below the selection since the reader last was at the newest.
    unseen: usize,
    /// More arrived than one page holds, or the window is elsewhere in history: the
    /// newest stretch is not in the view.
    beyond: bool,
    /// The newest message the polls have seen (where G goes when it is not in view).
    newest_polled: Option<Position>,
    /// The conversation `newest_polled` is of: kept while it is reopened (G, a jump).
    polled_of: Option<(AppId, ConversationId)>,
}

impl Live {
    /// Following every `base` (unless `offline_only`).
    pub fn new(base: Duration, offline_only: bool) -> Live {
        Live {
            offline_only,
            base,
            follow: None,
            reach: if offline_only {
                Reach::Offline
            } else {
                Reach::Unknown
            },
            unseen: 0,
            beyond: false,
            newest_polled: None,
            polled_of: None,
        }
    }

    /// True when the status bar says `offline`: with `--offline`, or while the
    /// service cannot be reached.
    pub fn is_offline(&self) -> bool {
        self.reach == Reach::Offline
    }

    /// True with `--offline`.
    pub fn is_offline_only(&self) -> bool {
        self.offline_only
    }

    /// How many messages arrived below a reader scrolled up; with
    /// [`Live::is_beyond`], at least that many.
    pub fn unseen(&self) -> usize {
        self.unseen
    }

    /// True when more arrived than one page holds (G opens the newest again).
    pub fn is_beyond(&self) -> bool {
        self.beyond
    }

    /// The poll timing of the open view, for tests and the status bar.
    pub fn follow(&self) -> Option<&Follow> {
        self.follow.as_ref().map(|(_, f)| f)
    }

    /// The newest message the polls have seen (where G goes when it is not in view).
    pub(crate) fn newest_polled(&self) -> Option<Position> {
        self.newest_polled
    }

    /// A poll saw messages up to `newest`.
    pub(crate) fn saw_newest(&mut self, newest: Option<Position>) {
        self.newest_polled = self.newest_polled.max(newest);
    }

    /// Messages joined the end below a reader scrolled up.
    pub(crate) fn arrived_below(&mut self, n: usize) {
        self.unseen += n;
    }

    /// At least `n` arrived that the view does not hold.
    pub(crate) fn arrived_beyond(&mut self, n: usize) {
        self.unseen = self.unseen.max(n);
        self.beyond = true;
    }

    /// A key was pressed: a reader is here.
    pub(crate) fn touched(&mut self, now: Duration) {
        if let Some((_, f)) = self.follow.as_mut() {
            f.touched(now);
        }
    }

    /// The next poll goes out at once (`r`).
    pub(crate) fn poll_now(&mut self, now: Duration) {
        if let Some((_, f)) = self.follow.as_mut() {
            f.now(now);
        }
    }

    /// The poll timing of `view`, when it is the one followed.
    pub(crate) fn follow_of(&mut self, view: ViewId) -> Option<&mut Follow> {
        self.follow
            .as_mut()
            .filter(|(id, _)| *id == view)
            .map(|(_, f)| f)
    }

    /// A conversation was opened (its first page asks for the newest already).
    pub(crate) fn opened(
        &mut self,
        view: ViewId,
        conversation: (AppId, ConversationId),
        now: Duration,
    ) {
        self.follow = (!self.offline_only).then(|| (view, Follow::new(self.base, now)));
        self.unseen = 0;
        self.beyond = false;
        if self.polled_of != Some(conversation) {
            self.newest_polled = None;
            self.polled_of = Some(conversation);
        }
    }

    /// Back to the picker: nothing is followed.
    pub(crate) fn closed(&mut self) {
        self.follow = None;
        self.unseen = 0;
        self.beyond = false;
        self.newest_polled = None;
        self.polled_of = None;
    }

    /// The outcome of any call to the service; true when it ends an offline spell.
    pub(crate) fn reached(&mut self, outcome: Result<(), &ApiError>) -> bool {
        if self.offline_only {
            return false;
        }
        self.reach.after(outcome)
    }

    /// The reader is at the newest message: nothing is unseen.
    pub(crate) fn caught_up(&mut self) {
        if !self.beyond {
            self.unseen = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::TransportKind;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Polls at `now` and answers with `new` messages.
    fn poll(f: &mut Follow, now: Duration, new: usize) {
        assert!(f.due(now), "a poll is due at {now:?}");
        f.answered(now, new);
    }

    #[test]
    fn polls_every_interval_and_never_two_at_once() {
        let mut f = Follow::new(s(2), s(0));
        assert!(!f.due(s(1)), "the first poll waits one interval");
        assert!(f.due(s(2)));
        assert!(!f.due(s(3)), "one poll at a time");
        assert!(f.in_flight());
        f.answered(s(3), 1);
        assert!(!f.due(ms(4999)));
        assert!(f.due(s(5)));
    }

    #[test]
    fn a_quiet_conversation_is_polled_ever_more_slowly_up_to_a_bound() {
        let mut f = Follow::new(s(2), s(0));
        let mut now;
        let mut waits = Vec::new();
        for _ in 0..60 {
            now = f.next_due();
            poll(&mut f, now, 0);
            waits.push(f.interval());
        }
        assert_eq!(waits[0], s(2), "not idle yet");
        assert!(waits.iter().all(|w| *w <= IDLE_MAX_INTERVAL));
        assert_eq!(*waits.last().unwrap(), IDLE_MAX_INTERVAL);
        assert!(waits.windows(2).all(|w| w[0] <= w[1]), "{waits:?}");
        // A new message: back to the base interval at once.
        now = f.next_due();
        poll(&mut f, now, 3);
        assert_eq!(f.interval(), s(2));
    }

    #[test]
    fn a_key_press_brings_a_quiet_conversation_back_to_the_base_interval() {
        let mut f = Follow::new(s(2), s(0));
        let mut now = s(0);
        while f.interval() < IDLE_MAX_INTERVAL {
            now = f.next_due();
            poll(&mut f, now, 0);
        }
        let next = f.next_due();
        assert_eq!(next, now + IDLE_MAX_INTERVAL);
        f.touched(now + s(1));
        assert_eq!(f.interval(), s(2));
        assert_eq!(
            f.next_due(),
            now + s(3),
            "due a base interval after the key"
        );
        // A key press never makes a poll due sooner than the base interval would.
        let mut g = Follow::new(s(2), s(0));
        g.touched(ms(1500));
        assert_eq!(g.next_due(), s(2));
    }

    #[test]
    fn failures_back_off_exponentially_up_to_a_bound() {
        let mut f = Follow::new(s(2), s(0));
        let mut now;
        let mut waits = Vec::new();
        for _ in 0..12 {
            now = f.next_due();
            assert!(f.due(now));
            f.failed(now);
            waits.push(f.interval());
        }
        assert_eq!(&waits[..4], &[s(4), s(8), s(16), s(32)]);
        assert!(waits.iter().all(|w| *w <= ERROR_MAX_INTERVAL));
        assert_eq!(*waits.last().unwrap(), ERROR_MAX_INTERVAL);
        // A key press does not hurry a failing service.
        let due = f.next_due();
        f.touched(due - s(30));
        assert_eq!(f.next_due(), due);
        // The next answer: the base interval again.
        now = f.next_due();
        poll(&mut f, now, 0);
        assert_eq!(f.interval(), s(2));
    }

    #[test]
    fn a_retry_asked_for_goes_at_once() {
        let mut f = Follow::new(s(2), s(0));
        assert!(f.due(s(2)));
        f.failed(s(2));
        assert_eq!(f.next_due(), s(6));
        f.now(s(3));
        assert!(f.due(s(3)), "a retry asked for goes at once");
    }

    #[test]
    fn a_slow_base_interval_is_never_shortened_by_the_bounds() {
        let mut f = Follow::new(s(120), s(0));
        assert!(f.due(s(120)));
        f.failed(s(120));
        assert_eq!(f.interval(), s(120));
    }

    #[test]
    fn the_base_interval_is_kept_within_bounds() {
        assert_eq!(Follow::new(ms(10), s(0)).next_due(), MIN_INTERVAL);
        assert_eq!(Follow::new(s(7200), s(0)).next_due(), MAX_INTERVAL);
    }

    #[test]
    fn unreachable_is_no_connection_or_no_answer() {
        let transport = ApiError::Transport {
            action: "GetConversationMessages".into(),
            kind: TransportKind::Connect,
            message: "refused".into(),
        };
        assert!(is_unreachable(&transport));
        let gave_up = |last: Option<ApiError>| ApiError::GaveUp {
            action: "GetConversationMessages".into(),
            seconds: 5,
            attempts: 3,
            last: last.map(Box::new),
        };
        assert!(is_unreachable(&gave_up(Some(transport.clone()))));
        assert!(is_unreachable(&gave_up(None)));
        let refused = ApiError::Service {
            action: "GetConversationMessages".into(),
            status: 403,
            code: "SignatureDoesNotMatch".into(),
            code_n: None,
            message: "no".into(),
            request_id: None,
        };
        assert!(!is_unreachable(&refused));
        assert!(!is_unreachable(&gave_up(Some(refused.clone()))));

        // Offline on a failure to connect, online again on the next answer of any kind.
        let mut reach = Reach::default();
        assert!(!reach.after(Err(&transport)));
        assert_eq!(reach, Reach::Offline);
        assert!(!reach.after(Err(&transport)));
        assert!(reach.after(Err(&refused)), "an error answer is an answer");
        assert_eq!(reach, Reach::Online);
        reach.after(Err(&transport));
        assert!(reach.after(Ok(())));
        assert!(!reach.after(Ok(())));
    }
}
