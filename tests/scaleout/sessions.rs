//! Sessions across nodes: failed logins are counted by the cluster, and a logout on one node
//! closes the sockets that session opened or signed for on the others.

use std::time::Duration;

use confab_tests::pusher::PusherClient;
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio_tungstenite::connect_async;

use crate::cluster::Cluster;

#[tokio::test]
async fn failed_logins_add_up_across_nodes_and_a_logout_closes_sockets_on_every_node() {
    let Some(cluster) = Cluster::start("failed_logins_add_up_across_nodes…").await else {
        return;
    };
    let (a, b, c) = (cluster.node(0), cluster.node(1), cluster.node(2));
    let (ann, token) = a.register("Ann Lee").await;

    // Five failures spread over A and B: the sixth attempt, on C, is refused.
    for (attempt, node) in [a, a, a, b, b].into_iter().enumerate() {
        let (status, _) = node
            .call(
                Method::POST,
                "/api/v1/user/login",
                None,
                Some(json!({"email": "ann.lee@example.com", "password": "wrong-guess"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let (status, body) = c
        .call(
            Method::POST,
            "/api/v1/user/login",
            None,
            Some(json!({"email": "ann.lee@example.com", "password": "secret-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");

    // A Pusher socket on B signed by C, an envelope socket on C; the logout goes to A.
    let mut pusher = PusherClient::connect(b).await;
    let channel = format!("private-user.{ann}");
    assert_eq!(pusher.subscribe(c, &token, &channel).await, 200);
    let url = c
        .url(&format!("/ws?token={token}"))
        .replacen("http://", "ws://", 1);
    let (mut envelopes, _) = connect_async(url).await.expect("envelope socket");
    let (status, _) = a
        .call(Method::POST, "/api/v1/user/logout", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let told = pusher.next_event().await.expect("the socket on B is told");
    assert_eq!(told.event, "pusher:error");
    assert_eq!(told.data["code"], 4009);
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(frame)) = envelopes.next().await {
            if frame.is_close() {
                break;
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the envelope socket on C closes");
    assert_eq!(
        b.get("/api/v1/user/me", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
}
