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

    let huge = server
        .client
        .post(server.url("/api/v1/user/login"))
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = huge.json().await.unwrap();
    assert_eq!(body["status"], false);
}

#[tokio::test]
async fn health_answers_when_the_database_does() {
    let server = TestServer::start(&Backend::Sqlite).await;
    let (status, body) = server.call(Method::GET, "/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"status": "ok", "database": "ok", "redis": "disabled"})
    );
}
