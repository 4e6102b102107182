//! A real webhook receiver for the tests: `tests/js/webhook_receiver.mjs` (Node's http server and
//! the `pusher` SDK's signature check), run as a child process on a port of its own, which a test
//! stops and starts again to play a receiver that goes down and comes back.

use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;

use crate::js::{have, js_dir, npm_packages_ready};
use crate::{PusherApp, free_port};

/// How long a test waits for webhooks to arrive (retries back off up to several seconds).
pub const WEBHOOK_WAIT: Duration = Duration::from_secs(60);

/// What the receiver heard: the batches it took, and how many requests it refused.
#[derive(Default)]
struct Heard {
    batches: Vec<Value>,
    refused: usize,
}

pub struct WebhookReceiver {
    port: u16,
    /// Whose signatures it accepts.
    app: PusherApp,
    child: Option<Child>,
    heard: Arc<Mutex<Heard>>,
}

impl WebhookReceiver {
    /// Starts a receiver; `None` (said once, on stderr) when Node.js or the npm packages are
    /// missing — except in CI (`CONFAB_CI`), where that fails the test.
    pub async fn start() -> Option<Self> {
        Self::start_for(PusherApp::chat()).await
    }

    /// [`start`](Self::start) checking signatures with `app`'s key and secret.
    pub async fn start_for(app: PusherApp) -> Option<Self> {
        if !have("node") || !npm_packages_ready() {
            crate::skip("webhook tests need Node.js and npm (run `npm ci` in tests/js)");
            return None;
        }
        let mut receiver = Self {
            port: free_port(),
            app,
            child: None,
            heard: Arc::default(),
        };
        receiver.resume().await;
        Some(receiver)
    }

    /// Where Confab is to send: `CONFAB_WEBHOOK_URLS`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// Goes down: nothing listens on the port until [`resume`](Self::resume).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// (Re)starts listening on the same port.
    pub async fn resume(&mut self) {
        let mut child = Command::new("node")
            .arg("webhook_receiver.mjs")
            .current_dir(js_dir())
            .env("PORT", self.port.to_string())
            .env("REVERB_APP_ID", &self.app.id)
            .env("REVERB_APP_KEY", &self.app.key)
            .env("REVERB_APP_SECRET", &self.app.secret)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts the webhook receiver");
        let stdout = child.stdout.take().expect("piped stdout");
        let heard = self.heard.clone();
        let (ready, listening) = oneshot::channel();
        tokio::spawn(async move {
            let mut ready = Some(ready);
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let said: Value = serde_json::from_str(&line).expect("the receiver prints JSON");
                let mut heard = heard.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(batch) = said.get("batch") {
                    heard.batches.push(batch.clone());
                } else if said.get("refused").is_some() {
                    heard.refused += 1;
                } else if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(20), listening)
            .await
            .expect("the receiver listens within 20 s")
            .expect("the receiver says it listens");
        self.child = Some(child);
    }

    fn heard<T>(&self, read: impl FnOnce(&Heard) -> T) -> T {
        read(&self.heard.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Every batch taken so far (`{time_ms, events}`), in arrival order.
    pub fn batches(&self) -> Vec<Value> {
        self.heard(|heard| heard.batches.clone())
    }

    /// Every event taken so far, in arrival order.
    pub fn events(&self) -> Vec<Value> {
        self.heard(|heard| {
            heard
                .batches
                .iter()
                .flat_map(|batch| batch["events"].as_array().cloned().unwrap_or_default())
                .collect()
        })
    }

    /// Requests refused for a wrong key or signature.
    pub fn refused(&self) -> usize {
        self.heard(|heard| heard.refused)
    }

    /// Waits until `enough` holds for the events taken (at most [`WEBHOOK_WAIT`]) and returns
    /// them; fails the test with `what` and what did arrive otherwise.
    pub async fn wait_for(&self, what: &str, enough: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + WEBHOOK_WAIT;
        loop {
            let events = self.events();
            if enough(&events) {
                return events;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited {WEBHOOK_WAIT:?} for {what}; got {events:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The events named `name`.
pub fn named<'a>(events: &'a [Value], name: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|event| event["name"] == name)
        .collect()
}
