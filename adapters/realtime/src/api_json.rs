//! The API's JSON shapes, as live events and webhooks carry them. The HTTP adapter owns every one
//! of them (its DTOs, which are also the OpenAPI schemas); `bin` hands its renderers to this
//! crate, which cannot depend on the HTTP adapter. So a `message.sent` event, an envelope
//! `message`, a webhook and a `POST …/messages` response are one JSON by construction, and so are
//! a `conversation.closed` event's room and `GET /conversations/{id}` — not two definitions kept
//! alike by hand.

use confab_domain::{
    ConversationOverview, MessageView, ReactionCount, Report, Standing, ThreadSummary, Timestamp,
    UserSummary,
};
use serde_json::Value;

/// One renderer per shape, each the HTTP adapter's rendering without what differs per reader (an
/// event goes to everyone).
#[derive(Debug, Clone, Copy)]
pub struct ApiJson {
    /// The message object, without `reactions[].me` (a client keeps its own from
    /// `message.reacted`'s `user_id`).
    pub message: fn(&MessageView) -> Value,
    /// A conversation as everyone sees it: without `is_creator`, `unread_count`, `last_message`
    /// and the participants' read receipts.
    pub conversation: fn(&ConversationOverview) -> Value,
    /// A user as others see them: `{id, name}`.
    pub user: fn(&UserSummary) -> Value,
    /// A message's reaction tally, without `me`.
    pub reactions: fn(&[ReactionCount]) -> Value,
    /// A root's thread summary.
    pub thread: fn(&ThreadSummary) -> Value,
    /// A member whose role or timeout changed: `{id, name, role, timed_out_until}`.
    pub participant: fn(&UserSummary, Standing) -> Value,
    /// A report of a message, as moderators read it (webhook `message.reported`).
    pub report: fn(&Report) -> Value,
    /// The document's timestamp format.
    pub timestamp: fn(Timestamp) -> String,
}

#[cfg(test)]
impl ApiJson {
    /// The HTTP adapter's renderers, as `bin` hands them over, with `message` standing in for
    /// its message object (tests check that events carry what the renderer gives).
    pub(crate) fn with_message(message: fn(&MessageView) -> Value) -> Self {
        use confab_http::dto;
        Self {
            message,
            conversation: dto::conversation_event_json,
            user: dto::user_event_json,
            reactions: dto::reactions_event_json,
            thread: dto::thread_event_json,
            participant: dto::participant_event_json,
            report: dto::report_event_json,
            timestamp: dto::rfc3339_micros,
        }
    }
}
