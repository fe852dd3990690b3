//! The terminal: entering and leaving full-screen mode (also on a panic), and the
//! event loop that ties input, state, drawing and the worker together.

use std::io::{self, Stdout, stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
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
use tokio::sync::mpsc;

use super::action::{Action, Command};
use super::app::{App, Settings};
use super::{ui, worker};

/// How often time passes for the UI (spinner frames, settling the selection).
pub const TICK: Duration = Duration::from_millis(100);
/// The most queued actions applied before the next frame is drawn.
pub const MAX_ACTIONS_PER_FRAME: usize = 256;

static PANICKED: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// The full-screen terminal the browser draws on.
pub type Screen = Terminal<CrosstermBackend<Stdout>>;

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
    enable_raw_mode()?;
    if let Err(e) = execute!(stdout(), EnterAlternateScreen, EnableMouseCapture, Hide) {
        restore();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(stdout()))
}

/// Back to the normal terminal: mouse off, main screen, cursor shown, raw mode off.
/// Safe to call more than once.
pub fn restore() {
    let _ = execute!(stdout(), DisableMouseCapture, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
}

/// Runs the browser on the real terminal with a [`worker::Source`].
pub async fn run<S: worker::Source>(source: S, settings: Settings) -> anyhow::Result<()> {
    let mut screen = enter()?;
    let result = event_loop(&mut screen, source, settings).await;
    restore();
    result
}

async fn event_loop<S: worker::Source>(
    screen: &mut Screen,
    source: S,
    settings: Settings,
) -> anyhow::Result<()> {
    let size = screen.size()?;
    let (mut app, commands) = App::new(settings, size.width, size.height);
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    for command in commands {
        worker::spawn(&source, command, tx.clone());
    }
    let input = tokio::spawn(read_input(tx.clone()));
    let ticker = tokio::spawn(tick(tx.clone(), source.clone()));
    let result = async {
        let mut dirty = true;
        loop {
            if PANICKED.load(Ordering::SeqCst) {
                anyhow::bail!("an internal error stopped the browser (the message is above)");
            }
            if dirty {
                screen.draw(|frame| ui::draw(frame, &app))?;
            }
            let Some(first) = rx.recv().await else {
                return Ok(());
            };
            dirty = false;
            let mut next = Some(first);
            let mut applied = 0;
            while let Some(action) = next.take() {
                let tick = matches!(action, Action::Tick);
                // A tick changes the screen by turning the spinner or by ending a notice.
                let had_notice = app.view().is_some_and(|v| v.notice.is_some());
                let commands = app.update(action);
                let notice_ended = had_notice && app.view().is_none_or(|v| v.notice.is_none());
                dirty |= !tick || app.is_fetching() || notice_ended || !commands.is_empty();
                for command in commands {
                    if command == Command::Quit {
                        return Ok(());
                    }
                    worker::spawn(&source, command, tx.clone());
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
    input.abort();
    ticker.abort();
    result
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
async fn tick<S: worker::Source>(tx: mpsc::UnboundedSender<Action>, source: S) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut shown = None;
    loop {
        interval.tick().await;
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
