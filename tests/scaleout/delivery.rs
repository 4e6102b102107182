//! Events cross nodes once each; the send limit, revocation and the HTTP API's counts are the
//! cluster's, not one node's.

use std::time::Duration;

use confab_tests::pusher::PusherClient;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::cluster::{Cluster, drain, eventually, next_named, pusher_api};

const QUIET: Duration = Duration::from_millis(400);

#[tokio::test]
async fn events_cross_nodes_once_and_limits_and_revocation_are_shared() {
    let Some(cluster) = Cluster::start("events_cross_nodes_once…").await else {
        return;
    };
    let (a, b, c) = (cluster.node(0), cluster.node(1), cluster.node(2));
    let (ann, ann_token) = a.register("Ann Lee").await;
    let (bob, bob_token) = b.register("Bob Stone").await;
    let (carl, carl_token) = c.register("Carl Dean").await;
    let room = a.group(&ann_token, "Spread out", &[bob, carl]).await;
    let channel = format!("private-conversation.{room}");

    // (a) Ann's socket on A, signed by B (auth and socket on different nodes); Bob's on C;
    // Carl's on A, signed by C.
    let mut anns = PusherClient::connect(a).await;
    assert_eq!(anns.subscribe(b, &ann_token, &channel).await, 200);
    let mut bobs = PusherClient::connect(c).await;
    assert_eq!(bobs.subscribe(c, &bob_token, &channel).await, 200);
    let mut carls = PusherClient::connect(a).await;
    assert_eq!(carls.subscribe(c, &carl_token, &channel).await, 200);

    let sent = b.send(&bob_token, room, "over HTTP to node B").await;
    for (who, socket) in [
        ("Ann on A", &mut anns),
        ("Bob on C", &mut bobs),
        ("Carl on A", &mut carls),
    ] {
        let events = drain(socket, QUIET).await;
        let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(names, ["message.sent"], "{who}, exactly once: {events:?}");
        assert_eq!(events[0].data["message"], sent, "{who}");
    }

    // X-Socket-ID names a socket on another node: it is left out there too.
    let response = a
        .client
        .post(a.url(&format!("/api/v1/conversations/{room}/messages")))
        .bearer_auth(&bob_token)
        .header("X-Socket-ID", &bobs.socket_id)
        .json(&json!({"body": "to the others"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(drain(&mut anns, QUIET).await.len(), 1, "Ann gets it once");
    assert_eq!(drain(&mut carls, QUIET).await.len(), 1, "Carl gets it once");
    assert!(
        drain(&mut bobs, QUIET).await.is_empty(),
        "Bob's own socket is left out"
    );

    // The Pusher HTTP API on B reaches sockets on A and C; a whisper from A reaches A and C.
    let (status, _) = pusher_api(
        b,
        Method::POST,
        "/events",
        Some(&json!({"name": "server.note", "channel": channel, "data": "{\"n\":1}"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for socket in [&mut anns, &mut bobs, &mut carls] {
        let events = drain(socket, QUIET).await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].event, "server.note");
        assert_eq!(events[0].data, json!({"n": 1}));
    }
    anns.send(json!({"event": "client-typing", "channel": channel, "data": {"typing": true}}))
        .await;
    for socket in [&mut bobs, &mut carls] {
        let events = drain(socket, QUIET).await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].event, "client-typing");
    }
    assert!(
        drain(&mut anns, QUIET).await.is_empty(),
        "never echoed to the sender"
    );

    // Counts: every node's sockets, from any node (refreshed every second).
    eventually("connections across nodes", || async {
        let (_, body) = pusher_api(b, Method::GET, "/connections", None).await;
        (body["connections"] == 3, body)
    })
    .await;
    eventually("subscription_count across nodes", || async {
        let path = format!("/channels/{channel}?info=subscription_count");
        let (_, body) = pusher_api(a, Method::GET, &path, None).await;
        (
            body["subscription_count"] == 3 && body["occupied"] == true,
            body,
        )
    })
    .await;

    // (c) The send limit is 60 a minute per user across nodes, whichever node a send reaches.
    let (_, dave_token) = c.register("Dave Moss").await;
    let dave_room = c.group(&dave_token, "Quiet room", &[]).await;
    for n in 0..60 {
        let node = cluster.node(n % 3);
        let (status, body) = node
            .post(
                &format!("/api/v1/conversations/{dave_room}/messages"),
                &dave_token,
                json!({"body": format!("message {n}")}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "send {n} on node {}: {body}",
            n % 3
        );
    }
    for node in 0..3 {
        let (status, body) = cluster
            .node(node)
            .post(
                &format!("/api/v1/conversations/{dave_room}/messages"),
                &dave_token,
                json!({"body": "one too many"}),
            )
            .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "node {node}: {body}");
    }

    // (e) Removing Carl through node B cuts off his socket on node A (signed by C); removing Bob
    // through A cuts off his socket on C. Nothing reaches them after the removal returns,
    // whichever node publishes next.
    for (removed, via, next_sender) in [(carl, b, c), (bob, a, b)] {
        // Whatever the sockets heard before this removal is not the point.
        for socket in [&mut anns, &mut bobs, &mut carls] {
            drain(socket, QUIET).await;
        }
        let (status, _) = via
            .delete(
                &format!("/api/v1/conversations/{room}/participants/{removed}"),
                &ann_token,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let body = format!("after removing {removed}");
        next_sender.send(&ann_token, room, &body).await;
        let socket = if removed == carl {
            &mut carls
        } else {
            &mut bobs
        };
        let events = drain(socket, QUIET).await;
        assert!(
            events.iter().all(|e| e.event != "message.sent"),
            "a removed member received a message: {events:?}"
        );
        let heard = next_named(&mut anns, "message.sent", Duration::from_secs(5)).await;
        assert_eq!(
            heard.expect("Ann still hears the room").data["message"]["body"],
            body.as_str()
        );
    }
    let _ = ann;
}
