//! The widget's icons: SVG path data on a 24 × 24 view box, drawn in `currentColor`. The
//! loader draws the launcher's icon before the module runs, from the same constant
//! (`examples/loader_facts.rs` hands it to `scripts/build-loader.mjs`).

/// The launcher while the panel is closed: a speech bubble.
pub const LAUNCHER: &str =
    "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
/// "History": a clock with a turning arrow.
pub const HISTORY: &str =
    "M13 3a9 9 0 0 0-9 9H1l4 4 4-4H6a7 7 0 1 1 2 4.9l-1.4 1.4A9 9 0 1 0 13 3zm-1 5v5l4.3 2.5.7-1.2-3.5-2.1V8z";
/// "New chat": a plus.
pub const NEW_CHAT: &str = "M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z";
/// "Close" (and the launcher while the panel is open): a cross.
pub const CLOSE: &str =
    "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z";
/// "Send": a paper plane.
pub const SEND: &str = "M3 20.5 21 12 3 3.5v6.6L15 12 3 13.9z";
