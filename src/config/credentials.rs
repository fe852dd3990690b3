//! Where credentials come from, first found wins: the environment, the config
//! file, then the two files the official Volcengine SDKs read (`~/.volc/credentials`,
//! `~/.volc/config`). A secret is never taken from the command line.

use super::{Config, ConfigError, secret_command, warn_if_readable_by_others};
use crate::api::sign::Credentials;
use crate::secret::Secret;
use std::fmt;
use std::path::{Path, PathBuf};

/// Environment variable of the access key id.
pub const ENV_ACCESS_KEY: &str = "VOLC_ACCESSKEY";
/// Environment variable of the secret key.
pub const ENV_SECRET_KEY: &str = "VOLC_SECRETKEY";
/// Environment variable of an STS session token.
pub const ENV_SESSION_TOKEN: &str = "VOLC_SESSION_TOKEN";

/// Where the credentials in use were found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// `VOLC_ACCESSKEY` / `VOLC_SECRETKEY`.
    Environment,
    /// The config file.
    ConfigFile(PathBuf),
    /// `~/.volc/credentials`.
    VolcCredentials(PathBuf),
    /// `~/.volc/config`.
    VolcConfig(PathBuf),
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Environment => write!(f, "the environment ({ENV_ACCESS_KEY})"),
            CredentialSource::ConfigFile(p)
            | CredentialSource::VolcCredentials(p)
            | CredentialSource::VolcConfig(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Credentials and where they came from.
#[derive(Clone, Debug)]
pub struct ResolvedCredentials {
    pub credentials: Credentials,
    pub source: CredentialSource,
}

/// Finds credentials: environment, config file, `~/.volc/credentials`, `~/.volc/config`.
/// `Ok(None)` when there are none anywhere. `env` reads an environment variable;
/// `home` is the home directory.
pub fn resolve_credentials(
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Option<ResolvedCredentials>, ConfigError> {
    let nonempty = |name: &str| env(name).filter(|v| !v.is_empty());
    let session_token = nonempty(ENV_SESSION_TOKEN).map(Secret::new);
    match (nonempty(ENV_ACCESS_KEY), nonempty(ENV_SECRET_KEY)) {
        (Some(ak), Some(sk)) => {
            return Ok(Some(ResolvedCredentials {
                credentials: Credentials {
                    access_key: ak,
                    secret_key: Secret::new(sk),
                    session_token,
                },
                source: CredentialSource::Environment,
            }));
        }
        (Some(_), None) => {
            return Err(ConfigError::Credentials(format!(
                "{ENV_ACCESS_KEY} is set but {ENV_SECRET_KEY} is not: set both, or neither"
            )));
        }
        (None, Some(_)) => {
            return Err(ConfigError::Credentials(format!(
                "{ENV_SECRET_KEY} is set but {ENV_ACCESS_KEY} is not: set both, or neither"
            )));
        }
        (None, None) => {}
    }
    if let Some(found) = from_config_file(config)? {
        return Ok(Some(found));
    }
    let Some(home) = home else { return Ok(None) };
    let ini_path = home.join(".volc").join("credentials");
    if let Some(found) = from_volc_credentials(&ini_path)? {
        return Ok(Some(found));
    }
    from_volc_config(&home.join(".volc").join("config"))
}

fn from_config_file(config: &Config) -> Result<Option<ResolvedCredentials>, ConfigError> {
    let file = &config.credentials;
    let path = config.path.clone().unwrap_or_default();
    let Some(ak) = file.access_key_id.clone().filter(|a| !a.is_empty()) else {
        if file.secret_access_key.is_some() || file.secret_key_command.is_some() {
            return Err(ConfigError::Credentials(format!(
                "{}: a secret key is configured but access_key_id is not",
                path.display()
            )));
        }
        return Ok(None);
    };
    let secret = if let Some(sk) = &file.secret_access_key {
        sk.clone()
    } else if let Some(cmd) = &file.secret_key_command {
        // The command itself is never shown: it may hold a secret of its own.
        secret_command::run(cmd, file.secret_key_command_timeout).map_err(|e| {
            ConfigError::Credentials(format!("{}: secret_key_command {e}", path.display()))
        })?
    } else {
        return Err(ConfigError::Credentials(format!(
            "{}: access_key_id is set but neither secret_access_key nor secret_key_command is",
            path.display()
        )));
    };
    Ok(Some(ResolvedCredentials {
        credentials: Credentials {
            access_key: ak,
            secret_key: secret,
            session_token: file.session_token.clone(),
        },
        source: CredentialSource::ConfigFile(path),
    }))
}

/// `~/.volc/credentials`: INI, section `[default]`, `access_key_id`,
/// `secret_access_key`, `session_token`. Read as the official SDKs read it: a UTF-8
/// BOM, CRLF line ends, `#` and `;` comments (inline ones too), quoted values and
/// section and key names in any case.
fn from_volc_credentials(path: &Path) -> Result<Option<ResolvedCredentials>, ConfigError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(None);
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let options = ini::ParseOption {
        enabled_quote: true,
        enabled_escape: false,
        ..ini::ParseOption::default()
    };
    // The parser's message quotes the offending text, which may be a secret: only
    // its position is shown.
    let parsed = ini::Ini::load_from_str_opt(text, options).map_err(|e| {
        ConfigError::Credentials(format!(
            "{}: not a valid INI file (line {}, column {})",
            path.display(),
            e.line,
            e.col
        ))
    })?;
    let Some(section) = parsed.section(Some("default")) else {
        return Ok(None);
    };
    let value = |key: &str| {
        section
            .get(key)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let (ak, sk, token) = (
        value("access_key_id"),
        value("secret_access_key"),
        value("session_token"),
    );
    match (ak, sk) {
        (Some(ak), Some(sk)) => {
            warn_if_readable_by_others(path);
            Ok(Some(ResolvedCredentials {
                credentials: Credentials {
                    access_key: ak,
                    secret_key: Secret::new(sk),
                    session_token: token.map(Secret::new),
                },
                source: CredentialSource::VolcCredentials(path.to_path_buf()),
            }))
        }
        (None, None) => Ok(None),
        _ => Err(ConfigError::Credentials(format!(
            "{}: [default] needs both access_key_id and secret_access_key",
            path.display()
        ))),
    }
}

/// `~/.volc/config`: JSON `{"ak": "...", "sk": "..."}`.
fn from_volc_config(path: &Path) -> Result<Option<ResolvedCredentials>, ConfigError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(None);
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // Never show the parse error's excerpt: it may quote the secret.
    let parsed: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        ConfigError::Credentials(format!(
            "{}: not valid JSON (line {}, column {})",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    let Some(object) = parsed.as_object() else {
        return Err(ConfigError::Credentials(format!(
            "{}: must be a JSON object such as {{\"ak\": \"...\", \"sk\": \"...\"}}, not {}",
            path.display(),
            json_kind(&parsed)
        )));
    };
    // A key of the wrong type is named, its value never shown.
    let string = |key: &str| match object.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
        Some(other) => Err(ConfigError::Credentials(format!(
            "{}: \"{key}\" must be a string, not {}",
            path.display(),
            json_kind(other)
        ))),
    };
    match (string("ak")?, string("sk")?) {
        (Some(ak), Some(sk)) => {
            warn_if_readable_by_others(path);
            Ok(Some(ResolvedCredentials {
                credentials: Credentials::new(ak, sk),
                source: CredentialSource::VolcConfig(path.to_path_buf()),
            }))
        }
        (None, None) => Ok(None),
        _ => Err(ConfigError::Credentials(format!(
            "{}: needs both \"ak\" and \"sk\"",
            path.display()
        ))),
    }
}

/// `a number`, `an array`...: what a JSON value is, without its content.
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "true or false",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::file::parse;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn config_with(text: &str) -> Config {
        let path = PathBuf::from("/tmp/volc-im-test.toml");
        Config::from_file(Some(path.clone()), parse(&path, text).unwrap())
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::create_dir_all(dir.join(".volc")).unwrap();
        std::fs::write(dir.join(".volc").join(name), text).unwrap();
    }

    #[test]
    fn the_environment_wins() {
        let home = tempfile::tempdir().unwrap();
        write(
            home.path(),
            "credentials",
            "[default]\naccess_key_id = FILEAK\nsecret_access_key = FILESK\n",
        );
        let cfg = config_with("access_key_id = \"CFGAK\"\nsecret_access_key = \"CFGSK\"");
        let env = env_of(&[
            ("VOLC_ACCESSKEY", "ENVAK"),
            ("VOLC_SECRETKEY", "ENVSK"),
            ("VOLC_SESSION_TOKEN", "TOK"),
        ]);
        let r = resolve_credentials(&cfg, &env, Some(home.path()))
            .unwrap()
            .unwrap();
        assert_eq!(r.source, CredentialSource::Environment);
        assert_eq!(r.credentials.access_key, "ENVAK");
        assert_eq!(r.credentials.secret_key.expose(), "ENVSK");
        assert_eq!(r.credentials.session_token.unwrap().expose(), "TOK");
    }

    #[test]
    fn half_an_env_pair_is_an_error() {
        let err = resolve_credentials(
            &Config::default(),
            &env_of(&[("VOLC_ACCESSKEY", "A")]),
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("VOLC_SECRETKEY"));
    }

    #[test]
    fn then_the_config_file_inline_or_by_command() {
        let cfg = config_with("access_key_id = \"CFGAK\"\nsecret_access_key = \"CFGSK\"");
        let r = resolve_credentials(&cfg, &env_of(&[]), None)
            .unwrap()
            .unwrap();
        assert_eq!(r.credentials.secret_key.expose(), "CFGSK");
        assert!(matches!(r.source, CredentialSource::ConfigFile(_)));

        let cfg = config_with(
            "access_key_id = \"CFGAK\"\nsecret_key_command = \"printf 'from-cmd\\\\n'\"",
        );
        let r = resolve_credentials(&cfg, &env_of(&[]), None)
            .unwrap()
            .unwrap();
        assert_eq!(r.credentials.secret_key.expose(), "from-cmd");

        let cfg = config_with(
            "access_key_id = \"CFGAK\"\nsecret_key_command = \"echo $((6*7))-printed; exit 3\"",
        );
        let err = resolve_credentials(&cfg, &env_of(&[]), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("failed"), "{err}");
        assert!(
            !err.contains("42-printed"),
            "the output is never shown: {err}"
        );
        assert!(!err.contains("6*7"), "the command is never shown: {err}");
    }

    #[test]
    fn a_hanging_secret_command_times_out_as_configured() {
        let cfg = config_with(
            "access_key_id = \"CFGAK\"\nsecret_key_command = \"sleep 20 # pass-SECRET\"\nsecret_key_command_timeout_secs = 0.2",
        );
        let started = std::time::Instant::now();
        let err = resolve_credentials(&cfg, &env_of(&[]), None)
            .unwrap_err()
            .to_string();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(err.contains("did not finish within 0.2s"), "{err}");
        assert!(!err.contains("pass-SECRET"), "{err}");
    }

    #[test]
    fn the_sdk_credentials_file_is_read_as_the_sdks_read_ini() {
        let home = tempfile::tempdir().unwrap();
        write(
            home.path(),
            "credentials",
            "\u{feff}; made by hand\r\n[other]\r\naccess_key_id = NO\r\n[Default]\r\n\
             Access_Key_Id = INIAK   # the id\r\nSECRET_ACCESS_KEY = \"INISK\" ; the key\r\n",
        );
        let r = resolve_credentials(&Config::default(), &env_of(&[]), Some(home.path()))
            .unwrap()
            .unwrap();
        assert_eq!(r.credentials.access_key, "INIAK");
        assert_eq!(r.credentials.secret_key.expose(), "INISK");
        assert!(r.credentials.session_token.is_none());
    }

    #[test]
    fn a_non_string_value_in_the_sdk_config_names_its_key() {
        let home = tempfile::tempdir().unwrap();
        write(home.path(), "config", r#"{"ak": "A", "sk": 123456789}"#);
        let err = resolve_credentials(&Config::default(), &env_of(&[]), Some(home.path()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"sk\" must be a string, not a number"),
            "{err}"
        );
        assert!(!err.contains("123456789"), "{err}");
        write(home.path(), "config", "\u{feff}[1]");
        let err = resolve_credentials(&Config::default(), &env_of(&[]), Some(home.path()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("must be a JSON object"), "{err}");
    }

    #[test]
    fn then_the_sdk_credentials_file_then_the_sdk_config_file() {
        let home = tempfile::tempdir().unwrap();
        write(home.path(), "config", r#"{"ak": "JSONAK", "sk": "JSONSK"}"#);
        let r = resolve_credentials(&Config::default(), &env_of(&[]), Some(home.path()))
            .unwrap()
            .unwrap();
        assert_eq!(r.credentials.access_key, "JSONAK");
        assert!(matches!(r.source, CredentialSource::VolcConfig(_)));

        write(
            home.path(),
            "credentials",
            "# comment\n[other]\naccess_key_id = NO\n[default]\naccess_key_id = INIAK\nsecret_access_key = INISK\n",
        );
        let r = resolve_credentials(&Config::default(), &env_of(&[]), Some(home.path()))
            .unwrap()
            .unwrap();
        assert_eq!(r.credentials.access_key, "INIAK");
        assert_eq!(r.credentials.secret_key.expose(), "INISK");
    }

    #[test]
    fn none_anywhere_is_none() {
        let home = tempfile::tempdir().unwrap();
        assert!(
            resolve_credentials(&Config::default(), &env_of(&[]), Some(home.path()))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_broken_sdk_config_does_not_quote_the_secret() {
        let home = tempfile::tempdir().unwrap();
        write(
            home.path(),
            "config",
            r#"{"ak": "A", "sk": "SUPERSECRET" oops}"#,
        );
        let err = resolve_credentials(&Config::default(), &env_of(&[]), Some(home.path()))
            .unwrap_err()
            .to_string();
        assert!(!err.contains("SUPERSECRET"), "{err}");
    }
}
