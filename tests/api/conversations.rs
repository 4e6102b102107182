//! Creating, listing and reading conversations; who may see them.

use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    a_direct_chat_is_made_once_per_pair,
    direct_chat_needs_exactly_one_other_existing_user,
    type_defaults_by_participant_count_and_a_group_may_start_empty,
    outsiders_get_404_on_every_conversation_route,
    the_list_is_newest_activity_first_with_unread_counts,
);

async fn a_direct_chat_is_made_once_per_pair(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann, ann_token) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (status, first) = server
        .post(
            "/api/v1/conversations",
            &ann_token,
            json!({"user_ids": [bob]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["data"]["type"], "direct");
    assert_eq!(first["data"]["name"], serde_json::Value::Null);
    let (status, again) = server
        .post(
            "/api/v1/conversations",
            &bob_token,
            json!({"type": "direct", "user_ids": [ann]}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the existing chat, not a second one: {again}"
    );
    assert_eq!(again["data"]["id"], first["data"]["id"]);
    assert_eq!(again["data"]["is_creator"], false);
    let (_, list) = server.get("/api/v1/conversations", &ann_token).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

async fn direct_chat_needs_exactly_one_other_existing_user(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann, token) = server.register("Ann Lee").await;
    let (bob, _) = server.register("Bob Stone").await;
    let (carl, _) = server.register("Carl Dean").await;
    for (body, field_hint) in [
        (json!({"type": "direct", "user_ids": []}), "exactly one"),
        (
            json!({"type": "direct", "user_ids": [bob, carl]}),
            "exactly one",
        ),
        (json!({"type": "direct", "user_ids": [ann]}), "yourself"),
        (json!({"user_ids": [999]}), "999"),
        (
            json!({"type": "group", "user_ids": [bob, bob]}),
            "duplicate",
        ),
    ] {
        let (status, refused) = server
            .post("/api/v1/conversations", &token, body.clone())
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {refused}"
        );
        let reason = refused["errors"]["user_ids"][0]
            .as_str()
            .unwrap_or_default();
        assert!(reason.contains(field_hint), "{body}: {refused}");
    }
    let (status, refused) = server
        .post("/api/v1/conversations", &token, json!({"type": "channel"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
}

async fn type_defaults_by_participant_count_and_a_group_may_start_empty(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann, token) = server.register("Ann Lee").await;
    let (bob, _) = server.register("Bob Stone").await;
    let (carl, _) = server.register("Carl Dean").await;
    let (status, empty) = server
        .post(
            "/api/v1/conversations",
            &token,
            json!({"type": "group", "name": "Project Alpha", "user_ids": []}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        empty["data"]["participants"],
        json!([{"id": ann, "name": "Ann Lee", "avatar_url": null, "role": "owner", "timed_out_until": null,
                 "last_read_message_id": null}])
    );
    let (_, many) = server
        .post(
            "/api/v1/conversations",
            &token,
            json!({"user_ids": [bob, carl]}),
        )
        .await;
    assert_eq!(many["data"]["type"], "group");
    let (_, none) = server
        .post("/api/v1/conversations", &token, json!({}))
        .await;
    assert_eq!(none["data"]["type"], "group");
}

async fn outsiders_get_404_on_every_conversation_route(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, owner) = server.register("Ann Lee").await;
    let (bob, _) = server.register("Bob Stone").await;
    let (_, outsider) = server.register("Eve Hill").await;
    let id = server.group(&owner, "Team Chat", &[bob]).await;
    let not_found = json!({"status": false, "message": "Conversation not found."});
    let routes = [
        ("GET", format!("/api/v1/conversations/{id}")),
        ("POST", format!("/api/v1/conversations/{id}/close")),
        ("POST", format!("/api/v1/conversations/{id}/invite")),
        (
            "DELETE",
            format!("/api/v1/conversations/{id}/participants/{bob}"),
        ),
        ("POST", format!("/api/v1/conversations/{id}/ban/{bob}")),
        ("POST", format!("/api/v1/conversations/{id}/read")),
        ("POST", format!("/api/v1/conversations/{id}/leave")),
        ("GET", format!("/api/v1/conversations/{id}/messages")),
        ("POST", format!("/api/v1/conversations/{id}/messages")),
        ("GET", "/api/v1/conversations/999999".to_owned()),
    ];
    for (method, path) in routes {
        let body = match (
            method,
            path.ends_with("/invite"),
            path.ends_with("/messages"),
        ) {
            ("POST", true, _) => Some(json!({"user_ids": [bob]})),
            ("POST", _, true) => Some(json!({"body": "hi"})),
            ("POST", _, _) => Some(json!({})),
            _ => None,
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let (status, refused) = server
            .call(method.clone(), &path, Some(&outsider), body)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {refused}");
        assert_eq!(refused, not_found, "{method} {path}");
    }
}

async fn the_list_is_newest_activity_first_with_unread_counts(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann_token) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let older = server.group(&ann_token, "Older", &[bob]).await;
    let newer = server.group(&ann_token, "Newer", &[bob]).await;
    server.send(&bob_token, newer, "one").await;
    server.send(&bob_token, older, "two").await;
    let three = server.send(&bob_token, older, "three").await;

    let (_, list) = server.get("/api/v1/conversations", &ann_token).await;
    let rooms = list["data"].as_array().unwrap();
    assert_eq!(rooms[0]["id"], older, "most recent activity first");
    assert_eq!(rooms[0]["unread_count"], 2);
    assert_eq!(rooms[0]["last_message"]["id"], three["id"]);
    assert_eq!(
        rooms[0]["updated_at"], three["created_at"],
        "updated_at follows the last message"
    );
    assert_eq!(rooms[1]["id"], newer);
    assert_eq!(rooms[1]["unread_count"], 1);

    let (_, list) = server.get("/api/v1/conversations", &bob_token).await;
    assert_eq!(
        list["data"][0]["unread_count"], 0,
        "your own messages are never unread"
    );

    // Answering moves your own read position to your message: nothing before it is unread.
    server.send(&ann_token, older, "mine").await;
    let (_, list) = server.get("/api/v1/conversations", &ann_token).await;
    assert_eq!(list["data"][0]["unread_count"], 0);
    assert_eq!(list["data"][0]["last_message"]["body"], "mine");
    let (_, list) = server.get("/api/v1/conversations", &bob_token).await;
    assert_eq!(list["data"][0]["unread_count"], 1);

    // Marking read empties the count.
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{newer}/read"),
            &ann_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = server.get("/api/v1/conversations", &ann_token).await;
    assert!(
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|room| room["unread_count"] == 0)
    );
}
