//! One adapter per backend. Each builds its requests and decodes its responses into
//! [`ChatEvent`]s; [`TurnState`] holds what they share (answer text with citations, the end of
//! the turn, unreadable lines, de-duplication).
//!
//! The three Onyx-family adapters share one decoder ([`stream::OnyxStreamDecoder`]) that
//! recognises every Onyx shape line by line: packet v2, packet v1, the legacy flat objects,
//! and the single-body replies (`stream: false`, the simple API).

pub mod odyssey;
pub mod onyx;
pub mod onyx_legacy;
pub mod onyx_simple;
pub mod packets;
pub mod stream;

use crate::backend::{
    join_url, onyx_headers, Adapter, BackendKind, BackendOptions, Conversation, HttpRequest,
};
use crate::citations::CitationText;
use crate::event::{ChatError, ChatEvent, Document, Status, StopReason};
use crate::json::{self, Value};
use crate::object;

/// The adapter for a backend.
pub fn for_kind(kind: BackendKind) -> Box<dyn Adapter> {
    match kind {
        BackendKind::Onyx => Box::new(onyx::Onyx),
        BackendKind::OnyxLegacy => Box::new(onyx_legacy::OnyxLegacy),
        BackendKind::OnyxSimple => Box::new(onyx_simple::OnyxSimple),
        BackendKind::Odyssey => Box::new(odyssey::Odyssey),
    }
}

/// The most documents one turn announces (and remembers the ids of); later ones are ignored,
/// and an array's items past this many are not even built ([`stream::BOUNDS`]). Onyx
/// usually sends tens; §10 stream 12 sends 2,000 in one packet.
pub const MAX_DOCUMENTS: usize = 2_000;
/// The most citation numbers one turn maps to documents; later ones are ignored.
pub const MAX_CITATIONS: usize = 10_000;

/// State shared by the decoders of one turn.
#[derive(Debug, Default)]
pub struct TurnState {
    text: CitationText,
    /// `Done` was emitted; later packets are ignored.
    pub ended: bool,
    /// A fatal error was emitted; later packets are ignored.
    pub failed: bool,
    /// Payloads that were not JSON objects (proxy pages, truncation, oversized lines).
    pub unreadable: usize,
    /// JSON objects read.
    pub decoded: usize,
    /// Any answer text was emitted.
    pub has_text: bool,
    /// An unreadable payload looked like HTML.
    saw_html: bool,
    /// `Status::Answering` was emitted.
    answering: bool,
    /// Legacy streams: the `stop_reason` seen; the turn ends at the ChatMessageDetail or EOF.
    pub(crate) pending_stop: Option<StopReason>,
    // The sets and maps below are sorted vectors: a real turn has a few dozen entries, and
    // std's HashMap would add its hashing and table code to the wasm for three small uses.
    // Lookups are binary searches and each is capped ([`MAX_DOCUMENTS`], [`MAX_CITATIONS`]):
    // a reply with thousands of documents or citation numbers costs n log n comparisons, not n²
    // (which took 0.1–0.3 s of one task in the browser: BENCHMARKS.md, "Hostile streams").
    /// Ids of the documents announced, sorted.
    docs_seen: Vec<String>,
    /// Citation number → document id, as announced, sorted by number.
    citations_seen: Vec<(u32, String)>,
    last_ids: Option<(Option<i64>, Option<i64>)>,
    /// Legacy: database document id → connector document id (from `db_doc_id`), sorted.
    db_ids: Vec<(i64, String)>,
}

impl TurnState {
    /// Whether the turn has ended (finished or failed); later input is ignored.
    pub fn over(&self) -> bool {
        self.ended || self.failed
    }

    /// Answer text from the server, with citation links converted.
    pub fn text(&mut self, piece: &str, out: &mut Vec<ChatEvent>) {
        let t = self.text.feed(piece);
        if !t.is_empty() {
            self.has_text = true;
            out.push(ChatEvent::TextDelta(t));
        }
    }

    /// Announces that the answer is being written (once per turn).
    pub fn answering(&mut self, out: &mut Vec<ChatEvent>) {
        if !std::mem::replace(&mut self.answering, true) {
            out.push(ChatEvent::Status(Status::Answering));
        }
    }

    /// Documents; those already announced in this turn (or earlier in the same list) are
    /// left out, the others passed on in the server's order.
    pub fn documents(&mut self, docs: Vec<Document>, out: &mut Vec<ChatEvent>) {
        let room = MAX_DOCUMENTS.saturating_sub(self.docs_seen.len());
        // The list in id order finds its repeats in n log n; the first of each id is kept.
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.sort_by(|&a, &b| docs[a].id.cmp(&docs[b].id).then(a.cmp(&b)));
        let mut keep = vec![false; docs.len()];
        for (k, &i) in order.iter().enumerate() {
            let repeat = k > 0 && docs[order[k - 1]].id == docs[i].id;
            keep[i] = !repeat && self.docs_seen.binary_search(&docs[i].id).is_err();
        }
        let fresh: Vec<Document> = docs
            .into_iter()
            .zip(keep)
            .filter_map(|(d, keep)| keep.then_some(d))
            .take(room)
            .collect();
        if fresh.is_empty() {
            return;
        }
        // Sorted ids plus the new ones: the stable sort merges the two runs.
        self.docs_seen.extend(fresh.iter().map(|d| d.id.clone()));
        self.docs_seen.sort();
        out.push(ChatEvent::Documents(fresh));
    }

    /// Citation `number` → `document_id`, unless that exact mapping was already announced.
    pub fn citation(&mut self, number: u32, document_id: &str, out: &mut Vec<ChatEvent>) {
        if document_id.is_empty() {
            return;
        }
        let full = self.citations_seen.len() >= MAX_CITATIONS;
        match self
            .citations_seen
            .binary_search_by_key(&number, |(n, _)| *n)
        {
            Ok(i) if self.citations_seen[i].1 == document_id => return,
            Ok(i) => self.citations_seen[i].1 = document_id.to_string(),
            Err(_) if full => return,
            Err(i) => self
                .citations_seen
                .insert(i, (number, document_id.to_string())),
        }
        out.push(ChatEvent::Citation {
            number,
            document_id: document_id.to_string(),
        });
    }

    /// Whether citation `number` already has a document.
    pub fn has_citation(&self, number: u32) -> bool {
        self.citations_seen
            .binary_search_by_key(&number, |(n, _)| *n)
            .is_ok()
    }

    /// Remembers legacy database document id `db` → connector document id `id`.
    pub(crate) fn set_db_id(&mut self, db: i64, id: &str) {
        let full = self.db_ids.len() >= MAX_DOCUMENTS;
        match self.db_ids.binary_search_by_key(&db, |(d, _)| *d) {
            Ok(i) => self.db_ids[i].1 = id.to_string(),
            Err(_) if full => {}
            Err(i) => self.db_ids.insert(i, (db, id.to_string())),
        }
    }

    /// The connector document id of legacy database document id `db`.
    pub(crate) fn db_id(&self, db: i64) -> Option<&str> {
        let i = self.db_ids.binary_search_by_key(&db, |(d, _)| *d).ok()?;
        Some(&self.db_ids[i].1)
    }

    /// Message ids of the turn, unless they repeat the last ones announced.
    pub fn ids(&mut self, user: Option<i64>, assistant: Option<i64>, out: &mut Vec<ChatEvent>) {
        if user.is_none() && assistant.is_none() {
            return;
        }
        if self.last_ids.replace((user, assistant)) != Some((user, assistant)) {
            out.push(ChatEvent::MessageIds { user, assistant });
        }
    }

    /// The end of the turn.
    pub fn done(&mut self, reason: StopReason, out: &mut Vec<ChatEvent>) {
        if self.over() {
            return;
        }
        self.flush_text(out);
        self.ended = true;
        out.push(ChatEvent::Done(reason));
    }

    /// A fatal error ends the turn; the text so far is kept.
    pub fn fail(&mut self, err: ChatError, out: &mut Vec<ChatEvent>) {
        if self.over() {
            return;
        }
        self.flush_text(out);
        self.failed = true;
        out.push(ChatEvent::Error(err));
    }

    /// A payload that is not a JSON object: counted, reported once as a non-fatal error, never
    /// shown as answer text. (If no end marker follows, [`TurnState::finish`] fails the turn.)
    pub fn unreadable(&mut self, payload: &str, out: &mut Vec<ChatEvent>) {
        self.unreadable += 1;
        if looks_like_html(payload) {
            self.saw_html = true;
        }
        if self.unreadable == 1 {
            out.push(ChatEvent::Error(ChatError {
                message: "Part of the server's reply could not be read and was skipped.".into(),
                fatal: false,
                retryable: false,
                code: Some("invalid_line".into()),
                retry_after_seconds: None,
            }));
        }
    }

    /// The body ended. A turn without its end marker was interrupted; a body with nothing
    /// readable in it gets a message saying so.
    pub fn finish(&mut self, out: &mut Vec<ChatEvent>) {
        if self.over() {
            return;
        }
        if let Some(reason) = self.pending_stop {
            self.done(reason, out);
            return;
        }
        let err = if self.decoded == 0 && self.unreadable == 0 {
            ChatError::fatal(
                "The chat server sent an empty reply. Please try again.",
                true,
            )
            .with_code("empty_reply")
        } else if self.decoded == 0 && self.saw_html {
            ChatError::fatal(crate::errors::HTML_PAGE_MESSAGE, false).with_code("html_page")
        } else if self.decoded == 0 {
            ChatError::fatal(
                "The chat server's reply is not in a format Sherpa understands. \
                 Check that data-backend matches the server.",
                false,
            )
            .with_code("unreadable_reply")
        } else {
            let mut msg = String::from(crate::errors::INTERRUPTED_MESSAGE);
            if self.unreadable > 0 {
                msg.push_str(&format!(
                    " ({} part(s) of the reply could not be read.)",
                    self.unreadable
                ));
            }
            ChatError::fatal(msg, true).with_code("interrupted")
        };
        self.fail(err, out);
    }

    fn flush_text(&mut self, out: &mut Vec<ChatEvent>) {
        let t = self.text.finish();
        if !t.is_empty() {
            self.has_text = true;
            out.push(ChatEvent::TextDelta(t));
        }
    }
}

/// Whether a text starts like an HTML document.
pub(crate) fn looks_like_html(text: &str) -> bool {
    let t = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    ["<!doctype", "<html", "<head", "<body", "<!--", "<?xml"]
        .iter()
        .any(|start| {
            t.as_bytes()
                .get(..start.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(start.as_bytes()))
        })
}

/// A list of strings (for list filters), `null` when empty.
fn list_or_null(items: &[String]) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        Value::from(items)
    }
}

/// The retrieval filters in Onyx's shape:
/// `{"source_type", "document_set", "time_cutoff", "tags": [{"tag_key", "tag_value"}]}`.
/// Unset filters are `null` (an empty list could be read as "match nothing").
pub(crate) fn filters_json(opts: &BackendOptions) -> Value {
    let tags: Vec<Value> = opts
        .tags
        .iter()
        .map(|t| object! { "tag_key": &t.key, "tag_value": &t.value })
        .collect();
    object! {
        "source_type": list_or_null(&opts.source_types),
        "document_set": list_or_null(&opts.document_sets),
        "time_cutoff": opts.time_cutoff.as_ref(),
        "tags": if tags.is_empty() { Value::Null } else { Value::Array(tags) },
    }
}

/// `llm_override` `{"model_provider", "model_version"}` when a model is configured.
pub(crate) fn llm_override(opts: &BackendOptions) -> Option<Value> {
    opts.model
        .as_ref()
        .map(|(provider, version)| object! { "model_provider": provider, "model_version": version })
}

/// `POST {base}/{path}` with the Onyx family's JSON and auth headers.
pub(crate) fn onyx_post(opts: &BackendOptions, path: &str, body: Option<Value>) -> HttpRequest {
    HttpRequest {
        method: "POST",
        url: join_url(&opts.api_base, path),
        headers: onyx_headers(opts),
        body: body.map(|b| b.stringify()),
    }
}

/// `POST {base}/chat/create-chat-session` with the persona (0 when none is configured),
/// unless the conversation already has a session.
pub(crate) fn create_session_request(
    opts: &BackendOptions,
    conv: &Conversation,
) -> Option<HttpRequest> {
    if conv.session_id.is_some() {
        return None;
    }
    Some(onyx_post(
        opts,
        "chat/create-chat-session",
        Some(object! { "persona_id": opts.persona_id.unwrap_or(0), "description": Value::Null }),
    ))
}

/// Reads `chat_session_id` from a create-chat-session reply (a string, or a number on forks
/// that type ids loosely).
pub(crate) fn parse_session_id(body: &[u8]) -> Result<String, ChatError> {
    let v = json::parse_bytes(trim_body(body)).ok();
    let id = v.as_ref().and_then(|v| match v.get("chat_session_id")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.as_str().to_string()),
        _ => None,
    });
    if let Some(id) = id
        .as_deref()
        .filter(|id| !crate::backend::is_path_safe_id(id))
    {
        return Err(ChatError::fatal(
            format!(
                "The chat server sent a chat session id that is not a UUID ({:?}); \
                 it was refused and nothing was sent with it.",
                crate::errors::clean_detail(id)
            ),
            false,
        )
        .with_code("bad_session"));
    }
    id.ok_or_else(|| {
        let msg = if looks_like_html(&String::from_utf8_lossy(body)) {
            crate::errors::HTML_PAGE_MESSAGE.to_string()
        } else {
            "The chat server's reply to create-chat-session had no chat_session_id. \
             Check that data-backend matches the server."
                .to_string()
        };
        ChatError::fatal(msg, false).with_code("bad_session")
    })
}

/// `POST {base}/chat/stop-chat-session/{id}` (Onyx since late 2025).
pub(crate) fn stop_session_request(
    opts: &BackendOptions,
    conv: &Conversation,
) -> Option<HttpRequest> {
    // A session id goes into the path: only a UUID (or integer) ever does, so a restored or
    // server-sent id cannot point the authenticated POST at another path.
    let id = conv
        .session_id
        .as_deref()
        .filter(|s| crate::backend::is_path_safe_id(s))?;
    Some(onyx_post(
        opts,
        &format!("chat/stop-chat-session/{id}"),
        None,
    ))
}

/// `POST {base}/chat/create-chat-message-feedback`.
pub(crate) fn feedback_request(
    opts: &BackendOptions,
    message_id: i64,
    feedback: &crate::backend::Feedback,
) -> HttpRequest {
    onyx_post(
        opts,
        "chat/create-chat-message-feedback",
        Some(object! {
            "chat_message_id": message_id,
            "is_positive": feedback.positive,
            "feedback_text": feedback.comment.as_ref(),
            "predefined_feedback": feedback.reason.as_ref(),
        }),
    )
}

/// A body without a leading BOM and surrounding whitespace.
pub(crate) fn trim_body(body: &[u8]) -> &[u8] {
    let b = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    b.get(start..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_feedback_agrees_with_feedback_request() {
        let opts = BackendOptions::default();
        for kind in ["onyx", "onyx-legacy", "onyx-simple", "odyssey"] {
            let a = crate::BackendKind::parse(kind).unwrap().adapter();
            let built = a
                .feedback_request(&opts, 7, &crate::backend::Feedback::thumb(true))
                .is_some();
            assert_eq!(a.has_feedback(), built, "{kind}");
            assert_eq!(built, kind != "odyssey", "{kind}");
        }
    }

    fn doc(i: usize) -> Document {
        Document {
            id: format!("doc-{i}"),
            title: format!("Document {i}"),
            ..Document::default()
        }
    }

    #[test]
    fn documents_are_announced_once_and_capped() {
        let mut st = TurnState::default();
        let mut out = Vec::new();
        st.documents((0..3).map(doc).collect(), &mut out);
        st.documents((1..5).map(doc).collect(), &mut out);
        let ids: Vec<String> = out
            .iter()
            .flat_map(|e| match e {
                ChatEvent::Documents(d) => d.iter().map(|d| d.id.clone()).collect(),
                _ => Vec::new(),
            })
            .collect();
        assert_eq!(ids, ["doc-0", "doc-1", "doc-2", "doc-3", "doc-4"]);

        // Repeats within one list: the first is kept, in the server's order.
        out.clear();
        st.documents([9, 7, 9, 2, 8, 7].into_iter().map(doc).collect(), &mut out);
        let ChatEvent::Documents(d) = &out[0] else {
            panic!("{out:?}")
        };
        let ids: Vec<&str> = d.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["doc-9", "doc-7", "doc-8"]);

        out.clear();
        st.documents((0..MAX_DOCUMENTS * 3).map(doc).collect(), &mut out);
        let fresh: usize = out
            .iter()
            .map(|e| match e {
                ChatEvent::Documents(d) => d.len(),
                _ => 0,
            })
            .sum();
        assert_eq!(fresh, MAX_DOCUMENTS - 8);
    }

    #[test]
    fn citations_and_db_ids_in_any_order_are_found_and_remapped() {
        let mut st = TurnState::default();
        let mut out = Vec::new();
        for n in [5, 1, 3, 1, 5] {
            st.citation(n, "a", &mut out);
        }
        assert_eq!(out.len(), 3);
        st.citation(3, "b", &mut out);
        let remapped = ChatEvent::Citation {
            number: 3,
            document_id: "b".into(),
        };
        assert_eq!(out.last(), Some(&remapped));
        assert!(st.has_citation(1) && st.has_citation(5) && !st.has_citation(2));
        st.set_db_id(9, "x");
        st.set_db_id(2, "y");
        st.set_db_id(9, "z");
        assert_eq!(st.db_id(9), Some("z"));
        assert_eq!(st.db_id(2), Some("y"));
        assert_eq!(st.db_id(4), None);
    }

    #[test]
    fn citations_are_capped() {
        let mut st = TurnState::default();
        let mut out = Vec::new();
        for n in 0..(MAX_CITATIONS as u32 + 50) {
            st.citation(n, "doc", &mut out);
        }
        assert_eq!(out.len(), MAX_CITATIONS);
        assert!(st.has_citation(0));
        assert!(!st.has_citation(MAX_CITATIONS as u32));
        // A known number can still be remapped at the cap.
        st.citation(0, "other", &mut out);
        assert_eq!(out.len(), MAX_CITATIONS + 1);
    }
}
