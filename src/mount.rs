//! Finding mount points, attaching shadow roots, installing the stylesheet, mounting.

use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::config::{merge, Attrs, Config, Mode};
use crate::state::Chat;
use crate::ui::App;

/// The widget's stylesheet, installed into every shadow root.
const CSS: &str = include_str!("../style/sherpa.css");

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

/// Mounts every instance: one launcher for the script tag (unless its `data-mode` is
/// `inline`), and one inline widget in each `[data-sherpa]` element.
pub fn mount_all(script: Option<Element>) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let defaults = script.as_ref().map(data_attrs).unwrap_or_default();

    if let Ok(list) = document.query_selector_all("[data-sherpa]") {
        for i in 0..list.length() {
            let Some(el) = list.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) else {
                continue;
            };
            if el.has_attribute(MOUNTED) {
                continue;
            }
            let mut own = data_attrs(&el);
            own.remove("sherpa");
            own.entry("mode".into()).or_insert_with(|| "inline".into());
            mount_into(&el, Config::from_attrs(&merge(&defaults, &own)));
        }
    }

    if let Some(script) = script {
        if script.has_attribute(MOUNTED) {
            return;
        }
        let _ = script.set_attribute(MOUNTED, "");
        let cfg = Config::from_attrs(&defaults);
        if cfg.mode == Mode::Inline {
            return;
        }
        let Ok(host) = document.create_element("sherpa-chat") else {
            return;
        };
        let _ = host.set_attribute("data-sherpa-host", "launcher");
        if let Some(body) = document.body() {
            let _ = body.append_child(&host);
        }
        if let Ok(host) = host.dyn_into::<HtmlElement>() {
            mount_into(&host, cfg);
        }
    }
}

/// Attaches an open shadow root to `host` and mounts a widget with `cfg` in it.
pub fn mount_into(host: &HtmlElement, cfg: Config) {
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
    install_css(&shadow);
    if !cfg.problems.is_empty() {
        web_sys::console::error_1(
            &format!("sherpa: configuration problem: {}", cfg.problems.join(" ")).into(),
        );
    }
    let chat = Chat::new(Rc::new(cfg));
    let root: HtmlElement = shadow.unchecked_into();
    leptos::mount::mount_to(root, move || view! { <App chat=chat/> }).forget();
}

fn install_css(shadow: &ShadowRoot) {
    if let Ok(sheet) = CssStyleSheet::new() {
        if sheet.replace_sync(CSS).is_ok() {
            let sheets = js_sys::Array::of1(&sheet);
            shadow.set_adopted_style_sheets(&sheets);
        }
    }
}
