//! The database goes away under a running server (a TCP proxy in front of PostgreSQL is stopped):
//! requests fail fast with 503 and `Retry-After` in the error shape, `/health` answers within a
//! second naming the database, and everything recovers by itself when the database is back.
//! PostgreSQL only: an embedded SQLite file cannot go away like that.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use confab_tests::tcp_proxy::TcpProxy;
use confab_tests::{Backend, SharedDatabase, TestServer};
use reqwest::{StatusCode, Url};

/// The limits, with room for a loaded CI machine: requests within 2 s, health within 1 s.
const REQUEST_LIMIT: Duration = Duration::from_millis(2_500);
const HEALTH_LIMIT: Duration = Duration::from_millis(1_300);
const RECOVERY: Duration = Duration::from_secs(20);

fn address_of(url: &Url) -> SocketAddr {
    (url.host_str().unwrap(), url.port().unwrap_or(5432))
        .to_socket_addrs()
        .unwrap()
        .next()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_fail_fast_with_503_while_postgres_is_away_and_recover_after() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let mut database = SharedDatabase::create(&backend).await;
    let mut url = Url::parse(&database.url).unwrap();
    let mut proxy = TcpProxy::start(address_of(&url)).await;
    url.set_port(Some(proxy.port)).unwrap();
    database.url = url.to_string();
    let server = TestServer::start_on(&database, &[]).await;
    let (_, token) = server.register("Ann Lee").await;
    let room = server.group(&token, "Through the outage", &[]).await;
    server.send(&token, room, "before").await;

    proxy.stop().await;
    for path in [
        "/api/v1/conversations",
        &format!("/api/v1/conversations/{room}/messages"),
    ] {
        let started = Instant::now();
        let response = server
            .client
            .get(server.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(took < REQUEST_LIMIT, "{path} took {took:?}");
        let retry_after: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry_after >= 1, "{retry_after}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], false);
        assert!(
            body["message"].as_str().unwrap().contains("unavailable"),
            "{body}"
        );
    }
    let started = Instant::now();
    let health = server
        .client
        .get(server.url("/health"))
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < HEALTH_LIMIT, "/health took {took:?}");
    let health: serde_json::Value = health.json().await.unwrap();
    assert_eq!(health["database"], "unavailable", "{health}");

    proxy.resume().await;
    let deadline = Instant::now() + RECOVERY;
    loop {
        let (status, _) = server.get("/api/v1/conversations", &token).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not recovered within {RECOVERY:?}: {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sent = server.send(&token, room, "after").await;
    assert_eq!(sent["body"], "after");
    let (status, health) = server.get("/health", &token).await;
    assert_eq!(
        (status, health["database"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
}
