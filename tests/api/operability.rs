//! What operators read: an `X-Request-Id` on every response (the client's own, or a new one),
//! and the same id on the server's log lines for that request, as JSON with
//! `CONFAB_LOG_FORMAT=json`; and what they do: a `SIGHUP` (a closed terminal, a reload by habit)
//! leaves the server serving.

use std::time::Duration;

use confab_tests::{Backend, TestServer, on_both_backends};
use serde_json::Value;

on_both_backends!(
    every_response_carries_a_request_id_and_the_json_log_line_names_it,
    a_hangup_leaves_the_server_serving_its_sockets,
);

async fn a_hangup_leaves_the_server_serving_its_sockets(backend: &Backend) {
    let mut server = TestServer::start_logging(backend, &[("RUST_LOG", "info")]).await;
    let (_, token) = server.register("Ann Lee").await;
    let mut socket = confab_tests::pusher::PusherClient::connect(&server).await;
    server.signal("HUP").await;
    // Taken by the server's own handler (which also holds where SIGHUP was inherited as ignored,
    // as under `nohup`), not by chance.
    let mut taken = false;
    for _ in 0..50 {
        taken = server.logs().contains("SIGHUP received");
        if taken {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(taken, "the server says it took the SIGHUP");
    assert!(server.is_running(), "SIGHUP ended the server");
    let (status, me) = server.get("/api/v1/user/me", &token).await;
    assert_eq!(status, 200, "{me}");
    // The socket opened before the hang-up still answers.
    socket
        .send(serde_json::json!({"event": "pusher:ping", "data": {}}))
        .await;
    // (`next_named` fails the test when no pong comes.)
    socket.next_named("pusher:pong").await;
}

async fn every_response_carries_a_request_id_and_the_json_log_line_names_it(backend: &Backend) {
    let server = TestServer::start_logging(
        backend,
        &[
            ("CONFAB_LOG_FORMAT", "json"),
            ("RUST_LOG", "info,sqlx=warn,sea_orm=warn"),
        ],
    )
    .await;
    let request_id = |response: &reqwest::Response| {
        response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned()
    };

    // The client's own id is kept, on a success and on an error alike.
    let kept = server
        .client
        .get(server.url("/api/v1/user/me"))
        .header("X-Request-Id", "trace-4f1c.node-2")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), 401);
    assert_eq!(request_id(&kept), "trace-4f1c.node-2");

    // Without one (or with one that is not a plain token), each response gets a fresh UUID.
    let mut fresh = Vec::new();
    for (path, sent) in [
        ("/health", None),
        ("/no/such/route", Some("has spaces in it")),
    ] {
        let mut request = server.client.get(server.url(path));
        if let Some(sent) = sent {
            request = request.header("X-Request-Id", sent);
        }
        let response = request.send().await.unwrap();
        fresh.push(request_id(&response));
    }
    assert!(fresh.iter().all(|id| uuid_like(id)), "{fresh:?}");
    assert_ne!(fresh[0], fresh[1]);

    // The request's log line is JSON and carries the id.
    let mut line = None;
    for _ in 0..50 {
        line = server
            .logs()
            .lines()
            .find(|line| line.contains("trace-4f1c.node-2"))
            .map(str::to_owned);
        if line.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let line = line.expect("a log line for the request");
    let json: Value = serde_json::from_str(&line).expect("a JSON log line");
    assert!(json["timestamp"].is_string(), "{json}");
    assert!(json["level"].is_string(), "{json}");
    assert!(
        json.to_string()
            .contains(r#""request_id":"trace-4f1c.node-2""#),
        "{json}"
    );
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}
