//! The TOML file: its keys, and errors that name the file, the line and the key.

use serde::Deserialize;
use std::path::Path;

use super::ConfigError;
use super::browser::BrowserConfig;
use crate::api::client::MAX_ATTEMPTS_LIMIT;
use crate::secret::Secret;

/// The highest `max_qps` the file or `--max-qps` may set. The service allows 100
/// per account; this is high enough that the client is never what limits an
/// export from a local server.
pub const MAX_QPS_SETTING: u32 = 1_000_000;
/// The lowest `max_response_bytes` the file may set: a page of messages needs more.
pub const MIN_RESPONSE_BYTES_SETTING: u64 = 64 * 1024;
/// The highest `max_response_bytes` the file may set (4 GiB).
pub const MAX_RESPONSE_BYTES_SETTING: u64 = 4 * 1024 * 1024 * 1024;
/// The bounds of `follow_interval_ms`: faster spends the rate limit every command
/// shares for nothing a reader sees; slower than an hour is not following.
pub const FOLLOW_INTERVAL_MS_MIN: u64 = 250;
pub const FOLLOW_INTERVAL_MS_MAX: u64 = 3_600_000;

/// The configuration file as written. Unknown keys are errors, so typos never pass
/// silently. `config.example.toml` documents every key. Secrets are [`Secret`]s, so
/// that printing the configuration never shows them.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    /// Never shown, not even in debug output: it may hold a secret of its own.
    pub secret_key_command: Option<Secret>,
    pub secret_key_command_timeout_secs: Option<f64>,
    pub session_token: Option<Secret>,
    pub connect_timeout_secs: Option<f64>,
    pub timeout_secs: Option<f64>,
    pub max_qps: Option<u32>,
    pub max_attempts: Option<u32>,
    pub max_retry_seconds: Option<f64>,
    pub max_response_bytes: Option<u64>,
    pub newest_cursor: Option<i64>,
    /// How often the browser looks for new messages in the open conversation.
    pub follow_interval_ms: Option<u64>,
    pub user_id: Option<i64>,
    pub app_id: Option<i64>,
    pub archive: Option<std::path::PathBuf>,
    #[serde(default)]
    pub conversations: Vec<NamedConversation>,
    /// The browser's key map, colours and copy command: checked here for their
    /// general shape, and kept with their positions in [`ConfigFile::browser`].
    pub keys: Option<toml::Table>,
    pub theme: Option<toml::Table>,
    pub copy_command: Option<String>,
    /// The browser's sections with their positions, from the same parse.
    #[serde(skip)]
    pub browser: BrowserConfig,
}

/// A conversation the user named in the config file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedConversation {
    /// What the user calls it.
    pub name: String,
    /// Its application.
    pub app_id: i64,
    /// Its `ConversationShortId`.
    pub conversation_id: i64,
    /// A live group (read newest-first only).
    #[serde(default)]
    pub live: bool,
}

impl NamedConversation {
    /// A conversation the service listed, under its name (else its id).
    pub fn listed(app: crate::model::AppId, info: &crate::model::ConversationInfo) -> Self {
        NamedConversation {
            name: info
                .name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| info.conversation_short_id.to_string()),
            app_id: app.0,
            conversation_id: info.conversation_short_id.0,
            live: info.kind() == crate::model::ConversationKind::LiveGroup,
        }
    }
}

impl ConfigFile {
    /// True when the file holds a secret inline.
    pub fn holds_secret(&self) -> bool {
        self.secret_access_key.is_some() || self.session_token.is_some()
    }
}

/// Parses and checks the file's text.
pub(crate) fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
    let document = toml::de::DeTable::parse(text).map_err(|e| invalid(path, text, &e))?;
    let browser = BrowserConfig::read(document.clone(), text);
    let mut file = ConfigFile::deserialize(toml::de::Deserializer::from(document))
        .map_err(|e| invalid(path, text, &e))?;
    file.browser = browser;
    let value_err = |message: String| ConfigError::Value {
        path: path.to_path_buf(),
        message,
    };
    if let Some(qps) = file.max_qps
        && !(1..=MAX_QPS_SETTING).contains(&qps)
    {
        return Err(value_err(format!(
            "max_qps must be from 1 to {MAX_QPS_SETTING}"
        )));
    }
    if let Some(n) = file.max_attempts
        && !(1..=MAX_ATTEMPTS_LIMIT).contains(&n)
    {
        return Err(value_err(format!(
            "max_attempts must be from 1 to {MAX_ATTEMPTS_LIMIT} (1 = no retry)"
        )));
    }
    if let Some(n) = file.max_response_bytes
        && !(MIN_RESPONSE_BYTES_SETTING..=MAX_RESPONSE_BYTES_SETTING).contains(&n)
    {
        return Err(value_err(format!(
            "max_response_bytes must be from {MIN_RESPONSE_BYTES_SETTING} to {MAX_RESPONSE_BYTES_SETTING}"
        )));
    }
    if let Some(ms) = file.follow_interval_ms
        && !(FOLLOW_INTERVAL_MS_MIN..=FOLLOW_INTERVAL_MS_MAX).contains(&ms)
    {
        return Err(value_err(format!(
            "follow_interval_ms must be from {FOLLOW_INTERVAL_MS_MIN} to {FOLLOW_INTERVAL_MS_MAX} (milliseconds)"
        )));
    }
    for (key, secs) in [
        ("connect_timeout_secs", file.connect_timeout_secs),
        ("timeout_secs", file.timeout_secs),
        (
            "secret_key_command_timeout_secs",
            file.secret_key_command_timeout_secs,
        ),
        ("max_retry_seconds", file.max_retry_seconds),
    ] {
        if let Some(s) = secs
            && !(s.is_finite() && s > 0.0 && s <= 86_400.0)
        {
            return Err(value_err(format!(
                "{key} must be a number of seconds above 0"
            )));
        }
    }
    if file.secret_access_key.is_some() && file.secret_key_command.is_some() {
        return Err(value_err(
            "give either secret_access_key or secret_key_command, not both".into(),
        ));
    }
    let mut names = std::collections::HashSet::new();
    for c in &file.conversations {
        if !names.insert(c.name.as_str()) {
            return Err(value_err(format!(
                "two conversations are named {:?}",
                c.name
            )));
        }
    }
    Ok(file)
}

/// Keys whose values are secret: an error about them never repeats the value.
const SECRET_KEYS: &[&str] = &["secret_access_key", "session_token", "secret_key_command"];

/// Turns a TOML error into one that names the line and the key. The line's text is
/// never repeated (it may be a secret on a line of its own), and neither is a
/// secret key's value: only a key that looks like one is named.
fn invalid(path: &Path, text: &str, err: &toml::de::Error) -> ConfigError {
    let start = err.span().map(|s| s.start).unwrap_or(0).min(text.len());
    let line = text[..start].matches('\n').count() + 1;
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let key = line_text
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches(|c| c == '"' || c == '\''))
        .filter(|k| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        });
    let table = line_text.trim();
    let (key, message) = match key {
        Some(key) if SECRET_KEYS.contains(&key) => (
            key.to_owned(),
            "must be a quoted string (the value is not repeated here)".to_owned(),
        ),
        Some(key) => (key.to_owned(), err.message().trim().to_owned()),
        None if table.starts_with('[') => (
            table.trim_matches(|c| c == '[' || c == ']').to_owned(),
            err.message().trim().to_owned(),
        ),
        None => (
            "(no key)".to_owned(),
            "not a `key = value` line (its text is not repeated here)".to_owned(),
        ),
    };
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        key,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<ConfigFile, ConfigError> {
        parse(Path::new("/tmp/c.toml"), text)
    }

    #[test]
    fn the_example_file_parses() {
        let file = parse_str(include_str!("../../config.example.toml")).unwrap();
        assert!(!file.conversations.is_empty());
    }

    #[test]
    fn an_unknown_key_names_file_line_and_key() {
        let err = parse_str("region = \"cn-north-1\"\nmax_qsp = 5\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/c.toml:2: max_qsp:"), "{err}");
        assert!(err.contains("unknown field"), "{err}");
    }

    #[test]
    fn a_wrong_type_names_the_key() {
        let err = parse_str("\n\nmax_qps = \"fast\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/c.toml:3: max_qps:"), "{err}");
    }

    #[test]
    fn an_unknown_key_in_a_conversation_is_caught() {
        let text =
            "[[conversations]]\nname = \"a\"\napp_id = 1\nconversation_id = 2\nlvie = true\n";
        let err = parse_str(text).unwrap_err().to_string();
        assert!(err.contains(":5: lvie:"), "{err}");
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(parse_str("max_qps = 0").is_err());
        assert!(parse_str("max_qps = 4000000000").is_err());
        assert!(parse_str("timeout_secs = -1.0").is_err());
        assert!(parse_str("secret_access_key = \"a\"\nsecret_key_command = \"b\"").is_err());
        let dup = "[[conversations]]\nname=\"a\"\napp_id=1\nconversation_id=2\n[[conversations]]\nname=\"a\"\napp_id=1\nconversation_id=3\n";
        assert!(parse_str(dup).is_err());
    }

    #[test]
    fn retries_and_answers_are_bounded() {
        let err = parse_str("max_attempts = 21").unwrap_err().to_string();
        assert!(err.contains("max_attempts must be from 1 to 20"), "{err}");
        assert!(parse_str("max_attempts = 0").is_err());
        assert!(parse_str("max_attempts = 20").is_ok());
        let err = parse_str("max_retry_seconds = 0").unwrap_err().to_string();
        assert!(err.contains("max_retry_seconds"), "{err}");
        assert!(parse_str("max_retry_seconds = 90.5").is_ok());
        for bad in ["follow_interval_ms = 10", "follow_interval_ms = 3600001"] {
            let err = parse_str(bad).unwrap_err().to_string();
            assert!(
                err.contains("follow_interval_ms must be from 250 to 3600000"),
                "{err}"
            );
        }
        assert_eq!(
            parse_str("follow_interval_ms = 5000")
                .unwrap()
                .follow_interval_ms,
            Some(5000)
        );
        let err = parse_str("max_response_bytes = 10")
            .unwrap_err()
            .to_string();
        assert!(err.contains("max_response_bytes must be from"), "{err}");
        let ok = parse_str("max_response_bytes = 1048576").unwrap();
        assert_eq!(ok.max_response_bytes, Some(1_048_576));
    }

    #[test]
    fn debug_output_hides_the_secrets() {
        let file =
            parse_str("secret_access_key = \"sk-hidden\"\nsession_token = \"tok-hidden\"").unwrap();
        let shown = format!("{file:?}");
        assert!(
            !shown.contains("sk-hidden") && !shown.contains("tok-hidden"),
            "{shown}"
        );
        let file = parse_str("secret_key_command = \"vault read -pw=cmd-hidden\"").unwrap();
        let shown = format!("{file:?}");
        assert!(!shown.contains("cmd-hidden"), "{shown}");
    }

    #[test]
    fn errors_never_repeat_a_secret() {
        for text in [
            "secret_access_key =\nSuperSecretValue123\n",
            "region = \"cn-north-1\"\nSuperSecretValue123\n",
            "secret_access_key = 123456789\n",
            "session_token = SuperSecretValue123\n",
        ] {
            let err = parse_str(text).unwrap_err().to_string();
            assert!(
                !err.contains("SuperSecretValue123") && !err.contains("123456789"),
                "{err}"
            );
            assert!(err.starts_with("/tmp/c.toml:"), "{err}");
        }
        let err = parse_str("secret_access_key = 123456789\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/tmp/c.toml:1: secret_access_key:"),
            "{err}"
        );
    }

    #[test]
    fn broken_toml_names_the_line() {
        let err = parse_str("region = \"cn-north-1\"\nendpoint = \n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/c.toml:2: endpoint:"), "{err}");
    }
}
