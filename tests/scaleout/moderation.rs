//! Running a room across nodes: a timeout set through one node refuses the member's whispers on
//! the socket another node holds, at once, and its lift lets them through again; a demoted admin
//! is refused by every node.

use std::time::Duration;

use confab_tests::pusher::PusherClient;
use reqwest::StatusCode;
use serde_json::json;

use crate::cluster::{Cluster, drain, next_named};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_timeout_set_on_one_node_silences_the_members_socket_on_another() {
    let Some(cluster) = Cluster::start("a_timeout_set_on_one_node_silences…").await else {
        return;
    };
    let (a, b, c) = (cluster.node(0), cluster.node(1), cluster.node(2));
    let (_, ann) = a.register("Ann Lee").await;
    let (bob, bob_token) = a.register("Bob Stone").await;
    let (cy, cy_token) = a.register("Cy Twombly").await;
    let room = a.group(&ann, "Team", &[bob, cy]).await;
    let channel = format!("private-conversation.{room}");
    let mut bob_socket = PusherClient::connect(b).await;
    assert_eq!(bob_socket.subscribe(b, &bob_token, &channel).await, 200);
    let mut cy_socket = PusherClient::connect(c).await;
    assert_eq!(cy_socket.subscribe(c, &cy_token, &channel).await, 200);

    let until = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    let timeout = format!("/api/v1/conversations/{room}/participants/{bob}/timeout");
    let (status, _) = a.put(&timeout, &ann, json!({"until": until})).await;
    assert_eq!(status, StatusCode::OK);
    // The news reaches Bob's node; after it, so has the silence (one ordered stream).
    next_named(&mut bob_socket, "participant.updated", WAIT)
        .await
        .expect("Bob's node is told");
    bob_socket
        .send(json!({"event": "client-typing", "channel": channel, "data": {}}))
        .await;
    let refused = next_named(&mut bob_socket, "pusher:error", WAIT)
        .await
        .expect("the whisper is refused on Bob's node");
    assert!(
        refused.data.to_string().contains("timed out"),
        "{refused:?}"
    );
    let heard = drain(&mut cy_socket, Duration::from_millis(500)).await;
    assert!(
        !heard.iter().any(|e| e.event == "client-typing"),
        "{heard:?}"
    );

    // Lifted through a third node: Bob's whispers reach Cy again.
    let (status, _) = c.delete(&timeout, &ann).await;
    assert_eq!(status, StatusCode::OK);
    next_named(&mut bob_socket, "participant.updated", WAIT)
        .await
        .expect("the lift is told");
    bob_socket
        .send(json!({"event": "client-typing", "channel": channel, "data": {}}))
        .await;
    next_named(&mut cy_socket, "client-typing", WAIT)
        .await
        .expect("the whisper reaches Cy's node");

    // A demoted admin's next request is refused whichever node it reaches.
    let role = format!("/api/v1/conversations/{room}/participants/{bob}/role");
    a.put(&role, &ann, json!({"role": "admin"})).await;
    a.put(&role, &ann, json!({"role": "member"})).await;
    let invite = format!("/api/v1/conversations/{room}/invite");
    for node in [a, b, c] {
        let (status, _) = node
            .post(&invite, &bob_token, json!({"user_ids": [cy]}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}
