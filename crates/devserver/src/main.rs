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
    let signals = shutdown_signal();
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
        _ = signals => {}
        _ = stdin_eof(), if exit_on_eof => {}
    }
    server.shutdown().await;
    // Exit now: the runtime would otherwise wait at the end of `main` for the blocking thread
    // still reading an open stdin.
    std::process::exit(0);
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    #[cfg(unix)]
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    async move {
        #[cfg(unix)]
        {
            let term = async {
                match term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = term => {}
                _ = int => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
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
