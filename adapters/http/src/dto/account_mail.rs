//! The bodies of the account operations that go by mail: profile, verification, password reset.

use poem_openapi::Object;

use super::{EmailAddress, NewPassword, NullAllowed, PersonName, Ruled, UserProfileDto};
use crate::dto::schema_rules::TokenText;

/// `PATCH /api/v1/user/me`: the fields to change; a field left out (or `null`) stays.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct UpdateProfileBody {
    /// The name others see, 1–255 characters, not blank.
    pub name: Ruled<Option<String>, (PersonName, NullAllowed)>,
    /// A new sign-in email: unverified until the link mailed to it is followed. 422 if another
    /// account has it.
    pub email: Ruled<Option<String>, (EmailAddress, NullAllowed)>,
}

impl poem_openapi::types::Example for UpdateProfileBody {
    fn example() -> Self {
        Self {
            name: Some(String::from("Jane Doe")).into(),
            email: None.into(),
        }
    }
}

/// `POST /api/v1/user/email/verify`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct VerifyEmailBody {
    /// The code from the verification mail (its link carries it too).
    pub token: Ruled<String, TokenText>,
}

impl poem_openapi::types::Example for VerifyEmailBody {
    fn example() -> Self {
        Self {
            token: String::from("3f1c…").into(),
        }
    }
}

/// `{"status": true, "message": "Email verified.", "data": <your account>}`.
#[derive(Debug, Clone, Object)]
pub struct VerifiedEnvelope {
    pub status: bool,
    pub message: String,
    pub data: UserProfileDto,
}

/// `POST /api/v1/user/password/forgot`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ForgotPasswordBody {
    pub email: Ruled<String, EmailAddress>,
}

impl poem_openapi::types::Example for ForgotPasswordBody {
    fn example() -> Self {
        Self {
            email: String::from("jane@example.com").into(),
        }
    }
}

/// `POST /api/v1/user/password/reset`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ResetPasswordBody {
    /// The account's email, as the reset was asked for.
    pub email: Ruled<String, EmailAddress>,
    /// The code from the reset mail.
    pub token: Ruled<String, TokenText>,
    /// The new password: 8–1,024 characters.
    pub password: Ruled<String, NewPassword>,
}

impl poem_openapi::types::Example for ResetPasswordBody {
    fn example() -> Self {
        Self {
            email: String::from("jane@example.com").into(),
            token: String::from("3f1c…").into(),
            password: String::from("battery staple horse correct").into(),
        }
    }
}
