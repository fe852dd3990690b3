//! The terminal: entering and leaving full-screen mode (also on a panic or a signal),
//! handing it over to a pager, an editor or the shell (Ctrl-z) and taking it back, and
//! the event loop that ties input, state, drawing and the worker together.

use std::io::{self, Stdout, Write, stdout};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::action::{Action, Command, ExportJob, Outside};
use super::app::{App, Settings};
use super::overview::Overview;
use super::{handover, settings, ui, worker};
use crate::archive::SharedArchive;
use crate::export::{ExportOptions, Output, export};
use crate::source::Source;

/// How often time passes for the UI (spinner frames, settling the selection).
pub const TICK: Duration = Duration::from_millis(100);
/// The most queued actions applied before the next frame is drawn.
pub const MAX_ACTIONS_PER_FRAME: usize = 256;

static PANICKED: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// The full-screen terminal the browser draws on.
pub type Screen = Terminal<CrosstermBackend<Stdout>>;

/// The browser ended because of a signal; the process should exit with
/// [`Signalled::exit_code`] (128 + the signal's number, as shells report it).
#[derive(Debug, thiserror::Error)]
#[error("stopped by signal {0} ({name})", name = signal_name(*.0))]
pub struct Signalled(pub i32);

impl Signalled {
    /// 128 + the signal's number.
    pub fn exit_code(&self) -> u8 {
        u8::try_from(128 + self.0).unwrap_or(u8::MAX)
    }
}

fn signal_name(n: i32) -> &'static str {
    match n {
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        _ => "signal",
    }
}

/// Signals that end the browser (after restoring the terminal).
const ENDING_SIGNALS: [i32; 4] = [libc::SIGTERM, libc::SIGHUP, libc::SIGINT, libc::SIGQUIT];

/// Raw mode, alternate screen, mouse reporting, hidden cursor; and a panic hook that
/// undoes all of it before the panic message is printed.
pub fn enter() -> io::Result<Screen> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            restore();
            previous(info);
        }));
    });
    take_over()?;
    Terminal::new(CrosstermBackend::new(stdout()))
}

/// The terminal modes the browser draws in.
fn take_over() -> io::Result<()> {
    enable_raw_mode()?;
    if let Err(e) = execute!(stdout(), EnterAlternateScreen, EnableMouseCapture, Hide) {
        restore();
        return Err(e);
    }
    Ok(())
}

/// Back to the normal terminal: mouse off, main screen, cursor shown, raw mode off.
/// Safe to call more than once.
pub fn restore() {
    let _ = execute!(stdout(), DisableMouseCapture, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
}

/// The archive's connections the loop carries the browser's archive commands out on.
#[derive(Clone, Debug, Default)]
pub struct Archives {
    /// Read-only: stretches of conversations.
    pub reads: Option<SharedArchive>,
    /// Where the reading places are kept, and what searches the archive (it indexes
    /// the messages queued for the search index first).
    pub writes: Option<SharedArchive>,
}

/// Runs the browser on the real terminal with a [`Source`].
pub async fn run<S: Source>(
    source: S,
    settings: Settings,
    archives: Archives,
) -> anyhow::Result<()> {
    // Listening before the terminal changes: a signal from now on restores it.
    let signals = listen_for_signals()?;
    let mut screen = enter()?;
    let result = event_loop(&mut screen, source, settings, archives, signals).await;
    restore();
    result
}

/// The signals the browser handles, as they arrive.
fn listen_for_signals() -> io::Result<mpsc::UnboundedReceiver<i32>> {
    let (tx, rx) = mpsc::unbounded_channel();
    let handled = ENDING_SIGNALS
        .into_iter()
        .chain([libc::SIGTSTP, libc::SIGCONT]);
    for n in handled {
        let mut stream = signal(SignalKind::from_raw(n))?;
        let tx = tx.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if tx.send(n).is_err() {
                    return;
                }
            }
        });
    }
    Ok(rx)
}

/// The task reading the terminal, while the browser has it; and whether time
/// passes for the UI (not while another program has the terminal: nothing is drawn
/// then, and ticks would only pile up).
struct Input {
    tx: mpsc::UnboundedSender<Action>,
    task: Option<JoinHandle<()>>,
    paused: Arc<AtomicBool>,
}

impl Input {
    fn start(tx: mpsc::UnboundedSender<Action>, paused: Arc<AtomicBool>) -> Input {
        let task = Some(tokio::spawn(read_input(tx.clone())));
        Input { tx, task, paused }
    }

    /// Stops reading, so that another program gets every key.
    async fn pause(&mut self) {
        self.paused.store(true, Ordering::SeqCst);
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    fn resume(&mut self) {
        self.paused.store(false, Ordering::SeqCst);
        if self.task.is_none() {
            self.task = Some(tokio::spawn(read_input(self.tx.clone())));
        }
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

async fn event_loop<S: Source>(
    screen: &mut Screen,
    source: S,
    settings: Settings,
    archives: Archives,
    mut signals: mpsc::UnboundedReceiver<i32>,
) -> anyhow::Result<()> {
    let size = screen.size()?;
    let tools = settings.ui.tools.clone();
    ui::theme::install(settings.ui.theme.clone());
    let (mut app, commands) = App::new(settings, size.width, size.height);
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    for command in commands {
        // The first commands (the picker's figures among them) go where the loop's
        // would: archive work to the archive, the rest to the worker.
        if let Some(command) = spawn_archive_command(&archives, command, tx.clone()) {
            worker::spawn(&source, command, tx.clone());
        }
    }
    let paused = Arc::new(AtomicBool::new(false));
    let mut input = Input::start(tx.clone(), Arc::clone(&paused));
    let ticker = tokio::spawn(tick(tx.clone(), source.clone(), paused));
    let result = async {
        let mut dirty = true;
        loop {
            if PANICKED.load(Ordering::SeqCst) {
                anyhow::bail!("an internal error stopped the browser (the message is above)");
            }
            if dirty {
                screen.draw(|frame| ui::draw(frame, &app))?;
            }
            let first = tokio::select! {
                action = rx.recv() => match action {
                    Some(action) => action,
                    None => return Ok(()),
                },
                Some(n) = signals.recv() => {
                    match n {
                        libc::SIGTSTP => suspend(screen, &mut input).await?,
                        libc::SIGCONT => take_back(screen, &mut input)?,
                        n => {
                            tracing::info!(signal = n, "stopped by a signal");
                            restore();
                            // Where the conversation was read is kept on this way out too.
                            for command in app.quitting() {
                                if let Command::SaveReading { .. } = command {
                                    save_reading(&archives, command).await;
                                }
                            }
                            return Err(Signalled(n).into());
                        }
                    }
                    dirty = true;
                    continue;
                }
            };
            dirty = false;
            let mut next = Some(first);
            let mut applied = 0;
            while let Some(action) = next.take() {
                let tick = matches!(action, Action::Tick);
                // A tick changes the screen by turning the spinner or by ending a notice.
                let had_notice = app.has_notice();
                let commands = app.update(action);
                let notice_ended = had_notice && !app.has_notice();
                dirty |= !tick || app.is_fetching() || notice_ended || !commands.is_empty();
                for command in commands {
                    match command {
                        Command::Quit => return Ok(()),
                        Command::Outside(outside) => {
                            let report = match outside {
                                Outside::Suspend => {
                                    suspend(screen, &mut input).await?;
                                    None
                                }
                                Outside::Copy(clip) => Some(handover::copy(&tools, &clip)),
                                Outside::Export(job) => {
                                    spawn_export(&source, job, tx.clone());
                                    None
                                }
                                Outside::SaveHistory(history) => {
                                    if let Some(path) = &tools.history_path
                                        && let Err(e) = settings::write_history(path, &history)
                                    {
                                        tracing::warn!(error = %e, "the search history could not be saved");
                                    }
                                    None
                                }
                                Outside::Show(show) => {
                                    input.pause().await;
                                    restore();
                                    let report = handover::show(&show).await;
                                    take_back(screen, &mut input)?;
                                    Some(report)
                                }
                            };
                            if let Some(report) = report {
                                let _ = tx.send(Action::Reported(report));
                            }
                            dirty = true;
                        }
                        // Awaited: quitting right after must not lose it.
                        command @ Command::SaveReading { .. } => {
                            save_reading(&archives, command).await;
                        }
                        command => {
                            if let Some(command) =
                                spawn_archive_command(&archives, command, tx.clone())
                            {
                                worker::spawn(&source, command, tx.clone());
                            }
                        }
                    }
                }
                applied += 1;
                if applied < MAX_ACTIONS_PER_FRAME {
                    next = rx.try_recv().ok();
                }
            }
            if app.should_quit() {
                return Ok(());
            }
        }
    }
    .await;
    ticker.abort();
    result
}

/// Runs `read` on the archive off the UI thread; `answer` makes its action.
fn spawn_lookup<T: Send + 'static>(
    archive: Option<SharedArchive>,
    tx: mpsc::UnboundedSender<Action>,
    read: impl FnOnce(&crate::archive::Archive) -> Result<T, crate::archive::ArchiveError>
    + Send
    + 'static,
    answer: impl FnOnce(Result<T, String>) -> Action + Send + 'static,
) {
    let Some(archive) = archive else {
        let _ = tx.send(answer(Err(
            "no archive (--no-archive): nothing is kept to look in".into(),
        )));
        return;
    };
    tokio::spawn(async move {
        let result = archive
            .with(move |a| read(a))
            .await
            .map_err(|e| e.to_string());
        let _ = tx.send(answer(result));
    });
}

/// Keeps where a conversation was read ([`Command::SaveReading`]) in the archive; a
/// failure is logged, never fatal.
async fn save_reading(archives: &Archives, command: Command) {
    let Command::SaveReading {
        app,
        conversation,
        last_read,
        newest_seen,
    } = command
    else {
        return;
    };
    if let Some(archive) = &archives.writes {
        let saved = archive
            .with(move |a| a.store_reading(app, conversation, &last_read, &newest_seen))
            .await;
        if let Err(e) = saved {
            tracing::warn!(error = %e, "where the conversation was read is not kept");
        }
    }
}

/// Reads a stretch of a conversation from the archive off the UI thread; the answer
/// comes back as [`Action::ArchiveRead`].
fn spawn_archive_read(
    archives: &Archives,
    view: super::ViewId,
    read: super::archived::WindowRead,
    tx: mpsc::UnboundedSender<Action>,
) {
    let Some(archive) = archives.reads.clone() else {
        let _ = tx.send(Action::ArchiveRead {
            view,
            read,
            result: Err("no archive".into()),
        });
        return;
    };
    tokio::spawn(async move {
        let result = archive
            .with(move |a| super::archived::read_window(a, &read))
            .await
            .map_err(|e| e.to_string());
        let _ = tx.send(Action::ArchiveRead { view, read, result });
    });
}

/// Carries out a command answered from the archive, on a blocking thread of its own;
/// its answer comes back as an action. Any other command is handed back.
fn spawn_archive_command(
    archives: &Archives,
    command: Command,
    tx: mpsc::UnboundedSender<Action>,
) -> Option<Command> {
    match command {
        Command::ReadArchive { view, read } => {
            spawn_archive_read(archives, view, read, tx);
        }
        Command::SearchEverywhere { id, query } => {
            // The writing connection: a search first indexes what is
            // queued, which a read-only one cannot.
            let archive = archives.writes.clone().or(archives.reads.clone());
            spawn_lookup(
                archive,
                tx.clone(),
                move |a| a.search(&query),
                move |r| Action::FoundEverywhere { id, result: r },
            );
        }
        Command::FindTime {
            view,
            app: a,
            conversation,
            time_ms,
        } => {
            let reads = archives.reads.clone();
            spawn_lookup(
                reads,
                tx.clone(),
                move |archive| archive.landing_at(a, conversation, time_ms),
                move |result| Action::TimeFound {
                    view,
                    time_ms,
                    result,
                },
            );
        }
        Command::LoadOverview => {
            // The writing connection keeps the figures it brings up to
            // date, so the next look costs only what arrived since.
            let archive = archives.writes.clone().or(archives.reads.clone());
            spawn_lookup(archive, tx.clone(), Overview::read, Action::OverviewLoaded);
        }
        Command::SearchArchive {
            view,
            app,
            conversation,
            query,
        } => spawn_archive_search(archives, view, (app, conversation), query, tx),
        command => return Some(command),
    }
    None
}

/// Searches a conversation's archive off the UI thread; the answer comes back as
/// [`Action::ArchiveSearched`].
fn spawn_archive_search(
    archives: &Archives,
    view: super::ViewId,
    (app, conversation): (crate::model::AppId, crate::model::ConversationId),
    query: String,
    tx: mpsc::UnboundedSender<Action>,
) {
    // The writing connection: it indexes what is queued before it searches.
    let Some(archive) = archives.writes.clone() else {
        return;
    };
    tokio::spawn(async move {
        let asked = query.clone();
        let result = archive
            .with(move |a| super::archived::search_conversation(a, app, conversation, &asked))
            .await
            .map_err(|e| e.to_string());
        let _ = tx.send(Action::ArchiveSearched {
            view,
            query,
            result,
        });
    });
}

/// Runs an export started from the view in its own task, with the engine and the
/// guarantees of `volc-im export` (a page at a time, flushed, a clean prefix on
/// failure); its outcome comes back as [`Action::ExportEnded`].
fn spawn_export<S: Source>(source: &S, job: ExportJob, tx: mpsc::UnboundedSender<Action>) {
    let source = source.clone();
    tokio::spawn(async move {
        let name = job.path.display().to_string();
        let output = match Output::create(&job.path) {
            Ok(output) => output,
            Err(e) => {
                let _ = tx.send(Action::ExportEnded(format!("export failed: {e}")));
                return;
            }
        };
        let written = Arc::new(AtomicU64::new(0));
        let options = ExportOptions {
            format: job.format,
            direction: job.direction,
            written: Some(Arc::clone(&written)),
            ..ExportOptions::default()
        };
        let targets = [job.target];
        let run = export(&source, &targets, &options, output, std::future::pending());
        tokio::pin!(run);
        // The count, as it grows, for the status bar; a tick's worth at a time.
        let mut every = tokio::time::interval(TICK);
        let mut told = 0;
        let outcome = loop {
            tokio::select! {
                outcome = &mut run => break outcome,
                _ = every.tick() => {
                    let now = written.load(Ordering::Relaxed);
                    if now != told {
                        told = now;
                        let _ = tx.send(Action::ExportProgress(now));
                    }
                }
            }
        };
        let report = match outcome {
            Ok(summary) => {
                let n = summary.messages();
                format!(
                    "exported {n} message{} to {name} ({})",
                    if n == 1 { "" } else { "s" },
                    job.format
                )
            }
            Err(failure) => {
                tracing::warn!(error = %failure, "export from the view failed");
                format!("export to {name} stopped: {failure} (what was written is kept)")
            }
        };
        let _ = tx.send(Action::ExportEnded(report));
    });
}

/// Ctrl-z: gives the terminal back to the shell and stops; when continued (`fg`),
/// takes it back and redraws everything.
async fn suspend(screen: &mut Screen, input: &mut Input) -> anyhow::Result<()> {
    input.pause().await;
    restore();
    let _ = io::stdout().flush();
    tracing::info!("suspended");
    // SIGTSTP is handled here, so the stop itself is SIGSTOP (which cannot be).
    // SAFETY: raise only sends a signal to this process.
    unsafe {
        libc::raise(libc::SIGSTOP);
    }
    tracing::info!("continued");
    take_back(screen, input)
}

/// Full-screen mode again after another program had the terminal, redrawn from
/// scratch (whatever is on the screen now is not what the browser drew).
fn take_back(screen: &mut Screen, input: &mut Input) -> anyhow::Result<()> {
    take_over()?;
    // Resizing clears the screen and forgets what was drawn, so the next frame is
    // drawn whole (Terminal::clear would ask the terminal for the cursor, and nothing
    // reads the answer now). The terminal may have changed size meanwhile, too.
    let (width, height) = crossterm::terminal::size()?;
    screen.resize(ratatui::layout::Rect::new(0, 0, width, height))?;
    let _ = input.tx.send(Action::Resize { width, height });
    input.resume();
    Ok(())
}

/// Reads terminal events and turns them into actions.
async fn read_input(tx: mpsc::UnboundedSender<Action>) {
    let mut events = EventStream::new();
    while let Some(event) = events.next().await {
        let action = match event {
            Ok(Event::Key(key)) => Action::Key(key),
            Ok(Event::Mouse(mouse)) => Action::Mouse(mouse),
            Ok(Event::Resize(width, height)) => Action::Resize { width, height },
            Ok(_) => continue,
            Err(e) => {
                tracing::error!(error = %e, "reading the terminal failed");
                let _ = tx.send(Action::InputClosed);
                return;
            }
        };
        if tx.send(action).is_err() {
            return;
        }
    }
    let _ = tx.send(Action::InputClosed);
}

/// Time passing, and with it what a slow call is waiting for (sent when that changes).
/// Time stands still while another program has the terminal.
async fn tick<S: Source>(tx: mpsc::UnboundedSender<Action>, source: S, paused: Arc<AtomicBool>) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut shown = None;
    loop {
        interval.tick().await;
        if paused.load(Ordering::SeqCst) {
            continue;
        }
        if tx.send(Action::Tick).is_err() {
            return;
        }
        let waiting = source.waiting();
        if waiting != shown {
            shown = waiting.clone();
            if tx.send(Action::Waiting(waiting)).is_err() {
                return;
            }
        }
    }
}
