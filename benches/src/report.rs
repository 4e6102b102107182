//! Turns the `BENCH_JSON` lines of a run into BENCHMARKS.md: machine, versions, method, the
//! tables side by side, ratios Confab/peer, and the issue's targets marked met or missed.

use std::fmt::Write as _;

use serde_json::Value;

use crate::common::{cell, met, round, s};

/// Server memory per idle connection at 10,000 sockets, at most (the realtime issue's target).
const IDLE_KIB_LIMIT: f64 = 4.0;

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
}

const CONFAB: &str = "confab";

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

    // ---- fan-out
    let fanout = of("fanout");
    let _ = writeln!(w, "## 1. Fan-out\n");
    let _ = writeln!(
        w,
        "One channel, N subscribers, events through `POST /apps/{{id}}/events`. `rate`: fixed \
        event rate (≈20,000 deliveries/s); `flat`: 4 publishers back to back. Latency is publish → \
        receipt, end to end.\n"
    );
    let _ = writeln!(
        w,
        "| server | subs | mode | events/s | deliveries/s | p50 ms | p99 ms | max ms | lost | server µs CPU/delivery | server RSS MiB |"
    );
    let _ = writeln!(w, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &fanout {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s(&r["server"]),
            r["subs"],
            s(&r["mode"]),
            cell(r["events_per_s"].as_f64(), 1),
            cell(r["deliveries_per_s"].as_f64(), 0),
            cell(r["lat_p50_ms"].as_f64(), 2),
            cell(r["lat_p99_ms"].as_f64(), 2),
            cell(r["lat_max_ms"].as_f64(), 2),
            r["lost"],
            cell(r["server_us_per_delivery"].as_f64(), 2),
            cell(r["server_rss_kib"].as_f64().map(|k| k / 1024.0), 1)
        );
    }
    let problems: Vec<String> = fanout
        .iter()
        .filter(|r| r["lost"].as_i64().unwrap_or(0) != 0 || r["publish_errors"].as_u64().unwrap_or(0) != 0 || r["subscribed"] != r["subs"])
        .map(|r| format!("- {} {} subs {}: subscribed {}, publish errors {} ({}), disconnected {}, close reasons {}", s(&r["server"]), r["subs"], s(&r["mode"]), r["subscribed"], r["publish_errors"], r["publish_error"], r["disconnected"], r["close_reasons"]))
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(
            w,
            "\nLosses and errors in detail:\n\n{}",
            problems.join("\n")
        );
    }
    if peer_ran {
        let _ = writeln!(
            w,
            "\nRatios Confab / {peer} (below 1 = Confab spends less / is faster):\n"
        );
        let _ = writeln!(
            w,
            "| subs | mode | CPU per delivery | p99 latency | deliveries/s | RSS |"
        );
        let _ = writeln!(w, "|---:|---|---:|---:|---:|---:|");
        for r in fanout.iter().filter(|r| r["server"] == CONFAB) {
            if let Some(p) = fanout
                .iter()
                .find(|p| p["server"] == peer && p["subs"] == r["subs"] && p["mode"] == r["mode"])
            {
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {} | {} | {} |",
                    r["subs"],
                    s(&r["mode"]),
                    ratio(r, p, "server_us_per_delivery"),
                    ratio(r, p, "lat_p99_ms"),
                    ratio(r, p, "deliveries_per_s"),
                    ratio(r, p, "server_rss_kib")
                );
            }
        }
    }

    // ---- idle
    let idle = of("idle");
    let _ = writeln!(w, "\n## 2. Idle connections\n");
    let _ = writeln!(
        w,
        "Sockets opened (handshake and `connection_established`, no subscription) and held; \
        cumulative steps on one server process. KiB/conn = (RSS after − RSS before the first socket) / sockets.\n"
    );
    let _ = writeln!(
        w,
        "| server | sockets | held | RSS before MiB | RSS after MiB | KiB per connection |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|");
    for r in &idle {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            s(&r["server"]),
            r["sockets"],
            r["held"],
            cell(r["rss_before_kib"].as_f64().map(|k| k / 1024.0), 1),
            cell(r["rss_after_kib"].as_f64().map(|k| k / 1024.0), 1),
            cell(r["kib_per_conn"].as_f64(), 2)
        );
    }
    if peer_ran {
        for r in idle.iter().filter(|r| r["server"] == CONFAB) {
            if let Some(p) = idle
                .iter()
                .find(|p| p["server"] == peer && p["sockets"] == r["sockets"])
            {
                let _ = writeln!(
                    w,
                    "\nAt {} sockets Confab / {peer} memory per connection = {}.",
                    r["sockets"],
                    ratio(r, p, "kib_per_conn")
                );
            }
        }
    }

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

    // ---- targets
    let _ = writeln!(w, "\n## Targets (from the issue)\n");
    let _ = writeln!(w, "| target | measured | verdict |\n|---|---|---|");
    let find_fan = |server: &str, subs: u64, mode: &str| {
        fanout.iter().copied().find(|r| {
            r["server"] == server && r["subs"].as_u64() == Some(subs) && r["mode"] == mode
        })
    };
    for mode in ["flat", "rate"] {
        let c = find_fan(CONFAB, 1000, mode);
        let p = find_fan(peer, 1000, mode);
        let cu = c.and_then(|r| r["server_us_per_delivery"].as_f64());
        let pu = p.and_then(|r| r["server_us_per_delivery"].as_f64());
        let (measured, verdict) = match (cu, pu) {
            (Some(cu), Some(pu)) => (
                format!(
                    "Confab {cu:.2} µs vs {peer} {pu:.2} µs (limit {:.2})",
                    pu / 3.0
                ),
                met(cu <= pu / 3.0),
            ),
            (Some(cu), None) => (
                format!(
                    "Confab {cu:.2} µs; no peer run (issue quotes Sockudo ≈10 µs → limit 3.33)"
                ),
                format!("{} (against the quoted figure)", met(cu <= 10.0 / 3.0)),
            ),
            _ => ("not measured".into(), "–".into()),
        };
        let _ = writeln!(
            w,
            "| Fan-out to 1,000 ({mode}): server CPU per delivery ≤ ⅓ of the peer's | {measured} | {verdict} |"
        );
        p99_row(w, peer, &format!("1,000 ({mode})"), c, p);
    }
    // Flat out at 10,000 subscribers the publisher outruns the sockets: p99 shows whether the
    // server keeps its queues short (back-pressure) or lets the backlog grow.
    p99_row(
        w,
        peer,
        "10,000 (flat)",
        find_fan(CONFAB, 10_000, "flat"),
        find_fan(peer, 10_000, "flat"),
    );
    let lost: i64 = fanout
        .iter()
        .filter(|r| r["server"] == CONFAB)
        .map(|r| r["lost"].as_i64().unwrap_or(0))
        .sum();
    let (measured, verdict) = match fanout.is_empty() {
        true => ("not measured".into(), "–".into()),
        false => (format!("{lost} lost"), met(lost == 0)),
    };
    let _ = writeln!(
        w,
        "| Fan-out: lost = 0 (Confab, every size and mode) | {measured} | {verdict} |"
    );
    let idle10k = idle
        .iter()
        .find(|r| r["server"] == CONFAB && r["sockets"].as_u64() == Some(10_000));
    let (measured, verdict) = match idle10k.and_then(|r| r["kib_per_conn"].as_f64()) {
        Some(k) => (format!("{k:.2} KiB"), met(k <= IDLE_KIB_LIMIT)),
        None => (
            "not measured (quick mode stops at 1,000)".into(),
            "–".into(),
        ),
    };
    let _ = writeln!(
        w,
        "| ≤ 4 KiB server memory per idle connection at 10,000 sockets (8 KiB before issue 12) | {measured} | {verdict} |"
    );
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
    let md = match &args.splice_history_into {
        Some(earlier) => {
            let earlier = std::fs::read_to_string(earlier)
                .map_err(|e| format!("{}: {e}", earlier.display()))?;
            crate::report_history::splice(&earlier, &md, &args.confab_rev)?
        }
        None => md,
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

/// A target row: Confab's fan-out p99 at `what` no worse than the peer's.
fn p99_row(w: &mut String, peer: &str, what: &str, confab: Option<&Value>, other: Option<&Value>) {
    let c99 = confab.and_then(|r| r["lat_p99_ms"].as_f64());
    let p99 = other.and_then(|r| r["lat_p99_ms"].as_f64());
    let (measured, verdict) = match (c99, p99) {
        (Some(a), Some(b)) => (format!("Confab {a:.2} ms vs {peer} {b:.2} ms"), met(a <= b)),
        (Some(a), None) => (
            format!("Confab {a:.2} ms; no peer run"),
            "not comparable".into(),
        ),
        _ => ("not measured".into(), "–".into()),
    };
    let _ = writeln!(
        w,
        "| Fan-out to {what}: p99 latency no worse than the peer's | {measured} | {verdict} |"
    );
}

fn ratio(a: &Value, b: &Value, key: &str) -> String {
    match (a[key].as_f64(), b[key].as_f64()) {
        (Some(x), Some(y)) if y > 0.0 => format!("{:.2}", round(x / y, 2)),
        _ => "–".into(),
    }
}

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
