//! The signals that stop a long command early (Ctrl-C, SIGTERM, SIGHUP), listened
//! for from the command's start so that none of them kills it mid-write.

use std::fmt;

/// A signal that asked the command to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopSignal {
    /// Ctrl-C.
    Interrupt,
    /// `kill`, a service manager stopping it.
    Terminate,
    /// The terminal closed.
    HangUp,
}

impl StopSignal {
    /// The shell's status for a process ended by this signal: 128 + its number.
    pub fn exit_code(self) -> u8 {
        match self {
            StopSignal::Interrupt => 130,
            StopSignal::Terminate => 143,
            StopSignal::HangUp => 129,
        }
    }
}

impl fmt::Display for StopSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopSignal::Interrupt => "interrupted (Ctrl-C)",
            StopSignal::Terminate => "stopped by SIGTERM",
            StopSignal::HangUp => "stopped by SIGHUP (the terminal closed)",
        })
    }
}

/// Listens for the stop signals. Created before any output is opened: from then on
/// they no longer end the process at once, they end [`StopSignals::received`].
pub struct StopSignals {
    #[cfg(unix)]
    streams: Option<[tokio::signal::unix::Signal; 3]>,
}

impl StopSignals {
    /// Starts listening. Where a signal cannot be listened for, it keeps its
    /// default effect.
    pub fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = (|| {
                Some([
                    signal(SignalKind::interrupt()).ok()?,
                    signal(SignalKind::terminate()).ok()?,
                    signal(SignalKind::hangup()).ok()?,
                ])
            })();
            StopSignals { streams }
        }
        #[cfg(not(unix))]
        StopSignals {}
    }

    /// The first stop signal to arrive.
    pub async fn received(&mut self) -> StopSignal {
        #[cfg(unix)]
        {
            let Some([interrupt, terminate, hangup]) = &mut self.streams else {
                return std::future::pending().await;
            };
            tokio::select! {
                _ = interrupt.recv() => StopSignal::Interrupt,
                _ = terminate.recv() => StopSignal::Terminate,
                _ = hangup.recv() => StopSignal::HangUp,
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            StopSignal::Interrupt
        }
    }
}
