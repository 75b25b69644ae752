//! `sherpa-devserver`: see `sherpa-devserver --help`.

use std::io::Write as _;

use sherpa_devserver::cli::{self, Command};

#[tokio::main]
async fn main() {
    let config = match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            print!("{}", cli::USAGE);
            return;
        }
        Err(e) => {
            eprintln!("sherpa-devserver: {e}\n\n{}", cli::USAGE);
            std::process::exit(2);
        }
    };
    let exit_on_eof = config.exit_on_stdin_eof;
    let server = match sherpa_devserver::serve(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sherpa-devserver: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "sherpa-devserver listening on http://{}", server.addr);
        let _ = out.flush();
    }
    tokio::select! {
        _ = shutdown_signal() => {}
        _ = stdin_eof(), if exit_on_eof => {}
    }
    server.shutdown().await;
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// Resolves when stdin reaches end of file (or fails).
async fn stdin_eof() {
    use tokio::io::AsyncReadExt as _;
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 1024];
    loop {
        match stdin.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}
