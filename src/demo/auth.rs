//! Checking a received request's V4 signature against the demo key pair.

use axum::http::StatusCode;

use super::reply::Refusal;
use super::{DEMO_ACCESS_KEY, DEMO_SECRET_KEY, MAX_CLOCK_SKEW};
use crate::api::sign::{Authorization, RequestParts, VerifyError, parse_authorization, verify};
use crate::api::wire::SERVICE;
use crate::secret::Secret;

fn unauthorized(code: &'static str, code_n: i64, message: impl Into<String>) -> Refusal {
    Refusal::new(StatusCode::UNAUTHORIZED, code, message).with_code_n(code_n)
}

fn mismatch(message: impl Into<String>) -> Refusal {
    unauthorized("SignatureDoesNotMatch", 100010, message)
}

/// Accepts a request signed with the demo key pair at a time within
/// [`MAX_CLOCK_SKEW`] of `now`, for the `rtc` service in any region.
/// `req` holds every received header (any case), `Host` as received.
pub(crate) fn check(
    req: &RequestParts<'_>,
    now: jiff::Timestamp,
) -> Result<Authorization, Refusal> {
    let Some(header) = req.header("authorization") else {
        return Err(unauthorized(
            "MissingAuthenticationToken",
            100003,
            "the request carries no Authorization header",
        ));
    };
    let auth = parse_authorization(header).ok_or_else(|| {
        mismatch(
            "the Authorization header is not `HMAC-SHA256 Credential=AK/date/region/service/request, \
             SignedHeaders=..., Signature=...`",
        )
    })?;
    if auth.access_key != DEMO_ACCESS_KEY {
        return Err(unauthorized(
            "InvalidAccessKey",
            100009,
            format!("the access key {} does not exist", auth.access_key),
        ));
    }
    if auth.scope.service != SERVICE {
        return Err(mismatch(format!(
            "the credential scope names the service `{}`, expected `{SERVICE}`",
            auth.scope.service
        )));
    }
    let Some(x_date) = req.header("x-date") else {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "MissingRequestInfo",
            "the request carries no X-Date header",
        )
        .with_code_n(100004));
    };
    check_time(x_date, now)?;
    if !x_date.starts_with(&auth.short_date) || auth.short_date.len() != 8 {
        return Err(mismatch(format!(
            "the credential date {} is not the date of X-Date {x_date}",
            auth.short_date
        )));
    }
    verify(&Secret::new(DEMO_SECRET_KEY), &auth, req).map_err(|e| {
        mismatch(match e {
            VerifyError::Missing(name) => format!("the signed header {name} is missing"),
            VerifyError::Malformed => "the Authorization header could not be read".into(),
            VerifyError::UnsignedRequired(name) => format!("the header {name} must be signed"),
            VerifyError::BodyHashMismatch => {
                "the body does not match its X-Content-Sha256 hash".into()
            }
            VerifyError::Mismatch => {
                "the signature does not match: check the secret key and the signing".into()
            }
        })
    })?;
    Ok(auth)
}

fn check_time(x_date: &str, now: jiff::Timestamp) -> Result<(), Refusal> {
    let invalid = |message: String| {
        Refusal::new(StatusCode::FORBIDDEN, "InvalidTimestamp", message).with_code_n(100006)
    };
    let signed = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", x_date)
        .ok()
        .and_then(|dt| jiff::tz::TimeZone::UTC.to_timestamp(dt).ok())
        .ok_or_else(|| invalid(format!("X-Date {x_date} is not YYYYMMDDTHHMMSSZ")))?;
    let skew = now.duration_since(signed).abs();
    let max = jiff::SignedDuration::try_from(MAX_CLOCK_SKEW).expect("a small duration");
    if skew > max {
        return Err(invalid(format!(
            "X-Date {x_date} is {}s away from the server's clock {}: at most {}s are allowed",
            skew.as_secs(),
            crate::api::sign::format_x_date(now),
            max.as_secs()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::sign::{RequestParts, Scope, format_x_date, sign};
    use crate::demo::demo_credentials;

    const QUERY: &[(&str, &str)] = &[("Action", "GetMessages"), ("Version", "2020-12-01")];

    type Pairs = Vec<(String, String)>;

    fn signed(
        creds: &crate::api::sign::Credentials,
        service: &str,
        at: jiff::Timestamp,
    ) -> (Pairs, Pairs) {
        let query: Vec<(String, String)> = QUERY
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let base = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Host".to_owned(), "127.0.0.1:4000".to_owned()),
        ];
        let scope = Scope {
            region: "ap-southeast-1".into(),
            service: service.into(),
        };
        let parts = RequestParts {
            method: "POST",
            path: "/",
            query: &query,
            headers: &base,
            body: b"{}",
        };
        let sig = sign(creds, &scope, &parts, &format_x_date(at));
        let mut headers = base;
        for (k, v) in sig.headers(creds.session_token.as_ref()) {
            headers.push((k.to_owned(), v));
        }
        (query, headers)
    }

    fn run(
        query: &[(String, String)],
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<(), Refusal> {
        let req = RequestParts {
            method: "POST",
            path: "/",
            query,
            headers,
            body,
        };
        check(&req, jiff::Timestamp::now()).map(|_| ())
    }

    #[test]
    fn a_good_signature_in_any_region_with_a_session_token_passes() {
        let mut creds = demo_credentials();
        creds.session_token = Some(Secret::new("sts-token"));
        let (query, headers) = signed(&creds, "rtc", jiff::Timestamp::now());
        assert_eq!(run(&query, &headers, b"{}"), Ok(()));
    }

    #[test]
    fn each_failure_has_its_code() {
        let now = jiff::Timestamp::now();
        let code = |r: Result<(), Refusal>| r.unwrap_err().code;
        let (q, h) = signed(&demo_credentials(), "rtc", now);
        assert_eq!(code(run(&q, &h, b"{ }")), "SignatureDoesNotMatch");
        let without: Vec<_> = h
            .iter()
            .filter(|(k, _)| k != "Authorization")
            .cloned()
            .collect();
        assert_eq!(code(run(&q, &without, b"{}")), "MissingAuthenticationToken");
        let wrong = crate::api::sign::Credentials::new(super::DEMO_ACCESS_KEY, "nope");
        let (q, h) = signed(&wrong, "rtc", now);
        assert_eq!(code(run(&q, &h, b"{}")), "SignatureDoesNotMatch");
        let other = crate::api::sign::Credentials::new("AKLTother", super::DEMO_SECRET_KEY);
        let (q, h) = signed(&other, "rtc", now);
        assert_eq!(code(run(&q, &h, b"{}")), "InvalidAccessKey");
        let (q, h) = signed(&demo_credentials(), "iam", now);
        assert_eq!(code(run(&q, &h, b"{}")), "SignatureDoesNotMatch");
        let stale = now - jiff::SignedDuration::from_mins(16);
        let (q, h) = signed(&demo_credentials(), "rtc", stale);
        let refusal = run(&q, &h, b"{}").unwrap_err();
        assert_eq!(
            (refusal.code, refusal.status),
            ("InvalidTimestamp", StatusCode::FORBIDDEN)
        );
        let ahead = now + jiff::SignedDuration::from_mins(14);
        let (q, h) = signed(&demo_credentials(), "rtc", ahead);
        assert_eq!(run(&q, &h, b"{}"), Ok(()));
    }

    #[test]
    fn the_host_received_is_the_host_checked() {
        let (q, mut h) = signed(&demo_credentials(), "rtc", jiff::Timestamp::now());
        for (k, v) in &mut h {
            if k == "Host" {
                *v = "127.0.0.1:4001".into();
            }
        }
        assert_eq!(
            run(&q, &h, b"{}").unwrap_err().code,
            "SignatureDoesNotMatch"
        );
    }
}
