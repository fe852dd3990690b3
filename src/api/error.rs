//! Typed API errors: what failed, why, and whether trying again can help.

use std::fmt;

use crate::model::safe_text::escape_controls;

/// An error from a call to the OpenAPI.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The service answered with an error (`ResponseMetadata.Error`), with any HTTP status.
    #[error("{}", service_message(.action, .status, .code, .code_n, .message, .request_id))]
    Service {
        action: String,
        status: u16,
        code: String,
        code_n: Option<i64>,
        message: String,
        request_id: Option<String>,
    },
    /// An HTTP error whose body is not a Volcengine error (an HTML page from a proxy, say).
    #[error("{action}: HTTP {status} with a body that is not a Volcengine error: {excerpt}")]
    Http {
        action: String,
        status: u16,
        excerpt: String,
    },
    /// HTTP 200, but the body could not be read as the expected response.
    #[error("{action}: unreadable response ({reason}): {excerpt}")]
    Decode {
        action: String,
        reason: String,
        excerpt: String,
    },
    /// The request never got an answer: connection refused or reset, timeout, ...
    #[error("{action}: {kind}: {message}")]
    Transport {
        action: String,
        kind: TransportKind,
        message: String,
    },
    /// The request could not be built (a body that is not JSON, an endpoint that is not a URL).
    #[error("{0}")]
    Request(String),
}

/// What kind of transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Connect,
    Timeout,
    /// The connection dropped mid-request or mid-response.
    Interrupted,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "could not connect",
            TransportKind::Timeout => "timed out",
            TransportKind::Interrupted => "connection dropped",
        })
    }
}

fn service_message(
    action: &str,
    status: &u16,
    code: &str,
    code_n: &Option<i64>,
    message: &str,
    request_id: &Option<String>,
) -> String {
    // What the service sent is shown escaped: it is data, never terminal control.
    let code = escape_controls(code);
    let message = escape_controls(message);
    let mut s = format!("{action}: {code}");
    if let Some(n) = code_n {
        s.push_str(&format!(" ({n})"));
    }
    s.push_str(&format!(": {message} [HTTP {status}"));
    if let Some(id) = request_id.as_deref().filter(|id| !id.is_empty()) {
        s.push_str(&format!(", RequestId {}", escape_controls(id)));
    }
    s.push(']');
    if let Some(hint) = hint_for(&code) {
        s.push_str(" - ");
        s.push_str(hint);
    }
    s
}

fn hint_for(code: &str) -> Option<&'static str> {
    Some(match code {
        "InvalidTimestamp" => "check this machine's clock: it must be within minutes of real time",
        "SignatureDoesNotMatch" => "check the secret key that goes with this access key",
        "InvalidAccessKey" => "check the access key id",
        "InvalidSecretToken" => "the session token is invalid or expired: get a new one",
        "MissingAuthenticationToken" | "MissingSignature" => "no credentials were sent",
        "AccessDenied" | "LackPolicy" => "this account lacks permission for the action",
        _ => return None,
    })
}

impl ApiError {
    /// True when trying again later may succeed: throttling, server errors,
    /// transport failures. Never for auth or parameter errors.
    pub fn is_retryable(&self) -> bool {
        if self.is_throttled() {
            return true;
        }
        match self {
            ApiError::Service { status, code, .. } => {
                matches!(
                    code.as_str(),
                    "InternalError"
                        | "UndefinedError"
                        | "FailToConnect"
                        | "InternalServiceTimeout"
                        | "ServiceUnavailableTemp"
                ) || (*status >= 500 && !is_auth_or_parameter(code))
            }
            ApiError::Http { status, .. } => *status >= 500,
            ApiError::Transport { .. } => true,
            ApiError::Decode { .. } | ApiError::Request(_) => false,
        }
    }

    /// True for throttling.
    pub fn is_throttled(&self) -> bool {
        match self {
            ApiError::Service { status, code, .. } => {
                *status == 429 || code.starts_with("FlowLimitExceeded")
            }
            ApiError::Http { status, .. } => *status == 429,
            _ => false,
        }
    }

    /// The service's error code, when the service gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The service's request id, when known.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Service { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// A short form for a status bar: `Code: Message` or the transport failure.
    pub fn short(&self) -> String {
        match self {
            ApiError::Service { code, message, .. } => match hint_for(code) {
                Some(hint) => format!("{code}: {message} - {hint}"),
                None => format!("{code}: {message}"),
            },
            ApiError::Http { status, .. } => format!("HTTP {status}"),
            ApiError::Decode { reason, .. } => format!("unreadable response: {reason}"),
            // The last cause in the chain says why: "Connection refused (os error 111)".
            ApiError::Transport { kind, message, .. } => match message.rsplit(": ").next() {
                Some(cause) if !cause.is_empty() && cause != message => format!("{kind}: {cause}"),
                _ => kind.to_string(),
            },
            ApiError::Request(m) => m.clone(),
        }
    }
}

fn is_auth_or_parameter(code: &str) -> bool {
    code.starts_with("InvalidParameter")
        || code.starts_with("Missing")
        || matches!(
            code,
            "InvalidTimestamp"
                | "InvalidActionOrVersion"
                | "InvalidAccessKey"
                | "SignatureDoesNotMatch"
                | "AccessDenied"
                | "LackPolicy"
                | "InvalidSecretToken"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(status: u16, code: &str) -> ApiError {
        ApiError::Service {
            action: "GetConversationMessages".into(),
            status,
            code: code.into(),
            code_n: None,
            message: "m".into(),
            request_id: Some("req-1".into()),
        }
    }

    #[test]
    fn retry_policy_follows_the_error_table() {
        for (status, code) in [
            (429, "FlowLimitExceeded"),
            (429, "FlowLimitExceeded.QPSOverLimit"),
            (500, "InternalError"),
            (500, "UndefinedError"),
            (502, "FailToConnect"),
            (504, "InternalServiceTimeout"),
            (503, "ServiceUnavailableTemp"),
            (200, "FlowLimitExceeded"),
        ] {
            assert!(service(status, code).is_retryable(), "{code}");
        }
        for (status, code) in [
            (400, "MissingParameter"),
            (401, "MissingSignature"),
            (403, "InvalidTimestamp"),
            (404, "InvalidActionOrVersion"),
            (401, "InvalidAccessKey"),
            (401, "SignatureDoesNotMatch"),
            (403, "AccessDenied"),
            (400, "InvalidParameter.NotExistAppId"),
            (401, "InvalidSecretToken"),
        ] {
            assert!(!service(status, code).is_retryable(), "{code}");
        }
    }

    #[test]
    fn the_short_form_of_a_transport_error_names_its_cause() {
        let err = ApiError::Transport {
            action: "GetConversationMessages".into(),
            kind: TransportKind::Connect,
            message: "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)".into(),
        };
        assert_eq!(
            err.short(),
            "could not connect: Connection refused (os error 111)"
        );
    }

    #[test]
    fn messages_carry_code_request_id_and_a_hint() {
        let text = service(401, "SignatureDoesNotMatch").to_string();
        assert!(text.contains("SignatureDoesNotMatch"), "{text}");
        assert!(text.contains("RequestId req-1"), "{text}");
        assert!(text.contains("secret key"), "{text}");
        let clock = service(403, "InvalidTimestamp").to_string();
        assert!(clock.contains("clock"), "{clock}");
    }
}
