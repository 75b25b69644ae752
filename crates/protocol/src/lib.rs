//! Sherpa's protocol core: everything between the bytes a chat backend sends and the
//! [`ChatEvent`]s the widget renders, with no web dependency so it is tested natively.
//!
//! * [`framing`]: NDJSON and SSE framing with UTF-8 carried across chunk boundaries.
//! * [`backend`]: the backend-independent request model ([`backend::HttpRequest`],
//!   [`backend::Conversation`], [`backend::BackendOptions`]) and the [`backend::Adapter`] trait.
//! * [`adapters`]: one module per backend (request builder + decoder): `onyx`, `onyx_legacy`
//!   (Hymalaia too), `onyx_simple` and `odyssey`. The Onyx family shares one decoder that
//!   recognises packet v2, packet v1, legacy flat objects and single JSON replies line by line.
//! * [`errors`]: HTTP failures mapped to user-facing messages.
//! * [`citations`]: `[[n]](url)` markers in answer text turned into citation markers.
//! * [`markdown`]: answer text split into blocks and parsed into a safe node tree.
//! * [`highlight`]: code blocks cut into keyword, string, comment… pieces, line by line.
//! * [`hosts`]: the site label of a source link (punycode where a label could deceive).
//! * [`limits`]: bounds on what one turn may put on the page.
//! * [`tail`]: the streaming tail shown with its open markers closed.
//! * [`json`]: a small JSON value, parser and serializer (no serde: it keeps the wasm small).

pub mod adapters;
pub mod backend;
pub mod citations;
pub mod errors;
pub mod event;
pub mod framing;
pub mod highlight;
pub mod hosts;
pub mod json;
pub mod limits;
pub mod markdown;
pub mod tail;

pub use backend::{Adapter, BackendKind, BackendOptions, Conversation, HttpRequest};
pub use event::{ChatError, ChatEvent, Cut, Document, Status, StopReason};
