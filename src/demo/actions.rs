//! The read-only IM actions, answered from the demo data.

use axum::http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::data::{DemoConversation, DemoData, Direction};
use super::grow::Histories;
use super::reply::{Refusal, result_json};
use crate::api::wire::{
    BatchGetConversationsRequest, BatchGetUserRequest, ConversationUserCountRequest,
    ConversationsResult, GetConversationMessagesRequest, GetMessagesRequest,
    GetUserConversationsRequest, PAGE_LIMIT, USER_BATCH_LIMIT, UserConversationsPage,
    UserCountResult, UsersResult,
};
use crate::model::{AppId, ConversationId, ConversationInfo, ConversationKind};

/// The actions the server answers.
pub(crate) const ACTIONS: &[&str] = &[
    "GetConversationMessages",
    "GetMessages",
    "GetUserConversations",
    "BatchGetConversations",
    "BatchGetUser",
    "GetConversationUserCount",
];

/// An action's answer: its `Result`, and for a page of messages its `NewCursor`
/// (for the request log, which would otherwise parse the page again).
#[derive(Debug)]
pub(crate) struct Served {
    pub(crate) result: Box<RawValue>,
    pub(crate) new_cursor: Option<i64>,
}

impl From<Box<RawValue>> for Served {
    fn from(result: Box<RawValue>) -> Self {
        Served {
            result,
            new_cursor: None,
        }
    }
}

/// Answers one action.
pub(crate) fn dispatch(
    action: &str,
    body: &[u8],
    data: &DemoData,
    histories: &Histories,
) -> Result<Served, Refusal> {
    match action {
        "GetConversationMessages" => conversation_messages(parse(action, body)?, data, histories),
        "GetMessages" => messages_by_id(parse(action, body)?, data, histories).map(Served::from),
        "GetUserConversations" => user_conversations(parse(action, body)?, data).map(Served::from),
        "BatchGetConversations" => {
            conversations_by_id(parse(action, body)?, data).map(Served::from)
        }
        "BatchGetUser" => users_by_id(parse(action, body)?, data).map(Served::from),
        "GetConversationUserCount" => user_count(parse(action, body)?, data).map(Served::from),
        other => Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "InvalidActionOrVersion",
            format!("the action {other} does not exist"),
        )
        .with_code_n(100008)),
    }
}

fn parse<T: DeserializeOwned>(action: &str, body: &[u8]) -> Result<T, Refusal> {
    serde_json::from_slice(body).map_err(|e| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameter.Unmarshal",
            format!("the body is not a valid {action} request: {e}"),
        )
    })
}

fn raw<T: Serialize>(result: &T) -> Box<RawValue> {
    let text = serde_json::to_string(result).expect("results always serialize");
    RawValue::from_string(text).expect("serde_json writes JSON")
}

fn check_app(data: &DemoData, app: AppId) -> Result<(), Refusal> {
    if app == data.app_id() {
        Ok(())
    } else {
        Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameter.NotExistAppId",
            format!(
                "the AppId {app} does not exist (the demo app is {})",
                data.app_id()
            ),
        ))
    }
}

fn conversation(data: &DemoData, id: ConversationId) -> Result<&DemoConversation, Refusal> {
    data.conversation(id).ok_or_else(|| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameter.NotExistConversation",
            format!("the conversation {id} does not exist in this app"),
        )
    })
}

fn check_limit(limit: u32) -> Result<usize, Refusal> {
    if (1..=PAGE_LIMIT).contains(&limit) {
        Ok(limit as usize)
    } else {
        Err(Refusal::invalid(format!(
            "Limit must be between 1 and {PAGE_LIMIT}, got {limit}"
        )))
    }
}

fn conversation_messages(
    req: GetConversationMessagesRequest,
    data: &DemoData,
    histories: &Histories,
) -> Result<Served, Refusal> {
    check_app(data, req.app_id)?;
    let conv = conversation(data, req.conversation_short_id)?;
    let limit = check_limit(req.limit)?;
    // Invalid values fall back to forward, as the service does.
    let direction = match req.reverse {
        Some(1) => Direction::Backward,
        _ => Direction::Forward,
    };
    if conv.kind() == ConversationKind::LiveGroup && direction == Direction::Forward {
        return Err(Refusal::invalid(
            "live groups (ConversationType 100) read newest-first only: Reverse must be 1",
        ));
    }
    let page = histories
        .page(conv.id(), req.cursor.0, limit, direction)
        .unwrap_or_else(|| unreachable!("every demo conversation has a history"));
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct MessagesResult<'a> {
        has_more: bool,
        new_cursor: i64,
        messages: &'a [&'a RawValue],
    }
    let messages: Vec<&RawValue> = page.messages.iter().map(|m| &**m).collect();
    Ok(Served {
        result: raw(&MessagesResult {
            has_more: page.has_more,
            new_cursor: page.new_cursor,
            messages: &messages,
        }),
        new_cursor: Some(page.new_cursor),
    })
}

fn messages_by_id(
    req: GetMessagesRequest,
    data: &DemoData,
    histories: &Histories,
) -> Result<Box<RawValue>, Refusal> {
    check_app(data, req.app_id)?;
    let conv = conversation(data, req.conversation_short_id)?;
    let mut found = Vec::new();
    let mut seen = Vec::new();
    for id in req.message_ids {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        if let Some(raw) = histories.message(conv.id(), id) {
            found.push(raw);
        }
    }
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct MessagesResult<'a> {
        messages: Vec<&'a RawValue>,
    }
    let messages = found.iter().map(|m| &**m).collect();
    Ok(raw(&MessagesResult { messages }))
}

fn described(conv: &DemoConversation, skip_member_count: Option<bool>) -> ConversationInfo {
    let mut info = conv.info().clone();
    if skip_member_count == Some(true) {
        info.member_count = None;
        info.online_count = None;
    }
    info
}

fn user_conversations(
    req: GetUserConversationsRequest,
    data: &DemoData,
) -> Result<Box<RawValue>, Refusal> {
    check_app(data, req.app_id)?;
    let limit = check_limit(req.limit)?;
    let offset = usize::try_from(req.cursor).map_err(|_| {
        Refusal::invalid(format!("Cursor must not be negative, got {}", req.cursor))
    })?;
    let all = data.conversations_of(req.participant_user_id);
    let end = all.len().min(offset.saturating_add(limit));
    let start = offset.min(end);
    let conversation_infos = all[start..end]
        .iter()
        .map(|conv| {
            let mut info = described(conv, req.skip_member_count);
            if conv.kind() == ConversationKind::OneToOne {
                info.other_user_id = conv
                    .members()
                    .iter()
                    .find(|m| **m != req.participant_user_id)
                    .map(|m| m.0);
            }
            info
        })
        .collect();
    Ok(result_json(&UserConversationsPage {
        conversation_infos,
        has_more: end < all.len(),
        next_cursor: end as i64,
    }))
}

fn conversations_by_id(
    req: BatchGetConversationsRequest,
    data: &DemoData,
) -> Result<Box<RawValue>, Refusal> {
    check_app(data, req.app_id)?;
    let conversation_core_infos = req
        .conversation_short_id
        .iter()
        .filter_map(|id| data.conversation(*id))
        .map(|conv| described(conv, req.skip_member_count))
        .collect();
    Ok(result_json(&ConversationsResult {
        conversation_core_infos,
    }))
}

fn users_by_id(req: BatchGetUserRequest, data: &DemoData) -> Result<Box<RawValue>, Refusal> {
    check_app(data, req.app_id)?;
    if req.user_ids.len() > USER_BATCH_LIMIT {
        return Err(Refusal::invalid(format!(
            "at most {USER_BATCH_LIMIT} UserIds per call, got {}",
            req.user_ids.len()
        )));
    }
    let mut result = UsersResult::default();
    for id in req.user_ids {
        if result.users.iter().any(|u| u.user_id == id) || result.not_found_users.contains(&id) {
            continue;
        }
        match data.user(id) {
            Some(user) => result.users.push(user.clone()),
            None => result.not_found_users.push(id),
        }
    }
    Ok(result_json(&result))
}

fn user_count(
    req: ConversationUserCountRequest,
    data: &DemoData,
) -> Result<Box<RawValue>, Refusal> {
    check_app(data, req.app_id)?;
    let conv = conversation(data, req.conversation_short_id)?;
    let count = conv
        .info()
        .member_count
        .unwrap_or(conv.members().len() as i64);
    Ok(result_json(&UserCountResult { count }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DEMO_APP_ID, DEMO_DIRECT, DEMO_GROUP, DEMO_LIVE, demo_data};
    use serde_json::{Value, json};

    fn call(action: &str, body: Value) -> Result<Value, Refusal> {
        let histories = Histories::shipped(demo_data());
        dispatch(action, body.to_string().as_bytes(), demo_data(), &histories)
            .map(|served| serde_json::from_str(served.result.get()).unwrap())
    }

    fn code(action: &str, body: Value) -> &'static str {
        call(action, body).unwrap_err().code
    }

    #[test]
    fn parameter_errors_have_their_codes() {
        let ok = json!({"AppId": DEMO_APP_ID, "ConversationShortId": DEMO_GROUP, "Cursor": 0, "Limit": 20});
        assert!(call("GetConversationMessages", ok.clone()).is_ok());
        let with = |k: &str, v: Value| {
            let mut b = ok.clone();
            b[k] = v;
            b
        };
        assert_eq!(
            code("GetConversationMessages", with("Limit", json!(21))),
            "InvalidParameter"
        );
        assert_eq!(
            code("GetConversationMessages", with("Limit", json!(0))),
            "InvalidParameter"
        );
        assert_eq!(
            code("GetConversationMessages", with("AppId", json!(7))),
            "InvalidParameter.NotExistAppId"
        );
        assert_eq!(
            code(
                "GetConversationMessages",
                with("ConversationShortId", json!(5))
            ),
            "InvalidParameter.NotExistConversation"
        );
        assert_eq!(
            code("GetConversationMessages", with("Cursor", json!("zero"))),
            "InvalidParameter.Unmarshal"
        );
        assert_eq!(
            code("GetMessages", json!([1])),
            "InvalidParameter.Unmarshal"
        );
    }

    #[test]
    fn live_groups_read_newest_first_only() {
        let body = |reverse: Option<i32>| {
            let mut b = json!({"AppId": DEMO_APP_ID, "ConversationShortId": DEMO_LIVE, "Cursor": i64::MAX, "Limit": 5});
            if let Some(r) = reverse {
                b["Reverse"] = json!(r);
            }
            b
        };
        let refusal = call("GetConversationMessages", body(None)).unwrap_err();
        assert!(
            refusal.message.contains("newest-first"),
            "{}",
            refusal.message
        );
        assert_eq!(
            code("GetConversationMessages", body(Some(0))),
            "InvalidParameter"
        );
        assert_eq!(
            code("GetConversationMessages", body(Some(7))),
            "InvalidParameter"
        );
        let page = call("GetConversationMessages", body(Some(1))).unwrap();
        assert_eq!(page["Messages"].as_array().unwrap().len(), 5);
    }

    #[test]
    fn messages_by_id_skip_unknown_ids() {
        let conv = demo_data()
            .conversation(ConversationId(DEMO_DIRECT))
            .unwrap();
        let first = conv.messages()[0].id().unwrap().0;
        let result = call(
            "GetMessages",
            json!({"AppId": DEMO_APP_ID, "ConversationShortId": DEMO_DIRECT, "MessageIds": [first, 42, first]}),
        )
        .unwrap();
        let messages = result["Messages"].as_array().unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0]["MessageId"].as_i64(), Some(first));
    }

    #[test]
    fn a_users_conversations_page_by_offset() {
        let data = demo_data();
        let owner = data.conversations()[0].info().owner_user_id.unwrap();
        let page = |cursor: i64| {
            call(
                "GetUserConversations",
                json!({"AppId": DEMO_APP_ID, "ParticipantUserId": owner, "Cursor": cursor, "Limit": 2}),
            )
            .unwrap()
        };
        let first: UserConversationsPage = serde_json::from_value(page(0)).unwrap();
        assert_eq!(first.conversation_infos.len(), 2);
        assert!(first.has_more);
        let second: UserConversationsPage =
            serde_json::from_value(page(first.next_cursor)).unwrap();
        assert_eq!(second.conversation_infos.len(), 1);
        assert!(!second.has_more);
        let direct = first
            .conversation_infos
            .iter()
            .chain(&second.conversation_infos)
            .find(|c| c.conversation_short_id == ConversationId(DEMO_DIRECT))
            .unwrap();
        assert!(direct.other_user_id.is_some_and(|o| o != owner));
        let none = call(
            "GetUserConversations",
            json!({"AppId": DEMO_APP_ID, "ParticipantUserId": 1, "Cursor": 0, "Limit": 20}),
        )
        .unwrap();
        assert_eq!(none["ConversationInfos"], json!([]));
    }

    #[test]
    fn users_and_conversations_by_id() {
        let data = demo_data();
        let ids: Vec<i64> = data
            .users()
            .iter()
            .map(|u| u.user_id.0)
            .chain([5])
            .collect();
        let result: UsersResult = serde_json::from_value(
            call(
                "BatchGetUser",
                json!({"AppId": DEMO_APP_ID, "UserIds": ids}),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(result.users, data.users());
        assert_eq!(result.not_found_users, [crate::model::UserId(5)]);
        let too_many: Vec<i64> = (0..51).collect();
        assert_eq!(
            code(
                "BatchGetUser",
                json!({"AppId": DEMO_APP_ID, "UserIds": too_many})
            ),
            "InvalidParameter"
        );
        let convs: ConversationsResult = serde_json::from_value(
            call(
                "BatchGetConversations",
                json!({"AppId": DEMO_APP_ID, "ConversationShortId": [DEMO_LIVE, 9]}),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(convs.conversation_core_infos.len(), 1);
        assert_eq!(convs.conversation_core_infos[0].member_count, Some(1532));
        let count = call(
            "GetConversationUserCount",
            json!({"AppId": DEMO_APP_ID, "ConversationShortId": DEMO_GROUP}),
        )
        .unwrap();
        assert_eq!(count["Count"].as_i64(), Some(10));
    }
}
