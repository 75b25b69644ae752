//! Onyx up to 2.x and Hymalaia: `POST {base}/chat/create-chat-session`, then
//! `POST {base}/chat/send-message` (protocols.md §2, §8).
//!
//! Those servers validate the body with pydantic, where a field without a default is required
//! even when it may be null, so every required key is always sent: `chat_session_id`,
//! `parent_message_id` (null on the first turn, then the previous assistant message id),
//! `message`, `file_descriptors: []`, `prompt_id: null`, `search_doc_ids: null` and
//! `retrieval_options` (never null, since `search_doc_ids` is null). The filters live in
//! `retrieval_options.filters`. `origin` is not sent: older servers may not know `"widget"`.
//!
//! The reply may be legacy flat objects, packet v1 or packet v2, detected line by line.

use super::stream::OnyxStreamDecoder;
use super::{filters_json, llm_override};
use crate::backend::Feedback;
use crate::backend::{Adapter, BackendOptions, Conversation, Decoder, HttpRequest};
use crate::event::ChatError;
use crate::json::Value;
use crate::object;

/// The `onyx-legacy` backend.
pub struct OnyxLegacy;

/// `retrieval_options` for the legacy and simple endpoints: let the assistant decide whether
/// to search, in real time, within the configured filters.
pub(crate) fn retrieval_options(opts: &BackendOptions) -> Value {
    object! {
        "run_search": "auto",
        "real_time": true,
        "filters": filters_json(opts),
    }
}

impl Adapter for OnyxLegacy {
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
        let mut body = object! {
            "chat_session_id": conv.session_id.as_ref(),
            "parent_message_id": conv.parent_message_id,
            "message": message,
            "file_descriptors": Value::Array(vec![]),
            "user_file_ids": Value::Array(vec![]),
            "user_folder_ids": Value::Array(vec![]),
            "prompt_id": Value::Null,
            "search_doc_ids": Value::Null,
            "retrieval_options": retrieval_options(opts),
            "regenerate": false,
            "query_override": Value::Null,
            "prompt_override": Value::Null,
            "alternate_assistant_id": Value::Null,
            "use_existing_user_message": false,
            "use_agentic_search": false,
            "include_citations": opts.include_citations,
        };
        if let Some(o) = llm_override(opts) {
            body.set("llm_override", o);
        }
        super::onyx_post(opts, "chat/send-message", Some(body))
    }

    fn decoder(&self, content_type: Option<&str>) -> Box<dyn Decoder> {
        Box::new(OnyxStreamDecoder::for_content_type(content_type))
    }

    /// Onyx 2.x has the stop endpoint; older servers answer 404, which is harmless.
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
