//! Deleting an account, end to end on both databases: the password is asked, every room is left
//! by the rules of ownership, the messages stay as tombstones under "Deleted user" so everyone
//! else's pages, totals and unread counts stay exact, the rest of the person goes (reactions,
//! sessions, sockets, search), and the email is free again.

use confab_tests::pusher::PusherClient;
use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(a_deleted_account_leaves_tombstones_and_exact_counts);

fn messages(room: i64) -> String {
    format!("/api/v1/conversations/{room}/messages")
}

async fn delete_account(server: &TestServer, token: &str, password: &str) -> (StatusCode, Value) {
    server
        .call(
            Method::DELETE,
            "/api/v1/user",
            Some(token),
            Some(json!({"password": password})),
        )
        .await
}

async fn unread(server: &TestServer, token: &str, room: i64) -> Value {
    let (status, body) = server
        .get(&format!("/api/v1/conversations/{room}"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"]["unread_count"].clone()
}

async fn a_deleted_account_leaves_tombstones_and_exact_counts(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann, ann_token) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (cy, cy_token) = server.register("Cy Admin").await;
    // Ann owns the room; Cy is its admin, Bob a member who joined before Cy.
    let room = server.group(&ann_token, "Team", &[bob, cy]).await;
    let (status, body) = server
        .put(
            &format!("/api/v1/conversations/{room}/participants/{cy}/role"),
            &ann_token,
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, direct) = server
        .post(
            "/api/v1/conversations",
            &ann_token,
            json!({"user_ids": [bob]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{direct}");
    let direct = direct["data"]["id"].as_i64().unwrap();

    let bobs = server.send(&bob_token, room, "morning all").await;
    for text in ["zanzibar plans", "second thought", "third"] {
        server.send(&ann_token, room, text).await;
    }
    server.send(&ann_token, direct, "just us").await;
    let (status, reacted) = server
        .call(
            Method::PUT,
            &format!("{}/{}/reactions/👍", messages(room), bobs["id"]),
            Some(&ann_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{reacted}");
    let (_, page_before) = server.get(&messages(room), &bob_token).await;
    let unread_before = unread(&server, &bob_token, room).await;
    assert_eq!(unread_before, 3);

    let mut bob_hears = PusherClient::connect(&server).await;
    let channel = format!("private-conversation.{room}");
    assert_eq!(
        bob_hears.subscribe(&server, &bob_token, &channel).await,
        200
    );
    let mut ann_socket = PusherClient::connect(&server).await;
    let ann_channel = format!("private-user.{ann}");
    assert_eq!(
        ann_socket
            .subscribe(&server, &ann_token, &ann_channel)
            .await,
        200
    );

    // The password is asked, and a wrong one changes nothing.
    let (status, refused) = delete_account(&server, &ann_token, "not-her-password").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(
        refused["errors"]["password"],
        json!(["The password is incorrect."])
    );
    let (status, _) = server.get("/api/v1/user/me", &ann_token).await;
    assert_eq!(status, StatusCode::OK);

    let (status, done) = delete_account(&server, &ann_token, "secret-password").await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done, json!({"status": true, "message": "Account deleted."}));

    // The room is told who went, who owns it now, and the name the messages now carry.
    let removed = bob_hears.next_named("participant.removed").await;
    assert_eq!(removed["user"]["id"], ann);
    let owner = bob_hears.next_named("participant.updated").await;
    assert_eq!(
        (
            owner["participant"]["id"].clone(),
            owner["participant"]["role"].clone()
        ),
        (json!(cy), json!("owner"))
    );
    let renamed = bob_hears.next_named("user.updated").await;
    assert_eq!(
        renamed,
        json!({"user": {"id": ann, "name": "Deleted user", "avatar_url": null}})
    );
    // Her sessions ended: the token is refused and her socket closed.
    let (status, _) = server.get("/api/v1/user/me", &ann_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let closing = loop {
        let event = ann_socket.next_event().await.expect("told why it closes");
        if event.event == "pusher:error" {
            break event;
        }
    };
    assert_eq!(closing.data["code"], 4009);
    assert!(ann_socket.next_event().await.is_none(), "then closed");
    let (status, _) = server
        .call(
            Method::POST,
            "/api/v1/user/login",
            None,
            Some(json!({"email": "ann.lee@example.com", "password": "secret-password"})),
        )
        .await;
    assert!(status.is_client_error(), "{status}");

    // Pages, totals and unread counts of the others are what they were.
    let (_, page_after) = server.get(&messages(room), &bob_token).await;
    assert_eq!(page_after["meta"], page_before["meta"]);
    let after = page_after["data"].as_array().unwrap();
    assert_eq!(after.len(), page_before["data"].as_array().unwrap().len());
    for message in after.iter().filter(|m| m["user_id"] == ann) {
        assert_eq!(message["body"], "", "{message}");
        assert!(message["deleted_at"].is_string(), "{message}");
        assert_eq!(message["user"]["name"], "Deleted user");
    }
    assert_eq!(after.iter().filter(|m| m["user_id"] == ann).count(), 3);
    let bobs_now = after.iter().find(|m| m["id"] == bobs["id"]).unwrap();
    assert_eq!(
        bobs_now["reactions"],
        json!([]),
        "her reaction went with her"
    );
    assert_eq!(unread(&server, &bob_token, room).await, unread_before);
    let (_, found) = server
        .get("/api/v1/messages/search?q=zanzibar", &bob_token)
        .await;
    assert_eq!(found["meta"]["total"], 0, "{found}");

    // The room passed to its admin; the room she was alone in closed; the direct chat closed.
    let (_, team) = server
        .get(&format!("/api/v1/conversations/{room}"), &cy_token)
        .await;
    let people: Vec<(Value, Value)> = team["data"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].clone(), p["role"].clone()))
        .collect();
    assert_eq!(
        people,
        [(json!(bob), json!("member")), (json!(cy), json!("owner"))]
    );
    let (_, chat) = server
        .get(&format!("/api/v1/conversations/{direct}"), &bob_token)
        .await;
    assert_eq!(chat["data"]["is_closed"], true, "{chat}");
    let (status, _) = server
        .post(&messages(direct), &bob_token, json!({"body": "hello?"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, history) = server.get(&messages(direct), &bob_token).await;
    assert_eq!(history["data"][0]["user"]["name"], "Deleted user");

    // Nobody finds, invites or starts a chat with a deleted account, and her email is free.
    let (_, people) = server.get("/api/v1/users?search=ann", &bob_token).await;
    assert_eq!(people["data"], json!([]), "{people}");
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{room}/invite"),
            &cy_token,
            json!({"user_ids": [ann]}),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    let (again, _) = server.register("Ann Lee").await;
    assert_ne!(again, ann);
}
