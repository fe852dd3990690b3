//! What the server answers: refusals as the service words them, and success bodies
//! whose `Result` is written out byte for byte.

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::api::wire::{error_body, ok_body};

/// A request the server will not serve, with the service's error code.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) code_n: Option<i64>,
    pub(crate) message: String,
}

impl Refusal {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            code,
            code_n: None,
            message: message.into(),
        }
    }

    pub(crate) fn with_code_n(mut self, code_n: i64) -> Self {
        self.code_n = Some(code_n);
        self
    }

    /// 400 `InvalidParameter`.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Refusal::new(StatusCode::BAD_REQUEST, "InvalidParameter", message)
    }

    /// The error body.
    pub(crate) fn body(&self, request_id: &str, action: &str, region: &str) -> String {
        error_body(
            request_id,
            action,
            region,
            self.code,
            self.code_n,
            &self.message,
        )
        .to_string()
    }
}

/// A success body around a `Result` that is written out exactly as given.
pub(crate) fn ok_raw(request_id: &str, action: &str, region: &str, result: &RawValue) -> String {
    #[derive(Serialize)]
    struct Envelope<'a> {
        #[serde(rename = "ResponseMetadata")]
        metadata: &'a Value,
        #[serde(rename = "Result")]
        result: &'a RawValue,
    }
    let shape = ok_body(request_id, action, region, Value::Null);
    serde_json::to_string(&Envelope {
        metadata: &shape["ResponseMetadata"],
        result,
    })
    .expect("JSON values always serialize")
}

/// Serializes a result, dropping `null` members (absent optional fields), as the
/// service leaves them out.
pub(crate) fn result_json<T: Serialize>(result: &T) -> Box<RawValue> {
    let mut value = serde_json::to_value(result).expect("results always serialize");
    drop_nulls(&mut value);
    RawValue::from_string(value.to_string()).expect("a Value serializes to JSON")
}

fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::read_response;

    #[test]
    fn the_result_is_kept_byte_for_byte() {
        let result = RawValue::from_string(r#"{"B":1, "A":"\u00e9"}"#.into()).unwrap();
        let body = ok_raw("rid", "GetMessages", "cn-north-1", &result);
        assert!(body.contains(r#""Result":{"B":1, "A":"\u00e9"}"#), "{body}");
        let read = read_response("GetMessages", 200, body.as_bytes()).unwrap();
        assert_eq!(read.get(), result.get());
    }

    #[test]
    fn refusals_read_back_as_service_errors() {
        let refusal = Refusal::new(StatusCode::UNAUTHORIZED, "SignatureDoesNotMatch", "no")
            .with_code_n(100010);
        let body = refusal.body("rid-1", "GetMessages", "cn-north-1");
        let err = read_response("GetMessages", 401, body.as_bytes()).unwrap_err();
        assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
        assert_eq!(err.request_id(), Some("rid-1"));
    }

    #[test]
    fn nulls_are_left_out() {
        let raw = result_json(&serde_json::json!({"A": null, "B": [{"C": null, "D": 1}]}));
        assert_eq!(raw.get(), r#"{"B":[{"D":1}]}"#);
    }
}
