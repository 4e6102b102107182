use serde_json::json;

use super::*;
use crate::protocol;

fn hub() -> Hub {
    Hub::new(RealtimeConfig::default())
}

/// A cluster of one: records what the hub hands the other nodes.
#[derive(Default)]
struct Recorder {
    ops: std::sync::Mutex<Vec<Op>>,
}

impl Replica for Recorder {
    fn emit(&self, op: Op) {
        self.ops.lock().unwrap().push(op);
    }

    fn emit_confirmed(&self, op: Op) -> tokio::sync::oneshot::Receiver<()> {
        self.emit(op);
        tokio::sync::oneshot::channel().1
    }

    fn is_up(&self) -> bool {
        true
    }

    fn in_doubt(&self) -> bool {
        false
    }

    fn presence_join(
        &self,
        _channel: &str,
        _socket: &str,
        _member: &Member,
        _only: Option<&[String]>,
    ) -> Option<tokio::sync::oneshot::Receiver<Option<Snapshot>>> {
        None
    }

    fn presence_left(&self, _channel: &str, _socket: &str, _member: Member) {}
}

/// Another node's grant or revocation arriving here.
fn from_elsewhere(hub: &Hub, op: Op) {
    hub.apply(&op);
}

fn grant_elsewhere(socket: &str, user: i64, channel: &str) -> Op {
    Op::Grant {
        socket: socket.to_owned(),
        user,
        channel: channel.to_owned(),
        session: None,
    }
}

fn revoke_elsewhere(user: i64, channel: &str) -> Op {
    Op::Revoke {
        user,
        channels: vec![channel.to_owned()],
    }
}

fn connect(hub: &Hub, capacity: usize) -> (String, mpsc::Receiver<Frame>) {
    let (tx, rx) = mpsc::channel(capacity);
    let (kill, _) = KillSwitch::new();
    (hub.register(tx, kill, Wire::Pusher, None).unwrap(), rx)
}

fn events(rx: &mut mpsc::Receiver<Frame>) -> Vec<String> {
    let mut seen = Vec::new();
    while let Ok(frame) = rx.try_recv() {
        let value: Value = serde_json::from_str(&frame).unwrap();
        seen.push(value["event"].as_str().unwrap().to_owned());
    }
    seen
}

#[test]
fn two_tabs_of_one_user_are_one_presence_member() {
    let hub = hub();
    let (watcher, mut watcher_rx) = connect(&hub, 16);
    let (tab1, _) = connect(&hub, 16);
    let (tab2, _) = connect(&hub, 16);
    let me = || Some(Member::new(json!(2), json!({"id": 2, "name": "Jo"})));
    let channel = "presence-room";
    hub.subscribe(&watcher, channel, Some(Member::new(json!(1), json!({}))))
        .unwrap();
    events(&mut watcher_rx);
    hub.subscribe(&tab1, channel, me()).unwrap();
    hub.subscribe(&tab2, channel, me()).unwrap();
    assert_eq!(events(&mut watcher_rx), ["pusher_internal:member_added"]);
    assert_eq!(hub.channel(channel).user_count, Some(2));
    hub.unregister(&tab1);
    assert!(events(&mut watcher_rx).is_empty());
    hub.unsubscribe(&tab2, channel);
    assert_eq!(events(&mut watcher_rx), ["pusher_internal:member_removed"]);
}

#[test]
fn a_full_queue_drops_the_socket_from_the_hub() {
    let hub = hub();
    let (slow, _rx) = connect(&hub, 1);
    hub.subscribe(&slow, "room", None).unwrap();
    hub.publish("room", protocol::frame("x", Some("room"), "{}"), None);
    assert!(!hub.has_socket(&slow));
    assert_eq!(hub.channel("room").subscription_count, 0);
}

fn connect_envelopes(hub: &Hub, capacity: usize, user: i64) -> (String, mpsc::Receiver<Frame>) {
    let (tx, rx) = mpsc::channel(capacity);
    let (kill, _) = KillSwitch::new();
    let id = hub
        .register(tx, kill, Wire::Envelope, Some(UserId(user)))
        .unwrap();
    (id, rx)
}

#[test]
fn one_publish_reaches_each_socket_in_its_own_wire_format() {
    let hub = hub();
    let (pusher, mut pusher_rx) = connect(&hub, 16);
    let (envelopes, mut envelope_rx) = connect_envelopes(&hub, 16, 3);
    hub.subscribe(&pusher, "private-room", None).unwrap();
    events(&mut pusher_rx);
    hub.join_quietly(&envelopes, "private-room").unwrap();
    assert!(
        envelope_rx.try_recv().is_err(),
        "an envelope join is silent"
    );
    assert_eq!(hub.channel("private-room").subscription_count, 2);

    let both = Outbound::pusher(protocol::frame("e", Some("private-room"), "{}"))
        .with_envelope(Some(Frame::from(r#"{"type":"message"}"#)));
    hub.publish("private-room", both, None);
    assert_eq!(events(&mut pusher_rx), ["e"]);
    assert_eq!(&*envelope_rx.try_recv().unwrap(), r#"{"type":"message"}"#);

    // A frame without a rendering for a wire is not queued for it at all.
    hub.publish("private-room", protocol::frame("only", None, "{}"), None);
    hub.publish_to_user(UserId(3), &Outbound::envelope(Frame::from("{}")), None);
    assert_eq!(events(&mut pusher_rx), ["only"]);
    assert_eq!(&*envelope_rx.try_recv().unwrap(), "{}");
    assert!(envelope_rx.try_recv().is_err());
}

#[test]
fn a_slow_envelope_socket_is_dropped_and_revocation_reaches_envelope_sockets() {
    let hub = hub();
    let (slow, _slow_rx) = connect_envelopes(&hub, 1, 4);
    let (member, _member_rx) = connect_envelopes(&hub, 16, 5);
    hub.join_quietly(&slow, "private-conversation.1").unwrap();
    hub.join_quietly(&member, "private-conversation.1").unwrap();
    for _ in 0..2 {
        let frame = Outbound::envelope(Frame::from("{}"));
        hub.publish("private-conversation.1", frame, None);
    }
    assert!(!hub.has_socket(&slow));

    let channels = ["private-conversation.1".to_owned()];
    hub.revoke(UserId(5), &channels);
    assert_eq!(hub.channel("private-conversation.1").subscription_count, 0);
    assert_eq!(
        hub.join_quietly(&member, "private-conversation.1"),
        Err(SubscribeError::Revoked)
    );
    hub.clear_revoked(&member, "private-conversation.1");
    assert_eq!(hub.join_quietly(&member, "private-conversation.1"), Ok(()));
    // A signature asked for an envelope socket's id does not change whose it is: for another
    // user it is refused.
    assert_eq!(
        hub.grant(&member, UserId(6), "private-conversation.1", None),
        Err(OwnedByAnother)
    );
    assert_eq!(
        hub.grant(&member, UserId(5), "private-conversation.1", None),
        Ok(())
    );
    assert_eq!(hub.terminate_user("5"), 1);
}

#[test]
fn revocation_unsubscribes_and_refuses_until_a_new_grant() {
    let hub = hub();
    let (socket, _rx) = connect(&hub, 16);
    hub.grant(&socket, UserId(7), "private-conversation.1", None)
        .unwrap();
    hub.subscribe(&socket, "private-conversation.1", None)
        .unwrap();
    let channels = [
        "private-conversation.1".to_owned(),
        "presence-conversation.1".to_owned(),
    ];
    hub.revoke(UserId(7), &channels);
    assert_eq!(hub.channel("private-conversation.1").subscription_count, 0);
    assert_eq!(
        hub.subscribe(&socket, "private-conversation.1", None),
        Err(SubscribeError::Revoked)
    );
    hub.grant(&socket, UserId(7), "private-conversation.1", None)
        .unwrap();
    assert_eq!(
        hub.subscribe(&socket, "private-conversation.1", None),
        Ok(())
    );
}

/// Scaling: what this node's sockets see and what it tells the other nodes come in one
/// order, however many publishers race (the op is emitted under the hub lock).
#[test]
fn the_cluster_is_told_of_publishes_in_the_order_they_were_delivered_here() {
    let hub = Arc::new(hub());
    let recorder = Arc::new(Recorder::default());
    hub.attach(recorder.clone());
    const EACH: usize = 3_000;
    let (socket, mut rx) = connect(&hub, 8 * EACH);
    hub.subscribe(&socket, "room", None).unwrap();
    events(&mut rx);
    let racers: Vec<_> = (0..3)
        .map(|racer| {
            let hub = hub.clone();
            std::thread::spawn(move || {
                for n in 0..EACH {
                    let name = format!("{racer}-{n}");
                    hub.publish("room", protocol::frame(&name, Some("room"), "{}"), None);
                }
            })
        })
        .collect();
    for racer in racers {
        racer.join().unwrap();
    }
    let delivered = events(&mut rx);
    let mut emitted = Vec::new();
    for op in recorder.ops.lock().unwrap().iter() {
        if let Op::Publish { frame, .. } = op {
            let value: Value = serde_json::from_str(frame.pusher.as_deref().unwrap()).unwrap();
            emitted.push(value["event"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(delivered.len(), 3 * EACH);
    assert!(delivered == emitted, "local and cluster orders differ");
}

/// Mallory's two accounts: M1 subscribes the socket to a room, M2 asks a signature for the
/// same socket. The socket stays M1's, so banning M1 still cuts it off.
#[test]
fn a_second_account_cannot_take_a_socket_out_of_the_first_ones_revocation() {
    let hub = hub();
    let (socket, mut rx) = connect(&hub, 16);
    let room = "private-conversation.7";
    hub.grant(&socket, UserId(1), room, None).unwrap();
    hub.subscribe(&socket, room, None).unwrap();
    events(&mut rx);

    assert_eq!(
        hub.grant(&socket, UserId(2), "private-user.2", None),
        Err(OwnedByAnother)
    );
    // Nor does a presence identity make it anyone else's.
    let as_m2 = Member::new(json!(2), json!({"id": 2}));
    hub.subscribe(&socket, "presence-conversation.8", Some(as_m2))
        .unwrap();
    assert_eq!(
        hub.grant(&socket, UserId(2), "presence-conversation.8", None),
        Err(OwnedByAnother)
    );
    events(&mut rx);

    hub.revoke(UserId(1), &[room.to_owned()]);
    hub.publish(room, protocol::frame("secret", Some(room), "{}"), None);
    assert!(
        events(&mut rx).is_empty(),
        "the banned account hears nothing"
    );
    assert_eq!(
        hub.subscribe(&socket, room, None),
        Err(SubscribeError::Revoked)
    );
}

/// Scaling: a conflicting grant from another node (which could not refuse it) is refused by
/// the socket's node: no re-tag, no lifted mark, and the channel it was for is closed to the
/// socket even if the subscribe overtook the op.
#[test]
fn a_conflicting_grant_from_another_node_is_refused_where_the_socket_lives() {
    let hub = hub();
    let (socket, _rx) = connect(&hub, 16);
    let room = "private-conversation.7";
    from_elsewhere(&hub, grant_elsewhere(&socket, 1, room));
    hub.subscribe(&socket, room, None).unwrap();
    from_elsewhere(&hub, revoke_elsewhere(1, room));
    // M2's signature for the room, from another node: the mark stays.
    from_elsewhere(&hub, grant_elsewhere(&socket, 2, room));
    assert!(hub.is_revoked(&socket, room));
    // M2's signature for another room, used before its op arrived: taken back on arrival.
    let other = "private-conversation.9";
    hub.subscribe(&socket, other, None).unwrap();
    from_elsewhere(&hub, grant_elsewhere(&socket, 2, other));
    assert_eq!(hub.channel(other).subscription_count, 0);
    assert_eq!(
        hub.subscribe(&socket, other, None),
        Err(SubscribeError::Revoked)
    );
    // Still M1's: a revocation of M1 reaches it, M2's does not tag it.
    from_elsewhere(&hub, grant_elsewhere(&socket, 1, room));
    hub.subscribe(&socket, room, None).unwrap();
    from_elsewhere(&hub, revoke_elsewhere(2, room));
    assert_eq!(hub.channel(room).subscription_count, 1);
    from_elsewhere(&hub, revoke_elsewhere(1, room));
    assert_eq!(hub.channel(room).subscription_count, 0);
}

/// A grant that raced a removal (the revocation ran before the grant lifted its mark) is
/// withdrawn: the mark is back and the subscription an identical old signature made in the
/// meantime is ended.
#[test]
fn a_withdrawn_grant_puts_the_revocation_back() {
    let hub = hub();
    let (socket, mut rx) = connect(&hub, 16);
    let room = "private-conversation.3";
    hub.grant(&socket, UserId(4), room, None).unwrap();
    hub.subscribe(&socket, room, None).unwrap();
    // The removal's commit, then its revocation, then the racing grant.
    hub.revoke(UserId(4), &[room.to_owned()]);
    hub.grant(&socket, UserId(4), room, None).unwrap();
    hub.subscribe(&socket, room, None).unwrap();
    events(&mut rx);
    // The use case's re-check sees the removal.
    hub.withdraw(&socket, room);
    assert!(hub.is_revoked(&socket, room));
    assert_eq!(hub.channel(room).subscription_count, 0);
    hub.publish(room, protocol::frame("after", Some(room), "{}"), None);
    assert!(events(&mut rx).is_empty());
    assert_eq!(
        hub.subscribe(&socket, room, None),
        Err(SubscribeError::Revoked)
    );
    // Withdrawing for a socket that is not here is harmless.
    hub.withdraw("1.1", room);
}

/// Back-pressure: a big channel whose sockets are behind as a whole holds its publisher until
/// their writers catch up; one stalled socket among many holds no one.
#[tokio::test]
async fn a_channel_behind_as_a_whole_holds_its_publisher_until_it_catches_up() {
    let hub = Arc::new(hub());
    let mut receivers = Vec::new();
    for _ in 0..100 {
        let (socket, mut rx) = connect(&hub, 8);
        hub.subscribe(&socket, "room", None).unwrap();
        events(&mut rx);
        receivers.push(rx);
    }
    let event = || protocol::frame("news", Some("room"), "{}");
    // One frame queued: not behind; two: behind.
    assert!(!hub.publish("room", event(), None).pressing());
    assert!(hub.publish("room", event(), None).pressing());

    let drained = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let drained = drained.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            drained.store(true, std::sync::atomic::Ordering::SeqCst);
            for rx in &mut receivers {
                assert_eq!(events(rx).len(), 2);
            }
            receivers
        })
    };
    hub.relieve("room").await;
    assert!(
        drained.load(std::sync::atomic::Ordering::SeqCst),
        "the publisher went on before the sockets caught up"
    );
    let mut receivers = reader.await.unwrap();

    // One socket that never reads: the channel as a whole is not behind.
    for _ in 0..5 {
        assert!(!hub.publish("room", event(), None).pressing());
        for rx in receivers.iter_mut().skip(1) {
            events(rx);
        }
    }
    assert_eq!(
        hub.publish("room", event(), None),
        Backlog { behind: 1, of: 100 }
    );
}

mod figures;
mod sessions;
mod sign_in;
mod silence;
