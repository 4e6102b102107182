//! Generated clients and schema-driven tools against the real server, from the committed
//! `openapi.yaml` with no hand edits (issue: "Generated clients work unedited"):
//! - TypeScript: openapi-typescript (`typescript/generate.mjs`: its CLI's output, with `Blob` for
//!   file parts) + openapi-fetch, compiled with `tsc --strict`, runs the API document's scenario
//!   (`typescript/scenario.ts`);
//! - Python: openapi-python-client (a generation warning fails the test) runs the same scenario
//!   (`python/scenario.py`);
//! - Rust: progenitor, in the `confab-client` crate (`rust/`), whose own test runs it;
//! - schemathesis `--checks all` over every phase, with a real token: no failure;
//! - spectral (`spectral:oas`) and redocly (`recommended`): no error.
//!
//! Versions are pinned (`package-lock.json`, `python/requirements.txt`, `rust/Cargo.toml`).

mod tools;

use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use confab_tests::smtp::SmtpServer;
use confab_tests::{Backend, TestServer, on_both_backends, skip};
use tools::{clients_dir, document, npm_ready, outcome, python, run};

on_both_backends!(
    the_generated_typescript_client_runs_the_scenario,
    the_generated_python_client_runs_the_scenario,
    schemathesis_finds_no_failure,
);

/// Every scenario and fuzzing run ends by itself.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// How many cases schemathesis generates per operation and phase: enough to reach every status,
/// small enough for CI (about a minute per database).
const SCHEMATHESIS_EXAMPLES: &str = "25";

/// Runs `command` with the server's address in `CONFAB_URL`, within [`RUN_TIMEOUT`].
async fn run_against(
    server: &TestServer,
    mut command: tokio::process::Command,
) -> Result<String, String> {
    command
        .env("CONFAB_URL", &server.base_url)
        .kill_on_drop(true);
    let output = tokio::time::timeout(RUN_TIMEOUT, command.output())
        .await
        .map_err(|_| format!("{command:?} did not finish in {RUN_TIMEOUT:?}"))?;
    outcome(&command, output)
}

/// Generates the TypeScript types and compiles the scenario with them, once.
fn typescript_client() -> Option<&'static Result<(), String>> {
    static BUILT: OnceLock<Option<Result<(), String>>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            if !npm_ready() {
                return None;
            }
            let dir = clients_dir();
            // openapi-typescript as its CLI runs it, but with `Blob` for file parts (the CLI has no
            // option for that and types them `string`).
            let generated = run(Command::new("node")
                .arg("typescript/generate.mjs")
                .arg(document())
                .arg("typescript/generated/schema.d.ts")
                .current_dir(&dir));
            Some(generated.and_then(|_| {
                run(Command::new("npx")
                    .args(["tsc", "-p", "typescript"])
                    .current_dir(&dir))
                .map(drop)
            }))
        })
        .as_ref()
}

async fn the_generated_typescript_client_runs_the_scenario(backend: &Backend) {
    let Some(built) = typescript_client() else {
        skip("the TypeScript client suite needs Node.js and npm");
        return;
    };
    built
        .as_ref()
        .expect("the TypeScript client generates and compiles");
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let server = TestServer::start_with(backend, &[("CONFAB_SMTP_URL", &smtp.url())]).await;
    let mut command = tokio::process::Command::new("node");
    command
        .arg("typescript/out/scenario.js")
        .env("CONFAB_TEST_MAILDIR", smtp.maildir())
        .current_dir(clients_dir());
    let printed = run_against(&server, command)
        .await
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert!(printed.contains("typescript scenario: ok"), "{printed}");
}

/// Generates the Python client into `python/generated`, once; any warning fails.
fn python_client() -> Option<&'static Result<std::path::PathBuf, String>> {
    static BUILT: OnceLock<Option<Result<std::path::PathBuf, String>>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let python = python()?;
            let dir = clients_dir().join("python");
            Some(python.clone().and_then(|python| {
                let generated = dir.join("generated");
                let _ = std::fs::remove_dir_all(&generated);
                let printed = run(Command::new(&python)
                    .args(["-m", "openapi_python_client", "generate", "--path"])
                    .arg(document())
                    .args(["--output-path", "generated/confab_client", "--meta", "none"])
                    .args(["--config", "generator.yaml"])
                    .current_dir(&dir))?;
                if printed.to_lowercase().contains("warning") {
                    return Err(format!("openapi-python-client warned:\n{printed}"));
                }
                Ok(python)
            }))
        })
        .as_ref()
}

async fn the_generated_python_client_runs_the_scenario(backend: &Backend) {
    let Some(built) = python_client() else {
        skip("the Python client suite needs python3");
        return;
    };
    let python = built.as_ref().expect("the Python client generates cleanly");
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let server = TestServer::start_with(backend, &[("CONFAB_SMTP_URL", &smtp.url())]).await;
    let mut command = tokio::process::Command::new(python);
    command
        .arg("scenario.py")
        .env("PYTHONPATH", "generated")
        .env("CONFAB_TEST_MAILDIR", smtp.maildir())
        .current_dir(clients_dir().join("python"));
    let printed = run_against(&server, command)
        .await
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert!(printed.contains("python scenario: ok"), "{printed}");
}

async fn schemathesis_finds_no_failure(backend: &Backend) {
    let Some(python) = python() else {
        skip("schemathesis needs python3");
        return;
    };
    let python = python.as_ref().expect("the Python tools install");
    // Fuzzing sends far more than a person would: lift the send throttle (a 429 would also pass).
    let server = TestServer::start_with(backend, &[("CONFAB_SEND_LIMIT", "1000000")]).await;
    let (_, token) = server.register("Schemathesis").await;
    let schemathesis = python.with_file_name("schemathesis");
    let mut command = tokio::process::Command::new(schemathesis);
    command
        .args(["--config-file", "schemathesis.toml", "run"])
        .arg(server.url("/openapi.json"))
        .args(["--checks", "all", "--no-color"])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", SCHEMATHESIS_EXAMPLES])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        // Logging out or refreshing ends the token every other operation is fuzzed with; both
        // are tested end to end in `tests/api/sessions.rs`.
        .args(["--exclude-operation-id", "logout"])
        .args(["--exclude-operation-id", "refreshToken"])
        .current_dir(clients_dir());
    let printed = run_against(&server, command)
        .await
        .unwrap_or_else(|failure| panic!("{failure}"));
    // schemathesis exits non-zero on any failure (so `run_against` errs); also make sure it did
    // test every operation it selected.
    let count = |label: &str| {
        printed
            .lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .map(|rest| rest.split('/').next().unwrap_or_default().trim().to_owned())
    };
    let selected = count("Selected:").expect("a summary");
    assert_eq!(count("Tested:"), Some(selected), "{printed}");
}

#[test]
fn the_document_passes_spectral_and_redocly() {
    if !npm_ready() {
        skip("the OpenAPI linters need Node.js and npm");
        return;
    }
    let dir = clients_dir();
    let spectral = run(Command::new("npx")
        .args([
            "spectral",
            "lint",
            "--ruleset",
            ".spectral.yaml",
            "--fail-severity",
            "error",
        ])
        .arg(document())
        .current_dir(&dir));
    assert!(spectral.is_ok(), "{}", spectral.unwrap_err());
    let redocly = run(Command::new("npx")
        .args([
            "redocly",
            "lint",
            "--extends",
            "recommended",
            "--format",
            "stylish",
        ])
        .arg(document())
        .current_dir(&dir));
    assert!(redocly.is_ok(), "{}", redocly.unwrap_err());
}
