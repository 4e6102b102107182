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
