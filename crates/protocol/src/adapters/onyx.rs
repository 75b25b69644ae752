//! Current Onyx: `POST {base}/chat/create-chat-session`, then
//! `POST {base}/chat/send-chat-message` (protocols.md §3), answered with packet v2 NDJSON or,
//! with [`BackendOptions::stream`] off, one `ChatFullResponse` JSON body.
//!
//! Request body: `message`; `chat_session_id` (or, if the conversation has none yet,
//! `chat_session_info: {persona_id}` so the server creates one and names it in the stream);
//! `parent_message_id` = the last assistant message id, or `-1` ("after the latest message")
//! when it is unknown; `origin: "widget"`; `include_citations`; `stream`; and, when configured,
//! `internal_search_filters` and `llm_override`.

use super::stream::OnyxStreamDecoder;
use super::{filters_json, llm_override};
use crate::backend::Feedback;
use crate::backend::{Adapter, BackendOptions, Conversation, Decoder, HttpRequest};
use crate::event::ChatError;
use crate::object;

/// The `onyx` backend.
pub struct Onyx;

impl Adapter for Onyx {
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
            None => body.set(
                "chat_session_info",
                object! { "persona_id": opts.persona_id.unwrap_or(0) },
            ),
        }
        body.set("parent_message_id", conv.parent_message_id.unwrap_or(-1));
        body.set("origin", "widget");
        body.set("include_citations", opts.include_citations);
        body.set("stream", opts.stream);
        if opts.has_filters() {
            body.set("internal_search_filters", filters_json(opts));
        }
        if let Some(o) = llm_override(opts) {
            body.set("llm_override", o);
        }
        super::onyx_post(opts, "chat/send-chat-message", Some(body))
    }

    fn decoder(&self, content_type: Option<&str>) -> Box<dyn Decoder> {
        Box::new(OnyxStreamDecoder::for_content_type(content_type))
    }

    fn stop_request(&self, opts: &BackendOptions, conv: &Conversation) -> Option<HttpRequest> {
        super::stop_session_request(opts, conv)
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
