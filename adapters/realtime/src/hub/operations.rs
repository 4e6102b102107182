//! The hub's operations that reach sockets on every node: publish, publish to a user, whisper,
//! revoke, grant, withdraw, terminate. Each is an [`Op`] applied here by [`Hub::perform`] and
//! handed to the other nodes under the same lock; another node's op comes back in through
//! [`Hub::apply`]. One `apply_locked` serves both, so there is one code path per operation.

use std::time::Instant;

use confab_domain::UserId;
use serde_json::Value;
use tokio::sync::oneshot;

use super::state::{State, deliver};
use super::{
    Backlog, CACHE_TTL, Granted, Hub, Kill, Op, Outbound, OwnedByAnother, WhisperRefused, catch_up,
};
use crate::protocol;

/// What applying an op did that its caller may act on.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Effect {
    /// Sockets a `Terminate` closed here.
    pub(crate) closed: usize,
    /// How far behind a `Publish` found the channel's subscribers (see `pressure`).
    pub(crate) backlog: Backlog,
}

impl Hub {
    /// Sends `frame` to every subscriber of `channel` but `except`, each in its wire format, here
    /// and (scaling on) on every other node. Returns how far behind the channel's subscribers
    /// here are: a caller that can wait should [`relieve`](Hub::relieve) a pressing backlog.
    pub(crate) fn publish(
        &self,
        channel: &str,
        frame: impl Into<Outbound>,
        except: Option<&str>,
    ) -> Backlog {
        self.perform(Op::Publish {
            channel: channel.to_owned(),
            frame: frame.into(),
            except: except.map(str::to_owned),
        })
        .backlog
    }

    /// Sends `frame` to every socket of `user` but `except`, each in its wire format, on every
    /// node.
    pub(crate) fn publish_to_user(&self, user: UserId, frame: &Outbound, except: Option<&str>) {
        self.perform(Op::ToUser {
            user: user.get(),
            frame: frame.clone(),
            except: except.map(str::to_owned),
        });
    }

    /// Forwards a client event to the channel's other subscribers, never back to the sender.
    pub(crate) fn whisper(
        &self,
        socket: &str,
        channel: &str,
        event: &str,
        data: &Value,
    ) -> Result<(), WhisperRefused> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let now_ms = chrono::Utc::now().timestamp_millis();
        if let Some(until_ms) = state.silenced_until(socket, channel, now_ms) {
            return Err(WhisperRefused::TimedOut { until_ms });
        }
        let subscribers = state
            .channels
            .get(channel)
            .ok_or(WhisperRefused::NotSubscribed)?;
        let identity = subscribers
            .subscribers
            .get(socket)
            .ok_or(WhisperRefused::NotSubscribed)?;
        let user_id = identity.as_ref().map(|m| &m.user_id);
        if let Some(lifecycle) = &state.lifecycle {
            lifecycle.client_event(channel, event, data, socket, user_id);
        }
        let frame = Outbound::pusher(protocol::client_event(event, channel, data, user_id));
        // The sender lives here, so `except` keeps it out everywhere.
        let op = Op::Publish {
            channel: channel.to_owned(),
            frame,
            except: Some(socket.to_owned()),
        };
        self.apply_locked(state, &op);
        self.emit(op);
        state.settle();
        Ok(())
    }

    /// Ends `user`'s subscriptions to `channels` on every socket of theirs, at once, and refuses
    /// the signatures they hold until the signer issues new ones.
    ///
    /// With scaling on, the other nodes do the same to their sockets of `user`; the returned
    /// receiver answers once the order is stored for them (so that whatever is published after
    /// it, from any node, reaches every node after it).
    pub(crate) fn revoke(
        &self,
        user: UserId,
        channels: &[String],
    ) -> Option<oneshot::Receiver<()>> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let op = Op::Revoke {
            user: user.get(),
            channels: channels.to_vec(),
        };
        self.apply_locked(state, &op);
        // Under the lock, like every emit: nothing published here after the revocation reaches
        // another node before it.
        let confirmed = self.replica().map(|replica| replica.emit_confirmed(op));
        state.settle();
        confirmed
    }

    /// Closes every socket of `user` (tagged by the signer or present as them), on every node;
    /// returns how many were closed here.
    pub(crate) fn terminate_user(&self, user_key: &str) -> usize {
        self.perform(Op::Terminate {
            user: user_key.to_owned(),
        })
        .closed
    }

    /// Refuses `user`'s whispers on `channels`, on every node, until `until_ms` (`None`: lets
    /// them again).
    pub(crate) fn silence(&self, user: UserId, channels: Vec<String>, until_ms: Option<i64>) {
        self.perform(Op::Silence {
            user: user.get(),
            channels,
            until_ms,
        });
    }

    /// Closes every socket of `user`, on every node, that one of `sessions` opened or signed
    /// for; returns how many were closed here.
    pub(crate) fn end_sessions(&self, user: UserId, sessions: Vec<String>) -> usize {
        self.perform(Op::EndSessions {
            user: user.get(),
            sessions,
        })
        .closed
    }

    /// Tags this node's `socket` with the login session whose token opened it (envelopes).
    pub(crate) fn tag_session(&self, socket: &str, session: &str) {
        if let Some(entry) = self.lock().sockets.get_mut(socket) {
            entry.tag_session(session);
        }
    }

    /// Records that a fresh signature for `channel` was issued to `user` on `socket`: the socket
    /// becomes `user`'s if it had no owner yet, and its earlier revocation of `channel` is lifted
    /// (Pusher sockets; an envelope socket's owner is fixed by its token, and a signature asked
    /// for its id lifts nothing). Called by the `ChannelSigner`.
    ///
    /// A socket's owner never changes: a signature for another user on a socket of this node is
    /// refused ([`OwnedByAnother`]), so that one account cannot move its socket out of reach of
    /// the other's revocation. With scaling on, the auth request may reach another node than the
    /// socket: a socket not found here is told about through the cluster, and its own node
    /// enforces the same rule, refusing there what it would have refused here: nothing is
    /// re-tagged or lifted, and the signature is made useless instead — the socket is marked
    /// revoked on `channel` and taken off it (should the subscribe have overtaken the op).
    pub(crate) fn grant(
        &self,
        socket: &str,
        user: UserId,
        channel: &str,
        session: Option<&str>,
    ) -> Result<(), OwnedByAnother> {
        let mut state = self.lock();
        match state.grant(socket, user, channel, session) {
            Granted::Yes => Ok(()),
            Granted::Conflict => Err(OwnedByAnother),
            Granted::NotHere => {
                self.emit(Op::Grant {
                    socket: socket.to_owned(),
                    user: user.get(),
                    channel: channel.to_owned(),
                    session: session.map(str::to_owned),
                });
                Ok(())
            }
        }
    }

    /// Takes back what a grant gave: `socket`'s signatures for `channel` are refused again and it
    /// is unsubscribed from it, here or (scaling on) on the node it lives on. For a grant that
    /// turned out to race a removal (see the `authorize_channel` use case).
    pub(crate) fn withdraw(&self, socket: &str, channel: &str) {
        let mut state = self.lock();
        if !state.withdraw(socket, channel) {
            self.emit(Op::Withdraw {
                socket: socket.to_owned(),
                channel: channel.to_owned(),
            });
        }
        state.settle();
    }

    /// Whether `socket` may not use its old signature for `channel` (it was revoked).
    pub(crate) fn is_revoked(&self, socket: &str, channel: &str) -> bool {
        self.lock()
            .sockets
            .get(socket)
            .is_some_and(|entry| entry.revoked.contains(channel))
    }

    /// Another node's op, applied to this node's sockets.
    pub(crate) fn apply(&self, op: &Op) -> Effect {
        let mut state = self.lock();
        let effect = self.apply_locked(&mut state, op);
        state.settle();
        effect
    }

    /// Applies `op` here and hands it to the other nodes, under one lock.
    fn perform(&self, op: Op) -> Effect {
        let mut guard = self.lock();
        let state = &mut *guard;
        let effect = self.apply_locked(state, &op);
        self.emit(op);
        state.settle();
        effect
    }

    /// The one place every operation is carried out on this node's sockets.
    fn apply_locked(&self, state: &mut State, op: &Op) -> Effect {
        let mut effect = Effect::default();
        match op {
            Op::Publish {
                channel,
                frame,
                except,
            } => effect.backlog = self.fan_out(state, channel, frame, except.as_deref()),
            Op::ToUser {
                user,
                frame,
                except,
            } => {
                if let Some(sockets) = state.users.get(&UserId(*user)) {
                    for socket in sockets {
                        if except.as_deref() != Some(socket.as_str()) {
                            deliver(&state.sockets, &mut state.deliveries, socket, frame);
                        }
                    }
                }
            }
            Op::Revoke { user, channels } => state.revoke(UserId(*user), channels),
            Op::Silence {
                user,
                channels,
                until_ms,
            } => state.silence(UserId(*user), channels, *until_ms),
            Op::Grant {
                socket,
                user,
                channel,
                session,
            } => {
                // Only another node's grant arrives as an op (here `grant` answers the signer
                // itself): a conflict can then only be refused by undoing what the signature
                // would open.
                let granted = state.grant(socket, UserId(*user), channel, session.as_deref());
                if granted == Granted::Conflict {
                    tracing::info!(
                        socket_id = %socket,
                        user_id = user,
                        channel = %channel,
                        "refusing a channel grant for another user than the socket's owner"
                    );
                    state.withdraw(socket, channel);
                }
            }
            Op::Withdraw { socket, channel } => {
                state.withdraw(socket, channel);
            }
            Op::Terminate { user } => effect.closed = terminate(state, user),
            Op::EndSessions { user, sessions } => {
                effect.closed = state.end_sessions(UserId(*user), sessions);
            }
            Op::MemberAdded {
                channel,
                user_id,
                user_info,
            } => state.member_changed(channel, true, user_id, user_info),
            Op::MemberRemoved { channel, user_id } => {
                state.member_changed(channel, false, user_id, &Value::Null);
            }
        }
        effect
    }

    /// Queues `frame` for this node's subscribers of `channel` (a socket catching up on the
    /// room gets it after its history), and remembers it for a `cache-` channel; says how many
    /// subscribers are behind.
    fn fan_out(
        &self,
        state: &mut State,
        channel: &str,
        frame: &Outbound,
        except: Option<&str>,
    ) -> Backlog {
        if protocol::is_cache_channel(channel)
            && let Some(pusher) = &frame.pusher
        {
            state.cache.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
            state
                .cache
                .insert(channel.to_owned(), (Instant::now(), pusher.clone()));
        }
        // A hold may fill the half of the queue a catching-up join keeps free, less its ack.
        let limit = (self.outbound_queue / 2).saturating_sub(1).max(1);
        let mut expired = Vec::new();
        let mut backlog = Backlog::default();
        if let Some(subscribers) = state.channels.get(channel) {
            for socket in subscribers.subscribers.keys() {
                if except == Some(socket.as_str()) {
                    continue;
                }
                let intercepted = state.catching_up.contains(socket)
                    && catch_up::intercept(
                        &mut state.sockets,
                        &mut state.deliveries.overflowed,
                        &mut expired,
                        (socket, channel),
                        frame,
                        limit,
                    );
                if !intercepted {
                    backlog.of += 1;
                    if deliver(&state.sockets, &mut state.deliveries, socket, frame) {
                        backlog.behind += 1;
                    }
                }
            }
        }
        catch_up::expire(&mut state.catching_up, expired);
        backlog
    }
}

/// Closes this node's sockets of `user_key` (tagged by the signer, or present as them).
fn terminate(state: &mut State, user_key: &str) -> usize {
    let targets = state.sockets_of_key(user_key, state.channels.keys().map(String::as_str));
    let mut closed = 0;
    for socket in targets {
        if let Some(entry) = state.remove_socket(&socket) {
            entry.kill.trigger(Kill::terminated());
            closed += 1;
        }
    }
    closed
}
