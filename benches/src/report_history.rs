//! The "History at any size" part of BENCHMARKS.md, from the `history` and `history_load` lines
//! of `confab-bench history`: per backend, one row per operation with p50/p99 at every size, the
//! largest/smallest p50 ratio, and the target (read p50 ≤ 5 ms at the largest size, the
//! conversation list ≤ 15 ms, every p50 within 1.5× of its figure at the smallest size); then a
//! send naming five members, and a thread reply, beside a plain send at every size.

use std::fmt::Write as _;

use serde_json::Value;

use crate::common::cell;
use crate::history::OPS;

/// Read p50 limit at the largest size, ms (the conversation list has its own).
const READ_LIMIT_MS: f64 = 5.0;
const LIST_LIMIT_MS: f64 = 15.0;
/// Largest-size p50 over smallest-size p50.
const GROWTH_LIMIT: f64 = 1.5;

/// One backend's verdict: (largest size, smallest size, misses in words), or nothing measured.
struct Verdict {
    largest: u64,
    smallest: u64,
    misses: Vec<String>,
    /// The read closest to (or furthest over) its limit: (p50, limit, op).
    worst_read: Option<(f64, f64, &'static str)>,
    worst_ratio: Option<(f64, &'static str)>,
}

fn backends(results: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in results.iter().filter(|r| r["scenario"] == "history") {
        let b = r["backend"].as_str().unwrap_or("?").to_owned();
        if !out.contains(&b) {
            out.push(b);
        }
    }
    out
}

fn sizes(results: &[Value], backend: &str) -> Vec<u64> {
    let mut out: Vec<u64> = results
        .iter()
        .filter(|r| r["scenario"] == "history" && r["backend"] == backend)
        .filter_map(|r| r["size"].as_u64())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn find<'a>(results: &'a [Value], backend: &str, size: u64, op: &str) -> Option<&'a Value> {
    results.iter().find(|r| {
        r["scenario"] == "history"
            && r["backend"] == backend
            && r["size"].as_u64() == Some(size)
            && r["op"] == op
    })
}

fn p50(results: &[Value], backend: &str, size: u64, op: &str) -> Option<f64> {
    find(results, backend, size, op).and_then(|r| r["lat_p50_ms"].as_f64())
}

/// 1000 → "1k", 10000000 → "10M".
pub fn human(n: u64) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

fn limit_of(op: &str, read: bool) -> Option<f64> {
    match (op, read) {
        ("list_conversations", _) => Some(LIST_LIMIT_MS),
        (_, true) => Some(READ_LIMIT_MS),
        _ => None,
    }
}

fn verdict(results: &[Value], backend: &str) -> Option<Verdict> {
    let sizes = sizes(results, backend);
    let (&smallest, &largest) = (sizes.first()?, sizes.last()?);
    let mut v = Verdict {
        largest,
        smallest,
        misses: Vec::new(),
        worst_read: None,
        worst_ratio: None,
    };
    for &(op, _, read) in &OPS {
        let (Some(big), small) = (
            p50(results, backend, largest, op),
            p50(results, backend, smallest, op),
        ) else {
            v.misses
                .push(format!("{op}: not measured at {}", human(largest)));
            continue;
        };
        if let Some(limit) = limit_of(op, read) {
            if big > limit {
                v.misses.push(format!("{op} p50 {big:.2} ms > {limit} ms"));
            }
            if v.worst_read.is_none_or(|(w, l, _)| big / limit > w / l) {
                v.worst_read = Some((big, limit, op));
            }
        }
        if let Some(small) = small.filter(|s| *s > 0.0) {
            let ratio = big / small;
            if largest > smallest && ratio > GROWTH_LIMIT {
                v.misses.push(format!(
                    "{op} p50 {ratio:.2}× its {} figure",
                    human(smallest)
                ));
            }
            if v.worst_ratio.is_none_or(|(w, _)| ratio > w) {
                v.worst_ratio = Some((ratio, op));
            }
        }
    }
    Some(v)
}

/// The section: load times and the per-operation table for every backend that ran.
pub fn section(results: &[Value], w: &mut String) {
    let backends = backends(results);
    let _ = writeln!(w, "\n## 5. History at any size (Confab only)\n");
    if backends.is_empty() {
        let _ = writeln!(w, "Not run.");
        return;
    }
    let _ = writeln!(
        w,
        "One viewer in 200 small rooms (each with one message from a second member) and one big \
        room of six members whose history is grown step by step by bulk SQL straight into the \
        server's database (`INSERT … SELECT` over `generate_series` on PostgreSQL, a recursive CTE \
        on SQLite, 1M rows per transaction, dense `seq`, `created_at` in the server's own format, \
        counters and read positions set to match; PostgreSQL gets a `VACUUM (ANALYZE) messages, \
        message_mentions, thread_follows` after each load, as autovacuum would, SQLite a WAL \
        checkpoint). One message in 25 (by the second member) names the viewer, as a send with \
        `mentions` writes it: `messages.mention_ids` and a `message_mentions` row, inserted \
        set-based in the same transaction (the viewer's `unread_mentions` then set once, one \
        UPDATE); the viewer's settings for the big room are `mentions` with a mute that has run \
        out. Threads: once the room has its first 1,000 messages, through the API, 200 replies \
        only in the thread under its first message and 3 by others under each of the viewer's \
        messages 2, 4, …, 100, which the viewer follows as their author (the same threads at \
        every size; the oldest page shows 26 of these roots); the growth makes one message in \
        1,000 a root with 3 replies only in its thread (by three other members, set-based in the \
        same transaction, each row as a send writes it: a negative `seq` from the room's \
        `thread_only_seq`, which moves with them while `last_seq` and `message_count` do not, \
        its `thread_seq` and the repliers it leaves; \
        migration 13's trigger moves each root's summary and writes the follows of the root's \
        author and the repliers, as for a send, and two counts check them), so the thread index \
        and `thread_follows` grow with the history (10,000 threads at 10M). At each size, with \
        the viewer's read position in the middle of the history, every request is timed one at a \
        time ({} warm-up calls, then {} measured ones per operation and size): pages of 50 \
        (first — the 50 newest, each given two reactions and made a reply to the room's first \
        message, so the read also loads reactions and reply previews — and last = oldest), 50 \
        `before` / `after` a middle message, the big conversation, the list (201 rooms; both carry \
        `unread_mentions` and `notifications`), a full-text search for a word found in one message \
        only (`q` = the middle message's number) in the big room and across all the viewer's \
        rooms, the viewer's mention feed (`GET /user/mentions`, 20 a page: the newest page, and \
        the page `before` the first mention after the middle of the history), the big thread \
        (`GET …/messages/{{root}}/thread`, 20 a page: the newest page, and the page `before` its \
        101st reply), the viewer's threads (`GET /user/threads`, 20 of the 50, most recently \
        active first); then sends by the second member, each with a `client_id` (the idempotent \
        path: one more statement per batch), interleaved with the viewer marking read, so every \
        mark-read moves the position; then the same sends naming five members (`mentions`: \
        everyone in the room but the sender); then the same sends as replies in the newest \
        grown thread (`thread_id`: its author and three repliers follow it). Each size first \
        checks the answers: both thread pages hold the 20 replies expected with `has_more` under \
        a root whose `reply_count` is 200, the list the newest 20 followed roots with 3 unread \
        each and `has_more`, and the newest grown thread reads back as written. Target: at the largest \
        size every read p50 ≤ {READ_LIMIT_MS} ms (the \
        list ≤ {LIST_LIMIT_MS} ms), and every p50 within {GROWTH_LIMIT}× of its figure at the \
        smallest size.\n",
        results
            .iter()
            .find(|r| r["scenario"] == "history")
            .map_or("a few".into(), |r| r["warmup"].to_string()),
        results
            .iter()
            .find(|r| r["scenario"] == "history")
            .map_or("–".into(), |r| r["requests"].to_string())
    );
    for backend in &backends {
        let sizes = sizes(results, backend);
        let _ = writeln!(w, "### {backend}\n");
        let loads: Vec<&Value> = results
            .iter()
            .filter(|r| r["scenario"] == "history_load" && r["backend"] == backend.as_str())
            .collect();
        let _ = writeln!(
            w,
            "| grown to | rows loaded | insert s | rows/s | load s (with housekeeping) | messages MiB | mention rows (s of the insert) | thread roots + replies (s of the insert) |"
        );
        let _ = writeln!(w, "|---:|---:|---:|---:|---:|---:|---:|---:|");
        for l in &loads {
            let size = l["size"].as_u64().unwrap_or(0);
            let mib = find(results, backend, size, "first_page")
                .and_then(|r| r["messages_table_mib"].as_f64());
            let mentions = match (l["mention_rows"].as_u64(), l["mentions_s"].as_f64()) {
                (Some(rows), Some(secs)) => format!("{rows} ({secs:.1})"),
                _ => "–".into(),
            };
            let threads = match (
                l["thread_roots"].as_u64(),
                l["thread_replies"].as_u64(),
                l["threads_s"].as_f64(),
            ) {
                (Some(roots), Some(replies), Some(secs)) => {
                    format!("{roots} + {replies} ({secs:.1})")
                }
                _ => "–".into(),
            };
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} | {mentions} | {threads} |",
                human(size),
                l["rows"],
                cell(l["insert_s"].as_f64(), 1),
                cell(l["rows_per_s"].as_f64(), 0),
                cell(l["load_s"].as_f64(), 1),
                cell(mib, 1)
            );
        }
        let (Some(&smallest), Some(&largest)) = (sizes.first(), sizes.last()) else {
            continue;
        };
        let _ = write!(w, "\np50 / p99 ms per request:\n\n| operation |");
        for &size in &sizes {
            let _ = write!(w, " {} |", human(size));
        }
        let _ = writeln!(
            w,
            " {}/{} p50 | target | verdict |",
            human(largest),
            human(smallest)
        );
        let _ = writeln!(w, "|---|{}---:|---|---|", "---:|".repeat(sizes.len()));
        for &(op, label, read) in &OPS {
            let _ = write!(w, "| {label} |");
            for &size in &sizes {
                let r = find(results, backend, size, op);
                let _ = write!(
                    w,
                    " {} / {} |",
                    cell(r.and_then(|r| r["lat_p50_ms"].as_f64()), 2),
                    cell(r.and_then(|r| r["lat_p99_ms"].as_f64()), 2)
                );
            }
            let big = p50(results, backend, largest, op);
            let small = p50(results, backend, smallest, op);
            let ratio = big.zip(small).filter(|(_, s)| *s > 0.0).map(|(b, s)| b / s);
            let limit = limit_of(op, read);
            let target = match limit {
                Some(l) => format!("≤ {l} ms, ≤ {GROWTH_LIMIT}×"),
                None => format!("≤ {GROWTH_LIMIT}×"),
            };
            let ok = big.is_some()
                && limit.is_none_or(|l| big.is_some_and(|b| b <= l))
                && (largest == smallest || ratio.is_some_and(|r| r <= GROWTH_LIMIT));
            let _ = writeln!(
                w,
                " {} | {target} | {} |",
                ratio.map_or("–".into(), |r| format!("{r:.2}")),
                if ok { "met" } else { "missed" }
            );
        }
        for (op, what) in [
            ("send_mentions", "A send naming 5 members"),
            ("send_thread", "A thread reply"),
        ] {
            let pairs = beside_plain_send(results, backend, &sizes, op);
            if !pairs.is_empty() {
                let _ = writeln!(
                    w,
                    "\n{what} over a plain send at the same size, p50: {}.",
                    pairs.join(", ")
                );
            }
        }
        let errors: Vec<String> = results
            .iter()
            .filter(|r| r["scenario"] == "history" && r["backend"] == backend.as_str())
            .filter(|r| r["errors"].as_u64().unwrap_or(0) > 0)
            .map(|r| {
                format!(
                    "- {} at {}: {} errors, first: {}",
                    r["op"].as_str().unwrap_or("?"),
                    human(r["size"].as_u64().unwrap_or(0)),
                    r["errors"],
                    r["first_error"]
                )
            })
            .collect();
        if !errors.is_empty() {
            let _ = writeln!(w, "\nErrors:\n\n{}", errors.join("\n"));
        }
        if let Some(v) = verdict(results, backend) {
            let _ = writeln!(
                w,
                "\nTarget at {}{}: **{}**{}\n",
                human(v.largest),
                if v.largest < 10_000_000 {
                    " (the largest size run; the target is set at 10M)"
                } else {
                    ""
                },
                if v.misses.is_empty() { "met" } else { "missed" },
                if v.misses.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", v.misses.join("; "))
                }
            );
        }
    }
}

/// `op`'s p50 over the plain send's at each size: "1k 1.10× (1.10 / 1.00 ms)".
fn beside_plain_send(results: &[Value], backend: &str, sizes: &[u64], op: &str) -> Vec<String> {
    sizes
        .iter()
        .filter_map(|&size| {
            let plain = p50(results, backend, size, "send")?;
            let other = p50(results, backend, size, op)?;
            (plain > 0.0).then(|| {
                format!(
                    "{} {:.2}× ({other:.2} / {plain:.2} ms)",
                    human(size),
                    other / plain
                )
            })
        })
        .collect()
}

/// Rows for the report's targets table, one per backend.
pub fn target_rows(results: &[Value], w: &mut String) {
    let backends = backends(results);
    if backends.is_empty() {
        let _ = writeln!(
            w,
            "| History at any size: read p50 ≤ {READ_LIMIT_MS} ms at 10M (list ≤ {LIST_LIMIT_MS} ms), every p50 within {GROWTH_LIMIT}× of 1k | not measured | – |"
        );
    }
    for backend in backends {
        let Some(v) = verdict(results, &backend) else {
            continue;
        };
        let worst_read = v.worst_read.map_or("–".into(), |(p, l, op)| {
            format!("read nearest its limit {op} p50 {p:.2} ms (≤ {l} ms)")
        });
        let worst_ratio = v.worst_ratio.map_or("–".into(), |(r, op)| {
            format!("largest growth {r:.2}× ({op})")
        });
        let _ = writeln!(
            w,
            "| History at any size on {backend}: read p50 ≤ {READ_LIMIT_MS} ms at 10M (list ≤ {LIST_LIMIT_MS} ms), every p50 within {GROWTH_LIMIT}× of 1k | at {} vs {}: {worst_read}, {worst_ratio} | {}{} |",
            human(v.largest),
            human(v.smallest),
            if v.misses.is_empty() {
                "**met**"
            } else {
                "**missed**"
            },
            if v.largest < 10_000_000 {
                " (largest size run, not 10M)"
            } else {
                ""
            }
        );
    }
}

#[cfg(test)]
mod tests;
