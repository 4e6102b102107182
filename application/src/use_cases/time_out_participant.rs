//! Time out participant: a member may read but not send, edit, react or type until a time.

use confab_domain::{ConversationId, ConversationOverview, DomainError, Timestamp, UserId};

use crate::{Caller, Confab};

impl Confab {
    /// `until`: the end (in the future, at most 28 days away; 422 on `until` otherwise); `None`
    /// lifts the timeout. Owner and admins, downward only (403). Told as `participant.updated`;
    /// the member's sockets stop whispering on the room's channels at once, on every node.
    pub async fn time_out_participant(
        &self,
        caller: &Caller,
        id: ConversationId,
        target: UserId,
        until: Option<Timestamp>,
    ) -> Result<ConversationOverview, DomainError> {
        let room = self.load_with_target(id, caller.user, target).await?;
        let actor = caller.user;
        let now = self.ports.clock.now();
        let (change, ()) = self
            .change_conversation(room, caller.user, move |room| {
                room.time_out(actor, target, until, now)
            })
            .await?;
        if !change.events.is_empty() {
            self.ports.broadcaster.silence(target, id, until).await;
        }
        self.publish_all(change.events, caller).await;
        self.overview_for(id, caller.user).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use confab_domain::RealtimeEvent;

    use super::*;
    use crate::test_support::{Mocks, decided, group_room, group_room_and_people, now, overview};

    #[tokio::test]
    async fn a_timeout_is_stored_told_and_silences_the_members_sockets() {
        let until = now() + Duration::minutes(10);
        let mut mocks = Mocks::new();
        group_room_and_people(&mut mocks);
        mocks
            .conversations
            .expect_modify()
            .times(1)
            .returning(|_, _, decide| decided(group_room(), decide));
        mocks
            .broadcaster
            .expect_silence()
            .withf(move |user, room, at| {
                *user == UserId(2) && *room == ConversationId(1) && *at == Some(until)
            })
            .times(1)
            .returning(|_, _, _| ());
        mocks
            .broadcaster
            .expect_publish()
            .withf(move |event, _| {
                matches!(event, RealtimeEvent::ParticipantUpdated { standing, .. }
                    if standing.timed_out_until == Some(until))
            })
            .times(1)
            .returning(|_, _| ());
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        mocks
            .build()
            .time_out_participant(
                &Caller::new(UserId(1)),
                ConversationId(1),
                UserId(2),
                Some(until),
            )
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn lifting_a_timeout_nobody_has_tells_nobody() {
        let mut mocks = Mocks::new();
        group_room_and_people(&mut mocks);
        mocks
            .conversations
            .expect_modify()
            .returning(|_, _, decide| decided(group_room(), decide));
        mocks.broadcaster.expect_silence().never();
        mocks.broadcaster.expect_publish().never();
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        mocks
            .build()
            .time_out_participant(&Caller::new(UserId(1)), ConversationId(1), UserId(2), None)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_member_cannot_time_out_the_owner() {
        let mut mocks = Mocks::new();
        group_room_and_people(&mut mocks);
        mocks.conversations.expect_modify().never();
        let err = mocks
            .build()
            .time_out_participant(
                &Caller::new(UserId(2)),
                ConversationId(1),
                UserId(1),
                Some(now() + Duration::minutes(1)),
            )
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ModeratorsOnly);
    }
}
