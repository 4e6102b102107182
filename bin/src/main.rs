//! `confab`: configuration, wiring, startup and shutdown. Nothing else lives here.

mod config;
mod secrets;
mod server;
mod wiring;

use clap::Parser;

use crate::config::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Laravel habit: settings may sit in a `.env` next to the binary's working directory.
    let _ = dotenvy::dotenv();
    return_large_blocks_to_the_os();
    let cli = Cli::parse();
    init_logging(&cli.log);
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::serve(&cli).await,
        Command::Migrate => wiring::migrate_only(&cli).await,
        Command::Openapi => {
            print!("{}", confab_http::api_document().yaml());
            Ok(())
        }
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("confab: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `RUST_LOG` syntax; sqlx logs every query at INFO, so it is kept to warnings unless asked.
fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Every password hash takes a 19 MiB block (Argon2id's memory cost). glibc serves blocks that
/// large with `mmap` and gives them back on free — until the first free, after which it raises
/// its threshold and keeps later ones in per-thread arenas, where they fragment: 64 registrations
/// left the server at 410 MiB. A fixed 1 MiB threshold keeps it near 20 MiB, for the price of
/// mapping each block afresh (a millisecond or two on a hash that takes tens of them).
fn return_large_blocks_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; it is called once, before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
