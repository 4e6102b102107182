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

/// `earlier` with its history section, its history target rows and its notes (the analysis,
/// `benches/NOTES.md`) replaced by `fresh`'s, and a line under the title saying which run each
/// part is from. Both are reports this crate wrote.
pub fn splice(earlier: &str, fresh: &str, rev: &str) -> Result<String, String> {
    const TARGET_ROW: &str = "| History at any size on ";
    let mut out = replace_section(
        earlier,
        fresh,
        "\n## 5. History at any size",
        // The next section, whichever it is (files, or the targets).
        "\n## ",
    )?;
    out = replace_section(&out, fresh, "\n## What the numbers say", "\n## Reproduce")?;
    let fresh_rows: Vec<&str> = fresh
        .lines()
        .filter(|l| l.starts_with(TARGET_ROW))
        .collect();
    let mut spliced = String::with_capacity(out.len());
    let mut placed = false;
    for line in out.split_inclusive('\n') {
        if line.starts_with("Section 5 (history at any size)") {
            // An earlier splice's note: the new one replaces it.
        } else if !line.starts_with(TARGET_ROW) {
            spliced.push_str(line);
        } else if !placed {
            for row in &fresh_rows {
                spliced.push_str(row);
                spliced.push('\n');
            }
            placed = true;
        }
    }
    let note = format!(
        "\nSection 5 (history at any size), its two target rows and the notes are from a later \
         history-only run (`BENCH_ONLY=history BENCH_SPLICE=1 bash scripts/bench.sh`, full sizes) \
         on {} UTC at {rev}, spliced in by the script; where the line above names an earlier \
         history run, this one replaces it.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M")
    );
    let title_end = spliced.find("\n## Machine").ok_or("no machine section")?;
    spliced.insert_str(title_end, &note);
    Ok(spliced)
}

/// `into` with the text from `start` up to `end` taken from `from` instead.
fn replace_section(into: &str, from: &str, start: &str, end: &str) -> Result<String, String> {
    let find = |text: &str| -> Result<(usize, usize), String> {
        let s = text.find(start).ok_or(format!("no {start:?} section"))?;
        let e = s
            + 1
            + text[s + 1..]
                .find(end)
                .ok_or(format!("no {end:?} after {start:?}"))?;
        Ok((s, e))
    };
    let ((is, ie), (fs, fe)) = (find(into)?, find(from)?);
    Ok(format!("{}{}{}", &into[..is], &from[fs..fe], &into[ie..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(history: &str, row: &str, notes: &str) -> String {
        format!(
            "# Benchmarks\n\nWritten by a run.\n\n## Machine\n\nm\n\n## 1. Fan-out\n\nfan\n\
             \n## 5. History at any size (Confab only)\n\n{history}\n\n## Targets (from the issue)\n\n\
             | target | measured | verdict |\n| Fan-out x | y | met |\n\
             | History at any size on sqlite: z | {row} | met |\n\
             \n## What the numbers say, and what is left\n\n{notes}\n\n## Reproduce\n\nsh\n"
        )
    }

    #[test]
    fn the_section_sets_a_send_naming_five_and_a_thread_reply_beside_a_plain_send_at_every_size() {
        let row = |size: u64, op: &str, p50: f64| {
            serde_json::json!({"scenario": "history", "backend": "sqlite", "size": size, "op": op,
                "lat_p50_ms": p50, "lat_p99_ms": p50 * 2.0, "warmup": 5, "requests": 200})
        };
        let results = vec![
            row(1000, "send", 1.0),
            row(1000, "send_mentions", 1.1),
            row(20000, "send", 1.25),
            row(20000, "send_mentions", 1.5),
            row(20000, "mentions_first", 2.0),
            row(1000, "send_thread", 1.5),
            row(20000, "send_thread", 2.5),
            row(20000, "threads_list", 3.0),
        ];
        let mut text = String::new();
        section(&results, &mut text);
        assert!(
            text.contains(
                "A send naming 5 members over a plain send at the same size, p50: \
                 1k 1.10× (1.10 / 1.00 ms), 20k 1.20× (1.50 / 1.25 ms)."
            ),
            "{text}"
        );
        assert!(text.contains(
            "| mention feed, newest page (GET /user/mentions?limit=20) | – / – | 2.00 / 4.00 |"
        ));
        assert!(
            text.contains(
                "A thread reply over a plain send at the same size, p50: \
                 1k 1.50× (1.50 / 1.00 ms), 20k 2.00× (2.50 / 1.25 ms)."
            ),
            "{text}"
        );
        assert!(text.contains(
            "| the viewer's threads (GET /user/threads?limit=20; 50 followed) | – / – | 3.00 / 6.00 |"
        ));
    }

    #[test]
    fn a_splice_takes_history_its_target_rows_and_the_notes_and_keeps_the_rest() {
        let earlier = report("old history", "old row", "old notes");
        let fresh = report("new history", "new row", "new notes").replace("fan", "not run");
        let once = splice(&earlier, &fresh, "abc").unwrap();
        for kept in ["fan\n", "| Fan-out x | y | met |", "## Reproduce"] {
            assert!(once.contains(kept), "{kept}");
        }
        for new in ["new history", "new row", "new notes", "at abc,"] {
            assert!(once.contains(new), "{new}");
        }
        for old in ["old history", "old row", "old notes", "not run"] {
            assert!(!once.contains(old), "{old}");
        }
        let twice = splice(&once, &fresh, "def").unwrap();
        assert_eq!(twice.matches("spliced in by the script").count(), 1);
        assert!(twice.contains("at def,"));
    }
}
