//! The API document's scenario, start to finish, checking every documented shape.

use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{is_document_timestamp, keys};

on_both_backends!(the_documented_scenario_gives_the_documented_bodies);

async fn the_documented_scenario_gives_the_documented_bodies(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (john, _) = server.register("John Doe").await;
    let (jane, _) = server.register("Jane Smith").await;

    // Log in as the document shows.
    let (status, login) = server
        .call(
            Method::POST,
            "/api/v1/user/login",
            None,
            Some(json!({"email": "john.doe@example.com", "password": "secret-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    assert_eq!(login["status"], true);
    assert_eq!(login["data"]["token_type"], "Bearer");
    assert!(login["data"]["expires_in"].as_u64().unwrap() > 0);
    assert_eq!(login["data"]["user"]["id"], john);
    let john_token = login["data"]["token"].as_str().unwrap().to_owned();

    // Create a room with Jane.
    let (status, created) = server
        .post(
            "/api/v1/conversations",
            &john_token,
            json!({"type": "group", "name": "Project Alpha", "user_ids": [jane]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], true);
    assert_eq!(created["message"], "Conversation created.");
    let room = &created["data"];
    assert_eq!(
        keys(room),
        [
            "closed_at",
            "created_by",
            "description",
            "id",
            "is_closed",
            "is_creator",
            "last_message",
            "my_role",
            "name",
            "notifications",
            "participants",
            "slow_mode_seconds",
            "type",
            "unread_count",
            "unread_mentions",
            "updated_at"
        ]
    );
    assert_eq!(room["type"], "group");
    assert_eq!(room["name"], "Project Alpha");
    assert_eq!(
        room["created_by"],
        json!({"id": john, "name": "John Doe", "avatar_url": null})
    );
    assert_eq!(room["is_creator"], true);
    assert_eq!(room["my_role"], "owner");
    assert_eq!(room["is_closed"], false);
    assert_eq!(room["closed_at"], serde_json::Value::Null);
    assert_eq!(
        room["participants"],
        json!([
            {"id": john, "name": "John Doe", "avatar_url": null, "role": "owner", "timed_out_until": null,
             "last_read_message_id": null},
            {"id": jane, "name": "Jane Smith", "avatar_url": null, "role": "member", "timed_out_until": null,
             "last_read_message_id": null}
        ])
    );
    let id = room["id"].as_i64().unwrap();

    // Invite a third person.
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (status, invited) = server
        .post(
            &format!("/api/v1/conversations/{id}/invite"),
            &john_token,
            json!({"user_ids": [bob]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{invited}");
    assert_eq!(invited["message"], "Users invited.");
    assert_eq!(invited["data"]["participants"].as_array().unwrap().len(), 3);

    // Send, as the document shows.
    let (status, sent) = server
        .post(
            &format!("/api/v1/conversations/{id}/messages"),
            &john_token,
            json!({"body": "Hello, how is everyone?"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["message"], "Message sent.");
    let message = &sent["data"];
    assert_eq!(
        keys(message),
        // The document's keys, and the message features' (edits, deletion, client id, reply,
        // reactions, files, mentions, threads), each always present.
        [
            "attachments",
            "author_blocked",
            "body",
            "client_id",
            "conversation_id",
            "created_at",
            "deleted_at",
            "edited_at",
            "id",
            "mention_room",
            "mentions",
            "pinned_at",
            "pinned_by",
            "reactions",
            "reply_to",
            "thread",
            "thread_id",
            "user",
            "user_id"
        ]
    );
    assert_eq!(message["conversation_id"], id);
    assert_eq!(message["user_id"], john);
    assert_eq!(message["body"], "Hello, how is everyone?");
    assert_eq!(
        message["user"],
        json!({"id": john, "name": "John Doe", "avatar_url": null})
    );
    assert!(is_document_timestamp(&message["created_at"]), "{message}");

    // Bob lists his conversations: one unread message, the last message shown.
    let (status, list) = server.get("/api/v1/conversations", &bob_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys(&list), ["data", "status"]);
    let entry = &list["data"][0];
    assert_eq!(entry["id"], id);
    assert_eq!(entry["is_creator"], false);
    assert_eq!(entry["unread_count"], 1);
    assert_eq!(
        keys(&entry["last_message"]),
        [
            "attachments",
            "body",
            "created_at",
            "deleted_at",
            "edited_at",
            "id",
            "mention_room",
            "mentions",
            "user"
        ]
    );
    assert_eq!(entry["last_message"]["body"], "Hello, how is everyone?");
    assert_eq!(entry["updated_at"], message["created_at"]);

    // Bob reads the history and marks it read.
    let (status, page) = server
        .get(
            &format!("/api/v1/conversations/{id}/messages?per_page=20&page=1"),
            &bob_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys(&page), ["data", "meta", "status"]);
    assert_eq!(page["data"][0], *message);
    assert_eq!(
        page["meta"],
        json!({"current_page": 1, "last_page": 1, "per_page": 20, "total": 1})
    );
    let (status, read) = server
        .post(
            &format!("/api/v1/conversations/{id}/read"),
            &bob_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, json!({"status": true, "message": "Marked as read."}));
    let (_, list) = server.get("/api/v1/conversations", &bob_token).await;
    assert_eq!(list["data"][0]["unread_count"], 0);

    // Get, close, and still read.
    let (status, one) = server
        .get(&format!("/api/v1/conversations/{id}"), &bob_token)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["data"]["id"], id);
    let (status, closed) = server
        .post(
            &format!("/api/v1/conversations/{id}/close"),
            &john_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["message"], "Room closed.");
    assert_eq!(closed["data"]["is_closed"], true);
    assert!(is_document_timestamp(&closed["data"]["closed_at"]));
    let (status, refused) = server
        .post(
            &format!("/api/v1/conversations/{id}/messages"),
            &bob_token,
            json!({"body": "hi"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["status"], false);
    assert_eq!(refused["message"], "Cannot send messages to a closed room.");
    let (status, _) = server
        .get(&format!("/api/v1/conversations/{id}/messages"), &bob_token)
        .await;
    assert_eq!(status, StatusCode::OK);
}
