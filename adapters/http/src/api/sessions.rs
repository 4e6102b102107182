use confab_application::Confab;
use confab_application::use_cases::change_password::ChangePasswordRequest;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, Done};
use crate::dto::{ChangePasswordBody, SessionEnvelope, StatusMessage};
use crate::error::ApiResult;
use crate::security::BearerAuth;

/// The session a token belongs to: end it, renew its token, or change the password (which ends
/// the others). Every node sees the change at once: sessions live in the database.
#[derive(Default)]
pub struct SessionsApi;

#[derive(ApiResponse)]
enum Renewed {
    #[oai(status = 200)]
    Ok(Json<SessionEnvelope>),
}

#[OpenApi(tag = "ApiTags::Users")]
impl SessionsApi {
    /// Log out
    ///
    /// Ends the session the token belongs to: the token is a 401 from now on, on every node, and
    /// the realtime connections it opened or authorized are closed.
    #[oai(path = "/api/v1/user/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, app: Data<&Confab>, auth: BearerAuth) -> ApiResult<Done> {
        app.logout(&auth.0).await?;
        Ok(Done::Ok(Json(StatusMessage::new("Logged out."))))
    }

    /// Refresh the token
    ///
    /// A new token for the same session, in the login shape; the token presented is a 401 from
    /// now on. The session's realtime connections stay open.
    #[oai(
        path = "/api/v1/user/refresh",
        method = "post",
        operation_id = "refreshToken"
    )]
    async fn refresh(&self, app: Data<&Confab>, auth: BearerAuth) -> ApiResult<Renewed> {
        let session = app.refresh_session(&auth.0).await?;
        Ok(Renewed::Ok(Json(SessionEnvelope::new(&session, None))))
    }

    /// Change password
    ///
    /// Needs the current password (a wrong one is a 422 on `current_password`). Every other
    /// session of the account ends — their tokens are 401, their realtime connections closed;
    /// this token keeps working.
    #[oai(
        path = "/api/v1/user/password",
        method = "put",
        operation_id = "changePassword"
    )]
    async fn change_password(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        body: Json<ChangePasswordBody>,
    ) -> ApiResult<Done> {
        let Json(body) = body;
        app.change_password(
            &auth.0,
            ChangePasswordRequest {
                current_password: body.current_password.into_inner(),
                password: body.password.into_inner(),
            },
        )
        .await?;
        Ok(Done::Ok(Json(StatusMessage::new("Password changed."))))
    }
}
