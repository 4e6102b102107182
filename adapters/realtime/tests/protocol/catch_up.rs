//! `join` with `payload.since`: a reconnecting envelope client gets what it missed, oldest first,
//! then the ack, then live messages — none lost and none twice at the seam, even while the room
//! is busy during the join.

use std::time::Duration;

use confab_application::Caller;
use confab_application::use_cases::send_message::Draft;
use confab_domain::{ConversationId, MessageView, RealtimeEvent, UserId};
use serde_json::{Value, json};

use crate::fakes::{EnvelopeServer, spawn_envelopes};

const QUIET: Duration = Duration::from_millis(200);

async fn send(env: &EnvelopeServer, room: ConversationId, body: &str) -> i64 {
    send_view(env, room, body).await.message.id.get()
}

async fn send_view(env: &EnvelopeServer, room: ConversationId, body: &str) -> MessageView {
    env.app
        .send_message(&Caller::new(UserId(1)), room, Draft::text(body))
        .await
        .unwrap()
        .message
}

fn join_since(room: ConversationId, since: Value) -> Value {
    json!({"id": "j", "type": "join", "to": format!("conversation:{}", room.get()),
           "payload": {"since": since}})
}

#[tokio::test]
async fn missed_messages_come_first_then_the_ack_then_live_ones_without_gap_or_duplicate() {
    let env = spawn_envelopes().await;
    let room = env.room(1, &[2]);
    let mut sent = Vec::new();
    for i in 0..60 {
        sent.push(send(&env, room, &format!("before {i}")).await);
    }
    let seen = sent[9];
    let mut bob = env.envelopes(2).await;
    // Ann keeps talking while Bob rejoins: some of these land in the history, some are live.
    let busy = {
        let (app, room) = (env.app.clone(), room);
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..30 {
                let view = app
                    .send_message(
                        &Caller::new(UserId(1)),
                        room,
                        Draft::text(&format!("during {i}")),
                    )
                    .await
                    .unwrap()
                    .message;
                ids.push(view.message.id.get());
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            ids
        })
    };
    bob.send(join_since(room, json!(seen))).await;
    let mut before_ack = Vec::new();
    let ack = loop {
        let envelope = bob.next().await;
        match envelope["type"].as_str() {
            Some("message") => {
                before_ack.push(envelope["payload"]["message"]["id"].as_i64().unwrap())
            }
            Some("ack") => break envelope,
            _ => panic!("unexpected {envelope}"),
        }
    };
    sent.extend(busy.await.unwrap());
    assert_eq!(ack["payload"]["ack"], "j");
    assert_eq!(ack["payload"]["missed"], before_ack.len());
    assert_eq!(ack["payload"]["has_more"], false);
    let mut received = before_ack.clone();
    while received.len() < sent.len() - 10 {
        let envelope = bob.next().await;
        assert_eq!(envelope["type"], "message", "{envelope}");
        received.push(envelope["payload"]["message"]["id"].as_i64().unwrap());
    }
    bob.expect_silence(QUIET).await;
    assert_eq!(
        received,
        sent[10..].to_vec(),
        "every missed and live message once, in order"
    );
    assert!(
        before_ack.len() >= 50,
        "the 50 sent before the join came first"
    );
}

#[tokio::test]
async fn nothing_missed_is_an_ack_with_zero_and_live_messages_follow() {
    let env = spawn_envelopes().await;
    let room = env.room(1, &[2]);
    let last = send(&env, room, "only").await;
    let mut bob = env.envelopes(2).await;
    let ack = bob.ok(join_since(room, json!(last))).await;
    assert_eq!(
        (
            ack["payload"]["missed"].clone(),
            ack["payload"]["has_more"].clone()
        ),
        (json!(0), json!(false))
    );
    let live = send(&env, room, "live").await;
    assert_eq!(bob.next().await["payload"]["message"]["id"], live);
}

#[tokio::test]
async fn a_long_absence_is_capped_and_says_there_is_more() {
    let env = spawn_envelopes().await;
    let room = env.room(1, &[2]);
    let first = send(&env, room, "first").await;
    for i in 0..1_005 {
        send(&env, room, &format!("m{i}")).await;
    }
    let mut bob = env.envelopes(2).await;
    bob.send(join_since(room, json!(first))).await;
    let mut got = Vec::new();
    let ack = loop {
        let envelope = bob.next().await;
        if envelope["type"] == "ack" {
            break envelope;
        }
        got.push(envelope["payload"]["message"]["id"].as_i64().unwrap());
    };
    assert_eq!(got.len(), 1_000);
    assert_eq!(got, (first + 1..=first + 1_000).collect::<Vec<_>>());
    assert_eq!(
        (
            ack["payload"]["missed"].clone(),
            ack["payload"]["has_more"].clone()
        ),
        (json!(1_000), json!(true))
    );
}

#[tokio::test]
async fn a_since_that_is_not_a_message_of_the_room_refuses_the_join() {
    let env = spawn_envelopes().await;
    let room = env.room(1, &[2]);
    let other = env.room(1, &[2]);
    let foreign = send(&env, other, "elsewhere").await;
    let mut bob = env.envelopes(2).await;
    let error = bob.refused(join_since(room, json!(foreign)), 422).await;
    assert!(
        error["payload"]["reason"]
            .as_str()
            .unwrap()
            .contains("since"),
        "{error}"
    );
    for bad in [json!("12"), json!(0), json!(-3)] {
        bob.refused(join_since(room, bad), 422).await;
    }
    bob.refused(
        json!({"id": "j", "type": "join", "to": "channel:global", "payload": {"since": 1}}),
        422,
    )
    .await;
    // Not joined: the room's next message does not reach Bob.
    send(&env, room, "not for bob").await;
    bob.expect_silence(QUIET).await;
}

#[tokio::test]
async fn a_live_copy_published_late_of_a_message_the_history_carried_is_dropped() {
    let env = spawn_envelopes().await;
    let room = env.room(1, &[2]);
    let seen = send(&env, room, "seen").await;
    let missed = send_view(&env, room, "missed").await;
    let mut bob = env.envelopes(2).await;
    bob.send(join_since(room, json!(seen))).await;
    assert_eq!(
        bob.next().await["payload"]["message"]["id"],
        missed.message.id.get()
    );
    assert_eq!(bob.next().await["type"], "ack");
    // The same message's publish arrives only now, as one from another node through Redis may.
    let late = RealtimeEvent::MessageSent { message: missed };
    env.server.realtime.broadcaster().publish(late, None).await;
    let next = send(&env, room, "next").await;
    assert_eq!(
        bob.next().await["payload"]["message"]["id"],
        next,
        "no second copy first"
    );
    bob.expect_silence(QUIET).await;
}

#[tokio::test]
async fn a_refused_catch_up_leaves_an_existing_join_in_place() {
    let env = spawn_envelopes().await;
    let room = env.room(1, &[2]);
    let other = env.room(1, &[2]);
    let foreign = send(&env, other, "elsewhere").await;
    let mut bob = env.envelopes(2).await;
    bob.join(&format!("conversation:{}", room.get())).await;
    bob.refused(join_since(room, json!(foreign)), 422).await;
    let live = send(&env, room, "still joined").await;
    assert_eq!(bob.next().await["payload"]["message"]["id"], live);
}
