//! The Volcengine OpenAPI: signing, the wire format, errors and the client.
//! Knows HTTP, and nothing of terminals.

pub mod error;
pub mod sign;
pub mod wire;

pub use error::{ApiError, TransportKind};
