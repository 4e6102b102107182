//! The envelope protocol: the token, ping / join / leave / message, errors that leave the socket
//! open, and one hub for both wire formats.

use std::time::Duration;

use confab_application::Caller;
use confab_application::use_cases::send_message::Draft;
use confab_domain::ports::SocketId;
use confab_domain::{Channel, ConversationId, RealtimeEvent, UserId};
use confab_realtime::RealtimeConfig;
use futures_util::{SinkExt, StreamExt};
use poem::listener::{Acceptor, Listener, TcpListener};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::envelope_client::{Envelopes, QUIET};
use crate::fakes::{spawn_envelopes, spawn_envelopes_with};
use crate::helpers::{Ending, data, eventually, http, user};

#[tokio::test]
async fn a_missing_or_invalid_token_closes_the_socket_with_1008() {
    let env = spawn_envelopes().await;
    for path in [
        "/",
        "/?token=",
        "/?token=forged",
        "/anything?token=token-99",
    ] {
        let mut client = Envelopes::open(&env.url(path), None).await;
        let (ending, reason) = client.expect_end().await;
        assert_eq!(ending, Ending::Closed(Some(1008)), "{path}");
        assert_eq!(reason, "invalid or missing token", "{path}");
    }
    let mut bad_bearer = Envelopes::open(&env.url("/"), Some("forged")).await;
    assert_eq!(bad_bearer.expect_end().await.0, Ending::Closed(Some(1008)));
    eventually(|| env.server.realtime.connection_count() == 0).await;
}

#[tokio::test]
async fn the_readme_ping_gets_an_ack_naming_its_id_from_the_server() {
    let env = spawn_envelopes().await;
    // The README's URL, `ws://host:port?token=…`, which browsers (and Node's `ws`) request as
    // `GET /?token=…`; tungstenite would send an empty path, so the `/` is written out here.
    let url = format!("ws://{}/?token=token-2", env.server.addr);
    let mut client = Envelopes::open(&url, None).await;
    let before = chrono::Utc::now().timestamp();
    client
        .send(
            json!({"id": "1", "type": "ping", "from": "user:1", "to": "channel:global",
                     "ts": 1690000000, "payload": {}}),
        )
        .await;
    let ack = client.next().await;
    assert_eq!(
        (&ack["id"], &ack["type"], &ack["from"], &ack["to"]),
        (
            &json!("1"),
            &json!("ack"),
            &json!("server"),
            &json!("user:2")
        )
    );
    assert_eq!(ack["payload"], json!({"ack": "1"}));
    assert!(
        ack["ts"].as_i64().unwrap() >= before,
        "ts is the server's now: {ack}"
    );

    // Without an id the server assigns one, and the ack names it.
    client.send(json!({"type": "ping"})).await;
    let ack = client.next().await;
    assert_eq!(ack["type"], "ack");
    assert_eq!(ack["payload"]["ack"], ack["id"]);
    assert_eq!(ack["id"].as_str().unwrap().len(), 36, "a UUID: {ack}");
}

#[tokio::test]
async fn a_bearer_header_and_any_unclaimed_path_work_too() {
    let env = spawn_envelopes().await;
    let mut client = Envelopes::open(&env.url("/some/where"), Some("token-3")).await;
    let ack = client.ok(json!({"id": "b", "type": "ping"})).await;
    assert_eq!(ack["to"], "user:3");
    // A plain GET on an envelope path is told to upgrade.
    let response = http().get(env.server.http_url("/")).send().await.unwrap();
    assert_eq!(response.status(), 426);
}

#[tokio::test]
async fn the_api_listener_mounts_the_endpoint_at_ws() {
    let env = spawn_envelopes().await;
    let api = poem::Route::new()
        .at(
            "/ws",
            env.server.realtime.envelope_endpoint(env.app.clone()),
        )
        .at("/health", poem::get(poem::endpoint::make_sync(|_| "ok")));
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(api));

    let room = env.room(1, &[2]);
    let mut api_socket = Envelopes::open(&format!("ws://{addr}/ws?token=token-1"), None).await;
    api_socket.join(&format!("conversation:{room}")).await;
    let mut realtime_socket = env.envelopes(2).await;
    realtime_socket.join(&format!("conversation:{room}")).await;
    // Same hub: a ping through one listener reaches a socket of the other.
    api_socket
        .ok(json!({"id": "x", "type": "ping", "to": format!("conversation:{room}")}))
        .await;
    assert_eq!(realtime_socket.next().await["type"], "ping");
}

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

#[tokio::test]
async fn malformed_unknown_and_server_only_envelopes_get_errors_and_the_socket_lives_on() {
    let env = spawn_envelopes().await;
    let mut client = env.envelopes(1).await;
    for (frame, status) in [
        ("not json", 400),
        ("[1, 2]", 400),
        ("\"ping\"", 400),
        ("{}", 422),
        (r#"{"type": 7}"#, 422),
        (r#"{"type": "ping", "to": "room:1"}"#, 422),
        (r#"{"type": "ping", "payload": "text"}"#, 422),
        (r#"{"type": "ping", "ts": -1}"#, 422),
        (r#"{"type": "ping", "id": 7}"#, 422),
        (r#"{"type": "join"}"#, 422),
    ] {
        client.send_raw(WsMessage::text(frame)).await;
        let error = client.next().await;
        assert_eq!(error["type"], "error", "{frame}: {error}");
        assert_eq!(error["from"], "server");
        assert_eq!(error["payload"]["status"], status, "{frame}: {error}");
        assert!(
            error["payload"].get("ack").is_none(),
            "no id to name: {error}"
        );
        client.assert_alive().await;
    }
    for (envelope, reason) in [
        (json!({"id": "s", "type": "shout"}), "Unknown type"),
        (
            json!({"id": "a", "type": "ack", "payload": {"ack": "x"}}),
            "server sends ack",
        ),
        (json!({"id": "e", "type": "error"}), "server sends error"),
        (json!({"id": "f", "type": "ping", "from": "root"}), "from"),
    ] {
        let error = client.refused(envelope.clone(), 422).await;
        let text = error["payload"]["reason"].as_str().unwrap();
        assert!(text.contains(reason), "{envelope}: {text}");
        client.assert_alive().await;
    }
    client.send_raw(WsMessage::binary(vec![0xff, 0xfe])).await;
    assert_eq!(client.next().await["payload"]["status"], 400);
    client.assert_alive().await;
}

#[tokio::test]
async fn an_oversized_frame_gets_an_error_and_one_past_the_hard_cap_closes_with_1009() {
    let env = spawn_envelopes_with(RealtimeConfig {
        max_message_size: 1_000,
        ..RealtimeConfig::default()
    })
    .await;
    let mut client = env.envelopes(1).await;
    let big = json!({"id": "big", "type": "ping", "payload": {"pad": "x".repeat(1_500)}});
    client.send(big).await;
    let error = client.next().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["payload"]["status"], 413);
    assert!(
        error["payload"]["reason"]
            .as_str()
            .unwrap()
            .contains("1000 bytes"),
        "{error}"
    );
    client.assert_alive().await;

    // Past the hard cap (twice the limit, at least 64 KiB) the socket is closed.
    let huge = json!({"type": "ping", "payload": {"pad": "x".repeat(70 * 1024)}});
    let _ = client.ws.send(WsMessage::text(huge.to_string())).await;
    let (ending, reason) = client.expect_end().await;
    assert_eq!(ending, Ending::Closed(Some(1009)), "{reason}");
    eventually(|| env.server.realtime.connection_count() == 0).await;
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

#[tokio::test]
async fn terminate_connections_and_shutdown_close_envelope_sockets_too() {
    let env = spawn_envelopes().await;
    let mut bob = env.envelopes(2).await;
    let mut ann = env.envelopes(1).await;
    let url = env.server.signed(
        "POST",
        "/apps/confab/users/2/terminate_connections",
        &[],
        "{}",
    );
    let response = http()
        .post(url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(bob.expect_end().await.0, Ending::Closed(Some(4009)));
    ann.assert_alive().await;

    env.server.realtime.shutdown().await;
    let (ending, reason) = ann.expect_end().await;
    assert_eq!(ending, Ending::Closed(Some(4200)));
    assert_eq!(reason, "Server shutting down");
    // Still no half-open sockets: a new envelope socket is refused at once.
    let mut late = Envelopes::open(&env.url("/?token=token-1"), None).await;
    assert!(matches!(
        late.expect_end().await.0,
        Ending::Closed(Some(4200))
    ));
}

#[tokio::test]
async fn pusher_routes_are_unchanged_beside_the_envelope_fallback() {
    let env = spawn_envelopes().await;
    let mut pusher = env.server.connect().await;
    pusher.assert_alive().await;
    let response = http().get(env.server.http_url("/up")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    // A wrong app key is still the Pusher route's refusal, not an envelope socket.
    let mut wrong = crate::helpers::Client::open(&env.server.ws_url("nope"), None).await;
    assert_eq!(wrong.expect_error().await.0, 4001);
    assert_eq!(wrong.expect_end().await, Ending::Closed(Some(4001)));
}

fn quick_pings() -> RealtimeConfig {
    RealtimeConfig {
        ping_interval: Duration::from_millis(200),
        pong_timeout: Duration::from_millis(300),
        ..RealtimeConfig::default()
    }
}

#[tokio::test]
async fn an_idle_envelope_socket_gets_websocket_pings_and_must_answer_them() {
    let env = spawn_envelopes_with(quick_pings()).await;
    // A client that keeps reading answers the pings by itself (as browsers do) and stays open.
    let mut reader = env.envelopes(1).await;
    reader.expect_silence(Duration::from_millis(900)).await;
    reader.assert_alive().await;

    // One that stops reading after the ping never sends its pong, and is closed with 4201.
    let mut stalled = env.envelopes(2).await;
    let ping = tokio::time::timeout(crate::helpers::WAIT, async {
        loop {
            match stalled.ws.next().await {
                Some(Ok(WsMessage::Ping(_))) => return true,
                Some(Ok(_)) => continue,
                _ => return false,
            }
        }
    })
    .await
    .expect("a ping in time");
    assert!(ping, "a WebSocket ping, no text frame");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (ending, reason) = stalled.expect_end().await;
    assert_eq!(ending, Ending::Closed(Some(4201)));
    assert_eq!(reason, "Pong reply not received in time");
}
