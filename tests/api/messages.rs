//! Message history, validation and the send throttle.

use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    history_is_newest_first_in_pages,
    paging_parameters_are_validated,
    a_body_must_be_present_not_blank_and_at_most_65535_characters,
    the_sixty_first_message_in_a_minute_is_throttled,
);

async fn history_is_newest_first_in_pages(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.register("Ann Lee").await;
    let room = server.group(&token, "Team Chat", &[]).await;
    for n in 1..=45 {
        server.send(&token, room, &format!("message {n}")).await;
    }
    let (status, first) = server
        .get(&format!("/api/v1/conversations/{room}/messages"), &token)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        first["meta"],
        json!({"current_page": 1, "last_page": 3, "per_page": 20, "total": 45})
    );
    assert_eq!(first["data"].as_array().unwrap().len(), 20);
    assert_eq!(first["data"][0]["body"], "message 45");
    assert_eq!(first["data"][19]["body"], "message 26");
    let (_, last) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages?page=3"),
            &token,
        )
        .await;
    let bodies: Vec<&str> = last["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            "message 5",
            "message 4",
            "message 3",
            "message 2",
            "message 1"
        ]
    );
    let (_, beyond) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages?page=9"),
            &token,
        )
        .await;
    assert_eq!(beyond["data"], json!([]));
    assert_eq!(beyond["meta"]["current_page"], 9);
    let (_, hundred) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages?per_page=100"),
            &token,
        )
        .await;
    assert_eq!(hundred["data"].as_array().unwrap().len(), 45);
}

async fn paging_parameters_are_validated(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.register("Ann Lee").await;
    let room = server.group(&token, "Team Chat", &[]).await;
    for (query, field) in [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("page=abc", "page"),
    ] {
        let (status, refused) = server
            .get(
                &format!("/api/v1/conversations/{room}/messages?{query}"),
                &token,
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {refused}"
        );
        assert!(refused["errors"].get(field).is_some(), "{query}: {refused}");
    }
}

async fn a_body_must_be_present_not_blank_and_at_most_65535_characters(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.register("Ann Lee").await;
    let room = server.group(&token, "Team Chat", &[]).await;
    let path = format!("/api/v1/conversations/{room}/messages");
    for body in [
        json!({"body": ""}),
        json!({"body": "   \n"}),
        json!({"body": "é".repeat(65_536)}),
    ] {
        let (status, refused) = server.post(&path, &token, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused["errors"]["body"][0].is_string(), "{refused}");
    }
    let (status, refused) = server.post(&path, &token, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["status"], false);
    let longest = "é".repeat(65_535);
    let sent = server.send(&token, room, &longest).await;
    assert_eq!(sent["body"].as_str().unwrap().chars().count(), 65_535);
    let (_, history) = server.get(&path, &token).await;
    assert_eq!(
        history["meta"]["total"], 1,
        "refused messages are not stored"
    );
}

async fn the_sixty_first_message_in_a_minute_is_throttled(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.register("Ann Lee").await;
    let (_, other) = server.register("Bob Stone").await;
    let room = server.group(&token, "Team Chat", &[]).await;
    for n in 0..60 {
        server.send(&token, room, &format!("{n}")).await;
    }
    let response = server
        .client
        .post(server.url(&format!("/api/v1/conversations/{room}/messages")))
        .bearer_auth(&token)
        .json(&json!({"body": "one too many"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], false);
    let (_, history) = server
        .get(&format!("/api/v1/conversations/{room}/messages"), &token)
        .await;
    assert_eq!(history["meta"]["total"], 60);
    // The limit is per user: someone else still sends.
    let theirs = server.group(&other, "Other", &[]).await;
    server.send(&other, theirs, "fine").await;
}
