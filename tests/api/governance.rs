//! Running a room over HTTP: roles, ownership, settings and slow mode, timeouts (on live sockets
//! too) and unbans — with the seed's refusals kept for the seed's acts.

use confab_tests::pusher::PusherClient;
use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    admins_manage_members_and_only_the_owner_changes_roles,
    an_owner_hands_the_room_over_and_may_then_leave,
    settings_are_patched_field_by_field_and_told_live,
    slow_mode_answers_429_with_retry_after_and_spares_moderators,
    a_timed_out_member_reads_but_cannot_send_react_type_or_whisper,
    an_unban_lets_a_user_be_invited_again_and_the_ban_list_says_who_is_banned,
);

fn room_path(room: i64) -> String {
    format!("/api/v1/conversations/{room}")
}

/// `user`'s entry in a conversation response's participants.
fn participant(conversation: &Value, user: i64) -> Value {
    conversation["data"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == user)
        .cloned()
        .unwrap_or(Value::Null)
}

fn in_an_hour() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

async fn admins_manage_members_and_only_the_owner_changes_roles(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann, owner) = server.register("Ann Lee").await;
    let (bob, admin) = server.register("Bob Stone").await;
    let (cy, member) = server.register("Cy Twombly").await;
    let (dee, _) = server.register("Dee Dee").await;
    let room = server.group(&owner, "Team", &[bob, cy, dee]).await;
    let role = |user: i64| format!("{}/participants/{user}/role", room_path(room));

    let (status, promoted) = server
        .put(&role(bob), &owner, json!({"role": "admin"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{promoted}");
    assert_eq!(promoted["message"], "Role changed.");
    assert_eq!(participant(&promoted, bob)["role"], "admin");
    assert_eq!(participant(&promoted, ann)["role"], "owner");
    assert_eq!(promoted["data"]["my_role"], "owner");

    // The admin removes and bans members, never the owner, and changes no roles.
    let (status, _) = server
        .delete(&format!("{}/participants/{dee}", room_path(room)), &admin)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, refused) = server
        .post(&format!("{}/ban/{ann}", room_path(room)), &admin, json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused["message"],
        "The room creator cannot be removed or banned."
    );
    let (status, refused) = server
        .put(&role(cy), &admin, json!({"role": "admin"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused,
        json!({"status": false, "message": "Only the room owner can do this."})
    );
    // A member keeps the seed's refusal for the seed's acts, and is told who may for the rest.
    let (status, refused) = server
        .post(
            &format!("{}/invite", room_path(room)),
            &member,
            json!({"user_ids": [dee]}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refused["message"], "Only the room creator can do this.");
    let (status, refused) = server
        .patch(&room_path(room), &member, json!({"description": "mine"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused["message"],
        "Only the room owner or an admin can do this."
    );
    // Ownership moves only by transfer; a role the owner gives is admin or member.
    let (status, refused) = server
        .put(&role(cy), &owner, json!({"role": "owner"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused["errors"]["role"].is_array(), "{refused}");

    // A demoted admin's next request is refused.
    let (status, _) = server
        .put(&role(bob), &owner, json!({"role": "member"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .post(
            &format!("{}/invite", room_path(room)),
            &admin,
            json!({"user_ids": [dee]}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn an_owner_hands_the_room_over_and_may_then_leave(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (eve, _) = server.register("Eve Out").await;
    let room = server.group(&ann, "Team", &[bob]).await;
    let leave = format!("{}/leave", room_path(room));
    let transfer = format!("{}/transfer", room_path(room));

    let (status, refused) = server.post(&leave, &ann, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused["message"],
        "The room creator cannot leave the room; close it instead."
    );
    let (status, refused) = server.post(&transfer, &ann, json!({"user_id": eve})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused["errors"]["user_id"].is_array(), "{refused}");

    let (status, handed) = server.post(&transfer, &ann, json!({"user_id": bob})).await;
    assert_eq!(status, StatusCode::OK, "{handed}");
    assert_eq!(handed["data"]["my_role"], "admin");
    assert_eq!(handed["data"]["is_creator"], false);
    assert_eq!(participant(&handed, bob)["role"], "owner");
    let (_, seen) = server.get(&room_path(room), &bob_token).await;
    assert_eq!(seen["data"]["my_role"], "owner");
    assert_eq!(seen["data"]["is_creator"], true);

    let (status, left) = server.post(&leave, &ann, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{left}");
    let (status, _) = server
        .post(&format!("{}/close", room_path(room)), &bob_token, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "the new owner closes the room");
}

async fn settings_are_patched_field_by_field_and_told_live(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Team", &[bob]).await;
    let mut bob_hears = PusherClient::connect(&server).await;
    let channel = format!("private-conversation.{room}");
    assert_eq!(
        bob_hears.subscribe(&server, &bob_token, &channel).await,
        200
    );

    let (status, patched) = server
        .patch(
            &room_path(room),
            &ann,
            json!({"description": "Release planning", "slow_mode_seconds": 30}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["message"], "Conversation updated.");
    assert_eq!(patched["data"]["name"], "Team", "a field left out is kept");
    assert_eq!(patched["data"]["description"], "Release planning");
    assert_eq!(patched["data"]["slow_mode_seconds"], 30);
    let told = bob_hears.next_named("conversation.updated").await;
    assert_eq!(told["conversation"]["description"], "Release planning");
    assert_eq!(told["conversation"]["slow_mode_seconds"], 30);
    assert!(told["conversation"].get("my_role").is_none(), "{told}");

    let (status, cleared) = server
        .patch(
            &room_path(room),
            &ann,
            json!({"name": null, "slow_mode_seconds": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert_eq!(cleared["data"]["name"], Value::Null);
    assert_eq!(cleared["data"]["description"], "Release planning");

    let (status, refused) = server
        .patch(
            &room_path(room),
            &ann,
            json!({"slow_mode_seconds": 21_601, "description": "x".repeat(1_001)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["errors"]["slow_mode_seconds"].is_array(),
        "{refused}"
    );
    assert!(refused["errors"]["description"].is_array(), "{refused}");
}

async fn slow_mode_answers_429_with_retry_after_and_spares_moderators(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Team", &[bob]).await;
    let (status, _) = server
        .patch(&room_path(room), &ann, json!({"slow_mode_seconds": 60}))
        .await;
    assert_eq!(status, StatusCode::OK);
    server.send(&bob_token, room, "first").await;
    let response = server
        .client
        .post(server.url(&format!("{}/messages", room_path(room))))
        .bearer_auth(&bob_token)
        .json(&json!({"body": "second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], false);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Slow mode is on"),
        "{body}"
    );
    // The owner is not slowed.
    server.send(&ann, room, "one").await;
    server.send(&ann, room, "two").await;
}

async fn a_timed_out_member_reads_but_cannot_send_react_type_or_whisper(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann_id, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Team", &[bob]).await;
    let hello = server.send(&ann, room, "hello").await;
    let channel = format!("private-conversation.{room}");
    let mut bob_socket = PusherClient::connect(&server).await;
    assert_eq!(
        bob_socket.subscribe(&server, &bob_token, &channel).await,
        200
    );
    let timeout = format!("{}/participants/{bob}/timeout", room_path(room));

    let until = in_an_hour();
    let (status, timed_out) = server.put(&timeout, &ann, json!({"until": until})).await;
    assert_eq!(status, StatusCode::OK, "{timed_out}");
    assert_eq!(participant(&timed_out, bob)["timed_out_until"], until);
    let told = bob_socket.next_named("participant.updated").await;
    assert_eq!(told["participant"]["id"], bob);
    assert_eq!(told["participant"]["timed_out_until"], until);

    let messages = format!("{}/messages", room_path(room));
    let (status, refused) = server
        .post(&messages, &bob_token, json!({"body": "hi"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused["message"],
        format!("You are timed out until {until}.")
    );
    assert!(refused["errors"]["until"].is_array(), "{refused}");
    let react = format!("{messages}/{}/reactions/👍", hello["id"]);
    let (status, _) = server
        .call(Method::PUT, &react, Some(&bob_token), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = server
        .post(
            &format!("{}/typing", room_path(room)),
            &bob_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = server.get(&messages, &bob_token).await;
    assert_eq!(status, StatusCode::OK, "a timed-out member still reads");
    bob_socket
        .send(json!({"event": "client-typing", "channel": channel, "data": {}}))
        .await;
    let refused = bob_socket.next_named("pusher:error").await;
    assert!(
        refused["message"].as_str().unwrap().contains("timed out"),
        "{refused}"
    );

    let (status, lifted) = server.delete(&timeout, &ann).await;
    assert_eq!(status, StatusCode::OK, "{lifted}");
    assert_eq!(participant(&lifted, bob)["timed_out_until"], Value::Null);
    server.send(&bob_token, room, "back").await;
    // A member cannot time out the owner.
    let (status, _) = server
        .put(
            &format!("{}/participants/{ann_id}/timeout", room_path(room)),
            &bob_token,
            json!({"until": in_an_hour()}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn an_unban_lets_a_user_be_invited_again_and_the_ban_list_says_who_is_banned(
    backend: &Backend,
) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, _) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Team", &[bob]).await;
    let ban = format!("{}/ban/{bob}", room_path(room));
    let invite = format!("{}/invite", room_path(room));
    let (status, _) = server.post(&ban, &ann, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server.post(&invite, &ann, json!({"user_ids": [bob]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let bans = format!("{}/bans", room_path(room));
    let (status, banned) = server.get(&bans, &ann).await;
    assert_eq!(status, StatusCode::OK, "{banned}");
    assert_eq!(
        banned["data"],
        json!([{"id": bob, "name": "Bob Stone", "avatar_url": null}])
    );
    let (_, cy_token) = server.register("Cy Twombly").await;
    let (status, _) = server.get(&bans, &cy_token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an outsider sees no room");
    let (status, unbanned) = server.delete(&ban, &ann).await;
    assert_eq!(status, StatusCode::OK, "{unbanned}");
    assert_eq!(unbanned["message"], "User unbanned.");
    assert_eq!(
        participant(&unbanned, bob),
        Value::Null,
        "an unban brings nobody back"
    );
    let (status, refused) = server.delete(&ban, &ann).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused["message"],
        format!("User {bob} is not banned from this room.")
    );
    let (status, _) = server.post(&invite, &ann, json!({"user_ids": [bob]})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, banned) = server.get(&bans, &ann).await;
    assert_eq!(banned["data"], json!([]));
}
