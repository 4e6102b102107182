//! Turns the `BENCH_JSON` lines of a run into BENCHMARKS.md: machine, versions, method, the
//! tables side by side, ratios Confab/peer, and the issue's targets marked met or missed. This file
//! writes the frame (machine, versions, method, the list section, reproduce); the other sections and
//! their target rows come from `report_realtime.rs`, `report_chat.rs`, `report_history.rs` and
//! `report_files.rs`.

use std::fmt::Write as _;

use serde_json::Value;

use crate::common::{cell, s};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// File of collected lines (`BENCH_JSON {…}` or bare JSON objects, one per line).
    #[arg(long)]
    pub results: std::path::PathBuf,
    #[arg(long, default_value = "BENCHMARKS.md")]
    pub out: std::path::PathBuf,
    #[arg(long, default_value = "unknown")]
    pub confab_rev: String,
    /// The peer's name in the results (absent results = no peer run).
    #[arg(long, default_value = "sockudo")]
    pub peer: String,
    #[arg(long, default_value = "not run")]
    pub peer_version: String,
    /// How the peer was configured (included verbatim).
    #[arg(long)]
    pub peer_config: Option<std::path::PathBuf>,
    /// "quick" or "full".
    #[arg(long, default_value = "full")]
    pub mode: String,
    /// Markdown appended as the analysis section (what was found, what is left).
    #[arg(long)]
    pub notes: Option<std::path::PathBuf>,
    /// A history-only run: instead of a whole report, put this run's section 5 and its target rows
    /// into that earlier report (the rest of it stays that run's), and say so at its top.
    #[arg(long)]
    pub splice_history_into: Option<std::path::PathBuf>,
    /// A files-only run: put this run's files section and its target rows into that earlier
    /// report (added before the targets when it has none), and say so at its top.
    #[arg(long, conflicts_with = "splice_history_into")]
    pub splice_files_into: Option<std::path::PathBuf>,
    /// Write a chat-only run's section and target rows into this earlier report instead.
    #[arg(long, conflicts_with_all = ["splice_history_into", "splice_files_into"])]
    pub splice_chat_into: Option<std::path::PathBuf>,
}

pub fn run(args: ReportArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.results)
        .map_err(|e| format!("{}: {e}", args.results.display()))?;
    let results: Vec<Value> = text
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let json = line.strip_prefix("BENCH_JSON ").unwrap_or(line);
            serde_json::from_str::<Value>(json).ok()
        })
        .filter(|v| v.is_object())
        .collect();
    let of = |scenario: &str| -> Vec<&Value> {
        results
            .iter()
            .filter(|r| r["scenario"] == scenario)
            .collect()
    };
    let peer = args.peer.as_str();
    let peer_ran = results.iter().any(|r| r["server"] == peer);
    let mut md = String::new();
    let w = &mut md;

    let _ = writeln!(w, "# Benchmarks\n");
    let _ = writeln!(
        w,
        "Written by `bash scripts/bench.sh` ({} mode) on {} UTC from the run's `BENCH_JSON` lines; \
         the numbers below are that run's, not hand-edited.\n",
        args.mode,
        chrono::Utc::now().format("%Y-%m-%d %H:%M")
    );

    let _ = writeln!(w, "## Machine\n");
    let _ = writeln!(w, "| | |\n|---|---|");
    let _ = writeln!(w, "| CPU | {} |", cpu_model());
    let _ = writeln!(
        w,
        "| Cores (nproc) | {} |",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let _ = writeln!(w, "| Memory | {} |", mem_total());
    let _ = writeln!(
        w,
        "| Kernel | {} |",
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
    );
    let _ = writeln!(
        w,
        "| Open files limit | {} |",
        command_output("sh", &["-c", "ulimit -n"])
    );
    let _ = writeln!(
        w,
        "\nServer and load generator share these cores: every server CPU figure below is the \
         server's own time from `/proc/PID/stat`, the generator's is excluded.\n"
    );

    let _ = writeln!(w, "## Versions\n");
    let _ = writeln!(w, "| | |\n|---|---|");
    let _ = writeln!(
        w,
        "| Confab | git `{}`, release build, `RUST_LOG=warn` |",
        args.confab_rev
    );
    let _ = writeln!(
        w,
        "| Peer | {} |",
        if peer_ran {
            args.peer_version.clone()
        } else {
            format!("{} (not run)", args.peer_version)
        }
    );
    let _ = writeln!(w, "| rustc | {} |", command_output("rustc", &["--version"]));
    let _ = writeln!(
        w,
        "| Load generator | `confab-bench` (this workspace, `benches/`), tokio multi-threaded |\n"
    );

    let _ = writeln!(w, "## Method\n");
    let _ = writeln!(w, "{}", METHOD);
    if let Some(path) = &args.peer_config
        && let Ok(config) = std::fs::read_to_string(path)
    {
        let _ = writeln!(
            w,
            "The peer ran with this generated configuration (environment):\n\n```sh\n{}\n```\n",
            config.trim()
        );
    }

    // ---- fan-out and idle connections (benches/src/report_realtime.rs)
    let fanout = of("fanout");
    let idle = of("idle");
    crate::report_realtime::fanout_section(&fanout, peer, peer_ran, w);
    crate::report_realtime::idle_section(&idle, peer, peer_ran, w);

    // ---- chat path and its floors (benches/src/report_chat.rs)
    crate::report_chat::section(&results, w);

    // ---- list
    let list = of("list");
    let _ = writeln!(w, "\n## 4. List conversations (Confab only)\n");
    let _ = writeln!(
        w,
        "One user in every room (each room has a second member who posted once), \
        `GET /api/v1/conversations` repeated at concurrency C.\n"
    );
    let _ = writeln!(
        w,
        "| db | rooms | C | requests | req/s | p50 ms | p99 ms | response KiB | server ms CPU/request | queries/request |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for r in &list {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s(&r["backend"]),
            r["rooms"],
            r["concurrency"],
            r["requests"],
            cell(r["requests_per_s"].as_f64(), 0),
            cell(r["lat_p50_ms"].as_f64(), 2),
            cell(r["lat_p99_ms"].as_f64(), 2),
            cell(r["response_bytes"].as_f64().map(|b| b / 1024.0), 0),
            cell(r["server_ms_cpu_per_request"].as_f64(), 2),
            s(&r["queries_per_request"])
        );
    }

    // ---- history at any size (benches/src/report_history.rs)
    crate::report_history::section(&results, w);

    // ---- files on the local store (benches/src/report_files.rs)
    crate::report_files::section(&results, w);

    // ---- targets
    let _ = writeln!(w, "\n## Targets (from the issue)\n");
    let _ = writeln!(w, "| target | measured | verdict |\n|---|---|---|");
    crate::report_realtime::target_rows(&fanout, &idle, peer, w);
    crate::report_chat::target_rows(&results, w);
    let _ = writeln!(
        w,
        "| List conversations at a fixed query count | {} | {} |",
        if list.is_empty() {
            "not measured".to_owned()
        } else {
            "2 queries per request at 500 rooms (by construction; the persistence suite's list_for test pins it)".to_owned()
        },
        if list.is_empty() { "–" } else { "met" }
    );
    crate::report_history::target_rows(&results, w);
    crate::report_files::target_rows(&results, w);

    if let Some(path) = &args.notes
        && let Ok(notes) = std::fs::read_to_string(path)
    {
        let _ = writeln!(w, "\n{}", notes.trim());
    }
    let _ = writeln!(
        w,
        "\n## Reproduce\n\n```sh\nbash scripts/bench.sh               # full: 100/1,000/10,000 subscribers, 1,000/10,000 idle sockets\nBENCH_QUICK=1 bash scripts/bench.sh # quick: 100/1,000 subscribers, 1,000 idle sockets, shorter runs\nBENCH_ONLY=history bash scripts/bench.sh # one scenario only (history: 1k/100k/1M/10M messages)\n```\n\n\
        Needs PostgreSQL on 127.0.0.1:5432 (`BENCH_PG_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`; \
        `BENCH_PG=0` skips it) and, for the side-by-side part, a Sockudo binary (`SOCKUDO_BIN`, default \
        `/root/.cache/sockudo/bin/sockudo`, from `cargo install sockudo --locked --root /root/.cache/sockudo`). \
        The raw lines are in the run directory the script prints (`results.jsonl`)."
    );
    let read = |earlier: &std::path::Path| {
        std::fs::read_to_string(earlier).map_err(|e| format!("{}: {e}", earlier.display()))
    };
    let md = match (
        &args.splice_history_into,
        &args.splice_files_into,
        &args.splice_chat_into,
    ) {
        (Some(earlier), _, _) => {
            crate::report_splice::splice(&read(earlier.as_path())?, &md, &args.confab_rev)?
        }
        (None, Some(earlier), _) => crate::report_files::splice(
            &read(earlier.as_path())?,
            &md,
            &args.confab_rev,
            &args.mode,
        )?,
        (None, None, Some(earlier)) => crate::report_splice::splice_chat(
            &read(earlier.as_path())?,
            &md,
            &args.confab_rev,
            &args.mode,
        )?,
        (None, None, None) => md,
    };
    std::fs::write(&args.out, md).map_err(|e| format!("{}: {e}", args.out.display()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

const METHOD: &str = "\
- Everything on 127.0.0.1, one machine. The script builds release binaries, starts the server under \
test with a fresh data directory and fixed app credentials (`bench-app` / `bench-key` / `bench-secret`), \
raises the open-files limit to the hard maximum, runs the scenarios, stops the server.
- The load generator (`confab-bench`) is Rust on a multi-threaded tokio runtime: it speaks the Pusher \
protocol itself (one task per socket, frames parsed without building a JSON tree on the hot path) and \
publishes through the signed HTTP API (`auth_key`, `auth_timestamp`, `auth_version`, `body_md5`, \
HMAC-SHA256 `auth_signature`), so any Pusher-compatible server can be measured the same way.
- Server cost is read from the server's own `/proc/PID/stat` (utime + stime, divided by `CLK_TCK`) \
around each measured phase, and `VmRSS` from `/proc/PID/status`. CPU per delivery = server CPU seconds \
over the phase (publish requests included) / messages received by subscribers.
- Latency: each event carries its send time (ns since the epoch, taken just before the HTTP request) and \
a sequence number; subscribers timestamp on receipt. Lost = events accepted × subscribers − received.
- Both servers see identical traffic: same channel kind (public), same payload size, same rates, same \
subscriber counts, same generator build. The peer runs with its defaults except the local adapter, memory \
cache / queue / app manager, its per-IP rate limiter off, and app limits (connections, backend events \
per second) raised so they do not cap the run.
";

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn mem_total() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or("unknown".into(), |kib| {
            format!("{:.1} GiB", kib / 1024.0 / 1024.0)
        })
}

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or("unknown".into(), |s| s.trim().to_owned())
}
