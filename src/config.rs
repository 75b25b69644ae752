//! Configuration: `data-` attributes → a typed, validated [`Config`].
//!
//! Pure Rust (no DOM), so it is tested natively. The mount code collects the attributes of the
//! script tag (defaults for every instance) and of each `[data-sherpa]` element, merges them
//! with [`merge`], and calls [`Config::from_attrs`].

use sherpa_protocol::backend::Tag;

use crate::i18n::{self, Strings, Text};
use crate::map::SortedMap;
use sherpa_protocol::{BackendKind, BackendOptions};

/// Attribute names without the `data-` prefix, mapped to their values.
pub type Attrs = SortedMap<String, String>;

/// `data-turn-timeout`'s default: ten minutes, far beyond any normal answer (agentic search
/// included) yet finite.
const DEFAULT_TURN_TIMEOUT: u32 = 600;

/// Launcher bubble or inline panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Launcher,
    Inline,
}

/// Where conversations are kept across reloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persist {
    Session,
    Local,
    None,
}

/// Colour scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
    Auto,
}

/// Which corner the launcher sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    Right,
    Left,
}

/// A widget instance's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub backend: BackendKind,
    /// Request options handed to the protocol adapter (API base, key, filters, model…).
    pub options: BackendOptions,
    pub mode: Mode,
    pub title: String,
    pub welcome: String,
    pub placeholder: String,
    pub starter_questions: Vec<String>,
    pub persist: Persist,
    pub lang: String,
    pub theme: Theme,
    pub position: Position,
    /// Open the panel on load.
    pub open: bool,
    /// Send the user's cookies (`credentials: "include"`).
    pub credentials_include: bool,
    /// Give up on a stream that sends nothing (not even a heartbeat) for this many seconds.
    pub idle_timeout_seconds: u32,
    /// The longest a whole turn may take, from the question to the end of the answer
    /// (`data-turn-timeout`), however lively the stream.
    pub turn_timeout_seconds: u32,
    /// Accent colour (a CSS colour), if set.
    pub accent: Option<String>,
    /// UI texts: the language's defaults with `data-text-*` overrides applied.
    pub texts: Strings,
    /// Problems found while reading the attributes: each is shown in the widget, which then
    /// does not chat (a wrong API address or backend cannot work).
    pub problems: Vec<String>,
    /// Cosmetic mistakes (an unknown `data-theme` or `data-position`, a misspelt `data-text-*`
    /// override): the default is used and each is one console warning; visitors never see them.
    pub warnings: Vec<String>,
}

/// `defaults` (the script tag's attributes) overridden by `own` (the element's).
pub fn merge(defaults: &Attrs, own: &Attrs) -> Attrs {
    let mut out = defaults.clone();
    for (k, v) in own.iter() {
        out.insert(k.clone(), v.clone());
    }
    out
}

fn list(v: Option<&String>) -> Vec<String> {
    v.map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

impl Config {
    /// Reads and validates the attributes. Never fails: problems are collected in
    /// [`Config::problems`] and the widget shows them instead of chatting.
    pub fn from_attrs(a: &Attrs) -> Config {
        let mut problems = Vec::new();
        let mut cosmetic = Vec::new();
        let get = |k: &str| a.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());

        let backend = match get("backend") {
            None => BackendKind::Onyx,
            Some(v) => BackendKind::parse(v).unwrap_or_else(|| {
                problems.push(format!(
                    "data-backend=\"{v}\" is not supported; use onyx, onyx-legacy, onyx-simple or odyssey."
                ));
                BackendKind::Onyx
            }),
        };

        let api_base = match get("api-base") {
            None => {
                problems.push(
                    "data-api-base is missing: set it to your chat server's API address, \
                     for example https://onyx.example.com/api."
                        .to_string(),
                );
                String::new()
            }
            Some(v) => v.trim_end_matches('/').to_string(),
        };

        let persona_id = get("persona-id").and_then(|v| match v.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                problems.push(format!(
                    "data-persona-id=\"{v}\" must be a whole number, like 0."
                ));
                None
            }
        });

        let mut tags = Vec::new();
        for t in list(a.get("tags")) {
            match t.split_once(':') {
                Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => tags.push(Tag {
                    key: k.trim().to_string(),
                    value: v.trim().to_string(),
                }),
                _ => problems.push(format!(
                    "data-tags entry \"{t}\" must be written key:value."
                )),
            }
        }

        let model = get("model").and_then(|m| match m.split_once('/') {
            Some((p, v)) if !p.is_empty() && !v.is_empty() => Some((p.to_string(), v.to_string())),
            _ => {
                problems.push(format!(
                    "data-model=\"{m}\" must be written provider/model, like openai/gpt-4o."
                ));
                None
            }
        });

        let mode = match get("mode") {
            None | Some("launcher") => Mode::Launcher,
            Some("inline") => Mode::Inline,
            Some(v) => {
                problems.push(format!("data-mode=\"{v}\" must be launcher or inline."));
                Mode::Launcher
            }
        };
        let persist = match get("persist") {
            None | Some("session") => Persist::Session,
            Some("local") => Persist::Local,
            Some("none") => Persist::None,
            Some(v) => {
                problems.push(format!(
                    "data-persist=\"{v}\" must be session, local or none."
                ));
                Persist::Session
            }
        };
        let theme = match get("theme") {
            None | Some("auto") => Theme::Auto,
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            Some(v) => {
                cosmetic.push(format!(
                    "data-theme=\"{v}\" must be light, dark or auto; using auto."
                ));
                Theme::Auto
            }
        };
        let position = match get("position") {
            None | Some("right") | Some("bottom-right") => Position::Right,
            Some("left") | Some("bottom-left") => Position::Left,
            Some(v) => {
                cosmetic.push(format!(
                    "data-position=\"{v}\" must be bottom-right or bottom-left; using bottom-right."
                ));
                Position::Right
            }
        };
        let credentials_include = match get("credentials") {
            None | Some("omit") => false,
            Some("include") => true,
            Some(v) => {
                problems.push(format!("data-credentials=\"{v}\" must be omit or include."));
                false
            }
        };
        // A bare boolean attribute (`data-open`) is present with an empty value: true.
        let flag = |name: &str, default: bool, problems: &mut Vec<String>| match a
            .get(name)
            .map(|s| s.trim())
        {
            None => default,
            Some("true") | Some("") => true,
            Some("false") => false,
            Some(v) => {
                problems.push(format!("data-{name}=\"{v}\" must be true or false."));
                default
            }
        };
        let open = flag("open", false, &mut problems);
        let include_citations = flag("citations", true, &mut problems);

        // Without a key in the page the widget talks to a gate (sherpa-gate), which supplies
        // the workspace and the user; with one, Odyssey itself needs them from the page.
        if backend == BackendKind::Odyssey && get("api-key").is_some() {
            for (attr, what) in [
                ("workspace-id", "your Odyssey workspace id"),
                ("user-id", "the Odyssey user id"),
            ] {
                if get(attr).is_none() {
                    problems.push(format!(
                        "data-{attr} is missing: the odyssey backend needs {what}."
                    ));
                }
            }
        }

        let idle_timeout_seconds = match get("idle-timeout") {
            None => 45,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=3600).contains(&n) => n,
                _ => {
                    problems.push(format!(
                        "data-idle-timeout=\"{v}\" must be a number of seconds between 1 and 3600."
                    ));
                    45
                }
            },
        };
        let turn_timeout_seconds = match get("turn-timeout") {
            None => DEFAULT_TURN_TIMEOUT,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=86_400).contains(&n) => n,
                _ => {
                    problems.push(format!(
                        "data-turn-timeout=\"{v}\" must be a number of seconds between 1 and 86400."
                    ));
                    DEFAULT_TURN_TIMEOUT
                }
            },
        };
        let lang = get("lang").unwrap_or("en").to_string();
        let mut texts = i18n::for_lang(&lang);
        let mut warnings = cosmetic;
        warnings.extend(texts.apply_overrides(a));
        let options = BackendOptions {
            api_base,
            api_key: get("api-key").map(str::to_string),
            persona_id,
            user_id: get("user-id").map(str::to_string),
            workspace_id: get("workspace-id").map(str::to_string),
            agent_id: get("agent-id").map(str::to_string),
            document_sets: list(a.get("document-sets")),
            source_types: list(a.get("source-types")),
            tags,
            time_cutoff: get("time-cutoff").map(str::to_string),
            model,
            include_citations,
            stream: flag("stream", true, &mut problems),
        };
        Config {
            backend,
            options,
            mode,
            title: get("title").unwrap_or("Help").to_string(),
            welcome: get("welcome")
                .unwrap_or(texts.get(Text::Welcome))
                .to_string(),
            placeholder: get("placeholder")
                .unwrap_or(texts.get(Text::Placeholder))
                .to_string(),
            starter_questions: a
                .get("starter-questions")
                .map(|s| {
                    s.split('|')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            persist,
            lang,
            theme,
            position,
            open,
            credentials_include,
            idle_timeout_seconds,
            turn_timeout_seconds,
            accent: get("accent").map(str::to_string),
            texts,
            problems,
            warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Attrs {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn minimal_config_uses_defaults() {
        let c = Config::from_attrs(&attrs(&[("api-base", "https://onyx.example.com/api/")]));
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.backend, BackendKind::Onyx);
        assert_eq!(c.options.api_base, "https://onyx.example.com/api");
        assert_eq!(c.mode, Mode::Launcher);
        assert_eq!(c.persist, Persist::Session);
        assert!(c.options.include_citations);
    }

    #[test]
    fn a_bare_boolean_attribute_is_true() {
        let c = Config::from_attrs(&attrs(&[
            ("api-base", "/api"),
            ("open", ""),
            ("citations", "false"),
        ]));
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert!(c.open);
        assert!(!c.options.include_citations);
        let c = Config::from_attrs(&attrs(&[("api-base", "/api"), ("open", "false")]));
        assert!(!c.open);
    }

    #[test]
    fn missing_api_base_is_a_specific_problem() {
        let c = Config::from_attrs(&Attrs::new());
        assert_eq!(c.problems.len(), 1);
        assert!(c.problems[0].contains("data-api-base is missing"));
    }

    #[test]
    fn bad_values_each_get_a_message() {
        let c = Config::from_attrs(&attrs(&[
            ("api-base", "/api"),
            ("backend", "gpt"),
            ("persona-id", "abc"),
            ("tags", "lang:en,broken"),
            ("model", "gpt4"),
            ("persist", "forever"),
        ]));
        let all = c.problems.join("\n");
        for needle in [
            "data-backend=\"gpt\"",
            "data-persona-id=\"abc\"",
            "\"broken\"",
            "data-model=\"gpt4\"",
            "data-persist=\"forever\"",
        ] {
            assert!(all.contains(needle), "missing {needle} in {all}");
        }
        assert_eq!(c.options.tags.len(), 1);
    }

    #[test]
    fn element_attributes_override_script_defaults() {
        let defaults = attrs(&[("api-base", "/api"), ("title", "Help")]);
        let own = attrs(&[("title", "Docs"), ("mode", "inline")]);
        let c = Config::from_attrs(&merge(&defaults, &own));
        assert_eq!(c.title, "Docs");
        assert_eq!(c.mode, Mode::Inline);
        assert_eq!(c.options.api_base, "/api");
    }

    #[test]
    fn filters_and_model_are_parsed() {
        let c = Config::from_attrs(&attrs(&[
            ("api-base", "/api"),
            ("document-sets", "Public help, FAQ"),
            ("source-types", "web"),
            ("tags", "audience:public"),
            ("model", "openai/gpt-4o"),
            ("starter-questions", "How do I sync? | Pricing"),
        ]));
        assert_eq!(c.options.document_sets, vec!["Public help", "FAQ"]);
        assert_eq!(c.options.tags[0].key, "audience");
        assert_eq!(c.options.model, Some(("openai".into(), "gpt-4o".into())));
        assert_eq!(c.starter_questions, vec!["How do I sync?", "Pricing"]);
    }

    #[test]
    fn language_and_text_overrides() {
        let c = Config::from_attrs(&attrs(&[
            ("api-base", "/api"),
            ("lang", "fr-CA"),
            ("text-send", "Go"),
            ("text-nope", "x"),
        ]));
        assert_eq!(c.texts.get(Text::Send), "Go");
        assert_ne!(
            c.welcome,
            Config::from_attrs(&attrs(&[("api-base", "/api")])).welcome
        );
        assert_eq!(
            c.welcome,
            c.texts.get(Text::Welcome),
            "welcome defaults to the language's text"
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert!(
            c.warnings.iter().any(|p| p.contains("data-text-nope")),
            "{:?}",
            c.warnings
        );
    }

    #[test]
    fn odyssey_with_a_key_requires_its_ids_behind_a_gate_none() {
        let base = [("api-base", "/api"), ("backend", "odyssey")];
        let keyed = [base[0], base[1], ("api-key", "od_k")];
        let c = Config::from_attrs(&attrs(&keyed));
        assert!(c.problems.iter().any(|p| p.contains("data-workspace-id")));
        assert!(c.problems.iter().any(|p| p.contains("data-user-id")));
        let gated = Config::from_attrs(&attrs(&base));
        assert!(gated.problems.is_empty(), "{:?}", gated.problems);
    }

    #[test]
    fn cosmetic_typos_fall_back_to_the_default_with_a_warning() {
        let c = Config::from_attrs(&attrs(&[
            ("api-base", "/api"),
            ("theme", "purple"),
            ("position", "top-left"),
            ("text-nope", "x"),
        ]));
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.theme, Theme::Auto);
        assert_eq!(c.position, Position::Right);
        assert_eq!(c.warnings.len(), 3, "{:?}", c.warnings);
        for needle in [
            "data-theme=\"purple\"",
            "data-position=\"top-left\"",
            "data-text-nope",
        ] {
            assert!(
                c.warnings.iter().any(|w| w.contains(needle)),
                "{needle}: {:?}",
                c.warnings
            );
        }
    }

    #[test]
    fn missing_required_configuration_is_still_a_problem_beside_cosmetic_typos() {
        let c = Config::from_attrs(&attrs(&[("theme", "purple")]));
        assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
        assert!(c.problems[0].contains("data-api-base is missing"));
    }
}
