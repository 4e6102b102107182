use serde_json::{Value, json};

use super::*;
use crate::hub::Outbound;
use crate::protocol::Frame;

fn every_op() -> Vec<Op> {
    vec![
        Op::Publish {
            channel: "private-conversation.1".into(),
            frame: Outbound::pusher(Frame::from(r#"{"event":"message.sent"}"#))
                .with_envelope(Some(Frame::from(r#"{"type":"message"}"#))),
            except: Some("1.2".into()),
        },
        Op::ToUser {
            user: 7,
            frame: Outbound::envelope(Frame::from("{}")),
            except: None,
        },
        Op::Revoke {
            user: 7,
            channels: vec!["private-conversation.1".into()],
        },
        Op::Silence {
            user: 7,
            channels: vec!["private-conversation.1".into()],
            until_ms: Some(1_771_511_400_000),
        },
        Op::Silence {
            user: 7,
            channels: vec!["private-conversation.1".into()],
            until_ms: None,
        },
        Op::Grant {
            socket: "3.4".into(),
            user: 7,
            channel: "presence-conversation.1".into(),
            session: Some("2f1d".into()),
        },
        Op::EndSessions {
            user: 7,
            sessions: vec!["2f1d".into(), "9a0c".into()],
        },
        Op::Withdraw {
            socket: "3.4".into(),
            channel: "private-conversation.1".into(),
        },
        Op::Terminate { user: "7".into() },
        Op::MemberAdded {
            channel: "presence-conversation.1".into(),
            user_id: json!(7),
            user_info: json!({"id": 7, "name": "Jo"}),
        },
        Op::MemberRemoved {
            channel: "presence-conversation.1".into(),
            user_id: json!("7"),
        },
    ]
}

#[test]
fn every_op_round_trips_and_a_node_skips_its_own() {
    for (n, op) in every_op().into_iter().enumerate() {
        let text = encode(&op, "node-a", Some(n as u64 + 1));
        let mut b = Applied::default();
        assert_eq!(
            b.admit(&text, "node-b").unwrap(),
            Some(op.clone()),
            "{text}"
        );
        let mut a = Applied::default();
        assert_eq!(a.admit(&text, "node-a").unwrap(), None, "{text}");
    }
}

#[test]
fn an_op_seen_before_is_skipped_and_unnumbered_ones_always_apply() {
    let op = Op::Terminate { user: "7".into() };
    let mut applied = Applied::default();
    let first = encode(&op, "a", Some(1));
    let second = encode(&op, "a", Some(2));
    assert!(applied.admit(&first, "me").unwrap().is_some());
    assert!(applied.admit(&second, "me").unwrap().is_some());
    // A retried batch, or ops added again to a restarted Redis.
    assert!(applied.admit(&first, "me").unwrap().is_none());
    assert!(applied.admit(&second, "me").unwrap().is_none());
    // Another node's numbering is its own.
    assert!(
        applied
            .admit(&encode(&op, "b", Some(1)), "me")
            .unwrap()
            .is_some()
    );
    // Presence announcements from Lua scripts carry no number.
    let unnumbered = encode(&op, "a", None);
    assert!(applied.admit(&unnumbered, "me").unwrap().is_some());
    assert!(applied.admit(&unnumbered, "me").unwrap().is_some());
}

#[test]
fn the_wire_format_is_small_flat_json() {
    let op = Op::Publish {
        channel: "room".into(),
        frame: Outbound::pusher(Frame::from("{}")),
        except: None,
    };
    assert_eq!(
        encode(&op, "n1", Some(3)),
        r#"{"node":"n1","seq":3,"op":"publish","channel":"room","pusher":"{}"}"#
    );
    let removed: Value = serde_json::from_str(&encode(
        &Op::MemberRemoved {
            channel: "presence-x".into(),
            user_id: json!(2),
        },
        "n1",
        None,
    ))
    .unwrap();
    assert_eq!(
        removed,
        json!({"node": "n1", "op": "member_removed", "channel": "presence-x", "user_id": 2})
    );
}

#[test]
fn garbage_and_unknown_ops_are_errors_not_panics() {
    let mut applied = Applied::default();
    assert!(applied.admit("not json", "n").is_err());
    assert!(
        applied
            .admit(r#"{"node":"x","op":"teleport"}"#, "n")
            .is_err()
    );
    assert!(
        applied
            .admit(r#"{"op":"terminate","user":"1"}"#, "n")
            .is_err()
    );
}

#[test]
fn retained_ops_are_the_recent_ones_in_order() {
    let mut retained = Retained::default();
    for n in 0..5 {
        retained.keep(format!("op {n}"));
    }
    assert_eq!(retained.recent(), ["op 0", "op 1", "op 2", "op 3", "op 4"]);
}
