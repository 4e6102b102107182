//! Update profile: a new name (every room the user is in is told) or a new email (unverified
//! until the link mailed to it is followed).

use confab_domain::{DomainError, NewToken, ProfileChange, TokenPurpose, User};

use super::authenticate::Authenticated;
use crate::Confab;
use crate::secrets::fresh_token;

#[derive(Debug, Clone, Default)]
pub struct UpdateProfileRequest {
    pub name: Option<String>,
    pub email: Option<String>,
}

impl Confab {
    /// Both fields are checked first (422 naming each); a taken email is 422 on `email`. The
    /// change, a new email's verification mail and the `user.updated` webhook are stored
    /// together, then the rooms are told live. Returns the account after.
    pub async fn update_profile(
        &self,
        auth: &Authenticated,
        request: UpdateProfileRequest,
    ) -> Result<User, DomainError> {
        let change = ProfileChange::parse(request.name.as_deref(), request.email.as_deref())?;
        let changed = change.apply_to(&auth.user);
        if !changed.renamed && !changed.new_email {
            return Ok(changed.user);
        }
        let now = self.ports.clock.now();
        let verification = changed
            .new_email
            .then(|| NewToken::issue(TokenPurpose::VerifyEmail, fresh_token(), now));
        let events = self
            .ports
            .accounts
            .update_profile(&changed, verification)
            .await?;
        for event in events {
            self.ports.broadcaster.publish(event, None).await;
        }
        Ok(changed.user)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{ConversationId, RealtimeEvent, UserId};

    use super::*;
    use crate::test_support::{Mocks, signed_in};

    #[tokio::test]
    async fn a_rename_is_stored_and_told_to_the_rooms() {
        let mut mocks = Mocks::new();
        mocks
            .accounts
            .expect_update_profile()
            .withf(|changed, verification| {
                changed.renamed && changed.user.name.as_str() == "Annie" && verification.is_none()
            })
            .times(1)
            .returning(|changed, _| Ok(changed.events(vec![ConversationId(4)])));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|event, _| {
                matches!(event, RealtimeEvent::UserUpdated { user, conversations }
                    if user.name == "Annie" && conversations == &[ConversationId(4)])
            })
            .times(1)
            .returning(|_, _| ());
        let user = mocks
            .build()
            .update_profile(
                &signed_in(3, "s", 1),
                UpdateProfileRequest {
                    name: Some("Annie".into()),
                    email: None,
                },
            )
            .await
            .unwrap();
        assert_eq!((user.id, user.name.as_str()), (UserId(3), "Annie"));
    }

    #[tokio::test]
    async fn a_new_email_is_unverified_and_gets_a_verification_mail() {
        let mut mocks = Mocks::new();
        mocks
            .accounts
            .expect_update_profile()
            .withf(|changed, verification| {
                changed.new_email
                    && changed.user.email_verified_at.is_none()
                    && verification
                        .as_ref()
                        .is_some_and(|token| token.purpose == TokenPurpose::VerifyEmail)
            })
            .times(1)
            .returning(|_, _| Ok(Vec::new()));
        let user = mocks
            .build()
            .update_profile(
                &signed_in(3, "s", 1),
                UpdateProfileRequest {
                    name: None,
                    email: Some("new@x.io".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(user.email.as_str(), "new@x.io");
    }

    #[tokio::test]
    async fn nothing_to_change_stores_nothing_and_bad_fields_are_422() {
        let mut mocks = Mocks::new();
        mocks.accounts.expect_update_profile().never();
        let app = mocks.build();
        let same = app
            .update_profile(&signed_in(3, "s", 1), UpdateProfileRequest::default())
            .await
            .unwrap();
        assert_eq!(same.id, UserId(3));
        let refused = app
            .update_profile(
                &signed_in(3, "s", 1),
                UpdateProfileRequest {
                    name: Some(" ".into()),
                    email: Some("nope".into()),
                },
            )
            .await;
        assert!(matches!(refused, Err(DomainError::Invalid(_))));
    }
}
