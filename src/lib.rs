//! Sherpa: a chat widget that any page gets with one `<script>` tag.
//!
//! The loader (`src/loader/sherpa.js`, served as `sherpa.js`) fetches this module and calls
//! `boot` with its own script element. Boot reads the `data-` attributes ([`config`]),
//! attaches shadow roots and mounts the components ([`mount`], [`ui`]); conversations live in
//! [`state`] and talk to backends through [`transport`] and the `sherpa-protocol` crate.

pub mod config;
#[cfg(target_arch = "wasm32")]
pub mod events;
pub mod i18n;
pub mod icons;
#[cfg(target_arch = "wasm32")]
pub mod instance;
#[cfg(target_arch = "wasm32")]
pub mod kit;
pub mod map;
#[cfg(target_arch = "wasm32")]
pub mod mount;
#[cfg(target_arch = "wasm32")]
pub mod state;
pub mod status;
pub mod storage;
#[cfg(target_arch = "wasm32")]
pub mod transport;
#[cfg(target_arch = "wasm32")]
pub mod ui;

#[cfg(target_arch = "wasm32")]
mod entry {
    use wasm_bindgen::prelude::*;
    use web_sys::{Element, HtmlElement};

    use crate::mount::MountOptions;

    /// Debug builds print panics to the console. The release build has none to print: its
    /// panics abort at once (`scripts/build`), which keeps every panic message out of the
    /// module.
    fn install_panic_hook() {
        #[cfg(debug_assertions)]
        {
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| {
                std::panic::set_hook(Box::new(|info| {
                    web_sys::console::error_1(&format!("sherpa: internal error: {info}").into());
                }))
            });
        }
    }

    /// Runs `f` now, or at `DOMContentLoaded` if the document is still loading.
    fn when_parsed(f: impl FnOnce() + 'static) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if document.ready_state() == "loading" {
            let cb = Closure::once_into_js(f);
            let _ =
                document.add_event_listener_with_callback("DOMContentLoaded", cb.unchecked_ref());
        } else {
            f();
        }
    }

    fn get(options: &JsValue, key: &str) -> JsValue {
        if options.is_object() {
            js_sys::Reflect::get(options, &key.into()).unwrap_or(JsValue::UNDEFINED)
        } else {
            JsValue::UNDEFINED
        }
    }

    /// Mounts the widget instances of one script tag. `script` is the `<script>` element that
    /// loaded Sherpa (its `data-` attributes are the defaults), or `null`.
    ///
    /// `boot(script)` mounts the launcher and every `[data-sherpa]` element. The loader calls
    /// `boot(script, options)` with an object:
    /// - `host`: the `<sherpa-chat>` element it drew the placeholder launcher in; the widget
    ///   reuses it and its shadow root (the placeholder is replaced in the same task);
    /// - `open`: `true` when the user clicked the launcher before the module was ready: the
    ///   panel opens and the input gets focus;
    /// - `inline`: `false` to leave `[data-sherpa]` elements alone (the loader mounts each
    ///   with [`mount_inline`] when it nears the viewport). Default `true`.
    #[wasm_bindgen]
    pub fn boot(script: JsValue, options: JsValue) {
        install_panic_hook();
        let script: Option<Element> = script.dyn_into().ok();
        let defaults = MountOptions::default();
        let opts = MountOptions {
            host: get(&options, "host").dyn_into::<HtmlElement>().ok(),
            open: get(&options, "open").as_bool().unwrap_or(false),
            inline: get(&options, "inline").as_bool().unwrap_or(defaults.inline),
        };
        when_parsed(move || crate::mount::mount_all(script, opts));
    }

    /// Mounts one inline widget in `element` (a `[data-sherpa]` element), with `script`'s
    /// `data-` attributes as defaults. Does nothing if it already has a widget.
    #[wasm_bindgen(js_name = mountInline)]
    pub fn mount_inline(script: JsValue, element: JsValue) {
        install_panic_hook();
        let script: Option<Element> = script.dyn_into().ok();
        if let Ok(el) = element.dyn_into::<HtmlElement>() {
            crate::mount::mount_inline(script, &el);
        }
    }
}
