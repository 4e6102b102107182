//! The API's message object, as live events carry it. The HTTP adapter owns that shape (its
//! `MessageDto`, which is also the OpenAPI schema); `bin` hands its renderer to this crate, which
//! cannot depend on the HTTP adapter. So a `message.sent` event, an envelope `message` and a
//! `POST …/messages` response are one JSON by construction, not by two definitions kept alike.

use confab_domain::MessageView;
use serde_json::Value;

/// Renders the message object everyone in the room may see: the API's, without what differs per
/// reader (`reactions[].me` — a client keeps its own from `message.reacted`'s `user_id`).
pub trait MessageJson: Send + Sync {
    fn render(&self, view: &MessageView) -> Value;
}

/// Any plain function of the right shape is a renderer (`bin` passes the HTTP adapter's).
impl<F> MessageJson for F
where
    F: Fn(&MessageView) -> Value + Send + Sync,
{
    fn render(&self, view: &MessageView) -> Value {
        self(view)
    }
}
