//! Pins and the audit log over HTTP, and the moderation events as webhooks.

use confab_tests::pusher::PusherClient;
use confab_tests::webhooks::{WebhookReceiver, named};
use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    moderators_pin_members_do_not_and_a_deletion_unpins,
    either_member_of_a_direct_chat_pins,
    the_audit_log_records_each_moderation_act_newest_first,
    moderation_events_reach_webhooks,
);

fn pin_path(room: i64, message: &Value) -> String {
    format!(
        "/api/v1/conversations/{room}/messages/{}/pin",
        message["id"]
    )
}

async fn moderators_pin_members_do_not_and_a_deletion_unpins(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann, owner) = server.register("Ann Lee").await;
    let (bob, member) = server.register("Bob Stone").await;
    let room = server.group(&owner, "Team", &[bob]).await;
    let first = server.send(&member, room, "first").await;
    let second = server.send(&member, room, "second").await;
    let mut bob_hears = PusherClient::connect(&server).await;
    let channel = format!("private-conversation.{room}");
    assert_eq!(bob_hears.subscribe(&server, &member, &channel).await, 200);

    let (status, pinned) = server.put(&pin_path(room, &first), &owner, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{pinned}");
    assert_eq!(pinned["message"], "Message pinned.");
    assert_eq!(pinned["data"]["pinned_by"], ann);
    assert!(crate::is_document_timestamp(&pinned["data"]["pinned_at"]));
    let told = bob_hears.next_named("message.pinned").await;
    assert_eq!(told["message"]["id"], first["id"]);
    assert_eq!(told["message"]["pinned_by"], ann);
    server
        .put(&pin_path(room, &second), &owner, json!({}))
        .await;

    let (status, refused) = server
        .put(&pin_path(room, &first), &member, json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused["message"],
        "Only the room owner or an admin can do this."
    );

    let pins = format!("/api/v1/conversations/{room}/pins");
    let (status, listed) = server.get(&pins, &member).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let ids: Vec<&Value> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["id"])
        .collect();
    assert_eq!(ids, [&second["id"], &first["id"]], "newest pin first");

    let (status, unpinned) = server.delete(&pin_path(room, &second), &owner).await;
    assert_eq!(status, StatusCode::OK, "{unpinned}");
    assert_eq!(unpinned["data"]["pinned_at"], Value::Null);
    let (status, _) = server
        .delete(
            &format!("/api/v1/conversations/{room}/messages/{}", first["id"]),
            &member,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, listed) = server.get(&pins, &owner).await;
    assert_eq!(
        listed["data"],
        json!([]),
        "a deleted message is no longer pinned"
    );
    let (status, _) = server.put(&pin_path(room, &first), &owner, json!({})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a tombstone cannot be pinned"
    );
}

async fn either_member_of_a_direct_chat_pins(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (_, created) = server
        .post("/api/v1/conversations", &ann, json!({"user_ids": [bob]}))
        .await;
    let chat = created["data"]["id"].as_i64().unwrap();
    assert_eq!(
        created["data"]["my_role"],
        Value::Null,
        "a direct chat has no roles"
    );
    let message = server.send(&ann, chat, "remember this").await;
    let (status, pinned) = server
        .put(&pin_path(chat, &message), &bob_token, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{pinned}");
    let (status, refused) = server
        .get(&format!("/api/v1/conversations/{chat}/audit"), &ann)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
}

async fn the_audit_log_records_each_moderation_act_newest_first(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann, owner) = server.register("Ann Lee").await;
    let (bob, member) = server.register("Bob Stone").await;
    let (cy, _) = server.register("Cy Twombly").await;
    let room = server.group(&owner, "Team", &[bob, cy]).await;
    let base = format!("/api/v1/conversations/{room}");
    let said = server.send(&member, room, "oops").await;
    let until = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    server
        .put(
            &format!("{base}/participants/{bob}/role"),
            &owner,
            json!({"role": "admin"}),
        )
        .await;
    server
        .put(
            &format!("{base}/participants/{cy}/timeout"),
            &owner,
            json!({"until": until}),
        )
        .await;
    server
        .delete(&format!("{base}/participants/{cy}/timeout"), &owner)
        .await;
    server
        .post(&format!("{base}/ban/{cy}"), &owner, json!({}))
        .await;
    server.delete(&format!("{base}/ban/{cy}"), &owner).await;
    server
        .patch(&base, &owner, json!({"slow_mode_seconds": 5}))
        .await;
    server.put(&pin_path(room, &said), &owner, json!({})).await;
    server
        .delete(&format!("{base}/messages/{}", said["id"]), &owner)
        .await;
    server
        .post(&format!("{base}/leave"), &member, json!({}))
        .await;
    server
        .post(&format!("{base}/close"), &owner, json!({}))
        .await;

    let (status, log) = server.get(&format!("{base}/audit"), &owner).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "room_closed",
            "message_deleted",
            "message_pinned",
            "settings_changed",
            "participant_unbanned",
            "participant_banned",
            "timeout_lifted",
            "timed_out",
            "role_changed",
        ],
        "leaving is not moderation"
    );
    let entries = log["data"].as_array().unwrap();
    assert_eq!(
        entries[1]["actor"],
        json!({"id": ann, "name": "Ann Lee", "avatar_url": null})
    );
    assert_eq!(
        entries[1]["target"]["user"],
        json!({"id": bob, "name": "Bob Stone", "avatar_url": null})
    );
    assert_eq!(entries[1]["target"]["message_id"], said["id"]);
    assert_eq!(entries[3]["details"], json!({"slow_mode_seconds": "5"}));
    assert_eq!(entries[7]["details"]["until"], until);
    assert_eq!(entries[8]["details"], json!({"role": "admin"}));
    assert!(crate::is_document_timestamp(&entries[0]["created_at"]));

    let (_, page) = server.get(&format!("{base}/audit?limit=2"), &owner).await;
    assert_eq!(page["meta"], json!({"limit": 2, "has_more": true}));
    let before = page["data"][1]["id"].clone();
    let (_, next) = server
        .get(&format!("{base}/audit?limit=2&before={before}"), &owner)
        .await;
    assert_eq!(next["data"][0]["action"], "message_pinned");

    let (_, cy_token) = server.register("Dee Member").await;
    let (status, _) = server.get(&format!("{base}/audit"), &cy_token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "outsiders see no room");
}

async fn moderation_events_reach_webhooks(backend: &Backend) {
    let Some(receiver) = WebhookReceiver::start().await else {
        return;
    };
    let url = receiver.url();
    let server = TestServer::start_with(backend, &[("CONFAB_WEBHOOK_URLS", url.as_str())]).await;
    let (_, owner) = server.register("Ann Lee").await;
    let (bob, _) = server.register("Bob Stone").await;
    let room = server.group(&owner, "Team", &[bob]).await;
    let said = server.send(&owner, room, "pin me").await;
    let base = format!("/api/v1/conversations/{room}");
    server
        .put(
            &format!("{base}/participants/{bob}/role"),
            &owner,
            json!({"role": "admin"}),
        )
        .await;
    server
        .patch(&base, &owner, json!({"description": "About"}))
        .await;
    server.put(&pin_path(room, &said), &owner, json!({})).await;
    let events = receiver
        .wait_for("the moderation webhooks", |events| {
            !named(events, "message.pinned").is_empty()
        })
        .await;
    assert_eq!(
        named(&events, "participant.updated")[0]["data"],
        json!({"conversation_id": room,
               "participant": {"id": bob, "name": "Bob Stone", "avatar_url": null, "role": "admin",
                               "timed_out_until": null}})
    );
    assert_eq!(
        named(&events, "conversation.updated")[0]["data"]["conversation"]["description"],
        "About"
    );
    assert_eq!(
        named(&events, "message.pinned")[0]["data"]["message"]["id"],
        said["id"]
    );
}
