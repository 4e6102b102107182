//! The chat path's part of BENCHMARKS.md, from the `chat` and `floor` lines: the sends (flat out
//! and at a fixed rate) beside the floors on the same database, the delivery check, and the
//! targets (SQLite ≥ 8,000 sends/s at C=64 with ≤ 150 µs server CPU per send, PostgreSQL ≥ 5,000
//! sends/s, p99 < 20 ms at half those rates, 0 lost and 0 duplicated deliveries).

use std::fmt::Write as _;

use serde_json::Value;

use crate::common::cell;
use crate::common::{met, pct, s};

const SQLITE_SENDS: f64 = 8_000.0;
const SQLITE_CPU_US: f64 = 150.0;
const SQLITE_CONCURRENCY: u64 = 64;
const POSTGRES_SENDS: f64 = 5_000.0;
const P99_LIMIT_MS: f64 = 20.0;
/// A fixed-rate run counts when it reached this share of its rate.
const RATE_REACHED: f64 = 0.95;

fn of<'a>(results: &'a [Value], scenario: &str) -> Vec<&'a Value> {
    results
        .iter()
        .filter(|r| r["scenario"] == scenario)
        .collect()
}

fn floor_of<'a>(floors: &[&'a Value], backend: &Value, kind: &str) -> Option<&'a Value> {
    floors
        .iter()
        .copied()
        .find(|f| &f["backend"] == backend && f["kind"] == kind)
}

fn is_rate(r: &Value) -> bool {
    r["mode"] == "rate"
}

fn floor_label(f: &Value) -> String {
    match f["kind"].as_str().unwrap_or("") {
        "single" => "single-connection commit rate".into(),
        "batch" => format!("batched insert, {} rows per transaction", f["rows_per_txn"]),
        "single_sqlx" => "single-connection commit rate through sqlx".into(),
        "pool" => format!("pool of {}, {} tasks", f["connections"], f["concurrency"]),
        other => other.to_owned(),
    }
}

pub fn section(results: &[Value], w: &mut String) {
    let chat = of(results, "chat");
    let floors = of(results, "floor");
    let first = |rows: &[&Value], key: &str, default: &str| {
        rows.iter()
            .find(|r| !r[key].is_null())
            .map_or(default.to_owned(), |r| r[key].to_string())
    };
    let batch = first(
        &floors
            .iter()
            .copied()
            .filter(|f| f["kind"] == "batch")
            .collect::<Vec<_>>(),
        "rows_per_txn",
        "B",
    );
    let rooms = first(&chat, "rooms", "R");
    let subs = first(&chat, "subs_per_room", "S");
    let body = first(&chat, "body_bytes", "64");
    let _ = writeln!(w, "\n## 3. Chat path (Confab only)\n");
    let _ = writeln!(
        w,
        "Authenticated `POST /api/v1/conversations/{{id}}/messages` by C senders (sender i posts as \
        user i into room i mod {rooms}, {body}-byte bodies), each message also delivered to its room's \
        {subs} subscribed sockets. The server runs with `CONFAB_SEND_LIMIT=1000000000` so the 60/min \
        throttle does not interfere. **Flat** rows: every sender posts back to back; latency is \
        request → 201. **Rate** rows: send i is due i/N s after the start and taken by whichever \
        sender is free; latency counts from when it was due, so a send held up behind slow answers \
        counts its wait (the generator's timer adds up to ≈1 ms).\n"
    );
    let _ = writeln!(
        w,
        "A send is group-committed: concurrent sends queue for one writer, which commits what is \
        queued (up to 256 sends) as one transaction — the batch's rooms locked, one membership and \
        ban check for the whole batch, each send decided by the domain's posting rule, one multi-row \
        `INSERT`, the rooms' counters and the senders' read positions updated once per batch — and \
        answers each send (201) only after that commit; then the message is broadcast. Deliveries are \
        checked by message id: every id a 201 returned must reach every socket of its room exactly \
        once (lost = a socket never got it, duplicated = a socket got it again, unexpected = an id \
        no 201 of the run returned).\n"
    );
    let _ = writeln!(
        w,
        "The floors insert rows of the same shape (conversation_id, seq, user_id, body, created_at; \
        seq negative and unique, which the server never reads) straight into the same database, \
        with the server's SQLite settings (WAL, synchronous=NORMAL, foreign keys on). The \
        **single-connection commit rate**: one connection, single-row `INSERT`s back to back, each \
        its own autocommit transaction — on SQLite through SQLite's C API with one prepared \
        statement (a plain sqlite3 connection, no driver in between), on PostgreSQL one connection \
        through sea-orm and sqlx. It is what sends committed one per transaction could at best reach. The \
        **batched insert**: the same connection, one {batch}-row `INSERT` per transaction — about \
        what group-committed sends could at best reach with batches of that size (the server's \
        batches are as large as the queue, up to 256). The same single-row loop through sqlx \
        (SQLite) shows what the driver the server uses adds per statement; the pool rows are C \
        tasks over a pool of the server's size through sea-orm. A send does more than insert a row: \
        the HTTP request, the token, the rules, the counters, the broadcast.\n"
    );
    let _ = writeln!(
        w,
        "| db | mode | C | sends | errors | sends/s | p50 ms | p99 ms | max ms | delivered | lost | duplicated | server µs CPU/send | of 1-conn commit floor | of batched floor |"
    );
    let _ = writeln!(
        w,
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in &chat {
        let single = floor_of(&floors, &r["backend"], "single");
        let batched = floor_of(&floors, &r["backend"], "batch");
        let sends = r["sends_per_s"].as_f64();
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {}/{} | {} | {} | {} | {} | {} |",
            s(&r["backend"]),
            if is_rate(r) {
                format!("rate {}/s", cell(r["rate"].as_f64(), 0))
            } else {
                "flat".into()
            },
            r["concurrency"],
            r["sends"],
            r["errors"],
            cell(sends, 0),
            cell(r["lat_p50_ms"].as_f64(), 2),
            cell(r["lat_p99_ms"].as_f64(), 2),
            cell(r["lat_max_ms"].as_f64(), 2),
            r["deliveries_received"],
            r["deliveries_expected"],
            count(&r["deliveries_lost"]),
            count(&r["deliveries_duplicated"]),
            cell(r["server_us_per_send"].as_f64(), 0),
            pct(sends, single.and_then(|f| f["rows_per_s"].as_f64())),
            pct(sends, batched.and_then(|f| f["rows_per_s"].as_f64())),
        );
    }
    let _ = writeln!(
        w,
        "\n| db | floor | driver | rows | errors | rows/s | transactions/s | txn p50 ms | txn p99 ms |"
    );
    let _ = writeln!(w, "|---|---|---|---:|---:|---:|---:|---:|---:|");
    for f in &floors {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s(&f["backend"]),
            floor_label(f),
            s(&f["driver"]),
            f["rows"],
            f["errors"],
            cell(f["rows_per_s"].as_f64(), 0),
            cell(f["txns_per_s"].as_f64(), 0),
            cell(f["txn_p50_ms"].as_f64(), 3),
            cell(f["txn_p99_ms"].as_f64(), 3),
        );
    }
    let mut notes = Vec::new();
    for r in chat.iter().chain(floors.iter()) {
        if r["errors"].as_u64().unwrap_or(0) > 0 {
            notes.push(format!(
                "- {} {} {} C={}: {} errors, first: {}",
                s(&r["scenario"]),
                s(&r["backend"]),
                r["mode"].as_str().or(r["kind"].as_str()).unwrap_or(""),
                r["concurrency"],
                r["errors"],
                r["first_error"]
            ));
        }
    }
    for r in &chat {
        let odd = ["deliveries_unexpected", "duplicate_message_ids"]
            .iter()
            .any(|k| r[*k].as_u64().unwrap_or(0) > 0);
        if odd {
            notes.push(format!(
                "- chat {} {} C={}: {} deliveries of ids no 201 of the run returned, {} ids returned twice by the API",
                s(&r["backend"]),
                s(&r["mode"]),
                r["concurrency"],
                r["deliveries_unexpected"],
                r["duplicate_message_ids"]
            ));
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(w, "\n{}", notes.join("\n"));
    }
}

/// 12345.6 → "12,346".
fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

/// "0", or "–" when the run did not check (older lines without the field).
fn count(v: &Value) -> String {
    v.as_u64().map_or("–".into(), |n| n.to_string())
}

fn flat<'a>(chat: &[&'a Value], backend: &str) -> Vec<&'a Value> {
    chat.iter()
        .copied()
        .filter(|r| r["backend"] == backend && !is_rate(r))
        .collect()
}

/// The target rows of the Targets table.
pub fn target_rows(results: &[Value], w: &mut String) {
    let chat = of(results, "chat");
    let row = |w: &mut String, target: &str, measured: String, verdict: String| {
        let _ = writeln!(w, "| {target} | {measured} | {verdict} |");
    };

    let target = format!(
        "Chat path on SQLite ≥ {} sends/s at C={SQLITE_CONCURRENCY} with ≤ {SQLITE_CPU_US:.0} µs server CPU per send",
        thousands(SQLITE_SENDS)
    );
    match flat(&chat, "sqlite")
        .into_iter()
        .find(|r| r["concurrency"].as_u64() == Some(SQLITE_CONCURRENCY))
    {
        Some(r) => {
            let sends = r["sends_per_s"].as_f64().unwrap_or(0.0);
            let us = r["server_us_per_send"].as_f64();
            let ok = sends >= SQLITE_SENDS && us.is_some_and(|u| u <= SQLITE_CPU_US);
            let measured = format!("{} sends/s, {} µs/send", thousands(sends), cell(us, 0));
            row(w, &target, measured, met(ok));
        }
        None => row(w, &target, "not measured".into(), "–".into()),
    }

    let target = format!(
        "Chat path on PostgreSQL ≥ {} sends/s",
        thousands(POSTGRES_SENDS)
    );
    let best = flat(&chat, "postgres").into_iter().max_by(|a, b| {
        a["sends_per_s"]
            .as_f64()
            .partial_cmp(&b["sends_per_s"].as_f64())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    match best {
        Some(r) => {
            let sends = r["sends_per_s"].as_f64().unwrap_or(0.0);
            let measured = format!(
                "best C={}: {} sends/s, {} µs/send",
                r["concurrency"],
                thousands(sends),
                cell(r["server_us_per_send"].as_f64(), 0)
            );
            row(w, &target, measured, met(sends >= POSTGRES_SENDS));
        }
        None => row(w, &target, "not measured".into(), "–".into()),
    }

    for (backend, name, full) in [
        ("sqlite", "SQLite", SQLITE_SENDS),
        ("postgres", "PostgreSQL", POSTGRES_SENDS),
    ] {
        let half = full / 2.0;
        let target = format!(
            "Chat path p99 < {P99_LIMIT_MS:.0} ms at {} sends/s on {name} (half the throughput target)",
            thousands(half)
        );
        let run = chat
            .iter()
            .copied()
            .filter(|r| r["backend"] == backend && is_rate(r))
            .max_by(|a, b| {
                a["rate"]
                    .as_f64()
                    .partial_cmp(&b["rate"].as_f64())
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        let Some(r) = run else {
            row(w, &target, "not measured".into(), "–".into());
            continue;
        };
        let rate = r["rate"].as_f64().unwrap_or(0.0);
        let reached = r["sends_per_s"].as_f64().unwrap_or(0.0);
        let p99 = r["lat_p99_ms"].as_f64();
        let measured = format!(
            "{}/s asked, {}/s reached (C={}): p99 {} ms, {} errors",
            thousands(rate),
            thousands(reached),
            r["concurrency"],
            cell(p99, 2),
            r["errors"]
        );
        let verdict = if rate < half {
            format!("not comparable (run at {}/s)", thousands(rate))
        } else if reached < rate * RATE_REACHED {
            format!("{} (rate not reached)", met(false))
        } else {
            met(p99.is_some_and(|p| p < P99_LIMIT_MS) && r["errors"].as_u64() == Some(0))
        };
        row(w, &target, measured, verdict);
    }

    let target =
        "Chat path: 0 lost and 0 duplicated deliveries (every chat run, checked by message id)";
    let checked: Vec<&Value> = chat
        .iter()
        .copied()
        .filter(|r| r["deliveries_lost"].is_u64() && r["deliveries_duplicated"].is_u64())
        .collect();
    if checked.is_empty() {
        row(w, target, "not measured".into(), "–".into());
    } else {
        let sum = |key: &str| -> u64 { checked.iter().map(|r| r[key].as_u64().unwrap_or(0)).sum() };
        let (lost, dup) = (sum("deliveries_lost"), sum("deliveries_duplicated"));
        let expected = sum("deliveries_expected");
        let errors = sum("errors");
        let measured = format!(
            "{} runs, {} deliveries expected: {lost} lost, {dup} duplicated, {} unexpected; {errors} sends failed",
            checked.len(),
            thousands(expected as f64),
            sum("deliveries_unexpected")
        );
        row(w, target, measured, met(lost == 0 && dup == 0));
    }
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(8_000.0), "8,000");
        assert_eq!(thousands(12_565.4), "12,565");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
    }
}
