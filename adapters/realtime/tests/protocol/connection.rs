//! The handshake, liveness and the errors that refuse or end a connection.

use std::time::Duration;

use confab_realtime::RealtimeConfig;
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Client, Ending, WAIT, data, eventually, http, spawn, spawn_with};

#[tokio::test]
async fn connection_established_carries_a_socket_id_and_the_activity_timeout() {
    let server = spawn().await;
    let mut client = Client::open(&server.ws_url("confab-key"), None).await;
    let established = client.next_event().await;
    assert_eq!(established["event"], "pusher:connection_established");
    assert!(established["data"].is_string(), "data is a JSON string");
    let data = data(&established);
    assert_eq!(data["activity_timeout"], 30);
    let socket_id = data["socket_id"].as_str().unwrap();
    let (left, right) = socket_id.split_once('.').unwrap();
    assert!(
        left.parse::<u64>().is_ok() && right.parse::<u64>().is_ok(),
        "{socket_id}"
    );
    eventually(|| server.realtime.connection_count() == 1).await;
}

#[tokio::test]
async fn an_unknown_app_key_is_refused_with_4001_and_closed() {
    let server = spawn().await;
    let mut client = Client::open(&server.ws_url("nope"), None).await;
    let (code, message) = client.expect_error().await;
    assert_eq!(
        (code, message.as_str()),
        (4001, "Application does not exist")
    );
    assert_eq!(client.expect_end().await, Ending::Closed(Some(4001)));
}

#[tokio::test]
async fn a_browser_from_a_foreign_origin_is_refused_with_4009_and_closed() {
    let server = spawn_with(RealtimeConfig {
        allowed_origins: vec!["*.example.com".into()],
        ..RealtimeConfig::default()
    })
    .await;
    let url = server.ws_url("confab-key");
    let mut foreign = Client::open(&url, Some("https://evil.test")).await;
    assert_eq!(foreign.expect_error().await.0, 4009);
    assert_eq!(foreign.expect_end().await, Ending::Closed(Some(4009)));

    let mut allowed = Client::open(&url, Some("https://chat.example.com")).await;
    assert_eq!(
        allowed.next_event().await["event"],
        "pusher:connection_established"
    );
}

#[tokio::test]
async fn connections_over_the_quota_are_refused_with_4004() {
    let server = spawn_with(RealtimeConfig {
        max_connections: Some(1),
        ..RealtimeConfig::default()
    })
    .await;
    let mut first = server.connect().await;
    let mut second = Client::open(&server.ws_url("confab-key"), None).await;
    assert_eq!(second.expect_error().await.0, 4004);
    assert_eq!(second.expect_end().await, Ending::Closed(Some(4004)));
    first.assert_alive().await;
}

#[tokio::test]
async fn pusher_ping_is_answered_with_pusher_pong() {
    let server = spawn().await;
    let mut client = server.connect().await;
    client.assert_alive().await;
}

#[tokio::test]
async fn bad_json_gets_4200_and_the_socket_stays_open() {
    let server = spawn().await;
    let mut client = server.connect().await;
    client.send_text("{not json".into()).await;
    assert_eq!(client.expect_error().await.0, 4200);
    client.send(json!({"data": {}})).await;
    assert_eq!(client.expect_error().await.0, 4200);
    client.assert_alive().await;
}

#[tokio::test]
async fn unknown_events_get_4200_and_the_socket_stays_open() {
    let server = spawn().await;
    let mut client = server.connect().await;
    client
        .send(json!({"event": "pusher:dance", "data": {}}))
        .await;
    assert_eq!(client.expect_error().await.0, 4200);
    client
        .send(json!({"event": "made-up", "channel": "x", "data": {}}))
        .await;
    assert_eq!(client.expect_error().await.0, 4200);
    client.assert_alive().await;
}

#[tokio::test]
async fn a_frame_over_the_size_limit_closes_the_socket_with_1009() {
    let server = spawn_with(RealtimeConfig {
        max_message_size: 200,
        ..RealtimeConfig::default()
    })
    .await;
    let mut client = server.connect().await;
    let padding = "x".repeat(150);
    client
        .send(json!({"event": "pusher:ping", "data": {"pad": padding}}))
        .await;
    assert_eq!(client.next_event().await["event"], "pusher:pong");
    let too_big = "x".repeat(201);
    client
        .send(json!({"event": "pusher:ping", "data": {"pad": too_big}}))
        .await;
    assert_eq!(client.expect_end().await, Ending::Closed(Some(1009)));
    eventually(|| server.realtime.connection_count() == 0).await;
}

#[tokio::test]
async fn a_frame_past_the_hard_cap_closes_the_socket_with_1009_too() {
    let server = spawn_with(RealtimeConfig {
        max_message_size: 200,
        ..RealtimeConfig::default()
    })
    .await;
    let mut client = server.connect().await;
    // Past the hard cap (twice the limit, at least 64 KiB) tungstenite refuses the frame before
    // the server reads it; the socket is still closed with a code, not just dropped.
    let huge = "x".repeat(70 * 1024);
    let _ = client
        .ws
        .send(Message::text(
            json!({"event": "pusher:ping", "data": {"pad": huge}}).to_string(),
        ))
        .await;
    assert_eq!(client.expect_end().await, Ending::Closed(Some(1009)));
    eventually(|| server.realtime.connection_count() == 0).await;
}

fn quick_pings() -> RealtimeConfig {
    RealtimeConfig {
        ping_interval: Duration::from_millis(200),
        pong_timeout: Duration::from_millis(200),
        ..RealtimeConfig::default()
    }
}

#[tokio::test]
async fn an_idle_socket_is_pinged_and_closed_with_4201_when_it_does_not_answer() {
    let server = spawn_with(quick_pings()).await;
    let mut client = server.connect().await;
    assert_eq!(client.next_event().await["event"], "pusher:ping");
    let (code, message) = client.expect_error().await;
    assert_eq!(
        (code, message.as_str()),
        (4201, "Pong reply not received in time")
    );
    assert_eq!(client.expect_end().await, Ending::Closed(Some(4201)));
    eventually(|| server.realtime.connection_count() == 0).await;
}

#[tokio::test]
async fn a_socket_that_answers_pings_stays_connected() {
    let server = spawn_with(RealtimeConfig {
        // Generous, so a loaded machine cannot turn a prompt answer into a late one.
        pong_timeout: Duration::from_secs(2),
        ..quick_pings()
    })
    .await;
    let mut client = server.connect().await;
    for _ in 0..4 {
        assert_eq!(client.next_event().await["event"], "pusher:ping");
        client
            .send(json!({"event": "pusher:pong", "data": {}}))
            .await;
    }
    client.assert_alive().await;
    assert_eq!(server.realtime.connection_count(), 1);
}

#[tokio::test]
async fn websocket_control_frames_count_as_activity() {
    let server = spawn_with(RealtimeConfig {
        ping_interval: Duration::from_millis(500),
        pong_timeout: Duration::from_millis(500),
        ..RealtimeConfig::default()
    })
    .await;
    let mut client = server.connect().await;
    for _ in 0..8 {
        client
            .ws
            .send(Message::Ping(Vec::new().into()))
            .await
            .unwrap();
        // Reading also lets tungstenite answer and flush; no text frame (pusher:ping) may come.
        client.expect_silence(Duration::from_millis(100)).await;
    }
    client.assert_alive().await;
}

#[tokio::test]
async fn shutdown_tells_every_socket_4200_and_closes_it() {
    let server = spawn().await;
    let mut one = server.connect().await;
    let mut two = server.connect().await;
    tokio::time::timeout(WAIT, server.realtime.shutdown())
        .await
        .expect("shutdown in time");
    for client in [&mut one, &mut two] {
        let (code, message) = client.expect_error().await;
        assert_eq!((code, message.as_str()), (4200, "Server shutting down"));
        assert_eq!(client.expect_end().await, Ending::Closed(Some(4200)));
    }
    assert_eq!(server.realtime.connection_count(), 0);
    let mut late = Client::open(&server.ws_url("confab-key"), None).await;
    assert_eq!(late.expect_error().await.0, 4200);
}

#[tokio::test]
async fn the_health_check_answers_ok() {
    let server = spawn().await;
    let response = http().get(server.http_url("/up")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, json!({"health": "OK"}));
}

#[tokio::test]
async fn a_path_prefix_moves_the_websocket_and_the_api() {
    let server = spawn_with(RealtimeConfig {
        path_prefix: "/realtime/".into(),
        ..RealtimeConfig::default()
    })
    .await;
    let url = format!("ws://{}/realtime/app/confab-key", server.addr);
    let mut client = Client::open(&url, None).await;
    assert_eq!(
        client.next_event().await["event"],
        "pusher:connection_established"
    );
    let url = server.signed("GET", "/realtime/apps/confab/connections", &[], "");
    let body: serde_json::Value = http().get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(body, json!({"connections": 1}));
}
