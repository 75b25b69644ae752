//! `sherpa-gate`: reads the configuration (one line per problem, exit 2), serves until
//! SIGINT/SIGTERM, then lets open streams finish within the grace.

use clap::Parser;

#[tokio::main]
async fn main() {
    let args = sherpa_gate::config::Args::parse();
    let env_key = std::env::var("SHERPA_GATE_API_KEY").ok();
    let cfg = match sherpa_gate::config::load(args, env_key) {
        Ok(c) => c,
        Err(errors) => {
            for e in errors {
                eprintln!("sherpa-gate: {e}");
            }
            std::process::exit(2);
        }
    };
    let grace = cfg.shutdown_grace;
    let server = match sherpa_gate::serve(cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sherpa-gate: listen: {e}");
            std::process::exit(2);
        }
    };
    sherpa_gate::log("listening", &[("addr", &server.addr.to_string())]);
    println!("sherpa-gate listening on http://{}", server.addr);
    stop_signal().await;
    sherpa_gate::log("stopping", &[]);
    server.shutdown(grace).await;
}

async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
