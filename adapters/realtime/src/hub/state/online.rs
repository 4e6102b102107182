//! Signed-in users and their watchlists, under the hub's lock.
//!
//! A sign-in is a presence subscription to [`ONLINE_CHANNEL`] as the signed-in user, so "is this
//! user online" is answered by the presence machinery: one count per user over every socket and
//! node, dead nodes taken out, the count written back after a Redis outage. What differs is who
//! hears of it: not the channel's other subscribers (every signed-in socket), but the sockets
//! whose watchlist names the user — as `pusher_internal:watchlist_events`. `join`, `leave` and
//! `member_changed` hand that channel to the functions here.

use std::collections::HashSet;

use serde_json::Value;

use super::{Buffered, ClusterJoin, State};
use crate::hub::Member;
use crate::protocol::{self, ONLINE_CHANNEL};

/// Who a socket signed in as, and whom it watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedIn {
    /// The user id from `user_data`, as text.
    pub(crate) key: String,
    /// Ids whose `online`/`offline` the socket is told.
    pub(crate) watchlist: Vec<String>,
}

impl State {
    /// The watchlist of `socket`'s sign-in (empty when it has none).
    pub(in crate::hub) fn watchlist_of(&self, socket: &str) -> &[String] {
        self.sockets
            .get(socket)
            .and_then(|entry| entry.signed_in.as_deref())
            .map_or(&[], |signed_in| signed_in.watchlist.as_slice())
    }

    /// Completes a sign-in's join of [`ONLINE_CHANNEL`]: the socket is told which of its watched
    /// users are online and which offline (from the cluster's answer, or this node's own count),
    /// then what changed while the cluster was asked; from now on it hears every change. On the
    /// user's first socket anywhere, the sockets watching them hear `online`.
    pub(in crate::hub) fn join_online(
        &mut self,
        socket: &str,
        member: Member,
        cluster: Option<ClusterJoin>,
    ) {
        let watchlist = self.watchlist_of(socket).to_vec();
        let channel = self.channel_entry(ONLINE_CHANNEL);
        let first_here = channel.count_in(&member);
        channel
            .subscribers
            .insert(socket.to_owned(), Some(member.clone()));
        let (snapshot, buffered) = match cluster {
            Some(ClusterJoin { snapshot, buffered }) => (snapshot, buffered),
            None => (None, Vec::new()),
        };
        let (first, mut online): (bool, HashSet<String>) = match snapshot {
            Some(snapshot) => (
                snapshot.first,
                snapshot
                    .members
                    .iter()
                    .map(|(id, _)| Member::new(id.clone(), Value::Null).key)
                    .collect(),
            ),
            None => (first_here, channel.members.keys().cloned().collect()),
        };
        online.retain(|key| watchlist.contains(key));
        if let Some(entry) = self.sockets.get_mut(socket) {
            entry.channels.insert(ONLINE_CHANNEL.to_owned());
        }
        if !watchlist.is_empty() {
            let ids: Vec<Value> = watchlist
                .iter()
                .map(|id| Value::from(id.as_str()))
                .collect();
            let (on, off): (Vec<&Value>, Vec<&Value>) = ids
                .iter()
                .partition(|id| id.as_str().is_some_and(|id| online.contains(id)));
            self.send(socket, &protocol::watchlist_events(&on, &off));
        }
        for event in buffered {
            let news = if event.added {
                online.insert(event.key)
            } else {
                online.remove(&event.key)
            };
            if news {
                self.send(socket, &event.frame);
            }
        }
        for watched in watchlist {
            self.watchers
                .entry(watched)
                .or_default()
                .insert(socket.to_owned());
        }
        if first {
            self.tell_watchers(&member.user_id, true, Some(socket));
        }
    }

    /// A signed-in user came online or went offline (decided here, by Redis or by another
    /// node): the sockets watching them are told, and sockets still signing in keep it for after
    /// their first answer.
    pub(in crate::hub) fn tell_watchers(
        &mut self,
        user_id: &Value,
        online: bool,
        except: Option<&str>,
    ) {
        let key = Member::new(user_id.clone(), Value::Null).key;
        let id = Value::from(key.as_str());
        let frame = if online {
            protocol::watchlist_events(&[&id], &[])
        } else {
            protocol::watchlist_events(&[], &[&id])
        };
        let watching: Vec<String> = self
            .watchers
            .get(&key)
            .map(|sockets| sockets.iter().cloned().collect())
            .unwrap_or_default();
        for socket in watching.iter().filter(|s| Some(s.as_str()) != except) {
            self.send(socket, &frame);
        }
        let Some(joining) = self.joining.get_mut(ONLINE_CHANNEL) else {
            return;
        };
        for (socket, waiting) in joining.iter_mut() {
            let watches = self
                .sockets
                .get(socket)
                .and_then(|entry| entry.signed_in.as_deref())
                .is_some_and(|signed_in| signed_in.watchlist.contains(&key));
            if watches {
                waiting.push(Buffered {
                    added: online,
                    key: key.clone(),
                    frame: frame.clone(),
                });
            }
        }
    }

    /// `socket` signs out (it left [`ONLINE_CHANNEL`]): it watches nobody any more.
    pub(in crate::hub) fn unwatch(&mut self, socket: &str) {
        if let Some(signed_in) = self
            .sockets
            .get_mut(socket)
            .and_then(|entry| entry.signed_in.take())
        {
            self.forget_watcher(socket, &signed_in);
        }
    }

    /// Takes `socket` out of the watchers of everyone `signed_in` watched (it signed out or
    /// closed).
    pub(in crate::hub) fn forget_watcher(&mut self, socket: &str, signed_in: &SignedIn) {
        for watched in &signed_in.watchlist {
            if let Some(sockets) = self.watchers.get_mut(watched) {
                sockets.remove(socket);
                if sockets.is_empty() {
                    self.watchers.remove(watched);
                }
            }
        }
    }
}
