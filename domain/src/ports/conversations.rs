use async_trait::async_trait;

use crate::{
    Conversation, ConversationId, ConversationOverview, DomainError, NewConversation,
    NotificationSettings, RoomChange, UserId,
};

/// A decision on a room, applied by [`ConversationRepository::modify`] to the stored aggregate
/// while the room is locked; every `FnMut(&mut Conversation) -> Result<(), DomainError>` is one.
/// (A trait of its own rather than `dyn FnMut`, which mockall cannot mock; boxed and `'static`
/// so the mocks can hold it: a decision's result goes out through what it captured.)
pub trait Decide: Send + 'static {
    /// Changes `room` as the rules allow, or refuses.
    ///
    /// # Errors
    /// The rule's refusal.
    fn decide(&mut self, room: &mut Conversation) -> Result<(), DomainError>;
}

impl<F> Decide for F
where
    F: FnMut(&mut Conversation) -> Result<(), DomainError> + Send + 'static,
{
    fn decide(&mut self, room: &mut Conversation) -> Result<(), DomainError> {
        self(room)
    }
}

/// Where conversations, their members, bans and read positions live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ConversationRepository: Send + Sync {
    /// Stores a conversation with its participants, in one transaction.
    ///
    /// # Errors
    /// `Internal` only.
    async fn create(&self, conversation: NewConversation) -> Result<Conversation, DomainError>;

    /// The aggregate with its participants and bans, for a rule to decide on.
    ///
    /// # Errors
    /// `Internal` only; a missing conversation is `Ok(None)`.
    async fn find(&self, id: ConversationId) -> Result<Option<Conversation>, DomainError>;

    /// The direct chat between two users, if they have one (either may have started it).
    ///
    /// # Errors
    /// `Internal` only.
    async fn find_direct_between(
        &self,
        a: UserId,
        b: UserId,
    ) -> Result<Option<ConversationId>, DomainError>;

    /// The other people of `user`'s direct chats, most recently active chat first, at most
    /// `limit` of them: whom a signed-in socket watches come online.
    ///
    /// # Errors
    /// `Internal` only.
    async fn direct_partners(&self, user: UserId, limit: usize)
    -> Result<Vec<UserId>, DomainError>;

    /// One conversation as `viewer` sees it; `None` when it does not exist or `viewer` is not in it.
    ///
    /// # Errors
    /// `Internal` only.
    async fn overview(
        &self,
        id: ConversationId,
        viewer: UserId,
    ) -> Result<Option<ConversationOverview>, DomainError>;

    /// Every conversation `viewer` is in, most recently active first. Costs a fixed number of
    /// queries however many conversations there are.
    ///
    /// # Errors
    /// `Internal` only.
    async fn list_for(&self, viewer: UserId) -> Result<Vec<ConversationOverview>, DomainError>;

    /// Applies `decide` to the conversation as stored, with the room locked against every other
    /// change (and send) until the result is written: changes to one room are serialized, so none
    /// fails for having raced another. A decision that changes nothing writes nothing. Members who
    /// stay keep their read positions; new ones start at
    /// [`ReadPosition::joined`](crate::ReadPosition::joined) with the messages they wrote in the
    /// room before (invited back after leaving). Returns the stored room and the events the change
    /// tells — [`RoomDifference::between`](crate::RoomDifference::between) the room before and
    /// after, [`events`](crate::RoomDifference::events) with the names of its people — which are
    /// stored in the webhook outbox in the same transaction, with the moderation acts of `actor`
    /// it holds ([`audit`](crate::RoomDifference::audit)) in the room's audit log.
    ///
    /// # Errors
    /// `ConversationNotFound` when there is no such conversation; what `decide` returns (nothing
    /// is written); `Internal` otherwise.
    async fn modify(
        &self,
        id: ConversationId,
        actor: UserId,
        decide: Box<dyn Decide>,
    ) -> Result<RoomChange, DomainError>;

    /// Moves `user`'s read position forward to the message numbered `up_to` (never backward), as
    /// [`ReadPosition::advance`](crate::ReadPosition::advance) does.
    ///
    /// # Errors
    /// `Internal` only; a user who is not a participant is silently ignored.
    async fn mark_read(
        &self,
        id: ConversationId,
        user: UserId,
        up_to: u64,
    ) -> Result<(), DomainError>;

    /// Stores `user`'s notification settings for the room; `false` when they are not in it.
    ///
    /// # Errors
    /// `Internal` only.
    async fn set_notifications(
        &self,
        id: ConversationId,
        user: UserId,
        settings: NotificationSettings,
    ) -> Result<bool, DomainError>;
}
