//! The message features across nodes: a send repeated on every node at once is stored and told
//! once, and edits, reactions and deletions made on one node reach sockets on another.

use std::time::Duration;

use confab_tests::pusher::PusherClient;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cluster::{Cluster, drain, next_named};

const QUIET: Duration = Duration::from_millis(400);
const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_repeated_client_id_on_every_node_stores_once_and_changes_cross_nodes() {
    let Some(cluster) = Cluster::start("a_repeated_client_id_on_every_node…").await else {
        return;
    };
    let (a, b, c) = (cluster.node(0), cluster.node(1), cluster.node(2));
    let (_, ann_token) = a.register("Ann Lee").await;
    let (bob, bob_token) = b.register("Bob Stone").await;
    let room = a.group(&ann_token, "Retries", &[bob]).await;
    let mut bobs = PusherClient::connect(c).await;
    let channel = format!("private-conversation.{room}");
    assert_eq!(bobs.subscribe(c, &bob_token, &channel).await, 200);

    // Nine copies of one send, three to each node, at the same moment.
    let path = format!("/api/v1/conversations/{room}/messages");
    let sends = (0..9).map(|i| {
        let node = cluster.node(i % 3);
        node.client
            .post(node.url(&path))
            .bearer_auth(&ann_token)
            .header("Idempotency-Key", "retry-7")
            .json(&json!({"body": "once, wherever it lands"}))
            .send()
    });
    let mut created = 0;
    let mut ids = Vec::new();
    for answer in futures_util::future::join_all(sends).await {
        let answer = answer.unwrap();
        created += usize::from(answer.status() == StatusCode::CREATED);
        let body: Value = answer.json().await.unwrap();
        ids.push(body["data"]["id"].clone());
    }
    assert_eq!(
        created, 1,
        "one node stored it; the others answered the repeat"
    );
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let told = drain(&mut bobs, QUIET).await;
    assert_eq!(told.len(), 1, "told once: {told:?}");
    let (_, page) = b.get(&path, &bob_token).await;
    assert_eq!(page["meta"]["total"], 1);

    // Changes on A and B reach Bob's socket on C.
    let message = format!("{path}/{}", ids[0]);
    let (status, _) = a
        .call(
            Method::PATCH,
            &message,
            Some(&ann_token),
            Some(json!({"body": "edited on A"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let updated = next_named(&mut bobs, "message.updated", WAIT)
        .await
        .expect("message.updated");
    assert_eq!(updated.data["message"]["body"], "edited on A");
    let (status, _) = b
        .call(
            Method::PUT,
            &format!("{message}/reactions/👍"),
            Some(&bob_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let reacted = next_named(&mut bobs, "message.reacted", WAIT)
        .await
        .expect("message.reacted");
    assert_eq!(
        reacted.data["reactions"],
        json!([{"emoji": "👍", "count": 1}])
    );
    let (status, _) = a.delete(&message, &ann_token).await;
    assert_eq!(status, StatusCode::OK);
    let deleted = next_named(&mut bobs, "message.deleted", WAIT)
        .await
        .expect("message.deleted");
    assert_eq!(deleted.data["message_id"], ids[0]);
    assert!(drain(&mut bobs, QUIET).await.is_empty(), "each once");
}
