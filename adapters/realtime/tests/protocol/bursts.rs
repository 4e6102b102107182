//! A client that reads its socket is never cut off for how many frames it sends at once: a burst
//! read in one go is answered as the queue drains (TCP holds the rest back), where it used to
//! overflow the 256-frame queue and close the socket with 4100. The slow-consumer policy for a
//! client that does not read stays (see `broadcasting`).

use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::fakes::spawn_envelopes;
use crate::helpers::spawn;

/// Well over the default queue of 256 frames.
const BURST: usize = 1_000;

#[tokio::test]
async fn a_thousand_pings_and_subscribes_in_one_write_are_all_answered() {
    let server = spawn().await;
    let mut client = server.connect().await;
    for i in 0..BURST {
        let frame = if i % 2 == 0 {
            json!({"event": "pusher:ping", "data": {}})
        } else {
            json!({"event": "pusher:subscribe", "data": {"channel": format!("burst-{i}")}})
        };
        client
            .ws
            .feed(Message::text(frame.to_string()))
            .await
            .unwrap();
    }
    // One flush: the whole burst leaves in as few TCP writes as the buffer allows.
    client.ws.flush().await.unwrap();
    let (mut pongs, mut subscribed) = (0, 0);
    for _ in 0..BURST {
        match client.next_event().await["event"].as_str() {
            Some("pusher:pong") => pongs += 1,
            Some("pusher_internal:subscription_succeeded") => subscribed += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((pongs, subscribed), (BURST / 2, BURST / 2));
    client.assert_alive().await;
    assert_eq!(server.realtime.connection_count(), 1);
}

#[tokio::test]
async fn a_thousand_envelope_pings_in_one_write_are_all_acked() {
    let env = spawn_envelopes().await;
    let mut client = env.envelopes(1).await;
    for i in 0..BURST {
        let ping = json!({"id": format!("p{i}"), "type": "ping", "payload": {}});
        client
            .ws
            .feed(Message::text(ping.to_string()))
            .await
            .unwrap();
    }
    client.ws.flush().await.unwrap();
    for i in 0..BURST {
        let ack = client.next().await;
        assert_eq!(ack["type"], "ack", "{ack}");
        assert_eq!(ack["payload"]["ack"], format!("p{i}"), "in order");
    }
    client.ok(json!({"id": "after", "type": "ping"})).await;
}
