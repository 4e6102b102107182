//! Several Pusher apps on one server (`CONFAB_APPS_FILE`, Reverb's `apps` shape): each app's
//! channels, signatures, limits and webhooks are its own, an unknown key is 4001, an unknown app
//! id 404; and a `SIGHUP` reloads the file: a changed app takes its new secret with its sockets
//! still open, a removed app's sockets are closed with 4001, a new app is served at once, and a
//! file that no longer loads changes nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use confab_tests::pusher::PusherClient;
use confab_tests::webhooks::{WebhookReceiver, named};
use confab_tests::{Backend, PusherApp, TestServer, free_port, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(an_apps_webhooks_are_its_own_and_signed_with_its_secret);

/// Long enough for a stray delivery to arrive on loopback.
const QUIET: Duration = Duration::from_millis(400);

/// An apps file in the temporary folder, removed when dropped.
struct AppsFile(PathBuf);

impl AppsFile {
    fn new(apps: &[Value]) -> Self {
        let file = Self(std::env::temp_dir().join(format!("confab-apps-{}.json", free_port())));
        file.write(&json!({ "apps": apps }).to_string());
        file
    }

    fn write(&self, text: &str) {
        std::fs::write(&self.0, text).expect("the apps file is written");
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for AppsFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn alpha() -> PusherApp {
    PusherApp::new("alpha", "alpha-key", "alpha-secret")
}

fn beta() -> PusherApp {
    PusherApp::new("beta", "beta-key", "beta-secret")
}

async fn subscribed(server: &TestServer, app: &PusherApp, channel: &str) -> PusherClient {
    let mut socket = PusherClient::connect_to(server, app).await;
    let mut data = json!({ "channel": channel });
    if channel.starts_with("private-") {
        data["auth"] = json!(app.sign_channel(&socket.socket_id, channel));
    }
    socket
        .send(json!({"event": "pusher:subscribe", "data": data}))
        .await;
    socket
        .next_named("pusher_internal:subscription_succeeded")
        .await;
    socket
}

/// Waits for the server's log to say `what` (at most 5 s).
async fn logged(server: &TestServer, what: &str) {
    for _ in 0..50 {
        if server.logs().contains(what) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the log never said {what:?}:\n{}", server.logs());
}

#[tokio::test]
async fn apps_are_kept_apart_by_key_id_secret_and_limits() {
    let file = AppsFile::new(&[
        alpha().entry(json!({"max_connections": 2, "client_events": false})),
        beta().entry(json!({})),
    ]);
    let path = file.path().display().to_string();
    let server = TestServer::start_with(&Backend::Sqlite, &[("CONFAB_APPS_FILE", &path)]).await;
    let mut alphas = subscribed(&server, &alpha(), "news").await;
    let mut betas = subscribed(&server, &beta(), "news").await;
    let mut chats = subscribed(&server, &PusherApp::chat(), "news").await;

    // One channel name, three apps: a publish reaches its own app's subscribers only.
    let status = alpha()
        .publish(&server, "news", "headline", &json!({"n": 1}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(alphas.next_named("headline").await["n"], 1);
    assert!(betas.next_event_within(QUIET).await.is_none());
    assert!(chats.next_event_within(QUIET).await.is_none());

    // A key and secret of one app open nothing of another's.
    let posing = PusherApp::new("alpha", "beta-key", "beta-secret");
    let (status, body) = posing.call(&server, Method::GET, "/channels", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let mut stranger = PusherClient::connect_to(&server, &beta()).await;
    let channel = "private-ledger";
    let foreign = alpha().sign_channel(&stranger.socket_id, channel);
    stranger
        .send(json!({"event": "pusher:subscribe", "data": {"channel": channel, "auth": foreign}}))
        .await;
    assert_eq!(stranger.next_named("pusher:error").await["code"], 4009);

    // Unknown ids and keys.
    let nobody = PusherApp::new("gamma", "gamma-key", "gamma-secret");
    let (status, body) = nobody.call(&server, Method::GET, "/channels", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (error, code) = PusherClient::refused_with_key(&server, "gamma-key").await;
    assert_eq!((error["code"].as_u64(), code), (Some(4001), Some(4001)));

    // Each app's channels are its own to list.
    let (status, listed) = beta().call(&server, Method::GET, "/channels", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["channels"], json!({"news": {}}));

    // alpha's limits: no client events, two sockets (the chat app's sockets do not count).
    let mut whisperer = subscribed(&server, &alpha(), "private-room").await;
    whisperer
        .send(json!({"event": "client-typing", "channel": "private-room", "data": {}}))
        .await;
    let refused = whisperer.next_named("pusher:error").await;
    assert_eq!(refused["code"], 4009, "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("not enabled")),
        "{refused}"
    );
    let (error, code) = PusherClient::refused_with_key(&server, &alpha().key).await;
    assert_eq!((error["code"].as_u64(), code), (Some(4004), Some(4004)));
    PusherClient::connect(&server).await;
}

#[tokio::test]
async fn a_hangup_reloads_the_apps_and_only_removed_apps_lose_their_sockets() {
    let file = AppsFile::new(&[alpha().entry(json!({})), beta().entry(json!({}))]);
    let path = file.path().display().to_string();
    let server = TestServer::start_logging(
        &Backend::Sqlite,
        &[("CONFAB_APPS_FILE", &path), ("RUST_LOG", "info")],
    )
    .await;
    let mut alphas = subscribed(&server, &alpha(), "news").await;
    let mut betas = subscribed(&server, &beta(), "news").await;
    let mut chats = subscribed(&server, &PusherApp::chat(), "news").await;

    // alpha changes its secret, beta goes, gamma comes.
    let rotated = PusherApp::new("alpha", "alpha-key", "alpha-secret-2");
    let gamma = PusherApp::new("gamma", "gamma-key", "gamma-secret");
    file.write(&json!({"apps": [rotated.entry(json!({})), gamma.entry(json!({}))]}).to_string());
    server.signal("HUP").await;
    logged(&server, "SIGHUP: apps reloaded").await;

    let gone = betas.next_named("pusher:error").await;
    assert_eq!(gone["code"], 4001, "{gone}");
    assert_eq!(betas.close_code().await, Some(4001));
    let (status, _) = beta().call(&server, Method::GET, "/channels", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // alpha's socket stayed, and the new secret is the one that signs now.
    let (status, _) = alpha().call(&server, Method::GET, "/channels", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let status = rotated
        .publish(&server, "news", "headline", &json!({"n": 2}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(alphas.next_named("headline").await["n"], 2);
    let mut gammas = subscribed(&server, &gamma, "news").await;
    let status = gamma
        .publish(&server, "news", "headline", &json!({"n": 3}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(gammas.next_named("headline").await["n"], 3);

    // A file that no longer loads: logged, and the apps stay as they were.
    file.write("{\"apps\": [");
    server.signal("HUP").await;
    logged(&server, "SIGHUP: apps not reloaded").await;
    let status = gamma
        .publish(&server, "news", "headline", &json!({"n": 4}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(gammas.next_named("headline").await["n"], 4);

    // The chat app was never touched.
    let status = PusherApp::chat()
        .publish(&server, "news", "headline", &json!({"n": 5}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(chats.next_named("headline").await["n"], 5);
}

async fn an_apps_webhooks_are_its_own_and_signed_with_its_secret(backend: &Backend) {
    // The receiver checks signatures with alpha's secret: a batch signed otherwise is refused.
    let Some(receiver) = WebhookReceiver::start_for(alpha()).await else {
        return;
    };
    let file = AppsFile::new(&[
        alpha()
            .entry(json!({"webhooks": {"urls": [receiver.url()], "events": ["channel_occupied"]}})),
        // beta posts to the same URL: its batches are signed with its own secret, so the
        // receiver refuses them, and alpha's outbox rows stay apart from beta's.
        beta().entry(json!({"webhooks": {"urls": [receiver.url()]}})),
    ]);
    let path = file.path().display().to_string();
    let server = TestServer::start_with(backend, &[("CONFAB_APPS_FILE", &path)]).await;
    let _alphas = subscribed(&server, &alpha(), "alpha-news").await;
    let _betas = subscribed(&server, &beta(), "beta-news").await;
    let _chats = subscribed(&server, &PusherApp::chat(), "chat-news").await;
    let events = receiver
        .wait_for("alpha's channel_occupied", |events| {
            !named(events, "channel_occupied").is_empty()
        })
        .await;
    let occupied: Vec<&Value> = named(&events, "channel_occupied");
    assert_eq!(occupied.len(), 1, "{events:?}");
    assert_eq!(occupied[0]["channel"], "alpha-news");
    // beta's batch came, signed as beta: refused by a receiver that knows only alpha.
    for _ in 0..50 {
        if receiver.refused() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(receiver.refused() > 0, "beta's webhooks were not sent");
    assert!(
        receiver
            .events()
            .iter()
            .all(|event| event["channel"] != "beta-news"),
        "{:?}",
        receiver.events()
    );
}
