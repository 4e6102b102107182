use confab_domain::{Avatar, User, UserId, UserSummary};
use poem_openapi::Object;

use super::{
    DateTime, EmailAddress, NewPassword, NotBlank, NotEmpty, PersonName, Ruled, SentOrNull,
    rfc3339_micros,
};

/// A person as others see them.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct UserDto {
    pub id: i64,
    pub name: String,
    /// The person's picture, 256 px square (`?size=64` for 64 px): a public URL that never
    /// changes its content, so it may be cached for good; `null` until they upload one.
    pub avatar_url: Ruled<Option<String>, SentOrNull>,
}

impl poem_openapi::types::Example for UserDto {
    fn example() -> Self {
        Self {
            id: 2,
            name: "John Doe".into(),
            avatar_url: None.into(),
        }
    }
}

impl From<&UserSummary> for UserDto {
    fn from(user: &UserSummary) -> Self {
        Self {
            id: user.id.get(),
            name: user.name.clone(),
            avatar_url: avatar_url(user.id, user.avatar.as_ref()).into(),
        }
    }
}

/// Your own account.
#[derive(Debug, Clone, Object)]
pub struct UserProfileDto {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// As in [`UserDto`].
    pub avatar_url: Ruled<Option<String>, SentOrNull>,
    /// When the owner proved `email` theirs (the link of a verification mail); `null` until
    /// then, and again after the email changes.
    pub email_verified_at: Ruled<Option<String>, (DateTime, SentOrNull)>,
    pub created_at: Ruled<String, DateTime>,
}

impl From<&User> for UserProfileDto {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.get(),
            name: user.name.as_str().to_owned(),
            email: user.email.as_str().to_owned(),
            avatar_url: avatar_url(user.id, user.avatar.as_ref()).into(),
            email_verified_at: user.email_verified_at.map(rfc3339_micros).into(),
            created_at: rfc3339_micros(user.created_at).into(),
        }
    }
}

/// Where `user`'s avatar is served, when they have one.
pub fn avatar_url(user: UserId, avatar: Option<&Avatar>) -> Option<String> {
    avatar.map(|avatar| crate::attachment_links::links().public(&avatar.path(user)))
}

/// `POST /api/v1/user/register`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct RegisterBody {
    /// Display name, 1–255 characters, not blank.
    pub name: Ruled<String, PersonName>,
    /// Unique; compared case-insensitively.
    pub email: Ruled<String, EmailAddress>,
    /// 8–1,024 characters.
    pub password: Ruled<String, NewPassword>,
}

impl poem_openapi::types::Example for RegisterBody {
    fn example() -> Self {
        Self {
            name: String::from("Jane Smith").into(),
            email: String::from("jane@example.com").into(),
            password: String::from("correct horse battery").into(),
        }
    }
}

/// `POST /api/v1/user/login`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct LoginBody {
    pub email: Ruled<String, NotBlank>,
    pub password: Ruled<String, NotEmpty>,
}

impl poem_openapi::types::Example for LoginBody {
    fn example() -> Self {
        Self {
            email: String::from("jane@example.com").into(),
            password: String::from("correct horse battery").into(),
        }
    }
}

/// `DELETE /api/v1/user`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct DeleteAccountBody {
    /// Your password: a token alone deletes nothing.
    pub password: Ruled<String, NotEmpty>,
}

impl poem_openapi::types::Example for DeleteAccountBody {
    fn example() -> Self {
        Self {
            password: String::from("correct horse battery").into(),
        }
    }
}

/// `PUT /api/v1/user/password`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ChangePasswordBody {
    /// The password now in use.
    pub current_password: Ruled<String, NotEmpty>,
    /// The new one: 8–1,024 characters.
    pub password: Ruled<String, NewPassword>,
}

impl poem_openapi::types::Example for ChangePasswordBody {
    fn example() -> Self {
        Self {
            current_password: String::from("correct horse battery").into(),
            password: String::from("battery staple horse correct").into(),
        }
    }
}

/// A bearer token and whose it is.
#[derive(Debug, Clone, Object)]
pub struct SessionDto {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
    pub user: UserProfileDto,
}

/// `{status, message?, data: {token, token_type, expires_in, user}}`.
#[derive(Debug, Clone, Object)]
pub struct SessionEnvelope {
    pub status: bool,
    #[oai(skip_serializing_if_is_none)]
    pub message: Option<String>,
    pub data: SessionDto,
}

impl SessionEnvelope {
    pub fn new(
        session: &confab_application::use_cases::login::Session,
        message: Option<&str>,
    ) -> Self {
        Self {
            status: true,
            message: message.map(Into::into),
            data: SessionDto::from(session),
        }
    }
}

impl From<&confab_application::use_cases::login::Session> for SessionDto {
    fn from(session: &confab_application::use_cases::login::Session) -> Self {
        Self {
            token: session.token.token.clone(),
            token_type: "Bearer".into(),
            expires_in: session.token.expires_in,
            user: UserProfileDto::from(&session.user),
        }
    }
}
