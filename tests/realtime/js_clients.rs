//! Runs the real npm clients (`tests/js`: pusher-js, laravel-echo, the pusher server SDK) against
//! a fresh server. Needs Node.js; installs the locked packages with `npm ci` when they are missing,
//! and says plainly when it has to skip.

use confab_tests::js::{have, js_dir, npm_packages_ready};
use confab_tests::{
    APP_ID, APP_KEY, APP_SECRET, Backend, PusherApp, TestServer, free_port, on_both_backends, skip,
};

on_both_backends!(
    laravel_echo_and_pusher_js_work_unchanged,
    envelope_clients_meet_pusher_clients_and_the_schema,
    a_new_name_reaches_echo_and_envelope_clients,
    encrypted_channels_carry_what_only_the_room_can_read,
    signed_in_users_hear_their_watchlist_and_their_own_events,
    another_apps_clients_are_served_beside_the_chat_app,
);

/// The master key every suite's server gets (base64 of 32 bytes; the node side gets it too).
const MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

async fn laravel_echo_and_pusher_js_work_unchanged(backend: &Backend) {
    run_js_suite(backend, "echo.test.mjs", 11).await;
}

async fn envelope_clients_meet_pusher_clients_and_the_schema(backend: &Backend) {
    run_js_suite(backend, "envelope.test.mjs", 10).await;
}

async fn a_new_name_reaches_echo_and_envelope_clients(backend: &Backend) {
    run_js_suite(backend, "profile.test.mjs", 2).await;
}

async fn encrypted_channels_carry_what_only_the_room_can_read(backend: &Backend) {
    run_js_suite(backend, "encrypted.test.mjs", 3).await;
}

async fn signed_in_users_hear_their_watchlist_and_their_own_events(backend: &Backend) {
    run_js_suite(backend, "signin.test.mjs", 3).await;
}

async fn another_apps_clients_are_served_beside_the_chat_app(backend: &Backend) {
    let other = PusherApp::new("js-other", "js-other-key", "js-other-secret");
    let path = std::env::temp_dir().join(format!("confab-apps-{}.json", free_port()));
    let apps = serde_json::json!({"apps": [other.entry(serde_json::json!({}))]});
    std::fs::write(&path, apps.to_string()).expect("the apps file is written");
    let file = path.display().to_string();
    run_js_suite_with(
        backend,
        "apps.test.mjs",
        2,
        &[("CONFAB_APPS_FILE", &file)],
        &[
            ("OTHER_APP_ID", &other.id),
            ("OTHER_APP_KEY", &other.key),
            ("OTHER_APP_SECRET", &other.secret),
        ],
    )
    .await;
    let _ = std::fs::remove_file(&path);
}

/// Runs one `node --test` file against a fresh server and expects `passing` passes, no failure.
async fn run_js_suite(backend: &Backend, file: &str, passing: usize) {
    run_js_suite_with(backend, file, passing, &[], &[]).await;
}

/// [`run_js_suite`] with more environment for the server and for the suite.
async fn run_js_suite_with(
    backend: &Backend,
    file: &str,
    passing: usize,
    server_env: &[(&str, &str)],
    suite_env: &[(&str, &str)],
) {
    if !have("node") || !npm_packages_ready() {
        skip(&format!(
            "{file} needs Node.js and npm (run `npm ci` in tests/js)"
        ));
        return;
    }
    let mut env = vec![("REVERB_APP_ENCRYPTION_MASTER_KEY", MASTER_KEY)];
    env.extend_from_slice(server_env);
    let server = TestServer::start_with(backend, &env).await;
    let output = tokio::process::Command::new("node")
        .args(["--test", "--test-concurrency=1", file])
        .current_dir(js_dir())
        .env("CONFAB_API", &server.base_url)
        .env("REVERB_HOST", "127.0.0.1")
        .env("REVERB_PORT", server.realtime_port.to_string())
        .env("REVERB_APP_ID", APP_ID)
        .env("REVERB_APP_KEY", APP_KEY)
        .env("REVERB_APP_SECRET", APP_SECRET)
        .env("REVERB_APP_ENCRYPTION_MASTER_KEY", MASTER_KEY)
        .envs(suite_env.iter().copied())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(120), output)
        .await
        .expect("the JS suite finishes within two minutes")
        .expect("node runs");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{file} failed:\n{report}");
    assert!(
        report.contains(&format!("# pass {passing}\n")),
        "expected {passing} passing tests in {file}:\n{report}"
    );
}
