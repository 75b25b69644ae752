//! Sherpa: a chat widget that any page gets with one `<script>` tag.
//!
//! The loader (`src/loader/sherpa.js`, served as `sherpa.js`) fetches this module and calls
//! [`boot`] with its own script element. Boot reads the `data-` attributes ([`config`]),
//! attaches shadow roots and mounts the components ([`mount`], [`ui`]); conversations live in
//! [`state`] and talk to backends through [`transport`] and the `sherpa-protocol` crate.

pub mod config;
#[cfg(target_arch = "wasm32")]
pub mod mount;
#[cfg(target_arch = "wasm32")]
pub mod state;
#[cfg(target_arch = "wasm32")]
pub mod transport;
#[cfg(target_arch = "wasm32")]
pub mod ui;

#[cfg(target_arch = "wasm32")]
mod entry {
    use wasm_bindgen::prelude::*;
    use web_sys::Element;

    /// Mounts every widget instance on the page. `script` is the `<script>` element that
    /// loaded Sherpa (its `data-` attributes are the defaults), or `null`.
    #[wasm_bindgen]
    pub fn boot(script: JsValue) {
        std::panic::set_hook(Box::new(|info| {
            web_sys::console::error_1(&format!("sherpa: internal error: {info}").into());
        }));
        let script: Option<Element> = script.dyn_into().ok();
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if document.ready_state() == "loading" {
            let cb = Closure::once_into_js(move || crate::mount::mount_all(script));
            let _ =
                document.add_event_listener_with_callback("DOMContentLoaded", cb.unchecked_ref());
        } else {
            crate::mount::mount_all(script);
        }
    }
}
