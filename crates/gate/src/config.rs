//! Configuration: flags (clap) and a TOML file with the same keys; flags override the file.
//! The secret comes only from `SHERPA_GATE_API_KEY` or `--api-key-file`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use serde::Deserialize;

/// Every setting, as a flag and as a TOML key (dashes become underscores in TOML).
#[derive(Parser, Deserialize, Debug, Default, Clone)]
#[command(
    name = "sherpa-gate",
    about = "Puts Sherpa on a public site without a key in the page."
)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
pub struct Args {
    /// TOML file with the same keys as the flags (flags override it).
    #[arg(long)]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8788.
    #[arg(long)]
    pub listen: Option<String>,
    /// The API base the widget would otherwise call, `/api` included.
    #[arg(long)]
    pub upstream: Option<String>,
    /// onyx | onyx-legacy | onyx-simple | odyssey.
    #[arg(long)]
    pub backend: Option<String>,
    /// An allowed page origin (exact, repeatable).
    #[arg(long = "allow-origin")]
    pub allow_origin: Option<Vec<String>>,
    /// Persona pinned for every request.
    #[arg(long)]
    pub persona: Option<i64>,
    /// Document sets pinned (comma-separated).
    #[arg(long = "document-sets", value_delimiter = ',')]
    pub document_sets: Option<Vec<String>>,
    /// Source types pinned (comma-separated).
    #[arg(long = "source-types", value_delimiter = ',')]
    pub source_types: Option<Vec<String>>,
    /// Tags pinned, key=value (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub tags: Option<Vec<String>>,
    /// Time cutoff pinned (ISO 8601).
    #[arg(long = "time-cutoff")]
    pub time_cutoff: Option<String>,
    /// The only llm_override values allowed, provider/model (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub models: Option<Vec<String>>,
    /// Odyssey workspace id.
    #[arg(long = "workspace-id")]
    pub workspace_id: Option<String>,
    /// Odyssey agent id.
    #[arg(long = "agent-id")]
    pub agent_id: Option<String>,
    /// Odyssey userId for every visitor (default: a pseudonymous id per visitor).
    #[arg(long = "user-id")]
    pub user_id: Option<String>,
    /// Questions per visitor, N/second|minute|hour|day (default 20/hour).
    #[arg(long)]
    pub rate: Option<String>,
    /// Questions per UTC day, all visitors together (default 1000).
    #[arg(long = "daily-questions")]
    pub daily_questions: Option<u64>,
    /// Longest question in characters (default 2000).
    #[arg(long = "max-question-chars")]
    pub max_question_chars: Option<usize>,
    /// Largest request body in bytes (default 65536).
    #[arg(long = "max-body-bytes")]
    pub max_body_bytes: Option<usize>,
    /// Open streams per visitor (default 2).
    #[arg(long = "max-streams-per-visitor")]
    pub max_streams_per_visitor: Option<u32>,
    /// Proxy address whose X-Forwarded-For is trusted (repeatable).
    #[arg(long = "trusted-proxy")]
    pub trusted_proxy: Option<Vec<IpAddr>>,
    /// Upstream connect timeout in seconds (default 5).
    #[arg(long = "connect-timeout")]
    pub connect_timeout: Option<u64>,
    /// Upstream idle (read) timeout in seconds (default 60).
    #[arg(long = "idle-timeout")]
    pub idle_timeout: Option<u64>,
    /// Seconds a streamed message id may get feedback (default 86400).
    #[arg(long = "ownership-ttl")]
    pub ownership_ttl: Option<u64>,
    /// Seconds open streams get to finish on shutdown (default 10).
    #[arg(long = "shutdown-grace")]
    pub shutdown_grace: Option<u64>,
    /// Redis URL for shared limits and ownership (optional).
    #[arg(long)]
    pub redis: Option<String>,
    /// Redis key prefix (default `sherpa-gate:`).
    #[arg(long = "redis-prefix")]
    pub redis_prefix: Option<String>,
    /// File holding the upstream API key (else env SHERPA_GATE_API_KEY).
    #[arg(long = "api-key-file")]
    #[serde(skip)]
    pub api_key_file: Option<PathBuf>,
}

/// The backend the gate fronts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Onyx,
    OnyxLegacy,
    OnyxSimple,
    Odyssey,
}

impl Backend {
    fn parse(s: &str) -> Option<Backend> {
        match s {
            "onyx" => Some(Backend::Onyx),
            "onyx-legacy" => Some(Backend::OnyxLegacy),
            "onyx-simple" => Some(Backend::OnyxSimple),
            "odyssey" => Some(Backend::Odyssey),
            _ => None,
        }
    }
}

/// A validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub upstream: String,
    pub backend: Backend,
    pub allow_origins: Vec<String>,
    pub api_key: String,
    pub persona: Option<i64>,
    pub document_sets: Vec<String>,
    pub source_types: Vec<String>,
    pub tags: Vec<(String, String)>,
    pub time_cutoff: Option<String>,
    pub models: Vec<(String, String)>,
    pub workspace_id: Option<String>,
    pub agent_id: Option<String>,
    pub user_id: Option<String>,
    /// Questions per window.
    pub rate: (u64, Duration),
    pub daily_questions: u64,
    pub max_question_chars: usize,
    pub max_body_bytes: usize,
    pub max_streams_per_visitor: u32,
    pub trusted_proxies: Vec<IpAddr>,
    pub connect_timeout: Duration,
    pub idle_timeout: Duration,
    pub ownership_ttl: Duration,
    pub shutdown_grace: Duration,
    pub redis: Option<String>,
    pub redis_prefix: String,
}

/// Reads flags, the file and the secret; every problem is one line.
pub fn load(args: Args, env_key: Option<String>) -> Result<Config, Vec<String>> {
    let mut errors = Vec::new();
    let file = match &args.config {
        Some(path) => read_file(path, &mut errors),
        None => Args::default(),
    };
    let merged = merge(args, file);
    let key = read_key(&merged, env_key, &mut errors);
    let cfg = validate(merged, key, &mut errors);
    if errors.is_empty() {
        Ok(cfg)
    } else {
        Err(errors)
    }
}

fn read_file(path: &PathBuf, errors: &mut Vec<String>) -> Args {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            errors.push(format!("config: cannot read {}: {e}", path.display()));
            return Args::default();
        }
    };
    if let Ok(table) = text.parse::<toml::Table>() {
        if table.contains_key("api_key") || table.contains_key("api-key") {
            errors.push(format!(
                "config: {}: api_key is not allowed in the file; set SHERPA_GATE_API_KEY or --api-key-file",
                path.display()
            ));
            return Args::default();
        }
    }
    toml::from_str(&text).unwrap_or_else(|e: toml::de::Error| {
        let msg = e.message().replace('\n', " ");
        errors.push(format!("config: {}: {msg}", path.display()));
        Args::default()
    })
}

macro_rules! pick {
    ($a:ident, $b:ident, $($f:ident),*) => { Args { $($f: $a.$f.or($b.$f)),* } };
}

fn merge(flags: Args, file: Args) -> Args {
    pick!(
        flags,
        file,
        config,
        listen,
        upstream,
        backend,
        allow_origin,
        persona,
        document_sets,
        source_types,
        tags,
        time_cutoff,
        models,
        workspace_id,
        agent_id,
        user_id,
        rate,
        daily_questions,
        max_question_chars,
        max_body_bytes,
        max_streams_per_visitor,
        trusted_proxy,
        connect_timeout,
        idle_timeout,
        ownership_ttl,
        shutdown_grace,
        redis,
        redis_prefix,
        api_key_file
    )
}

fn read_key(args: &Args, env_key: Option<String>, errors: &mut Vec<String>) -> String {
    let key = match &args.api_key_file {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(k) => k,
            Err(e) => {
                errors.push(format!("api-key-file: cannot read {}: {e}", path.display()));
                return String::new();
            }
        },
        None => env_key.unwrap_or_default(),
    };
    let key = key.trim().to_string();
    if key.is_empty() {
        errors.push("api key: set SHERPA_GATE_API_KEY or --api-key-file (none given)".into());
    }
    key
}

fn validate(a: Args, api_key: String, errors: &mut Vec<String>) -> Config {
    let listen = a.listen.as_deref().unwrap_or("127.0.0.1:8788");
    let listen = listen.parse().unwrap_or_else(|_| {
        errors.push(format!("listen: {listen:?} is not ADDR:PORT"));
        SocketAddr::from(([127, 0, 0, 1], 8788))
    });
    let upstream = a
        .upstream
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string();
    if !(upstream.starts_with("http://") || upstream.starts_with("https://")) {
        errors.push("upstream: give the API base URL, http(s)://…/api".into());
    }
    let backend = a
        .backend
        .as_deref()
        .and_then(Backend::parse)
        .unwrap_or_else(|| {
            errors.push("backend: one of onyx, onyx-legacy, onyx-simple, odyssey".into());
            Backend::Onyx
        });
    let allow_origins = origins(a.allow_origin.unwrap_or_default(), errors);
    let tags = pairs(a.tags.unwrap_or_default(), '=', "tags", errors);
    let models = pairs(a.models.unwrap_or_default(), '/', "models", errors);
    if backend == Backend::Odyssey && a.workspace_id.is_none() {
        errors.push("workspace-id: required for the odyssey backend".into());
    }
    Config {
        listen,
        upstream,
        backend,
        allow_origins,
        api_key,
        persona: a.persona,
        document_sets: a.document_sets.unwrap_or_default(),
        source_types: a.source_types.unwrap_or_default(),
        tags,
        time_cutoff: a.time_cutoff,
        models,
        workspace_id: a.workspace_id,
        agent_id: a.agent_id,
        user_id: a.user_id,
        rate: rate(a.rate.as_deref().unwrap_or("20/hour"), errors),
        daily_questions: a.daily_questions.unwrap_or(1000),
        max_question_chars: a.max_question_chars.unwrap_or(2000),
        max_body_bytes: a.max_body_bytes.unwrap_or(65536),
        max_streams_per_visitor: a.max_streams_per_visitor.unwrap_or(2),
        trusted_proxies: a.trusted_proxy.unwrap_or_default(),
        connect_timeout: Duration::from_secs(a.connect_timeout.unwrap_or(5)),
        idle_timeout: Duration::from_secs(a.idle_timeout.unwrap_or(60)),
        ownership_ttl: Duration::from_secs(a.ownership_ttl.unwrap_or(86400)),
        shutdown_grace: Duration::from_secs(a.shutdown_grace.unwrap_or(10)),
        redis: a.redis,
        redis_prefix: a.redis_prefix.unwrap_or_else(|| "sherpa-gate:".into()),
    }
}

fn origins(list: Vec<String>, errors: &mut Vec<String>) -> Vec<String> {
    if list.is_empty() {
        errors.push("allow-origin: give at least one page origin, e.g. https://example.com".into());
    }
    for o in &list {
        let ok = (o.starts_with("https://") || o.starts_with("http://"))
            && !o.trim_end_matches('/').contains('*')
            && o.splitn(4, '/').count() == 3;
        if !ok {
            errors.push(format!(
                "allow-origin: {o:?} is not an exact origin (scheme://host[:port])"
            ));
        }
    }
    list
}

fn pairs(
    list: Vec<String>,
    sep: char,
    name: &str,
    errors: &mut Vec<String>,
) -> Vec<(String, String)> {
    list.iter()
        .filter_map(|s| match s.split_once(sep) {
            Some((a, b)) if !a.is_empty() && !b.is_empty() => Some((a.into(), b.into())),
            _ => {
                errors.push(format!("{name}: {s:?} is not a{sep}b"));
                None
            }
        })
        .collect()
}

fn rate(s: &str, errors: &mut Vec<String>) -> (u64, Duration) {
    let parsed = s.split_once('/').and_then(|(n, unit)| {
        let secs = match unit {
            "second" | "s" => 1,
            "minute" | "min" | "m" => 60,
            "hour" | "h" => 3600,
            "day" | "d" => 86400,
            _ => return None,
        };
        Some((n.trim().parse().ok()?, Duration::from_secs(secs)))
    });
    parsed.unwrap_or_else(|| {
        errors.push(format!("rate: {s:?} is not N/second|minute|hour|day"));
        (20, Duration::from_secs(3600))
    })
}
