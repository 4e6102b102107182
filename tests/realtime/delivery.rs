//! Messages sent over HTTP reach subscribed sockets: once each, in order, never the sender's tab.

use std::time::Duration;

use confab_tests::pusher::PusherClient;
use confab_tests::{APP_KEY, Backend, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    a_message_sent_over_http_reaches_a_hundred_sockets_once_each_in_order,
    the_senders_own_socket_is_left_out_with_x_socket_id,
    only_participants_get_a_signature_for_a_room_channel,
    an_edited_message_arrives_as_the_patch_response_without_the_readers_own_me,
);

async fn a_message_sent_over_http_reaches_a_hundred_sockets_once_each_in_order(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Busy room", &[bob]).await;
    let channel = format!("private-conversation.{room}");
    let mut sockets = Vec::new();
    for _ in 0..100 {
        let mut socket = PusherClient::connect(&server).await;
        assert_eq!(socket.subscribe(&server, &ann, &channel).await, 200);
        sockets.push(socket);
    }
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(server.send(&bob_token, room, &format!("message {n}")).await);
    }
    for (index, socket) in sockets.iter_mut().enumerate() {
        for expected in &sent {
            let event = socket
                .next_event()
                .await
                .unwrap_or_else(|| panic!("socket {index} missed a message"));
            assert_eq!(event.event, "message.sent");
            assert_eq!(event.channel.as_deref(), Some(channel.as_str()));
            assert_eq!(
                &event.data["message"], expected,
                "socket {index}: in order, same object as HTTP"
            );
        }
        let extra = socket.next_event_within(Duration::from_millis(20)).await;
        assert!(extra.is_none(), "socket {index} got a duplicate: {extra:?}");
    }
}

async fn the_senders_own_socket_is_left_out_with_x_socket_id(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Team Chat", &[bob]).await;
    let channel = format!("private-conversation.{room}");
    let mut bobs_tab = PusherClient::connect(&server).await;
    bobs_tab.subscribe(&server, &bob_token, &channel).await;
    let mut anns_tab = PusherClient::connect(&server).await;
    anns_tab.subscribe(&server, &ann, &channel).await;

    let response = server
        .client
        .post(server.url(&format!("/api/v1/conversations/{room}/messages")))
        .bearer_auth(&bob_token)
        .header("X-Socket-ID", &bobs_tab.socket_id)
        .json(&json!({"body": "to others"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let event = anns_tab.next_event().await.expect("Ann gets it");
    assert_eq!(event.data["message"]["body"], "to others");
    // A second message without the header: Bob's tab receives that one first, not the first one.
    server.send(&bob_token, room, "to everyone").await;
    let event = bobs_tab.next_event().await.expect("Bob gets the second");
    assert_eq!(event.data["message"]["body"], "to everyone");
}

async fn only_participants_get_a_signature_for_a_room_channel(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann_id, ann) = server.register("Ann Lee").await;
    let (bob, _) = server.register("Bob Stone").await;
    let (_, eve) = server.register("Eve Hill").await;
    let room = server.group(&ann, "Team Chat", &[bob]).await;
    let mut socket = PusherClient::connect(&server).await;
    assert_eq!(
        socket
            .subscribe(&server, &eve, &format!("private-conversation.{room}"))
            .await,
        403
    );
    assert_eq!(
        socket
            .subscribe(&server, &eve, &format!("private-user.{ann_id}"))
            .await,
        403
    );
    assert_eq!(
        socket
            .subscribe(&server, &ann, &format!("private-user.{ann_id}"))
            .await,
        200
    );

    // Presence: the auth answer carries the member's info, signed.
    let response = server
        .client
        .post(server.url("/api/broadcasting/auth"))
        .bearer_auth(&ann)
        .json(&json!({"socket_id": socket.socket_id, "channel_name": format!("presence-conversation.{room}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let grant: serde_json::Value = response.json().await.unwrap();
    assert!(
        grant["auth"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{APP_KEY}:"))
    );
    let member: serde_json::Value =
        serde_json::from_str(grant["channel_data"].as_str().unwrap()).unwrap();
    assert_eq!(
        member,
        json!({"user_id": ann_id, "user_info": {"id": ann_id, "name": "Ann Lee"}})
    );

    let (status, settings) = server.get("/api/v1/realtime", &ann).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settings["key"], APP_KEY);
    assert_eq!(settings["port"], server.realtime_port);
    assert_eq!(settings["auth_endpoint"], "/api/broadcasting/auth");
}

/// `message.updated` carries the object the `PATCH` answered — rendered by the same DTO — except
/// `reactions[].me`, which is the editor's own and means nothing to the other readers.
async fn an_edited_message_arrives_as_the_patch_response_without_the_readers_own_me(
    backend: &Backend,
) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Edits", &[bob]).await;
    let channel = format!("private-conversation.{room}");
    let mut anns_tab = PusherClient::connect(&server).await;
    assert_eq!(anns_tab.subscribe(&server, &ann, &channel).await, 200);
    let sent = server.send(&bob_token, room, "draft").await;
    let path = format!("/api/v1/conversations/{room}/messages/{}", sent["id"]);
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("{path}/reactions/%F0%9F%8E%89"),
            Some(&bob_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, edited) = server
        .call(
            Method::PATCH,
            &path,
            Some(&bob_token),
            Some(json!({"body": "final"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    let mut expected = edited["data"].clone();
    assert_eq!(
        expected["reactions"],
        json!([{"emoji": "🎉", "count": 1, "me": true}])
    );
    expected["reactions"][0]
        .as_object_mut()
        .unwrap()
        .remove("me");
    let updated = loop {
        let event = anns_tab
            .next_event()
            .await
            .expect("message.updated arrives");
        if event.event == "message.updated" {
            break event;
        }
    };
    assert_eq!(updated.data["message"], expected);
}
