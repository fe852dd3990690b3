//! Property tests of the response reader: on arbitrary bytes and on mutations of the
//! real demo pages it never panics, and a message whose id is readable always keeps
//! it, whatever else in it is odd. 256 cases each by default; `PROPTEST_CASES=N`
//! runs N (see the README's Development section).

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::Value;
use serde_json::value::RawValue;
use volc_im::api::wire::{Page, read_response};
use volc_im::model::{Message, MessageId, MessageKey};

const ACTION: &str = "GetConversationMessages";

/// Every message of the demo data, as its exact text.
fn demo_messages() -> Vec<String> {
    let mut all = Vec::new();
    for text in [
        include_str!("../assets/demo/messages-direct.json"),
        include_str!("../assets/demo/messages-group.json"),
        include_str!("../assets/demo/messages-live.json"),
    ] {
        let raws: Vec<Box<RawValue>> = serde_json::from_str(text).expect("demo data is JSON");
        all.extend(raws.into_iter().map(|r| r.get().to_owned()));
    }
    all
}

fn page_body(messages: &[String], has_more: bool) -> String {
    format!(
        r#"{{"ResponseMetadata":{{"RequestId":"prop","Action":"GetConversationMessages","Version":"2020-12-01"}},"Result":{{"HasMore":{has_more},"NewCursor":21,"Messages":[{}]}}}}"#,
        messages.join(",")
    )
}

/// Reads a body as the client does; never panics, whatever the bytes.
fn read(status: u16, body: &[u8]) -> Option<Page> {
    let result = read_response(ACTION, status, body).ok()?;
    Page::from_result(ACTION, &result).ok()
}

/// Up to 20 consecutive demo messages.
fn demo_window() -> impl Strategy<Value = Vec<String>> {
    let all = demo_messages();
    let n = all.len();
    (0..n, 1usize..=20).prop_map(move |(start, len)| all[start..(start + len).min(n)].to_vec())
}

/// A JSON string literal's inside for any text.
fn escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap();
    quoted[1..quoted.len() - 1].to_owned()
}

/// The text of a value a strict parser may refuse, or that is of an unexpected type.
fn odd_value() -> impl Strategy<Value = String> {
    prop_oneof![
        // Half a surrogate pair, as a server that cuts UTF-16 strings sends.
        (any::<String>(), any::<String>(), 0xD800u32..0xE000).prop_map(|(a, b, unit)| format!(
            "\"{}\\u{unit:04x}{}\"",
            escaped(&a),
            escaped(&b)
        )),
        // Deeper than the parser's recursion limit.
        (129usize..3000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n))),
        (129usize..1000).prop_map(|n| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n))),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just("null".to_owned()),
        Just("1e400".to_owned()),
        Just("-0.5".to_owned()),
        Just("123456789012345678901234567890".to_owned()),
        Just("true".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
    ]
}

/// A message rebuilt from `raw` with `MessageId` written as `id_text`, its other
/// fields replaced by odd values where `odd` says, extra members added, and white
/// space between tokens.
fn rebuilt(
    raw: &str,
    id_text: &str,
    odd: &[Option<String>],
    extra: &[(String, String)],
    space: &str,
) -> String {
    let Value::Object(fields) = serde_json::from_str::<Value>(raw).unwrap() else {
        unreachable!("demo messages are objects")
    };
    let mut members = Vec::new();
    for (i, (key, value)) in fields.iter().enumerate() {
        let text = if key == "MessageId" {
            id_text.to_owned()
        } else {
            match odd.get(i % odd.len().max(1)).cloned().flatten() {
                Some(v) => v,
                None => value.to_string(),
            }
        };
        members.push(format!("{space}\"{key}\"{space}:{space}{text}{space}"));
    }
    for (key, value) in extra {
        // Never a second MessageId: the first one is the message's.
        if key != "MessageId" {
            members.push(format!("\"{}\":{value}", escaped(key)));
        }
    }
    format!("{{{}}}", members.join(","))
}

fn config() -> Config {
    // The default reads PROPTEST_CASES (256 when unset).
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(status in prop_oneof![Just(200u16), 100u16..600], body in any::<Vec<u8>>()) {
        let _ = read(status, &body);
    }

    #[test]
    fn arbitrary_text_inside_a_page_never_panics(text in any::<String>()) {
        let _ = read(200, page_body(&[text], true).as_bytes());
    }

    /// Bytes flipped, inserted or removed anywhere in a real page: no panic, and
    /// every message whose bytes were left alone keeps its id.
    #[test]
    fn mutated_real_pages_never_panic_and_untouched_messages_keep_their_ids(
        window in demo_window(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..8),
    ) {
        let mut body = page_body(&window, true).into_bytes();
        for (at, kind, byte) in edits {
            let i = at.index(body.len() + 1);
            match kind {
                0 if i < body.len() => body[i] = byte,
                1 => body.insert(i, byte),
                _ if i < body.len() => { body.remove(i); }
                _ => {}
            }
        }
        if let Some(page) = read(200, &body) {
            for m in &page.messages {
                if let Some(original) = window.iter().find(|w| w.as_str() == m.raw_json()) {
                    let id: i64 = serde_json::from_str::<Value>(original).unwrap()["MessageId"].as_i64().unwrap();
                    prop_assert_eq!(m.id(), Some(MessageId(id)));
                }
            }
        }
    }

    /// Real messages whose other fields are odd (half surrogate pairs, nesting past
    /// the parser's limit, wrong types, unknown and repeated members, white space):
    /// each keeps its id and its exact bytes, and the page keeps every message.
    #[test]
    fn a_readable_id_survives_whatever_else_is_odd(
        window in demo_window(),
        odd in prop::collection::vec(prop::option::weighted(0.4, odd_value()), 1..6),
        extra in prop::collection::vec((any::<String>(), odd_value()), 0..3),
        space in prop_oneof![Just(""), Just(" "), Just("\n\t ")],
        id_as_string in any::<bool>(),
    ) {
        let mut ids = Vec::new();
        let messages: Vec<String> = window
            .iter()
            .map(|raw| {
                let id = serde_json::from_str::<Value>(raw).unwrap()["MessageId"].as_i64().unwrap();
                ids.push(id);
                let id_text = if id_as_string { format!("\"{id}\"") } else { id.to_string() };
                rebuilt(raw, &id_text, &odd, &extra, space)
            })
            .collect();
        let page = read(200, page_body(&messages, false).as_bytes());
        prop_assert!(page.is_some(), "the page reads");
        let page = page.unwrap();
        prop_assert_eq!(page.messages.len(), messages.len());
        for ((m, id), sent) in page.messages.iter().zip(&ids).zip(&messages) {
            prop_assert_eq!(m.id(), Some(MessageId(*id)));
            prop_assert_eq!(m.key(), MessageKey::Id(MessageId(*id)));
            prop_assert_eq!(m.raw_json(), sent.as_str());
        }
    }

    /// A message with no usable id is known by its bytes: the same bytes, the same key.
    #[test]
    fn id_less_messages_are_known_by_their_bytes(text in any::<String>(), other in any::<String>()) {
        let make = |t: &str| {
            let raw = format!(r#"{{"Content":{}}}"#, serde_json::to_string(t).unwrap());
            Message::from_raw(RawValue::from_string(raw).unwrap())
        };
        prop_assert_eq!(make(&text).key(), make(&text).key());
        if text != other {
            prop_assert_ne!(make(&text).key(), make(&other).key());
        }
    }
}
