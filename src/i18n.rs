//! The widget's interface texts in several languages, and the text direction.
//!
//! Pure Rust (no DOM), so it is tested natively. [`for_lang`] picks the texts for a `data-lang`
//! value (English, French, German, Spanish or Arabic; anything else falls back to English),
//! [`direction`] says whether the layout runs left-to-right or right-to-left, and
//! [`Strings::apply_overrides`] lets a site owner replace any single text with a
//! `data-text-<name>` attribute (the names are listed by [`keys`]).
//!
//! Some texts are templates with `{name}` placeholders (for example `{query}` or `{n}`);
//! [`fill`] substitutes them. Every translation uses exactly the placeholders of the English
//! text, which the tests check.
//!
//! Adding a text means one line in the `texts!` invocation below and one line in each language
//! table; the compiler rejects a table that misses a field.

use std::borrow::Cow;

use crate::map::Attrs;

/// Which way the widget's text and layout run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Left to right (English, French, German, Spanish…).
    Ltr,
    /// Right to left (Arabic, Hebrew, Persian, Urdu…).
    Rtl,
}

impl Dir {
    /// The value for an HTML `dir` attribute: `"ltr"` or `"rtl"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Dir::Ltr => "ltr",
            Dir::Rtl => "rtl",
        }
    }
}

/// Declares every text once: its [`Text`] name (with its documentation), the matching field of
/// the per-language `Table`, and its attribute name (the part after `data-text-`).
macro_rules! texts {
    ($( $(#[$doc:meta])* $id:ident $field:ident / $key:literal, )*) => {
        /// Names every text the widget shows or announces; [`Strings::get`] reads one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Text {
            $( $(#[$doc])* $id, )*
        }

        /// One language's texts; the compiler rejects a table that misses a field.
        struct Table {
            $( $field: &'static str, )*
        }

        /// Attribute names of the texts (after `data-text-`), in [`Text`] order.
        const KEYS: &[&str] = &[$($key),*];

        /// The Rust field names, to check that each key is its field name with dashes.
        #[cfg(test)]
        const FIELDS: &[&str] = &[$(stringify!($field)),*];

        /// The [`Text`] variant names, to check that the widget reads every text.
        #[cfg(test)]
        const IDS: &[&str] = &[$(stringify!($id)),*];

        impl Table {
            /// The texts in [`Text`] order, so that `Text::X as usize` indexes them.
            const fn list(&self) -> List {
                [$(self.$field),*]
            }
        }
    };
}

/// One language's texts in [`Text`] order.
type List = [&'static str; KEYS.len()];

texts! {
    /// Accessible label of the launcher button; `{title}` is the widget's title.
    OpenChat open_chat / "open-chat",
    /// Label of the button that closes the panel (launcher mode).
    Close close / "close",
    /// Label of the button that clears the thread and starts a new conversation.
    NewChat new_chat / "new-chat",
    /// Label of the send button.
    Send send / "send",
    /// Label of the button that stops the answer being written.
    Stop stop / "stop",
    /// Accessible label of the question input.
    InputLabel input_label / "input-label",
    /// Placeholder shown in the empty question input.
    Placeholder placeholder / "placeholder",
    /// Greeting shown before the first message.
    Welcome welcome / "welcome",
    /// Status while waiting for the first sign of life, and while the model reasons.
    Thinking thinking / "thinking",
    /// Status while searching, before the search queries are known.
    Searching searching / "searching",
    /// Status while searching for a known query; `{query}` is the query.
    SearchingFor searching_for / "searching-for",
    /// Status while the assistant reads the documents it found.
    Reading reading / "reading",
    /// Status while the assistant runs a tool whose name is unknown.
    RunningTool running_tool / "running-tool",
    /// Status while the assistant runs a named tool; `{tool}` is its name.
    RunningToolNamed running_tool_named / "running-tool-named",
    /// Status once the answer text is being written.
    Answering answering / "answering",
    /// Heading of the list of source cards under an answer.
    Sources sources / "sources",
    /// Button that expands a long source list; `{n}` is the number of sources.
    ShowAllSources show_all_sources / "show-all-sources",
    /// Button that collapses the expanded source list again.
    ShowFewer show_fewer / "show-fewer",
    /// Heading of the follow-up question chips under an answer.
    FollowUps follow_ups / "follow-ups",
    /// Heading of the starter questions offered before the first message.
    Starters starters / "starters",
    /// Button that asks the same question again after a failure.
    Retry retry / "retry",
    /// Button that asks for a new answer to the same question.
    Regenerate regenerate / "regenerate",
    /// Button that copies an answer to the clipboard.
    Copy copy / "copy",
    /// Confirmation shown briefly after something was copied.
    Copied copied / "copied",
    /// Button that copies a code block to the clipboard.
    CopyCode copy_code / "copy-code",
    /// Thumbs-up feedback button.
    FeedbackUp feedback_up / "feedback-up",
    /// Thumbs-down feedback button.
    FeedbackDown feedback_down / "feedback-down",
    /// Confirmation shown after feedback was sent.
    FeedbackThanks feedback_thanks / "feedback-thanks",
    /// Button that scrolls the thread back to the newest message.
    JumpToLatest jump_to_latest / "jump-to-latest",
    /// Shown above the thread once its oldest messages have been let go (long conversations).
    EarlierHidden earlier_hidden / "earlier-hidden",
    /// Shown for a question when the part of the widget that answers could not be fetched.
    LoadFailed load_failed / "load-failed",
    /// Note under an answer the user stopped.
    Stopped stopped / "stopped",
    /// Note under an answer that broke off (connection lost, page reloaded mid-answer…).
    Interrupted interrupted / "interrupted",
    /// Note under an answer longer than the widget shows (the rest was cut).
    AnswerTruncated answer_truncated / "answer-truncated",
    /// Note under an answer that came with more sources than the widget shows.
    SourcesTruncated sources_truncated / "sources-truncated",
    /// Word put before an error message (a space follows it), e.g. for screen readers.
    ErrorPrefix error_prefix / "error-prefix",
    /// Accessible label of the message thread.
    Conversation conversation / "conversation",
    /// Accessible label of a citation marker; `{n}` is its number, `{title}` the document.
    CitationLabel citation_label / "citation-label",
    /// Hint added to the accessible label of links that open in a new tab.
    OpensInNewTab opens_in_new_tab / "opens-in-new-tab",
    /// Heading of the box that lists configuration problems instead of the chat.
    ConfigErrorTitle config_error_title / "config-error-title",
    /// Screen-reader announcement when an answer has finished.
    AnswerReady answer_ready / "answer-ready",
    /// Advice after a rate limit; `{seconds}` is the wait in seconds.
    RetryAfter retry_after / "retry-after",
    /// Accessible name of the user's messages.
    You you / "you",
    /// Accessible name of the assistant's messages.
    Assistant assistant / "assistant",
    /// Title shown for a source that has none.
    Untitled untitled / "untitled",
    /// Error shown when the chat server cannot be reached at all.
    ErrorNetwork error_network / "error-network",
    /// Error shown when something failed and nothing more specific is known.
    ErrorGeneric error_generic / "error-generic",
    /// Error shown when the chat service refused or misunderstood the widget (its settings,
    /// key or server version: nothing the visitor can fix).
    ErrorUnavailable error_unavailable / "error-unavailable",
    /// Error shown when the chat service is rate-limiting (a countdown follows it).
    ErrorBusy error_busy / "error-busy",
    /// Error shown when an answer stalled or took too long.
    ErrorSlow error_slow / "error-slow",
    /// Error shown when the question is too long for the chat service.
    ErrorTooLong error_too_long / "error-too-long",
    /// Summary of the collapsed technical details under an error.
    ErrorDetails error_details / "error-details",
    /// Link to a human (`data-contact-url`) under answers and in errors, unless
    /// `data-contact-text` says otherwise.
    ContactSupport contact_support / "contact-support",
}

/// The plain sentence a visitor reads for an error, by its code. The error's own message
/// (technical, in English, for the site owner) goes under it, collapsed, and to the console
/// and the `sherpa:error` event.
pub fn error_text(code: Option<&str>) -> Text {
    let code = code.unwrap_or_default();
    match code {
        "network" => Text::ErrorNetwork,
        "interrupted" => Text::Interrupted,
        "stalled" | "turn-timeout" | "http_408" | "http_504" => Text::ErrorSlow,
        "http_429" | "RATE_LIMIT" | "RATE_LIMITED" => Text::ErrorBusy,
        "http_413" | "too_large" | "context_length" => Text::ErrorTooLong,
        _ if code.starts_with("http_4") => Text::ErrorUnavailable,
        "html_page" | "bad_session" | "empty_reply" | "unreadable_reply" | "bad_reply"
        | "no_session_call" => Text::ErrorUnavailable,
        _ => Text::ErrorGeneric,
    }
}

const EN: Table = Table {
    open_chat: "Open chat: {title}",
    close: "Close chat",
    new_chat: "New chat",
    send: "Send",
    stop: "Stop",
    input_label: "Your question",
    placeholder: "Ask a question…",
    welcome: "Hi! How can I help you?",
    thinking: "Thinking…",
    searching: "Searching…",
    searching_for: "Searching for “{query}”…",
    reading: "Reading the documents…",
    running_tool: "Running a tool…",
    running_tool_named: "Running {tool}…",
    answering: "Writing the answer…",
    sources: "Sources",
    show_all_sources: "Show all {n} sources",
    show_fewer: "Show fewer",
    follow_ups: "Suggested questions",
    starters: "Try asking",
    retry: "Retry",
    regenerate: "Regenerate answer",
    copy: "Copy answer",
    copied: "Copied",
    copy_code: "Copy code",
    feedback_up: "Good answer",
    feedback_down: "Bad answer",
    feedback_thanks: "Thanks for your feedback!",
    jump_to_latest: "Jump to latest",
    earlier_hidden: "Earlier messages are no longer shown.",
    load_failed: "Part of the chat could not be loaded. Check your connection and try again.",
    stopped: "Stopped.",
    interrupted: "This answer was interrupted.",
    answer_truncated: "This answer was too long to show in full; the rest was cut.",
    sources_truncated: "Only the first sources are shown.",
    error_prefix: "Error:",
    conversation: "Conversation",
    citation_label: "Source {n}: {title}",
    opens_in_new_tab: "opens in a new tab",
    config_error_title: "This chat widget is not set up correctly.",
    answer_ready: "Answer ready.",
    retry_after: "Try again in {seconds}\u{a0}s.",
    you: "You",
    assistant: "Assistant",
    untitled: "Untitled document",
    error_network: "Could not reach the chat server. Check your connection and try again.",
    error_generic: "Something went wrong. Please try again.",
    error_unavailable: "The chat is not available right now. Please try again later.",
    error_busy: "Too many questions right now. Try again in a moment.",
    error_slow: "The answer is taking too long. Please try again.",
    error_too_long: "Your message is too long. Please shorten it.",
    error_details: "Details",
    contact_support: "Contact support",
};

// French: formal "vous"; a no-break space before `:`, `!` and `?` and inside « ».
const FR: Table = Table {
    open_chat: "Ouvrir la discussion\u{a0}: {title}",
    close: "Fermer la discussion",
    new_chat: "Nouvelle discussion",
    send: "Envoyer",
    stop: "Arrêter",
    input_label: "Votre question",
    placeholder: "Posez votre question…",
    welcome: "Bonjour\u{a0}! Comment puis-je vous aider\u{a0}?",
    thinking: "Réflexion en cours…",
    searching: "Recherche en cours…",
    searching_for: "Recherche de «\u{a0}{query}\u{a0}»…",
    reading: "Lecture des documents…",
    running_tool: "Exécution d’un outil…",
    running_tool_named: "Exécution de l’outil {tool}…",
    answering: "Rédaction de la réponse…",
    sources: "Sources",
    show_all_sources: "Afficher les {n} sources",
    show_fewer: "Afficher moins",
    follow_ups: "Questions suggérées",
    starters: "Exemples de questions",
    retry: "Réessayer",
    regenerate: "Régénérer la réponse",
    copy: "Copier la réponse",
    copied: "Copié",
    copy_code: "Copier le code",
    feedback_up: "Réponse utile",
    feedback_down: "Réponse peu utile",
    feedback_thanks: "Merci pour votre retour\u{a0}!",
    jump_to_latest: "Aller au dernier message",
    earlier_hidden: "Les messages plus anciens ne sont plus affichés.",
    load_failed:
        "Une partie du chat n’a pas pu être chargée. Vérifiez votre connexion et réessayez.",
    stopped: "Réponse arrêtée.",
    interrupted: "Cette réponse a été interrompue.",
    answer_truncated:
        "Cette réponse était trop longue pour être affichée en entier ; la suite a été coupée.",
    sources_truncated: "Seules les premières sources sont affichées.",
    error_prefix: "Erreur\u{a0}:",
    conversation: "Conversation",
    citation_label: "Source {n}\u{a0}: {title}",
    opens_in_new_tab: "s’ouvre dans un nouvel onglet",
    config_error_title: "Ce widget de discussion n’est pas correctement configuré.",
    answer_ready: "La réponse est prête.",
    retry_after: "Réessayez dans {seconds}\u{a0}s.",
    you: "Vous",
    assistant: "Assistant",
    untitled: "Document sans titre",
    error_network: "Impossible de joindre le serveur de discussion. Vérifiez votre connexion et \
                    réessayez.",
    error_generic: "Une erreur s’est produite. Veuillez réessayer.",
    error_unavailable:
        "La discussion n’est pas disponible pour le moment. Veuillez réessayer plus tard.",
    error_busy: "Trop de questions en ce moment. Réessayez dans un instant.",
    error_slow: "La réponse prend trop de temps. Veuillez réessayer.",
    error_too_long: "Votre message est trop long. Veuillez le raccourcir.",
    error_details: "Détails",
    contact_support: "Contacter le support",
};

// German: formal "Sie".
const DE: Table = Table {
    open_chat: "Chat öffnen: {title}",
    close: "Chat schließen",
    new_chat: "Neuer Chat",
    send: "Senden",
    stop: "Stoppen",
    input_label: "Ihre Frage",
    placeholder: "Stellen Sie eine Frage…",
    welcome: "Hallo! Wie kann ich Ihnen helfen?",
    thinking: "Denkt nach…",
    searching: "Suche läuft…",
    searching_for: "Suche nach „{query}“…",
    reading: "Dokumente werden gelesen…",
    running_tool: "Ein Tool wird ausgeführt…",
    running_tool_named: "Tool {tool} wird ausgeführt…",
    answering: "Antwort wird verfasst…",
    sources: "Quellen",
    show_all_sources: "Alle {n} Quellen anzeigen",
    show_fewer: "Weniger anzeigen",
    follow_ups: "Vorgeschlagene Fragen",
    starters: "Beispielfragen",
    retry: "Erneut versuchen",
    regenerate: "Antwort neu generieren",
    copy: "Antwort kopieren",
    copied: "Kopiert",
    copy_code: "Code kopieren",
    feedback_up: "Hilfreiche Antwort",
    feedback_down: "Wenig hilfreiche Antwort",
    feedback_thanks: "Danke für Ihr Feedback!",
    jump_to_latest: "Zur neuesten Nachricht",
    earlier_hidden: "Ältere Nachrichten werden nicht mehr angezeigt.",
    load_failed: "Ein Teil des Chats konnte nicht geladen werden. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
    stopped: "Abgebrochen.",
    interrupted: "Diese Antwort wurde unterbrochen.",
    answer_truncated: "Diese Antwort war zu lang, um sie ganz zu zeigen; der Rest wurde abgeschnitten.",
    sources_truncated: "Nur die ersten Quellen werden angezeigt.",
    error_prefix: "Fehler:",
    conversation: "Unterhaltung",
    citation_label: "Quelle {n}: {title}",
    opens_in_new_tab: "wird in einem neuen Tab geöffnet",
    config_error_title: "Dieses Chat-Widget ist nicht richtig eingerichtet.",
    answer_ready: "Die Antwort ist fertig.",
    retry_after: "Versuchen Sie es in {seconds}\u{a0}s erneut.",
    you: "Sie",
    assistant: "Assistent",
    untitled: "Unbenanntes Dokument",
    error_network: "Der Chat-Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und \
                    versuchen Sie es erneut.",
    error_generic: "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.",
    error_unavailable: "Der Chat ist gerade nicht verfügbar. Bitte versuchen Sie es später erneut.",
    error_busy: "Gerade kommen zu viele Fragen. Versuchen Sie es gleich noch einmal.",
    error_slow: "Die Antwort dauert zu lange. Bitte versuchen Sie es erneut.",
    error_too_long: "Ihre Nachricht ist zu lang. Bitte kürzen Sie sie.",
    error_details: "Details",
    contact_support: "Support kontaktieren",
};

// Spanish: informal "tú", as most current software does.
const ES: Table = Table {
    open_chat: "Abrir el chat: {title}",
    close: "Cerrar el chat",
    new_chat: "Nueva conversación",
    send: "Enviar",
    stop: "Detener",
    input_label: "Tu pregunta",
    placeholder: "Escribe tu pregunta…",
    welcome: "¡Hola! ¿En qué puedo ayudarte?",
    thinking: "Pensando…",
    searching: "Buscando…",
    searching_for: "Buscando «{query}»…",
    reading: "Leyendo los documentos…",
    running_tool: "Ejecutando una herramienta…",
    running_tool_named: "Ejecutando la herramienta {tool}…",
    answering: "Redactando la respuesta…",
    sources: "Fuentes",
    show_all_sources: "Mostrar las {n} fuentes",
    show_fewer: "Mostrar menos",
    follow_ups: "Preguntas sugeridas",
    starters: "Preguntas de ejemplo",
    retry: "Reintentar",
    regenerate: "Regenerar la respuesta",
    copy: "Copiar la respuesta",
    copied: "Copiado",
    copy_code: "Copiar el código",
    feedback_up: "Respuesta útil",
    feedback_down: "Respuesta poco útil",
    feedback_thanks: "¡Gracias por tus comentarios!",
    jump_to_latest: "Ir al último mensaje",
    earlier_hidden: "Los mensajes anteriores ya no se muestran.",
    load_failed: "No se pudo cargar parte del chat. Comprueba tu conexión e inténtalo de nuevo.",
    stopped: "Respuesta detenida.",
    interrupted: "Esta respuesta se interrumpió.",
    answer_truncated:
        "Esta respuesta era demasiado larga para mostrarla entera; el resto se cortó.",
    sources_truncated: "Solo se muestran las primeras fuentes.",
    error_prefix: "Error:",
    conversation: "Conversación",
    citation_label: "Fuente {n}: {title}",
    opens_in_new_tab: "se abre en una pestaña nueva",
    config_error_title: "Este widget de chat no está bien configurado.",
    answer_ready: "La respuesta está lista.",
    retry_after: "Vuelve a intentarlo en {seconds}\u{a0}s.",
    you: "Tú",
    assistant: "Asistente",
    untitled: "Documento sin título",
    error_network: "No se pudo conectar con el servidor del chat. Comprueba tu conexión y vuelve \
                    a intentarlo.",
    error_generic: "Algo salió mal. Vuelve a intentarlo.",
    error_unavailable: "El chat no está disponible en este momento. Vuelve a intentarlo más tarde.",
    error_busy: "Hay demasiadas preguntas ahora mismo. Inténtalo de nuevo en un momento.",
    error_slow: "La respuesta está tardando demasiado. Vuelve a intentarlo.",
    error_too_long: "Tu mensaje es demasiado largo. Acórtalo, por favor.",
    error_details: "Detalles",
    contact_support: "Contactar con soporte",
};

// Modern Standard Arabic. `ث` is the usual abbreviation of ثانية (second).
const AR: Table = Table {
    open_chat: "فتح المحادثة: {title}",
    close: "إغلاق المحادثة",
    new_chat: "محادثة جديدة",
    send: "إرسال",
    stop: "إيقاف",
    input_label: "سؤالك",
    placeholder: "اكتب سؤالك…",
    welcome: "مرحبًا! كيف يمكنني مساعدتك؟",
    thinking: "جارٍ التفكير…",
    searching: "جارٍ البحث…",
    searching_for: "جارٍ البحث عن «{query}»…",
    reading: "جارٍ قراءة المستندات…",
    running_tool: "جارٍ تشغيل أداة…",
    running_tool_named: "جارٍ تشغيل الأداة {tool}…",
    answering: "جارٍ كتابة الإجابة…",
    sources: "المصادر",
    show_all_sources: "عرض جميع المصادر ({n})",
    show_fewer: "عرض أقل",
    follow_ups: "أسئلة مقترحة",
    starters: "أمثلة على الأسئلة",
    retry: "إعادة المحاولة",
    regenerate: "إعادة إنشاء الإجابة",
    copy: "نسخ الإجابة",
    copied: "تم النسخ",
    copy_code: "نسخ الشيفرة",
    feedback_up: "إجابة مفيدة",
    feedback_down: "إجابة غير مفيدة",
    feedback_thanks: "شكرًا على ملاحظاتك!",
    jump_to_latest: "الانتقال إلى أحدث رسالة",
    earlier_hidden: "لم تعد الرسائل الأقدم معروضة.",
    load_failed: "تعذّر تحميل جزء من المحادثة. تحقّق من اتصالك وحاول مرة أخرى.",
    stopped: "تم إيقاف الإجابة.",
    interrupted: "انقطعت هذه الإجابة.",
    answer_truncated: "كانت هذه الإجابة أطول من أن تُعرض كاملة، فقُطع باقيها.",
    sources_truncated: "تُعرض المصادر الأولى فقط.",
    error_prefix: "خطأ:",
    conversation: "المحادثة",
    citation_label: "المصدر {n}: {title}",
    opens_in_new_tab: "يُفتح في علامة تبويب جديدة",
    config_error_title: "أداة المحادثة هذه غير مُعدّة بشكل صحيح.",
    answer_ready: "الإجابة جاهزة.",
    retry_after: "أعد المحاولة بعد {seconds}\u{a0}ث.",
    you: "أنت",
    assistant: "المساعد",
    untitled: "مستند بلا عنوان",
    error_network: "تعذّر الاتصال بخادم المحادثة. تحقّق من اتصالك بالإنترنت وأعد المحاولة.",
    error_generic: "حدث خطأ ما. يُرجى إعادة المحاولة.",
    error_unavailable: "المحادثة غير متاحة الآن. يُرجى المحاولة لاحقًا.",
    error_busy: "هناك أسئلة كثيرة جدًا الآن. أعد المحاولة بعد قليل.",
    error_slow: "تستغرق الإجابة وقتًا طويلًا. يُرجى إعادة المحاولة.",
    error_too_long: "رسالتك طويلة جدًا. يُرجى اختصارها.",
    error_details: "التفاصيل",
    contact_support: "تواصل مع الدعم",
};

/// The languages with their own texts, by primary language subtag.
const LANGS: &[(&str, List)] = &[
    ("en", EN.list()),
    ("fr", FR.list()),
    ("de", DE.list()),
    ("es", ES.list()),
    ("ar", AR.list()),
];

/// The English texts, the fallback and the reference for placeholders.
const ENGLISH: &List = &LANGS[0].1;

/// Primary language subtags written right to left.
const RTL_LANGS: &[&str] = &[
    "ar", "arc", "azb", "ckb", "dv", "fa", "he", "iw", "ji", "ks", "lrc", "mzn", "nqo", "pnb",
    "prs", "ps", "sd", "syr", "ug", "ur", "yi",
];

/// Script subtags written right to left (lower case).
const RTL_SCRIPTS: &[&str] = &[
    "adlm", "arab", "aran", "hebr", "mand", "mend", "nkoo", "rohg", "samr", "syrc", "thaa", "yezi",
];

/// The primary subtags of the languages with their own texts, English first.
pub fn languages() -> impl Iterator<Item = &'static str> {
    LANGS.iter().map(|(code, _)| *code)
}

/// The subtags [`direction`] reads as right to left: primary language subtags, and script
/// subtags (lower case). The loader places its launcher by them before the module runs.
pub fn rtl_subtags() -> (&'static [&'static str], &'static [&'static str]) {
    (RTL_LANGS, RTL_SCRIPTS)
}

/// The subtags of a BCP 47 tag; `_` is accepted as a separator too (`fr_CA`).
fn subtags(lang: &str) -> impl Iterator<Item = &str> {
    lang.trim().split(['-', '_'])
}

/// The language whose texts [`for_lang`] returns for `lang`: `"en"`, `"fr"`, `"de"`, `"es"` or
/// `"ar"`. Matching is by primary subtag, ignoring case, so `fr-CA` gives `"fr"`; a language
/// without texts (say `pt`) gives `"en"`. Useful for the `lang` attribute of the widget's chrome.
pub fn ui_lang(lang: &str) -> &'static str {
    find_table(lang).0
}

fn find_table(lang: &str) -> (&'static str, &'static List) {
    let primary = subtags(lang).next().unwrap_or_default();
    LANGS
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(primary))
        .map_or(("en", ENGLISH), |(code, list)| (code, list))
}

/// The texts for a `data-lang` value (a BCP 47 tag such as `de`, `fr-CA` or `ar-EG`). The
/// region and anything after the primary subtag are ignored; unknown languages get English.
pub fn for_lang(lang: &str) -> Strings {
    Strings::from_list(find_table(lang).1)
}

/// The text direction for a language tag. A script subtag decides when there is one
/// (`pa-Arab` is right to left, `ku-Latn` left to right); otherwise the primary subtag does:
/// Arabic, Hebrew, Persian, Urdu, Pashto, Yiddish, Dhivehi, Sorani Kurdish, Sindhi, Uyghur and a
/// few others are right to left. Everything else, including an empty tag, is left to right.
pub fn direction(lang: &str) -> Dir {
    let mut parts = subtags(lang);
    let primary = parts.next().unwrap_or_default();
    // After the primary subtag come optional three-letter extended subtags, then the script.
    let script = parts
        .find(|p| !(p.len() == 3 && p.bytes().all(|b| b.is_ascii_alphabetic())))
        .filter(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let rtl = match script {
        Some(s) => RTL_SCRIPTS.iter().any(|r| r.eq_ignore_ascii_case(s)),
        None => RTL_LANGS.iter().any(|r| r.eq_ignore_ascii_case(primary)),
    };
    if rtl {
        Dir::Rtl
    } else {
        Dir::Ltr
    }
}

/// The attribute names of all texts, in dash form (`new-chat`, `show-all-sources`…). Each is
/// set with `data-text-<name>`.
pub fn keys() -> &'static [&'static str] {
    KEYS
}

/// A piece of a template: literal text, or a `{name}` placeholder (the name without braces).
enum Piece<'a> {
    Text(&'a str),
    Slot(&'a str),
}

/// Whether `s` can be a placeholder name: ASCII letters, digits and `_`, at least one.
fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Splits a template into pieces. Braces that do not enclose a valid name stay text.
fn scan<'a>(template: &'a str, mut on: impl FnMut(Piece<'a>)) {
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        on(Piece::Text(before));
        match after.split_once('}') {
            Some((name, tail)) if is_name(name) => {
                on(Piece::Slot(name));
                rest = tail;
            }
            _ => {
                on(Piece::Text("{"));
                rest = after;
            }
        }
    }
    on(Piece::Text(rest));
}

/// The placeholder names a template uses, in order (repeats included).
fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    scan(template, |p| {
        if let Piece::Slot(name) = p {
            names.push(name);
        }
    });
    names
}

/// Replaces each `{name}` in `template` with the value paired with `name` in `args`.
/// Placeholders without a value are left as they are, values are inserted verbatim (braces in
/// them are not expanded again), and stray braces are kept.
///
/// ```
/// # use sherpa::i18n::fill;
/// assert_eq!(fill("Show all {n} sources", &[("n", "12")]), "Show all 12 sources");
/// ```
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    scan(template, |piece| match piece {
        Piece::Text(t) => out.push_str(t),
        Piece::Slot(name) => match args.iter().find(|(k, _)| *k == name) {
            Some((_, value)) => out.push_str(value),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        },
    });
    out
}

/// The index of the text with attribute name `key` (such as `"new-chat"`), if there is one.
fn index(key: &str) -> Option<usize> {
    KEYS.iter().position(|k| *k == key)
}

/// Every text the widget shows or announces, in one language.
///
/// Build it with [`for_lang`], adjust it with [`Strings::apply_overrides`], read a text with
/// [`Strings::get`], and fill templates with [`fill`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Strings {
    /// In [`Text`] order: the language's static texts, and the site owner's overrides.
    texts: [Cow<'static, str>; KEYS.len()],
}

impl Default for Strings {
    /// The English texts.
    fn default() -> Self {
        Strings::from_list(ENGLISH)
    }
}

impl Strings {
    fn from_list(list: &'static List) -> Self {
        Strings {
            texts: list.map(Cow::Borrowed),
        }
    }

    /// One text.
    pub fn get(&self, text: Text) -> &str {
        &self.texts[text as usize]
    }

    /// The text for an attribute name such as `"new-chat"`, if there is one.
    pub fn by_key(&self, key: &str) -> Option<&str> {
        index(key).map(|i| &*self.texts[i])
    }

    /// Applies `data-text-<name>` overrides. `attrs` maps attribute names without the `data-`
    /// prefix to their values; attributes not starting with `text-` are ignored. Values are
    /// trimmed.
    ///
    /// Returns one message per problem, ready to show as a configuration problem: an unknown
    /// name, an empty value (the default text is kept), or a placeholder that the text does not
    /// provide (the override is still applied, and the placeholder shows literally).
    pub fn apply_overrides(&mut self, attrs: &Attrs) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, value) in attrs.iter() {
            let Some(key) = name.strip_prefix("text-") else {
                continue;
            };
            let Some(i) = index(key) else {
                problems.push(format!(
                    "data-{name} is not a known text; known texts (each set with \
                     data-text-<name>): {}.",
                    KEYS.join(", ")
                ));
                continue;
            };
            let english = ENGLISH[i];
            let value = value.trim();
            if value.is_empty() {
                problems.push(format!(
                    "data-{name} is empty; remove it to keep the default text (\"{english}\")."
                ));
                continue;
            }
            let allowed = placeholders(english);
            let mut unknown: Vec<&str> = placeholders(value)
                .into_iter()
                .filter(|p| !allowed.contains(p))
                .collect();
            unknown.dedup();
            if !unknown.is_empty() {
                let used = unknown
                    .iter()
                    .map(|p| format!("{{{p}}}"))
                    .collect::<Vec<_>>();
                let offered = if allowed.is_empty() {
                    "this text has no placeholders".to_owned()
                } else {
                    let list = allowed
                        .iter()
                        .map(|p| format!("{{{p}}}"))
                        .collect::<Vec<_>>();
                    format!("it can use {}", list.join(", "))
                };
                problems.push(format!(
                    "data-{name} uses {}, which this text does not provide; {offered}.",
                    used.join(", ")
                ));
            }
            self.texts[i] = Cow::Owned(value.to_owned());
        }
        problems
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

    fn sorted(mut v: Vec<&str>) -> Vec<&str> {
        v.sort_unstable();
        v
    }

    #[test]
    fn every_language_defines_every_text_with_the_english_placeholders() {
        let english = Strings::default();
        for (code, list) in LANGS {
            let strings = Strings::from_list(list);
            for (i, key) in keys().iter().enumerate() {
                let text = strings.by_key(key).unwrap_or_default();
                assert!(!text.trim().is_empty(), "{code}: {key} is empty");
                let en = english.by_key(key).unwrap_or_default();
                assert_eq!(
                    sorted(placeholders(text)),
                    sorted(placeholders(en)),
                    "{code}: {key} = {text:?} must use the placeholders of {en:?}"
                );
                assert!(!text.contains("..."), "{code}: {key} should use … not ...");
                assert_eq!(list[i], text, "{code}: table and Strings agree");
            }
        }
    }

    #[test]
    fn keys_are_the_field_names_with_dashes_and_unique() {
        assert_eq!(KEYS.len(), FIELDS.len());
        for (key, field) in KEYS.iter().zip(FIELDS) {
            assert_eq!(*key, field.replace('_', "-"));
        }
        let mut unique = KEYS.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), KEYS.len());
        assert!(keys().contains(&"new-chat") && keys().contains(&"show-all-sources"));
        assert_eq!(Strings::default().by_key("nope"), None);
    }

    #[test]
    fn french_punctuation_has_no_break_spaces() {
        for (key, text) in keys().iter().zip(FR.list()) {
            for mark in [" :", " !", " ?", "« ", " »"] {
                assert!(
                    !text.contains(mark),
                    "fr {key}: use a no-break space in {text:?}"
                );
            }
        }
    }

    #[test]
    fn arabic_texts_are_in_arabic_script() {
        for (key, text) in keys().iter().zip(AR.list()) {
            assert!(
                text.chars().any(|c| ('\u{600}'..='\u{6ff}').contains(&c)),
                "ar {key}: {text:?}"
            );
        }
    }

    #[test]
    fn languages_fall_back_by_primary_subtag_then_to_english() {
        assert_eq!(for_lang("fr-CA"), for_lang("fr"));
        assert_eq!(for_lang("de-AT"), for_lang("de"));
        assert_eq!(for_lang("es_MX"), for_lang("es"));
        assert_eq!(for_lang("AR-eg"), for_lang("ar"));
        assert_eq!(for_lang(" FR "), for_lang("fr"));
        assert_eq!(for_lang("de").get(Text::Send), "Senden");
        assert_eq!(for_lang("fr").get(Text::Send), "Envoyer");
        assert_eq!(for_lang("es").get(Text::Send), "Enviar");
        assert_eq!(for_lang("ar").get(Text::Send), "إرسال");
        for unknown in ["pt", "pt-BR", "", "-", "zz-ZZ", "english", "f", "frr"] {
            assert_eq!(for_lang(unknown), Strings::default(), "{unknown:?}");
            assert_eq!(ui_lang(unknown), "en", "{unknown:?}");
        }
        assert_eq!(for_lang("en-GB").get(Text::Send), "Send");
        assert_eq!(ui_lang("fr-CA"), "fr");
        assert_eq!(ui_lang("ar-SA"), "ar");
    }

    #[test]
    fn direction_follows_the_primary_subtag_or_the_script() {
        let rtl =
            "ar AR ar-EG he he-IL iw fa fa-IR fa_AF ur ps yi dv ckb sd ug pa-Arab az-Arab-IR \
                   zh-yue-Hebr";
        for rtl in rtl.split_whitespace() {
            assert_eq!(direction(rtl), Dir::Rtl, "{rtl}");
        }
        for ltr in ["", "-", "  "] {
            assert_eq!(direction(ltr), Dir::Ltr, "{ltr:?}");
        }
        let ltr = "en fr-CA de es pt-BR sd-Deva ku ar-Latn arb-Latn es-419 tr ha";
        for ltr in ltr.split_whitespace() {
            assert_eq!(direction(ltr), Dir::Ltr, "{ltr}");
        }
        assert_eq!(Dir::Rtl.as_str(), "rtl");
        assert_eq!(Dir::Ltr.as_str(), "ltr");
    }

    #[test]
    fn fill_substitutes_known_placeholders_and_keeps_the_rest() {
        assert_eq!(
            fill("Show all {n} sources", &[("n", "7")]),
            "Show all 7 sources"
        );
        assert_eq!(
            fill("Source {n}: {title}", &[("title", "Guide"), ("n", "2")]),
            "Source 2: Guide"
        );
        assert_eq!(fill("{a}{a}", &[("a", "x")]), "xx");
        assert_eq!(fill("Hi {name}", &[]), "Hi {name}");
        assert_eq!(fill("no placeholders", &[("n", "1")]), "no placeholders");
        assert_eq!(fill("", &[("n", "1")]), "");
        // Values are not expanded again.
        assert_eq!(
            fill(
                "Searching for “{query}”…",
                &[("query", "{query} {n}"), ("n", "1")]
            ),
            "Searching for “{query} {n}”…"
        );
        // Stray or malformed braces stay as written.
        for odd in ["{", "}", "{}", "{ n }", "a { b", "x}{y", "{é}", "{n", "n}"] {
            assert_eq!(fill(odd, &[("n", "1"), ("é", "2")]), odd, "{odd:?}");
        }
        assert_eq!(fill("{{n}}", &[("n", "1")]), "{1}");
        assert_eq!(
            fill("«\u{a0}{query}\u{a0}»", &[("query", "é")]),
            "«\u{a0}é\u{a0}»"
        );
    }

    #[test]
    fn placeholders_are_listed_in_order() {
        assert_eq!(placeholders("Source {n}: {title}"), vec!["n", "title"]);
        assert!(placeholders("Sources").is_empty());
        assert!(placeholders("{ bad } {}").is_empty());
    }

    #[test]
    fn known_overrides_replace_texts_and_others_are_ignored() {
        let mut s = for_lang("de");
        let problems = s.apply_overrides(&attrs(&[
            ("text-new-chat", "Start over"),
            ("text-send", "  Go "),
            ("text-show-all-sources", "All sources ({n})"),
            ("title", "Help"),
            ("lang", "de"),
        ]));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(s.get(Text::NewChat), "Start over");
        assert_eq!(s.get(Text::Send), "Go");
        assert_eq!(s.get(Text::ShowAllSources), "All sources ({n})");
        assert_eq!(
            s.get(Text::Stop),
            "Stoppen",
            "untouched texts keep the language"
        );
        // An override may leave out placeholders.
        let mut s = Strings::default();
        assert!(s
            .apply_overrides(&attrs(&[("text-citation-label", "Source")]))
            .is_empty());
        assert_eq!(s.get(Text::CitationLabel), "Source");
    }

    #[test]
    fn unknown_override_is_a_specific_problem() {
        let mut s = Strings::default();
        let problems = s.apply_overrides(&attrs(&[("text-foo", "x"), ("text-", "y")]));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems
            .iter()
            .any(|p| p.starts_with("data-text-foo is not a known text")));
        assert!(problems
            .iter()
            .any(|p| p.starts_with("data-text- is not a known text")));
        assert!(problems[0].contains("new-chat") && problems[0].contains("data-text-<name>"));
        assert_eq!(s, Strings::default());
    }

    #[test]
    fn empty_override_is_a_problem_and_keeps_the_default() {
        let mut s = for_lang("fr");
        let problems = s.apply_overrides(&attrs(&[("text-send", "  ")]));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("data-text-send is empty"),
            "{problems:?}"
        );
        assert_eq!(s.get(Text::Send), "Envoyer");
    }

    #[test]
    fn override_with_a_foreign_placeholder_is_reported() {
        let mut s = Strings::default();
        let problems = s.apply_overrides(&attrs(&[
            ("text-searching-for", "Looking up {q} {q}…"),
            ("text-send", "Send {n}"),
        ]));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems
            .iter()
            .any(|p| p.contains("data-text-searching-for uses {q},")
                && p.contains("it can use {query}")));
        assert!(problems
            .iter()
            .any(|p| p.contains("data-text-send uses {n}") && p.contains("no placeholders")));
        assert_eq!(s.get(Text::SearchingFor), "Looking up {q} {q}…");
    }

    /// The source of the widget crate (without this file), to check which texts it reads.
    fn widget_source() -> String {
        fn walk(dir: &std::path::Path, out: &mut String) {
            for entry in std::fs::read_dir(dir).expect("src/ is readable") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("i18n.rs")
                {
                    out.push_str(&std::fs::read_to_string(&path).expect("a source file"));
                }
            }
        }
        let mut out = String::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut out,
        );
        out
    }

    #[test]
    fn every_text_is_read_somewhere() {
        let src = widget_source();
        // The error sentences are read through `error_text`, by code.
        let by_code: Vec<Text> = [
            "network",
            "interrupted",
            "stalled",
            "http_429",
            "http_413",
            "http_401",
            "x",
        ]
        .iter()
        .map(|c| error_text(Some(c)))
        .collect();
        let unused: Vec<&str> = IDS
            .iter()
            .enumerate()
            .filter(|(i, id)| {
                let read_by_code = by_code.iter().any(|t| *t as usize == *i);
                !read_by_code && !src.contains(&format!("Text::{id}"))
            })
            .map(|(_, id)| *id)
            .collect();
        assert!(
            unused.is_empty(),
            "texts the widget never reads: {unused:?}"
        );
    }

    #[test]
    fn every_error_code_the_protocol_makes_has_a_considered_text() {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("readable") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("a source file");
                    for marker in ["with_code(\"", "code: Some(\""] {
                        for piece in text.split(marker).skip(1) {
                            if let Some((code, _)) = piece.split_once('"') {
                                out.push(code.to_string());
                            }
                        }
                    }
                }
            }
        }
        let mut codes = Vec::new();
        walk(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/crates/protocol/src")),
            &mut codes,
        );
        assert!(codes.iter().any(|c| c == "network"), "{codes:?}");
        // Codes for which "Something went wrong" is the honest sentence: the server failed
        // in a way the visitor can only retry.
        let generic = [
            "server_error",
            "stream_error",
            "tool_error",
            "no_answer",
            "invalid_line",
            "VALIDATION_ERROR",
        ];
        for code in &codes {
            let text = error_text(Some(code));
            assert!(
                text != Text::ErrorGeneric || generic.contains(&code.as_str()),
                "error code {code:?} falls back to the generic sentence: map it in error_text"
            );
        }
        assert_eq!(error_text(Some("http_401")), Text::ErrorUnavailable);
        assert_eq!(error_text(Some("context_length")), Text::ErrorTooLong);
        assert_eq!(error_text(None), Text::ErrorGeneric);
    }
}
