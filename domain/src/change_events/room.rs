//! What a room change tells: [`RoomDifference::between`] the room before and after, then
//! [`RoomDifference::events`] with the names of the people involved, and
//! [`RoomDifference::audit`] for the moderation log.

use std::collections::{BTreeMap, BTreeSet};

use crate::audit::{AuditAction, AuditEntry};
use crate::roles::{Role, Standing};
use crate::{Conversation, ConversationOverview, RealtimeEvent, UserId, UserSummary};

/// What a room change did: who joined, who left or was taken out (and whether banned), whose
/// ban was lifted, whose role or timeout changed, whether the settings changed, whether it
/// closed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomDifference {
    /// In the order they joined.
    pub added: Vec<UserId>,
    /// Out of the room (left, removed or banned), with whether this change banned them. A ban
    /// of someone who was not in the room is here too (banned, never a participant).
    pub removed: Vec<(UserId, bool)>,
    /// Bans lifted.
    pub unbanned: Vec<UserId>,
    /// Members who stayed and whose role or timeout changed, with their standing after.
    pub restanded: Vec<(UserId, Standing)>,
    /// The name, description or slow mode changed.
    pub settings_changed: bool,
    pub closed: bool,
}

impl RoomDifference {
    pub fn between(before: &Conversation, after: &Conversation) -> Self {
        let added = after
            .participants
            .iter()
            .map(|p| p.user_id)
            .filter(|user| !before.is_participant(*user))
            .collect();
        let newly_banned = |user: UserId| after.is_banned(user) && !before.is_banned(user);
        let mut removed: Vec<(UserId, bool)> = before
            .participants
            .iter()
            .map(|p| p.user_id)
            .filter(|user| !after.is_participant(*user))
            .map(|user| (user, newly_banned(user)))
            .collect();
        for user in &after.banned {
            if newly_banned(*user) && !removed.iter().any(|(gone, _)| gone == user) {
                removed.push((*user, true));
            }
        }
        let unbanned = before
            .banned
            .iter()
            .copied()
            .filter(|user| !after.is_banned(*user))
            .collect();
        let restanded = after
            .participants
            .iter()
            .filter(|p| {
                before
                    .participant(p.user_id)
                    .is_some_and(|was| was.standing != p.standing)
            })
            .map(|p| (p.user_id, p.standing))
            .collect();
        Self {
            added,
            removed,
            unbanned,
            restanded,
            settings_changed: before.name != after.name || before.settings != after.settings,
            closed: before.closed_at.is_none() && after.closed_at.is_some(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.unbanned.is_empty()
            && self.restanded.is_empty()
            && !self.settings_changed
            && !self.closed
    }

    /// Everyone the difference names.
    pub fn users(&self) -> impl Iterator<Item = UserId> + '_ {
        self.added
            .iter()
            .copied()
            .chain(self.removed.iter().map(|(user, _)| *user))
            .chain(self.unbanned.iter().copied())
    }

    /// Everyone [`Self::events`] names, whose names it needs: the room's people after the
    /// change, its creator, and whoever joined or went.
    pub fn people(&self, after: &Conversation) -> BTreeSet<UserId> {
        after
            .participants
            .iter()
            .map(|p| p.user_id)
            .chain(self.users())
            .chain([after.created_by])
            .collect()
    }

    /// The events this change tells, in order: who joined (`participant.added`), who left or was
    /// taken out (`participant.removed` / `participant.banned`), bans lifted
    /// (`participant.unbanned`), roles and timeouts (`participant.updated`), the settings
    /// (`conversation.updated`), the close (`conversation.closed`); none when nothing changed.
    /// `names` holds how [`Self::people`] appear (a missing one is told with an empty name). The room is
    /// described as everyone sees it: no viewer's unread count, last message or read receipts.
    pub fn events(
        &self,
        after: &Conversation,
        names: &BTreeMap<UserId, UserSummary>,
    ) -> Vec<RealtimeEvent> {
        if self.is_empty() {
            return Vec::new();
        }
        let summary = |user: UserId| {
            names
                .get(&user)
                .cloned()
                .unwrap_or_else(|| UserSummary::named(user, String::new()))
        };
        let conversation = for_everyone(after, &summary);
        let mut events = Vec::new();
        if !self.added.is_empty() {
            events.push(RealtimeEvent::ParticipantsAdded {
                conversation: conversation.clone(),
                added: self.added.iter().map(|user| summary(*user)).collect(),
            });
        }
        for (user, banned) in &self.removed {
            events.push(RealtimeEvent::ParticipantRemoved {
                conversation_id: after.id,
                user: summary(*user),
                banned: *banned,
            });
        }
        for user in &self.unbanned {
            events.push(RealtimeEvent::ParticipantUnbanned {
                conversation_id: after.id,
                user: summary(*user),
            });
        }
        for (user, standing) in &self.restanded {
            events.push(RealtimeEvent::ParticipantUpdated {
                conversation_id: after.id,
                user: summary(*user),
                standing: *standing,
            });
        }
        if self.settings_changed {
            events.push(RealtimeEvent::ConversationUpdated {
                conversation: conversation.clone(),
            });
        }
        if self.closed {
            events.push(RealtimeEvent::ConversationClosed { conversation });
        }
        events
    }

    /// The moderation acts of this change by `actor`, for the room's audit log: who was taken
    /// out or banned by someone else, bans lifted, roles given, ownership handed over, timeouts
    /// set and lifted, settings changed, the close. Joining and leaving are not moderation.
    pub fn audit(
        &self,
        before: &Conversation,
        after: &Conversation,
        actor: UserId,
    ) -> Vec<AuditEntry> {
        let entry = |action: AuditAction, target: Option<UserId>| {
            AuditEntry::new(after.id, actor, action, target)
        };
        let mut entries = Vec::new();
        for (user, banned) in &self.removed {
            if *banned {
                entries.push(entry(AuditAction::ParticipantBanned, Some(*user)));
            } else if *user != actor {
                entries.push(entry(AuditAction::ParticipantRemoved, Some(*user)));
            }
        }
        for user in &self.unbanned {
            entries.push(entry(AuditAction::ParticipantUnbanned, Some(*user)));
        }
        let handed_over = self
            .restanded
            .iter()
            .any(|(_, standing)| standing.role == Role::Owner);
        for (user, standing) in &self.restanded {
            let was = before.standing(*user);
            if standing.role != was.role {
                if standing.role == Role::Owner {
                    entries.push(entry(AuditAction::OwnershipTransferred, Some(*user)));
                } else if !(handed_over && *user == actor) {
                    entries.push(
                        entry(AuditAction::RoleChanged, Some(*user))
                            .with("role", standing.role.as_str()),
                    );
                }
            }
            if standing.timed_out_until != was.timed_out_until && standing.role != Role::Owner {
                entries.push(match standing.timed_out_until {
                    Some(until) => entry(AuditAction::TimedOut, Some(*user))
                        .with("until", crate::text::rfc3339(until)),
                    None => entry(AuditAction::TimeoutLifted, Some(*user)),
                });
            }
        }
        if self.settings_changed {
            let mut changed = entry(AuditAction::SettingsChanged, None);
            if before.name != after.name {
                changed =
                    changed.with("name", after.name.as_ref().map_or("", |name| name.as_str()));
            }
            if before.settings.description != after.settings.description {
                changed = changed.with(
                    "description",
                    after
                        .settings
                        .description
                        .as_ref()
                        .map_or("", |text| text.as_str()),
                );
            }
            if before.settings.slow_mode != after.settings.slow_mode {
                changed = changed.with(
                    "slow_mode_seconds",
                    after.settings.slow_mode.seconds().to_string(),
                );
            }
            entries.push(changed);
        }
        if self.closed {
            entries.push(entry(AuditAction::RoomClosed, None));
        }
        entries
    }
}

/// `room` as everyone sees it (the shape of a room event): no viewer's unread count, last
/// message or read receipts.
fn for_everyone(
    room: &Conversation,
    summary: &dyn Fn(UserId) -> UserSummary,
) -> ConversationOverview {
    let group = room.kind == crate::ConversationKind::Group;
    ConversationOverview {
        id: room.id,
        kind: room.kind,
        name: room.name.as_ref().map(|name| name.as_str().to_owned()),
        description: room
            .settings
            .description
            .as_ref()
            .map(|text| text.as_str().to_owned()),
        slow_mode: room.settings.slow_mode,
        created_by: summary(room.created_by),
        closed_at: room.closed_at,
        participants: room
            .participants
            .iter()
            .map(|p| summary(p.user_id))
            .collect(),
        standings: room
            .participants
            .iter()
            .filter(|_| group)
            .map(|p| (p.user_id, p.standing))
            .collect(),
        last_read: BTreeMap::new(),
        last_message: None,
        unread_count: 0,
        unread_mentions: 0,
        notifications: crate::NotificationSettings::default(),
        updated_at: room.updated_at,
    }
}

/// A room change as stored: the room after it, and the events it told (stored in the webhook
/// outbox with it, and published live by the use case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomChange {
    pub room: Conversation,
    pub events: Vec<RealtimeEvent>,
}

#[cfg(test)]
mod tests;
