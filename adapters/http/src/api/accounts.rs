use confab_application::Confab;
use confab_application::use_cases::login::{LoginRequest, Session};
use confab_application::use_cases::register::RegisterRequest;
use confab_application::use_cases::search_users::SearchUsersRequest;
use confab_application::use_cases::update_profile::UpdateProfileRequest;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::Done;
use crate::dto::{
    DeleteAccountBody, LoginBody, PageMeta, PageNumber, PerPage, RegisterBody, Ruled, SearchText,
    SessionEnvelope, StatusMessage, UpdateProfileBody, UserDto, UserEnvelope, UserPageEnvelope,
    UserProfileDto,
};
use crate::error::{ApiError, ApiResult};
use crate::security::{BearerAuth, caller_of, client_address};

#[derive(Default)]
pub struct AccountsApi;

/// The login both `POST /api/v1/user/login` and the learning README's `POST /api/login` run:
/// they differ only in the shape of the answer.
pub(super) async fn log_in(
    app: &Confab,
    request: &Request,
    body: LoginBody,
) -> Result<Session, ApiError> {
    Ok(app
        .login(LoginRequest {
            email: body.email.into_inner(),
            password: body.password.into_inner(),
            address: client_address(request),
        })
        .await?)
}

#[derive(ApiResponse)]
enum Registered {
    /// The account was created; the response carries a token, so no separate login is needed.
    #[oai(status = 201)]
    Created(Json<SessionEnvelope>),
}

#[derive(ApiResponse)]
enum LoggedIn {
    #[oai(status = 200)]
    Ok(Json<SessionEnvelope>),
}

#[derive(ApiResponse)]
enum Profile {
    #[oai(status = 200)]
    Ok(Json<UserEnvelope>),
}

#[derive(ApiResponse)]
enum People {
    #[oai(status = 200)]
    Ok(Json<UserPageEnvelope>),
}

#[OpenApi(tag = "ApiTags::Users")]
impl AccountsApi {
    /// Register
    ///
    /// Creates an account and returns a bearer token for it. The email must be unused; the
    /// password needs at least 8 characters.
    #[oai(
        path = "/api/v1/user/register",
        method = "post",
        operation_id = "register"
    )]
    async fn register(
        &self,
        app: Data<&Confab>,
        body: Json<RegisterBody>,
    ) -> ApiResult<Registered> {
        let Json(body) = body;
        let session = app
            .register(RegisterRequest {
                name: body.name.into_inner(),
                email: body.email.into_inner(),
                password: body.password.into_inner(),
            })
            .await?;
        Ok(Registered::Created(Json(SessionEnvelope::new(
            &session,
            Some("User registered."),
        ))))
    }

    /// Log in
    ///
    /// Trades an email and password for a bearer token. A wrong email and a wrong password get
    /// the same 401. After 5 failed attempts for one email from one address within a minute,
    /// further attempts get 429 with `Retry-After` until the minute is over (on every node).
    #[oai(path = "/api/v1/user/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        app: Data<&Confab>,
        request: &Request,
        body: Json<LoginBody>,
    ) -> ApiResult<LoggedIn> {
        let session = log_in(&app, request, body.0).await?;
        Ok(LoggedIn::Ok(Json(SessionEnvelope::new(&session, None))))
    }

    /// Current user
    ///
    /// The account the bearer token belongs to.
    #[oai(path = "/api/v1/user/me", method = "get", operation_id = "currentUser")]
    async fn me(&self, auth: BearerAuth) -> ApiResult<Profile> {
        Ok(Profile::Ok(Json(UserEnvelope {
            status: true,
            data: UserProfileDto::from(&auth.0.user),
        })))
    }

    /// Update your profile
    ///
    /// Changes your name (every room you are in gets `user.updated`, live and as a webhook) or
    /// your email (422 if another account has it; it is unverified until you follow the link
    /// mailed to it). Fields left out stay as they are. Returns your account after.
    #[oai(
        path = "/api/v1/user/me",
        method = "patch",
        operation_id = "updateProfile"
    )]
    async fn update_me(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        body: Json<UpdateProfileBody>,
    ) -> ApiResult<Profile> {
        let Json(body) = body;
        let user = app
            .update_profile(
                &auth.0,
                UpdateProfileRequest {
                    name: body.name.into_inner(),
                    email: body.email.into_inner(),
                },
            )
            .await?;
        Ok(Profile::Ok(Json(UserEnvelope {
            status: true,
            data: UserProfileDto::from(&user),
        })))
    }

    /// Delete your account
    ///
    /// For good, with your password (422 on `password` when wrong). You leave every room: a
    /// room you own passes to its earliest admin, else its earliest member, and closes when
    /// nobody is left; a direct chat closes. Your messages stay where they were as tombstones
    /// (empty, `deleted_at` set) under "Deleted user", so everyone else's pages and unread
    /// counts stay as they were; their reactions, mentions and files go. Your reactions,
    /// blocks, uploads, avatar and tokens are removed, every session ends and its sockets
    /// close, and your email is free for a new account. The rooms get `participant.removed`
    /// (and `participant.updated` for a new owner) and `user.updated` with the new name.
    #[oai(
        path = "/api/v1/user",
        method = "delete",
        operation_id = "deleteAccount"
    )]
    async fn delete_account(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        body: Json<DeleteAccountBody>,
    ) -> ApiResult<Done> {
        app.delete_account(&auth.0, &body.0.password.0).await?;
        Ok(Done::Ok(Json(StatusMessage::new("Account deleted."))))
    }

    /// Find users
    ///
    /// Everyone but you whose name or email contains `search`, by name; for picking people to
    /// invite.
    #[oai(path = "/api/v1/users", method = "get", operation_id = "searchUsers")]
    async fn search(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Text to look for in names and emails.
        search: Query<Ruled<Option<String>, SearchText>>,
        /// Page number, from 1.
        page: Query<Ruled<Option<i64>, PageNumber>>,
        /// Users per page, 1–100 (default 20).
        per_page: Query<Ruled<Option<i64>, PerPage>>,
    ) -> ApiResult<People> {
        let found = app
            .search_users(
                &caller_of(&auth, request),
                SearchUsersRequest {
                    search: search.0.0,
                    page: page.0.0,
                    per_page: per_page.0.0,
                },
            )
            .await?;
        Ok(People::Ok(Json(UserPageEnvelope {
            status: true,
            meta: PageMeta::from(&found),
            data: found.items.iter().map(UserDto::from).collect(),
        })))
    }
}
