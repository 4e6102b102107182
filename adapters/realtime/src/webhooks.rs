//! Webhooks, as Pusher sends them: a POST of `{"time_ms": …, "events": [ … ]}` signed with the
//! app secret (`X-Pusher-Key`, `X-Pusher-Signature` = hex HMAC-SHA256 of the body), which Pusher's
//! server SDKs already verify. Pusher's own events — `channel_occupied`, `channel_vacated`,
//! `member_added`, `member_removed`, `client_event`, `cache_miss` — come from the hub
//! ([`lifecycle`]); the chat
//! events (`message.sent`, `participant.added`, … with the room's channel and a `data` object: what
//! Pusher clients get on `private-conversation.{id}`) are rendered by [`render`] inside the
//! transaction of their change and stored in the outbox with it. [`dispatch`] runs the
//! `deliver_webhooks` use case per destination; [`sender`] is the signed POST.
//!
//! Depends on: the hub (its `LifecycleEvents`, which [`Lifecycle`] implements), scaling (with
//! several nodes a channel's occupancy is voted on: `scaling::Vote`), `pusher::events` (a chat
//! event's JSON is the live one), `pusher::signature` (the HMAC) and `api_json`. Nothing in
//! the hub or scaling depends on this room.

mod dispatch;
mod lifecycle;
mod per_app;
mod render;
mod sender;

use std::collections::BTreeSet;
use std::time::Duration;

pub use dispatch::{Dispatch, WebhookFigures, deliver};
pub(crate) use lifecycle::Lifecycle;
pub(crate) use per_app::PerApp;
pub use per_app::WebhooksFor;
pub use render::ChatWebhooks;
pub use sender::HttpWebhookSender;

/// Pusher's lifecycle events.
const LIFECYCLE_EVENTS: [&str; 6] = [
    "channel_occupied",
    "channel_vacated",
    "member_added",
    "member_removed",
    "client_event",
    "cache_miss",
];

/// The chat events a webhook can tell: what a room's channel carries about its messages and
/// people. (`conversation.read` and `typing` are not: read receipts and typing are frequent,
/// per user, and typing is never stored.)
pub(crate) const CHAT_EVENTS: [&str; 15] = [
    "message.sent",
    "message.updated",
    "message.deleted",
    "message.reacted",
    "message.pinned",
    "message.unpinned",
    "thread.updated",
    "participant.added",
    "participant.removed",
    "participant.banned",
    "participant.unbanned",
    "participant.updated",
    "conversation.updated",
    "conversation.closed",
    "message.reported",
];

/// The webhook telling that a new message alerts someone (one per recipient, on their
/// `private-user.{id}` channel, with the live `notification`'s data): what an app server turns
/// into a mobile push.
pub(crate) const NOTIFICATION_EVENT: &str = "notification.created";

/// The webhook telling that someone's public profile changed (once, on their `private-user.{id}`
/// channel, with the live `user.updated`'s data): what an app server mirrors names from.
pub(crate) const USER_UPDATED_EVENT: &str = "user.updated";

/// Which events the webhooks carry (`CONFAB_WEBHOOK_EVENTS`): all of them unless narrowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFilter(BTreeSet<&'static str>);

impl Default for EventFilter {
    fn default() -> Self {
        Self::all()
    }
}

impl EventFilter {
    pub fn all() -> Self {
        let chat = CHAT_EVENTS
            .into_iter()
            .chain([NOTIFICATION_EVENT, USER_UPDATED_EVENT]);
        Self(LIFECYCLE_EVENTS.into_iter().chain(chat).collect())
    }

    /// A comma-separated list of event names; empty or `all` is every event.
    ///
    /// # Errors
    /// A name that is not an event, with the names there are.
    pub fn parse(list: &str) -> Result<Self, String> {
        let names: Vec<&str> = list
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        if names.is_empty() || names == ["all"] {
            return Ok(Self::all());
        }
        let known = Self::all();
        names
            .into_iter()
            .map(|name| {
                known.0.get(name).copied().ok_or_else(|| {
                    let all: Vec<&str> = known.0.iter().copied().collect();
                    format!(
                        "unknown webhook event {name:?}; the events are: {}",
                        all.join(", ")
                    )
                })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub fn wants(&self, name: &str) -> bool {
        self.0.contains(name)
    }
}

/// Where and how webhooks are sent.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// `CONFAB_WEBHOOK_URLS`; none means webhooks are off.
    pub urls: Vec<String>,
    pub events: EventFilter,
    /// The Pusher app key and secret: the key names the app, the secret signs the body.
    pub key: String,
    pub secret: String,
    /// How long a POST may take before it counts as failed.
    pub timeout: Duration,
}

#[cfg(test)]
mod tests;
