//! The hub's operations that concern sockets wherever they live: what one node applies to its
//! own sockets and hands its [`Replica`](super::Replica) for the others, who apply the same value
//! with [`Hub::apply`](super::Hub::apply). One enum for both sides, so a new operation cannot
//! reach this node's sockets and silently miss the others'.
//!
//! Frames travel already rendered (the origin rendered them once for its own sockets), so a
//! receiving node only queues text. How an op is put on the wire between nodes is the scaling
//! module's business; the field names below are that format.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Outbound;

/// One hub operation every node applies to its own sockets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum Op {
    /// An event for a channel's subscribers (domain broadcasts, HTTP API publishes, whispers,
    /// envelope pings to a room), each rendering for its wire; `except` skips one socket wherever
    /// it lives.
    Publish {
        channel: String,
        #[serde(flatten)]
        frame: Outbound,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        except: Option<String>,
    },
    /// An event for every socket of one user (envelope user routes).
    ToUser {
        user: i64,
        #[serde(flatten)]
        frame: Outbound,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        except: Option<String>,
    },
    /// Live revocation: `user` was removed from the room these channels belong to.
    Revoke { user: i64, channels: Vec<String> },
    /// `user` was timed out in the room these channels belong to: their whispers there are
    /// refused until `until_ms` (Unix milliseconds); `None` lifts it.
    Silence {
        user: i64,
        channels: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until_ms: Option<i64>,
    },
    /// A channel signature was issued for `socket` (which may live on another node): tag it with
    /// its user and lift its revocation of `channel` — unless the socket already belongs to
    /// another user, in which case its node refuses the signature instead (see
    /// [`Hub::grant`](super::Hub::grant)).
    Grant {
        socket: String,
        user: i64,
        channel: String,
        /// The login session that signed (its end closes the socket).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session: Option<String>,
    },
    /// A grant taken back (it raced a removal): mark `socket` revoked on `channel` and take it
    /// off the channel.
    Withdraw { socket: String, channel: String },
    /// `POST /apps/{id}/users/{user}/terminate_connections`.
    Terminate { user: String },
    /// Login sessions of `user` ended (logout, password change): close the sockets they opened
    /// or signed for.
    EndSessions { user: i64, sessions: Vec<String> },
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

impl Op {
    /// The channel a publish is for (the one whose listeners a node may have to confirm).
    pub(crate) fn published_channel(&self) -> Option<&str> {
        match self {
            Self::Publish { channel, .. } => Some(channel),
            _ => None,
        }
    }
}
