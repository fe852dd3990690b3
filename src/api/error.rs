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
    /// The answer was larger than `max_response_bytes`: reading stopped there.
    #[error(
        "{action}: the answer is larger than {} (max_response_bytes); stopped reading it",
        bytes_text(*.cap)
    )]
    TooLarge { action: String, cap: u64 },
    /// The answer came in a `Content-Encoding` this client does not read.
    #[error(
        "{action}: the answer came in the {encoding:?} content encoding, which volc-im does not read \
         (it reads gzip and deflate); a proxy between here and the service may have re-encoded it"
    )]
    Encoding { action: String, encoding: String },
    /// The service answered with a redirect, which a signed request never follows.
    #[error(
        "{action}: HTTP {status} redirect to {}, not followed (a signed request goes only to the \
         configured endpoint): check the endpoint",
        .location.as_deref().unwrap_or("nowhere (no Location)")
    )]
    Redirect {
        action: String,
        status: u16,
        /// Where it pointed, without credentials, query or fragment, made safe to show.
        location: Option<String>,
    },
    /// Attempts went on until the time a call may take (`max_retry_seconds`) ran
    /// out, or would have before the next one.
    #[error("{}", gave_up_message(.action, *.seconds, *.attempts, .last.as_deref()))]
    GaveUp {
        action: String,
        seconds: u64,
        attempts: u32,
        /// The last attempt's error; `None` when that attempt was cut off unanswered.
        last: Option<Box<ApiError>>,
    },
    /// The request could not be built (a body that is not JSON, an endpoint that is not a URL).
    #[error("{0}")]
    Request(String),
}

fn gave_up_message(action: &str, seconds: u64, attempts: u32, last: Option<&ApiError>) -> String {
    let tried = format!(
        "{seconds} s and {attempts} attempt{} (max_retry_seconds)",
        if attempts == 1 { "" } else { "s" }
    );
    match last {
        None => format!("{action}: no answer after {tried}"),
        Some(last) => format!("{last} - gave up after {tried}"),
    }
}

/// `64 MiB`, `1.5 KiB`, `100 bytes`.
pub(crate) fn bytes_text(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB / 16) {
        format!("{} MiB", n as f64 / MIB as f64)
    } else if n >= KIB && n.is_multiple_of(KIB / 16) {
        format!("{} KiB", n as f64 / KIB as f64)
    } else {
        format!("{n} bytes")
    }
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
            ApiError::Decode { .. }
            | ApiError::Request(_)
            | ApiError::TooLarge { .. }
            | ApiError::Encoding { .. }
            | ApiError::Redirect { .. }
            | ApiError::GaveUp { .. } => false,
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
            ApiError::GaveUp {
                last: Some(last), ..
            } => last.code(),
            _ => None,
        }
    }

    /// The service's request id, when known.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Service { request_id, .. } => request_id.as_deref(),
            ApiError::GaveUp {
                last: Some(last), ..
            } => last.request_id(),
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
            ApiError::TooLarge { cap, .. } => format!(
                "answer larger than {} (max_response_bytes)",
                bytes_text(*cap)
            ),
            ApiError::Encoding { encoding, .. } => {
                format!("answer in the unreadable {encoding:?} encoding")
            }
            ApiError::Redirect {
                status, location, ..
            } => format!(
                "HTTP {status} redirect to {}, not followed",
                location.as_deref().unwrap_or("nowhere")
            ),
            ApiError::GaveUp {
                seconds,
                attempts,
                last: None,
                ..
            } => format!("no answer after {seconds} s and {attempts} attempts"),
            ApiError::GaveUp {
                seconds,
                last: Some(last),
                ..
            } => format!("{} (gave up after {seconds} s)", last.short()),
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
    fn bounds_and_redirects_say_what_happened_and_are_not_retried() {
        let big = ApiError::TooLarge {
            action: "GetConversationMessages".into(),
            cap: 64 * 1024 * 1024,
        };
        assert_eq!(
            big.to_string(),
            "GetConversationMessages: the answer is larger than 64 MiB (max_response_bytes); stopped reading it"
        );
        let moved = ApiError::Redirect {
            action: "GetMessages".into(),
            status: 302,
            location: Some("https://login.example/sso".into()),
        };
        let text = moved.to_string();
        assert!(
            text.contains("302 redirect to https://login.example/sso, not followed"),
            "{text}"
        );
        let gave_up = ApiError::GaveUp {
            action: "GetMessages".into(),
            seconds: 60,
            attempts: 2,
            last: None,
        };
        assert_eq!(gave_up.short(), "no answer after 60 s and 2 attempts");
        let busy = ApiError::GaveUp {
            action: "GetMessages".into(),
            seconds: 60,
            attempts: 7,
            last: Some(Box::new(service(429, "FlowLimitExceeded"))),
        };
        let text = busy.to_string();
        assert!(
            text.starts_with(
                "GetConversationMessages: FlowLimitExceeded: m [HTTP 429, RequestId req-1]"
            ),
            "{text}"
        );
        assert!(
            text.ends_with("gave up after 60 s and 7 attempts (max_retry_seconds)"),
            "{text}"
        );
        assert_eq!(busy.code(), Some("FlowLimitExceeded"));
        assert!(!busy.is_retryable());
        for e in [big, moved, gave_up] {
            assert!(!e.is_retryable(), "{e}");
        }
        assert_eq!(bytes_text(1536), "1.5 KiB");
        assert_eq!(bytes_text(1000), "1000 bytes");
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
