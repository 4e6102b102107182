//! Chat events in webhook form: the Pusher event a room's channel carries, as
//! `{"name": <event>, "channel": "private-conversation.{id}", "data": <its data, an object>}`.
//! The translation is the live one (`events::translate`, with the same message object), so a
//! receiver reads a webhook with the code a client reads the live event with.

use std::sync::Arc;

use confab_domain::ports::WebhookRenderer;
use confab_domain::{Channel, RealtimeEvent, WebhookEvent};

use super::{CHAT_EVENTS, EventFilter, NOTIFICATION_EVENT, USER_UPDATED_EVENT, WebhookSettings};
use crate::api_json::ApiJson;
use crate::pusher::events;

/// The [`WebhookRenderer`] the repositories store chat events with.
pub struct ChatWebhooks {
    destinations: Vec<String>,
    events: EventFilter,
    messages: Arc<ApiJson>,
}

impl ChatWebhooks {
    pub fn new(settings: &WebhookSettings, messages: Arc<ApiJson>) -> Self {
        Self {
            destinations: settings.urls.clone(),
            events: settings.events.clone(),
            messages,
        }
    }
}

impl WebhookRenderer for ChatWebhooks {
    fn destinations(&self) -> &[String] {
        &self.destinations
    }

    /// One webhook event per chat event wanted, on the room's private channel (the presence
    /// channel's copy and the per-user notices are the same news, so not told again); a
    /// `notification` is `notification.created` on its recipient's channel.
    fn render(&self, event: &RealtimeEvent) -> Vec<WebhookEvent> {
        if let RealtimeEvent::MessageReported { report } = event {
            return self.reported(report).into_iter().collect();
        }
        events::translate(event, self.messages.as_ref())
            .into_iter()
            .filter_map(|pusher| {
                let name = match Channel::parse(&pusher.channel) {
                    Some(Channel::Conversation(_)) if CHAT_EVENTS.contains(&pusher.event) => {
                        pusher.event
                    }
                    Some(Channel::User(_)) if pusher.event == "notification" => NOTIFICATION_EVENT,
                    // Once, on the user's own channel (not once per room).
                    Some(Channel::User(_)) if pusher.event == USER_UPDATED_EVENT => {
                        USER_UPDATED_EVENT
                    }
                    _ => return None,
                };
                self.events.wants(name).then(|| WebhookEvent {
                    json: format!(
                        r#"{{"name":{},"channel":{},"data":{}}}"#,
                        quoted(name),
                        quoted(&pusher.channel),
                        pusher.data
                    ),
                    channel: pusher.channel,
                })
            })
            .collect()
    }
}

impl ChatWebhooks {
    /// `message.reported` on the room's private channel, `{"report": <the API's report
    /// object>}`: a webhook only, since nobody in the room is to learn of it.
    fn reported(&self, report: &confab_domain::Report) -> Option<WebhookEvent> {
        const NAME: &str = "message.reported";
        if !self.events.wants(NAME) {
            return None;
        }
        let channel = Channel::Conversation(report.conversation_id).name();
        let data = serde_json::json!({ "report": (self.messages.report)(report) });
        Some(WebhookEvent {
            json: format!(
                r#"{{"name":{},"channel":{},"data":{}}}"#,
                quoted(NAME),
                quoted(&channel),
                data
            ),
            channel,
        })
    }
}

/// `text` as a JSON string.
pub(super) fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}
