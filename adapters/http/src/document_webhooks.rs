//! The webhooks Confab sends (`CONFAB_WEBHOOK_URLS`), described in the document as `x-webhooks`
//! (OpenAPI 3.0 has no `webhooks`; 3.1's is the same object, and Redoc reads this extension): the
//! signed POST a receiver gets and what each event carries. The events themselves are rendered by
//! the realtime adapter (`webhooks` module); their `data` is the live event's, whose message object
//! is this adapter's `MessageDto`.

use serde_json::{Value, json};

/// The `x-webhooks` object.
pub(crate) fn webhooks() -> Value {
    let header = |name: &str, description: &str| {
        json!({
            "name": name,
            "in": "header",
            "required": true,
            "description": description,
            "schema": {"type": "string"},
        })
    };
    json!({
        "pusherWebhook": {
            "post": {
                "summary": "A batch of Pusher-compatible webhook events",
                "description": "Sent to each `CONFAB_WEBHOOK_URLS` URL, oldest events first. Each \
                    chat event was stored in the transaction of its change; a batch not answered \
                    2xx within `CONFAB_WEBHOOK_TIMEOUT` is sent again (1 s, 2 s, 4 s … up to \
                    `CONFAB_WEBHOOK_RETRY_MAX`), before anything newer. At least once: dedupe on \
                    the message id if a repeat matters. Verify with a Pusher server SDK \
                    (`pusher.webhook(request).isValid()`).",
                "operationId": "pusherWebhook",
                // No HTTP auth scheme: the receiver checks the signature header.
                "security": [],
                "parameters": [
                    header("X-Pusher-Key", "The app key (`REVERB_APP_KEY`)."),
                    header(
                        "X-Pusher-Signature",
                        "Lowercase hex HMAC-SHA256 of the raw body, keyed with the app secret \
                         (`REVERB_APP_SECRET`)."
                    ),
                ],
                "requestBody": {
                    "required": true,
                    "content": {"application/json": {"schema": batch()}},
                },
                "responses": {
                    "200": {"description": "Taken (any 2xx). Any other answer, or none in time, is retried."},
                },
            },
        },
    })
}

fn batch() -> Value {
    json!({
        "type": "object",
        "required": ["time_ms", "events"],
        "properties": {
            "time_ms": {"type": "integer", "format": "int64", "description": "When the batch was sent, in Unix milliseconds."},
            "events": {"type": "array", "maxItems": 100, "items": event()},
        },
    })
}

fn event() -> Value {
    json!({
        "type": "object",
        "required": ["name", "channel"],
        "properties": {
            "name": {
                "type": "string",
                "enum": [
                    "channel_occupied", "channel_vacated", "member_added", "member_removed",
                    "client_event", "message.sent", "message.updated", "message.deleted",
                    "message.reacted", "message.pinned", "message.unpinned", "thread.updated",
                    "participant.added", "participant.removed", "participant.banned",
                    "participant.unbanned", "participant.updated", "conversation.updated",
                    "conversation.closed", "message.reported", "notification.created",
                    "user.updated",
                ],
                "description": "Pusher's lifecycle events, or a chat event (`CONFAB_WEBHOOK_EVENTS` narrows them).",
            },
            "channel": {"type": "string", "example": "private-conversation.12", "description": "The channel; chat events name the room's private channel, `notification.created` its recipient's `private-user.{id}`, `user.updated` the changed user's `private-user.{id}`."},
            "data": {
                "description": "Chat events: the object Pusher clients get with the same event (`message.sent`: `{\"message\": <MessageDto without reactions[].me>}`; `notification.created`: the `notification` event's `{type, conversation_id, user_id, message}`, one webhook per recipient). `client_event`: the client's data as a JSON string.",
            },
            "user_id": {"type": "string", "description": "`member_added`, `member_removed`; `client_event` on presence channels."},
            "event": {"type": "string", "description": "`client_event`: the client event's name (`client-…`)."},
            "socket_id": {"type": "string", "description": "`client_event`: the sending socket."},
        },
    })
}
