//! The wire format: the response envelope and the request and result bodies of
//! each action used. Shared by the client and the demo server.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::error::ApiError;
use crate::model::{
    AppId, ConversationId, ConversationInfo, Cursor, Message, MessageId, User, UserId,
};

/// The OpenAPI version of every IM action.
pub const API_VERSION: &str = "2020-12-01";
/// The service name in the signing scope.
pub const SERVICE: &str = "rtc";
/// The most messages (or conversations) one page may ask for.
pub const PAGE_LIMIT: u32 = 20;
/// The most users one `BatchGetUser` may ask for.
pub const USER_BATCH_LIMIT: usize = 50;

/// `ResponseMetadata`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ResponseMetadata {
    pub request_id: Option<String>,
    pub action: Option<String>,
    pub version: Option<String>,
    pub service: Option<String>,
    pub region: Option<String>,
    pub error: Option<ErrorInfo>,
}

/// `ResponseMetadata.Error`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ErrorInfo {
    #[serde(rename = "CodeN", skip_serializing_if = "Option::is_none")]
    pub code_n: Option<i64>,
    pub code: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Envelope<'a> {
    #[serde(default)]
    response_metadata: Option<ResponseMetadata>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
}

/// A response whose `Result` is read straight into its type.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TypedEnvelope<T> {
    #[serde(default)]
    response_metadata: Option<ResponseMetadata>,
    result: Option<T>,
}

const EXCERPT_CHARS: usize = 200;

/// The first characters of a body, on one line, for error messages.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
    if trimmed.chars().count() > EXCERPT_CHARS {
        let cut: String = trimmed.chars().take(EXCERPT_CHARS).collect();
        format!("{cut}…")
    } else {
        trimmed
    }
}

/// Reads a response: the `Result` on success, else the typed error. A call failed
/// when the HTTP status is not 200 or when `ResponseMetadata.Error.Code` is non-empty.
pub fn read_response(action: &str, status: u16, body: &[u8]) -> Result<Box<RawValue>, ApiError> {
    let envelope = match serde_json::from_slice::<Envelope<'_>>(body) {
        Ok(envelope) => envelope,
        Err(e) => {
            if status == 200 {
                return Err(ApiError::Decode {
                    action: action.into(),
                    reason: e.to_string(),
                    excerpt: excerpt(body),
                });
            }
            return Err(ApiError::Http {
                action: action.into(),
                status,
                excerpt: excerpt(body),
            });
        }
    };
    let metadata = envelope.response_metadata.unwrap_or_default();
    if let Some(err) = metadata.error.filter(|e| !e.code.is_empty()) {
        return Err(ApiError::Service {
            action: action.into(),
            status,
            code: err.code,
            code_n: err.code_n,
            message: err.message,
            request_id: metadata.request_id,
        });
    }
    if status != 200 {
        return Err(ApiError::Http {
            action: action.into(),
            status,
            excerpt: excerpt(body),
        });
    }
    match envelope.result {
        Some(result) => Ok(result.to_owned()),
        None => Err(ApiError::Decode {
            action: action.into(),
            reason: "no Result in the response".into(),
            excerpt: excerpt(body),
        }),
    }
}

/// Reads a response straight into `T`: a success is read in one pass, without
/// keeping a copy of its `Result` on the way. Anything else (an error, a body that
/// is not JSON, a `Result` of another shape) reads exactly as [`read_response`]
/// then [`decode`] read it.
pub(crate) fn read_response_as<T: serde::de::DeserializeOwned>(
    action: &str,
    status: u16,
    body: &[u8],
) -> Result<T, ApiError> {
    if status == 200
        && let Ok(TypedEnvelope {
            response_metadata,
            result: Some(result),
        }) = serde_json::from_slice::<TypedEnvelope<T>>(body)
        && response_metadata
            .and_then(|m| m.error)
            .is_none_or(|e| e.code.is_empty())
    {
        return Ok(result);
    }
    let raw = read_response(action, status, body)?;
    decode(action, &raw)
}

/// A success body as the service writes it.
pub fn ok_body(request_id: &str, action: &str, region: &str, result: Value) -> Value {
    json!({
        "ResponseMetadata": {
            "RequestId": request_id, "Action": action, "Version": API_VERSION,
            "Service": SERVICE, "Region": region,
        },
        "Result": result,
    })
}

/// An error body as the service writes it.
pub fn error_body(
    request_id: &str,
    action: &str,
    region: &str,
    code: &str,
    code_n: Option<i64>,
    message: &str,
) -> Value {
    let mut error = json!({ "Code": code, "Message": message });
    if let Some(n) = code_n {
        error["CodeN"] = json!(n);
    }
    json!({
        "ResponseMetadata": {
            "RequestId": request_id, "Action": action, "Version": API_VERSION,
            "Service": SERVICE, "Region": region, "Error": error,
        },
    })
}

/// `GetConversationMessages` request body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetConversationMessagesRequest {
    pub app_id: AppId,
    pub conversation_short_id: ConversationId,
    pub cursor: Cursor,
    pub limit: u32,
    /// 0 = older to newer, 1 = newer to older.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverse: Option<i32>,
}

/// `GetConversationMessages` result, messages kept raw until read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawMessagesPage {
    #[serde(default)]
    has_more: Option<bool>,
    #[serde(default)]
    new_cursor: Option<Cursor>,
    #[serde(default)]
    messages: Option<Vec<Box<RawValue>>>,
}

/// A result's `Messages`, each kept as received; an absent or null list is empty.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawMessages {
    #[serde(default)]
    messages: Option<Vec<Box<RawValue>>>,
}

impl RawMessages {
    /// Reads each message; one odd message never sinks the others.
    pub(crate) fn read(self) -> Vec<Message> {
        read_messages(self.messages)
    }
}

fn read_messages(raw: Option<Vec<Box<RawValue>>>) -> Vec<Message> {
    raw.unwrap_or_default()
        .into_iter()
        .map(Message::from_raw)
        .collect()
}

impl RawMessagesPage {
    /// The page, its messages read.
    pub(crate) fn read(self) -> Page {
        Page {
            has_more: self.has_more,
            new_cursor: self.new_cursor,
            messages: read_messages(self.messages),
        }
    }
}

/// One page of a conversation's history.
#[derive(Clone, Debug)]
pub struct Page {
    /// `HasMore`: another page exists; `None` when the server did not say (the
    /// [`Pager`](crate::pager::Pager) then judges from the page itself).
    pub has_more: Option<bool>,
    /// The cursor for the next page, passed back as received.
    pub new_cursor: Option<Cursor>,
    /// The messages, in the order received.
    pub messages: Vec<Message>,
}

impl Page {
    /// Whether the page claims more history: its `HasMore`, or, when the server did
    /// not say, whether it is a full page with a `NewCursor` (which a walk follows once
    /// more; an answer that then brings nothing new ends it).
    pub fn claims_more(&self) -> bool {
        match self.has_more {
            Some(more) => more,
            None => self.messages.len() >= PAGE_LIMIT as usize && self.new_cursor.is_some(),
        }
    }

    /// Reads a `GetConversationMessages` result. One odd message never sinks the page.
    pub fn from_result(action: &str, result: &RawValue) -> Result<Page, ApiError> {
        decode::<RawMessagesPage>(action, result).map(RawMessagesPage::read)
    }
}

/// Reads a `Result` as `T`, or says why it could not be read.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    action: &str,
    result: &RawValue,
) -> Result<T, ApiError> {
    serde_json::from_str(result.get()).map_err(|e| ApiError::Decode {
        action: action.into(),
        reason: e.to_string(),
        excerpt: excerpt(result.get().as_bytes()),
    })
}

/// `GetMessages` request body: messages by id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMessagesRequest {
    pub app_id: AppId,
    pub conversation_short_id: ConversationId,
    pub message_ids: Vec<MessageId>,
}

/// `GetUserConversations` request body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetUserConversationsRequest {
    pub app_id: AppId,
    pub participant_user_id: UserId,
    pub cursor: i64,
    pub limit: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbox_type: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_member_count: Option<bool>,
}

/// `GetUserConversations` result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserConversationsPage {
    pub conversation_infos: Vec<ConversationInfo>,
    pub has_more: bool,
    pub next_cursor: i64,
}

/// `BatchGetConversations` request body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchGetConversationsRequest {
    pub app_id: AppId,
    pub conversation_short_id: Vec<ConversationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_member_count: Option<bool>,
}

/// `BatchGetConversations` result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ConversationsResult {
    pub conversation_core_infos: Vec<ConversationInfo>,
}

/// `BatchGetUser` request body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchGetUserRequest {
    pub app_id: AppId,
    pub user_ids: Vec<UserId>,
}

/// `BatchGetUser` result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UsersResult {
    pub users: Vec<User>,
    pub not_found_users: Vec<UserId>,
}

/// `GetConversationUserCount` request body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConversationUserCountRequest {
    pub app_id: AppId,
    pub conversation_short_id: ConversationId,
}

/// `GetConversationUserCount` result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserCountResult {
    pub count: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documentation's example response, with its invalid JSON (leading zeros,
    /// placeholders) made valid.
    const DOC_EXAMPLE: &str = r#"{
      "ResponseMetadata": {"RequestId": "20230604110420****100232280022D31", "Action": "GetConversationMessages", "Version": "2020-12-01", "Service": "rtc", "Region": "cn-north-1"},
      "Result": {
        "HasMore": true, "NewCursor": 1,
        "Messages": [{
          "AppId": 1, "ConversationShortId": 1, "ConversationType": 1, "MessageId": 1,
          "Sender": 1, "MsgType": 10001, "Content": "{\"text\":\"hello\"}", "CreateTime": 1685847860000,
          "Status": 0, "Ext": {"key": "value"}, "IndexInConversation": 1,
          "RefMsgInfo": {"ReferencedMessageId": 1, "Hint": "[图片]", "ReferencedMessageType": 10003, "Status": 0}
        }]
      }
    }"#;

    #[test]
    fn the_documented_example_parses() {
        let result = read_response("GetConversationMessages", 200, DOC_EXAMPLE.as_bytes()).unwrap();
        let page = Page::from_result("GetConversationMessages", &result).unwrap();
        assert_eq!(page.has_more, Some(true));
        assert_eq!(page.new_cursor, Some(Cursor(1)));
        assert_eq!(page.messages.len(), 1);
        let m = &page.messages[0];
        assert_eq!(m.decoded_content().text.as_deref(), Some("hello"));
        assert_eq!(m.body.ext.get("key").map(String::as_str), Some("value"));
        assert_eq!(m.body.ref_msg_info.as_ref().unwrap().hint, "[图片]");
    }

    #[test]
    fn an_error_with_http_200_is_an_error() {
        let body = error_body(
            "rid-9",
            "GetConversationMessages",
            "cn-north-1",
            "InvalidParameter.NotExistAppId",
            None,
            "no such app",
        );
        let err =
            read_response("GetConversationMessages", 200, body.to_string().as_bytes()).unwrap_err();
        match &err {
            ApiError::Service {
                code,
                request_id,
                status,
                code_n,
                ..
            } => {
                assert_eq!(code, "InvalidParameter.NotExistAppId");
                assert_eq!(request_id.as_deref(), Some("rid-9"));
                assert_eq!(*status, 200);
                assert_eq!(*code_n, None);
            }
            other => panic!("{other:?}"),
        }
        assert!(!err.is_retryable());
    }

    #[test]
    fn an_html_error_page_is_reported_with_status_and_excerpt() {
        let html = b"<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>";
        let err = read_response("GetConversationMessages", 502, html).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("HTTP 502"), "{text}");
        assert!(text.contains("502 Bad Gateway"), "{text}");
        assert!(err.is_retryable());
    }

    #[test]
    fn reading_straight_into_the_type_reads_as_reading_in_two_steps() {
        let action = "GetConversationMessages";
        let error = error_body(
            "rid-1",
            action,
            "cn-north-1",
            "InternalError",
            Some(1),
            "oops",
        );
        let cases: Vec<(u16, Vec<u8>)> = vec![
            (200, DOC_EXAMPLE.as_bytes().to_vec()),
            (
                200,
                br#"{"Result":{"HasMore":false,"Messages":null}}"#.to_vec(),
            ),
            (200, error.to_string().into_bytes()),
            (500, error.to_string().into_bytes()),
            (502, b"<html>502 Bad Gateway</html>".to_vec()),
            (200, br#"{"Result": [1, 2"#.to_vec()),
            (200, br#"{"Result": {"HasMore": "yes"}}"#.to_vec()),
            (200, br#"{"Result": null}"#.to_vec()),
            (200, br#"{"ResponseMetadata": {}}"#.to_vec()),
        ];
        let shown = |r: Result<RawMessagesPage, ApiError>| match r {
            Ok(page) => {
                let page = page.read();
                let raws: Vec<String> = page.messages.iter().map(|m| m.raw_json().into()).collect();
                format!("ok {:?} {:?} {raws:?}", page.has_more, page.new_cursor)
            }
            Err(e) => format!("err {e} retryable={}", e.is_retryable()),
        };
        for (status, body) in cases {
            let two_steps =
                read_response(action, status, &body).and_then(|raw| decode(action, &raw));
            let one_pass = read_response_as::<RawMessagesPage>(action, status, &body);
            assert_eq!(
                shown(one_pass),
                shown(two_steps),
                "HTTP {status}: {}",
                excerpt(&body)
            );
        }
    }

    #[test]
    fn malformed_json_with_200_is_a_decode_error() {
        let err = read_response("X", 200, b"{\"Result\": [1, 2").unwrap_err();
        assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
        assert!(!err.is_retryable());
    }

    #[test]
    fn one_odd_message_does_not_sink_the_page() {
        let result = RawValue::from_string(
            r#"{"HasMore":false,"NewCursor":0,"Messages":[
                {"MessageId":1,"Sender":1,"MsgType":10001,"Content":"a","CreateTime":1},
                {"MessageId":2,"Sender":1,"MsgType":10001,"Content":7,"CreateTime":2,"Ext":null},
                {"Sender":1,"MsgType":10001,"Content":"c","CreateTime":3}
            ]}"#
            .into(),
        )
        .unwrap();
        let page = Page::from_result("GetConversationMessages", &result).unwrap();
        assert_eq!(page.messages.len(), 3);
        assert!(page.messages[0].defects.is_empty());
        assert_eq!(page.messages[1].body.content, "7");
        assert_eq!(page.messages[2].id(), None);
    }

    #[test]
    fn a_page_keeps_the_ids_of_messages_a_strict_parser_refuses() {
        let deep = format!("{}0{}", "[".repeat(400), "]".repeat(400));
        let body = format!(
            r#"{{"ResponseMetadata":{{"RequestId":"r"}},"Result":{{"HasMore":true,"NewCursor":3,"Messages":[
                {{"MessageId":1,"Sender":1,"MsgType":10001,"Content":"cut \ud83d","CreateTime":1}},
                {{"MessageId":2,"Sender":1,"MsgType":10001,"Content":"deep","CreateTime":2,"Ext":{{"x":{deep}}}}}
            ]}}}}"#
        );
        let result = read_response("GetConversationMessages", 200, body.as_bytes()).unwrap();
        let page = Page::from_result("GetConversationMessages", &result).unwrap();
        let ids: Vec<_> = page.messages.iter().map(|m| m.id()).collect();
        assert_eq!(ids, [Some(MessageId(1)), Some(MessageId(2))]);
        assert_eq!(page.messages[0].body.content, "cut \u{fffd}");
        assert_eq!(page.messages[1].body.ext.get("x"), Some(&deep));
    }

    #[test]
    fn a_page_without_has_more_says_so() {
        let result = RawValue::from_string(r#"{"NewCursor":5,"Messages":[]}"#.into()).unwrap();
        let page = Page::from_result("GetConversationMessages", &result).unwrap();
        assert_eq!(page.has_more, None);
    }

    #[test]
    fn request_bodies_use_the_wire_names() {
        let req = GetConversationMessagesRequest {
            app_id: AppId(1),
            conversation_short_id: ConversationId(9223372036854775807),
            cursor: Cursor::NEWEST,
            limit: PAGE_LIMIT,
            reverse: Some(1),
        };
        assert_eq!(
            serde_json::to_string(&req).unwrap(),
            r#"{"AppId":1,"ConversationShortId":9223372036854775807,"Cursor":9223372036854775807,"Limit":20,"Reverse":1}"#
        );
    }
}
