//! Configuration: a TOML file in the platform config directory, and credentials
//! from the places the official Volcengine SDKs use.

mod browser;
mod credentials;
mod file;
pub mod secret_command;

pub use browser::{BrowserConfig, BrowserSections};
pub use credentials::{CredentialSource, ResolvedCredentials, resolve_credentials};
pub use file::{
    ConfigFile, FOLLOW_INTERVAL_MS_MAX, FOLLOW_INTERVAL_MS_MIN, MAX_QPS_SETTING, NamedConversation,
};

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::api::client::{
    ClientSettings, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_QPS, DEFAULT_TIMEOUT,
};
use crate::api::client::{DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRY_TIME};

/// The region used when none is configured.
pub const DEFAULT_REGION: &str = "cn-north-1";
/// How often the browser looks for new messages unless `follow_interval_ms` says.
pub const DEFAULT_FOLLOW_INTERVAL_MS: u64 = 2000;

/// Errors in configuration: each names the file (and, for a malformed file, the
/// line and the key) and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The file is not valid TOML or has a bad key or value.
    #[error("{path}:{line}: {key}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("{path}: {message}")]
    Value { path: PathBuf, message: String },
    /// The endpoint is not acceptable.
    #[error("{0}")]
    Endpoint(String),
    /// Credentials were found but are incomplete or could not be read.
    #[error("{0}")]
    Credentials(String),
}

/// The configuration in effect: the file's values with defaults filled in.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where it was read from, if a file existed.
    pub path: Option<PathBuf>,
    /// The signing region.
    pub region: String,
    /// The endpoint given in the file, if any (else derived from the region).
    pub endpoint: Option<String>,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Requests per second for the whole process.
    pub max_qps: u32,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// The most time one call may take, its retries included.
    pub max_retry_time: Duration,
    /// The most bytes read from one answer.
    pub max_response_bytes: u64,
    /// Where a newest-first walk starts.
    pub newest_cursor: i64,
    /// How often the browser looks for new messages in the open conversation.
    pub follow_interval: Duration,
    /// The user's own user id, for listing their conversations.
    pub user_id: Option<i64>,
    /// The app id used when a conversation is given by id alone.
    pub app_id: Option<i64>,
    /// The archive file, when configured (`archive = "PATH"`).
    pub archive: Option<PathBuf>,
    /// Conversations the user named.
    pub conversations: Vec<NamedConversation>,
    /// The browser's sections (`[keys]`, `[theme]`, `copy_command`) with their positions.
    pub browser: BrowserConfig,
    /// The file's credential entries, for [`resolve_credentials`].
    pub(crate) credentials: FileCredentials,
}

/// The credential entries of the configuration file.
#[derive(Clone, Debug)]
pub(crate) struct FileCredentials {
    pub(crate) access_key_id: Option<String>,
    pub(crate) secret_access_key: Option<crate::secret::Secret>,
    pub(crate) secret_key_command: Option<crate::secret::Secret>,
    pub(crate) secret_key_command_timeout: Duration,
    pub(crate) session_token: Option<crate::secret::Secret>,
}

impl Default for Config {
    fn default() -> Self {
        Config::from_file(None, ConfigFile::default())
    }
}

impl Config {
    fn from_file(path: Option<PathBuf>, file: ConfigFile) -> Config {
        let ConfigFile {
            region,
            endpoint,
            access_key_id,
            secret_access_key,
            secret_key_command,
            secret_key_command_timeout_secs,
            session_token,
            connect_timeout_secs,
            timeout_secs,
            max_qps,
            max_attempts,
            max_retry_seconds,
            max_response_bytes,
            newest_cursor,
            follow_interval_ms,
            user_id,
            app_id,
            archive,
            conversations,
            // Their general shape is checked; the browser reads them from `browser`.
            keys: _,
            theme: _,
            copy_command: _,
            browser,
        } = file;
        Config {
            path,
            region: region.unwrap_or_else(|| DEFAULT_REGION.into()),
            endpoint,
            connect_timeout: connect_timeout_secs
                .map(Duration::from_secs_f64)
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            timeout: timeout_secs
                .map(Duration::from_secs_f64)
                .unwrap_or(DEFAULT_TIMEOUT),
            max_qps: max_qps.unwrap_or(DEFAULT_MAX_QPS),
            max_attempts: max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
            max_retry_time: max_retry_seconds
                .map(Duration::from_secs_f64)
                .unwrap_or(DEFAULT_MAX_RETRY_TIME),
            max_response_bytes: max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            newest_cursor: newest_cursor.unwrap_or(i64::MAX),
            follow_interval: Duration::from_millis(
                follow_interval_ms.unwrap_or(DEFAULT_FOLLOW_INTERVAL_MS),
            ),
            user_id,
            app_id,
            archive,
            conversations,
            browser,
            credentials: FileCredentials {
                access_key_id,
                secret_access_key,
                secret_key_command,
                secret_key_command_timeout: secret_key_command_timeout_secs
                    .map(Duration::from_secs_f64)
                    .unwrap_or(secret_command::DEFAULT_TIMEOUT),
                session_token,
            },
        }
    }

    /// The default file: `config.toml` in the platform config directory
    /// (Linux: `~/.config/volc-im/config.toml`).
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "volc-im")
            .map(|dirs| dirs.config_dir().join("config.toml"))
    }

    /// Reads the given file, or the default one. A missing default file means
    /// defaults; a missing file given explicitly is an error.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, must_exist) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => match Config::default_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                return Ok(Config::default());
            }
            Err(error) => return Err(ConfigError::Read { path, error }),
        };
        let file = file::parse(&path, &text)?;
        if file.holds_secret() {
            warn_if_readable_by_others(&path);
        }
        Ok(Config::from_file(Some(path), file))
    }

    /// The configuration that `text`, the content of the file at `path`, gives.
    pub fn from_text(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let file = file::parse(path, text)?;
        Ok(Config::from_file(Some(path.to_path_buf()), file))
    }

    /// Finds a configured conversation by name.
    pub fn conversation(&self, name: &str) -> Option<&NamedConversation> {
        self.conversations.iter().find(|c| c.name == name)
    }

    /// The endpoint to call: `override_endpoint`, else the file's, else the region's.
    /// An `http://` endpoint that is not loopback is refused unless `allow_insecure_http`.
    pub fn endpoint_url(
        &self,
        override_endpoint: Option<&str>,
        region: &str,
        allow_insecure_http: bool,
    ) -> Result<url::Url, ConfigError> {
        let text = match override_endpoint.or(self.endpoint.as_deref()) {
            Some(e) => e.to_owned(),
            None => default_endpoint(region)
                .ok_or_else(|| {
                    ConfigError::Endpoint(format!(
                        "no known endpoint for region {region:?}: set `endpoint` in the config file or pass --endpoint"
                    ))
                })?
                .to_owned(),
        };
        let url = url::Url::parse(&text)
            .map_err(|e| ConfigError::Endpoint(format!("endpoint {text:?} is not a URL: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) || allow_insecure_http => {}
            "http" => {
                return Err(ConfigError::Endpoint(format!(
                    "endpoint {text} is plain http to a host that is not loopback: requests and \
                     signatures would travel unencrypted. Use https, or pass --allow-insecure-http"
                )));
            }
            other => {
                return Err(ConfigError::Endpoint(format!(
                    "endpoint {text} has scheme {other:?}; use https://"
                )));
            }
        }
        if url.host().is_none() {
            return Err(ConfigError::Endpoint(format!(
                "endpoint {text} has no host"
            )));
        }
        Ok(url)
    }

    /// Client settings from this configuration, for an endpoint and region.
    pub fn client_settings(&self, endpoint: url::Url, region: &str) -> ClientSettings {
        ClientSettings {
            endpoint,
            region: region.to_owned(),
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            max_qps: self.max_qps,
            max_attempts: self.max_attempts,
            max_retry_time: self.max_retry_time,
            max_response_bytes: self.max_response_bytes,
        }
    }
}

/// The endpoint of a region, for the regions the service documents.
pub fn default_endpoint(region: &str) -> Option<&'static str> {
    match region {
        "cn-north-1" => Some("https://rtc.volcengineapi.com"),
        "ap-southeast-1" => Some("https://open-ap-singapore-1.volcengineapi.com"),
        _ => None,
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Warns on stderr when a file holding a secret can be read by group or others.
pub(crate) fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            eprintln!(
                "warning: {} holds a secret and can be read by other users (mode {:o}); run: chmod 600 {}",
                path.display(),
                meta.permissions().mode() & 0o777,
                path.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_follow_the_region_and_refuse_plain_http_off_loopback() {
        let c = Config::default();
        assert_eq!(
            c.endpoint_url(None, "cn-north-1", false).unwrap().as_str(),
            "https://rtc.volcengineapi.com/"
        );
        assert_eq!(
            c.endpoint_url(None, "ap-southeast-1", false)
                .unwrap()
                .host_str(),
            Some("open-ap-singapore-1.volcengineapi.com")
        );
        assert!(c.endpoint_url(None, "mars-1", false).is_err());
        assert!(
            c.endpoint_url(Some("http://127.0.0.1:9"), "cn-north-1", false)
                .is_ok()
        );
        assert!(
            c.endpoint_url(Some("http://localhost:9"), "cn-north-1", false)
                .is_ok()
        );
        assert!(
            c.endpoint_url(Some("http://[::1]:9"), "cn-north-1", false)
                .is_ok()
        );
        let err = c
            .endpoint_url(Some("http://im.example.com"), "cn-north-1", false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--allow-insecure-http"), "{err}");
        assert!(
            c.endpoint_url(Some("http://im.example.com"), "cn-north-1", true)
                .is_ok()
        );
        assert!(c.endpoint_url(Some("ftp://x"), "cn-north-1", true).is_err());
    }

    #[test]
    fn an_explicit_missing_file_is_an_error() {
        let err = Config::load(Some(Path::new("/nonexistent/volc-im.toml"))).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/volc-im.toml"),
            "{err}"
        );
    }
}
