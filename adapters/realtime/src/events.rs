//! Domain events as Pusher events: which channels, which event name, which JSON. The shapes are
//! the HTTP API's own (`message.sent` carries the same message object a `POST` returned), so a
//! client renders a live event with the code it renders a response with.

use confab_domain::{
    Channel, ConversationOverview, MessageView, RealtimeEvent, Timestamp, UserSummary,
};
use serde::Serialize;

/// One Pusher event on one channel; `data` is already the JSON string Pusher requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PusherEvent {
    pub channel: String,
    pub event: &'static str,
    pub data: String,
}

/// `2026-02-19T14:30:00.000000Z`, as the API document writes timestamps.
fn timestamp(at: &Timestamp) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[derive(Serialize)]
struct UserJson<'a> {
    id: i64,
    name: &'a str,
}

impl<'a> From<&'a UserSummary> for UserJson<'a> {
    fn from(user: &'a UserSummary) -> Self {
        Self {
            id: user.id.get(),
            name: &user.name,
        }
    }
}

#[derive(Serialize)]
struct MessageJson<'a> {
    id: i64,
    conversation_id: i64,
    user_id: i64,
    body: &'a str,
    created_at: String,
    user: UserJson<'a>,
}

impl<'a> From<&'a MessageView> for MessageJson<'a> {
    fn from(view: &'a MessageView) -> Self {
        let message = &view.message;
        Self {
            id: message.id.get(),
            conversation_id: message.conversation_id.get(),
            user_id: message.sender.get(),
            body: &message.body,
            created_at: timestamp(&message.created_at),
            user: (&view.author).into(),
        }
    }
}

/// A conversation as everyone sees it: no viewer-specific fields (unread count, last message),
/// since one event goes to every participant.
#[derive(Serialize)]
struct ConversationJson<'a> {
    id: i64,
    #[serde(rename = "type")]
    kind: &'static str,
    name: Option<&'a str>,
    created_by: UserJson<'a>,
    is_closed: bool,
    closed_at: Option<String>,
    participants: Vec<UserJson<'a>>,
    updated_at: String,
}

impl<'a> From<&'a ConversationOverview> for ConversationJson<'a> {
    fn from(conversation: &'a ConversationOverview) -> Self {
        Self {
            id: conversation.id.get(),
            kind: conversation.kind.as_str(),
            name: conversation.name.as_deref(),
            created_by: (&conversation.created_by).into(),
            is_closed: conversation.is_closed(),
            closed_at: conversation.closed_at.as_ref().map(timestamp),
            participants: conversation.participants.iter().map(Into::into).collect(),
            updated_at: timestamp(&conversation.updated_at),
        }
    }
}

#[derive(Serialize)]
struct MessageSent<'a> {
    message: MessageJson<'a>,
}

#[derive(Serialize)]
struct ConversationData<'a> {
    conversation: ConversationJson<'a>,
}

#[derive(Serialize)]
struct ParticipantsAdded<'a> {
    conversation_id: i64,
    users: Vec<UserJson<'a>>,
}

#[derive(Serialize)]
struct ParticipantRemoved<'a> {
    conversation_id: i64,
    user: UserJson<'a>,
}

#[derive(Serialize)]
struct ConversationRemoved {
    conversation_id: i64,
    banned: bool,
}

#[derive(Serialize)]
struct ConversationRead {
    user_id: i64,
    last_read_message_id: Option<i64>,
}

/// `{"message": <the API's message object>}`: `message.sent`'s data, and the payload of the
/// envelope protocol's `message` (and of the ack of a sent one).
pub(crate) fn message_payload(view: &MessageView) -> serde_json::Value {
    serde_json::to_value(MessageSent {
        message: view.into(),
    })
    .expect("event payloads are plain data and always serialize")
}

fn encode(data: &impl Serialize) -> String {
    serde_json::to_string(data).expect("event payloads are plain data and always serialize")
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
pub(crate) fn translate(event: &RealtimeEvent) -> Vec<PusherEvent> {
    match event {
        RealtimeEvent::MessageSent { message } => {
            let data = encode(&MessageSent {
                message: message.into(),
            });
            on(
                Channel::of_conversation(message.message.conversation_id),
                "message.sent",
                &data,
            )
        }
        RealtimeEvent::ConversationClosed { conversation } => {
            let data = encode(&ConversationData {
                conversation: conversation.into(),
            });
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
            let data = encode(&ConversationData {
                conversation: conversation.into(),
            });
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
                users: added.iter().map(Into::into).collect(),
            });
            let invitation = encode(&ConversationData {
                conversation: conversation.into(),
            });
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
                user: user.into(),
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
        RealtimeEvent::ConversationRead {
            conversation_id,
            user_id,
            last_read_message_id,
        } => {
            let data = encode(&ConversationRead {
                user_id: user_id.get(),
                last_read_message_id: last_read_message_id.map(|id| id.get()),
            });
            on(
                Channel::of_conversation(*conversation_id),
                "conversation.read",
                &data,
            )
        }
        // Envelope-protocol pings are for envelope sockets only; Pusher clients never see them.
        RealtimeEvent::Ping { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use confab_domain::{ConversationId, ConversationKind, Message, MessageId, UserId};

    use super::*;

    fn user(id: i64, name: &str) -> UserSummary {
        UserSummary {
            id: UserId(id),
            name: name.into(),
        }
    }

    fn at() -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2026, 2, 19, 14, 30, 0)
            .unwrap()
    }

    #[test]
    fn message_sent_goes_to_both_room_channels_with_the_http_shape() {
        let event = RealtimeEvent::MessageSent {
            message: MessageView {
                message: Message {
                    id: MessageId(5),
                    conversation_id: ConversationId(3),
                    seq: 5,
                    sender: UserId(2),
                    body: "hi".into(),
                    created_at: at(),
                },
                author: user(2, "John Doe"),
            },
        };
        let events = translate(&event);
        let channels: Vec<&str> = events.iter().map(|e| e.channel.as_str()).collect();
        assert_eq!(
            channels,
            ["private-conversation.3", "presence-conversation.3"]
        );
        assert_eq!(events[0].event, "message.sent");
        assert_eq!(
            events[0].data,
            r#"{"message":{"id":5,"conversation_id":3,"user_id":2,"body":"hi","created_at":"2026-02-19T14:30:00.000000Z","user":{"id":2,"name":"John Doe"}}}"#
        );
    }

    #[test]
    fn a_conversation_is_serialized_without_viewer_fields() {
        let conversation = ConversationOverview {
            id: ConversationId(9),
            kind: ConversationKind::Group,
            name: Some("Room".into()),
            created_by: user(1, "Ann"),
            closed_at: None,
            participants: vec![user(1, "Ann"), user(2, "Bo")],
            last_message: None,
            unread_count: 4,
            updated_at: at(),
        };
        let events = translate(&RealtimeEvent::ConversationCreated {
            conversation,
            members: vec![UserId(1), UserId(2)],
        });
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].channel, "private-user.2");
        assert_eq!(
            events[0].data,
            r#"{"conversation":{"id":9,"type":"group","name":"Room","created_by":{"id":1,"name":"Ann"},"is_closed":false,"closed_at":null,"participants":[{"id":1,"name":"Ann"},{"id":2,"name":"Bo"}],"updated_at":"2026-02-19T14:30:00.000000Z"}}"#
        );
    }

    #[test]
    fn a_ban_tells_the_room_and_the_banned_user() {
        let events = translate(&RealtimeEvent::ParticipantRemoved {
            conversation_id: ConversationId(3),
            user: user(4, "Dee"),
            banned: true,
        });
        let names: Vec<(&str, &str)> = events
            .iter()
            .map(|e| (e.channel.as_str(), e.event))
            .collect();
        assert_eq!(
            names,
            [
                ("private-conversation.3", "participant.banned"),
                ("presence-conversation.3", "participant.banned"),
                ("private-user.4", "conversation.removed"),
            ]
        );
        assert_eq!(events[2].data, r#"{"conversation_id":3,"banned":true}"#);
    }
}
