//! Signed-in users across nodes: a watchlist hears a user come online and go offline wherever
//! their socket is, an event sent to a user through one node reaches their socket on another, and
//! ending a user's connections through a third closes it.

use std::time::Duration;

use confab_tests::TestServer;
use confab_tests::pusher::PusherClient;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cluster::{Cluster, next_named, pusher_api};

const WAIT: Duration = Duration::from_secs(5);

/// Signs `socket` in as the owner of `token`, the signature asked of `api` (any node).
async fn sign_in(socket: &mut PusherClient, api: &TestServer, token: &str) {
    let (status, grant) = api
        .post(
            "/api/broadcasting/user-auth",
            token,
            json!({"socket_id": socket.socket_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{grant}");
    socket
        .send(json!({"event": "pusher:signin", "data": grant}))
        .await;
    let success = next_named(socket, "pusher:signin_success", WAIT)
        .await
        .expect("signin_success");
    assert_eq!(success.data["user_data"], grant["user_data"]);
}

/// The next watchlist event's one `(name, user ids)`.
async fn watchlist_event(socket: &mut PusherClient) -> (String, Value) {
    let event = next_named(socket, "pusher_internal:watchlist_events", WAIT)
        .await
        .expect("a watchlist event");
    let events = event.data["events"].as_array().expect("events").clone();
    assert_eq!(events.len(), 1, "{events:?}");
    (
        events[0]["name"].as_str().expect("name").to_owned(),
        events[0]["user_ids"].clone(),
    )
}

#[tokio::test]
async fn signed_in_users_are_one_list_across_nodes() {
    let Some(cluster) = Cluster::start("signed_in_users_are_one_list_across_nodes").await else {
        return;
    };
    let (a, b, c) = (cluster.node(0), cluster.node(1), cluster.node(2));
    let (_ann, ann_token) = a.register("Ann Lee").await;
    let (bob, bob_token) = b.register("Bob Stone").await;
    let (status, chat) = a
        .post(
            "/api/v1/conversations",
            &ann_token,
            json!({"type": "direct", "user_ids": [bob]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{chat}");
    let bob_id = json!([bob.to_string()]);

    // Ann on A, signed by B: Bob is offline.
    let mut anns = PusherClient::connect(a).await;
    sign_in(&mut anns, b, &ann_token).await;
    assert_eq!(
        watchlist_event(&mut anns).await,
        ("offline".into(), bob_id.clone())
    );

    // Bob on C: Ann, on A, hears him come online.
    let mut bobs = PusherClient::connect(c).await;
    sign_in(&mut bobs, c, &bob_token).await;
    assert_eq!(
        watchlist_event(&mut anns).await,
        ("online".into(), bob_id.clone())
    );

    // An event for Bob, sent through B, reaches his socket on C.
    let channel = format!("#server-to-user-{bob}");
    bobs.send(json!({"event": "pusher:subscribe", "data": {"channel": channel, "auth": ""}}))
        .await;
    next_named(&mut bobs, "pusher_internal:subscription_succeeded", WAIT)
        .await
        .expect("Bob's user channel");
    let (status, _) = pusher_api(
        b,
        Method::POST,
        &format!("/users/{bob}/events"),
        Some(&json!({"name": "nudge", "data": "{\"n\":1}"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let nudge = next_named(&mut bobs, "nudge", WAIT)
        .await
        .expect("the event sent to Bob through another node");
    assert_eq!(nudge.channel.as_deref(), Some(channel.as_str()));
    assert_eq!(nudge.data, json!({"n": 1}));

    // Bob's connections ended through A: his socket on C closes, and Ann hears him go.
    let (status, _) = pusher_api(
        a,
        Method::POST,
        &format!("/users/{bob}/terminate_connections"),
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(watchlist_event(&mut anns).await, ("offline".into(), bob_id));
    let goodbye = next_named(&mut bobs, "pusher:error", WAIT)
        .await
        .expect("Bob's socket on C is told why it closes");
    assert_eq!(goodbye.data["code"], 4009, "{:?}", goodbye.data);
    assert!(
        bobs.next_event_within(WAIT).await.is_none(),
        "nothing after the goodbye"
    );
}
