//! Redis goes away mid-test: every node keeps serving its own sockets and says `degraded`; Redis
//! comes back (empty, on the same port) and cross-node delivery resumes by itself.

use std::time::{Duration, Instant};

use confab_tests::pusher::PusherClient;
use reqwest::StatusCode;
use serde_json::json;

use crate::cluster::{Cluster, drain, next_named};

const QUIET: Duration = Duration::from_millis(400);
/// How long delivery may take to resume after Redis is back (reconnect back-off is at most 5 s).
const RESUME: Duration = Duration::from_secs(15);

#[tokio::test]
async fn delivery_resumes_by_itself_after_redis_restarts() {
    let Some(mut cluster) = Cluster::start("delivery_resumes_by_itself…").await else {
        return;
    };
    if !cluster.redis.can_restart() {
        confab_tests::skip(
            "scale-out test delivery_resumes_by_itself…: it stops Redis, and only TEST_REDIS_URL (a shared Redis) is available; install redis-server",
        );
        return;
    }
    let (a, c) = (cluster.node(0), cluster.node(2));
    let (_, ann_token) = a.register("Ann Lee").await;
    let (bob, bob_token) = c.register("Bob Stone").await;
    let room = a.group(&ann_token, "Through the storm", &[bob]).await;
    let channel = format!("private-conversation.{room}");
    let mut anns = PusherClient::connect(a).await;
    assert_eq!(anns.subscribe(a, &ann_token, &channel).await, 200);
    let mut bobs = PusherClient::connect(c).await;
    assert_eq!(bobs.subscribe(c, &bob_token, &channel).await, 200);
    c.send(&bob_token, room, "before").await;
    assert_eq!(drain(&mut anns, QUIET).await.len(), 1);
    assert_eq!(drain(&mut bobs, QUIET).await.len(), 1);

    cluster.redis.kill();
    for node in 0..3 {
        cluster.wait_for_redis(node, "unavailable").await;
        let (status, mut body) = cluster.health(node).await;
        assert_eq!(status, StatusCode::OK);
        // Each node names its own folder of files.
        let store = body["storage"].take();
        assert!(
            store.as_str().unwrap_or_default().starts_with("file://"),
            "{store}"
        );
        body.as_object_mut().unwrap().remove("storage");
        assert_eq!(
            body,
            json!({"status": "degraded", "database": "ok", "redis": "unavailable", "mail": "off"}),
            "node {node}"
        );
    }
    let (a, c) = (cluster.node(0), cluster.node(2));

    // Each node still serves its own sockets, at once.
    let started = Instant::now();
    let sent = a.send(&bob_token, room, "local on A").await;
    let got = next_named(&mut anns, "message.sent", Duration::from_secs(5))
        .await
        .expect("node A delivers to its own socket without Redis");
    assert_eq!(got.data["message"], sent);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "local delivery waited on Redis: {:?}",
        started.elapsed()
    );
    let sent = c.send(&ann_token, room, "local on C").await;
    let got = next_named(&mut bobs, "message.sent", Duration::from_secs(5))
        .await
        .expect("node C delivers to its own socket without Redis");
    assert_eq!(got.data["message"], sent);
    // Whispers stay local too.
    bobs.send(json!({"event": "client-typing", "channel": channel, "data": {}}))
        .await;

    // Redis back, empty, on the same port: delivery from C to A resumes without any help.
    cluster.redis.restart();
    let (a, c) = (cluster.node(0), cluster.node(2));
    let deadline = Instant::now() + RESUME;
    let mut probe = 0;
    loop {
        probe += 1;
        let body = format!("probe {probe}");
        c.send(&bob_token, room, &body).await;
        let mut arrived = false;
        let until = Instant::now() + Duration::from_millis(700);
        while let Some(event) = anns
            .next_event_within(until.saturating_duration_since(Instant::now()))
            .await
        {
            if event.event == "message.sent" && event.data["message"]["body"] == body.as_str() {
                arrived = true;
                break;
            }
        }
        if arrived {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "cross-node delivery did not resume within {RESUME:?} after Redis came back"
        );
    }
    for node in 0..3 {
        cluster.wait_for_redis(node, "ok").await;
        assert_eq!(cluster.health(node).await.1["status"], "ok");
    }

    // And it is exact again: once each, both ways.
    drain(&mut anns, QUIET).await;
    drain(&mut bobs, QUIET).await;
    let sent = c.send(&bob_token, room, "after").await;
    let events = drain(&mut anns, QUIET).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].data["message"], sent);
    assert_eq!(drain(&mut bobs, QUIET).await.len(), 1);
    let sent = a.send(&ann_token, room, "and back").await;
    let events = drain(&mut bobs, QUIET).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].data["message"], sent);
}
