//! `volc-im`: read the message history of Volcengine RTC IM conversations.
//!
//! The library holds everything the `volc-im` binary does: the signed API client
//! ([`api`]), the message model ([`model`]), the paging logic ([`pager`]), the one
//! seam every reader of history fetches through ([`source`]) and the rest.

pub mod api;
pub mod archive;
pub mod cli;
pub mod config;
pub mod conversations;
pub mod demo;
pub mod export;
pub mod log_escape;
pub mod logging;
pub mod model;
pub mod pager;
pub mod paging;
pub mod secret;
pub mod session;
pub mod source;
pub mod sync;
pub mod tui;
