//! `GET /metrics`: absent without `CONFAB_METRICS_TOKEN`, behind that token with it, and its
//! values move with the traffic (HTTP requests, messages, sockets, deliveries, the database).

use std::collections::HashMap;

use confab_tests::pusher::PusherClient;
use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::StatusCode;

on_both_backends!(
    metrics_are_off_without_a_token_and_behind_it_with_one,
    metric_values_move_with_traffic,
);

pub(crate) const TOKEN: &str = "scrape-me-7f3a";

/// Every sample of the exposition: `name{labels}` → value.
pub(crate) async fn scrape(server: &TestServer) -> HashMap<String, f64> {
    let response = server
        .client
        .get(server.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("`series value`");
            (series.to_owned(), value.parse().expect("a number"))
        })
        .collect()
}

pub(crate) fn value(samples: &HashMap<String, f64>, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}

async fn metrics_are_off_without_a_token_and_behind_it_with_one(backend: &Backend) {
    let off = TestServer::start(backend).await;
    let response = off.client.get(off.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let on = TestServer::start_with(backend, &[("CONFAB_METRICS_TOKEN", TOKEN)]).await;
    for token in [None, Some("wrong"), Some("scrape-me-7f3")] {
        let mut request = on.client.get(on.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{token:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], false);
    }
    // An API token is not a metrics token.
    let (_, api_token) = on.register("Ann Lee").await;
    let response = on
        .client
        .get(on.url("/metrics"))
        .bearer_auth(&api_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(!scrape(&on).await.is_empty());
}

async fn metric_values_move_with_traffic(backend: &Backend) {
    let server = TestServer::start_with(backend, &[("CONFAB_METRICS_TOKEN", TOKEN)]).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Counted", &[bob]).await;
    let before = scrape(&server).await;
    assert_eq!(value(&before, "confab_messages_sent_total"), 0.0);
    assert!(before.contains_key("confab_db_pool_connections{state=\"idle\"}"));

    let mut socket = PusherClient::connect(&server).await;
    let channel = format!("private-conversation.{room}");
    assert_eq!(socket.subscribe(&server, &ann, &channel).await, 200);
    for n in 0..3 {
        server.send(&bob_token, room, &format!("message {n}")).await;
    }
    for _ in 0..3 {
        assert!(socket.next_event().await.is_some());
    }
    let after = scrape(&server).await;

    assert_eq!(value(&after, "confab_messages_sent_total"), 3.0);
    let sends = "confab_http_requests_total{route=\"/api/v1/conversations/{id}/messages\",method=\"POST\",status=\"201\"}";
    assert_eq!(
        value(&after, sends) - value(&before, sends),
        3.0,
        "{after:?}"
    );
    let timed = "confab_http_request_duration_seconds_count{route=\"/api/v1/conversations/{id}/messages\",method=\"POST\"}";
    assert_eq!(value(&after, timed) - value(&before, timed), 3.0);
    assert_eq!(
        value(&after, "confab_realtime_connections{protocol=\"pusher\"}"),
        1.0
    );
    assert!(value(&after, "confab_realtime_channels") >= 1.0);
    // The subscription's answer and three messages, at least.
    let deliveries = "confab_realtime_deliveries_total";
    assert!(value(&after, deliveries) - value(&before, deliveries) >= 4.0);
    let statements = "confab_db_query_duration_seconds_count";
    assert!(value(&after, statements) > value(&before, statements));

    socket.close().await;
    let mut closed = 1.0;
    for _ in 0..50 {
        closed = value(
            &scrape(&server).await,
            "confab_realtime_connections{protocol=\"pusher\"}",
        );
        if closed == 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(closed, 0.0, "the gauge follows the socket closing");
}
