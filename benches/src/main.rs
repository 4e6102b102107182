//! `confab-bench`: a multi-threaded load generator for Confab and any Pusher-compatible server.
//! Every scenario prints a table and one `BENCH_JSON {…}` line per measurement; `report` turns
//! the collected lines into BENCHMARKS.md. `scripts/bench.sh` runs it all.

mod api;
mod chat;
mod common;
mod fanout;
mod fanout_event;
mod files;
mod files_disk;
mod floor;
mod floor_plan;
mod floor_sqlite;
mod history;
mod history_args;
mod history_checks;
mod history_db;
mod history_db_growth;
mod history_timing;
mod idle;
mod list;
mod pusher;
mod report;
mod report_chat;
mod report_files;
mod report_history;
mod report_realtime;
mod report_splice;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Worker threads for the generator's runtime (default: every core).
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// N subscribers on one channel, events through the HTTP API at a fixed rate and flat out.
    Fanout(fanout::FanoutArgs),
    /// K idle sockets: server RSS per connection.
    Idle(idle::IdleArgs),
    /// Authenticated message sends through Confab's API at concurrency C, flat out or at a fixed
    /// rate, every delivery checked by message id (Confab only).
    Chat(chat::ChatArgs),
    /// The chat path's floors: message rows inserted straight into the server's database (one
    /// connection row by row, one connection in batches, a pool at concurrency C).
    Floor(floor::FloorArgs),
    /// GET /api/v1/conversations for a user in many rooms (Confab only).
    List(list::ListArgs),
    /// Reads and writes on one room grown to 1k…10M messages by bulk SQL (Confab only).
    History(history_args::HistoryArgs),
    /// Attachments on the local store: upload and download MiB/s beside the disk, server CPU and
    /// RSS, a 12 MP JPEG's thumbnail (Confab only).
    Files(files::FilesArgs),
    /// Writes BENCHMARKS.md from collected BENCH_JSON lines.
    Report(report::ReportArgs),
}

fn main() {
    let cli = Cli::parse();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if let Some(threads) = cli.threads {
        builder.worker_threads(threads.max(1));
    }
    let runtime = builder.build().expect("tokio runtime");
    let outcome = runtime.block_on(async move {
        match cli.scenario {
            Scenario::Fanout(args) => fanout::run(args).await,
            Scenario::Idle(args) => idle::run(args).await,
            Scenario::Chat(args) => chat::run(args).await,
            Scenario::Floor(args) => floor::floor(args).await,
            Scenario::List(args) => list::run(args).await,
            Scenario::History(args) => history::run(args).await,
            Scenario::Files(args) => files::run(args).await,
            Scenario::Report(args) => report::run(args),
        }
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    if let Err(e) = outcome {
        eprintln!("confab-bench: {e}");
        std::process::exit(1);
    }
}
