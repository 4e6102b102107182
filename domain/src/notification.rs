//! Who a new message alerts, and how each member of a room chose to be alerted.
//!
//! A message alerts someone when it is addressed to them — a direct message, a mention of them
//! or of their room, a reply in a thread they follow — and their settings for that room let it
//! through. The decision is [`notification_for`]: one rule, read by the storage inside the send's
//! transaction (so the `notification.created` webhook is stored with the message), with a unit
//! test for every combination.

use crate::{ConversationId, MessageView, Timestamp, UserId};

/// How much of a room reaches a member as notifications.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum NotificationLevel {
    /// Direct messages, mentions, room mentions and replies in followed threads.
    #[default]
    All,
    /// Only mentions of the member or of the room.
    Mentions,
    /// Nothing (the room still counts unread messages and mentions).
    None,
}

impl NotificationLevel {
    pub const ALL: [Self; 3] = [Self::All, Self::Mentions, Self::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Mentions => "mentions",
            Self::None => "none",
        }
    }

    /// # Errors
    /// The message for the `level` field.
    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == raw)
            .ok_or_else(|| "The selected level is invalid (all, mentions or none).".to_owned())
    }
}

/// A member's settings for one room: a level, and a mute that lasts until a time (`None`: not
/// muted). New members start at `all`, not muted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotificationSettings {
    pub level: NotificationLevel,
    pub muted_until: Option<Timestamp>,
}

impl NotificationSettings {
    /// Muted at `now`: a mute that has not run out, or the level `none` (nothing alerts). What the
    /// conversation list's `muted` filter means.
    pub fn is_muted(&self, now: Timestamp) -> bool {
        self.level == NotificationLevel::None || self.muted_until.is_some_and(|until| until > now)
    }
}

/// Why a message alerts someone, strongest first: a person named outranks the room called, which
/// outranks a followed thread, which outranks being in a direct chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    Mention,
    RoomMention,
    ThreadReply,
    Direct,
}

impl NotificationKind {
    /// The `type` of the `notification` event.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mention => "mention",
            Self::RoomMention => "room_mention",
            Self::ThreadReply => "thread_reply",
            Self::Direct => "direct",
        }
    }

    /// Whether a member at `level` hears of it.
    fn passes(self, level: NotificationLevel) -> bool {
        match level {
            NotificationLevel::All => true,
            NotificationLevel::Mentions => matches!(self, Self::Mention | Self::RoomMention),
            NotificationLevel::None => false,
        }
    }
}

/// What the rule knows of one possible recipient of one new message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecipientFacts {
    /// They wrote it.
    pub is_sender: bool,
    /// They are in the room now (a member who left hears nothing).
    pub is_participant: bool,
    /// They block the sender (`crate::blocks`): nothing the sender writes alerts them.
    pub blocks_sender: bool,
    /// The room is a direct chat.
    pub direct: bool,
    /// The message names them.
    pub mentioned: bool,
    /// The message calls the whole room.
    pub room_mentioned: bool,
    /// The message is a reply in a thread they follow.
    pub follows_thread: bool,
    pub settings: NotificationSettings,
}

/// The notification one new message sends to one person, sent at `now`, or `None`.
pub fn notification_for(facts: RecipientFacts, now: Timestamp) -> Option<NotificationKind> {
    if facts.is_sender
        || !facts.is_participant
        || facts.blocks_sender
        || facts.settings.is_muted(now)
    {
        return None;
    }
    let kind = if facts.mentioned {
        NotificationKind::Mention
    } else if facts.room_mentioned {
        NotificationKind::RoomMention
    } else if facts.follows_thread {
        NotificationKind::ThreadReply
    } else if facts.direct {
        NotificationKind::Direct
    } else {
        return None;
    };
    kind.passes(facts.settings.level).then_some(kind)
}

/// A notification for `recipient` about a new message: told on their own channel and, with
/// webhooks on, as `notification.created` (one per recipient), so an app server can send a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub recipient: UserId,
    pub kind: NotificationKind,
    pub conversation_id: ConversationId,
    pub message: MessageView,
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()
    }

    fn member() -> RecipientFacts {
        RecipientFacts {
            is_participant: true,
            ..RecipientFacts::default()
        }
    }

    fn at(level: NotificationLevel, facts: RecipientFacts) -> RecipientFacts {
        RecipientFacts {
            settings: NotificationSettings {
                level,
                muted_until: None,
            },
            ..facts
        }
    }

    /// Every reason, alone, at every level: what reaches the member.
    #[test]
    fn each_reason_at_each_level() {
        use NotificationKind::*;
        use NotificationLevel as L;
        let reasons = [
            (
                Mention,
                RecipientFacts {
                    mentioned: true,
                    ..member()
                },
            ),
            (
                RoomMention,
                RecipientFacts {
                    room_mentioned: true,
                    ..member()
                },
            ),
            (
                ThreadReply,
                RecipientFacts {
                    follows_thread: true,
                    ..member()
                },
            ),
            (
                Direct,
                RecipientFacts {
                    direct: true,
                    ..member()
                },
            ),
        ];
        for (kind, facts) in reasons {
            assert_eq!(notification_for(at(L::All, facts), now()), Some(kind));
            let mentions_only = matches!(kind, Mention | RoomMention).then_some(kind);
            assert_eq!(
                notification_for(at(L::Mentions, facts), now()),
                mentions_only
            );
            assert_eq!(
                notification_for(at(L::None, facts), now()),
                None,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_plain_message_in_a_group_room_alerts_nobody() {
        assert_eq!(notification_for(member(), now()), None);
    }

    #[test]
    fn the_strongest_reason_names_the_notification() {
        let everything = RecipientFacts {
            mentioned: true,
            room_mentioned: true,
            follows_thread: true,
            direct: true,
            ..member()
        };
        assert_eq!(
            notification_for(everything, now()),
            Some(NotificationKind::Mention)
        );
        let no_name = RecipientFacts {
            mentioned: false,
            ..everything
        };
        assert_eq!(
            notification_for(no_name, now()),
            Some(NotificationKind::RoomMention)
        );
        let thread_in_direct = RecipientFacts {
            follows_thread: true,
            direct: true,
            ..member()
        };
        assert_eq!(
            notification_for(thread_in_direct, now()),
            Some(NotificationKind::ThreadReply)
        );
        let at_mentions = at(NotificationLevel::Mentions, thread_in_direct);
        assert_eq!(notification_for(at_mentions, now()), None);
    }

    #[test]
    fn the_sender_and_members_who_left_hear_nothing() {
        let named = RecipientFacts {
            mentioned: true,
            direct: true,
            ..member()
        };
        assert_eq!(
            notification_for(
                RecipientFacts {
                    is_sender: true,
                    ..named
                },
                now()
            ),
            None
        );
        assert_eq!(
            notification_for(
                RecipientFacts {
                    is_participant: false,
                    ..named
                },
                now()
            ),
            None
        );
    }

    #[test]
    fn nothing_by_someone_you_block_alerts_you() {
        let named = RecipientFacts {
            mentioned: true,
            room_mentioned: true,
            follows_thread: true,
            ..member()
        };
        assert!(notification_for(named, now()).is_some());
        let blocking = RecipientFacts {
            blocks_sender: true,
            ..named
        };
        assert_eq!(notification_for(blocking, now()), None);
    }

    #[test]
    fn a_mute_silences_everything_until_it_runs_out() {
        let named = RecipientFacts {
            mentioned: true,
            ..member()
        };
        let later = now() + chrono::Duration::minutes(5);
        let muted = RecipientFacts {
            settings: NotificationSettings {
                muted_until: Some(later),
                ..Default::default()
            },
            ..named
        };
        assert_eq!(notification_for(muted, now()), None);
        assert_eq!(
            notification_for(muted, later),
            Some(NotificationKind::Mention)
        );
        assert!(muted.settings.is_muted(now()));
        assert!(!muted.settings.is_muted(later), "a mute ends at its time");
    }

    #[test]
    fn level_none_counts_as_muted() {
        let none = NotificationSettings {
            level: NotificationLevel::None,
            muted_until: None,
        };
        assert!(none.is_muted(now()));
        assert!(!NotificationSettings::default().is_muted(now()));
    }

    #[test]
    fn levels_read_and_write_their_names() {
        for level in NotificationLevel::ALL {
            assert_eq!(NotificationLevel::parse(level.as_str()), Ok(level));
        }
        assert!(NotificationLevel::parse("loud").is_err());
    }
}
