//! Every failure in the document's error shape, never plain text, never a 500.

use confab_tests::{Backend, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn unknown_routes_wrong_methods_and_bad_bodies_answer_in_json() {
    let server = TestServer::start(&Backend::Sqlite).await;
    let (_, token) = server.register("Ann Lee").await;
    let (status, body) = server
        .call(Method::GET, "/api/v1/nothing-here", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"status": false, "message": "Not found."}));
    let (status, body) = server
        .call(Method::PUT, "/api/v1/conversations", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["status"], false);
    // Every 405 says which methods the path takes (RFC 9110), as the OpenAPI document lists them.
    for (method, path, allowed) in [
        (Method::PUT, "/api/v1/conversations".to_owned(), "GET, POST"),
        (
            Method::DELETE,
            "/api/v1/conversations/7/messages".to_owned(),
            "GET, POST",
        ),
        (Method::POST, "/health".to_owned(), "GET"),
        (
            Method::POST,
            "/api/v1/conversations/7/messages/search".to_owned(),
            "GET",
        ),
    ] {
        let response = server
            .client
            .request(method.clone(), server.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let header = response
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(header.as_deref(), Some(allowed), "{method} {path}");
    }
    let (status, body) = server
        .call(Method::GET, "/api/v1/conversations/abc", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let malformed = server
        .client
        .post(server.url("/api/v1/conversations"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"user_ids\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = malformed.json().await.unwrap();
    assert_eq!(body["status"], false);
    assert!(
        body["message"].as_str().unwrap().contains("invalid"),
        "{body}"
    );

    // A body declared larger than the cap is refused from its Content-Length, before it is read.
    // A raw request that declares 2 MiB and sends a few bytes makes that deterministic (a client
    // still writing 2 MiB may see the connection close under it).
    let (status, _, body) = server
        .raw(
            b"POST /api/v1/user/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
              Content-Length: 2097152\r\nConnection: close\r\n\r\n{\"email\":",
        )
        .await;
    assert_eq!(status, 413, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).expect("a JSON body");
    assert_eq!(body["status"], false);
}

#[tokio::test]
async fn health_answers_when_the_database_does() {
    let server = TestServer::start(&Backend::Sqlite).await;
    let (status, body) = server.call(Method::GET, "/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let store = format!(
        "file://{}",
        server
            .data_dir()
            .join("attachments")
            .canonicalize()
            .unwrap()
            .display()
    );
    assert_eq!(
        body,
        json!({"status": "ok", "database": "ok", "redis": "disabled", "storage": store, "mail": "off"})
    );
}
