//! OdysseyAI: `POST {base}/chat/message` (protocols.md §9), one JSON reply.
//!
//! Headers `x-api-key` and `userId` (sent as lower-case `userid`; header names are
//! case-insensitive). Body `{workspaceId, conversationId, message, isFirst, agentId?}`.
//! Odyssey has no call that creates a conversation: the client names it. So
//! [`Adapter::needs_client_conversation_id`] is true and the widget must put a fresh id (see
//! [`crate::backend::new_conversation_id`]) in `Conversation::session_id` before the first
//! message; without one, `conversationId` is left out and the server's own "required" error is
//! shown. `isFirst` is true while `Conversation::turns` is 0.
//!
//! The reply `{"data": {…}}` gives: `sourceSnips` → documents (each also cited as number n in
//! order, so its source card shows), `followUps.questions` → follow-ups, `stepsBreakdown` →
//! status. The answer text is not documented; it is taken from the first non-empty of
//! `data.response`, `data.answer`, `data.text`, `data.content` (a string), then the last
//! `stepsBreakdown` entry with a non-empty `content.response`, `content.answer`,
//! `content.text` or string `content`. No text at all is a clear fatal error, reported after
//! the sources and follow-ups.

use super::{trim_body, TurnState};
use crate::backend::{join_url, Adapter, BackendOptions, Conversation, Decoder, HttpRequest};
use crate::event::{ChatError, ChatEvent, Document, Status, StopReason};
use crate::framing::MAX_LINE;
use crate::json::{self, Value};
use crate::object;

/// The `odyssey` backend.
pub struct Odyssey;

impl Adapter for Odyssey {
    fn session_request(&self, _opts: &BackendOptions, _conv: &Conversation) -> Option<HttpRequest> {
        None
    }

    fn parse_session(&self, _body: &[u8]) -> Result<String, ChatError> {
        Err(ChatError::fatal(
            "Odyssey conversations are named by the client; there is no session to create.",
            false,
        )
        .with_code("no_session_call"))
    }

    fn needs_client_conversation_id(&self) -> bool {
        true
    }

    fn message_request(
        &self,
        opts: &BackendOptions,
        conv: &Conversation,
        message: &str,
    ) -> HttpRequest {
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        if let Some(key) = opts.api_key.as_deref().filter(|k| !k.is_empty()) {
            headers.push(("x-api-key".into(), key.to_string()));
        }
        if let Some(user) = opts.user_id.as_deref().filter(|u| !u.is_empty()) {
            headers.push(("userid".into(), user.to_string()));
        }
        let mut body = object! { "workspaceId": opts.workspace_id.as_ref() };
        if let Some(id) = conv.session_id.as_deref().filter(|s| !s.is_empty()) {
            body.set("conversationId", id);
        }
        body.set("message", message);
        if let Some(agent) = opts.agent_id.as_deref().filter(|a| !a.is_empty()) {
            body.set("agentId", agent);
        }
        body.set("isFirst", conv.turns == 0);
        HttpRequest {
            method: "POST",
            url: join_url(&opts.api_base, "chat/message"),
            headers,
            body: Some(body.stringify()),
        }
    }

    fn decoder(&self, _content_type: Option<&str>) -> Box<dyn Decoder> {
        Box::new(OdysseyDecoder::default())
    }
}

/// Reads the whole Odyssey reply, then decodes it.
#[derive(Debug, Default)]
pub struct OdysseyDecoder {
    body: Vec<u8>,
    too_big: bool,
    state: TurnState,
}

impl Decoder for OdysseyDecoder {
    fn feed(&mut self, chunk: &[u8]) -> Vec<ChatEvent> {
        if self.body.len().saturating_add(chunk.len()) > MAX_LINE {
            self.too_big = true;
            self.body = Vec::new();
        }
        if !self.too_big {
            self.body.extend_from_slice(chunk);
        }
        Vec::new()
    }

    fn finish(&mut self) -> Vec<ChatEvent> {
        let mut out = Vec::new();
        if self.state.over() {
            return out;
        }
        if self.too_big {
            self.state.fail(
                ChatError::fatal("The chat server's reply was too large to read.", false)
                    .with_code("too_large"),
                &mut out,
            );
            return out;
        }
        let body = std::mem::take(&mut self.body);
        match json::parse_bytes(trim_body(&body)) {
            Ok(v) if v.is_object() => {
                self.state.decoded += 1;
                reply(&v, &mut self.state, &mut out);
            }
            _ => {
                if !trim_body(&body).is_empty() {
                    self.state
                        .unreadable(&String::from_utf8_lossy(&body), &mut Vec::new());
                }
            }
        }
        self.state.finish(&mut out);
        out
    }
}

/// Decodes a parsed Odyssey reply.
fn reply(v: &Value, st: &mut TurnState, out: &mut Vec<ChatEvent>) {
    let Some(data) = v.get("data").filter(|d| d.is_object()) else {
        // An error object at HTTP 200, or something else entirely.
        let msg = match crate::errors::detail_of(v) {
            Some(d) => format!("The chat server reported an error: {d}"),
            None => "The chat server's reply has no data. Check that data-backend matches the \
                     server."
                .to_string(),
        };
        st.fail(ChatError::fatal(msg, true).with_code("bad_reply"), out);
        return;
    };
    let steps: &[Value] = data
        .get("stepsBreakdown")
        .and_then(Value::as_array)
        .unwrap_or_default();
    for step in steps {
        let status = if step.get("type").and_then(Value::as_str) == Some("rag") {
            Status::Searching {
                queries: data
                    .get("query")
                    .and_then(Value::as_str)
                    .filter(|q| !q.trim().is_empty())
                    .map(|q| vec![q.to_string()])
                    .unwrap_or_default(),
            }
        } else {
            Status::RunningTool {
                name: step
                    .get("agentname")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            }
        };
        out.push(ChatEvent::Status(status));
    }
    let docs = snips(data.get("sourceSnips"));
    let ids: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
    st.documents(docs, out);
    for (i, id) in ids.iter().enumerate() {
        if let Ok(n) = u32::try_from(i + 1) {
            st.citation(n, id, out);
        }
    }
    let mut follow_ups = Vec::new();
    let questions = data.get("followUps").and_then(|f| f.get("questions"));
    for q in questions.and_then(Value::as_array).into_iter().flatten() {
        if let Some(q) = trimmed(Some(q)) {
            follow_ups.push(q);
        }
    }
    if !follow_ups.is_empty() {
        out.push(ChatEvent::FollowUps(follow_ups));
    }
    match answer_text(data, steps) {
        Some(text) => {
            st.answering(out);
            st.text(text, out);
            st.done(StopReason::Finished, out);
        }
        None => st.fail(super::packets::no_answer_error(), out),
    }
}

/// The answer text, by the rule in the module documentation.
fn answer_text<'a>(data: &'a Value, steps: &'a [Value]) -> Option<&'a str> {
    let non_empty =
        |v: Option<&'a Value>| v.and_then(Value::as_str).filter(|s| !s.trim().is_empty());
    for key in ["response", "answer", "text", "content"] {
        if let Some(s) = non_empty(data.get(key)) {
            return Some(s);
        }
    }
    steps.iter().rev().find_map(|step| {
        let content = step.get("content")?;
        if let Some(s) = non_empty(Some(content)) {
            return Some(s);
        }
        ["response", "answer", "text"]
            .iter()
            .find_map(|k| non_empty(content.get(k)))
    })
}

/// `sourceSnips` as documents: id `chunkid`, title `filename` or `displaytext`, link `url`,
/// blurb `content` or `displaytext`, source type `filetype`.
fn snips(v: Option<&Value>) -> Vec<Document> {
    let mut docs = Vec::new();
    for (i, s) in v
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if !s.is_object() {
            continue;
        }
        let text = |k: &str| trimmed(s.get(k));
        let id = text("chunkid").unwrap_or_else(|| format!("snip-{}", i + 1));
        let title = text("filename")
            .or_else(|| text("displaytext"))
            .unwrap_or_else(|| id.clone());
        docs.push(Document {
            link: text("url"),
            blurb: text("content")
                .or_else(|| text("displaytext"))
                .unwrap_or_default(),
            source_type: text("filetype").unwrap_or_default(),
            title,
            id,
        });
    }
    docs
}

/// A string value, trimmed, unless blank.
fn trimmed(v: Option<&Value>) -> Option<String> {
    let t = v?.as_str()?.trim();
    (!t.is_empty()).then(|| t.to_string())
}
