//! Changing one's own profile: the name others see, and the email one signs in with.

use crate::{ConversationId, DomainError, Email, RealtimeEvent, User, UserName, ValidationErrors};

/// What `PATCH /user/me` asks to change; a field left out stays as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileChange {
    pub name: Option<UserName>,
    pub email: Option<Email>,
}

/// A user after a [`ProfileChange`], and what else the change calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedProfile {
    pub user: User,
    /// The name others see changed: every room the user is in is told (`user.updated`).
    pub renamed: bool,
    /// The email changed: it is unverified again, and a verification mail goes to the new one.
    pub new_email: bool,
}

impl ChangedProfile {
    /// What the change tells `rooms` (the user's): `user.updated` when the name others see
    /// changed; an email is the owner's alone and tells nobody.
    pub fn events(&self, rooms: Vec<ConversationId>) -> Vec<RealtimeEvent> {
        if !self.renamed {
            return Vec::new();
        }
        vec![RealtimeEvent::UserUpdated {
            user: self.user.summary(),
            conversations: rooms,
        }]
    }
}

/// What a new or removed avatar tells: `user.updated` with the user as now seen (see
/// [`crate::avatar`]), to the rooms they are in (`rooms`) and their own channel — member lists
/// and message authors update live.
pub fn avatar_changed(user: &User, rooms: Vec<ConversationId>) -> Vec<RealtimeEvent> {
    vec![RealtimeEvent::UserUpdated {
        user: user.summary(),
        conversations: rooms,
    }]
}

impl ProfileChange {
    /// Both fields are checked before failing (422 naming each).
    ///
    /// # Errors
    /// `Invalid` on `name` or `email`.
    pub fn parse(name: Option<&str>, email: Option<&str>) -> Result<Self, DomainError> {
        let mut errors = ValidationErrors::new();
        let name = name.and_then(|raw| errors.check("name", UserName::parse(raw)));
        let email = email.and_then(|raw| errors.check("email", Email::parse(raw)));
        errors.into_result()?;
        Ok(Self { name, email })
    }

    /// `user` with the change applied. An email equal to the current one (after lower-casing) is
    /// no change, so it keeps its verification; a different one starts unverified.
    pub fn apply_to(&self, user: &User) -> ChangedProfile {
        let mut changed = user.clone();
        let renamed = self.name.as_ref().is_some_and(|name| *name != user.name);
        let new_email = self
            .email
            .as_ref()
            .is_some_and(|email| *email != user.email);
        if let Some(name) = &self.name {
            changed.name = name.clone();
        }
        if new_email {
            changed.email = self.email.clone().unwrap_or_else(|| user.email.clone());
            changed.email_verified_at = None;
        }
        ChangedProfile {
            user: changed,
            renamed,
            new_email,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PasswordHash, UserId};

    fn ann() -> User {
        User {
            id: UserId(1),
            name: UserName::parse("Ann").unwrap(),
            email: Email::parse("ann@x.io").unwrap(),
            password_hash: PasswordHash("h".into()),
            created_at: chrono::DateTime::UNIX_EPOCH,
            email_verified_at: Some(chrono::DateTime::UNIX_EPOCH),
            avatar: None,
        }
    }

    #[test]
    fn a_new_email_is_unverified_and_the_name_is_kept() {
        let change = ProfileChange::parse(None, Some("Ann@New.io")).unwrap();
        let changed = change.apply_to(&ann());
        assert!(changed.new_email && !changed.renamed);
        assert_eq!(changed.user.email.as_str(), "ann@new.io");
        assert_eq!(changed.user.email_verified_at, None);
        assert_eq!(changed.user.name.as_str(), "Ann");
    }

    #[test]
    fn the_same_email_in_other_letters_keeps_its_verification() {
        let changed = ProfileChange::parse(Some(" Annie "), Some("ANN@x.io"))
            .unwrap()
            .apply_to(&ann());
        assert!(changed.renamed && !changed.new_email);
        assert_eq!(changed.user.name.as_str(), "Annie");
        assert!(changed.user.email_verified_at.is_some());
    }

    #[test]
    fn a_rename_tells_the_rooms_and_a_new_email_nobody() {
        let renamed = ProfileChange::parse(Some("Annie"), None)
            .unwrap()
            .apply_to(&ann());
        assert_eq!(
            renamed.events(vec![ConversationId(4)]),
            [RealtimeEvent::UserUpdated {
                user: crate::UserSummary {
                    id: UserId(1),
                    name: "Annie".into(),
                    avatar: None,
                },
                conversations: vec![ConversationId(4)],
            }]
        );
        let moved = ProfileChange::parse(None, Some("a@b.io"))
            .unwrap()
            .apply_to(&ann());
        assert!(moved.events(vec![ConversationId(4)]).is_empty());
    }

    #[test]
    fn nothing_asked_is_nothing_changed() {
        let changed = ProfileChange::default().apply_to(&ann());
        assert_eq!(changed.user, ann());
        assert!(!changed.renamed && !changed.new_email);
    }

    #[test]
    fn both_fields_are_checked_before_failing() {
        let Err(DomainError::Invalid(errors)) = ProfileChange::parse(Some(" "), Some("nope"))
        else {
            panic!("expected 422");
        };
        assert!(errors.fields().contains_key("name"));
        assert!(errors.fields().contains_key("email"));
    }

    #[test]
    fn an_avatar_change_tells_the_rooms_the_user_as_now_seen() {
        let user = crate::User {
            id: UserId(7),
            name: crate::UserName::parse("Ann").unwrap(),
            email: crate::Email::parse("ann@x.io").unwrap(),
            password_hash: crate::PasswordHash("h".into()),
            created_at: chrono::DateTime::UNIX_EPOCH,
            email_verified_at: None,
            avatar: crate::Avatar::stored("0123456789abcdef.jpg"),
        };
        let told = avatar_changed(&user, vec![ConversationId(2)]);
        assert_eq!(
            told,
            [RealtimeEvent::UserUpdated {
                user: user.summary(),
                conversations: vec![ConversationId(2)],
            }]
        );
        assert!(
            matches!(&told[0], RealtimeEvent::UserUpdated { user, .. } if user.avatar.is_some())
        );
    }
}
