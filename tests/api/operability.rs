//! What operators read: an `X-Request-Id` on every response (the client's own, or a new one),
//! and the same id on the server's log lines for that request, as JSON with
//! `CONFAB_LOG_FORMAT=json`.

use std::time::Duration;

use confab_tests::{Backend, TestServer, on_both_backends};
use serde_json::Value;

on_both_backends!(every_response_carries_a_request_id_and_the_json_log_line_names_it,);

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
