//! Command-line parsing (no dependency: the flags are few).

use std::net::IpAddr;
use std::path::PathBuf;

use crate::{Config, Dialect};

/// The `--help` text.
pub const USAGE: &str = "\
sherpa-devserver: Sherpa's dev server and mock backend (Onyx, Onyx legacy, simple API, Odyssey)

USAGE:
    sherpa-devserver [--port N] [--bind ADDR] [--dist DIR] [--root DIR] [--pace-ms N]
                     [--legacy-dialect legacy|v1|v2] [--exit-on-stdin-eof] [--test-endpoints]
                     [--help]

OPTIONS:
    --port N              port to listen on (default 8787; 0 picks a free port)
    --bind ADDR           address to bind (default 127.0.0.1)
    --dist DIR            the built widget, served under /sherpa/ (default ./dist)
    --root DIR            repository root: / serves index.html, /demo/ serves demo/ (default .)
    --pace-ms N           pause between streamed pieces in milliseconds (default 15)
    --legacy-dialect D    what /api/chat/send-message streams: legacy flat objects (default),
                          packet v1 or packet v2
    --exit-on-stdin-eof   exit when stdin reaches end of file
    --test-endpoints      serve /api/_test/* (recorded requests, feedback, reset) for tests;
                          credentials are never recorded, only their presence
    --help                print this text

Faults: header `x-sherpa-fault: <spec>` or URL prefix /f/<spec>/api/... (see README in
crates/devserver).
";

/// What the command line asked for.
#[derive(Debug, PartialEq)]
pub enum Command {
    Run(Config),
    Help,
}

/// Parses the arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut config = Config::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(Command::Help),
            "--port" => {
                let v = value("--port")?;
                config.port = v.parse().map_err(|_| format!("bad --port value: {v}"))?;
            }
            "--bind" => {
                let v = value("--bind")?;
                config.bind = v
                    .parse::<IpAddr>()
                    .map_err(|_| format!("bad --bind address: {v}"))?;
            }
            "--dist" => config.dist = PathBuf::from(value("--dist")?),
            "--root" => config.root = PathBuf::from(value("--root")?),
            "--pace-ms" => {
                let v = value("--pace-ms")?;
                config.pace_ms = v.parse().map_err(|_| format!("bad --pace-ms value: {v}"))?;
            }
            "--legacy-dialect" => {
                let v = value("--legacy-dialect")?;
                config.legacy_dialect =
                    Dialect::parse(&v).ok_or_else(|| format!("bad --legacy-dialect: {v}"))?;
            }
            "--exit-on-stdin-eof" => config.exit_on_stdin_eof = true,
            "--test-endpoints" => config.test_endpoints = true,
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(Command::Run(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults_and_flags() {
        assert_eq!(parse(args(&[])).unwrap(), Command::Run(Config::default()));
        let Command::Run(c) = parse(args(&[
            "--port",
            "0",
            "--bind=0.0.0.0",
            "--pace-ms",
            "3",
            "--exit-on-stdin-eof",
            "--test-endpoints",
            "--legacy-dialect",
            "v1",
        ]))
        .unwrap() else {
            panic!()
        };
        assert_eq!(c.port, 0);
        assert_eq!(c.bind.to_string(), "0.0.0.0");
        assert_eq!(c.pace_ms, 3);
        assert!(c.exit_on_stdin_eof);
        assert!(c.test_endpoints);
        assert_eq!(c.legacy_dialect, Dialect::V1);
        assert_eq!(parse(args(&["--help"])).unwrap(), Command::Help);
        assert!(parse(args(&["--nope"])).is_err());
        assert!(parse(args(&["--port"])).is_err());
    }
}
