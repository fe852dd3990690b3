//! The conversation browser: a terminal UI over one or more conversations' history.
//!
//! Data flows one way: input and time become [`Action`]s; [`App::update`] changes state
//! and returns [`Command`]s; the [`worker`] carries those out with the API client and
//! sends the answers back as actions. Drawing ([`ui::draw`]) is a pure function of the
//! state. The UI never waits for the network.

pub mod action;
pub mod app;
pub mod archived;
pub mod conversation;
pub mod detail;
pub mod everywhere;
mod finding;
#[doc(hidden)]
pub mod fixtures;
pub mod follow;
mod handover;
mod input;
pub mod keys;
pub mod layout;
pub mod live;
mod lookups;
pub mod names;
pub mod offline;
mod opening;
pub mod overview;
pub mod prompt;
pub mod search;
pub mod seek;
pub mod settings;
mod settle;
pub mod store;
pub mod terminal;
pub mod text;
mod tools;
pub mod ui;
pub mod viewport;
pub mod when;
pub mod worker;
pub mod wrap;

use crate::api::client::Client;
use crate::model::{AppId, ConversationId, Cursor};

pub use action::{Action, Command, ViewId};
pub use app::{App, Settings};

/// Where a conversation opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Start {
    /// At the newest message, at the bottom; scrolling up loads older pages.
    #[default]
    Newest,
    /// At the first message, at the top; scrolling down loads newer pages. Live groups
    /// cannot be read this way and open at the newest message instead.
    Oldest,
}

/// A conversation to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// A name from the configuration, if any.
    pub name: Option<String>,
    pub app_id: AppId,
    pub conversation: ConversationId,
    /// A live group (readable newest-first only).
    pub live: bool,
}

/// Everything the browser needs.
#[derive(Clone, Debug)]
pub struct TuiOptions {
    /// The API client (shares its rate limiter with every clone).
    pub client: Client,
    /// Where every fetched page, message and name is kept; `None` with `--no-archive`.
    pub archive: Option<crate::archive::SharedArchive>,
    /// One target opens directly; several open the conversation picker.
    pub targets: Vec<Target>,
    /// Where conversations open.
    pub start: Start,
    /// The cursor newest-first walks start from.
    pub newest_cursor: Cursor,
    /// Reading the built-in demo data.
    pub is_demo: bool,
    /// In demo mode, one line on how to configure a real account.
    pub demo_hint: Option<String>,
    /// Keys and tools from the configuration.
    pub ui: settings::UiSettings,
    /// How often the open conversation is looked at for new messages.
    pub follow_interval: std::time::Duration,
}

/// Runs the browser until the user quits. The terminal is restored on the way out,
/// also after an error or a panic. Logs go wherever the caller set up `tracing`
/// (the binary: a file, never the screen).
pub async fn run(opts: TuiOptions) -> anyhow::Result<()> {
    // Reads go through a connection of their own: in WAL mode they never wait for
    // the writes of fetched pages, nor those for them.
    let reads = match &opts.archive {
        Some(archive) => {
            let path = archive.lock().path().to_path_buf();
            match crate::archive::Archive::open_read_only(&path) {
                Ok(reader) => Some(crate::archive::SharedArchive::new(reader)),
                Err(e) => {
                    tracing::warn!(error = %e, "the archive cannot be read: browsing without it");
                    None
                }
            }
        }
        None => None,
    };
    let mut settings = Settings {
        archive: reads.clone(),
        targets: opts.targets,
        start: opts.start,
        newest_cursor: opts.newest_cursor,
        is_demo: opts.is_demo,
        demo_hint: opts.demo_hint,
        time_zone: jiff::tz::TimeZone::system(),
        ui: opts.ui,
        offline: false,
        follow_interval: opts.follow_interval,
    };
    load_history(&mut settings.ui);
    let archives = terminal::Archives {
        reads,
        writes: opts.archive.clone(),
    };
    let source = crate::archive::Archiving {
        inner: opts.client,
        archive: opts.archive,
        newest_start: opts.newest_cursor,
    };
    terminal::run(source, settings, archives).await
}

/// Reads the search history kept from earlier runs (from its default place unless
/// the settings name one).
pub(crate) fn load_history(ui: &mut settings::UiSettings) {
    if ui.tools.history_path.is_none() {
        ui.tools.history_path = self::settings::history_path();
    }
    if let Some(path) = &ui.tools.history_path {
        ui.search_history = self::settings::read_history(path);
    }
}
