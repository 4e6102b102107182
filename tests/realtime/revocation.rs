//! Live revocation: once a removal, ban or leave returns, the member's open sockets get nothing
//! more from the room.

use std::time::Duration;

use confab_tests::pusher::{Event, PusherClient};
use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(a_removed_members_socket_receives_nothing_after_the_removal_returns);

/// Everything a socket receives within `wait`.
async fn drain(socket: &mut PusherClient, wait: Duration) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some(event) = socket.next_event_within(wait).await {
        events.push(event);
    }
    events
}

async fn a_removed_members_socket_receives_nothing_after_the_removal_returns(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (carl, carl_token) = server.register("Carl Dean").await;
    let room = server.group(&ann, "Team Chat", &[bob, carl]).await;
    let channel = format!("private-conversation.{room}");
    let mut bobs_socket = PusherClient::connect(&server).await;
    bobs_socket.subscribe(&server, &bob_token, &channel).await;
    let mut carls_socket = PusherClient::connect(&server).await;
    carls_socket.subscribe(&server, &carl_token, &channel).await;

    let (status, _) = server
        .delete(
            &format!("/api/v1/conversations/{room}/participants/{bob}"),
            &ann,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    server.send(&ann, room, "after Bob left").await;

    // Carl, still inside, sees the removal and then the message: the room is live.
    let carls = drain(&mut carls_socket, Duration::from_millis(500)).await;
    let names: Vec<&str> = carls.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names, ["participant.removed", "message.sent"], "{carls:?}");
    assert_eq!(carls[0].data["user"]["id"], bob);

    // Bob may hear that he was removed, and nothing after it.
    let bobs = drain(&mut bobs_socket, Duration::from_millis(500)).await;
    assert!(
        bobs.iter().all(|e| e.event != "message.sent"),
        "a removed member received a message: {bobs:?}"
    );

    // Re-subscribing with the old signature does not bring him back.
    bobs_socket
        .send(json!({"event": "pusher:subscribe", "data": {"channel": channel, "auth": "stale"}}))
        .await;
    let answer = bobs_socket
        .next_event()
        .await
        .expect("an answer to the subscribe");
    assert_ne!(answer.event, "pusher_internal:subscription_succeeded");
    assert_eq!(
        bobs_socket.subscribe(&server, &bob_token, &channel).await,
        403
    );
}
