//! Room management: close, invite, remove, ban, leave — creator-only, never on direct chats.

use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    only_the_creator_manages_and_never_a_direct_chat,
    a_closed_room_takes_no_invites_or_messages_but_stays_readable,
    banned_users_are_removed_and_can_never_be_reinvited,
    removed_users_can_be_reinvited,
    the_creator_cannot_remove_ban_or_leave_themself,
    a_member_can_leave_a_group_and_then_sees_nothing,
);

fn ids(conversation: &Value) -> Vec<i64> {
    conversation["data"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

async fn only_the_creator_manages_and_never_a_direct_chat(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, owner) = server.register("Ann Lee").await;
    let (bob, member) = server.register("Bob Stone").await;
    let (carl, _) = server.register("Carl Dean").await;
    let room = server.group(&owner, "Team Chat", &[bob, carl]).await;
    let forbidden = json!({"status": false, "message": "Only the room creator can do this."});
    for (path, body) in [
        (format!("/api/v1/conversations/{room}/close"), json!({})),
        (
            format!("/api/v1/conversations/{room}/invite"),
            json!({"user_ids": [carl]}),
        ),
        (
            format!("/api/v1/conversations/{room}/ban/{carl}"),
            json!({}),
        ),
    ] {
        let (status, refused) = server.post(&path, &member, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(refused, forbidden);
    }
    let (status, _) = server
        .delete(
            &format!("/api/v1/conversations/{room}/participants/{carl}"),
            &member,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (_, direct) = server
        .post("/api/v1/conversations", &owner, json!({"user_ids": [bob]}))
        .await;
    let direct = direct["data"]["id"].as_i64().unwrap();
    for (path, body) in [
        (format!("/api/v1/conversations/{direct}/close"), json!({})),
        (
            format!("/api/v1/conversations/{direct}/invite"),
            json!({"user_ids": [carl]}),
        ),
        (
            format!("/api/v1/conversations/{direct}/ban/{bob}"),
            json!({}),
        ),
        (format!("/api/v1/conversations/{direct}/leave"), json!({})),
    ] {
        let (status, refused) = server.post(&path, &owner, body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {refused}"
        );
        assert_eq!(
            refused["message"],
            "This action is not allowed on a direct chat."
        );
    }
    let (status, _) = server
        .delete(
            &format!("/api/v1/conversations/{direct}/participants/{bob}"),
            &owner,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_closed_room_takes_no_invites_or_messages_but_stays_readable(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, owner) = server.register("Ann Lee").await;
    let (bob, member) = server.register("Bob Stone").await;
    let (carl, _) = server.register("Carl Dean").await;
    let room = server.group(&owner, "Team Chat", &[bob]).await;
    server.send(&member, room, "before closing").await;
    let (status, closed) = server
        .post(
            &format!("/api/v1/conversations/{room}/close"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(closed["data"]["is_closed"], true);
    let (status, again) = server
        .post(
            &format!("/api/v1/conversations/{room}/close"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
    assert_eq!(again["data"], Value::Null);
    let (status, refused) = server
        .post(
            &format!("/api/v1/conversations/{room}/invite"),
            &owner,
            json!({"user_ids": [carl]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["message"], "Cannot invite users to a closed room.");
    for token in [&owner, &member] {
        let (status, refused) = server
            .post(
                &format!("/api/v1/conversations/{room}/messages"),
                token,
                json!({"body": "after"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            refused,
            json!({"status": false, "message": "Cannot send messages to a closed room."})
        );
    }
    let (status, history) = server
        .get(&format!("/api/v1/conversations/{room}/messages"), &member)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(history["meta"]["total"], 1);
    assert_eq!(history["data"][0]["body"], "before closing");
}

async fn banned_users_are_removed_and_can_never_be_reinvited(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (owner_id, owner) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (carl, _) = server.register("Carl Dean").await;
    let room = server.group(&owner, "Team Chat", &[bob, carl]).await;
    let (status, banned) = server
        .post(
            &format!("/api/v1/conversations/{room}/ban/{bob}"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{banned}");
    assert_eq!(banned["message"], "User banned.");
    assert_eq!(ids(&banned), [owner_id, carl]);
    let (status, _) = server
        .get(&format!("/api/v1/conversations/{room}"), &bob_token)
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a banned user no longer sees the room"
    );
    let (status, refused) = server
        .post(
            &format!("/api/v1/conversations/{room}/invite"),
            &owner,
            json!({"user_ids": [bob]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["errors"]["user_ids"][0]
            .as_str()
            .unwrap()
            .contains(&bob.to_string()),
        "{refused}"
    );
    let (status, twice) = server
        .post(
            &format!("/api/v1/conversations/{room}/ban/{bob}"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{twice}");
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{room}/ban/424242"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "banning a user that does not exist"
    );
}

async fn removed_users_can_be_reinvited(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (owner_id, owner) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&owner, "Team Chat", &[bob]).await;
    let (status, removed) = server
        .delete(
            &format!("/api/v1/conversations/{room}/participants/{bob}"),
            &owner,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{removed}");
    assert_eq!(removed["message"], "User removed.");
    assert_eq!(ids(&removed), [owner_id]);
    let (status, _) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages"),
            &bob_token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, gone) = server
        .delete(
            &format!("/api/v1/conversations/{room}/participants/{bob}"),
            &owner,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "not a participant any more: {gone}"
    );
    let (status, invited) = server
        .post(
            &format!("/api/v1/conversations/{room}/invite"),
            &owner,
            json!({"user_ids": [bob]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&invited), [owner_id, bob]);
    let (status, _) = server
        .get(&format!("/api/v1/conversations/{room}"), &bob_token)
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn the_creator_cannot_remove_ban_or_leave_themself(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (owner_id, owner) = server.register("Ann Lee").await;
    let room = server.group(&owner, "Team Chat", &[]).await;
    let (status, refused) = server
        .delete(
            &format!("/api/v1/conversations/{room}/participants/{owner_id}"),
            &owner,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{room}/ban/{owner_id}"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{room}/leave"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_member_can_leave_a_group_and_then_sees_nothing(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (owner_id, owner) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&owner, "Team Chat", &[bob]).await;
    let (status, left) = server
        .post(
            &format!("/api/v1/conversations/{room}/leave"),
            &bob_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        left,
        json!({"status": true, "message": "You left the conversation."})
    );
    let (_, list) = server.get("/api/v1/conversations", &bob_token).await;
    assert_eq!(list["data"], json!([]));
    let (_, room_view) = server
        .get(&format!("/api/v1/conversations/{room}"), &owner)
        .await;
    assert_eq!(ids(&room_view), [owner_id]);
}
