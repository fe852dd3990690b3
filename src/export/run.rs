//! The export loop: one walk per conversation, one writer, one output.

use std::collections::{HashMap, HashSet};
use std::fs::OpenOptions;
use std::future::Future;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{Instrument, debug, info_span};

use super::existing::{ExistingOutput, ExistingOutputError};
use super::format::{Sink, new_writer};
use super::progress::{ConversationProgress, Progress};
use super::{ConversationTarget, Format, PageSource, SourceStats};
use crate::api::ApiError;
use crate::model::{AppId, Cursor, Message, MessageId, UserId};
use crate::pager::{Accepted, Direction, Pager, PagerState, PagingError};

/// How many pages a conversation waiting for its turn in the output may fetch
/// ahead (and hold in memory). The conversation being written never waits.
pub const READ_AHEAD_PAGES: usize = 64;

/// Output buffer size for files and stdout; flushed after every page regardless.
const OUTPUT_BUFFER: usize = 64 * 1024;

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

/// Where the messages go.
pub struct Output {
    sink: Sink,
    existing: ExistingOutput,
    name: String,
}

impl Output {
    /// Standard output.
    pub fn stdout() -> Self {
        Output::writer("stdout", io::stdout())
    }

    /// A new file at `path` (an existing one is replaced).
    pub fn create(path: &Path) -> Result<Self, ExportError> {
        let name = path.display().to_string();
        let file = std::fs::File::create(path).map_err(|source| ExportError::Write {
            output: name.clone(),
            source,
        })?;
        Ok(Output {
            sink: Box::new(BufWriter::with_capacity(OUTPUT_BUFFER, file)),
            existing: ExistingOutput::fresh(),
            name,
        })
    }

    /// The file at `path`, to be continued: what it holds is read first (messages in it
    /// are not written again) and new messages go at its end. A missing or empty file
    /// is started anew.
    pub fn append(path: &Path, format: Format) -> Result<Self, ExportError> {
        let name = path.display().to_string();
        let write_error = |source| ExportError::Write {
            output: name.clone(),
            source,
        };
        let existing = match std::fs::read(path) {
            Ok(bytes) => {
                ExistingOutput::scan(format, &bytes).map_err(|source| ExportError::Existing {
                    output: name.clone(),
                    source,
                })?
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => ExistingOutput::fresh(),
            Err(e) => return Err(write_error(e)),
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(write_error)?;
        Ok(Output {
            sink: Box::new(BufWriter::with_capacity(OUTPUT_BUFFER, file)),
            existing,
            name,
        })
    }

    /// Any writer, starting empty (tests, benchmarks).
    pub fn writer(name: &str, writer: impl Write + Send + 'static) -> Self {
        Output {
            sink: Box::new(BufWriter::with_capacity(OUTPUT_BUFFER, writer)),
            existing: ExistingOutput::fresh(),
            name: name.to_owned(),
        }
    }

    /// What the output held before this export.
    pub fn existing(&self) -> &ExistingOutput {
        &self.existing
    }

    /// The output's name in messages: a path, or `stdout`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Why an export stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A request failed for good (after the client's retries).
    #[error("{conversation}: {source}{}", if *.live_group { " - this looks like a live group, which can only be read newest-first: use --newest-first" } else { "" })]
    Api {
        conversation: String,
        source: Box<ApiError>,
        /// The service refused an oldest-first walk of what seems to be a live group.
        live_group: bool,
    },
    /// The server's paging misbehaved (a repeated cursor, pages bringing nothing).
    #[error("{conversation}: {source}")]
    Paging {
        conversation: String,
        source: PagingError,
    },
    /// An oldest-first export of a conversation configured as a live group.
    #[error(
        "{conversation} is a live group, which can only be read newest-first: use --newest-first"
    )]
    LiveGroupFromStart { conversation: String },
    /// Writing the output failed.
    #[error("writing {output}: {source}")]
    Write { output: String, source: io::Error },
    /// The output to append to holds something else.
    #[error("cannot append to {output}: {source}")]
    Existing {
        output: String,
        source: ExistingOutputError,
    },
    /// The export was interrupted (Ctrl-C).
    #[error("interrupted")]
    Interrupted,
    /// A conversation's walk ended without saying how (it panicked).
    #[error("{conversation}: the walk ended unexpectedly")]
    WalkLost { conversation: String },
}

impl ExportError {
    fn api(target: &ConversationTarget, direction: Direction, source: ApiError) -> Self {
        let live_group = direction == Direction::OldestFirst && is_live_group_refusal(&source);
        ExportError::Api {
            conversation: conversation_name(target),
            source: Box::new(source),
            live_group,
        }
    }
}

/// True for the service's refusal of `Reverse=0` on a live group.
pub fn is_live_group_refusal(error: &ApiError) -> bool {
    match error {
        ApiError::Service { code, message, .. } => {
            let message = message.to_ascii_lowercase();
            code.starts_with("InvalidParameter")
                && (message.contains("live") || message.contains("reverse"))
        }
        _ => false,
    }
}

fn conversation_name(target: &ConversationTarget) -> String {
    if target.label == target.conversation.to_string() {
        format!("conversation {}", target.conversation)
    } else {
        format!("conversation {} ({})", target.label, target.conversation)
    }
}

/// Refuses an oldest-first walk of a conversation known to be a live group, which
/// the service only serves newest-first.
pub fn check_direction(
    targets: &[ConversationTarget],
    direction: Direction,
) -> Result<(), ExportError> {
    match targets.iter().find(|t| t.live) {
        Some(live) if direction == Direction::OldestFirst => Err(ExportError::LiveGroupFromStart {
            conversation: conversation_name(live),
        }),
        _ => Ok(()),
    }
}

/// Where to pick up an export that stopped: conversations before
/// `conversation_index` are complete in the output, the one at it continues from
/// `cursor`, and those after it have not been written at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResumePoint {
    /// Index into the exported conversations.
    pub conversation_index: usize,
    /// The cursor its walk continues from.
    pub cursor: Cursor,
    /// How many of its messages the output already holds (from this run).
    pub written: u64,
}

/// How one conversation's export went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConversationSummary {
    /// Messages written.
    pub messages: u64,
    /// Pages fetched and written.
    pub pages: u64,
    /// Messages received again and dropped (page boundaries, or already in the output).
    pub skipped: u64,
    /// The whole history (or `--max-messages` of it) was written.
    pub complete: bool,
    /// Stopped at `--max-messages` with more history left.
    pub reached_max: bool,
}

/// What an export wrote.
#[derive(Clone, Debug, Default)]
pub struct ExportSummary {
    /// Per conversation, in the order given.
    pub conversations: Vec<ConversationSummary>,
    /// Time from start to end.
    pub elapsed: Duration,
    /// The page source's counters at the end.
    pub stats: SourceStats,
}

impl ExportSummary {
    /// Messages written, all conversations.
    pub fn messages(&self) -> u64 {
        self.conversations.iter().map(|c| c.messages).sum()
    }

    /// Pages written, all conversations.
    pub fn pages(&self) -> u64 {
        self.conversations.iter().map(|c| c.pages).sum()
    }
}

/// A failed or interrupted export: why, what it wrote, and where to resume.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct ExportFailure {
    /// Why it stopped.
    #[source]
    pub error: ExportError,
    /// Where to resume; `None` when nothing can be resumed (bad arguments, an
    /// output that cannot be appended to).
    pub resume: Option<ResumePoint>,
    /// What was written before it stopped (all of it flushed).
    pub summary: ExportSummary,
    /// The output is a JSON array left without its closing `]`.
    pub json_left_open: bool,
}

impl ExportFailure {
    fn before_start(error: ExportError) -> Self {
        ExportFailure {
            error,
            resume: None,
            summary: ExportSummary::default(),
            json_left_open: false,
        }
    }
}

/// What a walk hands to the writer.
enum WalkEvent {
    /// The next page's new messages, and the cursor to resume from once they are written.
    Page {
        messages: Vec<Message>,
        resume_after: Cursor,
        skipped: u64,
        /// Display names of the page's senders.
        names: Vec<(UserId, String)>,
    },
    /// The walk ended well.
    Finished { reached_max: bool },
    /// The walk failed; nothing more will come.
    Failed(ExportError),
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
/// [`Pager`], through the one `source` (so the one rate limit). The output holds each
/// conversation's messages as one contiguous block, in the order `targets` are given
/// and each in walk order: the first conversation streams straight to the output,
/// page by page, while the others fetch up to [`READ_AHEAD_PAGES`] pages ahead and
/// then wait for their turn. The output is flushed after every page.
///
/// So at any stop the output is a clean prefix of the whole export: conversations
/// before the one being written are complete, the one being written ends on a page
/// boundary, and nothing of the later ones is written. [`ExportFailure::resume`] says
/// where that is; exporting again from there with the output appended to completes it,
/// and messages the output already holds are never written twice.
pub async fn export<S: PageSource>(
    source: &S,
    targets: &[ConversationTarget],
    options: &ExportOptions,
    output: Output,
    cancel: impl Future<Output = ()>,
) -> Result<ExportSummary, ExportFailure> {
    let started = Instant::now();
    check_direction(targets, options.direction).map_err(ExportFailure::before_start)?;
    let Output {
        sink,
        existing,
        name,
    } = output;
    let write_error = |source: io::Error| ExportError::Write {
        output: name.clone(),
        source,
    };
    let mut writer = new_writer(options.format, sink, &existing)
        .map_err(|e| ExportFailure::before_start(write_error(e)))?;
    let json_open = options.format == Format::Json;

    let progress = Progress::new(options.show_progress);
    let mut receivers = Vec::with_capacity(targets.len());
    let mut walks = Walks(Vec::with_capacity(targets.len()));
    let mut bars = Vec::with_capacity(targets.len());
    let names = (options.format == Format::Markdown).then(SenderNames::default);
    for (index, target) in targets.iter().enumerate() {
        let (tx, rx) = mpsc::channel(READ_AHEAD_PAGES);
        let bar = progress.conversation(&target.label);
        let walk = Walk {
            source: source.clone(),
            target: target.clone(),
            direction: options.direction,
            start: options.start_of(index),
            known: existing.known_ids(target.conversation),
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
                    begun = true;
                    done.messages += messages.len() as u64;
                    done.pages += 1;
                    done.skipped += skipped;
                    resume = resume_after;
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
        let last = targets.len().saturating_sub(1);
        summary.elapsed = started.elapsed();
        // Every message is written; only the closing of the output failed.
        return Err(ExportFailure {
            error: write_error(e),
            resume: None,
            summary: ExportSummary {
                conversations: std::mem::take(&mut summary.conversations),
                elapsed: started.elapsed(),
                stats: source.stats(),
            },
            json_left_open: json_open && last < targets.len(),
        });
    }
    summary.elapsed = started.elapsed();
    summary.stats = source.stats();
    progress.clear();
    Ok(summary)
}

/// One conversation's walk, run as its own task.
struct Walk<S> {
    source: S,
    target: ConversationTarget,
    direction: Direction,
    start: Cursor,
    /// Ids the output already holds for this conversation.
    known: HashSet<MessageId>,
    /// How many more messages may be written; `None`: no limit.
    remaining: Option<u64>,
    events: mpsc::Sender<WalkEvent>,
    progress: ConversationProgress,
    /// Looks up senders' display names, for formats that show them.
    names: Option<SenderNames>,
}

/// Senders' display names, shared by every walk of an export so that each sender
/// is asked for once. A lookup holds the lock, so a walk whose senders another walk
/// is asking for waits for that answer, and every page goes out with its senders'
/// names. After a failed lookup no more are tried (ids are shown instead).
#[derive(Clone, Default)]
struct SenderNames(Arc<tokio::sync::Mutex<NameBook>>);

#[derive(Default)]
struct NameBook {
    asked: HashSet<UserId>,
    names: HashMap<UserId, String>,
    failed: bool,
}

impl SenderNames {
    /// The names of this page's senders, asking for those not asked for yet.
    async fn of<S: PageSource>(
        &self,
        source: &S,
        app: AppId,
        messages: &[Message],
    ) -> Vec<(UserId, String)> {
        let mut book = self.0.lock().await;
        let mut senders: Vec<UserId> = messages
            .iter()
            .filter(|m| m.body.sender_str.as_deref().is_none_or(str::is_empty))
            .filter_map(|m| m.body.sender)
            .collect();
        senders.sort_unstable();
        senders.dedup();
        let new: Vec<UserId> = senders
            .iter()
            .copied()
            .filter(|id| !book.asked.contains(id))
            .collect();
        if !new.is_empty() && !book.failed {
            book.asked.extend(&new);
            match source.user_names(app, &new).await {
                Ok(names) => book.names.extend(names),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot look up sender names; showing ids");
                    book.failed = true;
                }
            }
        }
        senders
            .into_iter()
            .filter_map(|id| Some((id, book.names.get(&id)?.clone())))
            .collect()
    }
}

impl<S: PageSource> Walk<S> {
    async fn run(mut self) {
        let event = self.pages().await;
        if matches!(event, WalkEvent::Finished { .. }) {
            self.progress.fetched();
        }
        // The writer may be gone (the export stopped): then nobody needs to know.
        let _ = self.events.send(event).await;
    }

    /// Sends pages until the walk ends; the closing event.
    async fn pages(&mut self) -> WalkEvent {
        let mut pager = Pager::starting_at(self.direction, self.start);
        let mut delivered = 0u64;
        if self.remaining == Some(0) {
            return WalkEvent::Finished { reached_max: true };
        }
        while let Some(req) = pager.next_request() {
            let fetched = self
                .source
                .fetch_page(self.target.app, self.target.conversation, &req)
                .await;
            let page = match fetched {
                Ok(page) => page,
                Err(e) => {
                    pager.failed(&req);
                    return WalkEvent::Failed(ExportError::api(&self.target, self.direction, e));
                }
            };
            let Accepted::Page {
                mut messages,
                duplicates,
            } = pager.accept(&req, page)
            else {
                // One request at a time: an answer is never stale here.
                continue;
            };
            let received = messages.len();
            messages.retain(|m| m.id().is_none_or(|id| !self.known.contains(&id)));
            let skipped = (duplicates + received - messages.len()) as u64;
            let mut reached_max = false;
            if let Some(left) = self.remaining.as_mut() {
                if messages.len() as u64 >= *left {
                    messages.truncate(*left as usize);
                    reached_max = true;
                }
                *left -= messages.len() as u64;
            }
            delivered += messages.len() as u64;
            self.progress
                .page(delivered, pager.pages(), self.source.stats());
            // After a misbehaving page the walk cannot go on from the server's
            // cursor: resuming re-asks for that page instead (what it brought is
            // recognised in the output and not written again).
            let resume_after = pager.resume_cursor().unwrap_or(req.cursor);
            let names = match &self.names {
                Some(names) => names.of(&self.source, self.target.app, &messages).await,
                None => Vec::new(),
            };
            let page = WalkEvent::Page {
                messages,
                resume_after,
                skipped,
                names,
            };
            if self.events.send(page).await.is_err() {
                return WalkEvent::Finished { reached_max: false };
            }
            if reached_max {
                return WalkEvent::Finished {
                    reached_max: !pager.is_done(),
                };
            }
        }
        match pager.state() {
            PagerState::Done => WalkEvent::Finished { reached_max: false },
            PagerState::Stopped(e) => WalkEvent::Failed(ExportError::Paging {
                conversation: conversation_name(&self.target),
                source: e.clone(),
            }),
            PagerState::HaveMore(_) => WalkEvent::Failed(ExportError::WalkLost {
                conversation: conversation_name(&self.target),
            }),
        }
    }
}
