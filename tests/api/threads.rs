//! Threads end to end: a reply out of the room's timeline, the root's summary, `thread.updated`
//! and `message.sent` on the room's channel, `thread_reply` notifications to followers, the
//! thread page, following, the thread list and its unread counts, and bad input.

use confab_tests::pusher::PusherClient;
use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    a_thread_lives_beside_the_room_and_is_told_live,
    following_reading_and_listing_threads,
    threads_refuse_bad_input_in_the_error_shape,
);

async fn send(server: &TestServer, token: &str, room: i64, body: Value) -> (StatusCode, Value) {
    server
        .post(
            &format!("/api/v1/conversations/{room}/messages"),
            token,
            body,
        )
        .await
}

async fn a_thread_lives_beside_the_room_and_is_told_live(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann, ann_token) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann_token, "Plans", &[bob]).await;
    let root = server.send(&ann_token, room, "Friday?").await;
    let root_id = root["id"].as_i64().unwrap();
    let mut ann_hears = PusherClient::connect(&server).await;
    let channel = format!("private-conversation.{room}");
    assert_eq!(
        ann_hears.subscribe(&server, &ann_token, &channel).await,
        200
    );
    let mut ann_alone = PusherClient::connect(&server).await;
    assert_eq!(
        ann_alone
            .subscribe(&server, &ann_token, &format!("private-user.{ann}"))
            .await,
        200
    );

    let (status, reply) = send(
        &server,
        &bob_token,
        room,
        json!({"body": "I'm in", "thread_id": root_id}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    assert_eq!(reply["data"]["thread_id"], root_id);
    assert_eq!(reply["data"]["thread"], Value::Null);
    let sent = ann_hears.next_named("message.sent").await;
    assert_eq!(
        sent["message"], reply["data"],
        "the reply, with its thread_id"
    );
    let updated = ann_hears.next_named("thread.updated").await;
    assert_eq!(
        (
            updated["conversation_id"].clone(),
            updated["root_id"].clone()
        ),
        (json!(room), json!(root_id))
    );
    assert_eq!(updated["thread"]["reply_count"], 1);
    assert_eq!(updated["thread"]["last_reply_id"], reply["data"]["id"]);
    assert_eq!(
        updated["thread"]["participants"],
        json!([{"id": bob, "name": "Bob Stone", "avatar_url": null}])
    );
    assert!(crate::is_document_timestamp(
        &updated["thread"]["last_reply_at"]
    ));
    let note = ann_alone.next_named("notification").await;
    assert_eq!(note["type"], "thread_reply", "the root's author follows");

    // Out of the room's timeline; the root carries the summary the event told.
    let (_, page) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages"),
            &ann_token,
        )
        .await;
    assert_eq!(page["meta"]["total"], 1);
    assert_eq!(page["data"][0]["thread"], updated["thread"]);
    let (_, list) = server.get("/api/v1/conversations", &ann_token).await;
    assert_eq!(list["data"][0]["last_message"]["id"], root_id);
    assert_eq!(list["data"][0]["unread_count"], 0);

    // Also in the room: counted there too.
    let (_, shared) = send(
        &server,
        &bob_token,
        room,
        json!({"body": "Everyone: Friday!", "thread_id": root_id, "also_in_room": true}),
    )
    .await;
    let (_, page) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages"),
            &ann_token,
        )
        .await;
    assert_eq!(page["meta"]["total"], 2);
    assert_eq!(page["data"][0]["id"], shared["data"]["id"]);

    let (status, thread) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages/{root_id}/thread?limit=1"),
            &ann_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{thread}");
    assert_eq!(thread["root"]["id"], root_id);
    assert_eq!(thread["root"]["thread"]["reply_count"], 2);
    assert_eq!(thread["data"][0]["id"], shared["data"]["id"]);
    assert_eq!(thread["meta"], json!({"limit": 1, "has_more": true}));
    let (_, older) = server
        .get(
            &format!(
                "/api/v1/conversations/{room}/messages/{root_id}/thread?before={}",
                shared["data"]["id"]
            ),
            &ann_token,
        )
        .await;
    assert_eq!(older["data"][0]["id"], reply["data"]["id"]);
    assert_eq!(older["meta"]["has_more"], false);
}

async fn following_reading_and_listing_threads(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann_token) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (cy, cy_token) = server.register("Cy Hale").await;
    let room = server.group(&ann_token, "Plans", &[bob, cy]).await;
    let root = server.send(&ann_token, room, "Friday?").await;
    let root_id = root["id"].as_i64().unwrap();
    let base = format!("/api/v1/conversations/{room}/messages/{root_id}/thread");
    let (status, body) = server
        .call(
            Method::PUT,
            &format!("{base}/follow"),
            Some(&cy_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["message"], "Following the thread.");
    send(
        &server,
        &bob_token,
        room,
        json!({"body": "one", "thread_id": root_id}),
    )
    .await;
    let (_, two) = send(
        &server,
        &bob_token,
        room,
        json!({"body": "two", "thread_id": root_id}),
    )
    .await;

    let (status, mine) = server.get("/api/v1/user/threads", &cy_token).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["data"][0]["root"]["id"], root_id);
    assert_eq!(mine["data"][0]["unread_count"], 2);
    assert_eq!(mine["meta"], json!({"limit": 20, "has_more": false}));
    let (status, _) = server
        .post(&format!("{base}/read"), &cy_token, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, mine) = server.get("/api/v1/user/threads", &cy_token).await;
    assert_eq!(mine["data"][0]["unread_count"], 0);
    let (_, bobs) = server.get("/api/v1/user/threads", &bob_token).await;
    assert_eq!(
        bobs["data"][0]["unread_count"], 0,
        "his own replies are read"
    );

    let (status, _) = server.delete(&format!("{base}/follow"), &cy_token).await;
    assert_eq!(status, StatusCode::OK);
    let (_, mine) = server.get("/api/v1/user/threads", &cy_token).await;
    assert_eq!(mine["data"], json!([]));
    let (_, page) = server
        .get(
            &format!("/api/v1/user/threads?before={}", two["data"]["id"]),
            &ann_token,
        )
        .await;
    assert_eq!(
        page["data"],
        json!([]),
        "nothing older than the thread's last reply"
    );
}

async fn threads_refuse_bad_input_in_the_error_shape(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann_token) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (_, dan_token) = server.register("Dan Roe").await;
    let room = server.group(&ann_token, "Plans", &[bob]).await;
    let elsewhere = server.group(&dan_token, "Elsewhere", &[]).await;
    let foreign = server.send(&dan_token, elsewhere, "not here").await;
    let root = server.send(&ann_token, room, "root").await;
    let root_id = root["id"].as_i64().unwrap();
    let (_, reply) = send(
        &server,
        &bob_token,
        room,
        json!({"body": "in", "thread_id": root_id}),
    )
    .await;

    for thread in [
        reply["data"]["id"].clone(),
        foreign["id"].clone(),
        json!(999_999),
    ] {
        let (status, body) = send(
            &server,
            &ann_token,
            room,
            json!({"body": "x", "thread_id": thread}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{thread}: {body}");
        assert!(body["errors"]["thread_id"].is_array(), "{body}");
    }
    let base = format!("/api/v1/conversations/{room}/messages");
    let (status, body) = server
        .get(
            &format!("{base}/{}/thread", reply["data"]["id"]),
            &ann_token,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a reply holds no thread: {body}"
    );
    let (status, body) = server
        .get(&format!("{base}/{root_id}/thread"), &dan_token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an outsider: {body}");
    let (status, body) = server
        .get(
            &format!("{base}/{root_id}/thread?before=1&after=2&limit=0"),
            &ann_token,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["errors"]["after"].is_array() && body["errors"]["limit"].is_array(),
        "{body}"
    );
    let (status, body) = server
        .call(
            Method::PUT,
            &format!("{base}/{}/thread/follow", reply["data"]["id"]),
            Some(&ann_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = server
        .get("/api/v1/user/threads?limit=101", &ann_token)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, page) = server
        .get(
            &format!("{base}?before={}", reply["data"]["id"]),
            &ann_token,
        )
        .await;
    assert!(
        page["errors"]["before"].is_array(),
        "a thread reply is no cursor of the room: {page}"
    );
}
