//! A cluster that recovers does not cut off its healthy sockets: two nodes, subscribers of one
//! public channel on each, 20 events a second published through each node, Redis stopped for
//! 5, 20 or 60 s and started empty. When it is back, each node replays what the other published
//! meanwhile (up to 1,200 events, far more than a socket's 256-frame queue) at its sockets' pace:
//! every subscriber, all reading normally, gets every event once, in order, and none is
//! disconnected. The events carry 8 KB each, the subscribers take 2 ms over each (a client
//! handling 500 events a second, 12 times the live rate) and receive through a 64 KiB buffer, so
//! that a burst does not simply vanish into the loopback's socket buffers.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use confab_tests::pusher::PusherClient;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::cluster::{Cluster, pusher_api};

const CHANNEL: &str = "ticker";
/// 20 events a second through each node.
const EVERY: Duration = Duration::from_millis(50);
/// What each event carries besides its number.
const PAD: usize = 8_000;
/// How long a subscriber takes over each event.
const HANDLING: Duration = Duration::from_millis(2);
/// A subscriber's receive buffer: what a client far away holds in flight, not loopback's
/// megabytes.
const RECEIVE_BUFFER: u32 = 64 * 1024;
/// How long every event may take to arrive once Redis is back and publishing stopped.
const CATCH_UP: Duration = Duration::from_secs(45);

/// What one subscriber heard: each node's tick numbers in the order they came, and any error.
#[derive(Default)]
struct Heard {
    ticks: BTreeMap<String, Vec<u64>>,
    errors: Vec<Value>,
}

/// Reads `socket` until `stop` says so, as a healthy client does: continuously.
fn listen(mut socket: PusherClient, stop: watch::Receiver<bool>) -> Arc<Mutex<Heard>> {
    let heard = Arc::new(Mutex::new(Heard::default()));
    let into = heard.clone();
    tokio::spawn(async move {
        const WAIT: Duration = Duration::from_millis(200);
        loop {
            let asked = Instant::now();
            match socket.next_event_within(WAIT).await {
                Some(event) if event.event == "tick" => {
                    let from = event.data["from"].as_str().unwrap_or_default().to_owned();
                    let n = event.data["n"].as_u64().unwrap_or(u64::MAX);
                    into.lock().unwrap().ticks.entry(from).or_default().push(n);
                    tokio::time::sleep(HANDLING).await;
                }
                Some(event) if event.event == "pusher:error" => {
                    into.lock().unwrap().errors.push(event.data);
                }
                Some(_) => {}
                None if *stop.borrow() => return,
                // Nothing, at once: the server closed the socket.
                None if asked.elapsed() < WAIT / 2 => {
                    into.lock().unwrap().errors.push(json!("closed"));
                    return;
                }
                None => {}
            }
        }
    });
    heard
}

async fn outage_is_replayed_at_the_sockets_pace(test: &str, outage: Duration) {
    let Some(mut cluster) = Cluster::start(test).await else {
        return;
    };
    if !cluster.redis.can_restart() {
        confab_tests::skip(&format!(
            "scale-out test {test}: it stops Redis, and only TEST_REDIS_URL (a shared Redis) is available; install redis-server"
        ));
        return;
    }
    let (stop, stopped) = watch::channel(false);
    let mut subscribers = Vec::new();
    for node in [0, 0, 1, 1] {
        let mut socket =
            PusherClient::connect_receiving_at_most(cluster.node(node), RECEIVE_BUFFER).await;
        socket
            .send(json!({"event": "pusher:subscribe", "data": {"channel": CHANNEL}}))
            .await;
        let answer = socket.next_event().await.expect("an answer");
        assert_eq!(answer.event, "pusher_internal:subscription_succeeded");
        subscribers.push(listen(socket, stopped.clone()));
    }

    let mut tick = tokio::time::interval(EVERY);
    let started = Instant::now();
    let (mut killed, mut restarted) = (false, false);
    let mut sent = 0u64;
    let pad = "x".repeat(PAD);
    while started.elapsed() < Duration::from_secs(1) + outage + Duration::from_secs(3) {
        tick.tick().await;
        if !killed && started.elapsed() >= Duration::from_secs(1) {
            cluster.redis.kill();
            killed = true;
        }
        if !restarted && started.elapsed() >= Duration::from_secs(1) + outage {
            cluster.redis.restart();
            restarted = true;
        }
        for (node, from) in [(0, "a"), (1, "b")] {
            let event = json!({
                "name": "tick",
                "channel": CHANNEL,
                "data": json!({"from": from, "n": sent, "pad": pad}).to_string(),
            });
            let (status, body) =
                pusher_api(cluster.node(node), Method::POST, "/events", Some(&event)).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "publish {sent} through {from}: {body}"
            );
        }
        sent += 1;
    }

    let every: Vec<u64> = (0..sent).collect();
    let deadline = Instant::now() + CATCH_UP;
    let complete = |heard: &Heard| {
        ["a", "b"].iter().all(|from| {
            heard
                .ticks
                .get(*from)
                .is_some_and(|t| t.len() >= every.len())
        })
    };
    while Instant::now() < deadline && !subscribers.iter().all(|h| complete(&h.lock().unwrap())) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Anything doubled would arrive now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = stop.send(true);
    for (index, heard) in subscribers.iter().enumerate() {
        let heard = heard.lock().unwrap();
        assert!(
            heard.errors.is_empty(),
            "subscriber {index} was told {:?}",
            heard.errors
        );
        for from in ["a", "b"] {
            let ticks = heard.ticks.get(from).cloned().unwrap_or_default();
            assert!(
                ticks == every,
                "subscriber {index} (node {}) heard {} of node {from}'s {} ticks; first differences: {:?}",
                index / 2,
                ticks.len(),
                every.len(),
                ticks
                    .iter()
                    .zip(&every)
                    .filter(|(got, want)| got != want)
                    .take(5)
                    .collect::<Vec<_>>()
            );
        }
    }
}

#[tokio::test]
async fn a_5_s_outage_is_replayed_to_every_reading_socket() {
    outage_is_replayed_at_the_sockets_pace("a_5_s_outage…", Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_20_s_outage_is_replayed_to_every_reading_socket() {
    outage_is_replayed_at_the_sockets_pace("a_20_s_outage…", Duration::from_secs(20)).await;
}

#[tokio::test]
async fn a_60_s_outage_is_replayed_to_every_reading_socket() {
    outage_is_replayed_at_the_sockets_pace("a_60_s_outage…", Duration::from_secs(60)).await;
}
