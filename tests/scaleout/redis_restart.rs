//! Redis killed and restarted (empty) in the middle of the traffic: what was published meanwhile
//! reaches every node once, in order; and a member removed meanwhile hears nothing more, on any
//! node.

use std::time::{Duration, Instant};

use confab_tests::pusher::PusherClient;
use reqwest::StatusCode;

use crate::cluster::{Cluster, drain, next_named};

const QUIET: Duration = Duration::from_millis(500);
/// How long the backlog may take to arrive after Redis is back (reconnect back-off ≤ 5 s).
const CATCH_UP: Duration = Duration::from_secs(20);

/// A cluster whose Redis this test may kill; `None` (after a SKIPPED line) otherwise.
async fn restartable_cluster(test: &str) -> Option<Cluster> {
    // Well above what the test sends: the send limit is not what is tested.
    let cluster = Cluster::start_with(test, &[("CONFAB_SEND_LIMIT", "1000")]).await?;
    if !cluster.redis.can_restart() {
        confab_tests::skip(&format!(
            "scale-out test {test}: it stops Redis, and only TEST_REDIS_URL (a shared Redis) is available; install redis-server"
        ));
        return None;
    }
    Some(cluster)
}

/// The bodies of the `message.sent` events `socket` hears until it has `expected` of them (or
/// `CATCH_UP` passed), and then whatever else comes within `QUIET` (a duplicate would).
async fn bodies(socket: &mut PusherClient, expected: usize) -> Vec<String> {
    let deadline = Instant::now() + CATCH_UP;
    let mut seen = Vec::new();
    while seen.len() < expected {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(event) = next_named(socket, "message.sent", left).await else {
            break;
        };
        seen.push(
            event.data["message"]["body"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    for event in drain(socket, QUIET).await {
        if event.event == "message.sent" {
            seen.push(
                event.data["message"]["body"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
    }
    seen
}

#[tokio::test]
async fn messages_sent_while_redis_restarts_reach_every_node_once_in_order() {
    let Some(mut cluster) = restartable_cluster("messages_sent_while_redis_restarts…").await
    else {
        return;
    };
    let (a, b, c) = (cluster.node(0), cluster.node(1), cluster.node(2));
    let (_, ann_token) = a.register("Ann Lee").await;
    let (bob, bob_token) = b.register("Bob Stone").await;
    let (carl, carl_token) = c.register("Carl Diaz").await;
    let room = a
        .group(&ann_token, "Through the restart", &[bob, carl])
        .await;
    let channel = format!("private-conversation.{room}");
    let mut bobs = PusherClient::connect(b).await;
    assert_eq!(bobs.subscribe(b, &bob_token, &channel).await, 200);
    let mut carls = PusherClient::connect(c).await;
    assert_eq!(carls.subscribe(c, &carl_token, &channel).await, 200);

    // Messages through node A, one every 20 ms; Redis dies after the 30th and comes back, empty,
    // after the 70th.
    const TOTAL: usize = 110;
    let mut sent = Vec::new();
    for n in 0..TOTAL {
        if n == 30 {
            cluster.redis.kill();
        }
        if n == 70 {
            cluster.redis.restart();
        }
        let body = format!("m{n}");
        let (status, answer) = cluster
            .node(0)
            .post(
                &format!("/api/v1/conversations/{room}/messages"),
                &ann_token,
                serde_json::json!({"body": body}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "send {n}: {answer}");
        sent.push(body);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    assert_eq!(
        bodies(&mut bobs, TOTAL).await,
        sent,
        "node B: lost, doubled or reordered"
    );
    assert_eq!(
        bodies(&mut carls, TOTAL).await,
        sent,
        "node C: lost, doubled or reordered"
    );
}

#[tokio::test]
async fn a_member_removed_while_redis_is_away_hears_nothing_more_on_any_node() {
    let Some(mut cluster) = restartable_cluster("a_member_removed_while_redis_is_away…").await
    else {
        return;
    };
    let (a, b) = (cluster.node(0), cluster.node(1));
    let (_, ann_token) = a.register("Ann Lee").await;
    let (bob, bob_token) = b.register("Bob Stone").await;
    let (carl, carl_token) = b.register("Carl Diaz").await;
    let room = a.group(&ann_token, "Cut off", &[bob, carl]).await;
    let channel = format!("private-conversation.{room}");
    // Bob's and Carl's sockets live on node B; Bob will be removed through node A.
    let mut bobs = PusherClient::connect(b).await;
    assert_eq!(bobs.subscribe(b, &bob_token, &channel).await, 200);
    let mut carls = PusherClient::connect(b).await;
    assert_eq!(carls.subscribe(b, &carl_token, &channel).await, 200);
    a.send(&ann_token, room, "before").await;
    assert_eq!(bodies(&mut bobs, 1).await, ["before"]);
    assert_eq!(bodies(&mut carls, 1).await, ["before"]);

    cluster.redis.kill();
    for node in 0..3 {
        cluster.wait_for_redis(node, "unavailable").await;
    }
    let (a, b) = (cluster.node(0), cluster.node(1));
    let (status, _) = a
        .delete(
            &format!("/api/v1/conversations/{room}/participants/{bob}"),
            &ann_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Node B never heard of the removal; the message is posted on B, which holds Bob's socket.
    b.send(&ann_token, room, "on B, Redis away").await;
    // And one on A, which reaches B only when Redis is back.
    a.send(&ann_token, room, "on A, Redis away").await;
    assert_eq!(bodies(&mut carls, 1).await, ["on B, Redis away"]);

    cluster.redis.restart();
    assert_eq!(bodies(&mut carls, 1).await, ["on A, Redis away"]);
    for node in 0..3 {
        cluster.wait_for_redis(node, "ok").await;
    }
    cluster
        .node(2)
        .send(&ann_token, room, "on C, Redis back")
        .await;
    assert_eq!(bodies(&mut carls, 1).await, ["on C, Redis back"]);

    let heard = bodies(&mut bobs, 0).await;
    assert!(heard.is_empty(), "a removed member received {heard:?}");
}
