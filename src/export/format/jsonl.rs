//! jsonl: one message per line, the raw JSON exactly as received.

use std::io::{self, Write};

mod read;

use super::{MessageWriter, Sink};
use crate::export::ConversationTarget;
use crate::model::Message;

/// Writes each message's raw JSON on a line of its own.
///
/// The service sends compact JSON, so the line is the message byte for byte. Should a
/// message ever arrive pretty-printed, its line breaks (which JSON only allows
/// between tokens) are written as spaces, keeping one message per line.
pub struct JsonlWriter {
    out: Sink,
    /// The line being written, kept between messages so that it is allocated once.
    line: Vec<u8>,
}

impl JsonlWriter {
    /// A writer on `out`; jsonl has no header, so a fresh and an appended output start alike.
    pub fn new(out: Sink) -> Self {
        JsonlWriter {
            out,
            line: Vec::new(),
        }
    }
}

/// The raw JSON on one line.
pub(super) fn one_line(raw: &str) -> std::borrow::Cow<'_, str> {
    if has_line_break(raw.as_bytes()) {
        raw.replace(['\n', '\r'], " ").into()
    } else {
        raw.into()
    }
}

/// Whether `bytes` hold a line break. On x86-64 with SSE2, the architecture's
/// baseline, searched with it directly: `memchr2` would first ask the CPU which
/// wider instructions it has, and that one query (every CPU feature std knows,
/// a CPUID each) costs a one-page export tens of microseconds in a virtual
/// machine, more than the search saves on messages this short.
fn has_line_break(bytes: &[u8]) -> bool {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(two) = memchr::arch::x86_64::sse2::memchr::Two::new(b'\n', b'\r') {
        return two.find(bytes).is_some();
    }
    memchr::memchr2(b'\n', b'\r', bytes).is_some()
}

impl MessageWriter for JsonlWriter {
    fn write_message(&mut self, _target: &ConversationTarget, message: &Message) -> io::Result<()> {
        // The line and its end in one write: a message larger than the output's
        // buffer goes straight to the file, and a stop between two writes would leave
        // a line without its end for the next message to be glued to.
        let raw = one_line(message.raw_json());
        self.line.clear();
        self.line.extend_from_slice(raw.as_bytes());
        self.line.push(b'\n');
        self.out.write_all(&self.line)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::format::fixtures::{SharedBuf, odd_messages, raw, target};

    #[test]
    fn a_line_break_is_found_at_every_place_in_short_and_long_text() {
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 100, 1000] {
            let plain = "a".repeat(len);
            assert!(!has_line_break(plain.as_bytes()), "{len}");
            assert_eq!(one_line(&plain), plain);
            for at in 0..len {
                for cut in [b'\n', b'\r'] {
                    let mut bytes = plain.clone().into_bytes();
                    bytes[at] = cut;
                    assert!(has_line_break(&bytes), "{len} {at} {cut}");
                }
            }
        }
        assert_eq!(one_line("{\"a\":\r\n1}"), "{\"a\":  1}");
    }

    /// The build keeps httparse's SIMD off (see `.cargo/config.toml`): its first
    /// response would otherwise query every CPU feature std knows. Set `RUSTFLAGS`
    /// replaces the config's flags; this names what was lost.
    #[test]
    fn the_build_asks_httparse_for_its_scalar_parser() {
        let scalar: bool = cfg!(httparse_disable_simd = "1");
        assert!(
            scalar,
            "built without `--cfg httparse_disable_simd=\"1\"` (RUSTFLAGS set?)"
        );
    }

    #[test]
    fn each_line_is_the_raw_message_byte_for_byte() {
        let buf = SharedBuf::default();
        let mut w = JsonlWriter::new(Box::new(buf.clone()));
        let messages = odd_messages();
        w.begin_conversation(&target()).unwrap();
        for m in &messages {
            w.write_message(&target(), m).unwrap();
        }
        w.finish().unwrap();
        let text = buf.text();
        let lines: Vec<&str> = text.split_terminator('\n').collect();
        assert_eq!(lines.len(), messages.len());
        for (line, m) in lines.iter().zip(&messages) {
            assert_eq!(*line, m.raw_json());
        }
        assert!(text.ends_with('\n'));
        assert!(
            lines[0].contains(r#""Future":{"x":1.50}"#),
            "numbers kept as sent"
        );
    }

    #[test]
    fn a_pretty_printed_message_stays_on_one_line_and_parses_the_same() {
        let pretty = "{\n  \"MessageId\": 1,\r\n  \"Content\": \"a\\nb\"\n}";
        let buf = SharedBuf::default();
        let mut w = JsonlWriter::new(Box::new(buf.clone()));
        w.write_message(&target(), &raw(pretty)).unwrap();
        let text = buf.text();
        assert_eq!(text.matches('\n').count(), 1);
        let a: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        let b: serde_json::Value = serde_json::from_str(pretty).unwrap();
        assert_eq!(a, b);
    }
}
