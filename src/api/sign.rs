//! Volcengine's HMAC-SHA256 ("V4") request signature, for signing requests and,
//! in the demo server, for checking them.
//!
//! The algorithm is the one the official Volcengine SDKs implement (`SignerV4`):
//! a canonical request is hashed into a string to sign, which is signed with a key
//! derived from the secret key, the short date, the region and the service.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::secret::Secret;

type HmacSha256 = Hmac<Sha256>;

/// The algorithm name that opens the string to sign and the `Authorization` header.
pub const ALGORITHM: &str = "HMAC-SHA256";

/// An access key pair, with the session token of temporary (STS) credentials.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The access key id (public: it names the key, it does not prove anything).
    pub access_key: String,
    /// The secret key; never shown.
    pub secret_key: Secret,
    /// The STS session token, when the credentials are temporary; never shown.
    pub session_token: Option<Secret>,
}

impl Credentials {
    /// Long-lived credentials without a session token.
    pub fn new(access_key: impl Into<String>, secret_key: impl Into<Secret>) -> Self {
        Credentials {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            session_token: None,
        }
    }
}

/// Where a signature is valid: region and service, as in the credential scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// E.g. `cn-north-1`.
    pub region: String,
    /// E.g. `rtc`.
    pub service: String,
}

/// Everything about a request that the signature covers.
#[derive(Clone, Debug)]
pub struct RequestParts<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The URL path, `/` for the OpenAPI.
    pub path: &'a str,
    /// Query parameters, in any order (they are sorted when signing).
    pub query: &'a [(String, String)],
    /// Headers to sign besides `X-Date`, `X-Content-Sha256` and `X-Security-Token`,
    /// which the signer adds. `Host` must be among them.
    pub headers: &'a [(String, String)],
    /// The exact body bytes sent.
    pub body: &'a [u8],
}

impl RequestParts<'_> {
    /// A header's value, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The result of signing: the headers to add to the request, and the parts of
/// the computation worth showing (`--dry-run`, tests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// `YYYYMMDDTHHMMSSZ`.
    pub x_date: String,
    /// Lowercase hex SHA-256 of the body.
    pub x_content_sha256: String,
    /// The signed header names, lowercase, `;`-joined.
    pub signed_headers: String,
    /// Lowercase hex signature.
    pub signature: String,
    /// The full `Authorization` header value.
    pub authorization: String,
}

impl Signature {
    /// The headers the signer adds to the request, in the order they should be sent.
    /// A session token, when present, travels as `X-Security-Token`.
    pub fn headers(&self, session_token: Option<&Secret>) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("X-Date", self.x_date.clone()),
            ("X-Content-Sha256", self.x_content_sha256.clone()),
            ("Authorization", self.authorization.clone()),
        ];
        if let Some(token) = session_token {
            headers.push(("X-Security-Token", token.expose().to_owned()));
        }
        headers
    }
}

/// Formats a time as the `X-Date` header wants it: `20240501T120000Z`.
pub fn format_x_date(time: jiff::Timestamp) -> String {
    time.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Percent-encodes as the signer does: only `A-Z a-z 0-9 - _ . ~` stay as they are,
/// everything else becomes `%XX` with uppercase hex (a space is `%20`).
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for &b in input.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[(b >> 4) as usize]));
            out.push(char::from(b"0123456789ABCDEF"[(b & 0x0f) as usize]));
        }
    }
    out
}

/// The canonical query string: `k=v` pairs sorted by raw key (then value), each
/// part encoded, joined by `&`.
pub fn canonical_query(query: &[(String, String)]) -> String {
    // Sorted by the raw key (then value) before encoding, as the official SDKs do.
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The `Host` header value as signed: a default port (`:80`, `:443`) is dropped,
/// any other port is kept (`127.0.0.1:8080`).
pub fn host_header(url: &url::Url) -> String {
    let host = match url.host() {
        Some(url::Host::Ipv6(addr)) => format!("[{addr}]"),
        Some(host) => host.to_string(),
        None => String::new(),
    };
    match url.port() {
        Some(port) if port != 80 && port != 443 => format!("{host}:{port}"),
        _ => host,
    }
}

fn canonical_headers(headers: &[(String, String)]) -> (String, String) {
    let mut lowered: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    lowered.sort();
    let canonical: String = lowered.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let names = lowered
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    (canonical, names)
}

/// The signing key: `HMAC(HMAC(HMAC(HMAC(secret, date), region), service), "request")`.
fn signing_key(secret: &Secret, short_date: &str, scope: &Scope) -> Vec<u8> {
    let k_date = hmac(secret.expose().as_bytes(), short_date.as_bytes());
    let k_region = hmac(&k_date, scope.region.as_bytes());
    let k_service = hmac(&k_region, scope.service.as_bytes());
    hmac(&k_service, b"request")
}

/// Signs a request at the given time (`X-Date` format). The signed headers are the
/// given ones plus `X-Date`, `X-Content-Sha256` and, with a session token,
/// `X-Security-Token`.
pub fn sign(
    creds: &Credentials,
    scope: &Scope,
    parts: &RequestParts<'_>,
    x_date: &str,
) -> Signature {
    let x_content_sha256 = sha256_hex(parts.body);
    let mut headers: Vec<(String, String)> = parts.headers.to_vec();
    headers.push(("X-Date".into(), x_date.to_owned()));
    headers.push(("X-Content-Sha256".into(), x_content_sha256.clone()));
    if let Some(token) = &creds.session_token {
        headers.push(("X-Security-Token".into(), token.expose().to_owned()));
    }
    let signed = RequestParts {
        headers: &headers,
        ..parts.clone()
    };
    let (signature, signed_headers) =
        compute_signature(&creds.secret_key, scope, &signed, &x_content_sha256, x_date);
    let short_date = &x_date[..x_date.len().min(8)];
    let authorization = format!(
        "{ALGORITHM} Credential={}/{short_date}/{}/{}/request, SignedHeaders={signed_headers}, Signature={signature}",
        creds.access_key, scope.region, scope.service
    );
    Signature {
        x_date: x_date.to_owned(),
        x_content_sha256,
        signed_headers,
        signature,
        authorization,
    }
}

/// Computes the signature over exactly the headers of `parts` (all of them are
/// signed). Returns the lowercase hex signature and the signed-header list.
fn compute_signature(
    secret: &Secret,
    scope: &Scope,
    parts: &RequestParts<'_>,
    payload_hash: &str,
    x_date: &str,
) -> (String, String) {
    let (canonical_headers, signed_headers) = canonical_headers(parts.headers);
    let canonical_request = [
        parts.method,
        parts.path,
        &canonical_query(parts.query),
        &canonical_headers,
        &signed_headers,
        payload_hash,
    ]
    .join("\n");
    let short_date = &x_date[..x_date.len().min(8)];
    let string_to_sign = format!(
        "{ALGORITHM}\n{x_date}\n{short_date}/{}/{}/request\n{}",
        scope.region,
        scope.service,
        sha256_hex(canonical_request.as_bytes())
    );
    let key = signing_key(secret, short_date, scope);
    let signature = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    (signature, signed_headers)
}

/// A parsed `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id named in the credential.
    pub access_key: String,
    /// `YYYYMMDD`.
    pub short_date: String,
    /// The scope named in the credential.
    pub scope: Scope,
    /// Lowercase header names, in the order given.
    pub signed_headers: Vec<String>,
    /// Hex signature.
    pub signature: String,
}

/// Parses `HMAC-SHA256 Credential=AK/20240501/cn-north-1/rtc/request, SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.trim().strip_prefix(ALGORITHM)?.trim_start();
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (key, val) = part.trim().split_once('=')?;
        match key {
            "Credential" => credential = Some(val),
            "SignedHeaders" => signed = Some(val),
            "Signature" => signature = Some(val),
            _ => {}
        }
    }
    let mut cred = credential?.split('/');
    let (access_key, short_date, region, service, terminator) = (
        cred.next()?,
        cred.next()?,
        cred.next()?,
        cred.next()?,
        cred.next()?,
    );
    if terminator != "request" || cred.next().is_some() {
        return None;
    }
    Some(Authorization {
        access_key: access_key.to_owned(),
        short_date: short_date.to_owned(),
        scope: Scope {
            region: region.to_owned(),
            service: service.to_owned(),
        },
        signed_headers: signed?.split(';').map(str::to_owned).collect(),
        signature: signature?.to_owned(),
    })
}

/// Why a received request's signature was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// A header the signature needs is absent (`Authorization`, `X-Date`, a signed one).
    Missing(String),
    /// The `Authorization` header could not be read.
    Malformed,
    /// `host` or `x-date` is not among the signed headers.
    UnsignedRequired(&'static str),
    /// The body does not hash to `X-Content-Sha256`.
    BodyHashMismatch,
    /// The signature is not the one the secret key gives.
    Mismatch,
}

/// Checks a received request's signature with the given secret key. `received`
/// holds every received header (any case) and the query pairs as received.
pub fn verify(
    secret: &Secret,
    auth: &Authorization,
    received: &RequestParts<'_>,
) -> Result<(), VerifyError> {
    for required in ["host", "x-date"] {
        if !auth.signed_headers.iter().any(|h| h == required) {
            return Err(VerifyError::UnsignedRequired(required));
        }
    }
    let x_date = received
        .header("x-date")
        .ok_or_else(|| VerifyError::Missing("X-Date".into()))?;
    let body_hash = sha256_hex(received.body);
    if let Some(claimed) = received.header("x-content-sha256")
        && claimed != body_hash
    {
        return Err(VerifyError::BodyHashMismatch);
    }
    let mut signed = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let value = received
            .header(name)
            .ok_or_else(|| VerifyError::Missing(name.clone()))?;
        signed.push((name.clone(), value.to_owned()));
    }
    let signed = RequestParts {
        headers: &signed,
        ..received.clone()
    };
    let (expected, _) = compute_signature(secret, &auth.scope, &signed, &body_hash, x_date);
    if constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Vectors {
        vectors: Vec<Vector>,
    }

    #[derive(Deserialize)]
    struct Vector {
        name: String,
        access_key: String,
        secret_key: String,
        session_token: String,
        service: String,
        region: String,
        method: String,
        path: String,
        query: Vec<(String, String)>,
        headers: Vec<(String, String)>,
        body: String,
        x_date: String,
        expected: Expected,
    }

    #[derive(Deserialize)]
    struct Expected {
        x_content_sha256: String,
        signed_headers: String,
        signature: String,
        authorization: String,
    }

    /// The vectors computed with the official SDK, kept as data beside the tests.
    const VECTORS: &str = include_str!("../../tests/data/sign-vectors.json");

    fn vectors() -> Vec<Vector> {
        serde_json::from_str::<Vectors>(VECTORS).unwrap().vectors
    }

    fn creds_of(v: &Vector) -> Credentials {
        Credentials {
            access_key: v.access_key.clone(),
            secret_key: Secret::new(&*v.secret_key),
            session_token: (!v.session_token.is_empty()).then(|| Secret::new(&*v.session_token)),
        }
    }

    fn scope_of(v: &Vector) -> Scope {
        Scope {
            region: v.region.clone(),
            service: v.service.clone(),
        }
    }

    /// Signs a vector's request at its fixed time.
    fn sign_vector(v: &Vector) -> Signature {
        let parts = RequestParts {
            method: &v.method,
            path: &v.path,
            query: &v.query,
            headers: &v.headers,
            body: v.body.as_bytes(),
        };
        sign(&creds_of(v), &scope_of(v), &parts, &v.x_date)
    }

    #[test]
    fn every_official_vector_is_reproduced_byte_for_byte() {
        let all = vectors();
        assert!(all.len() >= 9, "the vector file lost entries");
        for v in &all {
            let sig = sign_vector(v);
            assert_eq!(
                sig.x_content_sha256, v.expected.x_content_sha256,
                "{}",
                v.name
            );
            assert_eq!(sig.signed_headers, v.expected.signed_headers, "{}", v.name);
            assert_eq!(sig.signature, v.expected.signature, "{}", v.name);
            assert_eq!(sig.authorization, v.expected.authorization, "{}", v.name);
        }
    }

    #[test]
    fn verify_accepts_what_sign_produces_and_rejects_a_wrong_secret() {
        for v in vectors() {
            let creds = creds_of(&v);
            let sig = sign_vector(&v);
            let mut received = v.headers.clone();
            for (k, val) in sig.headers(creds.session_token.as_ref()) {
                received.push((k.to_owned(), val));
            }
            let auth = parse_authorization(&sig.authorization).expect("parses");
            assert_eq!(auth.access_key, v.access_key);
            let received = RequestParts {
                method: &v.method,
                path: &v.path,
                query: &v.query,
                headers: &received,
                body: v.body.as_bytes(),
            };
            assert_eq!(
                verify(&creds.secret_key, &auth, &received),
                Ok(()),
                "{}",
                v.name
            );
            let wrong = verify(&Secret::new("not-the-secret"), &auth, &received);
            assert_eq!(wrong, Err(VerifyError::Mismatch), "{}", v.name);
            let tampered = RequestParts {
                body: b"{}",
                ..received
            };
            let tampered = verify(&creds.secret_key, &auth, &tampered);
            assert_eq!(tampered, Err(VerifyError::BodyHashMismatch), "{}", v.name);
        }
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("a b*c/d~e"), "a%20b%2Ac%2Fd~e");
        assert_eq!(percent_encode("中"), "%E4%B8%AD");
        assert_eq!(percent_encode("A-Z_a.z~09"), "A-Z_a.z~09");
    }

    #[test]
    fn the_query_is_sorted_by_raw_key_before_encoding() {
        let q = |pairs: &[(&str, &str)]| {
            let owned: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            canonical_query(&owned)
        };
        // Encoded, "a%2F" would sort before "a-"; by raw key "a-" comes first.
        assert_eq!(q(&[("a/", "1"), ("a-", "2")]), "a-=2&a%2F=1");
        assert_eq!(q(&[("b", "2"), ("a", "1"), ("a", "0")]), "a=0&a=1&b=2");
    }

    #[test]
    fn host_header_drops_only_default_ports() {
        let h = |s: &str| host_header(&url::Url::parse(s).unwrap());
        assert_eq!(h("https://rtc.volcengineapi.com/"), "rtc.volcengineapi.com");
        assert_eq!(
            h("https://rtc.volcengineapi.com:443/"),
            "rtc.volcengineapi.com"
        );
        assert_eq!(h("http://127.0.0.1:8080/"), "127.0.0.1:8080");
        assert_eq!(h("http://[::1]:9000/"), "[::1]:9000");
    }

    #[test]
    fn x_date_format() {
        let t: jiff::Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        assert_eq!(format_x_date(t), "20240501T120000Z");
    }

    #[test]
    fn malformed_authorization_is_rejected() {
        assert!(parse_authorization("Bearer abc").is_none());
        assert!(parse_authorization("HMAC-SHA256 Credential=ak/2024/r/s, Signature=x").is_none());
        assert!(parse_authorization("HMAC-SHA256 garbage").is_none());
    }
}
