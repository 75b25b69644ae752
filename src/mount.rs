//! Finding mount points, attaching shadow roots, installing the stylesheet, mounting.

use wasm_bindgen::prelude::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::config::{merge, Attrs, Config, Mode};

/// The widget's stylesheet (`style/sherpa.css`, minified by `build.rs`), installed into every
/// shadow root.
const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/sherpa.css"));

/// Marks a host element that already has a widget.
const MOUNTED: &str = "data-sherpa-mounted";

/// The `data-` attributes of an element, without the prefix.
pub fn data_attrs(el: &Element) -> Attrs {
    let names = el.get_attribute_names();
    let mut out = Attrs::new();
    for name in names.iter().filter_map(|n| n.as_string()) {
        if let Some(key) = name.strip_prefix("data-") {
            if let Some(v) = el.get_attribute(&name) {
                out.insert(key.to_string(), v);
            }
        }
    }
    out
}

/// What the loader asks [`mount_all`] to do (see `boot` in `lib.rs`).
#[derive(Clone, Debug)]
pub struct MountOptions {
    /// The launcher host the loader already drew (a `<sherpa-chat data-sherpa-host="launcher">`
    /// with an open shadow root holding a placeholder button): reused, so the hand-over from
    /// the loader's launcher to the widget's is invisible.
    pub host: Option<HtmlElement>,
    /// Open the panel at once and put focus in the input (the user clicked the loader's
    /// launcher before the module was ready).
    pub open: bool,
    /// Also mount every `[data-sherpa]` element now (the loader mounts them one by one, as
    /// they near the viewport, with [`mount_inline`]).
    pub inline: bool,
}

impl Default for MountOptions {
    fn default() -> Self {
        MountOptions {
            host: None,
            open: false,
            inline: true,
        }
    }
}

/// Mounts every instance: one launcher for the script tag (unless its `data-mode` is
/// `inline`), and (if `opts.inline`) one inline widget in each `[data-sherpa]` element.
pub fn mount_all(script: Option<Element>, opts: MountOptions) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let defaults = script.as_ref().map(data_attrs).unwrap_or_default();

    if opts.inline {
        if let Ok(list) = document.query_selector_all("[data-sherpa]") {
            for i in 0..list.length() {
                if let Some(el) = list.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
                    mount_inline_with(&el, &defaults);
                }
            }
        }
    }

    let Some(script) = script else { return };
    if script.has_attribute(MOUNTED) {
        return;
    }
    let _ = script.set_attribute(MOUNTED, "");
    let mut cfg = Config::from_attrs(&defaults);
    if cfg.mode == Mode::Inline {
        return;
    }
    let focus_input = opts.open;
    cfg.open |= opts.open;
    let host = match opts.host {
        Some(host) => host,
        None => {
            let Ok(host) = document.create_element("sherpa-chat") else {
                return;
            };
            let _ = host.set_attribute("data-sherpa-host", "launcher");
            if let Some(body) = document.body() {
                let _ = body.append_child(&host);
            }
            let Ok(host) = host.dyn_into::<HtmlElement>() else {
                return;
            };
            host
        }
    };
    mount_into(
        &host,
        cfg,
        if focus_input { "launcher" } else { "attribute" },
    );
    if focus_input {
        focus_part(&host, "input");
    }
}

/// Mounts one inline widget in `el` (a `[data-sherpa]` element), with the `data-` attributes
/// of `script` (if any) as defaults. Does nothing if `el` already has a widget.
pub fn mount_inline(script: Option<Element>, el: &HtmlElement) {
    let defaults = script.as_ref().map(data_attrs).unwrap_or_default();
    mount_inline_with(el, &defaults);
}

fn mount_inline_with(el: &HtmlElement, defaults: &Attrs) {
    if el.has_attribute(MOUNTED) {
        return;
    }
    let mut own = data_attrs(el);
    own.remove("sherpa");
    if own.get("mode").is_none() {
        own.insert("mode".into(), "inline".into());
    }
    mount_into(el, Config::from_attrs(&merge(defaults, &own)), "attribute");
}

/// Attaches an open shadow root to `host` (or reuses the one the loader attached) and mounts
/// a widget with `cfg` in it. Whatever the shadow root held before (the loader's placeholder
/// launcher) is removed in the same task, after the widget is in place, so nothing flickers;
/// if the placeholder had focus, the widget's launcher gets it.
/// `via` says what opened the panel if it opens at once (`sherpa:open`).
pub fn mount_into(host: &HtmlElement, cfg: Config, via: &'static str) {
    let _ = host.set_attribute(MOUNTED, "");
    let shadow = match host.shadow_root() {
        Some(s) => s,
        None => match host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)) {
            Ok(s) => s,
            Err(_) => {
                web_sys::console::error_1(&"sherpa: cannot attach a shadow root here".into());
                return;
            }
        },
    };
    let had_focus = shadow.active_element().is_some();
    let old = shadow.child_nodes();
    let old: Vec<web_sys::Node> = (0..old.length()).filter_map(|i| old.item(i)).collect();
    install_css(&shadow);
    if let Some(accent) = &cfg.accent {
        let _ = host.style().set_property("--sherpa-accent", accent);
    }
    if !cfg.problems.is_empty() {
        web_sys::console::error_1(
            &format!("sherpa: configuration problem: {}", cfg.problems.join(" ")).into(),
        );
    }
    for w in &cfg.warnings {
        web_sys::console::warn_1(&format!("sherpa: {w}").into());
    }
    crate::instance::start(host, &shadow, cfg, via);
    for node in old {
        let _ = shadow.remove_child(&node);
    }
    if had_focus {
        focus_part(host, "launcher");
    }
}

/// Focuses the first `[part~=name]` element in `host`'s shadow root, now if it is there and
/// again after the next frame (effects that render or reveal it may run later).
fn focus_part(host: &HtmlElement, name: &'static str) {
    let host = host.clone();
    let focus = move || {
        let el = host
            .shadow_root()
            .and_then(|s| {
                s.query_selector(&format!("[part~=\"{name}\"]"))
                    .ok()
                    .flatten()
            })
            .and_then(|e| e.dyn_into::<HtmlElement>().ok());
        if let Some(el) = el {
            let _ = el.focus();
        }
    };
    focus();
    if let Some(w) = web_sys::window() {
        let later = Closure::once_into_js(focus);
        let _ = w.request_animation_frame(later.unchecked_ref());
    }
}

fn install_css(shadow: &ShadowRoot) {
    if let Ok(sheet) = CssStyleSheet::new() {
        if sheet.replace_sync(CSS).is_ok() {
            let sheets = js_sys::Array::of1(&sheet);
            shadow.set_adopted_style_sheets(&sheets);
        }
    }
}
