//! The `Broadcaster` port: payloads, fan-out, the except-socket rule, slow consumers and live
//! revocation.

use std::time::Duration;

use chrono::TimeZone;
use confab_application::use_cases::send_message::Draft;
use confab_domain::ports::SocketId;
use confab_domain::{
    Channel, ConversationId, Message, MessageId, MessageView, RealtimeEvent, UserId,
};
use confab_realtime::RealtimeConfig;
use serde_json::{Value, json};

use crate::helpers::{Client, Ending, TestServer, data, spawn, spawn_with, user};

const QUIET: Duration = Duration::from_millis(200);
const ROOM: ConversationId = ConversationId(4);
const PRIVATE: Channel = Channel::Conversation(ROOM);
const PRESENCE: Channel = Channel::ConversationPresence(ROOM);

fn message(id: i64, body: &str) -> RealtimeEvent {
    RealtimeEvent::MessageSent {
        message: MessageView {
            message: Message {
                id: MessageId(id),
                conversation_id: ROOM,
                seq: id as u64,
                sender: UserId(2),
                body: body.into(),
                created_at: chrono::Utc
                    .with_ymd_and_hms(2026, 2, 19, 14, 30, 0)
                    .unwrap(),
                edited_at: None,
                deleted_at: None,
                client_id: None,
                reply_to: None,
                mention_room: false,
                thread_id: None,
                pinned: None,
            },
            author: user(2, "John Doe"),
            reply_to: None,
            reactions: Vec::new(),
            attachments: Vec::new(),
            mentions: Vec::new(),
            thread: None,
            author_blocked: false,
        },
    }
}

async fn publish(server: &TestServer, event: RealtimeEvent, except: Option<&Client>) {
    let except = except.map(|client| SocketId(client.socket_id.clone()));
    server.realtime.broadcaster().publish(event, except).await;
}

#[tokio::test]
async fn a_sent_message_reaches_both_room_channels_with_the_rendered_message() {
    let server = spawn().await;
    let mut private = server.connect().await;
    let mut presence = server.connect().await;
    server.join(&mut private, PRIVATE, &user(1, "Ann")).await;
    server.join(&mut presence, PRESENCE, &user(1, "Ann")).await;
    publish(&server, message(5, "Hello"), None).await;
    let expected = json!({"message": {
        "id": 5, "conversation_id": 4, "user_id": 2, "body": "Hello",
        "created_at": "2026-02-19T14:30:00.000000Z", "rendered_by": "test"
    }});
    for (client, channel) in [(&mut private, PRIVATE), (&mut presence, PRESENCE)] {
        let frame = client.next_event().await;
        assert_eq!(frame["event"], "message.sent");
        assert_eq!(frame["channel"], channel.name());
        assert!(frame["data"].is_string(), "data is a JSON string");
        assert_eq!(data(&frame), expected);
        // Key order matters to readers comparing with the HTTP response.
        assert!(
            frame["data"]
                .as_str()
                .unwrap()
                .starts_with(r#"{"message":{"id":5,"conversation_id":4,"user_id":2,"body""#)
        );
    }
}

#[tokio::test]
async fn the_socket_that_caused_an_event_is_left_out() {
    let server = spawn().await;
    let mut sender = server.connect().await;
    let mut reader = server.connect().await;
    server
        .join(&mut sender, PRIVATE, &user(2, "John Doe"))
        .await;
    server.join(&mut reader, PRIVATE, &user(1, "Ann")).await;
    publish(&server, message(6, "toOthers"), Some(&sender)).await;
    assert_eq!(reader.next_event().await["event"], "message.sent");
    sender.expect_silence(QUIET).await;
}

#[tokio::test]
async fn a_message_reaches_100_subscribed_sockets_once_each_and_in_order() {
    let server = spawn().await;
    let mut clients = Vec::new();
    for id in 0..100 {
        let mut client = server.connect().await;
        server.join(&mut client, PRIVATE, &user(id, "Member")).await;
        clients.push(client);
    }
    for id in 1..=5 {
        publish(&server, message(id, &format!("message {id}")), None).await;
    }
    for client in &mut clients {
        for id in 1..=5 {
            let frame = client.next_event().await;
            assert_eq!(frame["event"], "message.sent");
            assert_eq!(data(&frame)["message"]["id"], id);
        }
    }
    for client in &mut clients {
        client.expect_silence(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_consumer_too_slow_to_drain_its_queue_is_disconnected_with_4100() {
    let server = spawn_with(RealtimeConfig {
        outbound_queue: 4,
        ..RealtimeConfig::default()
    })
    .await;
    let mut slow = server.connect().await;
    let mut fine = server.connect().await;
    server.join(&mut slow, PRIVATE, &user(1, "Ann")).await;
    server.join(&mut fine, PRIVATE, &user(2, "Bo")).await;
    // Neither reads while ten events are published back to back: with the single-threaded test
    // runtime no writer runs in between, so both queues (4 frames) overflow.
    for id in 1..=10 {
        publish(&server, message(id, "flood"), None).await;
    }
    for client in [&mut slow, &mut fine] {
        let (code, _) = client.expect_error().await;
        assert_eq!(code, 4100);
        assert_eq!(client.expect_end().await, Ending::Closed(Some(4100)));
    }
    assert_eq!(server.realtime.connection_count(), 0);
}

/// What the remove and ban use cases do: tell the room, then revoke the user's subscriptions.
async fn remove(server: &TestServer, banned: bool) {
    publish(server, removal(banned), None).await;
    server.realtime.broadcaster().revoke(UserId(3), ROOM).await;
}

fn removal(banned: bool) -> RealtimeEvent {
    RealtimeEvent::ParticipantRemoved {
        conversation_id: ROOM,
        user: user(3, "Cy"),
        banned,
    }
}

#[tokio::test]
async fn a_removed_member_receives_nothing_more_from_the_room() {
    let server = spawn().await;
    let cy = user(3, "Cy");
    let mut removed = server.connect().await;
    let mut second_tab = server.connect().await;
    let mut staying = server.connect().await;
    server.join(&mut removed, PRIVATE, &cy).await;
    server.join(&mut removed, PRESENCE, &cy).await;
    server.join(&mut second_tab, PRIVATE, &cy).await;
    server
        .join(&mut second_tab, Channel::User(UserId(3)), &cy)
        .await;
    server.join(&mut staying, PRESENCE, &user(1, "Ann")).await;
    assert_eq!(
        removed.next_event().await["event"],
        "pusher_internal:member_added"
    );

    remove(&server, true).await;

    // The room hears of the ban; the banned user's tabs hear it too, then nothing more.
    for client in [&mut removed, &mut second_tab] {
        assert_eq!(client.next_event().await["event"], "participant.banned");
    }
    assert_eq!(removed.next_event().await["event"], "participant.banned");
    let personal = second_tab.next_event().await;
    assert_eq!(personal["event"], "conversation.removed");
    assert_eq!(
        data(&personal),
        json!({"conversation_id": 4, "banned": true})
    );
    assert_eq!(staying.next_event().await["event"], "participant.banned");
    let left = staying.next_event().await;
    assert_eq!(left["event"], "pusher_internal:member_removed");
    assert_eq!(data(&left), json!({"user_id": 3}));

    publish(&server, message(9, "after the ban"), None).await;
    assert_eq!(staying.next_event().await["event"], "message.sent");
    removed.expect_silence(QUIET).await;
    second_tab.expect_silence(QUIET).await;
    removed.assert_alive().await;
}

#[tokio::test]
async fn an_old_signature_cannot_resubscribe_until_a_new_one_is_issued() {
    let server = spawn().await;
    let cy = user(3, "Cy");
    let mut client = server.connect().await;
    let (old_auth, _) = server.grant(&client, PRIVATE, &cy);
    client
        .subscribe(&PRIVATE.name(), Some(&old_auth), None)
        .await;
    client.next_event().await;

    remove(&server, false).await;
    assert_eq!(client.next_event().await["event"], "participant.removed");

    client
        .subscribe(&PRIVATE.name(), Some(&old_auth), None)
        .await;
    assert_eq!(client.expect_error().await.0, 4009);
    publish(&server, message(10, "still private"), None).await;
    client.expect_silence(QUIET).await;

    // Re-invited: the app authorises again, the signer issues a fresh grant.
    server.join(&mut client, PRIVATE, &cy).await;
    publish(&server, message(11, "welcome back"), None).await;
    let frame: Value = client.next_event().await;
    assert_eq!(data(&frame)["message"]["id"], 11);
}

/// Mallory has two accounts, Bob (2, in the room) and Cy (3). Bob's socket subscribes to the
/// room; Cy then asks `/api/broadcasting/auth` for her own user channel on the same socket. The
/// socket stays Bob's — the request is refused — so removing Bob still cuts it off.
#[tokio::test]
async fn a_second_account_cannot_take_a_socket_out_of_reach_of_the_first_ones_removal() {
    let env = crate::fakes::spawn_envelopes().await;
    let room = env.room(1, &[2]);
    let channel = Channel::Conversation(room).name();
    let mut socket = env.server.connect().await;
    let grant = env
        .app
        .authorize_channel(
            &confab_application::Caller::new(UserId(2)),
            &socket.socket_id,
            &channel,
        )
        .await
        .unwrap();
    socket.subscribe(&channel, Some(&grant.auth), None).await;
    assert_eq!(
        socket.next_event().await["event"],
        "pusher_internal:subscription_succeeded"
    );

    let refused = env
        .app
        .authorize_channel(
            &confab_application::Caller::new(UserId(3)),
            &socket.socket_id,
            "private-user.3",
        )
        .await;
    assert_eq!(refused, Err(confab_domain::DomainError::ChannelForbidden));

    env.app
        .remove_participant(&confab_application::Caller::new(UserId(1)), room, UserId(2))
        .await
        .unwrap();
    // Whatever told the socket of the removal, nothing of the room follows it.
    while tokio::time::timeout(QUIET, socket.next_event())
        .await
        .is_ok()
    {}
    env.app
        .send_message(
            &confab_application::Caller::new(UserId(1)),
            room,
            Draft::text("after"),
        )
        .await
        .unwrap();
    socket.expect_silence(QUIET).await;
}
