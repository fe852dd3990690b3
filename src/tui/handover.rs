//! Work done outside the browser's screen: the clipboard (through the terminal, or a
//! configured command) and the pager or editor, which get the terminal while they
//! run. Each returns the one line the status bar says about it; none of them fails
//! the browser.

use std::io::{Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crossterm::clipboard::CopyToClipboard;
use crossterm::execute;

use super::action::{Clip, Show, Viewer};
use super::settings::Tools;
use super::text;

/// The most bytes copied at once; terminals cap OSC 52 too, most near here or lower.
pub const MAX_COPY_BYTES: usize = 1024 * 1024;
/// How long a copy command may take before it is given up on.
pub const COPY_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);
/// The most bytes of a failing command's stderr put in the notice.
const STDERR_SHOWN_BYTES: usize = 200;
/// The pager when `$PAGER` is not set.
pub const DEFAULT_PAGER: &str = "less -R";
/// The editor when neither `$VISUAL` nor `$EDITOR` is set.
pub const DEFAULT_EDITOR: &str = "vi";

fn size_words(text: &str) -> String {
    let n = text.chars().count();
    format!("{n} character{}", if n == 1 { "" } else { "s" })
}

/// Puts `clip` on the clipboard; what to tell the user.
pub fn copy(tools: &Tools, clip: &Clip) -> String {
    if clip.text.len() > MAX_COPY_BYTES {
        return format!(
            "not copied: the message's {} is {} bytes, more than the {} a copy takes (v or e show it all)",
            clip.what,
            clip.text.len(),
            MAX_COPY_BYTES
        );
    }
    match &tools.copy_command {
        Some(command) => match run_copy_command(command, &clip.text) {
            Ok(()) => format!(
                "copied the message's {} ({}) with copy_command",
                clip.what,
                size_words(&clip.text)
            ),
            Err(why) => format!("copy_command failed: {}", text::one_line(&why, 200)),
        },
        None => match execute!(
            std::io::stdout(),
            CopyToClipboard::to_clipboard_from(&clip.text)
        ) {
            Ok(()) => format!(
                "copied the message's {} ({}) through the terminal (OSC 52)",
                clip.what,
                size_words(&clip.text)
            ),
            Err(e) => format!("could not copy: {e}"),
        },
    }
}

/// Runs the copy command with `text` on its input; its own output never reaches the
/// screen. Its stderr explains a failure.
fn run_copy_command(command: &str, text: &str) -> Result<(), String> {
    let words = shlex::split(command).filter(|w| !w.is_empty());
    let Some((program, args)) = words.as_ref().and_then(|w| w.split_first()) else {
        return Err("it is empty or its quotes do not balance".into());
    };
    let mut child = std::process::Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {program:?}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| format!("{program:?} did not take the text: {e}"))?;
    }
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < COPY_COMMAND_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{program:?} did not finish within {} s",
                    COPY_COMMAND_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("waiting for {program:?}: {e}")),
        }
    };
    if status.success() {
        return Ok(());
    }
    let mut stderr = Vec::new();
    if let Some(err) = child.stderr.take() {
        let _ = err.take(STDERR_SHOWN_BYTES as u64).read_to_end(&mut stderr);
    }
    let stderr = String::from_utf8_lossy(&stderr);
    Err(format!(
        "{program:?} exited with {status}: {}",
        stderr.trim()
    ))
}

/// The command line a viewer runs: the environment's choice, else the default.
fn viewer_command(viewer: Viewer) -> String {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    match viewer {
        Viewer::Pager => env("PAGER").unwrap_or_else(|| DEFAULT_PAGER.into()),
        Viewer::Editor => env("VISUAL")
            .or_else(|| env("EDITOR"))
            .unwrap_or_else(|| DEFAULT_EDITOR.into()),
    }
}

/// Shows a document in the pager or the editor, which has the terminal meanwhile
/// (the caller has handed it over). What to tell the user afterwards.
pub async fn show(show: &Show) -> String {
    let command = viewer_command(show.viewer);
    let what = match show.viewer {
        Viewer::Pager => "pager",
        Viewer::Editor => "editor",
    };
    let Some(words) = shlex::split(&command).filter(|w| !w.is_empty()) else {
        return format!("the {what} command {command:?} does not parse");
    };
    let (program, args) = words.split_first().expect("not empty");
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args).kill_on_drop(true);
    // The editor's copy lives only while it runs.
    let mut file = None;
    match show.viewer {
        Viewer::Pager => {
            cmd.stdin(Stdio::piped());
        }
        Viewer::Editor => match read_only_copy(&show.file_name, &show.document) {
            Ok(f) => {
                cmd.arg(f.path());
                file = Some(f);
            }
            Err(e) => return format!("could not write a copy for the editor: {e}"),
        },
    }
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => return format!("could not start the {what} {program:?}: {e}"),
    };
    if let Some(mut stdin) = child.stdin.take() {
        use tokio::io::AsyncWriteExt;
        // A pager that quits early closes its input: not an error.
        let _ = stdin.write_all(show.document.as_bytes()).await;
    }
    let status = child.wait().await;
    drop(file);
    match status {
        Ok(s) if s.success() => String::new(),
        Ok(s) => format!("the {what} {program:?} exited with {s}"),
        Err(e) => format!("waiting for the {what} {program:?}: {e}"),
    }
}

/// A read-only copy of a document in a private temporary directory; both are
/// removed when it is dropped.
struct ReadOnlyCopy {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl ReadOnlyCopy {
    fn path(&self) -> &std::path::Path {
        &self.path
    }
}

fn read_only_copy(name: &str, document: &str) -> std::io::Result<ReadOnlyCopy> {
    let dir = tempfile::Builder::new().prefix("volc-im-").tempdir()?;
    let path = dir.path().join(name);
    std::fs::write(&path, document)?;
    let mut perms = std::fs::metadata(&path)?.permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&path, perms)?;
    Ok(ReadOnlyCopy { _dir: dir, path })
}
