//! Reading one HTTP answer within bounds: a redirect is reported (never followed),
//! an encoding that cannot be read is named, and the body is streamed up to a cap
//! so that an answer that never ends cannot grow the process.

use reqwest::header::{CONTENT_ENCODING, LOCATION};

use super::error::ApiError;

/// The most bytes read from one answer unless configured otherwise (`max_response_bytes`).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
/// The most characters of a redirect's target shown.
const LOCATION_MAX_CHARS: usize = 200;
/// What the first allocation for a body of unknown length reserves.
const FIRST_RESERVE: u64 = 64 * 1024;

/// The status and the whole body of an answer, or why it cannot be read.
pub(crate) async fn read(
    action: &str,
    request_url: &url::Url,
    mut response: reqwest::Response,
    cap: u64,
    transport: impl Fn(&reqwest::Error) -> ApiError,
) -> Result<(u16, Vec<u8>), ApiError> {
    let status = response.status().as_u16();
    if (300..400).contains(&status) && status != 304 {
        let location = response
            .headers()
            .get(LOCATION)
            .map(|v| shown_location(request_url, v.as_bytes()));
        return Err(ApiError::Redirect {
            action: action.into(),
            status,
            location,
        });
    }
    // gzip and deflate are decoded on the way in (and the header removed): any
    // encoding still named here is one that cannot be read.
    if let Some(encoding) = response.headers().get(CONTENT_ENCODING) {
        let name = String::from_utf8_lossy(encoding.as_bytes())
            .trim()
            .to_owned();
        if !name.eq_ignore_ascii_case("identity") && !name.is_empty() {
            return Err(ApiError::Encoding {
                action: action.into(),
                encoding: escaped(&name, LOCATION_MAX_CHARS),
            });
        }
    }
    let too_large = || ApiError::TooLarge {
        action: action.into(),
        cap,
    };
    if response.content_length().is_some_and(|n| n > cap) {
        return Err(too_large());
    }
    let reserve = response.content_length().unwrap_or(FIRST_RESERVE).min(cap);
    let mut body = Vec::with_capacity(reserve as usize);
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(&e))? {
        if (body.len() + chunk.len()) as u64 > cap {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, body))
}

/// A redirect's target as it may be shown: resolved against the request, without
/// user name, password, query or fragment (any of which may carry a credential),
/// control characters escaped, and cut to a readable length.
pub(crate) fn shown_location(request_url: &url::Url, value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    let text = text.trim();
    match request_url.join(text) {
        Ok(mut url) => {
            let had_query = url.query().is_some() || url.fragment().is_some();
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            let mut shown = url.to_string();
            if had_query {
                shown.push_str("?…");
            }
            escaped(&shown, LOCATION_MAX_CHARS)
        }
        Err(_) => escaped(text, LOCATION_MAX_CHARS),
    }
}

/// `text` with control and bidi characters written as `\u{..}`, cut to `max` characters.
fn escaped(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() || crate::model::safe_text::is_bidi_control(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_target_is_shown_without_credentials_or_query() {
        let base: url::Url = "http://127.0.0.1:9/?Action=GetMessages".parse().unwrap();
        assert_eq!(
            shown_location(&base, b"https://user:pw@login.example/sso?token=abc#x"),
            "https://login.example/sso?…"
        );
        assert_eq!(
            shown_location(&base, b"/elsewhere"),
            "http://127.0.0.1:9/elsewhere"
        );
        let hostile = shown_location(&base, b"\x1b]0;title\x07");
        assert!(
            !hostile.contains('\u{1b}') && !hostile.contains('\u{7}'),
            "{hostile}"
        );
        let long = format!("https://a.example/{}", "x".repeat(1000));
        assert!(shown_location(&base, long.as_bytes()).chars().count() <= LOCATION_MAX_CHARS + 1);
    }
}
