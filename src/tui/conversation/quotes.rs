//! Messages quoted by replies that are not among the loaded ones: fetched by id once
//! the selection rests on the reply, and kept for the detail pane.

use std::collections::HashMap;

use crate::api::ApiError;
use crate::model::{Message, MessageId};

use super::super::detail::RefContent;

/// Ticks the selection must rest on a reply before its quoted message is fetched.
pub const REF_FETCH_DELAY_TICKS: u64 = 2;

/// What is known of a message quoted by a reply that is not among the loaded ones.
#[derive(Clone, Debug)]
pub enum RefLookup {
    Loading,
    Found(Box<Message>),
    NotFound,
    Failed(String),
}

/// Quoted messages fetched by id, and the one waiting to be.
#[derive(Debug, Default)]
pub struct Quotes {
    found: HashMap<MessageId, RefLookup>,
    /// A quoted message to fetch once the selection rests: its id and the tick it was asked at.
    pending: Option<(MessageId, u64)>,
    /// Bumped whenever what is known changes (the detail pane is rebuilt then).
    version: u64,
    /// `GetMessages` calls out.
    in_flight: usize,
}

impl Quotes {
    /// What is known of a quoted message that is not loaded.
    pub fn content(&self, id: MessageId) -> RefContent<'_> {
        match self.found.get(&id) {
            Some(RefLookup::Loading) => RefContent::Loading,
            Some(RefLookup::Found(m)) => RefContent::Loaded(m),
            Some(RefLookup::NotFound) => RefContent::NotFound,
            Some(RefLookup::Failed(e)) => RefContent::Failed(e),
            None => RefContent::Unknown,
        }
    }

    /// Bumped whenever what is known changes.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// True while a `GetMessages` call is out.
    pub fn in_flight(&self) -> bool {
        self.in_flight > 0
    }

    /// Notes that `id` may need fetching from tick `now` (`None`: nothing does).
    pub fn want(&mut self, id: Option<MessageId>, now: u64) {
        match id {
            None => self.pending = None,
            Some(id) if self.pending.map(|(p, _)| p) != Some(id) => {
                self.pending = Some((id, now));
            }
            Some(_) => {}
        }
    }

    /// The id to fetch once it has waited [`REF_FETCH_DELAY_TICKS`]; marked loading.
    pub fn due(&mut self, now: u64) -> Option<MessageId> {
        let (id, since) = self.pending?;
        if now.saturating_sub(since) < REF_FETCH_DELAY_TICKS {
            return None;
        }
        self.pending = None;
        self.found.insert(id, RefLookup::Loading);
        self.version += 1;
        self.in_flight += 1;
        Some(id)
    }

    /// Takes quoted messages (or the failure to get them).
    pub fn loaded(&mut self, ids: &[MessageId], result: Result<Vec<Message>, ApiError>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        match result {
            Ok(messages) => {
                for m in messages {
                    if let Some(id) = m.id() {
                        self.found.insert(id, RefLookup::Found(Box::new(m)));
                    }
                }
                for id in ids {
                    let lookup = self.found.entry(*id).or_insert(RefLookup::NotFound);
                    if matches!(lookup, RefLookup::Loading) {
                        *lookup = RefLookup::NotFound;
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "fetching quoted messages failed");
                for id in ids {
                    self.found.insert(*id, RefLookup::Failed(e.short()));
                }
            }
        }
        self.version += 1;
    }
}
