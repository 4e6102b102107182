//! Which browser origins may call the API (`CONFAB_CORS_ORIGINS`): any by default, else exactly
//! the ones named; preflights offer only the methods and headers the API serves, and a browser
//! script may read `Retry-After` and `X-Request-Id`.

use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::Value;

on_both_backends!(
    any_origin_may_call_the_api_by_default,
    only_the_named_origins_may_call_the_api,
);

const APP: &str = "https://app.example.com";

/// A browser's preflight for a send from `origin`.
async fn preflight(server: &TestServer, origin: &str) -> reqwest::Response {
    server
        .client
        .request(
            Method::OPTIONS,
            server.url("/api/v1/conversations/1/messages"),
        )
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type,idempotency-key",
        )
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map_or("", |value| value.to_str().unwrap())
}

/// Methods and headers of a preflight answer, whatever the origin list.
fn assert_offers_only_what_the_api_serves(response: &reqwest::Response) {
    let methods = header(response, "access-control-allow-methods").to_ascii_uppercase();
    for served in ["GET", "POST", "PATCH", "DELETE"] {
        assert!(methods.contains(served), "{methods}");
    }
    for never in ["CONNECT", "TRACE"] {
        assert!(!methods.contains(never), "{methods}");
    }
    let headers = header(response, "access-control-allow-headers").to_ascii_lowercase();
    for read in [
        "authorization",
        "content-type",
        "idempotency-key",
        "x-socket-id",
    ] {
        assert!(headers.contains(read), "{headers}");
    }
}

async fn any_origin_may_call_the_api_by_default(backend: &Backend) {
    let server = TestServer::start(backend).await;
    for origin in [APP, "http://localhost:5173"] {
        let answer = preflight(&server, origin).await;
        assert!(answer.status().is_success(), "{}", answer.status());
        assert_eq!(header(&answer, "access-control-allow-origin"), origin);
        assert_offers_only_what_the_api_serves(&answer);
    }
    // The real request: stored, and its throttle and request-id headers readable by the script.
    let (_, token) = server.register("Cors Default").await;
    let listed = server
        .client
        .get(server.url("/api/v1/conversations"))
        .bearer_auth(&token)
        .header("Origin", "http://localhost:5173")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(
        header(&listed, "access-control-allow-origin"),
        "http://localhost:5173"
    );
    let exposed = header(&listed, "access-control-expose-headers").to_ascii_lowercase();
    assert!(
        exposed.contains("retry-after") && exposed.contains("x-request-id"),
        "{exposed}"
    );
}

async fn only_the_named_origins_may_call_the_api(backend: &Backend) {
    let server = TestServer::start_with(
        backend,
        &[(
            "CONFAB_CORS_ORIGINS",
            "https://App.example.com, http://localhost:5173",
        )],
    )
    .await;
    let allowed = preflight(&server, APP).await;
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(header(&allowed, "access-control-allow-origin"), APP);
    assert_offers_only_what_the_api_serves(&allowed);

    // Another origin: refused in the error shape, before anything is done.
    let refused = preflight(&server, "https://evil.example.net").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&refused, "access-control-allow-origin"), "");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["status"], false);
    assert!(
        body["message"].as_str().unwrap().contains("origin"),
        "{body}"
    );
    let registered = server
        .client
        .post(server.url("/api/v1/user/register"))
        .header("Origin", "https://evil.example.net")
        .json(&serde_json::json!({
            "name": "Mallory", "email": "mallory@example.com", "password": "secret-pass"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::FORBIDDEN);
    let login = server
        .client
        .post(server.url("/api/v1/user/login"))
        .json(&serde_json::json!({"email": "mallory@example.com", "password": "secret-pass"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.status(),
        StatusCode::UNAUTHORIZED,
        "the refused registration stored nothing"
    );

    // Confab's own pages (Swagger UI, the client at `/`): their origin is the server's own.
    let own = server
        .client
        .post(server.url("/api/v1/user/register"))
        .header("Origin", server.base_url.trim_end_matches('/'))
        .json(&serde_json::json!({
            "name": "Docs User", "email": "docs@example.com", "password": "secret-pass"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::CREATED, "the server's own pages");

    // Without `Origin` (a server, an app, curl) nothing changes.
    let (_, token) = server.register("Cors Named").await;
    let listed = server
        .client
        .get(server.url("/api/v1/conversations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
}

#[test]
fn a_malformed_origin_list_stops_the_server_with_a_reason() {
    let output = std::process::Command::new(confab_tests::confab_binary())
        .arg("serve")
        .env("CONFAB_CORS_ORIGINS", "https://app.example.com/chat")
        .env("CONFAB_HTTP_ADDR", "127.0.0.1:0")
        .env("CONFAB_NO_REALTIME", "true")
        .env(
            "CONFAB_DATA_DIR",
            std::env::temp_dir().join("confab-cors-refused"),
        )
        .output()
        .expect("confab runs");
    assert!(!output.status.success());
    let printed = String::from_utf8_lossy(&output.stderr);
    assert!(
        printed.contains("CONFAB_CORS_ORIGINS") && printed.contains("is not an origin"),
        "{printed}"
    );
}
