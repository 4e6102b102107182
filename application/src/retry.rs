//! Read–decide–write with optimistic locking. Two managers acting on one room at once (two
//! invites, a ban during an invite) both read version N; the repository lets only one save
//! succeed, and the other re-reads and re-decides on fresh state instead of overwriting it.

use confab_domain::{Conversation, ConversationId, DomainError, UserId};

use crate::Confab;

/// Enough for any realistic burst on one room; past it the client gets a 409 and may retry.
const MAX_ATTEMPTS: usize = 8;

impl Confab {
    /// Applies `change` to `loaded` — the conversation `actor` acts on, as the use case already
    /// read it to validate the request — and saves it; on a lost race, re-reads it and starts
    /// over. Returns the saved aggregate and what `change` returned.
    pub(crate) async fn change_conversation<T>(
        &self,
        loaded: Conversation,
        actor: UserId,
        mut change: impl FnMut(&mut Conversation) -> Result<T, DomainError>,
    ) -> Result<(Conversation, T), DomainError> {
        let id = loaded.id;
        let mut next = Some(loaded);
        for _ in 0..MAX_ATTEMPTS {
            let mut conversation = match next.take() {
                Some(conversation) => conversation,
                None => self.load_visible(id, actor).await?,
            };
            let outcome = change(&mut conversation)?;
            match self.ports.conversations.save(&conversation).await {
                Ok(()) => return Ok((conversation, outcome)),
                Err(DomainError::ConcurrentUpdate) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(DomainError::ConcurrentUpdate)
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
