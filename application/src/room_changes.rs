//! Changing a room: decide on what the request read, then again on the stored room while the
//! repository holds it locked (`ConversationRepository::modify`), so two managers acting on one
//! room at once (two invites, a ban during an invite) are serialized: the second decides on the
//! first's result instead of overwriting it, and neither fails for having raced the other.

use std::sync::{Arc, Mutex, PoisonError};

use confab_domain::{Conversation, ConversationId, DomainError, RoomChange, UserId};

use crate::Confab;

impl Confab {
    /// Applies `change` to `loaded` — the conversation as the use case read it to validate the
    /// request — so a refusal costs no lock, then has the repository apply it to the room as
    /// stored, locked (`actor`'s moderation acts go to the room's audit log with it). Returns the stored change (the room, and the events the domain decided it
    /// tells) and what `change` returned there.
    pub(crate) async fn change_conversation<T, F>(
        &self,
        loaded: Conversation,
        actor: UserId,
        mut change: F,
    ) -> Result<(RoomChange, T), DomainError>
    where
        T: Send + 'static,
        F: FnMut(&mut Conversation) -> Result<T, DomainError> + Send + 'static,
    {
        change(&mut loaded.clone())?;
        let outcome: Arc<Mutex<Option<T>>> = Arc::new(Mutex::new(None));
        let slot = outcome.clone();
        let decide = move |room: &mut Conversation| {
            let decided = change(room)?;
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(decided);
            Ok(())
        };
        let stored = self
            .ports
            .conversations
            .modify(loaded.id, actor, Box::new(decide))
            .await?;
        let decided = outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or_else(|| {
                DomainError::Internal("the room was stored without its decision".into())
            })?;
        Ok((stored, decided))
    }

    /// The conversation, if `viewer` may see it; 404 alike for missing and not-a-participant.
    pub(crate) async fn load_visible(
        &self,
        id: ConversationId,
        viewer: UserId,
    ) -> Result<Conversation, DomainError> {
        let conversation = self
            .ports
            .conversations
            .find(id)
            .await?
            .ok_or(DomainError::ConversationNotFound)?;
        conversation.ensure_visible_to(viewer)?;
        Ok(conversation)
    }

    /// The conversation as `viewer` sees it, for a response.
    pub(crate) async fn overview_for(
        &self,
        id: ConversationId,
        viewer: UserId,
    ) -> Result<confab_domain::ConversationOverview, DomainError> {
        self.ports
            .conversations
            .overview(id, viewer)
            .await?
            .ok_or(DomainError::ConversationNotFound)
    }
}
