//! Onyx's non-streaming simple API (Enterprise Edition, up to 2.9):
//! `POST {base}/chat/send-message-simple-api` (protocols.md §4).
//!
//! A session is created first (older servers need `chat_session_id`; newer ones would also
//! accept `persona_id`, which is sent instead when the conversation has no session). The body
//! is `{message, chat_session_id | persona_id, retrieval_options}`. The reply is one JSON
//! object: `answer`, `top_documents`, `message_id`, `chat_session_id`, `error_msg`, and the
//! citations as either a `cited_documents` map (`{"1": "DOC-ID"}`) or a `citation_info` list.
//! A non-null `error_msg` at HTTP 200 is a fatal error.

use super::onyx_legacy::retrieval_options;
use super::stream::OnyxStreamDecoder;
use crate::backend::Feedback;
use crate::backend::{Adapter, BackendOptions, Conversation, Decoder, HttpRequest};
use crate::event::ChatError;
use crate::object;

/// The `onyx-simple` backend.
pub struct OnyxSimple;

impl Adapter for OnyxSimple {
    fn session_request(&self, opts: &BackendOptions, conv: &Conversation) -> Option<HttpRequest> {
        super::create_session_request(opts, conv)
    }

    fn parse_session(&self, body: &[u8]) -> Result<String, ChatError> {
        super::parse_session_id(body)
    }

    fn message_request(
        &self,
        opts: &BackendOptions,
        conv: &Conversation,
        message: &str,
    ) -> HttpRequest {
        let mut body = object! { "message": message };
        match conv.session_id.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => body.set("chat_session_id", id),
            None => body.set("persona_id", opts.persona_id.unwrap_or(0)),
        }
        body.set("retrieval_options", retrieval_options(opts));
        super::onyx_post(opts, "chat/send-message-simple-api", Some(body))
    }

    /// The reply is one JSON document, so it is read whole before decoding.
    fn decoder(&self, _content_type: Option<&str>) -> Box<dyn Decoder> {
        Box::new(OnyxStreamDecoder::buffered())
    }

    fn has_feedback(&self) -> bool {
        true
    }

    fn feedback_request(
        &self,
        opts: &BackendOptions,
        message_id: i64,
        feedback: &Feedback,
    ) -> Option<HttpRequest> {
        Some(super::feedback_request(opts, message_id, feedback))
    }
}
