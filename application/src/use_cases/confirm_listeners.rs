//! Confirm listeners: of the users listening to a room's channels on one socket server, which
//! are no longer in the room? Asked by a node that may have missed a revocation (its link to the
//! other nodes is down, or just came back), before it delivers to the room — so a removal holds
//! whichever node answered it.

use confab_domain::{ConversationId, DomainError, UserId};

use crate::Confab;

impl Confab {
    /// The users of `listeners` who may no longer listen to `conversation`: everyone who is not
    /// a participant now (all of them when the conversation is gone). The same rule channel
    /// authorization applies, read from the database.
    pub async fn outsiders_among(
        &self,
        conversation: ConversationId,
        listeners: &[UserId],
    ) -> Result<Vec<UserId>, DomainError> {
        let room = self.ports.conversations.find(conversation).await?;
        Ok(listeners
            .iter()
            .copied()
            .filter(|user| !room.as_ref().is_some_and(|room| room.is_participant(*user)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{Mocks, group_room};

    #[tokio::test]
    async fn listeners_who_left_the_room_are_outsiders() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .withf(|id| *id == ConversationId(1))
            .times(1)
            .returning(|_| Ok(Some(group_room())));
        let outsiders = mocks
            .build()
            .outsiders_among(
                ConversationId(1),
                &[UserId(1), UserId(5), UserId(2), UserId(9)],
            )
            .await
            .unwrap();
        assert_eq!(outsiders, vec![UserId(5), UserId(9)]);
    }

    #[tokio::test]
    async fn every_listener_of_a_vanished_room_is_an_outsider() {
        let mut mocks = Mocks::new();
        mocks.conversations.expect_find().returning(|_| Ok(None));
        let outsiders = mocks
            .build()
            .outsiders_among(ConversationId(1), &[UserId(1), UserId(2)])
            .await
            .unwrap();
        assert_eq!(outsiders, vec![UserId(1), UserId(2)]);
    }

    #[tokio::test]
    async fn a_database_failure_is_reported_not_guessed() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Err(DomainError::Unavailable("database down".into())));
        let answer = mocks
            .build()
            .outsiders_among(ConversationId(1), &[UserId(1)])
            .await;
        assert!(answer.is_err());
    }
}
