//! The envelope socket itself: the token, the README's ping and its ack, the listeners that serve
//! it beside the Pusher routes, errors that leave it open, the frame size limits, and the ways it
//! ends (terminate, shutdown, a missed WebSocket pong). Who an envelope reaches is
//! `envelope_routing.rs`'s; `message` envelopes are `envelope_messages.rs`'s.

use std::time::Duration;

use confab_realtime::RealtimeConfig;
use futures_util::{SinkExt, StreamExt};
use poem::listener::{Acceptor, Listener, TcpListener};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::envelope_client::Envelopes;
use crate::fakes::{spawn_envelopes, spawn_envelopes_with};
use crate::helpers::{Ending, eventually, http};

#[tokio::test]
async fn a_missing_or_invalid_token_closes_the_socket_with_1008() {
    let env = spawn_envelopes().await;
    for path in [
        "/",
        "/?token=",
        "/?token=forged",
        "/anything?token=token-99",
    ] {
        let mut client = Envelopes::open(&env.url(path), None).await;
        let (ending, reason) = client.expect_end().await;
        assert_eq!(ending, Ending::Closed(Some(1008)), "{path}");
        assert_eq!(reason, "invalid or missing token", "{path}");
    }
    let mut bad_bearer = Envelopes::open(&env.url("/"), Some("forged")).await;
    assert_eq!(bad_bearer.expect_end().await.0, Ending::Closed(Some(1008)));
    eventually(|| env.server.realtime.connection_count() == 0).await;
}

#[tokio::test]
async fn the_readme_ping_gets_an_ack_naming_its_id_from_the_server() {
    let env = spawn_envelopes().await;
    // The README's URL, `ws://host:port?token=…`, which browsers (and Node's `ws`) request as
    // `GET /?token=…`; tungstenite would send an empty path, so the `/` is written out here.
    let url = format!("ws://{}/?token=token-2", env.server.addr);
    let mut client = Envelopes::open(&url, None).await;
    let before = chrono::Utc::now().timestamp();
    client
        .send(
            json!({"id": "1", "type": "ping", "from": "user:1", "to": "channel:global",
                     "ts": 1690000000, "payload": {}}),
        )
        .await;
    let ack = client.next().await;
    assert_eq!(
        (&ack["id"], &ack["type"], &ack["from"], &ack["to"]),
        (
            &json!("1"),
            &json!("ack"),
            &json!("server"),
            &json!("user:2")
        )
    );
    assert_eq!(ack["payload"], json!({"ack": "1"}));
    assert!(
        ack["ts"].as_i64().unwrap() >= before,
        "ts is the server's now: {ack}"
    );

    // Without an id the server assigns one, and the ack names it.
    client.send(json!({"type": "ping"})).await;
    let ack = client.next().await;
    assert_eq!(ack["type"], "ack");
    assert_eq!(ack["payload"]["ack"], ack["id"]);
    assert_eq!(ack["id"].as_str().unwrap().len(), 36, "a UUID: {ack}");
}

#[tokio::test]
async fn a_bearer_header_and_any_unclaimed_path_work_too() {
    let env = spawn_envelopes().await;
    let mut client = Envelopes::open(&env.url("/some/where"), Some("token-3")).await;
    let ack = client.ok(json!({"id": "b", "type": "ping"})).await;
    assert_eq!(ack["to"], "user:3");
    // A plain GET on an envelope path is told to upgrade.
    let response = http().get(env.server.http_url("/")).send().await.unwrap();
    assert_eq!(response.status(), 426);
}

#[tokio::test]
async fn the_api_listener_mounts_the_endpoint_at_ws() {
    let env = spawn_envelopes().await;
    let api = poem::Route::new()
        .at(
            "/ws",
            env.server.realtime.envelope_endpoint(env.app.clone()),
        )
        .at("/health", poem::get(poem::endpoint::make_sync(|_| "ok")));
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(api));

    let room = env.room(1, &[2]);
    let mut api_socket = Envelopes::open(&format!("ws://{addr}/ws?token=token-1"), None).await;
    api_socket.join(&format!("conversation:{room}")).await;
    let mut realtime_socket = env.envelopes(2).await;
    realtime_socket.join(&format!("conversation:{room}")).await;
    // Same hub: a ping through one listener reaches a socket of the other.
    api_socket
        .ok(json!({"id": "x", "type": "ping", "to": format!("conversation:{room}")}))
        .await;
    assert_eq!(realtime_socket.next().await["type"], "ping");
}

#[tokio::test]
async fn malformed_unknown_and_server_only_envelopes_get_errors_and_the_socket_lives_on() {
    let env = spawn_envelopes().await;
    let mut client = env.envelopes(1).await;
    for (frame, status) in [
        ("not json", 400),
        ("[1, 2]", 400),
        ("\"ping\"", 400),
        ("{}", 422),
        (r#"{"type": 7}"#, 422),
        (r#"{"type": "ping", "to": "room:1"}"#, 422),
        (r#"{"type": "ping", "payload": "text"}"#, 422),
        (r#"{"type": "ping", "ts": -1}"#, 422),
        (r#"{"type": "ping", "id": 7}"#, 422),
        (r#"{"type": "join"}"#, 422),
    ] {
        client.send_raw(WsMessage::text(frame)).await;
        let error = client.next().await;
        assert_eq!(error["type"], "error", "{frame}: {error}");
        assert_eq!(error["from"], "server");
        assert_eq!(error["payload"]["status"], status, "{frame}: {error}");
        assert!(
            error["payload"].get("ack").is_none(),
            "no id to name: {error}"
        );
        client.assert_alive().await;
    }
    for (envelope, reason) in [
        (json!({"id": "s", "type": "shout"}), "Unknown type"),
        (
            json!({"id": "a", "type": "ack", "payload": {"ack": "x"}}),
            "server sends ack",
        ),
        (json!({"id": "e", "type": "error"}), "server sends error"),
        (json!({"id": "f", "type": "ping", "from": "root"}), "from"),
    ] {
        let error = client.refused(envelope.clone(), 422).await;
        let text = error["payload"]["reason"].as_str().unwrap();
        assert!(text.contains(reason), "{envelope}: {text}");
        client.assert_alive().await;
    }
    client.send_raw(WsMessage::binary(vec![0xff, 0xfe])).await;
    assert_eq!(client.next().await["payload"]["status"], 400);
    client.assert_alive().await;
}

#[tokio::test]
async fn an_oversized_frame_gets_an_error_and_one_past_the_hard_cap_closes_with_1009() {
    let env = spawn_envelopes_with(RealtimeConfig {
        max_message_size: 1_000,
        ..RealtimeConfig::default()
    })
    .await;
    let mut client = env.envelopes(1).await;
    let big = json!({"id": "big", "type": "ping", "payload": {"pad": "x".repeat(1_500)}});
    client.send(big).await;
    let error = client.next().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["payload"]["status"], 413);
    assert!(
        error["payload"]["reason"]
            .as_str()
            .unwrap()
            .contains("1000 bytes"),
        "{error}"
    );
    client.assert_alive().await;

    // Past the hard cap (twice the limit, at least 64 KiB) the socket is closed.
    let huge = json!({"type": "ping", "payload": {"pad": "x".repeat(70 * 1024)}});
    let _ = client.ws.send(WsMessage::text(huge.to_string())).await;
    let (ending, reason) = client.expect_end().await;
    assert_eq!(ending, Ending::Closed(Some(1009)), "{reason}");
    eventually(|| env.server.realtime.connection_count() == 0).await;
}

#[tokio::test]
async fn terminate_connections_and_shutdown_close_envelope_sockets_too() {
    let env = spawn_envelopes().await;
    let mut bob = env.envelopes(2).await;
    let mut ann = env.envelopes(1).await;
    let url = env.server.signed(
        "POST",
        "/apps/confab/users/2/terminate_connections",
        &[],
        "{}",
    );
    let response = http()
        .post(url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(bob.expect_end().await.0, Ending::Closed(Some(4009)));
    ann.assert_alive().await;

    env.server.realtime.shutdown().await;
    let (ending, reason) = ann.expect_end().await;
    assert_eq!(ending, Ending::Closed(Some(4200)));
    assert_eq!(reason, "Server shutting down");
    // Still no half-open sockets: a new envelope socket is refused at once.
    let mut late = Envelopes::open(&env.url("/?token=token-1"), None).await;
    assert!(matches!(
        late.expect_end().await.0,
        Ending::Closed(Some(4200))
    ));
}

#[tokio::test]
async fn pusher_routes_are_unchanged_beside_the_envelope_fallback() {
    let env = spawn_envelopes().await;
    let mut pusher = env.server.connect().await;
    pusher.assert_alive().await;
    let response = http().get(env.server.http_url("/up")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    // A wrong app key is still the Pusher route's refusal, not an envelope socket.
    let mut wrong = crate::helpers::Client::open(&env.server.ws_url("nope"), None).await;
    assert_eq!(wrong.expect_error().await.0, 4001);
    assert_eq!(wrong.expect_end().await, Ending::Closed(Some(4001)));
}

fn quick_pings() -> RealtimeConfig {
    RealtimeConfig {
        ping_interval: Duration::from_millis(200),
        pong_timeout: Duration::from_millis(300),
        ..RealtimeConfig::default()
    }
}

#[tokio::test]
async fn an_idle_envelope_socket_gets_websocket_pings_and_must_answer_them() {
    let env = spawn_envelopes_with(quick_pings()).await;
    // A client that keeps reading answers the pings by itself (as browsers do) and stays open.
    let mut reader = env.envelopes(1).await;
    reader.expect_silence(Duration::from_millis(900)).await;
    reader.assert_alive().await;

    // One that stops reading after the ping never sends its pong, and is closed with 4201.
    let mut stalled = env.envelopes(2).await;
    let ping = tokio::time::timeout(crate::helpers::WAIT, async {
        loop {
            match stalled.ws.next().await {
                Some(Ok(WsMessage::Ping(_))) => return true,
                Some(Ok(_)) => continue,
                _ => return false,
            }
        }
    })
    .await
    .expect("a ping in time");
    assert!(ping, "a WebSocket ping, no text frame");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (ending, reason) = stalled.expect_end().await;
    assert_eq!(ending, Ending::Closed(Some(4201)));
    assert_eq!(reason, "Pong reply not received in time");
}
