//! Reconnecting after time offline, through the real binary on both databases: a client misses 50
//! messages and gets exactly those 50, in order, then live ones — a Pusher client through the
//! REST `after` call, an envelope client through `join` with `payload.since`.

use std::time::Duration;

use confab_tests::pusher::PusherClient;
use confab_tests::{Backend, TestServer, on_both_backends};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

on_both_backends!(
    a_pusher_client_catches_up_with_after_and_then_gets_live_messages,
    an_envelope_client_catches_up_with_since_and_then_gets_live_messages,
);

const WAIT: Duration = Duration::from_secs(10);

fn ids(messages: &[Value]) -> Vec<i64> {
    messages.iter().map(|m| m["id"].as_i64().unwrap()).collect()
}

async fn a_pusher_client_catches_up_with_after_and_then_gets_live_messages(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Team Chat", &[bob]).await;
    let channel = format!("private-conversation.{room}");

    let mut socket = PusherClient::connect(&server).await;
    assert_eq!(socket.subscribe(&server, &bob_token, &channel).await, 200);
    let first = server.send(&ann, room, "before the tunnel").await;
    let seen = socket.next_event().await.expect("the first message live");
    assert_eq!(seen.data["message"], first);
    socket.close().await;

    let mut missed = Vec::new();
    for n in 0..50 {
        missed.push(server.send(&ann, room, &format!("missed {n}")).await);
    }

    // Back online: subscribe first (so nothing new slips by), then ask for what came after the
    // last message seen, page by page, and drop live duplicates by id.
    let mut socket = PusherClient::connect(&server).await;
    assert_eq!(socket.subscribe(&server, &bob_token, &channel).await, 200);
    let mut caught_up: Vec<Value> = Vec::new();
    let mut after = first["id"].as_i64().unwrap();
    loop {
        let (_, page) = server
            .get(
                &format!("/api/v1/conversations/{room}/messages?after={after}&limit=30"),
                &bob_token,
            )
            .await;
        caught_up.extend(page["data"].as_array().unwrap().iter().cloned());
        after = caught_up
            .last()
            .map_or(after, |m| m["id"].as_i64().unwrap());
        if page["meta"]["has_more"] == false {
            break;
        }
    }
    assert_eq!(
        caught_up, missed,
        "exactly the 50 missed, oldest first, as sent"
    );

    let live = server.send(&ann, room, "live again").await;
    let event = socket.next_event().await.expect("the live message");
    assert_eq!(event.data["message"], live);
}

struct EnvelopeSocket(WebSocketStream<MaybeTlsStream<TcpStream>>);

impl EnvelopeSocket {
    async fn open(server: &TestServer, token: &str) -> Self {
        let url = server
            .url(&format!("/ws?token={token}"))
            .replacen("http://", "ws://", 1);
        let (socket, _) = tokio::time::timeout(WAIT, connect_async(url))
            .await
            .expect("connect in time")
            .expect("handshake");
        Self(socket)
    }

    async fn send(&mut self, envelope: Value) {
        self.0
            .send(Message::text(envelope.to_string()))
            .await
            .unwrap();
    }

    async fn next(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(WAIT, self.0.next())
                .await
                .expect("an envelope in time")
                .expect("the socket open")
                .expect("a frame");
            if let Message::Text(text) = frame {
                return serde_json::from_str(&text).unwrap();
            }
        }
    }
}

async fn an_envelope_client_catches_up_with_since_and_then_gets_live_messages(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Team Chat", &[bob]).await;
    let to = format!("conversation:{room}");

    let mut socket = EnvelopeSocket::open(&server, &bob_token).await;
    socket
        .send(json!({"id": "j1", "type": "join", "to": to}))
        .await;
    assert_eq!(socket.next().await["type"], "ack");
    let first = server.send(&ann, room, "before the tunnel").await;
    assert_eq!(socket.next().await["payload"]["message"], first);
    drop(socket);

    let mut missed = Vec::new();
    for n in 0..50 {
        missed.push(server.send(&ann, room, &format!("missed {n}")).await);
    }

    let mut socket = EnvelopeSocket::open(&server, &bob_token).await;
    socket
        .send(json!({"id": "j2", "type": "join", "to": to, "payload": {"since": first["id"]}}))
        .await;
    let mut caught_up = Vec::new();
    let ack = loop {
        let envelope = socket.next().await;
        match envelope["type"].as_str() {
            Some("message") => caught_up.push(envelope["payload"]["message"].clone()),
            Some("ack") => break envelope,
            _ => panic!("unexpected {envelope}"),
        }
    };
    assert_eq!(ids(&caught_up), ids(&missed));
    assert_eq!(
        caught_up, missed,
        "exactly the 50 missed, oldest first, as sent"
    );
    assert_eq!(
        ack["payload"],
        json!({"ack": "j2", "missed": 50, "has_more": false})
    );

    let live = server.send(&ann, room, "live again").await;
    let envelope = socket.next().await;
    assert_eq!(envelope["type"], "message");
    assert_eq!(envelope["payload"]["message"], live);
}
