//! `confab`: configuration, wiring, startup and shutdown. Nothing else lives here.

mod config;
mod files;
mod mail;
mod metrics;
mod secrets;
mod server;
mod webhooks;
mod wiring;

use clap::Parser;

use crate::config::{Cli, Command, LogFormat};

/// jemalloc instead of glibc's allocator: glibc keeps freed memory in per-thread arenas, so a
/// storm of connections left the server at 56 MiB against a 19.6 MiB baseline, and Argon2's
/// 19 MiB blocks fragmented them (64 registrations: 410 MiB) until the mmap threshold was pinned
/// by hand. jemalloc returns unused pages to the system after a delay, from a background thread
/// even while the server is idle (see [`MALLOC_CONF`]); the `memory` test of `tests/realtime`
/// holds the storm case.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read once at its start: purge from a background thread (without it, pages
/// freed by a burst would wait for the next allocations to be returned), one second after they
/// were freed rather than ten.
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static MALLOC_CONF: &[u8] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:1000\0";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Laravel habit: settings may sit in a `.env` next to the binary's working directory.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    init_logging(&cli.log, cli.log_format);
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
/// JSON lines carry the fields of the spans they happen in (a request's `request_id`).
fn init_logging(filter: &str, format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}
