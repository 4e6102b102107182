//! Delete account: the person leaves for good (see `confab_domain::account_deletion` for what
//! stays and what goes).

use confab_domain::account_deletion::ensure_password_confirms;
use confab_domain::{Conversation, DeletedAccount, DomainError, PlainPassword};

use super::authenticate::Authenticated;
use crate::secrets::fresh_token;
use crate::{Caller, Confab};

impl Confab {
    /// The password must match (422 on `password`; a stolen token alone deletes nothing). Then,
    /// room by room under each room's lock, the person departs
    /// ([`Conversation::depart_for_good`]: an owner's room passes on, an empty one closes, a
    /// direct chat closes) and the room is told; then the account is anonymised and everything
    /// else of theirs removed in one transaction, the rooms are told its new name, every session
    /// ends with its sockets, and the files leave the store.
    ///
    /// The rooms come first so that a deletion cut short (a crash, the database gone) can be
    /// asked again with the same token: until the last step the account still signs in.
    pub async fn delete_account(
        &self,
        auth: &Authenticated,
        password: &str,
    ) -> Result<(), DomainError> {
        if password.is_empty() {
            return Err(DomainError::invalid(
                "password",
                "The password field is required.",
            ));
        }
        let user = auth.user.id;
        let matched = self
            .ports
            .hasher
            .verify(password, &auth.user.password_hash)
            .await?;
        ensure_password_confirms(matched)?;
        let caller = Caller::new(user);
        let rooms: Vec<_> = self
            .ports
            .conversations
            .list_for(user)
            .await?
            .into_iter()
            .map(|room| room.id)
            .collect();
        let now = self.ports.clock.now();
        for &room in &rooms {
            let depart = move |room: &mut Conversation| {
                room.depart_for_good(user, now);
                Ok(())
            };
            let change = self
                .ports
                .conversations
                .modify(room, user, Box::new(depart))
                .await?;
            self.announce_departure(&caller, room, change, user).await;
        }
        let unusable = PlainPassword::parse(fresh_token().expose())
            .map_err(|e| DomainError::Internal(format!("an unusable password: {e}")))?;
        let account = DeletedAccount::of(user, self.ports.hasher.hash(&unusable).await?, now);
        let events = account.events(rooms);
        let removed = self
            .ports
            .accounts
            .delete_account(&account, &events)
            .await?;
        self.publish_all(events, &caller).await;
        self.ports
            .broadcaster
            .end_sessions(user, &removed.sessions)
            .await;
        if !removed.files.is_empty() {
            // The account is gone either way; bytes left behind are logged, not an error.
            if let Err(error) = self.ports.files.delete(&removed.files).await {
                tracing::warn!(%error, "a deleted account's files could not be removed");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
