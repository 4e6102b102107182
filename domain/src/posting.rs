//! Who may post in a room, as one rule for both places that decide it: the aggregate, when a
//! request is checked, and the storage, at the moment the message commits (so a ban, removal or
//! close that lands between the check and the write still refuses the message).

use crate::roles::{Act, Standing};
use crate::{DomainError, SlowMode, Timestamp};

/// The facts the posting rule reads, as the storage can establish them inside the send's
/// transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PostingFacts {
    pub participant: bool,
    pub banned: bool,
    pub closed: bool,
    /// The sender's role and timeout in the room.
    pub standing: Standing,
    /// In a direct chat: the other member has blocked the sender.
    pub blocked: bool,
    /// The room's slow mode, and when the sender last sent in it.
    pub slow_mode: SlowMode,
    pub last_sent_at: Option<Timestamp>,
}

impl PostingFacts {
    /// A participant may post unless the room is closed; anyone else is told the room does not
    /// exist (so ids cannot be probed). A banned user is never a participant; the check stands
    /// on its own anyway, so stored data can never let one through. Then: not to someone who
    /// blocked them, and not while timed out. (The pace is [`Self::ensure_pace`], asked after:
    /// a client's retry of a send already stored is answered with it, never slowed.)
    ///
    /// # Errors
    /// `ConversationNotFound` for a non-participant or a banned user, `ClosedRoomCannotPost` for
    /// a closed room, `CannotMessageUser`, `TimedOut`.
    pub fn ensure(self, now: Timestamp) -> Result<(), DomainError> {
        if !self.participant || self.banned {
            return Err(DomainError::ConversationNotFound);
        }
        if self.closed {
            return Err(DomainError::ClosedRoomCannotPost);
        }
        if self.blocked {
            return Err(DomainError::CannotMessageUser);
        }
        self.standing.ensure_not_timed_out(now)
    }

    /// Slow mode: a member sends once per the room's interval; the owner and admins are not
    /// slowed.
    ///
    /// # Errors
    /// `SlowMode` with the seconds to wait.
    pub fn ensure_pace(self, now: Timestamp) -> Result<(), DomainError> {
        if self.standing.role.may(Act::IgnoreSlowMode) {
            return Ok(());
        }
        self.slow_mode.ensure_may_send(self.last_sent_at, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::{Duration, TimeZone, Utc};

    use crate::roles::Role;

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap()
    }

    fn facts(participant: bool, banned: bool, closed: bool) -> PostingFacts {
        PostingFacts {
            participant,
            banned,
            closed,
            ..PostingFacts::default()
        }
    }

    fn member() -> PostingFacts {
        facts(true, false, false)
    }

    #[test]
    fn someone_blocked_by_the_other_member_cannot_write_to_them() {
        let blocked = PostingFacts {
            blocked: true,
            ..member()
        };
        assert_eq!(blocked.ensure(now()), Err(DomainError::CannotMessageUser));
    }

    #[test]
    fn a_timed_out_member_cannot_post_until_it_runs_out() {
        let until = now() + Duration::minutes(1);
        let timed_out = PostingFacts {
            standing: Standing {
                role: Role::Member,
                timed_out_until: Some(until),
            },
            ..member()
        };
        assert_eq!(
            timed_out.ensure(now()),
            Err(DomainError::TimedOut { until })
        );
        assert_eq!(timed_out.ensure(until), Ok(()));
    }

    #[test]
    fn slow_mode_slows_members_but_not_the_owner_or_admins() {
        let slowed = PostingFacts {
            slow_mode: SlowMode::parse(30).unwrap(),
            last_sent_at: Some(now() - Duration::seconds(10)),
            ..member()
        };
        assert_eq!(slowed.ensure(now()), Ok(()), "the pace is asked apart");
        assert_eq!(
            slowed.ensure_pace(now()),
            Err(DomainError::SlowMode {
                retry_after_secs: 20
            })
        );
        for role in [Role::Admin, Role::Owner] {
            let moderator = PostingFacts {
                standing: Standing {
                    role,
                    timed_out_until: None,
                },
                ..slowed
            };
            assert_eq!(moderator.ensure_pace(now()), Ok(()), "{role:?}");
        }
        assert_eq!(slowed.ensure_pace(now() + Duration::seconds(20)), Ok(()));
    }

    #[test]
    fn a_participant_posts_in_an_open_room() {
        assert_eq!(facts(true, false, false).ensure(now()), Ok(()));
    }

    #[test]
    fn outsiders_and_banned_users_are_told_the_room_does_not_exist() {
        for (participant, banned) in [(false, false), (false, true), (true, true)] {
            assert_eq!(
                facts(participant, banned, false).ensure(now()),
                Err(DomainError::ConversationNotFound)
            );
        }
        assert_eq!(
            facts(false, false, true).ensure(now()),
            Err(DomainError::ConversationNotFound),
            "not being in the room comes before its state"
        );
    }

    #[test]
    fn nobody_posts_in_a_closed_room() {
        assert_eq!(
            facts(true, false, true).ensure(now()),
            Err(DomainError::ClosedRoomCannotPost)
        );
    }
}
