//! One conversation's walk: fetch page after page with its own [`Pager`], drop what
//! the output already holds, stop at the limit, and hand each page to the writer.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::ConversationTarget;
use super::handoff::{PageSender, WalkEvent};
use super::outcome::{ExportError, conversation_name};
use super::progress::ConversationProgress;
use crate::model::{AppId, Cursor, Message, MessageKey, UserId};
use crate::pager::{Accepted, Pager, PagerState};
use crate::paging::Direction;
use crate::source::Source;

/// One conversation's walk, run as its own task.
pub(crate) struct Walk<S> {
    pub(crate) source: S,
    pub(crate) target: ConversationTarget,
    pub(crate) direction: Direction,
    pub(crate) start: Cursor,
    /// Identities of the messages the output already holds for this conversation.
    pub(crate) known: HashSet<MessageKey>,
    /// How many more messages may be written; `None`: no limit.
    pub(crate) remaining: Option<u64>,
    pub(crate) events: PageSender,
    pub(crate) progress: ConversationProgress,
    /// Looks up senders' display names, for formats that show them.
    pub(crate) names: Option<SenderNames>,
}

/// Senders' display names, shared by every walk of an export so that each sender
/// is asked for once. A lookup holds the lock, so a walk whose senders another walk
/// is asking for waits for that answer, and every page goes out with its senders'
/// names. After a failed lookup no more are tried (ids are shown instead).
#[derive(Clone, Default)]
pub(crate) struct SenderNames(Arc<tokio::sync::Mutex<NameBook>>);

#[derive(Default)]
struct NameBook {
    asked: HashSet<UserId>,
    names: HashMap<UserId, String>,
    failed: bool,
}

impl SenderNames {
    /// The names of this page's senders, asking for those not asked for yet.
    async fn of<S: Source>(
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

impl<S: Source> Walk<S> {
    pub(crate) async fn run(mut self) {
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
                .fetch_page(self.target.app, self.target.conversation, req)
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
            if let Some(warning) = pager.take_warning() {
                let line = format!("{}: {warning}", conversation_name(&self.target));
                if self.events.send(WalkEvent::Warning(line)).await.is_err() {
                    return WalkEvent::Finished { reached_max: false };
                }
            }
            let received = messages.len();
            messages.retain(|m| !self.known.contains(&m.key()));
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
