//! An export shown on a terminal: what the server sent is data there too.

use std::io::{self, Write};

use crate::model::safe_text::escape_json_for_terminal;

/// Writes through to `inner` with control characters (C0 but white space, DEL,
/// C1, bidi) written as `\u` escapes: JSON reads them back as the same characters,
/// and a terminal shows them instead of obeying them. Bytes that are not UTF-8
/// are shown as U+FFFD.
pub struct TerminalSafe<W: Write> {
    inner: W,
    /// The start of a character whose remaining bytes come with the next write.
    pending: Vec<u8>,
}

impl<W: Write> TerminalSafe<W> {
    /// A writer on `inner`.
    pub fn new(inner: W) -> Self {
        TerminalSafe {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: Write> Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let mut rest: &[u8] = &self.pending;
        let mut out = String::with_capacity(rest.len());
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    out.push_str(text);
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    out.push_str(std::str::from_utf8(valid).expect("valid up to there"));
                    match e.error_len() {
                        // A character cut between two writes: wait for its end.
                        None => {
                            rest = after;
                            break;
                        }
                        Some(bad) => {
                            out.push('\u{FFFD}');
                            rest = &after[bad..];
                        }
                    }
                }
            }
        }
        let keep = rest.to_vec();
        self.inner
            .write_all(escape_json_for_terminal(&out).as_bytes())?;
        self.pending = keep;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_even_when_a_character_is_split_between_writes() {
        let line = "{\"Content\":\"a\u{9b}2J\u{1b}]0;t\u{7}长\u{202e}\"}\n".as_bytes();
        let mut w = TerminalSafe::new(Vec::new());
        for chunk in line.chunks(3) {
            w.write_all(chunk).unwrap();
        }
        let out = String::from_utf8(w.inner).unwrap();
        assert_eq!(
            out,
            "{\"Content\":\"a\\u009b2J\\u001b]0;t\\u0007长\\u202e\"}\n"
        );
        let read: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            read,
            serde_json::json!({"Content": "a\u{9b}2J\u{1b}]0;t\u{7}长\u{202e}"}),
            "the same text, read as JSON"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_shown_as_replacement_characters() {
        let mut w = TerminalSafe::new(Vec::new());
        w.write_all(b"a\x9bb\n").unwrap();
        assert_eq!(String::from_utf8(w.inner).unwrap(), "a\u{FFFD}b\n");
    }
}
