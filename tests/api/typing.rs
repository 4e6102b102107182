//! Typing: `POST …/typing` tells the others in the room as a `typing` event, at most once per
//! 2 s per user and room, and is refused where no one may post.

use std::time::Duration;

use confab_tests::pusher::PusherClient;
use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    typing_reaches_the_room_once_per_interval,
    typing_is_refused_where_no_one_may_post,
);

async fn typing_reaches_the_room_once_per_interval(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann, ann_token) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann_token, "Typing", &[bob]).await;
    let mut bob_hears = PusherClient::connect(&server).await;
    let channel = format!("private-conversation.{room}");
    assert_eq!(
        bob_hears.subscribe(&server, &bob_token, &channel).await,
        200
    );
    let path = format!("/api/v1/conversations/{room}/typing");

    let (status, body) = server.post(&path, &ann_token, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(body, Value::Null, "204 has no body");
    let typing = bob_hears.next_event().await.expect("a typing event");
    assert_eq!(typing.event, "typing");
    assert_eq!(typing.channel.as_deref(), Some(channel.as_str()));
    assert_eq!(
        typing.data,
        json!({"conversation_id": room, "thread_id": null, "user": {"id": ann, "name": "Ann Lee", "avatar_url": null}})
    );

    // Within the interval: answered alike, without an event. The message sent after it is the
    // next thing on the channel.
    let (status, _) = server
        .post(&path, &ann_token, json!({"thread_id": null}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let root = server.send(&bob_token, room, "Shall we plan?").await;
    let next = bob_hears.next_event().await.expect("the message");
    assert_eq!(next.event, "message.sent", "{:?}", next.data);

    // Once the interval is over, typing in the thread under that message names it.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let (status, body) = server
        .post(&path, &ann_token, json!({"thread_id": root["id"]}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let typing = bob_hears.next_event().await.expect("a typing event");
    assert_eq!(typing.event, "typing");
    assert_eq!(typing.data["thread_id"], root["id"]);
    assert_eq!(typing.data["user"]["id"], ann);
}

async fn typing_is_refused_where_no_one_may_post(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann_token) = server.register("Ann Lee").await;
    let (bob, _) = server.register("Bob Stone").await;
    let (_, carl_token) = server.register("Carl Dean").await;
    let room = server.group(&ann_token, "Typing", &[bob]).await;
    let elsewhere = server.group(&carl_token, "Elsewhere", &[]).await;
    let foreign = server.send(&carl_token, elsewhere, "not here").await;
    let path = format!("/api/v1/conversations/{room}/typing");

    let (status, body) = server.post(&path, &carl_token, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an outsider: {body}");

    for thread in [foreign["id"].clone(), json!(999_999)] {
        let (status, body) = server
            .post(&path, &ann_token, json!({"thread_id": thread}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{thread}: {body}");
        assert!(body["errors"]["thread_id"].is_array(), "{body}");
    }

    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{room}/close"),
            &ann_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = server.post(&path, &ann_token, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["message"], "Cannot send messages to a closed room.");
}
