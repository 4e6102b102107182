//! The browser pages in a real headless Chromium (Debian's `chromium` package), driven by
//! `playwright-core` from `tests/js/`:
//! - the client at `/` (`browser.test.mjs`): two people log in through the page, one types and
//!   sends, the other sees the typing indicator and the message without reloading; one attaches
//!   an image and a text file (upload progress, chips, a send with no text) and both see the
//!   thumbnail load and the file's link; writes `browser-a.png` and `browser-b.png` (and
//!   `browser-files-*.png`, among others) to `tests/artifacts/`;
//! - mentions and notification settings in the same client (`browser_mentions.test.mjs`): one
//!   person picks another from the `@` suggestions and sends; the other's page shows the toast,
//!   the `@1` badge and the highlighted mention, then mutes the room through its menu, which a
//!   reload still shows; writes `browser-mentions-suggestions.png`, `-toast.png` and `-menu.png`;
//! - threads in the same client (`browser_threads.test.mjs`): one person replies in a message's
//!   thread from the thread panel; the other's page shows "1 reply" under the root live, not the
//!   reply in the room, opens the panel, sees the typing there and replies also in the room
//!   (shown in the room after a reload); Unfollow turns the toggle back to Follow; writes
//!   `browser-threads-panel.png`;
//! - running a room in the same client (`browser_moderation.test.mjs`): the owner makes a member
//!   an admin from the member's menu, pins a message from its actions, sets a description and
//!   slow mode in the room's settings, and times a third person out and back in; the member's
//!   page shows the badge, the 📌 and the pins panel, the header and the timeout marker live,
//!   and, a member again, slow mode's refusal; the member reports a message from its actions and
//!   the owner finds it among the room's reports; writes `moderation.png`;
//! - your own account (`browser_profile.test.mjs`): a member renames himself in the profile panel
//!   and the other page shows the new name on the member list and his earlier message without a
//!   reload; a logged-out page asks for a reset ("Forgot password?"), opens the link the mail
//!   carried (read from the server's log: no SMTP server here), sets a new password and logs in
//!   with it; writes `profile.png`; she sets a picture (the page shows it beside her name, and on
//!   the other page live), removes it, and deletes her account with her password (the other page
//!   shows "Deleted user"); writes `profile-avatar.png`; another asks for a copy of his data, sees
//!   it prepared and then ready, downloads the ZIP with his token, and is told to wait before
//!   another; writes `profile-export.png`;
//! - Swagger UI at `/docs` (`swagger.test.mjs`), with the server on a random port: Authorize,
//!   then Execute "Send message" answers 201 from this server and the message is stored; writes
//!   `swagger.png`.
//!
//! Needs Node.js, the npm packages (`npm ci` is run for you) and `/usr/bin/chromium` (or
//! `CHROMIUM_PATH`); says plainly when it has to skip.

use std::path::{Path, PathBuf};
use std::time::Duration;

use confab_tests::js::{have, js_dir, npm_packages_ready};
use confab_tests::{Backend, TestServer, skip};

const ARTIFACTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/artifacts");

/// Chromium, if this machine can run the browser suites (else they skip, saying why).
fn chromium() -> Option<PathBuf> {
    if !have("node") || !npm_packages_ready() {
        skip(
            "the browser tests need Node.js and npm (run `npm ci` in tests/js for playwright-core)",
        );
        return None;
    }
    let chromium = std::env::var_os("CHROMIUM_PATH")
        .filter(|path| !path.is_empty())
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.exists() {
        skip(&format!(
            "the browser tests need Chromium at {} (`apt-get install chromium`, or set CHROMIUM_PATH)",
            chromium.display()
        ));
        return None;
    }
    Some(chromium)
}

/// Runs `file` with `node --test` against `server` and expects `passing` passes, no failure,
/// and each of `shots` written to the artifacts folder.
async fn run_browser_suite(
    chromium: &Path,
    server: &TestServer,
    file: &str,
    passing: usize,
    shots: &[&str],
) {
    run_browser_suite_with(chromium, server, file, passing, shots, &[]).await;
}

/// [`run_browser_suite`] with more environment for the test file.
async fn run_browser_suite_with(
    chromium: &Path,
    server: &TestServer,
    file: &str,
    passing: usize,
    shots: &[&str],
    env: &[(&str, &Path)],
) {
    let output = tokio::process::Command::new("node")
        .args(["--test", "--test-concurrency=1", file])
        .current_dir(js_dir())
        .env("CONFAB_API", &server.base_url)
        .env("CHROMIUM_PATH", chromium)
        .env("ARTIFACTS_DIR", ARTIFACTS_DIR)
        .envs(env.iter().copied())
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
    assert!(output.status.success(), "{file} failed:\n{report}");
    assert!(
        report.contains(&format!("# pass {passing}\n")),
        "expected {passing} passing tests in {file}:\n{report}"
    );
    for shot in shots {
        assert!(
            Path::new(ARTIFACTS_DIR).join(shot).exists(),
            "{shot} was written to {ARTIFACTS_DIR}"
        );
    }
}

#[tokio::test]
async fn two_people_chat_live_in_a_real_browser() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::start(&Backend::Sqlite).await;
    let shots = ["browser-a.png", "browser-b.png", "browser-files-a.png"];
    run_browser_suite(&chromium, &server, "browser.test.mjs", 7, &shots).await;
}

#[tokio::test]
async fn a_mention_picked_in_the_page_notifies_and_the_menu_mutes_the_room() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::start(&Backend::Sqlite).await;
    let shots = [
        "browser-mentions-suggestions.png",
        "browser-mentions-toast.png",
        "browser-mentions-menu.png",
    ];
    run_browser_suite(&chromium, &server, "browser_mentions.test.mjs", 1, &shots).await;
}

#[tokio::test]
async fn a_reply_in_a_thread_from_the_page_shows_under_its_root_and_not_in_the_room() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::start(&Backend::Sqlite).await;
    let shots = ["browser-threads-panel.png"];
    run_browser_suite(&chromium, &server, "browser_threads.test.mjs", 1, &shots).await;
}

#[tokio::test]
async fn the_owner_runs_a_room_from_the_page_and_a_members_page_follows_live() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::start(&Backend::Sqlite).await;
    let shots = ["moderation.png"];
    run_browser_suite(&chromium, &server, "browser_moderation.test.mjs", 1, &shots).await;
}

#[tokio::test]
async fn a_rename_in_the_profile_panel_shows_live_and_a_forgotten_password_is_reset_from_the_mail()
{
    let Some(chromium) = chromium() else { return };
    // No SMTP server: the mails go to the log (at INFO), where the test reads the reset link.
    let server = TestServer::start_logging(&Backend::Sqlite, &[("RUST_LOG", "info")]).await;
    let log = server.data_dir().join("confab.log");
    let shots = ["profile.png", "profile-avatar.png", "profile-export.png"];
    let env = [("CONFAB_LOG_FILE", log.as_path())];
    run_browser_suite_with(
        &chromium,
        &server,
        "browser_profile.test.mjs",
        3,
        &shots,
        &env,
    )
    .await;
}

#[tokio::test]
async fn swagger_ui_sends_a_message_to_the_server_on_any_port() {
    let Some(chromium) = chromium() else { return };
    // TestServer listens on a free port, never the document's default 8000.
    let server = TestServer::start(&Backend::Sqlite).await;
    assert!(!server.base_url.ends_with(":8000"), "{}", server.base_url);
    run_browser_suite(&chromium, &server, "swagger.test.mjs", 1, &["swagger.png"]).await;
}
