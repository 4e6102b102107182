//! Join: start receiving what is sent to a conversation or to the global channel.

use confab_domain::{Address, DomainError};

use crate::{Caller, Confab};

impl Confab {
    /// A conversation the caller is in, or `channel:global`. A user address is not joinable:
    /// what is sent to you reaches you without joining.
    pub async fn join_address(&self, caller: &Caller, to: &str) -> Result<Address, DomainError> {
        let to = Address::parse(to).map_err(|reason| DomainError::invalid("to", reason))?;
        if let Address::User(_) = to {
            return Err(DomainError::invalid(
                "to",
                "Join conversation:{id} or channel:global; messages to you arrive without joining.",
            ));
        }
        self.ensure_reachable(caller, to).await?;
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{ConversationId, UserId};

    use super::*;
    use crate::test_support::{Mocks, group_room};

    #[tokio::test]
    async fn a_participant_joins_the_room_and_anyone_the_global_channel() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        let app = mocks.build();
        assert_eq!(
            app.join_address(&Caller::new(UserId(2)), "conversation:1")
                .await,
            Ok(Address::Conversation(ConversationId(1)))
        );
        assert_eq!(
            app.join_address(&Caller::new(UserId(9)), "channel:global")
                .await,
            Ok(Address::Global)
        );
    }

    #[tokio::test]
    async fn outsiders_cannot_join_a_room() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        let err = mocks
            .build()
            .join_address(&Caller::new(UserId(9)), "conversation:1")
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }

    #[tokio::test]
    async fn a_user_address_is_not_joinable() {
        let err = Mocks::new()
            .build()
            .join_address(&Caller::new(UserId(9)), "user:9")
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(_))));
    }
}
