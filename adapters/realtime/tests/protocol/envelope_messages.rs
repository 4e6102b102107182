//! `message` envelopes: the ack carrying the stored message and its delivery to both wire formats,
//! messages sent elsewhere (the HTTP API, the Broadcaster port) reaching joined envelope sockets,
//! and a message to a user going to the direct chat, created once.

use confab_application::Caller;
use confab_application::use_cases::send_message::Draft;
use confab_domain::ports::SocketId;
use confab_domain::{Channel, ConversationId, RealtimeEvent, UserId};
use serde_json::{Value, json};

use crate::envelope_client::QUIET;
use crate::fakes::spawn_envelopes;
use crate::helpers::{data, user};

#[tokio::test]
async fn a_message_is_acked_with_the_stored_message_and_reaches_both_wire_formats() {
    let env = spawn_envelopes().await;
    let room = env.room(1, &[2]);
    let to = format!("conversation:{room}");
    let mut ann = env.envelopes(1).await;
    let mut bob = env.envelopes(2).await;
    let mut pusher = env.server.connect().await;
    env.server
        .join(&mut pusher, Channel::Conversation(room), &user(2, "Bob"))
        .await;
    ann.join(&to).await;
    bob.join(&to).await;

    let ack = ann
        .ok(
            json!({"id": "m1", "type": "message", "from": "user:2", "to": to,
                   "payload": {"text": "Hello both"}}),
        )
        .await;
    let message = ack["payload"]["message"].clone();
    assert_eq!(ack["payload"].as_object().unwrap().len(), 2, "{ack}");
    assert_eq!(message["conversation_id"], room.get());
    assert_eq!(
        message["user_id"], 1,
        "from is the socket's user, not the client's claim"
    );
    assert_eq!(message["body"], "Hello both");
    // The whole object is the message renderer's (the HTTP adapter's, in the server).
    assert_eq!(message["rendered_by"], "test", "{message}");
    let created_at = message["created_at"].as_str().unwrap();
    assert!(
        created_at.len() == 27 && created_at.ends_with('Z'),
        "%Y-%m-%dT%H:%M:%S%.6fZ: {created_at}"
    );

    let arrived = bob.next().await;
    assert_eq!(arrived["type"], "message");
    assert_eq!(arrived["from"], "user:1");
    assert_eq!(arrived["to"], to);
    assert_eq!(
        arrived["payload"],
        json!({"event": "message.sent", "message": message})
    );
    let created = chrono::DateTime::parse_from_rfc3339(created_at).unwrap();
    assert_eq!(arrived["ts"], created.timestamp());
    assert_eq!(arrived["id"].as_str().unwrap().len(), 36, "a UUID");

    let frame = pusher.next_event().await;
    assert_eq!(frame["event"], "message.sent");
    assert_eq!(data(&frame), json!({"message": message}));
    // The sender's own socket is not sent its message a second time.
    ann.expect_silence(QUIET).await;

    // `payload.body` is accepted as well as `payload.text`; the body rules are the API's.
    ann.ok(json!({"id": "m2", "type": "message", "to": to, "payload": {"body": "second"}}))
        .await;
    assert_eq!(bob.next().await["payload"]["message"]["body"], "second");
    let blank = ann
        .refused(
            json!({"id": "m3", "type": "message", "to": to, "payload": {}}),
            422,
        )
        .await;
    assert!(blank["payload"]["errors"]["body"].is_array(), "{blank}");
    ann.refused(
        json!({"id": "m4", "type": "message", "to": "conversation:999", "payload": {"text": "x"}}),
        404,
    )
    .await;
}

#[tokio::test]
async fn messages_sent_elsewhere_reach_joined_envelope_sockets() {
    let env = spawn_envelopes().await;
    let room = env.room(1, &[2]);
    let to = format!("conversation:{room}");
    let mut bob = env.envelopes(2).await;
    bob.join(&to).await;
    let mut pusher = env.server.connect().await;
    env.server
        .join(&mut pusher, Channel::Conversation(room), &user(1, "Ann"))
        .await;

    // As the HTTP API sends for a pusher-js page (X-Socket-ID): every socket but that page.
    let caller = Caller::new(UserId(1)).with_socket(Some(SocketId(pusher.socket_id.clone())));
    let sent = env
        .app
        .send_message(&caller, room, Draft::text("over HTTP"))
        .await
        .unwrap()
        .message;
    let arrived = bob.next().await;
    assert_eq!(arrived["type"], "message");
    assert_eq!(arrived["payload"]["event"], "message.sent");
    assert_eq!(arrived["payload"]["message"]["id"], sent.message.id.get());
    let sent_id = sent.message.id;
    assert_eq!(arrived["payload"]["message"]["body"], "over HTTP");
    pusher.expect_silence(QUIET).await;

    // Straight through the Broadcaster port.
    env.server
        .realtime
        .broadcaster()
        .publish(RealtimeEvent::MessageSent { message: sent }, None)
        .await;
    assert_eq!(bob.next().await["payload"]["message"]["body"], "over HTTP");
    assert_eq!(pusher.next_event().await["event"], "message.sent");

    // The other events about the room's messages and reads reach envelope sockets as `message`
    // envelopes from the server, `payload.event` naming them and the rest the Pusher data.
    let broadcaster = env.server.realtime.broadcaster();
    for event in [
        RealtimeEvent::ConversationRead {
            conversation_id: room,
            user_id: UserId(1),
            last_read_message_id: Some(sent_id),
        },
        RealtimeEvent::MessageDeleted {
            conversation_id: room,
            message_id: sent_id,
            deleted_at: chrono::Utc::now(),
        },
    ] {
        broadcaster.publish(event, None).await;
        let frame = pusher.next_event().await;
        let arrived = bob.next().await;
        assert_eq!(arrived["type"], "message");
        assert_eq!(
            (arrived["from"].as_str(), arrived["to"].as_str()),
            (Some("server"), Some(to.as_str()))
        );
        let mut payload = arrived["payload"].as_object().unwrap().clone();
        assert_eq!(payload.remove("event").unwrap(), frame["event"]);
        assert_eq!(Value::Object(payload), data(&frame));
    }
    // Membership events stay Pusher-only.
    broadcaster
        .publish(
            RealtimeEvent::ParticipantRemoved {
                conversation_id: room,
                user: user(3, "Cid"),
                banned: false,
            },
            None,
        )
        .await;
    assert_eq!(pusher.next_event().await["event"], "participant.removed");
    bob.expect_silence(QUIET).await;
}

#[tokio::test]
async fn a_message_to_a_user_goes_to_the_direct_chat_created_once() {
    let env = spawn_envelopes().await;
    let mut ann = env.envelopes(1).await;
    let first = ann
        .ok(json!({"id": "d1", "type": "message", "to": "user:3", "payload": {"text": "hi Cy"}}))
        .await;
    let direct = first["payload"]["message"]["conversation_id"]
        .as_i64()
        .unwrap();
    {
        let all = env.store.conversations.lock().unwrap();
        let chat = all.iter().find(|c| c.id == ConversationId(direct)).unwrap();
        assert_eq!(chat.kind, confab_domain::ConversationKind::Direct);
        assert!(chat.is_participant(UserId(1)) && chat.is_participant(UserId(3)));
    }
    // Cy follows the chat by joining it; the next message uses the same chat.
    let mut cy = env.envelopes(3).await;
    cy.join(&format!("conversation:{direct}")).await;
    let second = ann
        .ok(json!({"id": "d2", "type": "message", "to": "user:3", "payload": {"text": "again"}}))
        .await;
    assert_eq!(second["payload"]["message"]["conversation_id"], direct);
    let arrived = cy.next().await;
    assert_eq!(arrived["to"], format!("conversation:{direct}"));
    assert_eq!(arrived["payload"]["message"]["body"], "again");
    ann.refused(
        json!({"id": "d3", "type": "message", "to": "user:1", "payload": {"text": "me"}}),
        422,
    )
    .await;
}
