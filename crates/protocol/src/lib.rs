//! Sherpa's protocol core: everything between the bytes a chat backend sends and the
//! [`ChatEvent`]s the widget renders, with no web dependency so it is tested natively.
//!
//! * [`framing`]: NDJSON and SSE framing with UTF-8 carried across chunk boundaries.
//! * [`backend`]: the backend-independent request model ([`backend::HttpRequest`],
//!   [`backend::Conversation`], [`backend::BackendOptions`]) and the [`backend::Adapter`] trait.
//! * [`adapters`]: one module per backend (request builder + decoder).
//! * [`errors`]: HTTP failures mapped to user-facing messages.
//! * [`citations`]: `[[n]](url)` markers in answer text turned into citation markers.
//! * [`markdown`]: answer text split into blocks and parsed into a safe node tree.

pub mod adapters;
pub mod backend;
pub mod citations;
pub mod errors;
pub mod event;
pub mod framing;
pub mod markdown;

pub use backend::{Adapter, BackendKind, BackendOptions, Conversation, HttpRequest};
pub use event::{ChatError, ChatEvent, Document, Status, StopReason};
