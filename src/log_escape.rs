//! The log file's writer: every control character in a log line is escaped, so
//! that server text in a logged error can neither drive the terminal the log is
//! read on nor pass for a line of its own.

use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;

use crate::model::safe_text::escape_controls;

/// Wraps the log's [`MakeWriter`]: each event it writes comes out as one line,
/// its control characters (line breaks included) written as visible escapes.
pub struct EscapeControls<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for EscapeControls<M> {
    type Writer = EscapedLine<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        EscapedLine(self.0.make_writer())
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        EscapedLine(self.0.make_writer_for(meta))
    }
}

/// One event's writer (the formatter writes each event whole, in one go).
pub struct EscapedLine<W>(W);

impl<W: Write> Write for EscapedLine<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (line, end) = match text.strip_suffix('\n') {
            Some(line) => (line, "\n"),
            None => (&*text, ""),
        };
        let mut out = escape_controls(line).into_owned();
        out.push_str(end);
        self.0.write_all(out.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_logged_event_is_one_line_with_its_controls_escaped() {
        let buf = Buf::default();
        let sink = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(EscapeControls(move || sink.clone()))
            .with_ansi(false)
            .without_time()
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let code = "\u{1b}]0;pwned\u{7}";
            tracing::warn!(code, "failed: {}", "line one\nfake line \u{9b}2J");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.matches('\n').count(), 1, "{text}");
        assert!(text.ends_with('\n'));
        assert!(
            text.contains("failed: line one\\nfake line \\u{9b}2J"),
            "{text}"
        );
        assert!(text.contains("\\u{1b}]0;pwned\\u{7}"), "{text}");
        assert!(!text.contains(['\u{1b}', '\u{7}', '\u{9b}']), "{text}");
    }
}
