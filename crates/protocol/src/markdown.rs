//! Answer markdown: split into blocks while streaming, and parsed into a safe node tree.
//! (Filled in by the chat-experience work; see issue 5.)
