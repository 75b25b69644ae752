//! Configuration: `data-` attributes → a typed, validated [`Config`].
//!
//! Pure Rust (no DOM), so it is tested natively. The mount code collects the attributes of the
//! script tag (defaults for every instance) and of each `[data-sherpa]` element, merges them
//! with [`merge`], and calls [`Config::from_attrs`].

use sherpa_protocol::backend::Tag;

use crate::i18n::{self, Strings, Text};
use sherpa_protocol::{BackendKind, BackendOptions};

pub use crate::map::Attrs;

/// `data-turn-timeout`'s default: ten minutes, far beyond any normal answer (agentic search
/// included) yet finite.
const DEFAULT_TURN_TIMEOUT: u32 = 600;

/// Launcher bubble, inline panel, or a full-height panel docked to the page's edge (with a
/// launcher to open it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Launcher,
    Inline,
    Panel,
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
    /// A docked panel (`data-mode="panel"`) narrows the page instead of covering it
    /// (`data-panel-push`).
    pub panel_push: bool,
    /// Send the user's cookies (`credentials: "include"`).
    pub credentials_include: bool,
    /// Give up on a stream that sends nothing (not even a heartbeat) for this many seconds.
    pub idle_timeout_seconds: u32,
    /// The longest a whole turn may take, from the question to the end of the answer
    /// (`data-turn-timeout`), however lively the stream.
    pub turn_timeout_seconds: u32,
    /// Accent colour (a CSS colour), if set.
    pub accent: Option<String>,
    /// Where a visitor reaches a human (`data-contact-url`: http, https or mailto), and the
    /// link's text (`data-contact-text`, else the language's "Contact support").
    pub contact: Option<Contact>,
    /// The line under the question box (`data-disclaimer`), as text and links.
    pub disclaimer: Vec<Piece>,
    /// UI texts: the language's defaults with `data-text-*` overrides applied.
    pub texts: Strings,
    /// Problems found while reading the attributes: each is shown in the widget, which then
    /// does not chat (a wrong API address or backend cannot work).
    pub problems: Vec<String>,
    /// Cosmetic mistakes (an unknown `data-theme` or `data-position`, a misspelt `data-text-*`
    /// override): the default is used and each is one console warning; visitors never see them.
    pub warnings: Vec<String>,
}

/// A link to a human, shown under finished answers and in errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub url: String,
    pub text: String,
}

/// A piece of `data-disclaimer`: plain text, or an http(s) link written in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Link(String),
}

/// Splits plain text into text and the http(s) URLs written in it (each a whitespace-separated
/// word starting with `http://` or `https://`, without the punctuation that ends a sentence or
/// closes a bracket). Nothing else is interpreted.
pub fn linkify(text: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let push_text = |out: &mut Vec<Piece>, t: &str| {
        if t.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(Piece::Text(prev)) => prev.push_str(t),
            _ => out.push(Piece::Text(t.to_string())),
        }
    };
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        push_text(&mut out, &rest[..start]);
        rest = &rest[start..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        let url = word.trim_end_matches(|c: char| ".,;:!?)]}'\"»”’".contains(c));
        if link_kind(url) == Some(true) {
            out.push(Piece::Link(url.to_string()));
            push_text(&mut out, &word[url.len()..]);
        } else {
            push_text(&mut out, word);
        }
        rest = &rest[end..];
    }
    out
}

/// `Some(true)` for an `http(s)://host…` address, `Some(false)` for a `mailto:` link, `None`
/// for anything else (other schemes, relative or host-less addresses, spaces or control
/// characters). The rules of `sherpa_protocol::markdown::safe_href`, without its marker
/// handling (this text never holds citation markers).
fn link_kind(url: &str) -> Option<bool> {
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let (scheme, rest) = url.split_once(':')?;
    if scheme.eq_ignore_ascii_case("mailto") {
        return (!rest.is_empty()).then_some(false);
    }
    let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    let host = rest.strip_prefix("//")?.chars().next()?;
    (web && !matches!(host, '/' | '\\' | '?' | '#')).then_some(true)
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
    split(v, ',')
}

/// The non-blank items of a `sep`-separated attribute, trimmed.
fn split(v: Option<&String>, sep: char) -> Vec<String> {
    v.map(|s| {
        s.split(sep)
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
        let mut r = Reader {
            attrs: a,
            problems: Vec::new(),
            cosmetic: Vec::new(),
        };
        let backend = r.backend().unwrap_or_default();
        let options = backend_options(&mut r, backend);
        let (mode, persist, theme, position, credentials_include) = keywords(&mut r);
        let open = r.flag("open", false);
        let panel_push = r.flag("panel-push", false);
        let idle_timeout_seconds = r.seconds("idle-timeout", 3600, 45);
        let turn_timeout_seconds = r.seconds("turn-timeout", 86_400, DEFAULT_TURN_TIMEOUT);
        let lang = r.get("lang").unwrap_or("en").to_string();
        let mut texts = i18n::for_lang(&lang);
        let mut warnings = std::mem::take(&mut r.cosmetic);
        warnings.extend(texts.apply_overrides(a));
        Config {
            backend,
            options,
            mode,
            title: r.get("title").unwrap_or("Help").to_string(),
            welcome: r
                .get("welcome")
                .unwrap_or(texts.get(Text::Welcome))
                .to_string(),
            placeholder: r
                .get("placeholder")
                .unwrap_or(texts.get(Text::Placeholder))
                .to_string(),
            starter_questions: split(a.get("starter-questions"), '|'),
            persist,
            lang,
            theme,
            position,
            open,
            panel_push,
            credentials_include,
            idle_timeout_seconds,
            turn_timeout_seconds,
            accent: r.text("accent"),
            contact: contact(&mut r, &texts),
            disclaimer: r.get("disclaimer").map(linkify).unwrap_or_default(),
            texts,
            problems: r.problems,
            warnings,
        }
    }
}

/// `data-contact-url` (http, https or mailto) and `data-contact-text`.
fn contact(r: &mut Reader, texts: &Strings) -> Option<Contact> {
    let raw = r.get("contact-url")?;
    if link_kind(raw).is_none() {
        r.problems.push(format!(
            "data-contact-url=\"{raw}\" must be an http(s) address or a mailto: link, like \
             https://example.com/support or mailto:help@example.com."
        ));
        return None;
    }
    let url = raw.to_string();
    let text = r
        .text("contact-text")
        .unwrap_or_else(|| texts.get(Text::ContactSupport).to_string());
    Some(Contact { url, text })
}

/// The keyword attributes: mode, persist, theme, position and credentials. A typo in the
/// cosmetic two (theme, position) falls back to the default with a console warning.
fn keywords(r: &mut Reader) -> (Mode, Persist, Theme, Position, bool) {
    use {Mode as M, Persist as P, Position as Pos, Theme as T};
    let mode = r.keyword(
        "mode",
        &[
            ("launcher", M::Launcher),
            ("inline", M::Inline),
            ("panel", M::Panel),
        ],
        M::Launcher,
        false,
    );
    let persist = r.keyword(
        "persist",
        &[
            ("session", P::Session),
            ("local", P::Local),
            ("none", P::None),
        ],
        P::Session,
        false,
    );
    let theme = r.keyword(
        "theme",
        &[("light", T::Light), ("dark", T::Dark), ("auto", T::Auto)],
        T::Auto,
        true,
    );
    let position = r.keyword(
        "position",
        &[
            ("bottom-right", Pos::Right),
            ("bottom-left", Pos::Left),
            ("right", Pos::Right),
            ("left", Pos::Left),
        ],
        Pos::Right,
        true,
    );
    let credentials = r.keyword(
        "credentials",
        &[("omit", false), ("include", true)],
        false,
        false,
    );
    (mode, persist, theme, position, credentials)
}

/// What the adapter needs: the server, the scope and the request options.
fn backend_options(r: &mut Reader, backend: BackendKind) -> BackendOptions {
    let api_base = match r.get("api-base") {
        Some(v) => v.trim_end_matches('/').to_string(),
        None => {
            r.problems.push(
                "data-api-base is missing: set it to your chat server's API address, \
                 for example https://onyx.example.com/api."
                    .to_string(),
            );
            String::new()
        }
    };
    let persona_id = r.get("persona-id").and_then(|v| match v.parse::<i64>() {
        Ok(n) if n >= 0 => Some(n),
        _ => {
            r.problems.push(format!(
                "data-persona-id=\"{v}\" must be a whole number, like 0."
            ));
            None
        }
    });
    let mut tags = Vec::new();
    for t in list(r.attrs.get("tags")) {
        let complaint = format!("data-tags entry \"{t}\" must be written key:value.");
        if let Some((key, value)) = r.pair(&t, ':', complaint) {
            tags.push(Tag { key, value });
        }
    }
    let model = r.get("model").and_then(|m| {
        let complaint =
            format!("data-model=\"{m}\" must be written provider/model, like openai/gpt-4o.");
        r.pair(m, '/', complaint)
    });
    // Without a key in the page the widget talks to a gate (sherpa-gate), which supplies
    // the workspace and the user; with one, Odyssey itself needs them from the page.
    if backend == BackendKind::Odyssey && r.get("api-key").is_some() {
        for (attr, what) in [
            ("workspace-id", "your Odyssey workspace id"),
            ("user-id", "the Odyssey user id"),
        ] {
            if r.get(attr).is_none() {
                r.problems.push(format!(
                    "data-{attr} is missing: the odyssey backend needs {what}."
                ));
            }
        }
    }
    BackendOptions {
        api_base,
        api_key: r.text("api-key"),
        persona_id,
        user_id: r.text("user-id"),
        workspace_id: r.text("workspace-id"),
        agent_id: r.text("agent-id"),
        document_sets: list(r.attrs.get("document-sets")),
        source_types: list(r.attrs.get("source-types")),
        tags,
        time_cutoff: r.text("time-cutoff"),
        model,
        include_citations: r.flag("citations", true),
        stream: r.flag("stream", true),
    }
}

/// Reads attributes, collecting what is wrong with them.
struct Reader<'a> {
    attrs: &'a Attrs,
    /// Problems that stop the widget (it shows them instead of chatting).
    problems: Vec<String>,
    /// Cosmetic mistakes: the default is used and each is a console warning.
    cosmetic: Vec<String>,
}

impl<'a> Reader<'a> {
    /// A set, non-blank attribute, trimmed.
    fn get(&self, name: &str) -> Option<&'a str> {
        self.attrs
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    fn backend(&mut self) -> Option<BackendKind> {
        let v = self.get("backend")?;
        let kind = BackendKind::parse(v);
        if kind.is_none() {
            self.problems.push(format!(
                "data-backend=\"{v}\" is not supported; use onyx, onyx-legacy, onyx-simple or odyssey."
            ));
        }
        kind
    }

    /// A keyword attribute: `words` maps each accepted word to its value (an alias after
    /// the first word of a value is accepted but not advertised). Anything else is a problem
    /// naming the words accepted; a `cosmetic` one is only a warning that also names the
    /// default it falls back to.
    fn keyword<T: Copy + PartialEq>(
        &mut self,
        name: &str,
        words: &[(&str, T)],
        default: T,
        cosmetic: bool,
    ) -> T {
        let Some(v) = self.get(name) else {
            return default;
        };
        if let Some((_, t)) = words.iter().find(|(w, _)| *w == v) {
            return *t;
        }
        let mut shown: Vec<&str> = Vec::new();
        for (n, (w, t)) in words.iter().enumerate() {
            if !words[..n].iter().any(|(_, u)| u == t) {
                shown.push(w);
            }
        }
        let list = match shown.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => shown.concat(),
        };
        let msg = format!("data-{name}=\"{v}\" must be {list}");
        match words
            .iter()
            .find(|(_, t)| *t == default)
            .filter(|_| cosmetic)
        {
            Some((w, _)) => self.cosmetic.push(format!("{msg}; using {w}.")),
            None => self.problems.push(format!("{msg}.")),
        }
        default
    }

    /// `true`/`false`; a bare boolean attribute (`data-open`, an empty value) is true.
    fn flag(&mut self, name: &str, default: bool) -> bool {
        match self.attrs.get(name).map(|s| s.trim()) {
            None => default,
            Some("true") | Some("") => true,
            Some("false") => false,
            Some(v) => {
                let msg = format!("data-{name}=\"{v}\" must be true or false.");
                self.problems.push(msg);
                default
            }
        }
    }

    /// A number of seconds between 1 and `max`.
    fn seconds(&mut self, name: &str, max: u32, default: u32) -> u32 {
        let Some(v) = self.get(name) else {
            return default;
        };
        match v.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                let msg =
                    format!("data-{name}=\"{v}\" must be a number of seconds between 1 and {max}.");
                self.problems.push(msg);
                default
            }
        }
    }

    /// `raw` split at `sep` into two non-blank, trimmed parts, or `complaint` as a problem.
    fn pair(&mut self, raw: &str, sep: char, complaint: String) -> Option<(String, String)> {
        match raw.split_once(sep) {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                Some((k.trim().to_string(), v.trim().to_string()))
            }
            _ => {
                self.problems.push(complaint);
                None
            }
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
    fn contact_link_takes_web_and_mail_addresses_only() {
        let base = [("api-base", "/api")];
        let c = Config::from_attrs(&attrs(&base));
        assert_eq!(c.contact, None);
        let c = Config::from_attrs(&attrs(&[
            ("api-base", "/api"),
            ("contact-url", " https://example.com/help "),
            ("lang", "fr"),
        ]));
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        let contact = c.contact.expect("a contact link");
        assert_eq!(contact.url, "https://example.com/help");
        assert_eq!(contact.text, "Contacter le support");
        let c = Config::from_attrs(&attrs(&[
            ("api-base", "/api"),
            ("contact-url", "mailto:help@example.com"),
            ("contact-text", "Write to us"),
        ]));
        assert_eq!(c.contact.map(|c| c.text).as_deref(), Some("Write to us"));
        for bad in [
            "javascript:alert(1)",
            "/support",
            "ftp://x.example",
            "https://",
            "https:///evil.example",
            "https:\\\\evil.example",
            "tel:123",
            "mailto:",
        ] {
            let c = Config::from_attrs(&attrs(&[("api-base", "/api"), ("contact-url", bad)]));
            assert_eq!(c.contact, None, "{bad}");
            assert!(
                c.problems
                    .iter()
                    .any(|p| p.starts_with("data-contact-url=")),
                "{bad}: {:?}",
                c.problems
            );
        }
    }

    #[test]
    fn disclaimer_links_only_http_addresses() {
        use Piece::{Link, Text as T};
        let t = |s: &str| T(s.to_string());
        let l = |s: &str| Link(s.to_string());
        assert_eq!(linkify(""), vec![]);
        assert_eq!(
            linkify("Answers may be wrong."),
            vec![t("Answers may be wrong.")]
        );
        assert_eq!(
            linkify("See https://example.com/terms. Or (http://a.example/x)!"),
            vec![
                t("See "),
                l("https://example.com/terms"),
                t(". Or (http://a.example/x)!"),
            ]
        );
        assert_eq!(
            linkify("Terms:  HTTPS://Example.com/t\tend"),
            vec![t("Terms:  "), l("HTTPS://Example.com/t"), t("\tend")]
        );
        for inert in [
            "javascript:alert(1)",
            "<a href=x>y</a>",
            "mailto:a@b.example",
            "https://",
            "www.example.com",
            "**bold**",
        ] {
            assert_eq!(linkify(inert), vec![t(inert)], "{inert}");
        }
        let c = Config::from_attrs(&attrs(&[
            ("api-base", "/api"),
            ("disclaimer", "AI answers: check https://x.example"),
        ]));
        assert_eq!(
            c.disclaimer,
            vec![t("AI answers: check "), l("https://x.example")]
        );
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
    fn keyword_messages_name_the_words_accepted() {
        let c = Config::from_attrs(&attrs(&[
            ("api-base", "/api"),
            ("mode", "popup"),
            ("credentials", "yes"),
            ("position", "top-left"),
            ("idle-timeout", "0"),
        ]));
        assert_eq!(
            c.problems,
            [
                "data-mode=\"popup\" must be launcher, inline or panel.",
                "data-credentials=\"yes\" must be omit or include.",
                "data-idle-timeout=\"0\" must be a number of seconds between 1 and 3600.",
            ]
        );
        assert_eq!(
            c.warnings,
            ["data-position=\"top-left\" must be bottom-right or bottom-left; using bottom-right."]
        );
        let aliases = Config::from_attrs(&attrs(&[("api-base", "/api"), ("position", "left")]));
        assert_eq!(aliases.position, Position::Left);
        assert!(aliases.warnings.is_empty());
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
