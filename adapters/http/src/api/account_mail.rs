use confab_application::Confab;
use confab_application::use_cases::reset_password::ResetPasswordRequest;
use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, Done};
use crate::dto::{
    ForgotPasswordBody, ResetPasswordBody, StatusMessage, UserProfileDto, VerifiedEnvelope,
    VerifyEmailBody,
};
use crate::error::ApiResult;
use crate::security::{BearerAuth, client_address};

/// What "forgot password" answers, whether the email has an account or not.
const RESET_LINK_SENT: &str =
    "If an account with that email exists, we have sent it a password reset link.";

/// The operations that go by mail: proving an email, and a new password without the old one.
#[derive(Default)]
pub struct AccountMailApi;

#[derive(ApiResponse)]
enum Verified {
    /// `{"status": true, "message": "Email verified.", "data": <your account>}`.
    #[oai(status = 200)]
    Ok(Json<VerifiedEnvelope>),
}

#[OpenApi(tag = "ApiTags::Users")]
impl AccountMailApi {
    /// Verify your email
    ///
    /// Sends back the code of a verification mail (registration and an email change send one;
    /// the link in it opens the web page, which calls this). No token needed: the code is the
    /// proof. A wrong, used or expired code — or one for an email the account has since left —
    /// is 422 on `token`.
    #[oai(
        path = "/api/v1/user/email/verify",
        method = "post",
        operation_id = "verifyEmail"
    )]
    async fn verify(&self, app: Data<&Confab>, body: Json<VerifyEmailBody>) -> ApiResult<Verified> {
        let user = app.verify_email(&body.0.token.into_inner()).await?;
        Ok(Verified::Ok(Json(VerifiedEnvelope {
            status: true,
            message: "Email verified.".into(),
            data: UserProfileDto::from(&user),
        })))
    }

    /// Send the verification mail again
    ///
    /// At most one a minute (429 with `Retry-After` before then). An email already verified gets
    /// no mail, and the answer says so.
    #[oai(
        path = "/api/v1/user/email/resend",
        method = "post",
        operation_id = "resendVerification"
    )]
    async fn resend(&self, app: Data<&Confab>, auth: BearerAuth) -> ApiResult<Done> {
        let message = if app.resend_verification(&auth.0).await? {
            "Verification link sent."
        } else {
            "Your email address is already verified."
        };
        Ok(Done::Ok(Json(StatusMessage::new(message))))
    }

    /// Forgot password
    ///
    /// Mails a single-use reset code (and a link to the web page with it), valid for 60 minutes,
    /// to the account with this email. The answer is the same whether or not such an account
    /// exists. One client address may ask 5 times a minute (then 429 with `Retry-After`); one
    /// email gets at most one mail a minute, however often it is asked for.
    #[oai(
        path = "/api/v1/user/password/forgot",
        method = "post",
        operation_id = "forgotPassword"
    )]
    async fn forgot(
        &self,
        app: Data<&Confab>,
        request: &Request,
        body: Json<ForgotPasswordBody>,
    ) -> ApiResult<Done> {
        let due = app
            .forgot_password(&body.0.email.into_inner(), &client_address(request))
            .await?;
        if let Some(email) = due {
            // Not awaited: how long storing takes (an account or none) must not show in the
            // answer's timing. The mail itself is durable once this commits.
            let app = app.0.clone();
            tokio::spawn(async move {
                if let Err(error) = app.request_reset_mail(&email).await {
                    tracing::warn!(%error, "a password reset mail was not queued");
                }
            });
        }
        Ok(Done::Ok(Json(StatusMessage::new(RESET_LINK_SENT))))
    }

    /// Reset password
    ///
    /// Sets a new password with the code of a reset mail. The code works once, for 60 minutes,
    /// with the email it was sent to (else 422 on `token`); using it ends every session of the
    /// account (their tokens are 401, their realtime connections closed) and makes the other
    /// codes mailed to it useless. Log in with the new password afterwards.
    #[oai(
        path = "/api/v1/user/password/reset",
        method = "post",
        operation_id = "resetPassword"
    )]
    async fn reset(
        &self,
        app: Data<&Confab>,
        request: &Request,
        body: Json<ResetPasswordBody>,
    ) -> ApiResult<Done> {
        let Json(body) = body;
        app.reset_password(ResetPasswordRequest {
            email: body.email.into_inner(),
            token: body.token.into_inner(),
            password: body.password.into_inner(),
            address: client_address(request),
        })
        .await?;
        Ok(Done::Ok(Json(StatusMessage::new(
            "Your password has been reset.",
        ))))
    }
}
