//! Domain events as Pusher events: which channels, which event name, which JSON. The objects in
//! them are the HTTP API's own (`message.sent` carries the message object a `POST` returned, a
//! `conversation.closed` the room `GET` returns, rendered by the HTTP adapter: see `api_json`), so
//! a client renders a live event with the code it renders a response with; this module only
//! arranges them.

use confab_domain::{Channel, ConversationId, RealtimeEvent};

use crate::api_json::ApiJson;

mod payloads;

use payloads::{
    ConversationData, ConversationRead, ConversationRemoved, MessageDeleted, MessageReacted,
    ParticipantRemoved, ParticipantUpdated, ParticipantsAdded, ThreadUpdated, Typing, encode,
    value,
};
pub(crate) use payloads::{message_payload, notification_payload, user_updated_payload};

/// One Pusher event on one channel; `data` is already the JSON string Pusher requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PusherEvent {
    pub channel: String,
    pub event: &'static str,
    pub data: String,
}

/// The events about a room's messages, read positions, typing, settings and members' standing:
/// the room, the event name, and its data — what Pusher clients get on the room's channels, and
/// what envelope clients get as the payload of a `message` envelope (see `envelope::translate`).
/// `None` for every other event.
pub(crate) fn message_event(
    event: &RealtimeEvent,
    json: &ApiJson,
) -> Option<(ConversationId, &'static str, serde_json::Value)> {
    Some(match event {
        RealtimeEvent::MessageSent { message } => (
            message.message.conversation_id,
            "message.sent",
            message_payload(message, json),
        ),
        RealtimeEvent::MessageUpdated { message } => (
            message.message.conversation_id,
            "message.updated",
            message_payload(message, json),
        ),
        RealtimeEvent::MessageDeleted {
            conversation_id,
            message_id,
            deleted_at,
        } => (
            *conversation_id,
            "message.deleted",
            value(&MessageDeleted {
                message_id: message_id.get(),
                conversation_id: conversation_id.get(),
                deleted_at: (json.timestamp)(*deleted_at),
            }),
        ),
        RealtimeEvent::MessageReacted {
            conversation_id,
            message_id,
            emoji,
            user_id,
            action,
            reactions,
        } => (
            *conversation_id,
            "message.reacted",
            value(&MessageReacted {
                message_id: message_id.get(),
                emoji: emoji.as_str(),
                user_id: user_id.get(),
                action: action.as_str(),
                reactions: (json.reactions)(reactions),
            }),
        ),
        RealtimeEvent::ConversationRead {
            conversation_id,
            user_id,
            last_read_message_id,
        } => (
            *conversation_id,
            "conversation.read",
            value(&ConversationRead {
                conversation_id: conversation_id.get(),
                user_id: user_id.get(),
                last_read_message_id: last_read_message_id.map(|id| id.get()),
            }),
        ),
        RealtimeEvent::Typing {
            conversation_id,
            thread_id,
            user,
        } => (
            *conversation_id,
            "typing",
            value(&Typing {
                conversation_id: conversation_id.get(),
                thread_id: thread_id.map(|id| id.get()),
                user: (json.user)(user),
            }),
        ),
        RealtimeEvent::ThreadUpdated {
            conversation_id,
            root_id,
            thread,
        } => (
            *conversation_id,
            "thread.updated",
            value(&ThreadUpdated {
                conversation_id: conversation_id.get(),
                root_id: root_id.get(),
                thread: (json.thread)(thread),
            }),
        ),
        RealtimeEvent::MessagePinned { message } => (
            message.message.conversation_id,
            "message.pinned",
            message_payload(message, json),
        ),
        RealtimeEvent::MessageUnpinned { message } => (
            message.message.conversation_id,
            "message.unpinned",
            message_payload(message, json),
        ),
        RealtimeEvent::ParticipantUpdated {
            conversation_id,
            user,
            standing,
        } => (
            *conversation_id,
            "participant.updated",
            value(&ParticipantUpdated {
                conversation_id: conversation_id.get(),
                participant: (json.participant)(user, *standing),
            }),
        ),
        RealtimeEvent::ParticipantUnbanned {
            conversation_id,
            user,
        } => (
            *conversation_id,
            "participant.unbanned",
            value(&ParticipantRemoved {
                conversation_id: conversation_id.get(),
                user: (json.user)(user),
            }),
        ),
        RealtimeEvent::ConversationUpdated { conversation } => (
            conversation.id,
            "conversation.updated",
            value(&ConversationData::of(conversation, json)),
        ),
        RealtimeEvent::ConversationClosed { .. }
        | RealtimeEvent::ConversationCreated { .. }
        | RealtimeEvent::ParticipantsAdded { .. }
        | RealtimeEvent::ParticipantRemoved { .. }
        | RealtimeEvent::Notification { .. }
        | RealtimeEvent::MessageReported { .. }
        | RealtimeEvent::UserUpdated { .. }
        | RealtimeEvent::Ping { .. } => return None,
    })
}

fn on(
    channels: impl IntoIterator<Item = Channel>,
    event: &'static str,
    data: &str,
) -> Vec<PusherEvent> {
    channels
        .into_iter()
        .map(|channel| PusherEvent {
            channel: channel.name(),
            event,
            data: data.to_owned(),
        })
        .collect()
}

/// Every Pusher event a domain event becomes, in the order they are to be sent.
pub(crate) fn translate(event: &RealtimeEvent, json: &ApiJson) -> Vec<PusherEvent> {
    match event {
        RealtimeEvent::MessageSent { .. }
        | RealtimeEvent::MessageUpdated { .. }
        | RealtimeEvent::MessageDeleted { .. }
        | RealtimeEvent::MessageReacted { .. }
        | RealtimeEvent::ConversationRead { .. }
        | RealtimeEvent::ThreadUpdated { .. }
        | RealtimeEvent::MessagePinned { .. }
        | RealtimeEvent::MessageUnpinned { .. }
        | RealtimeEvent::ParticipantUpdated { .. }
        | RealtimeEvent::ParticipantUnbanned { .. }
        | RealtimeEvent::ConversationUpdated { .. }
        | RealtimeEvent::Typing { .. } => message_event(event, json)
            .map(|(room, name, data)| on(Channel::of_conversation(room), name, &data.to_string()))
            .unwrap_or_default(),
        RealtimeEvent::ConversationClosed { conversation } => {
            let data = encode(&ConversationData::of(conversation, json));
            on(
                Channel::of_conversation(conversation.id),
                "conversation.closed",
                &data,
            )
        }
        RealtimeEvent::ConversationCreated {
            conversation,
            members,
        } => {
            let data = encode(&ConversationData::of(conversation, json));
            on(
                members.iter().map(|member| Channel::User(*member)),
                "conversation.created",
                &data,
            )
        }
        RealtimeEvent::ParticipantsAdded {
            conversation,
            added,
        } => {
            let room = encode(&ParticipantsAdded {
                conversation_id: conversation.id.get(),
                users: added.iter().map(json.user).collect(),
            });
            let invitation = encode(&ConversationData::of(conversation, json));
            let mut events = on(
                Channel::of_conversation(conversation.id),
                "participant.added",
                &room,
            );
            events.extend(on(
                added.iter().map(|user| Channel::User(user.id)),
                "conversation.invited",
                &invitation,
            ));
            events
        }
        RealtimeEvent::ParticipantRemoved {
            conversation_id,
            user,
            banned,
        } => {
            let room = encode(&ParticipantRemoved {
                conversation_id: conversation_id.get(),
                user: (json.user)(user),
            });
            let name = if *banned {
                "participant.banned"
            } else {
                "participant.removed"
            };
            let mut events = on(Channel::of_conversation(*conversation_id), name, &room);
            events.extend(on(
                [Channel::User(user.id)],
                "conversation.removed",
                &encode(&ConversationRemoved {
                    conversation_id: conversation_id.get(),
                    banned: *banned,
                }),
            ));
            events
        }
        RealtimeEvent::UserUpdated {
            user,
            conversations,
        } => {
            let data = user_updated_payload(user, json).to_string();
            on(
                conversations
                    .iter()
                    .flat_map(|room| Channel::of_conversation(*room))
                    .chain([Channel::User(user.id)]),
                "user.updated",
                &data,
            )
        }
        RealtimeEvent::Notification { notification } => on(
            [Channel::User(notification.recipient)],
            "notification",
            &notification_payload(notification, json).to_string(),
        ),
        // Envelope-protocol pings are for envelope sockets only; Pusher clients never see them.
        // A report is for the webhooks alone (see `webhooks::render`).
        RealtimeEvent::Ping { .. } | RealtimeEvent::MessageReported { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
