//! Persistence (`data-persist`): a conversation's messages, sources and the ids needed to
//! continue it, saved to sessionStorage or localStorage and restored after a reload.
//! Saving happens when a turn ends and when the page is hidden or unloaded, never per token.
//! Storage that is disabled, full or corrupt falls back to memory without an error.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sherpa_protocol::{ChatError, Conversation, Document};

use crate::config::Persist;

/// Bumped when the saved shape changes; older snapshots are ignored.
const VERSION: u32 = 1;

/// One saved message.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SavedMessage {
    pub user: bool,
    pub text: String,
    /// `data-state` value of an assistant message.
    pub state: String,
    #[serde(default)]
    pub documents: Vec<Document>,
    #[serde(default)]
    pub citations: BTreeMap<u32, String>,
    #[serde(default)]
    pub follow_ups: Vec<String>,
    #[serde(default)]
    pub server_id: Option<i64>,
    #[serde(default)]
    pub error: Option<ChatError>,
    #[serde(default)]
    pub parent_before: Option<i64>,
}

/// A saved conversation.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
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

    /// Reads a snapshot; anything unreadable or from another version is `None`.
    pub fn from_json(s: &str) -> Option<Snapshot> {
        serde_json::from_str::<Snapshot>(s)
            .ok()
            .filter(|s| s.version == VERSION)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
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
        let w = web_sys::window()?;
        // Both calls throw (SecurityError) when storage is disabled: treat as absent.
        match self.persist {
            Persist::Session => w.session_storage().ok().flatten(),
            Persist::Local => w.local_storage().ok().flatten(),
            Persist::None => None,
        }
    }

    /// The saved conversation, if any.
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
                citations: BTreeMap::from([(1, "d".to_string())]),
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

    #[test]
    fn keys_separate_instances_and_backends() {
        let a = Store::new(Persist::Session, "/api", "onyx", "launcher");
        let b = Store::new(Persist::Session, "/api", "onyx", "inline-help");
        let c = Store::new(Persist::Session, "/api", "odyssey", "launcher");
        assert_ne!(a.key(), b.key());
        assert_ne!(a.key(), c.key());
    }
}
