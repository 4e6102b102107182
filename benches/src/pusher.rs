//! The Pusher protocol as a load generator needs it: open a socket and read the socket id,
//! subscribe (public, or private with a signature computed from the app secret), and publish
//! through the signed HTTP API.

use std::borrow::Cow;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Every wait on the wire ends by itself.
pub const WIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a Pusher-compatible server listens and the app it serves.
#[derive(Clone, Debug, clap::Args)]
pub struct Target {
    /// Server host (loopback only in the script).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port of the WebSocket listener (and of the Pusher HTTP API, as Reverb and Sockudo serve it).
    #[arg(long)]
    pub ws_port: u16,
    /// Port of the Pusher HTTP API when it differs from the WebSocket port.
    #[arg(long)]
    pub http_port: Option<u16>,
    #[arg(long)]
    pub app_id: String,
    #[arg(long)]
    pub key: String,
    #[arg(long)]
    pub secret: String,
    /// PID of the server process, to read its CPU time and RSS from /proc.
    #[arg(long)]
    pub pid: Option<u32>,
    /// Name of the server in the results (confab, sockudo, …).
    #[arg(long, default_value = "confab")]
    pub server: String,
}

impl Target {
    pub fn ws_url(&self) -> String {
        format!(
            "ws://{}:{}/app/{}?protocol=7&client=js&version=8.6.0&flash=false",
            self.host, self.ws_port, self.key
        )
    }

    /// `key:hex(HMAC-SHA256(secret, socket_id:channel))`.
    pub fn channel_auth(&self, socket_id: &str, channel: &str) -> String {
        format!(
            "{}:{}",
            self.key,
            hmac_hex(&self.secret, &format!("{socket_id}:{channel}"))
        )
    }

    /// A signed `POST /apps/{id}/events` carrying `body` (JSON text).
    pub fn signed_publish(
        &self,
        client: &reqwest::Client,
        body: String,
    ) -> reqwest::RequestBuilder {
        let path = format!("/apps/{}/events", self.app_id);
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let body_md5 = hex::encode(Md5::digest(body.as_bytes()));
        // Sorted by key: auth_key < auth_timestamp < auth_version < body_md5.
        let query = format!(
            "auth_key={}&auth_timestamp={timestamp}&auth_version=1.0&body_md5={body_md5}",
            self.key
        );
        let signature = hmac_hex(&self.secret, &format!("POST\n{path}\n{query}"));
        let port = self.http_port.unwrap_or(self.ws_port);
        client
            .post(format!(
                "http://{}:{port}{path}?{query}&auth_signature={signature}",
                self.host
            ))
            .header("content-type", "application/json")
            .body(body)
    }

    /// Opens a socket and waits for `pusher:connection_established`; returns it with the socket id.
    pub async fn connect(&self) -> Result<(Ws, String), String> {
        let config = WebSocketConfig::default()
            .read_buffer_size(8 * 1024)
            .write_buffer_size(0);
        let (mut ws, _) = tokio::time::timeout(
            WIRE_TIMEOUT,
            tokio_tungstenite::connect_async_with_config(self.ws_url(), Some(config), true),
        )
        .await
        .map_err(|_| "connect timed out".to_owned())?
        .map_err(|e| format!("handshake: {e}"))?;
        let deadline = tokio::time::Instant::now() + WIRE_TIMEOUT;
        loop {
            let frame = tokio::time::timeout_at(deadline, ws.next())
                .await
                .map_err(|_| "no connection_established in time".to_owned())?
                .ok_or("closed before connection_established")?
                .map_err(|e| format!("read: {e}"))?;
            let Message::Text(text) = frame else { continue };
            let frame: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            match frame["event"].as_str() {
                Some("pusher:connection_established") => {
                    let data = decode_data(&frame["data"]);
                    let socket_id = data["socket_id"].as_str().ok_or("no socket_id")?.to_owned();
                    return Ok((ws, socket_id));
                }
                Some("pusher:error") => return Err(format!("pusher:error {}", frame["data"])),
                _ => {}
            }
        }
    }
}

/// Subscribes and waits for `pusher_internal:subscription_succeeded` on `channel`.
pub async fn subscribe(ws: &mut Ws, channel: &str, auth: Option<String>) -> Result<(), String> {
    let mut data = json!({ "channel": channel });
    if let Some(auth) = auth {
        data["auth"] = Value::String(auth);
    }
    ws.send(Message::text(
        json!({"event": "pusher:subscribe", "data": data}).to_string(),
    ))
    .await
    .map_err(|e| format!("send subscribe: {e}"))?;
    let deadline = tokio::time::Instant::now() + WIRE_TIMEOUT;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .map_err(|_| "no subscription answer in time".to_owned())?
            .ok_or("closed while subscribing")?
            .map_err(|e| format!("read: {e}"))?;
        let Message::Text(text) = frame else { continue };
        let frame: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        match frame["event"].as_str() {
            Some("pusher_internal:subscription_succeeded") => return Ok(()),
            Some("pusher:error") | Some("pusher:subscription_error") => {
                return Err(format!("subscription refused: {}", frame["data"]));
            }
            Some("pusher:ping") => pong(ws).await,
            _ => {}
        }
    }
}

/// Answers a server ping.
pub async fn pong(ws: &mut Ws) {
    let _ = ws
        .send(Message::text(r#"{"event":"pusher:pong","data":{}}"#))
        .await;
}

/// A frame's `data`: a JSON string holding JSON (decoded), or already an object.
pub fn decode_data(data: &Value) -> Value {
    match data {
        Value::String(text) => serde_json::from_str(text).unwrap_or(Value::String(text.clone())),
        other => other.clone(),
    }
}

/// The cheap parse for the hot path: event name and the `data` string, borrowed when possible.
#[derive(Deserialize)]
pub struct EventFrame<'a> {
    #[serde(borrow)]
    pub event: Cow<'a, str>,
    #[serde(borrow, default)]
    pub data: Option<Cow<'a, str>>,
}

fn hmac_hex(secret: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}
