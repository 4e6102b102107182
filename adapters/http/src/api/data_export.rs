use confab_application::Confab;
use confab_application::use_cases::data_export::ExportHolder;
use confab_domain::{AccountToken, DomainError};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Header, Query};
use poem_openapi::payload::{Json, Response};
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::attachments::{Downloaded, answer, disposition, requested_range};
use crate::attachment_links::links;
use crate::dto::{DataExportDto, DataExportEnvelope};
use crate::error::{ApiError, ApiResult};
use crate::security::BearerAuth;

/// A copy of everything you have here, as one ZIP: ask, wait for the mail, download.
#[derive(Default)]
pub struct DataExportApi;

#[derive(ApiResponse)]
enum Requested {
    /// Queued (or already under way: the same export). A server builds it in the background
    /// and mails a download link that works for 24 hours.
    #[oai(status = 202)]
    Accepted(Json<DataExportEnvelope>),
}

#[derive(ApiResponse)]
enum Status {
    /// Your latest export.
    #[oai(status = 200)]
    Ok(Json<DataExportEnvelope>),
}

fn envelope(message: &str, export: &confab_domain::DataExport) -> Json<DataExportEnvelope> {
    Json(DataExportEnvelope {
        status: true,
        message: message.to_owned(),
        data: DataExportDto::from(export),
    })
}

#[OpenApi(tag = "ApiTags::Users")]
impl DataExportApi {
    /// Export your data
    ///
    /// Queues a ZIP of your profile, your rooms, the messages you wrote, the reactions you gave
    /// and the files you uploaded. It is built in the background; when it is ready a mail with a
    /// download link (valid 24 hours) goes to your email, and `GET /api/v1/user/export` says
    /// `ready`. Asking while one is queued or being built answers with that one; another may be
    /// asked for 10 minutes after the last (429 with `Retry-After` before then).
    #[oai(
        path = "/api/v1/user/export",
        method = "post",
        operation_id = "requestDataExport"
    )]
    async fn request(&self, app: Data<&Confab>, auth: BearerAuth) -> ApiResult<Requested> {
        let (export, queued) = app.request_export(&auth.0).await?;
        let message = if queued {
            "Data export requested."
        } else {
            "A data export is already being prepared."
        };
        Ok(Requested::Accepted(envelope(message, &export)))
    }

    /// Your data export's status
    ///
    /// Your latest export: `queued`, `building`, `ready` (download it), `failed` or `expired`.
    /// 404 if you never asked for one.
    #[oai(
        path = "/api/v1/user/export",
        method = "get",
        operation_id = "getDataExport"
    )]
    async fn status(&self, app: Data<&Confab>, auth: BearerAuth) -> ApiResult<Status> {
        let export = app.export_status(&auth.0).await?;
        Ok(Status::Ok(envelope("Data export.", &export)))
    }

    /// Download your data export
    ///
    /// The ZIP, with a bearer token (your latest export, 404 until it is ready) or with the
    /// `token` of the link in the mail (no `Authorization` needed; 403 once the link expired).
    /// Supports one `Range` (206). With an S3 store, a 302 to a short-lived presigned link.
    #[oai(
        path = "/api/v1/user/export/download",
        method = "get",
        operation_id = "downloadDataExport"
    )]
    async fn download(
        &self,
        app: Data<&Confab>,
        request: &Request,
        /// From the mail's link.
        token: Query<Option<String>>,
        /// `bytes=first-last`, `bytes=first-` or `bytes=-count`.
        #[oai(name = "Range")]
        range: Header<Option<String>>,
    ) -> ApiResult<Response<Downloaded>> {
        let holder = match (
            request
                .header("Authorization")
                .and_then(|h| h.strip_prefix("Bearer ")),
            token.0,
        ) {
            (Some(bearer), _) => {
                ExportHolder::User(app.authenticate(bearer.trim()).await?.caller().user)
            }
            (None, Some(token)) => ExportHolder::Link(
                AccountToken::parse(&token)
                    .map_err(|_| ApiError::from(DomainError::AttachmentLinkExpired))?,
            ),
            (None, None) => return Err(DomainError::Unauthenticated.into()),
        };
        let download = app
            .download_export(
                holder,
                requested_range(range.0.as_deref()),
                disposition,
                links().lifetime(),
            )
            .await?;
        Ok(answer(download))
    }
}
