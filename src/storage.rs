//! Persistence (`data-persist`): a conversation's messages, sources and the ids needed to
//! continue it, saved to sessionStorage or localStorage and restored after a reload.
//! Saving happens when a turn ends and when the page is hidden or unloaded, never per token.
//! Storage that is disabled, full or corrupt falls back to memory without an error.

use sherpa_protocol::json::{self, FromJson, Value};
use sherpa_protocol::{object, ChatError, Conversation, Document};

use crate::config::Persist;
use crate::map::SortedMap;

/// Bumped when the saved shape changes; older snapshots are ignored.
const VERSION: u32 = 1;

/// One saved message.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedMessage {
    pub user: bool,
    pub text: String,
    /// `data-state` value of an assistant message.
    pub state: String,
    pub documents: Vec<Document>,
    pub citations: SortedMap<u32, String>,
    pub follow_ups: Vec<String>,
    pub server_id: Option<i64>,
    pub error: Option<ChatError>,
    pub parent_before: Option<i64>,
}

impl SavedMessage {
    fn to_json(&self) -> Value {
        object! {
            "user": self.user,
            "text": &self.text,
            "state": &self.state,
            "documents": Value::Array(self.documents.iter().map(Document::to_json).collect()),
            "citations": Value::Object(
                self.citations
                    .iter()
                    .map(|(n, id)| (n.to_string(), Value::from(id)))
                    .collect(),
            ),
            "follow_ups": self.follow_ups.as_slice(),
            "server_id": self.server_id,
            "error": self.error.as_ref().map(ChatError::to_json),
            "parent_before": self.parent_before,
        }
    }
}

/// Absent or `null` fields read as defaults; a field of the wrong type fails the message.
impl FromJson for SavedMessage {
    fn from_json(v: &Value) -> Option<Self> {
        if !v.is_object() {
            return None;
        }
        let mut citations = SortedMap::new();
        if let Some(map) = v.get("citations").filter(|c| !c.is_null()) {
            for (number, id) in map.as_object()? {
                citations.insert(number.parse().ok()?, String::from_json(id)?);
            }
        }
        Some(SavedMessage {
            user: v.field("user")?,
            text: v.field("text")?,
            state: v.field("state")?,
            documents: v.field("documents")?,
            citations,
            follow_ups: v.field("follow_ups")?,
            server_id: v.field("server_id")?,
            error: v.field("error")?,
            parent_before: v.field("parent_before")?,
        })
    }
}

/// A saved conversation: `{"version": 1, "conversation": {…}, "messages": [{…}]}` (the shape
/// serde's derive gave it, so conversations saved by earlier builds still load).
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub version: u32,
    pub conversation: Conversation,
    pub messages: Vec<SavedMessage>,
}

impl Snapshot {
    pub fn new(conversation: Conversation, messages: Vec<SavedMessage>) -> Self {
        Snapshot {
            version: VERSION,
            conversation,
            messages,
        }
    }

    /// Reads a snapshot; anything unreadable, of another shape or from another version is
    /// `None`.
    pub fn from_json(s: &str) -> Option<Snapshot> {
        let v = json::parse(s).ok()?;
        if v.get("version")?.as_u64()? != u64::from(VERSION) {
            return None;
        }
        Some(Snapshot {
            version: VERSION,
            conversation: Conversation::from_json(v.get("conversation")?)?,
            messages: Vec::from_json(v.get("messages")?)?,
        })
    }

    pub fn to_json(&self) -> String {
        object! {
            "version": self.version,
            "conversation": self.conversation.to_json(),
            "messages": Value::Array(self.messages.iter().map(SavedMessage::to_json).collect()),
        }
        .stringify()
    }
}

/// Where one widget instance keeps its conversation.
#[derive(Clone, Debug)]
pub struct Store {
    // Read only by the browser build (native tests check keys and snapshots).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    persist: Persist,
    key: String,
}

/// The browser storage `persist` names (none when disabled, or for `none`).
#[cfg(target_arch = "wasm32")]
fn storage_for(persist: Persist) -> Option<web_sys::Storage> {
    let w = web_sys::window()?;
    // Both calls throw (SecurityError) when storage is disabled: treat as absent.
    match persist {
        Persist::Session => w.session_storage().ok().flatten(),
        Persist::Local => w.local_storage().ok().flatten(),
        Persist::None => None,
    }
}

/// Where a docked panel (`data-mode="panel"`) notes that it is open, so that the next page
/// opens it again (the loader reads it too: `src/loader/sherpa.js`).
pub const PANEL_OPEN_KEY: &str = "sherpa:panel-open";

/// Notes whether the docked panel is open (in the storage `persist` names).
#[cfg(target_arch = "wasm32")]
pub fn set_panel_open(persist: Persist, open: bool) {
    if let Some(s) = storage_for(persist) {
        let _ = if open {
            s.set_item(PANEL_OPEN_KEY, "1")
        } else {
            s.remove_item(PANEL_OPEN_KEY)
        };
    }
}

/// Whether the docked panel was open when the last page was left.
#[cfg(target_arch = "wasm32")]
pub fn panel_was_open(persist: Persist) -> bool {
    storage_for(persist)
        .and_then(|s| s.get_item(PANEL_OPEN_KEY).ok().flatten())
        .is_some_and(|v| v == "1")
}

impl Store {
    /// `instance` tells instances on one page apart (launcher, or the inline element's id).
    pub fn new(persist: Persist, api_base: &str, backend: &str, instance: &str) -> Self {
        Store {
            persist,
            key: format!("sherpa:v{VERSION}:{backend}:{api_base}:{instance}"),
        }
    }

    #[cfg(target_arch = "wasm32")]
    fn storage(&self) -> Option<web_sys::Storage> {
        storage_for(self.persist)
    }

    /// Whether a conversation is saved (without reading it).
    #[cfg(target_arch = "wasm32")]
    pub fn has_saved(&self) -> bool {
        self.storage()
            .and_then(|s| s.get_item(&self.key).ok().flatten())
            .is_some()
    }

    /// The saved conversation, if there is a readable one.
    #[cfg(target_arch = "wasm32")]
    pub fn load(&self) -> Option<Snapshot> {
        let raw = self.storage()?.get_item(&self.key).ok().flatten()?;
        Snapshot::from_json(&raw)
    }

    /// Saves the conversation; a full quota or disabled storage is ignored (memory only).
    #[cfg(target_arch = "wasm32")]
    pub fn save(&self, snap: &Snapshot) {
        if let Some(s) = self.storage() {
            if s.set_item(&self.key, &snap.to_json()).is_err() {
                web_sys::console::warn_1(
                    &"sherpa: could not save the conversation (storage full or disabled); it is kept in memory only".into(),
                );
            }
        }
    }

    /// Forgets the saved conversation.
    #[cfg(target_arch = "wasm32")]
    pub fn clear(&self) {
        if let Some(s) = self.storage() {
            let _ = s.remove_item(&self.key);
        }
    }

    pub fn key(&self) -> &str {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_round_trips_and_rejects_garbage() {
        let snap = Snapshot::new(
            Conversation {
                session_id: Some("s".into()),
                parent_message_id: Some(42),
                turns: 1,
            },
            vec![SavedMessage {
                user: false,
                text: "Hi \u{E000}1\u{E001}".into(),
                state: "done".into(),
                documents: vec![Document {
                    id: "d".into(),
                    title: "T".into(),
                    ..Default::default()
                }],
                citations: SortedMap::from([(1, "d".to_string())]),
                follow_ups: vec!["More?".into()],
                server_id: Some(42),
                error: None,
                parent_before: None,
            }],
        );
        assert_eq!(Snapshot::from_json(&snap.to_json()), Some(snap.clone()));
        assert_eq!(Snapshot::from_json("not json"), None);
        let old = snap.to_json().replace("\"version\":1", "\"version\":0");
        assert_eq!(Snapshot::from_json(&old), None);
    }

    /// What the serde-derived `to_json` of the first persistence release wrote.
    const SERDE_SNAPSHOT: &str = r#"{"version":1,"conversation":{"session_id":"sess-1","parent_message_id":17,"turns":2},"messages":[{"user":true,"text":"What is the \"refund\" policy?\n","state":"done","documents":[],"citations":{},"follow_ups":[],"server_id":16,"error":null,"parent_before":null},{"user":false,"text":"Refunds [1] within 30 days — ok 😀","state":"done","documents":[{"id":"DOC-1","title":"Refund policy","link":"https://kb.example.com/refund","blurb":"Refunds within 30 days","source_type":"confluence"},{"id":"DOC-2","title":"DOC-2","link":null,"blurb":"","source_type":""}],"citations":{"1":"DOC-1","12":"DOC-2"},"follow_ups":["And exchanges?"],"server_id":17,"error":null,"parent_before":5},{"user":false,"text":"Partial","state":"error","documents":[],"citations":{},"follow_ups":[],"server_id":null,"error":{"message":"Too many requests","fatal":true,"retryable":true,"code":"http_429","retry_after_seconds":120},"parent_before":17}]}"#;

    #[test]
    fn reads_and_writes_the_shape_saved_by_earlier_builds() {
        let snap = Snapshot::from_json(SERDE_SNAPSHOT).expect("loads");
        let assistant = SavedMessage {
            user: false,
            text: "Refunds [1] within 30 days — ok 😀".into(),
            state: "done".into(),
            documents: vec![
                Document {
                    id: "DOC-1".into(),
                    title: "Refund policy".into(),
                    link: Some("https://kb.example.com/refund".into()),
                    blurb: "Refunds within 30 days".into(),
                    source_type: "confluence".into(),
                },
                Document {
                    id: "DOC-2".into(),
                    title: "DOC-2".into(),
                    ..Default::default()
                },
            ],
            citations: SortedMap::from([(1, "DOC-1".to_string()), (12, "DOC-2".to_string())]),
            follow_ups: vec!["And exchanges?".into()],
            server_id: Some(17),
            error: None,
            parent_before: Some(5),
        };
        assert_eq!(
            snap.conversation,
            Conversation {
                session_id: Some("sess-1".into()),
                parent_message_id: Some(17),
                turns: 2,
            }
        );
        assert_eq!(snap.messages.len(), 3);
        assert_eq!(snap.messages[0].text, "What is the \"refund\" policy?\n");
        assert_eq!(snap.messages[0].server_id, Some(16));
        assert_eq!(snap.messages[1], assistant);
        assert_eq!(
            snap.messages[2].error,
            Some(ChatError {
                message: "Too many requests".into(),
                fatal: true,
                retryable: true,
                code: Some("http_429".into()),
                retry_after_seconds: Some(120),
            })
        );
        // Written back byte for byte as before.
        assert_eq!(snap.to_json(), SERDE_SNAPSHOT);
    }

    #[test]
    fn absent_fields_are_defaults_and_wrong_shapes_are_rejected() {
        let minimal = r#"{"version":1,"conversation":{},"messages":[{"user":true,"text":"hi"}]}"#;
        let snap = Snapshot::from_json(minimal).expect("loads");
        assert_eq!(snap.conversation, Conversation::default());
        assert_eq!(snap.messages[0].text, "hi");
        assert_eq!(snap.messages[0].state, "");
        assert!(snap.messages[0].citations.is_empty());
        assert_eq!(snap.messages[0].error, None);
        for bad in [
            "",
            "[]",
            "null",
            r#"{"version":1}"#,
            r#"{"version":"1","conversation":{},"messages":[]}"#,
            r#"{"version":2,"conversation":{},"messages":[]}"#,
            r#"{"version":1,"conversation":[],"messages":[]}"#,
            r#"{"version":1,"conversation":{},"messages":{}}"#,
            r#"{"version":1,"conversation":{"turns":-1},"messages":[]}"#,
            r#"{"version":1,"conversation":{},"messages":[7]}"#,
            r#"{"version":1,"conversation":{},"messages":[{"user":"yes"}]}"#,
            r#"{"version":1,"conversation":{},"messages":[{"citations":{"x":"d"}}]}"#,
            r#"{"version":1,"conversation":{},"messages":[{"documents":[{"id":1}]}]}"#,
            r#"{"version":1,"conversation":{},"messages":[{"error":"boom"}]}"#,
        ] {
            assert_eq!(Snapshot::from_json(bad), None, "{bad}");
        }
        // Every truncation of a real snapshot is rejected, without a panic.
        for end in 0..SERDE_SNAPSHOT.len() {
            if let Some(head) = SERDE_SNAPSHOT.get(..end) {
                assert_eq!(Snapshot::from_json(head), None);
            }
        }
    }

    #[test]
    fn keys_separate_instances_and_backends() {
        let a = Store::new(Persist::Session, "/api", "onyx", "launcher");
        let b = Store::new(Persist::Session, "/api", "onyx", "inline-help");
        let c = Store::new(Persist::Session, "/api", "odyssey", "launcher");
        assert_ne!(a.key(), b.key());
        assert_ne!(a.key(), c.key());
    }
}
