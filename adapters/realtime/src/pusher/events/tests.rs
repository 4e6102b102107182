use chrono::TimeZone;
use confab_domain::{
    ConversationId, ConversationKind, ConversationOverview, Message, MessageId, MessageView,
    ReactionCount, Timestamp, UserId, UserSummary,
};

use super::*;

fn user(id: i64, name: &str) -> UserSummary {
    UserSummary {
        id: UserId(id),
        name: name.into(),
        avatar: None,
    }
}

/// Stands in for the HTTP adapter's renderer: what the message object holds is its business
/// (tested there); here only that events carry what it renders.
fn rendered(view: &MessageView) -> serde_json::Value {
    serde_json::json!({"rendered": view.message.id.get(), "body": view.message.body})
}

fn translate(event: &RealtimeEvent) -> Vec<PusherEvent> {
    super::translate(event, &ApiJson::with_message(rendered))
}

fn at() -> Timestamp {
    chrono::Utc
        .with_ymd_and_hms(2026, 2, 19, 14, 30, 0)
        .unwrap()
}

#[test]
fn message_sent_goes_to_both_room_channels_with_the_rendered_message() {
    let event = RealtimeEvent::MessageSent {
        message: MessageView {
            message: Message {
                id: MessageId(5),
                conversation_id: ConversationId(3),
                seq: 5,
                sender: UserId(2),
                body: "hi".into(),
                created_at: at(),
                edited_at: None,
                deleted_at: None,
                client_id: None,
                reply_to: None,
                mention_room: false,
                thread_id: None,
                pinned: None,
            },
            author: user(2, "John Doe"),
            reply_to: None,
            reactions: Vec::new(),
            attachments: Vec::new(),
            mentions: Vec::new(),
            thread: None,
            author_blocked: false,
        },
    };
    let events = translate(&event);
    let channels: Vec<&str> = events.iter().map(|e| e.channel.as_str()).collect();
    assert_eq!(
        channels,
        ["private-conversation.3", "presence-conversation.3"]
    );
    assert_eq!(events[0].event, "message.sent");
    assert_eq!(events[0].data, r#"{"message":{"rendered":5,"body":"hi"}}"#);
}

#[test]
fn a_conversation_is_serialized_without_viewer_fields() {
    let conversation = ConversationOverview {
        id: ConversationId(9),
        kind: ConversationKind::Group,
        name: Some("Room".into()),
        description: None,
        slow_mode: Default::default(),
        created_by: user(1, "Ann"),
        closed_at: None,
        participants: vec![user(1, "Ann"), user(2, "Bo")],
        standings: [
            (UserId(1), confab_domain::Standing::owner()),
            (UserId(2), confab_domain::Standing::default()),
        ]
        .into(),
        last_message: None,
        unread_count: 4,
        unread_mentions: 0,
        notifications: Default::default(),
        updated_at: at(),
        last_read: Default::default(),
    };
    let events = translate(&RealtimeEvent::ConversationCreated {
        conversation,
        members: vec![UserId(1), UserId(2)],
    });
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].channel, "private-user.2");
    assert_eq!(
        events[0].data,
        r#"{"conversation":{"id":9,"type":"group","name":"Room","description":null,"slow_mode_seconds":0,"created_by":{"id":1,"name":"Ann","avatar_url":null},"is_closed":false,"closed_at":null,"participants":[{"id":1,"name":"Ann","avatar_url":null,"role":"owner","timed_out_until":null},{"id":2,"name":"Bo","avatar_url":null,"role":"member","timed_out_until":null}],"updated_at":"2026-02-19T14:30:00.000000Z"}}"#
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

#[test]
fn reactions_and_deletions_go_to_the_room_with_counts_but_no_me() {
    let reacted = translate(&RealtimeEvent::MessageReacted {
        conversation_id: ConversationId(3),
        message_id: MessageId(5),
        emoji: confab_domain::Emoji::parse("👍").unwrap(),
        user_id: UserId(2),
        action: confab_domain::ReactionAction::Removed,
        reactions: vec![ReactionCount {
            emoji: "🎉".into(),
            count: 2,
            me: true,
        }],
    });
    assert_eq!(reacted[0].channel, "private-conversation.3");
    assert_eq!(reacted[0].event, "message.reacted");
    assert_eq!(
        reacted[0].data,
        r#"{"message_id":5,"emoji":"👍","user_id":2,"action":"removed","reactions":[{"emoji":"🎉","count":2}]}"#
    );
    let deleted = translate(&RealtimeEvent::MessageDeleted {
        conversation_id: ConversationId(3),
        message_id: MessageId(5),
        deleted_at: at(),
    });
    assert_eq!(deleted[1].channel, "presence-conversation.3");
    assert_eq!(
        deleted[1].data,
        r#"{"message_id":5,"conversation_id":3,"deleted_at":"2026-02-19T14:30:00.000000Z"}"#
    );
}
