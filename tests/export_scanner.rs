//! A property of `--append`: an export's output cut anywhere (a killed writer, a
//! full disk), in any format, either resumes exactly (every message once, in
//! order, nothing lost) or is refused with the byte to cut it back to, from which
//! it then resumes exactly.
//!
//! `cargo test` runs a modest number of cases; `PROPTEST_CASES=1000000
//! cargo test --release --test export_scanner` runs as many as asked.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use serde_json::json;
use volc_im::export::format::new_writer;
use volc_im::export::{ConversationTarget, ExistingOutput, ExistingOutputError, Format, Repair};
use volc_im::model::{AppId, ConversationId, Message};

const CONVERSATION: i64 = 7_000_000_000_000_000_001;
const DEFAULT_CASES: u32 = 256;

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

fn target() -> ConversationTarget {
    ConversationTarget {
        label: "team # chat".into(),
        app: AppId(1),
        conversation: ConversationId(CONVERSATION),
        live: false,
    }
}

/// Writes `messages` after what `existing` describes, as an export (or its resume) would:
/// messages the output already holds are skipped.
fn write_after(
    format: Format,
    mut bytes: Vec<u8>,
    existing: &ExistingOutput,
    messages: &[Message],
) -> Vec<u8> {
    match existing.repair() {
        None => {}
        Some(Repair::EndLastLine) => bytes.push(b'\n'),
        Some(Repair::DropDanglingComma { keep }) => bytes.truncate(keep as usize),
    }
    let buf = Buf(Arc::new(Mutex::new(bytes)));
    let mut writer = new_writer(format, Box::new(buf.clone()), existing).unwrap();
    let known = existing.known_keys(ConversationId(CONVERSATION));
    writer.begin_conversation(&target()).unwrap();
    for m in messages {
        if !known.contains(&m.key()) {
            writer.write_message(&target(), m).unwrap();
        }
    }
    writer.flush().unwrap();
    drop(writer);
    Arc::try_unwrap(buf.0).unwrap().into_inner().unwrap()
}

/// The messages an output holds, in order: their raw JSON (or, for a transcript,
/// their ids).
fn records(format: Format, bytes: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(bytes).expect("whole output is UTF-8");
    match format {
        Format::Jsonl => text.lines().map(str::to_owned).collect(),
        Format::Json => {
            let closed = format!("{text}\n]");
            serde_json::from_str::<Vec<Box<serde_json::value::RawValue>>>(&closed)
                .expect("an open array")
                .into_iter()
                .map(|r| r.get().to_owned())
                .collect()
        }
        Format::Csv => csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.expect("whole rows")[12].to_owned())
            .collect(),
        Format::Markdown => text
            .lines()
            .filter_map(|l| l.strip_prefix("<!-- volc-im:message "))
            .map(|rest| rest.split_whitespace().nth(1).unwrap().to_owned())
            .collect(),
    }
}

fn expected(format: Format, messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .map(|m| match format {
            Format::Markdown => m.id().unwrap().to_string(),
            _ => m.raw_json().to_owned(),
        })
        .collect()
}

/// Text that is hard on every format: line breaks, quotes, commas, markdown marks,
/// markers, controls, multi-byte characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z ,\"'\\n\\r#*`<>=+@-]{0,40}",
        "(长|👍🏽|é|\u{9b}|\u{1b}|\n|<!-- volc-im:message 1 2 -->|### 2024-01-01|\"\"|,){0,12}",
    ]
}

fn messages() -> impl Strategy<Value = Vec<Message>> {
    prop::collection::vec((text(), text(), 0i64..3 * 86_400_000, any::<bool>()), 0..8).prop_map(
        |specs| {
            let mut time = 1_714_564_800_000i64;
            specs
                .into_iter()
                .enumerate()
                .map(|(i, (content, hint, step, reply))| {
                    time += step;
                    let mut m = json!({
                        "ConversationShortId": CONVERSATION,
                        "MessageId": 9_000_000_000_000_000_000i64 + i as i64,
                        "Sender": 40 + i as i64 % 3,
                        "MsgType": 10001,
                        "Content": json!({"text": content}).to_string(),
                        "CreateTime": time,
                        "IndexInConversation": i,
                    });
                    if reply {
                        m["RefMsgInfo"] = json!({"ReferencedMessageId": 1, "Hint": hint});
                    }
                    Message::from_value(&m)
                })
                .collect()
        },
    )
}

fn format() -> impl Strategy<Value = Format> {
    prop::sample::select(Format::ALL.to_vec())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_cut_resumes_exactly_or_is_refused_with_an_offset(
        format in format(),
        messages in messages(),
        cut in any::<prop::sample::Index>(),
    ) {
        let whole = write_after(format, Vec::new(), &ExistingOutput::fresh(), &messages);
        let at = cut.index(whole.len() + 1);
        let kept = whole[..at].to_vec();
        let (kept, existing) = match ExistingOutput::scan(format, &kept) {
            Ok(existing) => (kept, existing),
            Err(ExistingOutputError::Truncated { offset, .. }) => {
                prop_assert!(offset as usize <= at, "{format}: offset {offset} past the cut {at}");
                let kept = whole[..offset as usize].to_vec();
                let existing = ExistingOutput::scan(format, &kept).map_err(|e| {
                    TestCaseError::fail(format!("{format}: cut back to {offset}, still refused: {e}"))
                })?;
                (kept, existing)
            }
            Err(e) => return Err(TestCaseError::fail(format!("{format}: cut at {at} of {}: {e}", whole.len()))),
        };
        let resumed = write_after(format, kept, &existing, &messages);
        prop_assert_eq!(records(format, &resumed), expected(format, &messages), "{} cut at {}", format, at);
        prop_assert_eq!(ExistingOutput::scan(format, &resumed).unwrap().messages(), messages.len() as u64);
    }
}
