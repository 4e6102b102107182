//! Managing a group room: closing it, its people (invite, remove, ban, unban, leave), their roles
//! and timeouts, ownership and settings. Who may do each is [`Role::may`]'s table; acting on
//! someone also needs a higher role than theirs ([`Role::outranks`]). The room's owner is
//! protected as the seed protects its creator.

use chrono::Duration;

use super::{Conversation, ConversationKind, Participant, SettingsChange, ensure_user_list};
use crate::roles::{Act, Role};
use crate::{DomainError, Timestamp, UserId};

/// The longest timeout (Discord's): longer than that is a ban.
pub const MAX_TIMEOUT_DAYS: i64 = 28;

impl Conversation {
    /// May `actor` do `act` here? Returns their role.
    ///
    /// # Errors
    /// `ConversationNotFound` for an outsider, `DirectChat`, then the act's refusal.
    pub fn ensure_may(&self, actor: UserId, act: Act) -> Result<Role, DomainError> {
        self.ensure_visible_to(actor)?;
        if self.kind == ConversationKind::Direct {
            return Err(DomainError::DirectChat);
        }
        let role = self.standing(actor).role;
        if role.may(act) {
            Ok(role)
        } else {
            Err(act.refusal())
        }
    }

    /// Someone of `role` acting on `target`, a participant: only on a lower role.
    fn ensure_outranks(&self, role: Role, target: UserId) -> Result<(), DomainError> {
        if role.outranks(self.standing(target).role) {
            Ok(())
        } else {
            Err(DomainError::CannotModerate)
        }
    }

    fn is_owner(&self, user: UserId) -> bool {
        self.owner() == Some(user)
    }

    fn participant_mut(&mut self, user: UserId) -> Option<&mut Participant> {
        self.participants.iter_mut().find(|p| p.user_id == user)
    }

    /// Closes the room for new messages and invites.
    pub fn close(&mut self, actor: UserId, now: Timestamp) -> Result<(), DomainError> {
        self.ensure_may(actor, Act::Close)?;
        if self.is_closed() {
            return Err(DomainError::AlreadyClosed);
        }
        self.closed_at = Some(now);
        Ok(())
    }

    /// Adds users and returns the ones who were not already in. Banned users are refused, all of
    /// them named; nobody is added unless everyone may be.
    pub fn invite(&mut self, actor: UserId, users: &[UserId]) -> Result<Vec<UserId>, DomainError> {
        self.ensure_may(actor, Act::Invite)?;
        if self.is_closed() {
            return Err(DomainError::ClosedRoomCannotInvite);
        }
        if users.is_empty() {
            return Err(DomainError::invalid(
                "user_ids",
                "The user_ids field is required.",
            ));
        }
        ensure_user_list(users)?;
        let banned: Vec<String> = users
            .iter()
            .filter(|&&user| self.is_banned(user))
            .map(ToString::to_string)
            .collect();
        if !banned.is_empty() {
            return Err(DomainError::invalid(
                "user_ids",
                format!("Banned users cannot be invited: {}.", banned.join(", ")),
            ));
        }
        let added: Vec<UserId> = users
            .iter()
            .copied()
            .filter(|&user| !self.is_participant(user))
            .collect();
        self.participants
            .extend(added.iter().copied().map(Participant::new));
        Ok(added)
    }

    /// Takes a participant out. They may be invited again later.
    pub fn remove(&mut self, actor: UserId, target: UserId) -> Result<(), DomainError> {
        let role = self.ensure_may(actor, Act::Remove)?;
        if self.is_owner(target) {
            return Err(DomainError::CreatorIsProtected);
        }
        if !self.is_participant(target) {
            return Err(DomainError::NotAParticipant);
        }
        self.ensure_outranks(role, target)?;
        self.participants.retain(|p| p.user_id != target);
        Ok(())
    }

    /// Bans a user: out of the room now, and never to be invited again until unbanned. A user
    /// who already left can be banned too, so they cannot be brought back. Returns whether they
    /// were inside.
    pub fn ban(&mut self, actor: UserId, target: UserId) -> Result<bool, DomainError> {
        let role = self.ensure_may(actor, Act::Ban)?;
        if self.is_owner(target) {
            return Err(DomainError::CreatorIsProtected);
        }
        if self.is_banned(target) {
            return Err(DomainError::AlreadyBanned(target));
        }
        let was_inside = self.is_participant(target);
        if was_inside {
            self.ensure_outranks(role, target)?;
        }
        self.participants.retain(|p| p.user_id != target);
        self.banned.push(target);
        Ok(was_inside)
    }

    /// Lifts a ban: the user may be invited again (they do not come back by themselves).
    pub fn unban(&mut self, actor: UserId, target: UserId) -> Result<(), DomainError> {
        self.ensure_may(actor, Act::Unban)?;
        if !self.is_banned(target) {
            return Err(DomainError::NotBanned(target));
        }
        self.banned.retain(|user| *user != target);
        Ok(())
    }

    /// A participant walks out of a group. The owner cannot until they hand the room over: it
    /// would have nobody to own it.
    pub fn leave(&mut self, user: UserId) -> Result<(), DomainError> {
        self.ensure_visible_to(user)?;
        if self.kind == ConversationKind::Direct {
            return Err(DomainError::DirectChat);
        }
        if self.is_owner(user) {
            return Err(DomainError::CreatorCannotLeave);
        }
        self.participants.retain(|p| p.user_id != user);
        Ok(())
    }

    /// The owner makes a participant an admin or a member. Returns whether it changed anything.
    pub fn set_role(
        &mut self,
        actor: UserId,
        target: UserId,
        role: Role,
    ) -> Result<bool, DomainError> {
        self.ensure_may(actor, Act::ChangeRoles)?;
        if role == Role::Owner {
            return Err(DomainError::invalid(
                "role",
                "The selected role is invalid; use admin or member (hand the room over with transfer).",
            ));
        }
        if target == actor {
            return Err(DomainError::invalid(
                "role",
                "You own this room; hand it over with transfer to change your role.",
            ));
        }
        let member = self
            .participant_mut(target)
            .ok_or(DomainError::NotAParticipant)?;
        let changed = member.standing.role != role;
        member.standing.role = role;
        Ok(changed)
    }

    /// The owner hands the room to another participant and becomes an admin; the new owner's
    /// timeout, if any, ends.
    pub fn transfer(&mut self, actor: UserId, new_owner: UserId) -> Result<(), DomainError> {
        self.ensure_may(actor, Act::ChangeRoles)?;
        if new_owner == actor {
            return Err(DomainError::invalid(
                "user_id",
                "You already own this room.",
            ));
        }
        let heir = self.participant_mut(new_owner).ok_or_else(|| {
            DomainError::invalid(
                "user_id",
                "The new owner must be a participant of the room.",
            )
        })?;
        heir.standing.make_owner();
        if let Some(former) = self.participant_mut(actor) {
            former.standing.role = Role::Admin;
        }
        Ok(())
    }

    /// Keeps `target` from sending, editing, reacting and typing until `until` (in the future,
    /// at most [`MAX_TIMEOUT_DAYS`] away); `None` lifts the timeout.
    pub fn time_out(
        &mut self,
        actor: UserId,
        target: UserId,
        until: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let role = self.ensure_may(actor, Act::TimeOut)?;
        if let Some(until) = until {
            if until <= now {
                return Err(DomainError::invalid(
                    "until",
                    "The until field must be a date in the future.",
                ));
            }
            if until > now + Duration::days(MAX_TIMEOUT_DAYS) {
                return Err(DomainError::invalid(
                    "until",
                    format!("A timeout lasts at most {MAX_TIMEOUT_DAYS} days; ban instead."),
                ));
            }
        }
        if !self.is_participant(target) {
            return Err(DomainError::NotAParticipant);
        }
        self.ensure_outranks(role, target)?;
        if let Some(member) = self.participant_mut(target) {
            member.standing.timed_out_until = until;
        }
        Ok(())
    }

    /// Changes the settings given (owner and admins).
    pub fn change_settings(
        &mut self,
        actor: UserId,
        change: SettingsChange,
    ) -> Result<(), DomainError> {
        self.ensure_may(actor, Act::ChangeSettings)?;
        if let Some(name) = change.name {
            self.name = name;
        }
        if let Some(description) = change.description {
            self.settings.description = description;
        }
        if let Some(slow_mode) = change.slow_mode {
            self.settings.slow_mode = slow_mode;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
