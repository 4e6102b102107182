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

/// The `(name, channel)` of the occupancy events among `events`.
fn occupancy_of(events: &[serde_json::Value]) -> Vec<(String, String)> {
    events
        .iter()
        .filter(|e| e["name"] == "channel_occupied" || e["name"] == "channel_vacated")
        .map(|e| {
            (
                e["name"].as_str().unwrap_or_default().to_owned(),
                e["channel"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn subscribe_public(socket: &mut PusherClient, channel: &str) {
    socket
        .send(serde_json::json!({"event": "pusher:subscribe", "data": {"channel": channel}}))
        .await;
    let answer = socket.next_event().await.expect("an answer");
    assert_eq!(answer.event, "pusher_internal:subscription_succeeded");
}

#[tokio::test]
async fn occupancy_hidden_by_a_redis_outage_is_told_once_when_it_is_back() {
    let Some(receiver) = WebhookReceiver::start().await else {
        return;
    };
    let url = receiver.url();
    let Some(cluster) = Cluster::start_with(
        "occupancy_hidden_by_a_redis_outage…",
        &[
            ("CONFAB_WEBHOOK_URLS", url.as_str()),
            ("CONFAB_WEBHOOK_EVENTS", "channel_occupied,channel_vacated"),
        ],
    )
    .await
    else {
        return;
    };
    if !cluster.redis.can_restart() {
        confab_tests::skip("occupancy_hidden_by_a_redis_outage: needs a redis-server of its own");
        return;
    }
    let lobby = ("channel_occupied".to_owned(), "lobby".to_owned());
    let mut on_a = PusherClient::connect(cluster.node(0)).await;
    let mut on_b = PusherClient::connect(cluster.node(1)).await;
    subscribe_public(&mut on_a, "lobby").await;
    subscribe_public(&mut on_b, "lobby").await;
    receiver
        .wait_for("the lobby occupied", |e| occupancy_of(e) == [lobby.clone()])
        .await;

    // Redis frozen: both leave the lobby and A enters the hall. Nobody can know the lobby is
    // empty, so nothing is told.
    cluster.redis.freeze(true);
    for node in [0, 1] {
        cluster.wait_for_redis(node, "unavailable").await;
    }
    on_a.unsubscribe("lobby").await;
    on_b.unsubscribe("lobby").await;
    subscribe_public(&mut on_a, "hall").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        occupancy_of(&receiver.events()),
        std::slice::from_ref(&lobby)
    );

    // Back: the lobby is vacated once, the hall occupied once.
    cluster.redis.freeze(false);
    for node in [0, 1] {
        cluster.wait_for_redis(node, "ok").await;
    }
    let told = receiver
        .wait_for("what the outage hid", |e| occupancy_of(e).len() >= 3)
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut after = occupancy_of(&receiver.events())[1..].to_vec();
    after.sort();
    assert_eq!(
        after,
        [
            ("channel_occupied".to_owned(), "hall".to_owned()),
            ("channel_vacated".to_owned(), "lobby".to_owned()),
        ],
        "{told:#?}"
    );
}
