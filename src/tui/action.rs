//! What happens (actions, into `App::update`) and what to do about it (commands, out
//! to the worker).

use crossterm::event::{KeyEvent, MouseEvent};

use crate::api::ApiError;
use crate::api::calls::Waiting;
use crate::api::wire::{ConversationsResult, Page, UsersResult};
use crate::archive::{Place, Position, SearchHit, SearchQuery, TimeLanding};
use crate::model::{AppId, ConversationId, Message, MessageId, UserId};
use crate::pager::PageRequest;

use super::archived::{WindowAnswer, WindowRead};
use super::everywhere::SearchId;
use super::overview::Overview;

/// Identifies one opening of a conversation. An answer for a view that is no longer
/// open (the user went back to the picker, or the view was reopened) is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ViewId(pub u64);

/// Something that happened: input, time, or a worker's answer.
#[derive(Debug)]
pub enum Action {
    /// A key was pressed.
    Key(KeyEvent),
    /// The mouse was used.
    Mouse(MouseEvent),
    /// The terminal changed size.
    Resize { width: u16, height: u16 },
    /// Time passed (animates the spinner, lets a settled selection fetch what it quotes).
    Tick,
    /// A page of history arrived.
    PageLoaded {
        view: ViewId,
        request: PageRequest,
        page: Page,
    },
    /// A page of history could not be fetched (after the client's own retries).
    PageFailed {
        view: ViewId,
        request: PageRequest,
        error: ApiError,
    },
    /// Display names arrived (or not).
    UsersLoaded {
        app: AppId,
        ids: Vec<UserId>,
        result: Result<UsersResult, ApiError>,
    },
    /// Referenced messages arrived (or not).
    ReferencedLoaded {
        view: ViewId,
        ids: Vec<MessageId>,
        result: Result<Vec<Message>, ApiError>,
    },
    /// The open conversation's newest page, looked at for new messages (or not).
    Polled {
        view: ViewId,
        result: Result<Page, ApiError>,
    },
    /// A search across every archived conversation was answered.
    FoundEverywhere {
        id: SearchId,
        result: Result<Vec<SearchHit>, String>,
    },
    /// The picker's figures were read from the archive.
    OverviewLoaded(Result<Overview, String>),
    /// Where a jump to a time lands in the archive.
    TimeFound {
        view: ViewId,
        time_ms: i64,
        result: Result<TimeLanding, String>,
    },
    /// Conversation descriptions arrived (or not).
    ConversationsLoaded {
        app: AppId,
        ids: Vec<ConversationId>,
        result: Result<ConversationsResult, ApiError>,
    },
    /// A stretch of the conversation was read from the archive (or could not be).
    ArchiveRead {
        view: ViewId,
        read: WindowRead,
        result: Result<WindowAnswer, String>,
    },
    /// The archive's search found a query's matches in a conversation (or failed).
    ArchiveSearched {
        view: ViewId,
        query: String,
        result: Result<Vec<Position>, String>,
    },
    /// What the longest call out is waiting for, once it is slow (`None`: nothing is).
    Waiting(Option<Waiting>),
    /// The terminal's input ended; nothing more can be asked of the user.
    InputClosed,
    /// What became of something done outside the app (a copy, the pager), for the
    /// status bar.
    Reported(String),
    /// An export started from the view has written this many messages so far.
    ExportProgress(u64),
    /// An export started from the view ended; what to say about it.
    ExportEnded(String),
}

/// Work for the worker. Each command's answer comes back as one [`Action`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `GetConversationMessages` for one page.
    FetchPage {
        view: ViewId,
        app: AppId,
        conversation: ConversationId,
        request: PageRequest,
    },
    /// `BatchGetUser` for at most [`crate::api::wire::USER_BATCH_LIMIT`] ids.
    FetchUsers { app: AppId, ids: Vec<UserId> },
    /// `GetMessages` for messages quoted by replies.
    FetchReferenced {
        view: ViewId,
        app: AppId,
        conversation: ConversationId,
        ids: Vec<MessageId>,
    },
    /// The newest page of the open conversation, to see what arrived (`Reverse=1`).
    Poll {
        view: ViewId,
        app: AppId,
        conversation: ConversationId,
        request: PageRequest,
    },
    /// Search every archived conversation.
    SearchEverywhere { id: SearchId, query: SearchQuery },
    /// Read the picker's figures from the archive: messages archived, the newest's
    /// time, how many are new since last looked.
    LoadOverview,
    /// Find the first archived message at or after a time.
    FindTime {
        view: ViewId,
        app: AppId,
        conversation: ConversationId,
        time_ms: i64,
    },
    /// `BatchGetConversations`, for names and types.
    FetchConversations {
        app: AppId,
        ids: Vec<ConversationId>,
    },
    /// Read a stretch of the conversation from the archive.
    ReadArchive { view: ViewId, read: WindowRead },
    /// Search a conversation's whole archive for what `/` was given.
    SearchArchive {
        view: ViewId,
        app: AppId,
        conversation: ConversationId,
        query: String,
    },
    /// Keep where a conversation was read, for the next time it is opened.
    SaveReading {
        app: AppId,
        conversation: ConversationId,
        last_read: Place,
        newest_seen: Place,
    },
    /// Something only the terminal's owner can do (the worker has no part in it).
    Outside(Outside),
    /// Leave.
    Quit,
}

/// Work for the terminal's owner, the event loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outside {
    /// Give the terminal back to the shell and stop until continued.
    Suspend,
    /// Put text on the clipboard.
    Copy(Clip),
    /// Hand the terminal to the pager or the editor to show a document.
    Show(Show),
    /// Keep the search history (oldest first) for the next run.
    SaveHistory(Vec<String>),
    /// Export a conversation to a file in the background.
    Export(ExportJob),
}

/// An export started from the view: the same engine as `volc-im export`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportJob {
    pub target: crate::export::ConversationTarget,
    pub path: std::path::PathBuf,
    pub format: crate::export::Format,
    pub direction: crate::pager::Direction,
}

/// Text for the clipboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clip {
    /// Exactly what is copied.
    pub text: String,
    /// What it is, for the notice: "text", "raw JSON".
    pub what: &'static str,
}

/// Which program shows a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// `$PAGER`, the document on its input.
    Pager,
    /// `$VISUAL` or `$EDITOR`, on a read-only temporary file.
    Editor,
}

/// A document for the pager or the editor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Show {
    pub viewer: Viewer,
    /// Clean text (nothing in it controls a terminal).
    pub document: String,
    /// A name for the temporary file, without directory: `message-7300….txt`.
    pub file_name: String,
}
