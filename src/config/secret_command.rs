//! `secret_key_command`: a command whose first line of output is the secret key.
//!
//! The command comes from the user, but what it does is outside `volc-im`'s
//! control, so everything about it has a bound: it gets a timeout, its output is
//! read up to [`MAX_OUTPUT`], and its stderr up to [`MAX_STDERR`]. Errors say what
//! went wrong and show its stderr (escaped), never its stdout (it may hold the
//! secret) and never the command itself (it may hold one too).

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::model::safe_text::escape_controls;
use crate::secret::Secret;

/// How long the command may run unless `secret_key_command_timeout_secs` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most the command may print on stdout; its first line is the secret.
pub const MAX_OUTPUT: usize = 64 * 1024;
/// How much of its stderr is kept for the error message.
pub const MAX_STDERR: usize = 4 * 1024;
/// How much of that stderr an error shows.
const STDERR_SHOWN: usize = 600;
/// How often the command is checked on while it runs.
const POLL: Duration = Duration::from_millis(10);

/// Why the command gave no secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretCommandError {
    /// It could not be started.
    #[error("could not be started: {0}")]
    Spawn(String),
    /// It ran past its timeout and was stopped.
    #[error(
        "did not finish within {}s and was stopped{}; if it waits for input, \
         raise secret_key_command_timeout_secs",
        .0.as_secs_f64(), stderr_part(.1)
    )]
    Timeout(Duration, String),
    /// It printed more than [`MAX_OUTPUT`].
    #[error(
        "printed more than {} KiB and was stopped: it should print the secret key on its first line{}",
        MAX_OUTPUT / 1024, stderr_part(.0)
    )]
    TooMuchOutput(String),
    /// It exited with a failure.
    #[error("failed ({status}){}", stderr_part(.stderr))]
    Failed { status: String, stderr: String },
    /// Its first line is not UTF-8.
    #[error("printed a first line that is not UTF-8")]
    NotUtf8,
    /// Its first line is empty.
    #[error("printed nothing on its first line{}", stderr_part(.0))]
    Empty(String),
}

/// `; it said: ...` for a command's (already escaped) stderr, or nothing.
fn stderr_part(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!("; it said: {stderr}")
    }
}

/// Runs `command` with `sh -c`, stdin closed, and returns the first line of its
/// standard output as the secret.
pub fn run(command: &str, timeout: Duration) -> Result<Secret, SecretCommandError> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so that a timeout stops whatever it started too
    // (`sh -c 'sleep 100'` leaves a child holding the pipes open otherwise).
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .spawn()
        .map_err(|e| SecretCommandError::Spawn(e.kind().to_string()))?;
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let out_tx = tx.clone();
    std::thread::spawn(move || {
        let _ = out_tx.send(Stream::Out(read_capped(stdout, MAX_OUTPUT)));
    });
    std::thread::spawn(move || {
        let _ = tx.send(Stream::Err(read_capped(stderr, MAX_STDERR).bytes));
    });

    let deadline = Instant::now() + timeout;
    let mut out: Option<Capped> = None;
    let mut err: Option<Vec<u8>> = None;
    let mut status: Option<ExitStatus> = None;
    let shown = |err: &Option<Vec<u8>>| err.as_deref().map(shown_stderr).unwrap_or_default();
    loop {
        while let Ok(stream) = rx.try_recv() {
            match stream {
                Stream::Out(o) => out = Some(o),
                Stream::Err(e) => err = Some(e),
            }
        }
        if out.as_ref().is_some_and(|o| o.overflowed) {
            stop(&mut child);
            return Err(SecretCommandError::TooMuchOutput(shown(&err)));
        }
        if status.is_none() {
            status = child.try_wait().ok().flatten();
        }
        if status.is_some() && out.is_some() && err.is_some() {
            break;
        }
        if Instant::now() >= deadline {
            stop(&mut child);
            // What it said before it was stopped, if its stderr closes in time. Its
            // stdout may close first: that answer is passed over, not taken for it.
            let closing = Instant::now() + Duration::from_millis(200);
            while err.is_none() {
                let left = closing.saturating_duration_since(Instant::now());
                match rx.recv_timeout(left) {
                    Ok(Stream::Err(e)) => err = Some(e),
                    Ok(Stream::Out(_)) => {}
                    Err(_) => break,
                }
            }
            return Err(SecretCommandError::Timeout(timeout, shown(&err)));
        }
        std::thread::sleep(POLL);
    }
    let status = status.expect("checked above");
    let stderr = shown(&err);
    if !status.success() {
        return Err(SecretCommandError::Failed {
            status: status.to_string(),
            stderr,
        });
    }
    let out = out.expect("checked above").bytes;
    let first = out.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = std::str::from_utf8(first).map_err(|_| SecretCommandError::NotUtf8)?;
    let secret = first.trim_end_matches('\r');
    if secret.is_empty() {
        return Err(SecretCommandError::Empty(stderr));
    }
    Ok(Secret::new(secret))
}

enum Stream {
    Out(Capped),
    Err(Vec<u8>),
}

/// At most `cap` bytes of a stream; `overflowed` when it had more.
struct Capped {
    bytes: Vec<u8>,
    overflowed: bool,
}

/// Reads up to `cap` bytes, and one more to learn whether there was more. Stops
/// there, so a command that prints without end costs no more memory than that.
fn read_capped(stream: impl Read, cap: usize) -> Capped {
    let mut bytes = Vec::new();
    let _ = stream.take(cap as u64 + 1).read_to_end(&mut bytes);
    let overflowed = bytes.len() > cap;
    bytes.truncate(cap);
    Capped { bytes, overflowed }
}

/// The end of a command's stderr, escaped, on one line.
fn shown_stderr(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let start = text
        .char_indices()
        .rev()
        .nth(STDERR_SHOWN)
        .map_or(0, |(i, _)| i);
    let cut = if start > 0 { "…" } else { "" };
    format!("{cut}{}", escape_controls(&text[start..]))
}

/// Stops the command and everything it started, and reaps it.
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: kill(2) with a negative pid signals the process group the
            // child leads (it was started as its own group); it touches no memory.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHORT: Duration = Duration::from_secs(5);

    #[test]
    fn the_first_line_is_the_secret() {
        let secret = run("printf 'from-cmd\\r\\nsecond line\\n'", SHORT).unwrap();
        assert_eq!(secret.expose(), "from-cmd");
        let secret = run("printf 'no-newline'", SHORT).unwrap();
        assert_eq!(secret.expose(), "no-newline");
    }

    #[test]
    fn a_command_that_hangs_is_stopped_at_its_timeout() {
        let started = Instant::now();
        // Long enough for a loaded machine to start the shell and let it write its
        // line, far shorter than the command's own sleep.
        let err = run(
            "echo waiting for a pin >&2; sleep 30",
            Duration::from_secs(2),
        )
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "{err}");
        assert!(matches!(err, SecretCommandError::Timeout(..)), "{err}");
        let text = err.to_string();
        assert!(text.contains("did not finish within 2s"), "{text}");
        assert!(text.contains("waiting for a pin"), "{text}");
        assert!(text.contains("secret_key_command_timeout_secs"), "{text}");
    }

    #[test]
    fn a_command_that_prints_without_end_is_stopped_at_the_cap() {
        let started = Instant::now();
        let err = run("yes", SHORT).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(matches!(err, SecretCommandError::TooMuchOutput(_)), "{err}");
        assert!(err.to_string().contains("64 KiB"), "{err}");
    }

    #[test]
    fn a_failure_shows_its_stderr_escaped_and_never_its_stdout() {
        let err = run(
            "echo 42-printed; printf 'vault locked \\033]0;title\\007\\n' >&2; exit 3",
            SHORT,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("failed (exit status: 3)"), "{text}");
        assert!(
            text.contains("vault locked \\u{1b}]0;title\\u{7}"),
            "{text}"
        );
        assert!(!text.contains("42-printed"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }

    #[test]
    fn an_empty_or_non_utf8_first_line_is_refused() {
        assert!(matches!(
            run("echo; echo second", SHORT),
            Err(SecretCommandError::Empty(_))
        ));
        assert_eq!(
            run("printf '\\377\\n'", SHORT).unwrap_err(),
            SecretCommandError::NotUtf8
        );
    }

    #[test]
    fn long_stderr_shows_its_end() {
        let err = run(
            "head -c 3000 /dev/zero | tr '\\0' x >&2; echo END >&2; exit 1",
            SHORT,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("…x"), "{err}");
        assert!(err.ends_with("END"), "{err}");
        assert!(err.len() < 1000, "{}", err.len());
    }
}
