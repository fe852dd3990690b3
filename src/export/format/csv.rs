//! csv: a header and one row per message; the last column holds the raw JSON, so
//! nothing the message came with is lost.

use std::io::{self, Write};

mod read;

use super::{MessageWriter, Sink};
use crate::export::ConversationTarget;
use crate::model::Message;

/// The header row.
pub const CSV_HEADER: [&str; 13] = [
    "conversation_id",
    "message_id",
    "index",
    "create_time_ms",
    "create_time",
    "sender",
    "msg_type",
    "status",
    "text",
    "ref_message_id",
    "ref_hint",
    "ext",
    "raw",
];

/// Writes rows with the `csv` crate (which does the quoting), each row in one write.
///
/// `conversation_id` is the message's `ConversationShortId`, or the exported
/// conversation's id when the message has none; `create_time` is RFC 3339 in UTC
/// with milliseconds;
/// `text` is the decoded text, else the content as it came; `ext` is a JSON object.
/// Fields a message lacks are empty.
pub struct CsvWriter {
    out: Sink,
}

impl CsvWriter {
    /// A writer on `out`; the header is written unless the output already has one.
    pub fn new(mut out: Sink, has_header: bool) -> io::Result<Self> {
        if !has_header {
            out.write_all(&encode(CSV_HEADER)?)?;
        }
        Ok(CsvWriter { out })
    }
}

/// One row, quoted and with its line end, ready to be written in one go (the csv
/// writer itself writes a long row in pieces, and a stop between two would leave a
/// cut row).
fn encode<I, T>(record: I) -> io::Result<Vec<u8>>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut encoder = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    encoder.write_record(record).map_err(io_error)?;
    encoder
        .into_inner()
        .map_err(csv::IntoInnerError::into_error)
}

/// The `io::Error` behind a csv error, kind and all (a closed pipe stays
/// [`io::ErrorKind::BrokenPipe`], which `export` on stdout treats as the reader being
/// done); any other csv error as [`io::ErrorKind::Other`].
fn io_error(error: csv::Error) -> io::Error {
    if !matches!(error.kind(), csv::ErrorKind::Io(_)) {
        return io::Error::other(error);
    }
    match error.into_kind() {
        csv::ErrorKind::Io(e) => e,
        _ => unreachable!("an io error, checked above"),
    }
}

/// The row of one message, in [`CSV_HEADER`]'s order.
pub(crate) fn row(target: &ConversationTarget, message: &Message) -> [String; 13] {
    let body = &message.body;
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let conversation = body.conversation_short_id.unwrap_or(target.conversation);
    let text = message
        .decoded_content()
        .text
        .unwrap_or_else(|| body.content.clone());
    let create_time = body
        .create_time
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default();
    let ext = if body.ext.is_empty() {
        String::new()
    } else {
        serde_json::to_string(&body.ext).unwrap_or_default()
    };
    let reference = body.ref_msg_info.as_ref();
    let text = defuse_formula(text);
    let sender = defuse_formula(message.sender_label());
    let hint = defuse_formula(reference.map(|r| r.hint.clone()).unwrap_or_default());
    [
        conversation.to_string(),
        opt(message.id().map(|id| id.0)),
        opt(body.index_in_conversation),
        opt(body.create_time),
        create_time,
        sender,
        opt(body.msg_type.map(i64::from)),
        body.status.to_string(),
        text,
        opt(reference
            .and_then(|r| r.referenced_message_id)
            .map(|id| id.0)),
        hint,
        ext,
        message.raw_json().to_owned(),
    ]
}

/// A text cell that a spreadsheet would run as a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading `'`, which spreadsheets
/// read as "this is text". The raw JSON column keeps the exact text.
fn defuse_formula(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

impl MessageWriter for CsvWriter {
    fn write_message(&mut self, target: &ConversationTarget, message: &Message) -> io::Result<()> {
        let row = encode(row(target, message))?;
        self.out.write_all(&row)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::format::fixtures::{SharedBuf, odd_messages, target};

    fn read(text: &str) -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn one_row_per_message_and_the_raw_column_round_trips() {
        let buf = SharedBuf::default();
        let mut w = CsvWriter::new(Box::new(buf.clone()), false).unwrap();
        let messages = odd_messages();
        for m in &messages {
            w.write_message(&target(), m).unwrap();
        }
        w.finish().unwrap();
        let text = buf.text();
        let header = csv::Reader::from_reader(text.as_bytes())
            .headers()
            .unwrap()
            .clone();
        assert_eq!(header.iter().collect::<Vec<_>>(), CSV_HEADER);
        let rows = read(&text);
        assert_eq!(rows.len(), messages.len());
        for (r, m) in rows.iter().zip(&messages) {
            assert_eq!(&r[12], m.raw_json());
            assert_eq!(r[0].to_string(), "7000000000000000001");
        }
        assert_eq!(
            &rows[0][1], "9223372036854775806",
            "ids never pass through f64"
        );
        assert_eq!(&rows[0][4], "2024-05-01T12:00:00.123Z");
        assert_eq!(&rows[0][8], "hello, world");
        assert_eq!(&rows[0][11], r#"{"k":"v"}"#);
        assert_eq!(
            &rows[1][4], "2024-05-01T12:01:00.000Z",
            "always milliseconds"
        );
        assert_eq!(&rows[1][8], "你好，世界 👋");
        assert_eq!(&rows[1][9], "9223372036854775806");
        assert_eq!(&rows[1][10], "hello *quoted*");
        assert!(
            rows[2][8].contains('\n') && rows[2][8].contains('\u{1b}'),
            "lossless"
        );
        assert_eq!(&rows[4][1], "5", "a string id is read");
        assert_eq!(&rows[4][8], "42");
        assert_eq!(&rows[5][1], "", "no id: empty");
        assert_eq!(&rows[6][5], "user\"with,comma");
        assert_eq!(rows[6][8].chars().count(), 100_000);
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_is_written_as_text() {
        let messages: Vec<Message> = [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "ok =1",
        ]
        .iter()
        .enumerate()
        .map(|(i, text)| {
            crate::export::format::fixtures::raw(
                &serde_json::json!({
                    "ConversationShortId": 1, "MessageId": i, "SenderStr": "=cmd|' /C calc'!A0",
                    "Content": serde_json::json!({"text": text}).to_string(),
                    "RefMsgInfo": {"ReferencedMessageId": 1, "Hint": "@quoted"}
                })
                .to_string(),
            )
        })
        .collect();
        let buf = SharedBuf::default();
        let mut w = CsvWriter::new(Box::new(buf.clone()), false).unwrap();
        for m in &messages {
            w.write_message(&target(), m).unwrap();
        }
        let rows = read(&buf.text());
        let texts: Vec<&str> = rows.iter().map(|r| &r[8]).collect();
        assert_eq!(
            texts,
            [
                "'=HYPERLINK(\"http://x\")",
                "'+1",
                "'-2",
                "'@SUM(A1)",
                "'\tx",
                "'\rx",
                "ok =1"
            ]
        );
        for (row, m) in rows.iter().zip(&messages) {
            assert_eq!(&row[5], "'=cmd|' /C calc'!A0");
            assert_eq!(&row[10], "'@quoted");
            assert_eq!(&row[12], m.raw_json(), "the raw column stays exact");
        }
    }

    /// A reader that has gone away.
    struct ClosedPipe;

    impl std::io::Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_pipe_is_reported_as_a_broken_pipe() {
        let err = CsvWriter::new(Box::new(ClosedPipe), false).err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err:?}");
        let mut w = CsvWriter::new(Box::new(ClosedPipe), true).unwrap();
        for m in &odd_messages() {
            let err = w.write_message(&target(), m).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err:?}");
        }
        assert_eq!(w.flush().unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn an_appended_output_gets_no_second_header() {
        let buf = SharedBuf::default();
        let messages = odd_messages();
        let mut w = CsvWriter::new(Box::new(buf.clone()), false).unwrap();
        w.write_message(&target(), &messages[0]).unwrap();
        w.flush().unwrap();
        drop(w);
        let mut w = CsvWriter::new(Box::new(buf.clone()), true).unwrap();
        w.write_message(&target(), &messages[1]).unwrap();
        w.finish().unwrap();
        assert_eq!(read(&buf.text()).len(), 2);
        assert_eq!(buf.text().matches("conversation_id").count(), 1);
    }
}
