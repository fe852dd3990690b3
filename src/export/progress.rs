//! Progress on stderr: one spinner per conversation while an export runs, and a
//! closing one-line summary. Only shown when stderr is a terminal; otherwise every
//! call here does nothing.

use std::time::Duration;

use std::fmt;

use indicatif::{
    HumanCount, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle,
};

use crate::model::safe_text::escape_controls;
use crate::source::SourceStats;

/// How often the spinners redraw on their own (so the rate keeps moving while a
/// request waits).
const TICK: Duration = Duration::from_millis(120);

/// The line of totals.
const TOTAL_TEMPLATE: &str = "  {prefix:.bold} {messages} ({rate}) · {msg}";

/// The progress display of one export.
pub struct Progress {
    multi: Option<MultiProgress>,
    total: Option<ProgressBar>,
}

/// `123/s`: the rate without indicatif's four decimals.
fn rate(state: &ProgressState, w: &mut dyn fmt::Write) {
    let _ = write!(w, "{:.0}/s", state.per_sec());
}

/// `1 message`, `1,234 messages`: the position with its noun.
fn messages(state: &ProgressState, w: &mut dyn fmt::Write) {
    let _ = w.write_str(&messages_text(state.pos()));
}

fn messages_text(n: u64) -> String {
    format!("{} message{}", HumanCount(n), plural(n))
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .expect("the template is valid")
        .with_key("rate", rate)
        .with_key("messages", messages)
}

impl Progress {
    /// A display on stderr, or none when `enabled` is false.
    pub fn new(enabled: bool) -> Self {
        let multi = enabled.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        let total = multi.as_ref().map(|multi| {
            let bar = multi.add(ProgressBar::no_length().with_style(style(TOTAL_TEMPLATE)));
            bar.set_prefix("all");
            bar.set_message("starting");
            bar
        });
        Progress { multi, total }
    }

    /// True when something is shown.
    pub fn is_shown(&self) -> bool {
        self.multi.is_some()
    }

    /// A spinner for one conversation, above the line of totals.
    pub fn conversation(&self, label: &str) -> ConversationProgress {
        let bar = self.multi.as_ref().map(|multi| {
            let bar = ProgressBar::no_length().with_style(style(
                "{spinner:.cyan} {prefix:.bold} {messages} ({rate}) · {msg}",
            ));
            let bar = match &self.total {
                Some(total) => multi.insert_before(total, bar),
                None => multi.add(bar),
            };
            bar.set_prefix(escape_controls(label).into_owned());
            bar.set_message("starting");
            bar.enable_steady_tick(TICK);
            bar
        });
        ConversationProgress {
            bar,
            total: self.total.clone(),
        }
    }

    /// Shows on the line of totals, redrawn on its own clock, what `waiting` says a
    /// slow request is waiting for ("waiting for the server · 14 s · attempt 2 of 5").
    pub fn show_waiting(&self, waiting: impl Fn() -> Option<String> + Send + Sync + 'static) {
        let Some(total) = &self.total else {
            return;
        };
        let waiting = std::sync::Arc::new(waiting);
        let key = move |_: &ProgressState, w: &mut dyn fmt::Write| {
            if let Some(text) = waiting() {
                let _ = write!(w, " · {text}");
            }
        };
        total.set_style(style(&format!("{TOTAL_TEMPLATE}{{waiting}}")).with_key("waiting", key));
        total.enable_steady_tick(TICK);
    }

    /// Prints a line above the spinners (or nowhere, when nothing is shown).
    pub fn println(&self, line: &str) {
        if let Some(multi) = &self.multi {
            // A failure to draw progress is no reason to fail the export.
            let _ = multi.println(line);
        }
    }

    /// A warning for the user, on stderr: above the spinners when they are shown,
    /// else on a line of its own.
    pub fn warn(&self, line: &str) {
        let line = format!("volc-im: warning: {line}");
        match &self.multi {
            Some(multi) => {
                let _ = multi.println(&line);
            }
            None => eprintln!("{line}"),
        }
    }

    /// Removes the display (before the closing summary is printed).
    pub fn clear(&self) {
        if let Some(total) = &self.total {
            total.finish_and_clear();
        }
    }
}

/// One conversation's spinner. Cheap to clone; each walk updates its own.
#[derive(Clone)]
pub struct ConversationProgress {
    bar: Option<ProgressBar>,
    total: Option<ProgressBar>,
}

impl ConversationProgress {
    /// A spinner that shows nothing.
    pub fn hidden() -> Self {
        ConversationProgress {
            bar: None,
            total: None,
        }
    }

    /// A page arrived: `messages` and `pages` so far in this conversation; `stats`
    /// are the shared client's, shown on the line of totals.
    pub fn page(&self, messages: u64, pages: u64, stats: SourceStats) {
        if let Some(bar) = &self.bar {
            let new = messages.saturating_sub(bar.position());
            bar.set_position(messages);
            bar.set_message(count(pages, "page", "pages"));
            if let Some(total) = &self.total {
                total.inc(new);
                total.set_message(totals_message(stats));
            }
        }
    }

    /// Everything is fetched; it is written once the conversations before it are.
    pub fn fetched(&self) {
        if let Some(bar) = &self.bar
            && !bar.is_finished()
        {
            bar.set_style(style("· {prefix:.bold} {messages} · {msg}"));
            bar.set_message(format!("{} · fetched", bar.message()));
        }
    }

    /// The conversation ended; `note` says how (`done`, `stopped at --max-messages`...).
    pub fn finish(&self, note: &str) {
        if let Some(bar) = &self.bar {
            bar.set_style(style("✓ {prefix:.bold} {messages} · {msg}"));
            let pages = bar.message();
            let pages = pages.split(" · ").next().unwrap_or_default().to_owned();
            bar.finish_with_message(format!("{pages} · {note}"));
        }
    }

    /// The conversation failed or was abandoned: its spinner stops where it is.
    pub fn abandon(&self, note: &str) {
        if let Some(bar) = &self.bar {
            bar.set_style(style("✗ {prefix:.bold} {messages} · {msg}"));
            bar.abandon_with_message(format!("{} · {note}", bar.message()));
        }
    }
}

/// The closing summary: `exported 1234 messages (62 pages) from 2 conversations in 3.4s`.
pub fn summary_line(
    messages: u64,
    pages: u64,
    conversations: usize,
    elapsed: Duration,
    stats: SourceStats,
) -> String {
    let mut line = format!(
        "exported {messages} message{} ({pages} page{}) from {conversations} conversation{} in {:.1}s",
        plural(messages),
        plural(pages),
        plural(conversations as u64),
        elapsed.as_secs_f64()
    );
    if stats.retries > 0 {
        line.push_str(&format!(", {}", count(stats.retries, "retry", "retries")));
    }
    line
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `1 retry`, `2 retries`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The line of totals' note: `3 requests · 1 retry · 0 throttled`.
fn totals_message(stats: SourceStats) -> String {
    format!(
        "{} · {} · {} throttled",
        count(stats.requests, "request", "requests"),
        count(stats.retries, "retry", "retries"),
        stats.throttled
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spinner_counts_one_message_and_one_page_in_the_singular() {
        assert_eq!(messages_text(1), "1 message");
        assert_eq!(messages_text(0), "0 messages");
        assert_eq!(messages_text(12345), "12,345 messages");
        assert_eq!(count(1, "page", "pages"), "1 page");
        assert_eq!(count(1234, "page", "pages"), "1234 pages");
    }

    #[test]
    fn a_hidden_display_does_nothing_and_the_summary_reads_well() {
        let p = Progress::new(false);
        assert!(!p.is_shown());
        let c = p.conversation("x");
        c.page(1, 1, SourceStats::default());
        c.finish("done");
        p.println("nothing");
        let line = summary_line(
            1,
            1,
            1,
            Duration::from_millis(1500),
            SourceStats {
                retries: 2,
                ..Default::default()
            },
        );
        assert_eq!(
            line,
            "exported 1 message (1 page) from 1 conversation in 1.5s, 2 retries"
        );
        let one_retry = SourceStats {
            requests: 1,
            retries: 1,
            throttled: 1,
        };
        let line = summary_line(2, 2, 2, Duration::from_secs(1), one_retry);
        assert_eq!(
            line,
            "exported 2 messages (2 pages) from 2 conversations in 1.0s, 1 retry"
        );
        assert_eq!(
            totals_message(one_retry),
            "1 request · 1 retry · 1 throttled"
        );
        let line = summary_line(40, 2, 3, Duration::from_secs(2), SourceStats::default());
        assert_eq!(
            line,
            "exported 40 messages (2 pages) from 3 conversations in 2.0s"
        );
    }
}
