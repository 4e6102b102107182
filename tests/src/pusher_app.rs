//! A Pusher app as a server SDK knows it (id, key, secret): its sockets' URL and its HTTP API
//! requests, signed as the `pusher` SDKs sign them. [`PusherApp::chat`] is the test server's own
//! app (`REVERB_APP_*`); others are those a test writes into `CONFAB_APPS_FILE`.

use hmac::{Hmac, Mac};
use md5::Digest;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{APP_ID, APP_KEY, APP_SECRET, TestServer};

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PusherApp {
    pub id: String,
    pub key: String,
    pub secret: String,
}

impl PusherApp {
    pub fn new(id: &str, key: &str, secret: &str) -> Self {
        Self {
            id: id.to_owned(),
            key: key.to_owned(),
            secret: secret.to_owned(),
        }
    }

    /// The test server's chat app.
    pub fn chat() -> Self {
        Self::new(APP_ID, APP_KEY, APP_SECRET)
    }

    /// This app as an entry of `CONFAB_APPS_FILE`, with `extra` fields merged in.
    pub fn entry(&self, extra: Value) -> Value {
        let mut entry = json!({"app_id": self.id, "key": self.key, "secret": self.secret});
        if let (Some(entry), Value::Object(extra)) = (entry.as_object_mut(), extra) {
            entry.extend(extra);
        }
        entry
    }

    /// `ws://…/app/{key}?protocol=7…`, as pusher-js opens it.
    pub fn websocket_url(&self, server: &TestServer) -> String {
        format!(
            "ws://127.0.0.1:{}/app/{}?protocol=7&client=js&version=8.6.0&flash=false",
            server.realtime_port, self.key
        )
    }

    /// A request to `server`'s Pusher HTTP API under `/apps/{id}{path}` (`path` may carry a
    /// query), signed with this app's key and secret.
    pub async fn call(
        &self,
        server: &TestServer,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let (path, extra) = path.split_once('?').unwrap_or((path, ""));
        let path = format!("/apps/{}{path}", self.id);
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut params: Vec<(String, String)> = extra
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        params.extend([
            ("auth_key".to_owned(), self.key.clone()),
            (
                "auth_timestamp".to_owned(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("clock")
                    .as_secs()
                    .to_string(),
            ),
            ("auth_version".to_owned(), "1.0".to_owned()),
        ]);
        if !body.is_empty() {
            params.push((
                "body_md5".to_owned(),
                hex::encode(md5::Md5::digest(body.as_bytes())),
            ));
        }
        params.sort();
        let query = params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let mut mac = HmacSha256::new_from_slice(self.secret.as_bytes()).expect("hmac key");
        mac.update(format!("{}\n{path}\n{query}", method.as_str()).as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        let url = format!(
            "http://127.0.0.1:{}{path}?{query}&auth_signature={signature}",
            server.realtime_port
        );
        let mut request = server.client.request(method, url);
        if !body.is_empty() {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        let response = request.send().await.expect("Pusher API request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `POST /events` of one event on `channel`; the status.
    pub async fn publish(
        &self,
        server: &TestServer,
        channel: &str,
        name: &str,
        data: &Value,
    ) -> StatusCode {
        let body = json!({"name": name, "channel": channel, "data": data.to_string()});
        self.call(server, Method::POST, "/events", Some(&body))
            .await
            .0
    }

    /// The HMAC a private channel's subscription carries (`key:signature`), as an auth endpoint
    /// of this app would sign it.
    pub fn sign_channel(&self, socket_id: &str, channel: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(self.secret.as_bytes()).expect("hmac key");
        mac.update(format!("{socket_id}:{channel}").as_bytes());
        format!("{}:{}", self.key, hex::encode(mac.finalize().into_bytes()))
    }
}
