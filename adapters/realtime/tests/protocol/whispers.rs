//! Client events (`client-*`): only where the sender is an authenticated subscriber, never echoed,
//! rate limited.

use std::time::Duration;

use confab_domain::{Channel, ConversationId};
use confab_realtime::RealtimeConfig;
use serde_json::json;

use crate::helpers::{spawn, spawn_with, user};

const QUIET: Duration = Duration::from_millis(200);
const PRIVATE: Channel = Channel::Conversation(ConversationId(3));
const PRESENCE: Channel = Channel::ConversationPresence(ConversationId(3));

fn typing(channel: &str) -> serde_json::Value {
    json!({"event": "client-typing", "channel": channel, "data": {"typing": true}})
}

#[tokio::test]
async fn a_whisper_on_a_private_channel_reaches_the_others_but_not_the_sender() {
    let server = spawn().await;
    let mut ann = server.connect().await;
    let mut bo = server.connect().await;
    server.join(&mut ann, PRIVATE, &user(1, "Ann")).await;
    server.join(&mut bo, PRIVATE, &user(2, "Bo")).await;
    ann.send(typing(&PRIVATE.name())).await;
    let heard = bo.next_event().await;
    assert_eq!(
        heard,
        json!({"event": "client-typing", "channel": PRIVATE.name(), "data": {"typing": true}})
    );
    ann.expect_silence(QUIET).await;
}

#[tokio::test]
async fn a_whisper_on_a_presence_channel_carries_the_senders_user_id() {
    let server = spawn().await;
    let mut ann = server.connect().await;
    let mut bo = server.connect().await;
    server.join(&mut bo, PRESENCE, &user(2, "Bo")).await;
    server.join(&mut ann, PRESENCE, &user(1, "Ann")).await;
    assert_eq!(
        bo.next_event().await["event"],
        "pusher_internal:member_added"
    );
    ann.send(typing(&PRESENCE.name())).await;
    let heard = bo.next_event().await;
    assert_eq!(heard["event"], "client-typing");
    assert_eq!(heard["user_id"], 1);
}

#[tokio::test]
async fn a_whisper_on_a_public_channel_is_refused_with_4009() {
    let server = spawn().await;
    let mut ann = server.connect().await;
    let mut bo = server.connect().await;
    for client in [&mut ann, &mut bo] {
        client.subscribe("lobby", None, None).await;
        client.next_event().await;
    }
    ann.send(typing("lobby")).await;
    assert_eq!(ann.expect_error().await.0, 4009);
    bo.expect_silence(QUIET).await;
    ann.assert_alive().await;
}

#[tokio::test]
async fn a_whisper_on_a_channel_the_sender_has_not_joined_is_refused_with_4009() {
    let server = spawn().await;
    let mut outsider = server.connect().await;
    let mut bo = server.connect().await;
    server.join(&mut bo, PRIVATE, &user(2, "Bo")).await;
    outsider.send(typing(&PRIVATE.name())).await;
    let (code, message) = outsider.expect_error().await;
    assert_eq!(code, 4009);
    assert!(message.contains("not a member"), "{message}");
    bo.expect_silence(QUIET).await;
}

#[tokio::test]
async fn whispers_over_the_rate_limit_get_4301_and_the_socket_stays_open() {
    let server = spawn_with(RealtimeConfig {
        client_events_per_second: 3,
        ..RealtimeConfig::default()
    })
    .await;
    let mut ann = server.connect().await;
    let mut bo = server.connect().await;
    server.join(&mut ann, PRIVATE, &user(1, "Ann")).await;
    server.join(&mut bo, PRIVATE, &user(2, "Bo")).await;
    for _ in 0..4 {
        ann.send(typing(&PRIVATE.name())).await;
    }
    assert_eq!(ann.expect_error().await.0, 4301);
    for _ in 0..3 {
        assert_eq!(bo.next_event().await["event"], "client-typing");
    }
    bo.expect_silence(QUIET).await;
    ann.assert_alive().await;
}
