//! The realtime part of BENCHMARKS.md, from the `fanout` and `idle` lines: section 1 (fan-out)
//! and section 2 (idle connections) beside the peer with the Confab / peer ratios, and their target
//! rows (server CPU per delivery ≤ ⅓ of the peer's, p99 no worse than the peer's, 0 lost, ≤ 4 KiB
//! server memory per idle connection).

use std::fmt::Write as _;

use serde_json::Value;

use crate::common::{cell, met, round, s};

/// Server memory per idle connection at 10,000 sockets, at most (the realtime issue's target).
const IDLE_KIB_LIMIT: f64 = 4.0;

const CONFAB: &str = "confab";

/// Section 1: one row per fan-out run, the losses in detail, and the ratios to the peer.
pub fn fanout_section(fanout: &[&Value], peer: &str, peer_ran: bool, w: &mut String) {
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
    for r in fanout {
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
}

/// Section 2: one row per idle step, and memory per connection against the peer.
pub fn idle_section(idle: &[&Value], peer: &str, peer_ran: bool, w: &mut String) {
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
    for r in idle {
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
}

/// The fan-out and idle rows of the targets table.
pub fn target_rows(fanout: &[&Value], idle: &[&Value], peer: &str, w: &mut String) {
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
}

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
