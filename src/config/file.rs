//! The TOML file: its keys, and errors that name the file, the line and the key.

use serde::Deserialize;
use std::path::Path;

use super::ConfigError;

/// The highest `max_qps` the file may set (the service allows 100 per account).
pub const MAX_QPS_SETTING: u32 = 10_000;

/// The configuration file as written. Unknown keys are errors, so typos never pass
/// silently. `config.example.toml` documents every key.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub secret_key_command: Option<String>,
    pub session_token: Option<String>,
    pub connect_timeout_secs: Option<f64>,
    pub timeout_secs: Option<f64>,
    pub max_qps: Option<u32>,
    pub max_attempts: Option<u32>,
    pub newest_cursor: Option<i64>,
    pub user_id: Option<i64>,
    pub app_id: Option<i64>,
    #[serde(default)]
    pub conversations: Vec<NamedConversation>,
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

impl ConfigFile {
    /// True when the file holds a secret inline.
    pub fn holds_secret(&self) -> bool {
        self.secret_access_key.is_some() || self.session_token.is_some()
    }
}

/// Parses and checks the file's text.
pub(crate) fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| invalid(path, text, &e))?;
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
    if file.max_attempts == Some(0) {
        return Err(value_err(
            "max_attempts must be at least 1 (1 = no retry)".into(),
        ));
    }
    for (key, secs) in [
        ("connect_timeout_secs", file.connect_timeout_secs),
        ("timeout_secs", file.timeout_secs),
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

/// Turns a TOML error into one that names the line and the key.
fn invalid(path: &Path, text: &str, err: &toml::de::Error) -> ConfigError {
    let start = err.span().map(|s| s.start).unwrap_or(0).min(text.len());
    let line = text[..start].matches('\n').count() + 1;
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let key = line_text
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| line_text.trim())
        .trim_matches(|c| c == '[' || c == ']')
        .to_owned();
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        key: if key.is_empty() { "(file)".into() } else { key },
        message: err.message().trim().to_owned(),
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
    fn broken_toml_names_the_line() {
        let err = parse_str("region = \"cn-north-1\"\nendpoint = \n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/c.toml:2: endpoint:"), "{err}");
    }
}
