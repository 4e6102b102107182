//! The npm side of the end-to-end tests: `tests/js`, its locked packages, and Node.js.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// `tests/js`.
pub fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("js")
}

/// Whether `program --version` runs.
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// One package of each suite: present means `npm ci` has run with the current lockfile's set.
const MARKERS: [&str; 3] = ["laravel-echo", "ajv", "playwright-core"];

/// Whether the locked npm packages of `tests/js` are installed, running `npm ci` once if npm can.
pub fn npm_packages_ready() -> bool {
    npm_installed(&js_dir(), &MARKERS)
}

/// Whether `dir`'s locked npm packages are installed (each of `markers` has its `package.json`),
/// running `npm ci` there if npm can. Suites of one test binary run in parallel; the lock keeps
/// them from installing over each other.
pub fn npm_installed(dir: &Path, markers: &[&str]) -> bool {
    static INSTALL: Mutex<()> = Mutex::new(());
    let _guard = INSTALL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let ready = || {
        markers.iter().all(|package| {
            dir.join("node_modules")
                .join(package)
                .join("package.json")
                .exists()
        })
    };
    if ready() {
        return true;
    }
    have("npm")
        && Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .status()
            .is_ok_and(|status| status.success())
        && ready()
}

/// One check of the conformance suite (`tests/conformance`) as it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub check: String,
    pub ok: bool,
    pub detail: String,
}

/// Runs the Pusher conformance suite against the realtime listeners on `ports` (one per node;
/// sockets go round them, HTTP API requests to the last) as a client of `app`; `None` (said
/// once) when Node.js or the npm packages are missing, which fails under `CONFAB_CI`.
pub async fn run_conformance(ports: &[u16], app: &crate::PusherApp) -> Option<Vec<Checked>> {
    if !have("node") || !npm_packages_ready() {
        crate::skip("the conformance suite needs Node.js and npm (run `npm ci` in tests/js)");
        return None;
    }
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/suite.mjs");
    let output = tokio::process::Command::new("node")
        .arg(suite)
        .env("CONFORMANCE_PORTS", ports.join(","))
        .env("CONFORMANCE_APP_ID", &app.id)
        .env("CONFORMANCE_APP_KEY", &app.key)
        .env("CONFORMANCE_APP_SECRET", &app.secret)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(300), output)
        .await
        .expect("the conformance suite finishes within five minutes")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the conformance suite failed to run:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(
        stdout
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|line| {
                Some(Checked {
                    check: line["check"].as_str()?.to_owned(),
                    ok: line["ok"].as_bool()?,
                    detail: line["detail"].as_str().unwrap_or_default().to_owned(),
                })
            })
            .collect(),
    )
}

/// Fails with every check that did not pass (and when there were none at all).
pub fn assert_conformant(checked: &[Checked]) {
    assert!(checked.len() >= 30, "too few checks ran: {checked:?}");
    let failed: Vec<&Checked> = checked.iter().filter(|c| !c.ok).collect();
    assert!(failed.is_empty(), "conformance checks failed: {failed:#?}");
}
