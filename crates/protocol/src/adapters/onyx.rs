//! Current Onyx: `POST {base}/chat/create-chat-session`, then
//! `POST {base}/chat/send-chat-message`, answered with packet v2 NDJSON (protocols.md §3).

use serde_json::{json, Value};

use super::{packets, TurnState};
use crate::backend::{
    join_url, onyx_headers, Adapter, BackendOptions, Conversation, Decoder, HttpRequest,
};
use crate::event::{ChatError, ChatEvent};
use crate::framing::{Frame, Framer};

/// The `onyx` backend.
pub struct Onyx;

impl Adapter for Onyx {
    fn session_request(&self, opts: &BackendOptions, conv: &Conversation) -> Option<HttpRequest> {
        if conv.session_id.is_some() {
            return None;
        }
        Some(HttpRequest {
            method: "POST",
            url: join_url(&opts.api_base, "chat/create-chat-session"),
            headers: onyx_headers(opts),
            body: Some(
                json!({ "persona_id": opts.persona_id.unwrap_or(0), "description": null })
                    .to_string(),
            ),
        })
    }

    fn parse_session(&self, body: &[u8]) -> Result<String, ChatError> {
        serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("chat_session_id")?.as_str().map(str::to_string))
            .ok_or_else(|| {
                ChatError::fatal(
                    "The chat server's reply to create-chat-session had no chat_session_id.",
                    true,
                )
                .with_code("bad_session")
            })
    }

    fn message_request(
        &self,
        opts: &BackendOptions,
        conv: &Conversation,
        message: &str,
    ) -> HttpRequest {
        let body = json!({
            "message": message,
            "chat_session_id": conv.session_id,
            "parent_message_id": conv.parent_message_id,
            "origin": "widget",
            "include_citations": opts.include_citations,
            "stream": true,
        });
        HttpRequest {
            method: "POST",
            url: join_url(&opts.api_base, "chat/send-chat-message"),
            headers: onyx_headers(opts),
            body: Some(body.to_string()),
        }
    }

    fn decoder(&self, _content_type: Option<&str>) -> Box<dyn Decoder> {
        Box::new(OnyxDecoder::default())
    }

    fn stop_request(&self, opts: &BackendOptions, conv: &Conversation) -> Option<HttpRequest> {
        let id = conv.session_id.as_deref()?;
        Some(HttpRequest {
            method: "POST",
            url: join_url(&opts.api_base, &format!("chat/stop-chat-session/{id}")),
            headers: onyx_headers(opts),
            body: None,
        })
    }

    fn feedback_request(
        &self,
        opts: &BackendOptions,
        message_id: i64,
        positive: bool,
    ) -> Option<HttpRequest> {
        Some(HttpRequest {
            method: "POST",
            url: join_url(&opts.api_base, "chat/create-chat-message-feedback"),
            headers: onyx_headers(opts),
            body: Some(
                json!({ "chat_message_id": message_id, "is_positive": positive, "feedback_text": null })
                    .to_string(),
            ),
        })
    }
}

/// Decodes a packet v2 NDJSON stream.
#[derive(Default)]
pub struct OnyxDecoder {
    framer: Framer,
    state: TurnState,
}

impl OnyxDecoder {
    fn frames(&mut self, frames: Vec<Frame>, out: &mut Vec<ChatEvent>) {
        for f in frames {
            match f {
                Frame::Payload(p) => match serde_json::from_str::<Value>(&p) {
                    Ok(v) if v.is_object() => {
                        if !packets::bare_line(&v, &mut self.state, out) {
                            packets::packet_v2(&v, &mut self.state, out);
                        }
                    }
                    _ => self.state.unreadable(out),
                },
                Frame::Done => {}
                Frame::Oversized => self.state.unreadable(out),
            }
        }
    }
}

impl Decoder for OnyxDecoder {
    fn feed(&mut self, chunk: &[u8]) -> Vec<ChatEvent> {
        let mut out = Vec::new();
        let frames = self.framer.feed(chunk);
        self.frames(frames, &mut out);
        out
    }

    fn finish(&mut self) -> Vec<ChatEvent> {
        let mut out = Vec::new();
        let frames = self.framer.finish();
        self.frames(frames, &mut out);
        self.state.finish(&mut out);
        out
    }
}
