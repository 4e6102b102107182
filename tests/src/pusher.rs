//! A minimal Pusher-protocol client for tests: connect, subscribe through the real auth endpoint,
//! read events with a timeout.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::{PusherApp, TestServer};

pub const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// One event as the server sent it; `data` decoded from its JSON string.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event: String,
    pub channel: Option<String>,
    pub data: Value,
}

pub struct PusherClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub socket_id: String,
}

impl PusherClient {
    /// Connects and waits for `pusher:connection_established`.
    pub async fn connect(server: &TestServer) -> Self {
        Self::established(Self::open(server.websocket_url()).await).await
    }

    /// [`connect`](Self::connect) as a socket of `app` (its key in the URL).
    pub async fn connect_to(server: &TestServer, app: &PusherApp) -> Self {
        Self::established(Self::open(app.websocket_url(server)).await).await
    }

    /// Opens a socket with `key` and returns the `pusher:error` it is told (a key that names no
    /// app: 4001) and the close code that follows.
    pub async fn refused_with_key(server: &TestServer, key: &str) -> (Value, Option<u16>) {
        let app = PusherApp::new("-", key, "-");
        let mut client = Self {
            socket: Self::open(app.websocket_url(server)).await,
            socket_id: String::new(),
        };
        let error = client.next_named("pusher:error").await;
        (error, client.close_code().await)
    }

    async fn open(url: String) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
        let (socket, _) = tokio::time::timeout(EVENT_TIMEOUT, connect_async(url))
            .await
            .expect("connect in time")
            .expect("websocket handshake");
        socket
    }

    /// [`connect`](Self::connect) through a socket whose receive buffer is `bytes` (the kernel
    /// may round it): a client on a real network holds far less in flight than loopback does.
    pub async fn connect_receiving_at_most(server: &TestServer, bytes: u32) -> Self {
        let tcp = tokio::net::TcpSocket::new_v4().expect("a socket");
        tcp.set_recv_buffer_size(bytes).expect("SO_RCVBUF");
        let address = format!("127.0.0.1:{}", server.realtime_port)
            .parse()
            .expect("an address");
        let stream = tokio::time::timeout(EVENT_TIMEOUT, tcp.connect(address))
            .await
            .expect("connect in time")
            .expect("connected");
        let (socket, _) =
            tokio_tungstenite::client_async(server.websocket_url(), MaybeTlsStream::Plain(stream))
                .await
                .expect("websocket handshake");
        Self::established(socket).await
    }

    async fn established(socket: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Self {
        let mut client = Self {
            socket,
            socket_id: String::new(),
        };
        let established = client.next_event().await.expect("connection_established");
        assert_eq!(established.event, "pusher:connection_established");
        client.socket_id = established.data["socket_id"]
            .as_str()
            .expect("socket id")
            .to_owned();
        client
    }

    pub async fn send(&mut self, frame: Value) {
        self.socket
            .send(Message::text(frame.to_string()))
            .await
            .expect("frame sent");
    }

    /// Asks the API for a signature with `token`, then subscribes; returns the auth answer's
    /// status so tests can check refusals.
    pub async fn subscribe(&mut self, server: &TestServer, token: &str, channel: &str) -> u16 {
        self.subscribe_answer(server, token, channel).await.0
    }

    /// Like [`subscribe`](Self::subscribe), also returning the `subscription_succeeded` event
    /// (with its presence data) when the signature was granted.
    pub async fn subscribe_answer(
        &mut self,
        server: &TestServer,
        token: &str,
        channel: &str,
    ) -> (u16, Option<Event>) {
        let response = server
            .client
            .post(server.url("/api/broadcasting/auth"))
            .bearer_auth(token)
            .form(&[
                ("socket_id", self.socket_id.as_str()),
                ("channel_name", channel),
            ])
            .send()
            .await
            .expect("auth request");
        let status = response.status().as_u16();
        if status != 200 {
            return (status, None);
        }
        let grant: Value = response.json().await.expect("auth json");
        let mut data = json!({"channel": channel, "auth": grant["auth"]});
        if let Some(channel_data) = grant.get("channel_data") {
            data["channel_data"] = channel_data.clone();
        }
        self.send(json!({"event": "pusher:subscribe", "data": data}))
            .await;
        let answer = self.next_event().await.expect("subscription answer");
        assert_eq!(
            answer.event, "pusher_internal:subscription_succeeded",
            "subscribing to {channel}: {answer:?}"
        );
        (status, Some(answer))
    }

    /// Asks the server to take this socket off `channel`.
    pub async fn unsubscribe(&mut self, channel: &str) {
        self.send(json!({"event": "pusher:unsubscribe", "data": {"channel": channel}}))
            .await;
    }

    /// Closes the connection with a close frame (as a browser tab closing does).
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(EVENT_TIMEOUT, self.socket.close(None)).await;
    }

    /// The WebSocket close code the server ends the connection with (frames before it are
    /// passed over); `None` when it ends without one or not within [`EVENT_TIMEOUT`].
    pub async fn close_code(&mut self) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
                Ok(Some(Ok(_))) => {}
                _ => return None,
            }
        }
    }

    /// The next event, or `None` if none arrives within [`EVENT_TIMEOUT`].
    pub async fn next_event(&mut self) -> Option<Event> {
        self.next_event_within(EVENT_TIMEOUT).await
    }

    /// The data of the next event named `name`; the events before it are passed over (a user's
    /// channel carries room notices beside notifications, a room's channel several kinds).
    pub async fn next_named(&mut self, name: &str) -> Value {
        loop {
            let event = self
                .next_event()
                .await
                .unwrap_or_else(|| panic!("no {name}"));
            if event.event == name {
                return event.data;
            }
        }
    }

    /// The next event other than pings, or `None` within `wait`.
    pub async fn next_event_within(&mut self, wait: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()??;
            let Ok(Message::Text(text)) = frame else {
                continue;
            };
            let frame: Value = serde_json::from_str(&text).expect("frame is JSON");
            let event = frame["event"].as_str().unwrap_or_default().to_owned();
            if event == "pusher:ping" {
                self.send(json!({"event": "pusher:pong", "data": {}})).await;
                continue;
            }
            let data = match &frame["data"] {
                Value::String(encoded) => {
                    serde_json::from_str(encoded).unwrap_or(Value::String(encoded.clone()))
                }
                other => other.clone(),
            };
            return Some(Event {
                event,
                channel: frame["channel"].as_str().map(str::to_owned),
                data,
            });
        }
    }
}
