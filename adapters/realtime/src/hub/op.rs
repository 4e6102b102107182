//! What nodes tell each other through the Redis pub/sub channel: one small JSON object per hub
//! operation, stamped with the node it came from.
//!
//! `{"node":"…","op":"publish","channel":"private-conversation.1","pusher":"{…}","except":"1.2"}`
//!
//! Frames travel already rendered (the origin rendered them once for its own sockets), so a
//! receiving node only queues text. Every node ignores what it published itself: the origin has
//! applied the operation locally before it was sent, so each socket gets each event once.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::hub::Outbound;
use crate::protocol::Frame;

/// One hub operation another node must apply to its own sockets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum Op {
    /// An event for a channel's subscribers (domain broadcasts, HTTP API publishes, whispers,
    /// envelope pings to a room), each rendering for its wire; `except` skips one socket wherever
    /// it lives.
    Publish {
        channel: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pusher: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        envelope: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        except: Option<String>,
    },
    /// An event for every socket of one user (envelope user routes).
    ToUser {
        user: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pusher: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        envelope: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        except: Option<String>,
    },
    /// Live revocation: `user` was removed from the room these channels belong to.
    Revoke { user: i64, channels: Vec<String> },
    /// A channel signature was issued for `socket` (which may live on another node): tag it with
    /// its user and lift its revocation of `channel` — unless the socket already belongs to
    /// another user, in which case its node refuses the signature instead (see
    /// `Hub::grant_from_cluster`).
    Grant {
        socket: String,
        user: i64,
        channel: String,
    },
    /// A grant taken back (it raced a removal): mark `socket` revoked on `channel` and take it
    /// off the channel.
    Withdraw { socket: String, channel: String },
    /// `POST /apps/{id}/users/{user}/terminate_connections`.
    Terminate { user: String },
    /// A user's first socket anywhere joined a presence channel.
    MemberAdded {
        channel: String,
        user_id: Value,
        #[serde(default)]
        user_info: Value,
    },
    /// A user's last socket anywhere left a presence channel.
    MemberRemoved { channel: String, user_id: Value },
}

#[derive(Serialize)]
struct Stamped<'a> {
    node: &'a str,
    #[serde(flatten)]
    op: &'a Op,
}

#[derive(Deserialize)]
struct Received {
    node: String,
    #[serde(flatten)]
    op: Op,
}

impl Op {
    pub(crate) fn publish(channel: &str, frame: &Outbound, except: Option<&str>) -> Self {
        Self::Publish {
            channel: channel.to_owned(),
            pusher: frame.pusher_text().map(str::to_owned),
            envelope: frame.envelope_text().map(str::to_owned),
            except: except.map(str::to_owned),
        }
    }

    pub(crate) fn to_user(user: i64, frame: &Outbound, except: Option<&str>) -> Self {
        Self::ToUser {
            user,
            pusher: frame.pusher_text().map(str::to_owned),
            envelope: frame.envelope_text().map(str::to_owned),
            except: except.map(str::to_owned),
        }
    }

    /// The message put on the pub/sub channel.
    pub(crate) fn encode(&self, node: &str) -> String {
        serde_json::to_string(&Stamped { node, op: self }).expect("an op always serializes")
    }

    /// A message from the pub/sub channel: `None` when it came from `own_node` (already applied
    /// here) or is not an op this version understands (a newer node's; logged by the caller).
    pub(crate) fn decode(message: &str, own_node: &str) -> Result<Option<Self>, serde_json::Error> {
        let received: Received = serde_json::from_str(message)?;
        Ok((received.node != own_node).then_some(received.op))
    }
}

/// The two renderings back into what the hub fans out.
pub(crate) fn outbound(pusher: Option<String>, envelope: Option<String>) -> Outbound {
    let pusher: Option<Frame> = pusher.map(Frame::from);
    let envelope: Option<Frame> = envelope.map(Frame::from);
    Outbound::from_parts(pusher, envelope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ops_round_trip_and_a_node_ignores_its_own() {
        let ops = [
            Op::Publish {
                channel: "private-conversation.1".into(),
                pusher: Some(r#"{"event":"message.sent"}"#.into()),
                envelope: Some(r#"{"type":"message"}"#.into()),
                except: Some("1.2".into()),
            },
            Op::ToUser {
                user: 7,
                pusher: None,
                envelope: Some("{}".into()),
                except: None,
            },
            Op::Revoke {
                user: 7,
                channels: vec!["private-conversation.1".into()],
            },
            Op::Grant {
                socket: "3.4".into(),
                user: 7,
                channel: "presence-conversation.1".into(),
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
        ];
        for op in ops {
            let text = op.encode("node-a");
            assert_eq!(
                Op::decode(&text, "node-b").unwrap(),
                Some(op.clone()),
                "{text}"
            );
            assert_eq!(Op::decode(&text, "node-a").unwrap(), None, "{text}");
        }
    }

    #[test]
    fn the_wire_format_is_small_flat_json() {
        let op = Op::Publish {
            channel: "room".into(),
            pusher: Some("{}".into()),
            envelope: None,
            except: None,
        };
        assert_eq!(
            op.encode("n1"),
            r#"{"node":"n1","op":"publish","channel":"room","pusher":"{}"}"#
        );
        let removed: Value = serde_json::from_str(
            &Op::MemberRemoved {
                channel: "presence-x".into(),
                user_id: json!(2),
            }
            .encode("n1"),
        )
        .unwrap();
        assert_eq!(
            removed,
            json!({"node": "n1", "op": "member_removed", "channel": "presence-x", "user_id": 2})
        );
    }

    #[test]
    fn garbage_and_unknown_ops_are_errors_not_panics() {
        assert!(Op::decode("not json", "n").is_err());
        assert!(Op::decode(r#"{"node":"x","op":"teleport"}"#, "n").is_err());
        assert!(Op::decode(r#"{"op":"terminate","user":"1"}"#, "n").is_err());
    }

    #[test]
    fn frames_survive_the_trip_for_both_wires() {
        let frame = Outbound::pusher(Frame::from("p")).with_envelope(Some(Frame::from("e")));
        let Op::Publish {
            pusher, envelope, ..
        } = Op::publish("c", &frame, None)
        else {
            unreachable!()
        };
        let back = outbound(pusher, envelope);
        assert_eq!(back.pusher_text(), Some("p"));
        assert_eq!(back.envelope_text(), Some("e"));
    }
}
