//! The hand-off from a conversation's walk to the writer, bounded in bytes: a walk
//! waiting for its turn in the output reads ahead until the pages it holds reach the
//! budget, whatever their size, so each conversation exported at once costs a known
//! amount of memory.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use super::outcome::ExportError;
use crate::model::{Cursor, Message, UserId};

/// What a walk hands to the writer.
pub(crate) enum WalkEvent {
    /// The next page's new messages, and the cursor to resume from once they are written.
    Page {
        messages: Vec<Message>,
        resume_after: Cursor,
        skipped: u64,
        /// Display names of the page's senders.
        names: Vec<(UserId, String)>,
    },
    /// Something the walk had to judge for itself (the end of history, say), for the
    /// user: said once, before the page it came with.
    Warning(String),
    /// The walk ended well.
    Finished { reached_max: bool },
    /// The walk failed; nothing more will come.
    Failed(ExportError),
}

/// What a page is taken to hold besides its messages' received JSON: the event
/// itself and its vector, counted so that pages of nothing still count.
const PAGE_OVERHEAD: usize = 256;

/// The bytes a page held in memory is counted as: each message's received JSON
/// and its typed view, and the page's own overhead.
pub(crate) fn page_weight(messages: &[Message]) -> usize {
    PAGE_OVERHEAD
        + messages
            .iter()
            .map(|m| m.raw_json().len() + std::mem::size_of::<Message>())
            .sum::<usize>()
}

/// A hand-off holding at most `budget` bytes of pages (by [`page_weight`]) that
/// the writer has not finished with. A page weighing more than the whole budget
/// still goes, alone.
pub(crate) fn channel(budget: usize) -> (PageSender, PageReceiver) {
    let budget = u32::try_from(budget).unwrap_or(u32::MAX).max(1);
    let (tx, rx) = mpsc::unbounded_channel();
    let room = Arc::new(Semaphore::new(budget as usize));
    (
        PageSender { tx, room, budget },
        PageReceiver { rx, held: None },
    )
}

/// The walk's end of the hand-off.
pub(crate) struct PageSender {
    tx: mpsc::UnboundedSender<(WalkEvent, Option<OwnedSemaphorePermit>)>,
    room: Arc<Semaphore>,
    budget: u32,
}

/// The writer is gone: nothing more is wanted.
#[derive(Debug)]
pub(crate) struct Closed;

impl PageSender {
    /// Hands `event` over, first waiting while the pages not yet written hold the
    /// whole budget.
    pub(crate) async fn send(&self, event: WalkEvent) -> Result<(), Closed> {
        let permit = match &event {
            WalkEvent::Page { messages, .. } => {
                let weight = u32::try_from(page_weight(messages))
                    .unwrap_or(u32::MAX)
                    .min(self.budget);
                let permit = Arc::clone(&self.room)
                    .acquire_many_owned(weight)
                    .await
                    .map_err(|_| Closed)?;
                Some(permit)
            }
            _ => None,
        };
        self.tx.send((event, permit)).map_err(|_| Closed)
    }
}

/// The writer's end of the hand-off.
pub(crate) struct PageReceiver {
    rx: mpsc::UnboundedReceiver<(WalkEvent, Option<OwnedSemaphorePermit>)>,
    /// The room taken by the event handed out last: given back at the next
    /// `recv`, once the writer is done with that event.
    held: Option<OwnedSemaphorePermit>,
}

impl PageReceiver {
    /// The next event; `None` once the walk is gone. Calling it again says the
    /// writer is done with the event before, whose room goes back to the walk.
    pub(crate) async fn recv(&mut self) -> Option<WalkEvent> {
        self.held = None;
        let (event, permit) = self.rx.recv().await?;
        self.held = permit;
        Some(event)
    }
}

#[cfg(test)]
mod tests {
    use futures::FutureExt;
    use serde_json::json;

    use super::*;

    fn page(messages: usize, text_bytes: usize) -> WalkEvent {
        let text = "x".repeat(text_bytes);
        WalkEvent::Page {
            messages: (0..messages)
                .map(|i| Message::from_value(&json!({"MessageId": i, "Content": text})))
                .collect(),
            resume_after: Cursor(0),
            skipped: 0,
            names: Vec::new(),
        }
    }

    fn weight(event: &WalkEvent) -> usize {
        match event {
            WalkEvent::Page { messages, .. } => page_weight(messages),
            _ => 0,
        }
    }

    /// Whether `event` is handed over without waiting.
    fn goes_at_once(tx: &PageSender, event: WalkEvent) -> bool {
        tx.send(event).now_or_never().is_some()
    }

    #[tokio::test]
    async fn a_walk_holds_at_most_the_budget_in_bytes_whatever_the_page_size() {
        for text_bytes in [10, 300, 5_000] {
            let one = weight(&page(20, text_bytes));
            let (tx, mut rx) = channel(one * 3 + one / 2);
            for _ in 0..3 {
                assert!(goes_at_once(&tx, page(20, text_bytes)));
            }
            assert!(
                !goes_at_once(&tx, page(20, text_bytes)),
                "a fourth page of {text_bytes}-byte messages goes over the budget"
            );
            // The page being written still counts; once the writer asks for the
            // next, its room is free again.
            rx.recv().await.unwrap();
            assert!(!goes_at_once(&tx, page(20, text_bytes)));
            rx.recv().await.unwrap();
            assert!(goes_at_once(&tx, page(20, text_bytes)));
        }
    }

    #[tokio::test]
    async fn a_page_bigger_than_the_budget_still_goes_alone() {
        let (tx, mut rx) = channel(1024);
        assert!(goes_at_once(&tx, page(20, 10_000)));
        assert!(!goes_at_once(&tx, page(1, 1)));
        rx.recv().await.unwrap();
        rx.recv().now_or_never();
        assert!(goes_at_once(&tx, page(1, 1)));
        assert!(goes_at_once(
            &tx,
            WalkEvent::Finished { reached_max: false }
        ));
    }

    #[tokio::test]
    async fn a_walk_stops_when_the_writer_is_gone() {
        let (tx, rx) = channel(1024);
        drop(rx);
        assert!(tx.send(page(1, 1)).await.is_err());
    }
}
