//! The archive's writer thread: started when pages come, it stores them in
//! batches (see [`super::SharedArchive`]) and ends with the last handle.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{BATCH_BYTES, STEP_BYTES, Shared, lock};

/// The writer thread, started with the second page handed over (or [`LINGER`]
/// after the first), and ended (after writing what is left) with the last clone:
/// a command that hands over one page and ends writes it as it ends, without a
/// thread.
pub(super) struct Writer {
    shared: Arc<Shared>,
    thread: Mutex<Thread>,
    /// A start after [`LINGER`] is scheduled.
    timed: AtomicBool,
}

enum Thread {
    NotYet,
    Running(JoinHandle<()>),
    /// It could not be started: each page is written as it is kept.
    Unavailable,
}

impl Writer {
    pub(super) fn new(shared: Arc<Shared>) -> Writer {
        Writer {
            shared,
            thread: Mutex::new(Thread::NotYet),
            timed: AtomicBool::new(false),
        }
    }

    /// Starts the thread unless it runs (or could not start).
    pub(super) fn start(&self) {
        let mut thread = lock(&self.thread);
        if !matches!(*thread, Thread::NotYet) {
            return;
        }
        let shared = Arc::clone(&self.shared);
        *thread = match std::thread::Builder::new()
            .name("archive-writer".into())
            .spawn(move || write_batches(&shared))
        {
            Ok(handle) => Thread::Running(handle),
            Err(e) => {
                tracing::warn!("no archive writer thread ({e}): each page is written as kept");
                Thread::Unavailable
            }
        };
    }

    /// Whether pages handed over will be written by the thread (now or once it
    /// starts): not when it could not start, nor once it has ended (a panic).
    pub(super) fn writes(&self) -> bool {
        match &*lock(&self.thread) {
            Thread::NotYet => true,
            Thread::Running(handle) => !handle.is_finished(),
            Thread::Unavailable => false,
        }
    }

    /// Starts the thread `linger` from now (at once outside an async runtime), so
    /// that a lone page is written within it even if no other follows.
    pub(super) fn start_later(writer: &Arc<Writer>, linger: Duration) {
        if writer.timed.swap(true, Ordering::Relaxed) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            writer.start();
            return;
        };
        let writer = Arc::downgrade(writer);
        runtime.spawn(async move {
            tokio::time::sleep(linger).await;
            if let Some(writer) = writer.upgrade() {
                writer.start();
            }
        });
    }

    pub(super) fn started(&self) -> bool {
        !matches!(*lock(&self.thread), Thread::NotYet)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        lock(&self.shared.queue).closed = true;
        self.shared.wake.notify_all();
        let thread = std::mem::replace(&mut *lock(&self.thread), Thread::Unavailable);
        if let Thread::Running(handle) = thread {
            // The thread writes whatever is queued before it ends; a panic there has
            // been reported by the panic hook already.
            let _ = handle.join();
        }
        // Without a thread (not started, could not start, or it panicked) the pages
        // left are written here.
        drop(self.shared.lock_flushed());
    }
}

/// The writer thread: waits for a first page and stores it in a new batch, then
/// for [`LINGER`] stores more as [`STEP_BYTES`] of them wait (all at once when the
/// last handle is gone), and commits the batch at the linger's end or once it
/// holds [`BATCH_BYTES`].
fn write_batches(shared: &Shared) {
    loop {
        let mut queue = lock(&shared.queue);
        while queue.pages.is_empty() {
            if queue.closed {
                return;
            }
            queue.idle = true;
            queue = shared
                .wake
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
        queue.idle = false;
        drop(queue);
        let deadline = Instant::now() + shared.linger;
        let mut archive = lock(&shared.archive);
        let mut batch = shared.store_waiting(&mut archive);
        drop(archive);
        loop {
            let mut queue = lock(&shared.queue);
            let left = deadline.saturating_duration_since(Instant::now());
            if queue.closed || left.is_zero() || batch + queue.bytes >= BATCH_BYTES {
                break;
            }
            if queue.bytes < STEP_BYTES {
                queue.stepping = Some(Instant::now());
                queue = match shared.wake.wait_timeout(queue, left) {
                    Ok((queue, _)) => queue,
                    Err(poisoned) => poisoned.into_inner().0,
                };
                queue.stepping = None;
            }
            drop(queue);
            let mut archive = lock(&shared.archive);
            batch += shared.store_waiting(&mut archive);
        }
        drop(shared.lock_flushed());
    }
}
