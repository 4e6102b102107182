//! A server on 127.0.0.1:0 per test, a small Pusher client, and a signer for HTTP API requests.

use std::net::SocketAddr;
use std::time::Duration;

use confab_domain::ports::SocketId;
use confab_domain::{Channel, MessageView, UserId, UserSummary};
use confab_realtime::{Realtime, RealtimeConfig};
use futures_util::{SinkExt, StreamExt};
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use poem::listener::{Acceptor, Listener, TcpListener};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Stands in for the HTTP adapter's message object (`bin` wires the real one; its shape is
/// tested there and end to end): these tests check that events carry what the renderer gives.
pub fn render_message(view: &MessageView) -> Value {
    let message = &view.message;
    json!({
        "id": message.id.get(),
        "conversation_id": message.conversation_id.get(),
        "user_id": message.sender.get(),
        "body": message.body,
        "created_at": message.created_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        "rendered_by": "test",
    })
}

/// A realtime server whose events carry [`render_message`]'s message object and the HTTP
/// adapter's other objects, as `bin` hands them over.
pub fn realtime(config: RealtimeConfig) -> Realtime {
    use confab_http::dto;
    let json = confab_realtime::ApiJson {
        message: render_message,
        conversation: dto::conversation_event_json,
        user: dto::user_event_json,
        reactions: dto::reactions_event_json,
        thread: dto::thread_event_json,
        participant: dto::participant_event_json,
        report: dto::report_event_json,
        timestamp: dto::rfc3339_micros,
    };
    Realtime::new(config, std::sync::Arc::new(json))
}

/// The longest any single wait in a test may take.
pub const WAIT: Duration = Duration::from_secs(5);

pub struct TestServer {
    pub addr: SocketAddr,
    pub realtime: Realtime,
    pub config: RealtimeConfig,
}

pub async fn spawn() -> TestServer {
    spawn_with(RealtimeConfig::default()).await
}

pub async fn spawn_with(config: RealtimeConfig) -> TestServer {
    let realtime = realtime(config.clone());
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("bind a free port");
    let addr = *acceptor.local_addr()[0]
        .as_socket_addr()
        .expect("a TCP address");
    let routes = realtime.routes();
    // The task ends with the test's runtime.
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(routes));
    TestServer {
        addr,
        realtime,
        config,
    }
}

impl TestServer {
    pub fn ws_url(&self, key: &str) -> String {
        format!(
            "ws://{}/app/{key}?protocol=7&client=js&version=8.4.0&flash=false",
            self.addr
        )
    }

    pub fn http_url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.addr)
    }

    /// A client connected with our key, past `connection_established`.
    pub async fn connect(&self) -> Client {
        let mut client = Client::open(&self.ws_url(&self.config.key), None).await;
        let established = client.next_event().await;
        assert_eq!(established["event"], "pusher:connection_established");
        client.socket_id = data(&established)["socket_id"]
            .as_str()
            .expect("socket id")
            .to_owned();
        client
    }

    /// Signs `channel` for `client` as `user`, as `POST /api/broadcasting/auth` would.
    pub fn grant(
        &self,
        client: &Client,
        channel: Channel,
        user: &UserSummary,
    ) -> (String, Option<String>) {
        let grant = self
            .realtime
            .channel_signer()
            .sign(&SocketId(client.socket_id.clone()), channel, user, None)
            .expect("a valid socket id");
        (grant.auth, grant.channel_data)
    }

    /// Subscribes `client` to an app channel as `user` and waits for the confirmation.
    pub async fn join(&self, client: &mut Client, channel: Channel, user: &UserSummary) -> Value {
        let (auth, channel_data) = self.grant(client, channel, user);
        client
            .subscribe(&channel.name(), Some(&auth), channel_data.as_deref())
            .await;
        let reply = client.next_event().await;
        assert_eq!(
            reply["event"], "pusher_internal:subscription_succeeded",
            "{reply}"
        );
        assert_eq!(reply["channel"], channel.name());
        reply
    }

    /// A signed Pusher HTTP API URL.
    pub fn signed(&self, method: &str, path: &str, extra: &[(&str, &str)], body: &str) -> String {
        signed_url(
            self,
            method,
            path,
            extra,
            body,
            &self.config.secret,
            chrono::Utc::now().timestamp(),
        )
    }
}

/// Builds a signed URL the way the Pusher server SDKs do.
pub fn signed_url(
    server: &TestServer,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: &str,
    secret: &str,
    timestamp: i64,
) -> String {
    let mut params: Vec<(String, String)> = vec![
        ("auth_key".into(), server.config.key.clone()),
        ("auth_timestamp".into(), timestamp.to_string()),
        ("auth_version".into(), "1.0".into()),
    ];
    params.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    if !body.is_empty() {
        params.push(("body_md5".into(), hex::encode(Md5::digest(body.as_bytes()))));
    }
    params.sort();
    let query = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{method}\n{path}\n{query}").as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    server.http_url(&format!("{path}?{query}&auth_signature={signature}"))
}

pub fn user(id: i64, name: &str) -> UserSummary {
    UserSummary {
        id: UserId(id),
        name: name.into(),
        avatar: None,
    }
}

/// The `data` of a server frame, decoded from its JSON string.
pub fn data(frame: &Value) -> Value {
    match &frame["data"] {
        Value::String(text) => serde_json::from_str(text).expect("data is a JSON string"),
        other => other.clone(),
    }
}

pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub socket_id: String,
}

/// How a socket ended, as the client saw it.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    Closed(Option<u16>),
    Dropped,
}

impl Client {
    pub async fn open(url: &str, origin: Option<&str>) -> Self {
        let mut request = url.into_client_request().unwrap();
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("Origin", HeaderValue::from_str(origin).unwrap());
        }
        let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request))
            .await
            .expect("connect in time")
            .expect("WebSocket handshake");
        Self {
            ws,
            socket_id: String::new(),
        }
    }

    pub async fn send(&mut self, frame: Value) {
        self.send_text(frame.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        tokio::time::timeout(WAIT, self.ws.send(Message::text(text)))
            .await
            .expect("send in time")
            .expect("send");
    }

    pub async fn subscribe(
        &mut self,
        channel: &str,
        auth: Option<&str>,
        channel_data: Option<&str>,
    ) {
        let mut data = json!({"channel": channel});
        if let Some(auth) = auth {
            data["auth"] = json!(auth);
        }
        if let Some(channel_data) = channel_data {
            data["channel_data"] = json!(channel_data);
        }
        self.send(json!({"event": "pusher:subscribe", "data": data}))
            .await;
    }

    /// The next text frame, parsed; control frames are skipped.
    pub async fn next_event(&mut self) -> Value {
        match tokio::time::timeout(WAIT, self.next_text()).await {
            Ok(Some(text)) => serde_json::from_str(&text).expect("frames are JSON"),
            Ok(None) => panic!("the socket closed while an event was expected"),
            Err(_) => panic!("no event within {WAIT:?}"),
        }
    }

    async fn next_text(&mut self) -> Option<String> {
        loop {
            match self.ws.next().await? {
                Ok(Message::Text(text)) => return Some(text.to_string()),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// Asserts that no text frame arrives for `quiet`.
    pub async fn expect_silence(&mut self, quiet: Duration) {
        if let Ok(Some(text)) = tokio::time::timeout(quiet, self.next_text()).await {
            panic!("expected silence, got {text}");
        }
    }

    /// The next `pusher:error`'s code; fails on any other frame.
    pub async fn expect_error(&mut self) -> (u64, String) {
        let frame = self.next_event().await;
        assert_eq!(frame["event"], "pusher:error", "{frame}");
        let data = data(&frame);
        (
            data["code"].as_u64().expect("a numeric code"),
            data["message"].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// Reads until the socket ends and reports how.
    pub async fn expect_end(&mut self) -> Ending {
        let ending = async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Close(frame))) => {
                        return Ending::Closed(frame.map(|f| u16::from(f.code)));
                    }
                    Some(Ok(Message::Text(text))) => {
                        panic!("expected the socket to end, got {text}")
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return Ending::Dropped,
                }
            }
        };
        tokio::time::timeout(WAIT, ending)
            .await
            .expect("the socket ends in time")
    }

    /// Proves the socket is still open and served: a ping gets its pong.
    pub async fn assert_alive(&mut self) {
        self.send(json!({"event": "pusher:ping", "data": {}})).await;
        let pong = self.next_event().await;
        assert_eq!(pong["event"], "pusher:pong", "{pong}");
    }
}

/// Waits until `condition` holds, polling; panics after [`WAIT`].
pub async fn eventually(mut condition: impl FnMut() -> bool) {
    tokio::time::timeout(WAIT, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("condition met in time");
}

/// An HTTP client whose every request gives up after [`WAIT`].
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(WAIT)
        .build()
        .expect("an HTTP client")
}

/// `key:hex(HMAC-SHA256(secret, text))`, for signatures our signer would never make.
pub fn raw_auth(server: &TestServer, text: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(server.config.secret.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    format!(
        "{}:{}",
        server.config.key,
        hex::encode(mac.finalize().into_bytes())
    )
}
