//! The tools the client suites run, each prepared once per test process: the npm packages of
//! `tests/clients` (TypeScript generator and compiler, linters) and a Python virtualenv with the
//! pinned `requirements.txt`, kept outside the clone so CI does not reinstall it every run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// `tests/clients`.
pub fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// `openapi.yaml` at the repository root: what every generator reads.
pub fn document() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi.yaml")
}

/// Runs a command to completion; `Err` carries everything it printed.
pub fn run(command: &mut Command) -> Result<String, String> {
    let output = command.output();
    outcome(command, output)
}

/// What a finished command printed, or why it failed.
pub fn outcome(
    command: &impl std::fmt::Debug,
    output: std::io::Result<std::process::Output>,
) -> Result<String, String> {
    let output = output.map_err(|error| format!("{command:?} did not start: {error}"))?;
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(printed)
    } else {
        Err(format!(
            "{command:?} failed ({}):\n{printed}",
            output.status
        ))
    }
}

/// One package of each tool: present means `npm ci` has run with the current lockfile's set.
const NPM_MARKERS: [&str; 4] = [
    "openapi-typescript",
    "typescript",
    "@stoplight/spectral-cli",
    "@redocly/cli",
];

/// Whether the locked npm packages of `tests/clients` are installed (`npm ci` once if npm can).
pub fn npm_ready() -> bool {
    confab_tests::js::npm_installed(&clients_dir(), &NPM_MARKERS)
}

/// The virtualenv with `tests/clients/python/requirements.txt` installed, once, at
/// `$HOME/.cache/confab-py/<hash of that file>`; `None` when Python is not installed.
pub fn python() -> Option<&'static Result<PathBuf, String>> {
    static READY: OnceLock<Option<Result<PathBuf, String>>> = OnceLock::new();
    READY
        .get_or_init(|| {
            if !confab_tests::js::have("python3") {
                return None;
            }
            let requirements = clients_dir().join("python/requirements.txt");
            let pinned = std::fs::read(&requirements).expect("requirements.txt");
            let hash = hex::encode(&Sha256::digest(&pinned)[..8]);
            let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
            let venv = home.join(".cache/confab-py").join(hash);
            let python = venv.join("bin/python");
            if venv.join("installed").exists() {
                return Some(Ok(python));
            }
            let installed = run(Command::new("python3").arg("-m").arg("venv").arg(&venv))
                .and_then(|_| {
                    run(Command::new(&python)
                        .args(["-m", "pip", "install", "--quiet", "-r"])
                        .arg(&requirements))
                })
                .and_then(|_| {
                    std::fs::write(venv.join("installed"), &pinned).map_err(|e| e.to_string())
                });
            Some(installed.map(|()| python))
        })
        .as_ref()
}
