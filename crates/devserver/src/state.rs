//! Server state: chat sessions with Onyx-like message chains, recorded requests, stored
//! feedback and the `once` fault memory.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::Config;

/// Shared state behind every handler.
pub struct AppState {
    pub config: Config,
    inner: Mutex<Inner>,
}

/// At most this many requests are recorded (the oldest are dropped).
pub const MAX_RECORDED: usize = 1000;
/// At most this many bytes of recorded requests (as JSON) are kept (the oldest are dropped).
pub const MAX_RECORDED_BYTES: usize = 16 * 1024 * 1024;

#[derive(Default)]
struct Inner {
    sessions: HashMap<String, Session>,
    /// Message ids are global and increasing, like database ids.
    last_message_id: i64,
    uuid_seed: u64,
    /// Recorded requests with their serialised sizes, oldest first (bounded, see
    /// [`MAX_RECORDED`] and [`MAX_RECORDED_BYTES`]).
    requests: std::collections::VecDeque<(serde_json::Value, usize)>,
    requests_bytes: usize,
    feedback: Vec<serde_json::Value>,
    once_served: HashSet<String>,
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

/// One stored message.
#[derive(Clone, Debug)]
pub struct Message {
    pub id: i64,
    pub parent: Option<i64>,
    pub role: Role,
    pub text: String,
}

/// A chat session.
pub struct Session {
    pub id: String,
    pub persona_id: i64,
    pub messages: Vec<Message>,
    /// The newest message of the mainline.
    pub latest: Option<i64>,
    /// Set by `stop-chat-session`; the running stream checks it between pieces.
    pub stop: Arc<AtomicBool>,
}

/// How the client named the parent of a new message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parent {
    /// `-1`: after the latest message.
    Latest,
    /// `null`: start again from the root.
    Root,
    /// A message id.
    Id(i64),
}

/// The ids given to a new turn.
#[derive(Clone, Debug)]
pub struct Turn {
    /// `None` when an existing user message is reused (regenerate).
    pub user_message_id: Option<i64>,
    /// The user message the answer hangs under (new or reused).
    pub user_id: i64,
    pub assistant_id: i64,
    pub stop: Arc<AtomicBool>,
    /// The question, taken from the reused message on a regenerate.
    pub question: String,
}

/// The mainline error text, as Onyx words it.
pub const NOT_ON_MAINLINE: &str = "The new message sent is not on the latest mainline of messages";

impl AppState {
    pub fn new(config: Config) -> AppState {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x5eed);
        AppState {
            config,
            inner: Mutex::new(Inner {
                uuid_seed: seed | 1,
                last_message_id: 40,
                ..Inner::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates a session and returns its id.
    pub fn create_session(&self, persona_id: i64) -> String {
        let mut inner = self.lock();
        let id = inner.uuid();
        inner.sessions.insert(
            id.clone(),
            Session {
                id: id.clone(),
                persona_id,
                messages: Vec::new(),
                latest: None,
                stop: Arc::new(AtomicBool::new(false)),
            },
        );
        id
    }

    /// Whether a session exists.
    pub fn has_session(&self, id: &str) -> bool {
        self.lock().sessions.contains_key(id)
    }

    /// The persona of a session.
    pub fn session_persona(&self, id: &str) -> Option<i64> {
        self.lock().sessions.get(id).map(|s| s.persona_id)
    }

    /// Starts a turn: checks the parent against the mainline and reserves ids.
    /// `regenerate` (legacy) reuses the parent user message, as does naming a user message
    /// as parent in the new API.
    pub fn start_turn(
        &self,
        session_id: &str,
        parent: Parent,
        question: &str,
        regenerate: bool,
    ) -> Result<Turn, String> {
        let mut inner = self.lock();
        let first_id = inner.last_message_id + 1;
        let session = inner
            .sessions
            .get_mut(session_id)
            .ok_or_else(|| "Chat session not found".to_string())?;
        let parent_id = match parent {
            Parent::Latest => session.latest,
            Parent::Root => None,
            Parent::Id(id) => {
                if !session.mainline().contains(&id) {
                    return Err(NOT_ON_MAINLINE.to_string());
                }
                Some(id)
            }
        };
        let reused = parent_id
            .and_then(|id| session.messages.iter().find(|m| m.id == id))
            .filter(|m| m.role == Role::User && (regenerate || matches!(parent, Parent::Id(_))))
            .cloned();
        let (user_message_id, user_id, question, next) = match reused {
            Some(m) => (None, m.id, m.text, first_id),
            None => {
                session.messages.push(Message {
                    id: first_id,
                    parent: parent_id,
                    role: Role::User,
                    text: question.to_string(),
                });
                (Some(first_id), first_id, question.to_string(), first_id + 1)
            }
        };
        let assistant_id = next;
        session.messages.push(Message {
            id: assistant_id,
            parent: Some(user_id),
            role: Role::Assistant,
            text: String::new(),
        });
        session.latest = Some(assistant_id);
        session.stop.store(false, Ordering::SeqCst);
        let stop = session.stop.clone();
        inner.last_message_id = assistant_id;
        Ok(Turn {
            user_message_id,
            user_id,
            assistant_id,
            stop,
            question,
        })
    }

    /// Saves the (possibly partial) text of an assistant message.
    pub fn finish_turn(&self, session_id: &str, assistant_id: i64, text: &str) {
        let mut inner = self.lock();
        if let Some(m) = inner
            .sessions
            .get_mut(session_id)
            .and_then(|s| s.messages.iter_mut().find(|m| m.id == assistant_id))
        {
            m.text = text.to_string();
        }
    }

    /// Asks the running stream of a session to stop. Returns false for an unknown session.
    pub fn stop_session(&self, id: &str) -> bool {
        match self.lock().sessions.get(id) {
            Some(s) => {
                s.stop.store(true, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// Whether a message id exists in any session.
    pub fn message_exists(&self, id: i64) -> bool {
        self.lock()
            .sessions
            .values()
            .any(|s| s.messages.iter().any(|m| m.id == id))
    }

    /// Records a request, dropping the oldest ones beyond [`MAX_RECORDED`] entries or
    /// [`MAX_RECORDED_BYTES`] of JSON.
    pub fn record_request(&self, entry: serde_json::Value) {
        let size = entry.to_string().len();
        let mut inner = self.lock();
        inner.requests.push_back((entry, size));
        inner.requests_bytes += size;
        while inner.requests.len() > MAX_RECORDED
            || (inner.requests_bytes > MAX_RECORDED_BYTES && inner.requests.len() > 1)
        {
            if let Some((_, n)) = inner.requests.pop_front() {
                inner.requests_bytes -= n;
            }
        }
    }

    pub fn requests(&self) -> Vec<serde_json::Value> {
        self.lock()
            .requests
            .iter()
            .map(|(v, _)| v.clone())
            .collect()
    }

    pub fn clear_requests(&self) {
        let mut inner = self.lock();
        inner.requests.clear();
        inner.requests_bytes = 0;
    }

    pub fn add_feedback(&self, entry: serde_json::Value) {
        self.lock().feedback.push(entry);
    }

    pub fn feedback(&self) -> Vec<serde_json::Value> {
        self.lock().feedback.clone()
    }

    /// For a `once` fault: true the first time `spec` is seen, false afterwards.
    pub fn first_use_of(&self, spec: &str) -> bool {
        self.lock().once_served.insert(spec.to_string())
    }

    /// Forgets recorded requests, feedback and `once` specs (sessions stay).
    pub fn reset(&self) {
        let mut inner = self.lock();
        inner.requests.clear();
        inner.requests_bytes = 0;
        inner.feedback.clear();
        inner.once_served.clear();
    }

    /// A fresh random-looking UUID (version 4 layout).
    pub fn uuid(&self) -> String {
        self.lock().uuid()
    }
}

impl Inner {
    fn next_random(&mut self) -> u64 {
        // xorshift64*: plenty for ids that only need to be unique within one run.
        let mut x = self.uuid_seed;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.uuid_seed = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn uuid(&mut self) -> String {
        let a = self.next_random();
        let b = self.next_random();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

impl Session {
    /// Ids on the mainline: the latest message and its ancestors.
    pub fn mainline(&self) -> Vec<i64> {
        let mut out = Vec::new();
        let mut cur = self.latest;
        while let Some(id) = cur {
            out.push(id);
            cur = self
                .messages
                .iter()
                .find(|m| m.id == id)
                .and_then(|m| m.parent);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> AppState {
        AppState::new(Config::default())
    }

    #[test]
    fn the_record_is_bounded() {
        let st = state();
        for i in 0..MAX_RECORDED + 5 {
            st.record_request(serde_json::json!({ "i": i }));
        }
        let reqs = st.requests();
        assert_eq!(reqs.len(), MAX_RECORDED);
        assert_eq!(reqs[0]["i"], 5, "the oldest are dropped");
        st.clear_requests();
        let big = "x".repeat(MAX_RECORDED_BYTES / 4);
        for i in 0..10 {
            st.record_request(serde_json::json!({ "i": i, "body": big }));
        }
        let reqs = st.requests();
        assert_eq!(reqs.len(), 3, "bytes bound: 3 of ~4 MiB fit in 16 MiB");
        assert_eq!(reqs[2]["i"], 9);
    }

    #[test]
    fn chains_and_regenerates() {
        let st = state();
        let s = st.create_session(0);
        let t1 = st.start_turn(&s, Parent::Root, "q1", false).unwrap();
        assert_eq!(t1.user_message_id, Some(41));
        assert_eq!(t1.assistant_id, 42);
        let t2 = st.start_turn(&s, Parent::Latest, "q2", false).unwrap();
        assert_eq!((t2.user_message_id, t2.assistant_id), (Some(43), 44));
        // Regenerate the second answer: parent = its user message.
        let t3 = st.start_turn(&s, Parent::Id(43), "", false).unwrap();
        assert_eq!((t3.user_message_id, t3.assistant_id), (None, 45));
        assert_eq!(t3.question, "q2");
        // 44 is now off the mainline.
        assert_eq!(
            st.start_turn(&s, Parent::Id(44), "q", false).unwrap_err(),
            NOT_ON_MAINLINE
        );
    }

    #[test]
    fn uuids_look_like_uuids() {
        let st = state();
        let u = st.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(u, st.uuid());
    }
}
