//! The export loop: one walk per conversation, one writer, one output.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokio::task::JoinHandle;
use tracing::{Instrument, debug, info_span};

use super::format::new_writer;
use super::handoff::{self, WalkEvent};
use super::outcome::{
    ConversationSummary, ExportError, ExportFailure, ExportSummary, ResumePoint, check_direction,
    conversation_name,
};
use super::output::Output;
use super::progress::Progress;
use super::walk::{SenderNames, Walk};
use super::{ConversationTarget, Format};
use crate::model::Cursor;
use crate::paging::Direction;
use crate::source::Source;

/// How much a conversation waiting for its turn in the output may fetch ahead and
/// hold in memory, in bytes of received JSON (each message also counts its typed
/// view, each page a little more): about 20 pages of typical messages, whatever
/// their size, so that each conversation exported at once costs well under half a
/// megabyte. The conversation being written never waits.
pub const READ_AHEAD_BYTES: usize = 128 * 1024;

/// What to export, and how.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    /// The output format.
    pub format: Format,
    /// Oldest first (`--from-start`) or newest first.
    pub direction: Direction,
    /// Where the **first** conversation's walk starts (a resume point); the others
    /// start at the direction's beginning.
    pub first_cursor: Option<Cursor>,
    /// Where newest-first walks start ([`Cursor::NEWEST`] unless configured).
    pub newest_start: Cursor,
    /// At most this many messages per conversation. Messages an appended output
    /// already holds count toward it, so a resumed export stops where the first run would have.
    pub max_messages: Option<u64>,
    /// Show progress spinners on stderr.
    pub show_progress: bool,
    /// Counts the messages written, for a caller that shows progress its own way
    /// (the browser's status bar).
    pub written: Option<Arc<AtomicU64>>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            format: Format::Jsonl,
            direction: Direction::OldestFirst,
            first_cursor: None,
            newest_start: Cursor::NEWEST,
            max_messages: None,
            show_progress: false,
            written: None,
        }
    }
}

impl ExportOptions {
    /// Where the walk of conversation number `index` starts.
    pub fn start_of(&self, index: usize) -> Cursor {
        match (index, self.first_cursor, self.direction) {
            (0, Some(cursor), _) => cursor,
            (_, _, Direction::OldestFirst) => Cursor::OLDEST,
            (_, _, Direction::NewestFirst) => self.newest_start,
        }
    }
}

/// Aborts the walks if the export ends early (failure, interruption, a dropped future).
struct Walks(Vec<JoinHandle<()>>);

impl Drop for Walks {
    fn drop(&mut self) {
        for walk in &self.0 {
            walk.abort();
        }
    }
}

/// Exports `targets` to `output`; stops early, keeping what it wrote, when `cancel`
/// completes.
///
/// Every conversation is walked concurrently, each by its own task with its own
/// [`Pager`](crate::pager::Pager), through the one `source` (so the one rate limit). The output holds each
/// conversation's messages as one contiguous block, in the order `targets` are given
/// and each in walk order: the first conversation streams straight to the output,
/// page by page, while the others fetch up to [`READ_AHEAD_BYTES`] ahead and
/// then wait for their turn. The output is flushed after every page.
///
/// So at any stop the output is a clean prefix of the whole export: conversations
/// before the one being written are complete, the one being written ends on a page
/// boundary, and nothing of the later ones is written. [`ExportFailure::resume`] says
/// where that is; exporting again from there with the output appended to completes it,
/// and messages the output already holds are never written twice.
pub async fn export<S: Source>(
    source: &S,
    targets: &[ConversationTarget],
    options: &ExportOptions,
    output: Output,
    cancel: impl Future<Output = ()>,
) -> Result<ExportSummary, ExportFailure> {
    let started = Instant::now();
    check_direction(targets, options.direction).map_err(ExportFailure::before_start)?;
    let (sink, existing, name) = output.into_parts();
    let write_error = |source: io::Error| ExportError::Write {
        output: name.clone(),
        source,
    };
    let mut writer = new_writer(options.format, sink, &existing)
        .map_err(|e| ExportFailure::before_start(write_error(e)))?;
    let json_open = options.format == Format::Json;

    let progress = Progress::new(options.show_progress);
    let watched = source.clone();
    progress.show_waiting(move || watched.waiting().map(|w| w.to_string()));
    let mut receivers = Vec::with_capacity(targets.len());
    let mut walks = Walks(Vec::with_capacity(targets.len()));
    let mut bars = Vec::with_capacity(targets.len());
    let names = (options.format == Format::Markdown).then(SenderNames::default);
    for (index, target) in targets.iter().enumerate() {
        let (tx, rx) = handoff::channel(READ_AHEAD_BYTES);
        let bar = progress.conversation(&target.label);
        let walk = Walk {
            source: source.clone(),
            target: target.clone(),
            direction: options.direction,
            start: options.start_of(index),
            known: existing.known_keys(target.conversation),
            remaining: options
                .max_messages
                .map(|max| max.saturating_sub(existing.count(target.conversation))),
            events: tx,
            progress: bar.clone(),
            names: names.clone(),
        };
        let span = info_span!("export", conversation = %target.conversation);
        walks.0.push(tokio::spawn(walk.run().instrument(span)));
        receivers.push(rx);
        bars.push(bar);
    }

    let mut summary = ExportSummary {
        conversations: vec![ConversationSummary::default(); targets.len()],
        ..ExportSummary::default()
    };
    let mut cancel = std::pin::pin!(cancel);
    for (index, mut events) in receivers.into_iter().enumerate() {
        let target = &targets[index];
        let mut resume = options.start_of(index);
        let mut begun = false;
        let fail = |error: ExportError, resume: Cursor, summary: &mut ExportSummary| {
            summary.elapsed = started.elapsed();
            summary.stats = source.stats();
            ExportFailure {
                error,
                resume: Some(ResumePoint {
                    conversation_index: index,
                    cursor: resume,
                    written: summary.conversations[index].messages,
                }),
                summary: std::mem::take(summary),
                json_left_open: json_open,
            }
        };
        loop {
            let event = tokio::select! {
                biased;
                () = &mut cancel => {
                    bars[index].abandon("interrupted");
                    return Err(fail(ExportError::Interrupted, resume, &mut summary));
                }
                event = events.recv() => event,
            };
            let done = &mut summary.conversations[index];
            match event {
                Some(WalkEvent::Page {
                    messages,
                    resume_after,
                    skipped,
                    names,
                }) => {
                    writer.learn_names(&names);
                    let written = (|| {
                        if !begun {
                            writer.begin_conversation(target)?;
                        }
                        for message in &messages {
                            writer.write_message(target, message)?;
                        }
                        writer.flush()
                    })();
                    if let Err(e) = written {
                        bars[index].abandon("output failed");
                        return Err(fail(write_error(e), resume, &mut summary));
                    }
                    if let Some(count) = &options.written {
                        count.fetch_add(messages.len() as u64, Ordering::Relaxed);
                    }
                    begun = true;
                    done.messages += messages.len() as u64;
                    done.pages += 1;
                    done.skipped += skipped;
                    resume = resume_after;
                }
                Some(WalkEvent::Warning(line)) => {
                    progress.warn(&line);
                    done.warnings.push(line);
                }
                Some(WalkEvent::Finished { reached_max }) => {
                    done.complete = true;
                    done.reached_max = reached_max;
                    bars[index].finish(if reached_max {
                        "stopped at --max-messages"
                    } else {
                        "done"
                    });
                    debug!(conversation = %target.conversation, messages = done.messages, "conversation written");
                    break;
                }
                Some(WalkEvent::Failed(error)) => {
                    bars[index].abandon("failed");
                    return Err(fail(error, resume, &mut summary));
                }
                None => {
                    bars[index].abandon("failed");
                    let error = ExportError::WalkLost {
                        conversation: conversation_name(target),
                    };
                    return Err(fail(error, resume, &mut summary));
                }
            }
        }
    }
    if let Err(e) = writer.finish() {
        // Every message is written; only closing the output failed. Walking the last
        // conversation again with the output appended to writes nothing twice and
        // then closes it.
        let last = targets.len().saturating_sub(1);
        summary.elapsed = started.elapsed();
        summary.stats = source.stats();
        let written = summary.conversations.get(last).map_or(0, |c| c.messages);
        return Err(ExportFailure {
            error: write_error(e),
            resume: (!targets.is_empty()).then(|| ResumePoint {
                conversation_index: last,
                cursor: options.start_of(last),
                written,
            }),
            summary,
            json_left_open: json_open,
        });
    }
    summary.elapsed = started.elapsed();
    summary.stats = source.stats();
    progress.clear();
    Ok(summary)
}
