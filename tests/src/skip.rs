//! Suites that cannot run on this machine say so where a person reads `cargo test`'s output.
//!
//! `eprintln!` inside a test goes to the harness's capture and is shown only when the test fails,
//! so a skipped suite would read as `ok`. [`skip`] writes past the capture, to the process's own
//! stderr handle, once per test binary and reason; under `CONFAB_CI` (as `.ci/run` sets) a skip
//! fails the test instead, so CI never passes on a suite it did not run.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Mutex;

/// Says that a suite is skipped and why (name what to install or set), or fails under `CONFAB_CI`.
/// The caller returns straight after.
pub fn skip(reason: &str) {
    assert!(
        std::env::var_os("CONFAB_CI").is_none(),
        "CONFAB_CI is set, so nothing may be skipped: {reason}"
    );
    static SAID: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let first = SAID
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(reason.to_owned());
    if first {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
    }
}
