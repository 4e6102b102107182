//! The events a stored room change tells — the same [`RealtimeEvent`]s the use cases publish
//! live — built from the room before and after, inside the transaction that stores the change,
//! for the webhook outbox. One statement (the names of the people involved), and only when
//! something a webhook tells changed.

use std::collections::BTreeSet;

use confab_domain::{
    Conversation, ConversationOverview, DomainError, RealtimeEvent, RoomDifference, UserId,
    UserSummary,
};
use sea_orm::ConnectionTrait;

use super::batch_statements::user_names;

/// Who joined (`participant.added`), who left or was taken out (`participant.removed` /
/// `participant.banned`), and the close (`conversation.closed`), in that order.
pub(super) async fn room_events(
    db: &impl ConnectionTrait,
    before: &Conversation,
    after: &Conversation,
) -> Result<Vec<RealtimeEvent>, DomainError> {
    let difference = RoomDifference::between(before, after);
    if difference.is_empty() {
        return Ok(Vec::new());
    }
    let people: BTreeSet<i64> = after
        .participants
        .iter()
        .map(|p| p.user_id)
        .chain(difference.users())
        .chain([after.created_by])
        .map(UserId::get)
        .collect();
    let names = user_names(db, db.get_database_backend(), &people).await?;
    let summary = |user: UserId| UserSummary {
        id: user,
        name: names.get(&user.get()).cloned().unwrap_or_default(),
    };
    // The room as everyone sees it: events carry no viewer's unread count or last message.
    let conversation = ConversationOverview {
        id: after.id,
        kind: after.kind,
        name: after.name.as_ref().map(|name| name.as_str().to_owned()),
        created_by: summary(after.created_by),
        closed_at: after.closed_at,
        participants: after
            .participants
            .iter()
            .map(|p| summary(p.user_id))
            .collect(),
        last_read: Default::default(),
        last_message: None,
        unread_count: 0,
        updated_at: after.updated_at,
    };
    let mut events = Vec::new();
    if !difference.added.is_empty() {
        events.push(RealtimeEvent::ParticipantsAdded {
            conversation: conversation.clone(),
            added: difference.added.iter().map(|user| summary(*user)).collect(),
        });
    }
    for (user, banned) in &difference.removed {
        events.push(RealtimeEvent::ParticipantRemoved {
            conversation_id: after.id,
            user: summary(*user),
            banned: *banned,
        });
    }
    if difference.closed {
        events.push(RealtimeEvent::ConversationClosed { conversation });
    }
    Ok(events)
}
