//! The backend-independent request model and the [`Adapter`] trait every backend implements.

use crate::event::{ChatError, ChatEvent};
use crate::json::{self, FromJson, Value};
use crate::object;

/// Which backend API to speak (`data-backend`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackendKind {
    /// Current Onyx: `create-chat-session` + `send-chat-message`, packet v2 stream.
    #[default]
    Onyx,
    /// Onyx up to 2.x and Hymalaia: `send-message`, legacy objects or packet v1/v2.
    OnyxLegacy,
    /// `send-message-simple-api`, one JSON body.
    OnyxSimple,
    /// OdysseyAI `POST /api/chat/message`.
    Odyssey,
}

impl BackendKind {
    /// Parses a `data-backend` value.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "onyx" => Some(Self::Onyx),
            "onyx-legacy" => Some(Self::OnyxLegacy),
            "onyx-simple" => Some(Self::OnyxSimple),
            "odyssey" => Some(Self::Odyssey),
            _ => None,
        }
    }

    /// The attribute value naming this backend.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Onyx => "onyx",
            Self::OnyxLegacy => "onyx-legacy",
            Self::OnyxSimple => "onyx-simple",
            Self::Odyssey => "odyssey",
        }
    }

    /// The request for the questions to offer before the first message (Onyx persona
    /// `starter_messages`), if the backend has them. Read the reply with [`parse_starters`].
    /// A function of the kind, not of the [`Adapter`], so that asking for starters does not
    /// bring in the adapters (the widget does this before the first question).
    pub fn starters_request(self, opts: &BackendOptions) -> Option<HttpRequest> {
        match self {
            Self::Onyx | Self::OnyxLegacy | Self::OnyxSimple => Some(onyx_persona_request(opts)),
            Self::Odyssey => None,
        }
    }

    /// The adapter for this backend.
    pub fn adapter(self) -> Box<dyn Adapter> {
        crate::adapters::for_kind(self)
    }
}

/// A tag filter, written `key:value` in `data-tags`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// Everything from the widget's configuration that shapes requests.
///
/// `Default` gives an empty configuration with streaming on and citations off (the widget
/// sets `include_citations` explicitly).
#[derive(Clone, Debug, PartialEq)]
pub struct BackendOptions {
    /// Base URL including `/api` for Onyx-family servers, without a trailing slash.
    pub api_base: String,
    pub api_key: Option<String>,
    pub persona_id: Option<i64>,
    /// Odyssey `userId` header.
    pub user_id: Option<String>,
    /// Odyssey `workspaceId`.
    pub workspace_id: Option<String>,
    /// Odyssey `agentId`.
    pub agent_id: Option<String>,
    pub document_sets: Vec<String>,
    pub source_types: Vec<String>,
    pub tags: Vec<Tag>,
    /// ISO 8601 date or date-time; only documents updated after it are searched.
    pub time_cutoff: Option<String>,
    /// `(provider, model)` for Onyx's `llm_override`.
    pub model: Option<(String, String)>,
    /// Ask the backend for citations (`include_citations`).
    pub include_citations: bool,
    /// Ask for a streamed answer (default). `false` asks `onyx` for one JSON body
    /// (`stream: false`), for proxies that buffer streams; other backends ignore it.
    pub stream: bool,
}

impl Default for BackendOptions {
    fn default() -> Self {
        BackendOptions {
            api_base: String::new(),
            api_key: None,
            persona_id: None,
            user_id: None,
            workspace_id: None,
            agent_id: None,
            document_sets: Vec::new(),
            source_types: Vec::new(),
            tags: Vec::new(),
            time_cutoff: None,
            model: None,
            include_citations: false,
            stream: true,
        }
    }
}

impl BackendOptions {
    /// Whether any retrieval filter (document sets, source types, tags, time cutoff) is set.
    pub fn has_filters(&self) -> bool {
        !self.document_sets.is_empty()
            || !self.source_types.is_empty()
            || !self.tags.is_empty()
            || self.time_cutoff.is_some()
    }
}

/// What a backend needs to continue a conversation; saved with the transcript.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conversation {
    /// Onyx chat session id, or the Odyssey conversation id.
    pub session_id: Option<String>,
    /// The last assistant message id (parent of the next message).
    pub parent_message_id: Option<i64>,
    /// Number of turns already sent in this conversation.
    pub turns: u32,
}

impl Conversation {
    /// `{"session_id", "parent_message_id", "turns"}`, for saved conversations.
    pub fn to_json(&self) -> Value {
        object! {
            "session_id": self.session_id.as_ref(),
            "parent_message_id": self.parent_message_id,
            "turns": self.turns,
        }
    }
}

/// Reads [`Conversation::to_json`]'s shape; absent fields are defaults.
impl FromJson for Conversation {
    fn from_json(v: &Value) -> Option<Self> {
        if !v.is_object() {
            return None;
        }
        Some(Conversation {
            session_id: v.field("session_id")?,
            parent_message_id: v.field("parent_message_id")?,
            turns: v.field("turns")?,
        })
    }
}

/// An HTTP request, independent of any HTTP client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// JSON body, if any.
    pub body: Option<String>,
}

impl HttpRequest {
    /// The value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Turns response bytes into events. Feed chunks as they arrive, then call `finish` once.
/// The events are the same however the bytes are chunked (up to how text deltas split).
pub trait Decoder {
    /// Decodes one chunk of the response body.
    fn feed(&mut self, chunk: &[u8]) -> Vec<ChatEvent>;
    /// The body ended: decode what is left and close the turn (a turn that ends without the
    /// backend's end marker is reported as an interrupted answer).
    fn finish(&mut self) -> Vec<ChatEvent>;
}

/// One backend: builds its requests and decodes its responses.
pub trait Adapter {
    /// The request to run before the first message, if the backend needs a session first.
    fn session_request(&self, opts: &BackendOptions, conv: &Conversation) -> Option<HttpRequest>;
    /// Reads the session id from the response to [`Adapter::session_request`].
    fn parse_session(&self, body: &[u8]) -> Result<String, ChatError>;
    /// The request that sends `message`.
    fn message_request(
        &self,
        opts: &BackendOptions,
        conv: &Conversation,
        message: &str,
    ) -> HttpRequest;
    /// Whether the widget must invent the conversation id itself. When true (Odyssey, which
    /// has no create call), set `conv.session_id` to a fresh id, e.g. from
    /// [`new_conversation_id`], before the first [`Adapter::message_request`] of a
    /// conversation; [`Adapter::session_request`] then returns `None`.
    fn needs_client_conversation_id(&self) -> bool {
        false
    }
    /// A decoder for the response to [`Adapter::message_request`].
    /// `content_type` is the response's Content-Type header, if any. It never decides the
    /// framing (Onyx sends NDJSON as `text/event-stream`; the content decides), but an Onyx
    /// reply labelled `application/json` (`stream: false`) is read whole before decoding.
    fn decoder(&self, content_type: Option<&str>) -> Box<dyn Decoder>;
    /// The request that tells the server to stop generating, if the backend has one.
    fn stop_request(&self, opts: &BackendOptions, conv: &Conversation) -> Option<HttpRequest> {
        let _ = (opts, conv);
        None
    }
    /// Whether the backend records thumbs up/down (then [`Adapter::feedback_request`] gives
    /// a request).
    fn has_feedback(&self) -> bool {
        false
    }
    /// The request that records thumbs up/down on an assistant message, if supported.
    fn feedback_request(
        &self,
        opts: &BackendOptions,
        message_id: i64,
        feedback: &Feedback,
    ) -> Option<HttpRequest> {
        let _ = (opts, message_id, feedback);
        None
    }
}

/// A visitor's feedback on an answer: the thumb, and optionally a reason (one of the
/// widget's predefined reasons, Onyx `predefined_feedback`) and a comment (`feedback_text`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Feedback {
    pub positive: bool,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

impl Feedback {
    /// A thumb alone.
    pub fn thumb(positive: bool) -> Self {
        Feedback {
            positive,
            ..Feedback::default()
        }
    }
}

/// A conversation id (UUID version 4 text) made from 16 random bytes the caller supplies
/// (for instance from `crypto.getRandomValues`), for backends where the client names the
/// conversation (see [`Adapter::needs_client_conversation_id`]).
pub fn new_conversation_id(random: [u8; 16]) -> String {
    let mut b = random;
    // Version 4 in the high nibble of byte 6, the RFC 4122 variant in the top bits of byte 8.
    if let Some(v) = b.get_mut(6) {
        *v = (*v & 0x0f) | 0x40;
    }
    if let Some(v) = b.get_mut(8) {
        *v = (*v & 0x3f) | 0x80;
    }
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Applies the events of a turn to a [`Conversation`], so the next turn is chained.
pub fn advance(conv: &mut Conversation, ev: &ChatEvent) {
    match ev {
        ChatEvent::Session { id } => conv.session_id = Some(id.clone()),
        ChatEvent::MessageIds {
            assistant: Some(id),
            ..
        } => conv.parent_message_id = Some(*id),
        _ => {}
    }
}

/// `GET {base}/persona/{id}`: the Onyx family's persona, whose `starter_messages` are offered
/// as starter questions.
pub fn onyx_persona_request(opts: &BackendOptions) -> HttpRequest {
    let mut headers = onyx_headers(opts);
    headers.retain(|(k, _)| k != "content-type");
    HttpRequest {
        method: "GET",
        url: join_url(
            &opts.api_base,
            &format!("persona/{}", opts.persona_id.unwrap_or(0)),
        ),
        headers,
        body: None,
    }
}

/// The starter questions of a persona reply: each `starter_messages[].message` (or its `name`
/// when the message is empty). Anything unexpected gives an empty list.
pub fn parse_starters(body: &[u8]) -> Vec<String> {
    let Ok(v) = json::parse_bytes(body) else {
        return Vec::new();
    };
    v.get("starter_messages")
        .and_then(|s| s.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|m| {
                    let pick = |k: &str| {
                        m.get(k)
                            .and_then(|x| x.as_str())
                            .map(str::trim)
                            .filter(|x| !x.is_empty())
                    };
                    pick("message").or_else(|| pick("name")).map(str::to_string)
                })
                .take(6)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a server-supplied id may go into a URL path: an Onyx chat session id is a UUID
/// (8-4-4-4-12 hex digits); forks that type ids loosely send a decimal integer. Anything else
/// (slashes, dots, `?`, `#`, `%`, spaces…) is refused, so it can never name another path.
pub fn is_path_safe_id(id: &str) -> bool {
    let b = id.as_bytes();
    let uuid = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    let integer = (1..=19).contains(&b.len()) && b.iter().all(u8::is_ascii_digit);
    uuid || integer
}

/// Joins the API base and a path with exactly one slash.
pub fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Standard JSON + auth headers for the Onyx family.
pub fn onyx_headers(opts: &BackendOptions) -> Vec<(String, String)> {
    let mut h = vec![("content-type".to_string(), "application/json".to_string())];
    if let Some(key) = opts.api_key.as_deref().filter(|k| !k.is_empty()) {
        h.push(("authorization".into(), format!("Bearer {key}")));
    }
    h
}
