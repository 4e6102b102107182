//! The history section's report, on results written by hand.

use super::*;
use crate::report_splice::splice;

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
