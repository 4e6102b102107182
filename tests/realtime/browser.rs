//! The browser client at `/` in a real headless Chromium (Debian's `chromium` package), driven by
//! `playwright-core` from `tests/js/browser.test.mjs`: two people log in through the page, one
//! types and sends, the other sees the typing indicator and the message without reloading. Writes
//! `browser-a.png` and `browser-b.png` to `tests/artifacts/`. Needs Node.js, the npm packages
//! (`npm ci` is run for you) and `/usr/bin/chromium` (or `CHROMIUM_PATH`); says plainly when it
//! has to skip.

use std::path::{Path, PathBuf};
use std::time::Duration;

use confab_tests::js::{have, js_dir, npm_packages_ready};
use confab_tests::{Backend, TestServer};

const ARTIFACTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/artifacts");

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .filter(|path| !path.is_empty())
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

#[tokio::test]
async fn two_people_chat_live_in_a_real_browser() {
    if !have("node") || !npm_packages_ready() {
        eprintln!(
            "SKIPPED: the browser test needs Node.js and npm (run `npm ci` in tests/js for playwright-core)"
        );
        return;
    }
    let chromium = chromium();
    if !chromium.exists() {
        eprintln!(
            "SKIPPED: the browser test needs Chromium at {} (`apt-get install chromium`, or set CHROMIUM_PATH)",
            chromium.display()
        );
        return;
    }
    let server = TestServer::start(&Backend::Sqlite).await;
    let output = tokio::process::Command::new("node")
        .args(["--test", "--test-concurrency=1", "browser.test.mjs"])
        .current_dir(js_dir())
        .env("CONFAB_API", &server.base_url)
        .env("CHROMIUM_PATH", &chromium)
        .env("ARTIFACTS_DIR", ARTIFACTS_DIR)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(240), output)
        .await
        .expect("the browser suite finishes within four minutes")
        .expect("node runs");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "browser suite failed:\n{report}");
    assert!(
        report.contains("# pass 6\n"),
        "expected 6 passing browser tests:\n{report}"
    );
    for shot in ["browser-a.png", "browser-b.png"] {
        assert!(
            Path::new(ARTIFACTS_DIR).join(shot).exists(),
            "{shot} was written to {ARTIFACTS_DIR}"
        );
    }
}
