//! Who an envelope reaches: joining and leaving a room or the global channel (participants only,
//! a refusal leaves the socket open), pings forwarded to the sockets that joined and to a user's
//! sockets, their per-socket rate limit, and removal from a room ending a socket's join.

use std::time::Duration;

use confab_application::Caller;
use confab_domain::{Channel, UserId};
use confab_realtime::RealtimeConfig;
use serde_json::json;

use crate::envelope_client::QUIET;
use crate::fakes::{spawn_envelopes, spawn_envelopes_with};
use crate::helpers::user;

#[tokio::test]
async fn a_ping_to_a_joined_conversation_reaches_the_other_members_only() {
    let env = spawn_envelopes().await;
    let room = env.room(1, &[2]);
    let to = format!("conversation:{room}");
    let mut ann = env.envelopes(1).await;
    let mut ann_other_tab = env.envelopes(1).await;
    let mut bob = env.envelopes(2).await;
    let mut cy = env.envelopes(3).await;
    let mut pusher = env.server.connect().await;
    env.server
        .join(&mut pusher, Channel::Conversation(room), &user(2, "Bob"))
        .await;
    ann.join(&to).await;
    ann_other_tab.join(&to).await;
    bob.join(&to).await;
    cy.join("channel:global").await;

    let before = chrono::Utc::now().timestamp();
    ann.ok(
        json!({"id": "p1", "type": "ping", "from": "user:3", "ts": 5, "to": to,
                  "payload": {"text": "anyone?", "n": [1, 2]}}),
    )
    .await;
    let forwarded = bob.next().await;
    assert_eq!(
        (
            &forwarded["id"],
            &forwarded["type"],
            &forwarded["from"],
            &forwarded["to"]
        ),
        (&json!("p1"), &json!("ping"), &json!("user:1"), &json!(to))
    );
    assert_eq!(
        forwarded["payload"],
        json!({"text": "anyone?", "n": [1, 2]})
    );
    assert!(forwarded["ts"].as_i64().unwrap() >= before);
    assert_eq!(ann_other_tab.next().await["id"], "p1");
    ann.expect_silence(QUIET).await;
    cy.expect_silence(QUIET).await;
    pusher.expect_silence(QUIET).await;

    // An outsider may not ping the room.
    cy.refused(json!({"id": "p2", "type": "ping", "to": to}), 404)
        .await;
    bob.expect_silence(QUIET).await;

    // A member's socket that has not joined the room is answered, but forwards nothing: only a
    // socket that joined a room may ping it.
    let mut bob_elsewhere = env.envelopes(2).await;
    bob_elsewhere
        .ok(json!({"id": "p3", "type": "ping", "to": to}))
        .await;
    ann.expect_silence(QUIET).await;
    ann_other_tab.expect_silence(QUIET).await;
    bob.expect_silence(QUIET).await;
    pusher.expect_silence(QUIET).await;
}

#[tokio::test]
async fn forwarded_pings_are_rate_limited_per_socket() {
    let env = spawn_envelopes_with(RealtimeConfig {
        client_events_per_second: 3,
        ..RealtimeConfig::default()
    })
    .await;
    let mut ann = env.envelopes(1).await;
    let mut cy = env.envelopes(3).await;
    ann.join("channel:global").await;
    cy.join("channel:global").await;
    // One burst, to the global channel and to a user alike. The window is a fixed second, so a
    // burst shorter than that spans at most two: at most 6 of 7 get through.
    let burst: Vec<String> = (0..7).map(|n| format!("b{n}")).collect();
    for (n, id) in burst.iter().enumerate() {
        let to = if n % 2 == 0 {
            "channel:global"
        } else {
            "user:3"
        };
        ann.send(json!({"id": id, "type": "ping", "to": to})).await;
    }
    let mut forwarded = Vec::new();
    let mut refused = 0;
    for id in &burst {
        let answer = ann.next().await;
        assert_eq!(&answer["id"], id, "{answer}");
        match answer["type"].as_str() {
            Some("ack") => forwarded.push(id.clone()),
            _ => {
                refused += 1;
                assert_eq!(answer["type"], "error", "{answer}");
                assert_eq!(answer["payload"]["status"], 429, "{answer}");
                assert_eq!(answer["payload"]["retry_after"], 1, "{answer}");
                let reason = answer["payload"]["reason"].as_str().unwrap();
                assert!(reason.contains("3 forwarded pings per second"), "{reason}");
            }
        }
    }
    assert!(refused >= 1 && forwarded.len() >= 3, "{forwarded:?}");
    // Pings that go nowhere are not limited, and the socket stays open.
    ann.assert_alive().await;
    for id in &forwarded {
        assert_eq!(&cy.next().await["id"], id);
    }
    cy.expect_silence(QUIET).await;
    // A second later the window is open again.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    ann.ok(json!({"id": "later", "type": "ping", "to": "channel:global"}))
        .await;
    assert_eq!(cy.next().await["id"], "later");
}

#[tokio::test]
async fn a_ping_to_a_user_reaches_that_users_envelope_sockets() {
    let env = spawn_envelopes().await;
    let mut ann = env.envelopes(1).await;
    let mut bob = env.envelopes(2).await;
    let mut cy = env.envelopes(3).await;
    ann.ok(json!({"id": "u", "type": "ping", "to": "user:2", "payload": {"hi": true}}))
        .await;
    let forwarded = bob.next().await;
    assert_eq!(forwarded["type"], "ping");
    assert_eq!(forwarded["from"], "user:1");
    assert_eq!(forwarded["to"], "user:2");
    assert_eq!(forwarded["payload"], json!({"hi": true}));
    cy.expect_silence(QUIET).await;
    ann.refused(json!({"id": "v", "type": "ping", "to": "user:77"}), 404)
        .await;
}

#[tokio::test]
async fn joining_a_room_is_for_participants_and_a_refusal_leaves_the_socket_open() {
    let env = spawn_envelopes().await;
    let room = env.room(1, &[2]);
    let mut cy = env.envelopes(3).await;
    let refusal = cy
        .refused(
            json!({"id": "j", "type": "join", "to": format!("conversation:{room}")}),
            404,
        )
        .await;
    assert_eq!(refusal["from"], "server");
    assert_eq!(refusal["to"], "user:3");
    cy.refused(json!({"id": "k", "type": "join", "to": "user:1"}), 422)
        .await;
    cy.refused(
        json!({"id": "l", "type": "join", "to": "conversation:999"}),
        404,
    )
    .await;
    cy.assert_alive().await;

    // Nothing sent in the room reaches the refused socket.
    let mut ann = env.envelopes(1).await;
    ann.ok(
        json!({"id": "m", "type": "message", "to": format!("conversation:{room}"),
                  "payload": {"text": "private"}}),
    )
    .await;
    cy.expect_silence(QUIET).await;
}

#[tokio::test]
async fn the_global_channel_forwards_pings_to_who_joined_it_until_they_leave() {
    let env = spawn_envelopes().await;
    let mut ann = env.envelopes(1).await;
    let mut cy = env.envelopes(3).await;
    let mut dee = env.envelopes(4).await;
    ann.join("channel:global").await;
    cy.join("channel:global").await;
    ann.ok(json!({"id": "g1", "type": "ping", "to": "channel:global", "payload": {"x": 1}}))
        .await;
    let forwarded = cy.next().await;
    assert_eq!(
        (&forwarded["id"], &forwarded["from"], &forwarded["to"]),
        (&json!("g1"), &json!("user:1"), &json!("channel:global"))
    );
    dee.expect_silence(QUIET).await;
    // Not joined, Dee's ping is answered (the README's first ping) but reaches no one.
    dee.ok(json!({"id": "g0", "type": "ping", "to": "channel:global"}))
        .await;
    ann.expect_silence(QUIET).await;
    cy.expect_silence(QUIET).await;

    cy.ok(json!({"id": "bye", "type": "leave", "to": "channel:global"}))
        .await;
    ann.ok(json!({"id": "g2", "type": "ping", "to": "channel:global"}))
        .await;
    cy.expect_silence(QUIET).await;
    // Leaving what one never joined is fine; a user cannot be left; global keeps no messages.
    dee.ok(json!({"id": "l", "type": "leave", "to": "conversation:1"}))
        .await;
    dee.refused(json!({"id": "u", "type": "leave", "to": "user:1"}), 422)
        .await;
    dee.refused(
        json!({"id": "m", "type": "message", "to": "channel:global", "payload": {"text": "x"}}),
        422,
    )
    .await;
}

#[tokio::test]
async fn removal_from_a_room_ends_the_envelope_sockets_join() {
    let env = spawn_envelopes().await;
    let room = env.room(1, &[2]);
    let to = format!("conversation:{room}");
    let mut ann = env.envelopes(1).await;
    let mut bob = env.envelopes(2).await;
    ann.join(&to).await;
    bob.join(&to).await;

    env.app
        .remove_participant(&Caller::new(UserId(1)), room, UserId(2))
        .await
        .unwrap();
    ann.ok(json!({"id": "after", "type": "message", "to": to, "payload": {"text": "secret"}}))
        .await;
    ann.ok(json!({"id": "ping", "type": "ping", "to": to}))
        .await;
    bob.expect_silence(QUIET).await;
    bob.refused(json!({"id": "again", "type": "join", "to": to}), 404)
        .await;

    // Invited back, a fresh join works again.
    {
        let mut all = env.store.conversations.lock().unwrap();
        let chat = all.iter_mut().find(|c| c.id == room).unwrap();
        chat.participants
            .push(confab_domain::Participant::new(UserId(2)));
    }
    bob.join(&to).await;
    ann.ok(json!({"id": "welcome", "type": "ping", "to": to}))
        .await;
    assert_eq!(bob.next().await["id"], "welcome");
}
