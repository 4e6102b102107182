//! Webhooks from a cluster: three nodes on one database send each chat event once (whichever
//! node stored it, whichever holds the receiver), and a channel with subscribers on two nodes is
//! occupied once and vacated once, when the last of them leaves.

use std::time::Duration;

use confab_tests::pusher::PusherClient;
use confab_tests::webhooks::{WebhookReceiver, named};

use crate::cluster::Cluster;

#[tokio::test]
async fn a_cluster_sends_each_event_once_and_occupancy_is_the_clusters() {
    let Some(receiver) = WebhookReceiver::start().await else {
        return;
    };
    let url = receiver.url();
    let Some(cluster) = Cluster::start_with(
        "a_cluster_sends_each_event_once…",
        &[("CONFAB_WEBHOOK_URLS", url.as_str())],
    )
    .await
    else {
        return;
    };
    let (a, b, c) = (cluster.node(0), cluster.node(1), cluster.node(2));
    let (_, ann_token) = a.register("Ann Lee").await;
    let (bob, bob_token) = b.register("Bob Stone").await;
    let room = a.group(&ann_token, "Spread out", &[bob]).await;
    let channel = format!("private-conversation.{room}");

    // Ann's socket on A, Bob's on C: one channel, occupied once for the cluster.
    let mut anns = PusherClient::connect(a).await;
    assert_eq!(anns.subscribe(b, &ann_token, &channel).await, 200);
    let mut bobs = PusherClient::connect(c).await;
    assert_eq!(bobs.subscribe(c, &bob_token, &channel).await, 200);

    let mut sent = Vec::new();
    for (n, node) in [a, b, c, a, b, c].into_iter().enumerate() {
        sent.push(node.send(&bob_token, room, &format!("via node {n}")).await["id"].clone());
    }
    anns.close().await;
    // One of two gone: still occupied.
    receiver
        .wait_for("every message", |events| {
            named(events, "message.sent").len() >= sent.len()
        })
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(named(&receiver.events(), "channel_vacated").is_empty());
    bobs.close().await;
    let events = receiver
        .wait_for("the channel vacated", |events| {
            !named(events, "channel_vacated").is_empty()
        })
        .await;
    // Nothing arrives twice, later either.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let events_then = receiver.events();
    assert_eq!(events_then.len(), events.len(), "{events_then:#?}");

    let ids: Vec<_> = named(&events, "message.sent")
        .iter()
        .map(|e| e["data"]["message"]["id"].clone())
        .collect();
    assert_eq!(ids, sent, "each message once, in the order stored");
    let occupancy: Vec<&str> = events
        .iter()
        .filter(|e| {
            e["channel"] == channel.as_str() && e["name"].as_str().unwrap().starts_with("channel_")
        })
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        occupancy,
        ["channel_occupied", "channel_vacated"],
        "{events:#?}"
    );
    assert_eq!(receiver.refused(), 0);
}
