//! The Volcengine OpenAPI: signing, the wire format, errors and the client.
//! Knows HTTP, and nothing of terminals.

pub mod calls;
pub mod client;
pub mod error;
mod pace;
mod response;
pub mod sign;
pub mod wire;

pub use client::{Client, ClientSettings, ClientStats};
pub use error::{ApiError, TransportKind};
