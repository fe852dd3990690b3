//! Where an export writes: stdout, a new file, a file to continue, or any writer.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::Path;

use super::Format;
use super::existing::{ExistingOutput, Repair};
use super::format::Sink;
use super::outcome::ExportError;
use super::terminal::TerminalSafe;

/// Output buffer size for files and stdout; flushed after every page regardless.
const OUTPUT_BUFFER: usize = 64 * 1024;
/// Where the messages go.
pub struct Output {
    sink: Sink,
    existing: ExistingOutput,
    name: String,
    repaired: Option<String>,
}

impl Output {
    /// Standard output. On a terminal, control characters in what is written are
    /// escaped (as `\u` escapes, which JSON reads as the same characters), so that
    /// no message can drive the terminal; to a file or a pipe the bytes are exact.
    pub fn stdout() -> Self {
        if io::stdout().is_terminal() {
            Output {
                sink: Box::new(TerminalSafe::new(BufWriter::with_capacity(
                    OUTPUT_BUFFER,
                    io::stdout(),
                ))),
                existing: ExistingOutput::fresh(),
                name: "stdout".into(),
                repaired: None,
            }
        } else {
            Output::writer("stdout", io::stdout())
        }
    }

    /// A new file at `path` (an existing one is replaced), locked while written.
    /// A file another export is writing is refused, and left alone.
    pub fn create(path: &Path) -> Result<Self, ExportError> {
        let name = path.display().to_string();
        let write_error = |source| ExportError::Write {
            output: name.clone(),
            source,
        };
        // Not truncated on opening: only once the lock says no one else writes it.
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(write_error)?;
        lock(&file, &name)?;
        file.set_len(0).map_err(write_error)?;
        Ok(Output {
            sink: Box::new(BufWriter::with_capacity(OUTPUT_BUFFER, file)),
            existing: ExistingOutput::fresh(),
            name,
            repaired: None,
        })
    }

    /// The file at `path`, to be continued: what it holds is read first (messages in it
    /// are not written again) and new messages go at its end. A missing or empty file
    /// is started anew.
    ///
    /// An output whose last record was cut off is refused (the error says from which
    /// byte); one whose last write stopped between a whole record and what follows it
    /// (its line end, or the element after a JSON `,`) is mended first, as
    /// [`Output::repaired`] then says.
    pub fn append(path: &Path, format: Format) -> Result<Self, ExportError> {
        let name = path.display().to_string();
        let write_error = |source| ExportError::Write {
            output: name.clone(),
            source,
        };
        // Locked before it is read: another export appending to it at the same time
        // would write what this one is about to write.
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(write_error)?;
        lock(&file, &name)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(write_error)?;
        let existing =
            ExistingOutput::scan(format, &bytes).map_err(|source| ExportError::Existing {
                output: name.clone(),
                source,
            })?;
        let repair = existing.repair();
        match repair {
            None => {}
            Some(Repair::EndLastLine) => file.write_all(b"\n").map_err(write_error)?,
            Some(Repair::DropDanglingComma { keep }) => file.set_len(keep).map_err(write_error)?,
        }
        Ok(Output {
            sink: Box::new(BufWriter::with_capacity(OUTPUT_BUFFER, file)),
            existing,
            repaired: repair.map(|r| format!("{name}: {r}")),
            name,
        })
    }

    /// Any writer, starting empty (tests, benchmarks).
    pub fn writer(name: &str, writer: impl Write + Send + 'static) -> Self {
        Output {
            sink: Box::new(BufWriter::with_capacity(OUTPUT_BUFFER, writer)),
            existing: ExistingOutput::fresh(),
            name: name.to_owned(),
            repaired: None,
        }
    }

    /// What the output held before this export.
    pub fn existing(&self) -> &ExistingOutput {
        &self.existing
    }

    /// What [`Output::append`] mended at the file's end before writing, if anything.
    pub fn repaired(&self) -> Option<&str> {
        self.repaired.as_deref()
    }

    /// The output's name in messages: a path, or `stdout`.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn into_parts(self) -> (Sink, ExistingOutput, String) {
        (self.sink, self.existing, self.name)
    }
}

/// Takes the output's exclusive lock, or refuses at once when another process holds it.
fn lock(file: &std::fs::File, name: &str) -> Result<(), ExportError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(ExportError::Busy {
            output: name.to_owned(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(ExportError::Write {
            output: name.to_owned(),
            source,
        }),
    }
}
