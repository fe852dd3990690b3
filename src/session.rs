//! From command-line options to a ready client: configuration, credentials,
//! endpoint, and the in-process demo server when there is no account to use.

use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::api::client::{Client, DEFAULT_MAX_QPS};
use crate::config::{Config, MAX_QPS_SETTING, NamedConversation, resolve_credentials};
use crate::demo::{DemoOptions, DemoServer, demo_credentials};

/// How to reach the service: shared by every command that calls it.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ConnectArgs {
    /// Configuration file [default: config.toml in the platform config directory]
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// OpenAPI endpoint, e.g. https://rtc.volcengineapi.com [default: from the region]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Signing region; also picks the region's endpoint unless --endpoint is given
    /// [default: from the config file, else cn-north-1]
    #[arg(long)]
    pub region: Option<String>,
    /// Allow a plain http:// endpoint that is not loopback
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// Use the built-in demo data, served by an in-process demo server
    #[arg(long, conflicts_with_all = ["endpoint", "region"])]
    pub demo: bool,
    /// Requests a second for the whole process [default: max_qps from the config file, else 100,
    /// the service's documented limit]
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_QPS_SETTING)))]
    pub max_qps: Option<u32>,
}

/// The warning for a request rate above the service's documented limit, if it is.
pub fn max_qps_warning(max_qps: u32) -> Option<String> {
    (max_qps > DEFAULT_MAX_QPS).then(|| {
        format!(
            "warning: {max_qps} requests a second is above the service's documented limit of \
             {DEFAULT_MAX_QPS}; it refuses requests over its limit (HTTP 429), which are then \
             retried with backoff"
        )
    })
}

/// What to do when no credentials are found anywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoFallback {
    /// Fail with a message saying where credentials go.
    Never,
    /// Start on the demo data (the browser does this, so it runs with no setup).
    WhenNoCredentials,
}

/// A configured client, ready to call.
#[derive(Debug)]
pub struct Session {
    /// The client every request goes through (one rate limiter for the process).
    pub client: Client,
    /// The configuration in effect.
    pub config: Config,
    /// The in-process demo server, while in demo mode; dropping it stops it.
    pub demo: Option<DemoServer>,
    /// True in demo mode.
    pub is_demo: bool,
}

/// One line on how to use a real account, shown in demo mode and when credentials are missing.
pub const CONFIGURE_HINT: &str = "set VOLC_ACCESSKEY and VOLC_SECRETKEY (or ~/.volc/credentials, or access_key_id in the config file) to read your own conversations";

impl ConnectArgs {
    /// Loads the configuration, finds credentials and builds the client. With
    /// `--demo`, or with no credentials and [`DemoFallback::WhenNoCredentials`],
    /// starts the in-process demo server and points the client at it.
    pub async fn open(&self, fallback: DemoFallback) -> anyhow::Result<Session> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(max_qps) = self.max_qps {
            config.max_qps = max_qps;
        }
        if let Some(warning) = max_qps_warning(config.max_qps) {
            eprintln!("volc-im: {warning}");
        }
        if self.demo {
            return Session::demo(config).await;
        }
        let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
        let resolved = resolve_credentials(&config, &|k| std::env::var(k).ok(), home.as_deref())?;
        let Some(resolved) = resolved else {
            if fallback == DemoFallback::WhenNoCredentials && self.endpoint.is_none() {
                return Session::demo(config).await;
            }
            bail!("no credentials found: {CONFIGURE_HINT}; or try the demo data with --demo");
        };
        let region = self.region.clone().unwrap_or_else(|| config.region.clone());
        // `--region` alone picks that region's endpoint over the file's: the request
        // must go where its signature's region says.
        let endpoint_override = self.endpoint.clone().or_else(|| {
            self.region
                .as_deref()
                .and_then(crate::config::default_endpoint)
                .map(str::to_owned)
        });
        let endpoint = config.endpoint_url(
            endpoint_override.as_deref(),
            &region,
            self.allow_insecure_http,
        )?;
        tracing::info!(endpoint = %endpoint, region, source = %resolved.source, access_key = %resolved.credentials.access_key, "connecting");
        let client = Client::new(
            config.client_settings(endpoint, &region),
            resolved.credentials,
        )?;
        Ok(Session {
            client,
            config,
            demo: None,
            is_demo: false,
        })
    }
}

impl Session {
    /// A session on the in-process demo server, with its demo key pair.
    pub async fn demo(config: Config) -> anyhow::Result<Session> {
        let server = DemoServer::start(DemoOptions::default())
            .await
            .context("cannot start the demo server on loopback")?;
        let endpoint: url::Url = server.endpoint().parse().context("demo server address")?;
        let settings = config.client_settings(endpoint, crate::config::DEFAULT_REGION);
        tracing::info!(endpoint = %server.endpoint(), "demo mode");
        let client = Client::new(settings, demo_credentials())?;
        Ok(Session {
            client,
            config,
            demo: Some(server),
            is_demo: true,
        })
    }

    /// The conversations to offer: the demo's in demo mode, else the configured ones.
    pub fn named_conversations(&self) -> Vec<NamedConversation> {
        if self.is_demo {
            demo_conversations()
        } else {
            self.config.conversations.clone()
        }
    }
}

/// The demo app's conversations, by the short names the command line takes:
/// `demo-group`, `demo-direct`, `demo-live`.
pub fn demo_conversations() -> Vec<NamedConversation> {
    let data = crate::demo::demo_data();
    data.conversations()
        .iter()
        .map(|c| {
            let live = c.kind() == crate::model::ConversationKind::LiveGroup;
            let handle = match c.kind() {
                crate::model::ConversationKind::LiveGroup => "demo-live",
                crate::model::ConversationKind::OneToOne => "demo-direct",
                _ => "demo-group",
            };
            NamedConversation {
                name: handle.to_owned(),
                app_id: data.app_id().0,
                conversation_id: c.id().0,
                live,
            }
        })
        .collect()
}

/// The name to show for a conversation: the demo data's own name in demo mode.
pub fn display_name(conv: &NamedConversation, is_demo: bool) -> String {
    if is_demo
        && let Some(c) = crate::demo::demo_data()
            .conversation(crate::model::ConversationId(conv.conversation_id))
    {
        return c.name().to_owned();
    }
    conv.name.clone()
}
