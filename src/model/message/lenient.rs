//! The slow path for a message the strict reading refused: each field read on its
//! own from the message's exact text, so that one unreadable field (a lone
//! surrogate escape, nesting past the parser's limit, a value of the wrong type)
//! never costs the others, and above all never the `MessageId`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::{FieldDefect, MessageBody, RefMsgInfo, missing_fields};
use crate::model::ids::{ConversationId, MessageId, UserId};
use crate::model::scan::{self, Kind};

/// The typed view of a message the strict reading refused, and what was wrong.
pub(super) fn lenient_body(raw: &str) -> (MessageBody, Vec<FieldDefect>) {
    let trimmed = raw.trim();
    let Some(members) = scan::members(trimmed) else {
        let problem = match Kind::of(trimmed) {
            Kind::Object => "not a complete JSON object".to_owned(),
            kind => format!("expected a JSON object, found {}", kind.noun()),
        };
        let body = MessageBody {
            content: trimmed.to_owned(),
            ..MessageBody::default()
        };
        let defect = FieldDefect {
            field: "(message)",
            problem,
        };
        return (body, vec![defect]);
    };
    let mut defects = Vec::new();
    let mut r = FieldReader {
        members: &members,
        defects: &mut defects,
    };
    let body = MessageBody {
        app_id: r.int("AppId"),
        conversation_short_id: r.int("ConversationShortId").map(ConversationId),
        conversation_type: r.int32("ConversationType"),
        message_id: r.int("MessageId").map(MessageId),
        sender: r.int("Sender").map(UserId),
        sender_str: r.string("SenderStr"),
        msg_type: r.int32("MsgType"),
        content: r.string("Content").unwrap_or_default(),
        create_time: r.int("CreateTime"),
        status: r.int32("Status").unwrap_or(0),
        ext: r.ext("Ext"),
        index_in_conversation: r.int("IndexInConversation"),
        ref_msg_info: r.ref_msg_info("RefMsgInfo"),
    };
    let mut all = missing_fields(&body);
    all.retain(|m| !defects.iter().any(|d| d.field == m.field));
    defects.extend(all);
    (body, defects)
}

struct FieldReader<'a, 'm> {
    members: &'a [(Cow<'m, str>, &'m str)],
    defects: &'a mut Vec<FieldDefect>,
}

impl<'m> FieldReader<'_, 'm> {
    fn defect(&mut self, field: &'static str, problem: String) {
        self.defects.push(FieldDefect { field, problem });
    }

    /// The value's text, `None` for an absent or null field. A field given more
    /// than once is read from its first occurrence (and noted).
    fn get(&mut self, field: &'static str) -> Option<&'m str> {
        let mut found = self.members.iter().filter(|(k, _)| k == field);
        let (_, first) = found.next()?;
        let others = found.count();
        if others > 0 {
            self.defect(
                field,
                format!("given {} times; the first is read", others + 1),
            );
        }
        (Kind::of(first) != Kind::Null).then_some(*first)
    }

    /// An integer; a string of digits is accepted (and noted).
    fn int(&mut self, field: &'static str) -> Option<i64> {
        let value = self.get(field)?;
        match Kind::of(value) {
            Kind::Number => match value.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    self.defect(field, format!("expected an integer, found {}", cut(value)));
                    None
                }
            },
            Kind::String => {
                let text = scan::unescape(value);
                match text.trim().parse::<i64>() {
                    Ok(v) => {
                        self.defect(field, "an integer sent as a string".into());
                        Some(v)
                    }
                    Err(_) => {
                        let shown = cut(&text);
                        self.defect(field, format!("expected an integer, found {shown:?}"));
                        None
                    }
                }
            }
            kind => {
                self.defect(field, format!("expected an integer, found {}", kind.noun()));
                None
            }
        }
    }

    fn int32(&mut self, field: &'static str) -> Option<i32> {
        self.int(field).and_then(|v| i32::try_from(v).ok())
    }

    /// A string; another kind of value is kept as its JSON text (and noted). An
    /// escape a strict parser refuses becomes U+FFFD (and is noted).
    fn string(&mut self, field: &'static str) -> Option<String> {
        let value = self.get(field)?;
        match Kind::of(value) {
            Kind::String => match serde_json::from_str::<String>(value) {
                Ok(text) => Some(text),
                Err(_) => {
                    self.defect(
                        field,
                        "an invalid escape (such as half of a surrogate pair), shown as \u{fffd}"
                            .into(),
                    );
                    Some(scan::unescape(value).into_owned())
                }
            },
            kind => {
                self.defect(field, format!("expected a string, found {}", kind.noun()));
                Some(value.to_owned())
            }
        }
    }

    /// An object of strings; other values are kept as their JSON text.
    fn ext(&mut self, field: &'static str) -> BTreeMap<String, String> {
        let Some(value) = self.get(field) else {
            return BTreeMap::new();
        };
        match scan::members(value) {
            Some(entries) => entries
                .into_iter()
                .map(|(k, v)| {
                    let v = match Kind::of(v) {
                        Kind::String => scan::unescape(v).into_owned(),
                        _ => v.to_owned(),
                    };
                    (k.into_owned(), v)
                })
                .collect(),
            None => {
                let kind = Kind::of(value).noun();
                self.defect(field, format!("expected an object, found {kind}"));
                BTreeMap::new()
            }
        }
    }

    fn ref_msg_info(&mut self, field: &'static str) -> Option<RefMsgInfo> {
        let value = self.get(field)?;
        let Some(members) = scan::members(value) else {
            let kind = Kind::of(value).noun();
            self.defect(field, format!("expected an object, found {kind}"));
            return None;
        };
        let mut problems = Vec::new();
        let mut inner = FieldReader {
            members: &members,
            defects: &mut problems,
        };
        let info = RefMsgInfo {
            referenced_message_id: inner.int("ReferencedMessageId").map(MessageId),
            hint: inner.string("Hint").unwrap_or_default(),
            referenced_message_type: inner.int32("ReferencedMessageType"),
            status: inner.int32("Status").unwrap_or(0),
        };
        if !problems.is_empty() {
            let problems: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
            self.defect(field, problems.join("; "));
        }
        Some(info)
    }
}

/// A value as quoted in a defect: at most 40 characters of it.
fn cut(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Message, MessageId, MessageKey};
    use serde_json::value::RawValue;

    fn read(raw: &str) -> Message {
        Message::from_raw(RawValue::from_string(raw.to_owned()).expect("valid raw JSON"))
    }

    #[test]
    fn a_lone_surrogate_costs_only_its_own_field() {
        let raw = r#"{"MessageId":41,"Sender":5,"MsgType":10001,"Content":"truncated emoji \ud83d","CreateTime":7,"IndexInConversation":3,"Ext":{"k":"v"}}"#;
        let m = read(raw);
        assert_eq!(m.id(), Some(MessageId(41)));
        assert_eq!(m.key(), MessageKey::Id(MessageId(41)));
        assert_eq!(m.body.content, "truncated emoji \u{fffd}");
        assert_eq!(m.body.create_time, Some(7));
        assert_eq!(m.body.index_in_conversation, Some(3));
        assert_eq!(m.body.ext.get("k").map(String::as_str), Some("v"));
        assert_eq!(m.raw_json(), raw, "the received bytes are kept exactly");
        let fields: Vec<_> = m.defects.iter().map(|d| d.field).collect();
        assert_eq!(fields, ["Content"]);
    }

    #[test]
    fn ext_nested_past_the_parsers_limit_keeps_the_id() {
        let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
        let raw = format!(
            r#"{{"MessageId":42,"Sender":5,"MsgType":10001,"Content":"hi","CreateTime":8,"Ext":{{"deep":{deep},"s":"t"}}}}"#
        );
        assert!(
            serde_json::from_str::<serde_json::Value>(&raw).is_err(),
            "deeper than serde_json's recursion limit"
        );
        let m = read(&raw);
        assert_eq!(m.id(), Some(MessageId(42)));
        assert_eq!(m.body.content, "hi");
        assert_eq!(m.body.ext.get("deep"), Some(&deep));
        assert_eq!(m.body.ext.get("s").map(String::as_str), Some("t"));
        assert_eq!(m.raw_json(), raw);
    }

    #[test]
    fn a_repeated_field_reads_its_first_value_and_says_so() {
        let m = read(
            r#"{"MessageId":1,"MessageId":2,"Sender":5,"MsgType":10001,"Content":"x","CreateTime":1}"#,
        );
        assert_eq!(m.id(), Some(MessageId(1)));
        assert_eq!(m.defects[0].field, "MessageId");
        assert!(m.defects[0].problem.contains("2 times"), "{:?}", m.defects);
    }

    #[test]
    fn unusable_ids_fall_back_to_the_index_or_the_bytes() {
        let m =
            read(r#"{"MessageId":92233720368547758070,"IndexInConversation":12,"Content":"x"}"#);
        assert_eq!(m.id(), None);
        assert_eq!(m.key(), MessageKey::Index(12));
        assert!(
            m.defects[0].problem.contains("expected an integer"),
            "{:?}",
            m.defects
        );
        let m = read(r#"{"MessageId":null,"Content":"\ud800"}"#);
        assert_eq!(
            m.key(),
            read(r#"{"MessageId":null,"Content":"\ud800"}"#).key()
        );
        assert!(matches!(m.key(), MessageKey::Raw(_)));
    }
}
