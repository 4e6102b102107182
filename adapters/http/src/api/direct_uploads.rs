use confab_application::Confab;
use confab_application::use_cases::direct_upload::Announcement;
use confab_domain::attachment::direct_upload::DirectUpload;
use confab_domain::ports::UploadTarget;
use confab_domain::{ConversationId, DomainError};
use poem::web::Data;
use poem::{Body, Request};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::attachment_links::links;
use crate::dto::{
    AttachmentDto, AttachmentEnvelope, DirectUploadBody, StatusMessage, UploadTargetDto,
    UploadTargetEnvelope, rfc3339_micros,
};
use crate::error::ApiResult;
use crate::security::{BearerAuth, caller_of};
use crate::upload_stream::FileSource;

/// Large files straight to the store: announce, send the bytes where you are told, complete.
#[derive(Default)]
pub struct DirectUploadsApi;

#[derive(ApiResponse)]
enum Announced {
    /// Send the bytes to `url` with `method` and `headers` before `expires_at`, then complete.
    #[oai(status = 201)]
    Created(Json<UploadTargetEnvelope>),
}

#[derive(ApiResponse)]
enum Received {
    /// The bytes are stored; complete the upload to check them and get the attachment.
    #[oai(status = 200)]
    Ok(Json<StatusMessage>),
}

#[derive(ApiResponse)]
enum Completed {
    /// The bytes match the announcement: the attachment, ready to send.
    #[oai(status = 201)]
    Created(Json<AttachmentEnvelope>),
}

/// The target the store gave, or this server's own signed `PUT` (a local folder).
fn target_of(upload: &DirectUpload, target: Option<UploadTarget>) -> UploadTargetDto {
    let (method, url, headers) = match target {
        Some(target) => (
            target.method,
            target.url,
            target.headers.into_iter().collect(),
        ),
        None => (
            "PUT".to_owned(),
            links().upload_link(&upload.id, upload.expires_at.timestamp()),
            [(
                "Content-Type".to_owned(),
                "application/octet-stream".to_owned(),
            )]
            .into(),
        ),
    };
    UploadTargetDto {
        upload_id: upload.id.clone(),
        method,
        url,
        headers,
        expires_at: rfc3339_micros(upload.expires_at).into(),
    }
}

#[OpenApi(tag = "ApiTags::Attachments")]
impl DirectUploadsApi {
    /// Announce a large file
    ///
    /// For files too large to send through the API (up to `CONFAB_DIRECT_UPLOAD_MAX_BYTES`,
    /// 2 GiB by default; 413 beyond): give the name, size and SHA-256, then `PUT` the bytes to
    /// the `url` answered (a presigned S3 URL — the server never carries them — or, on a local
    /// store, this server's own streaming `PUT`) within 15 minutes, then complete. Participants
    /// only; 422 in a closed room or for a malformed `sha256`.
    #[oai(
        path = "/api/v1/conversations/:id/attachments/uploads",
        method = "post",
        operation_id = "announceUpload"
    )]
    async fn announce(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        body: Json<DirectUploadBody>,
    ) -> ApiResult<Announced> {
        let caller = caller_of(&auth, request);
        let announcement = Announcement {
            name: &body.name.0,
            size: body.size,
            sha256: &body.sha256.0,
        };
        let (upload, target) = app
            .announce_direct_upload(&caller, ConversationId(id.0), announcement)
            .await?;
        Ok(Announced::Created(Json(UploadTargetEnvelope {
            status: true,
            message: "Upload ready.".into(),
            data: target_of(&upload, target),
        })))
    }

    /// Send a large file's bytes (local store)
    ///
    /// The `url` of an announcement on a server that keeps files in a local folder: the whole
    /// body is the file, streamed to the store and counted against the announced size (413
    /// beyond). No `Authorization` header: the URL is signed (403 once it expires or if altered).
    #[oai(
        path = "/api/v1/attachments/uploads/:upload_id",
        method = "put",
        operation_id = "sendUploadBytes"
    )]
    async fn receive(
        &self,
        app: Data<&Confab>,
        /// From the announcement.
        upload_id: Path<String>,
        /// From the signed `url`: when it expires (Unix seconds).
        expires: Query<i64>,
        /// From the signed `url`: its signature.
        signature: Query<String>,
        body: Binary<Body>,
    ) -> ApiResult<Received> {
        let now = chrono::Utc::now().timestamp();
        if !links().verify_upload(&upload_id.0, expires.0, &signature.0, now) {
            return Err(DomainError::AttachmentLinkExpired.into());
        }
        let (source, leftover) = FileSource::from_body(body.0);
        if let Err(refusal) = app
            .receive_direct_upload(&upload_id.0, Box::new(source))
            .await
        {
            leftover.drain().await;
            return Err(refusal.into());
        }
        Ok(Received::Ok(Json(StatusMessage {
            status: true,
            message: "Upload received.".into(),
        })))
    }

    /// Complete a large file
    ///
    /// Checks the bytes that arrived against the announcement: 201 with the attachment when they
    /// match; 422 naming `size` or `sha256` when they do not (the bytes are removed; send them
    /// again before the announcement expires), or `upload_id` when nothing has arrived.
    #[oai(
        path = "/api/v1/conversations/:id/attachments/uploads/:upload_id/complete",
        method = "post",
        operation_id = "completeUpload"
    )]
    async fn complete(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// From the announcement.
        upload_id: Path<String>,
    ) -> ApiResult<Completed> {
        let caller = caller_of(&auth, request);
        let attachment = app
            .complete_direct_upload(&caller, ConversationId(id.0), &upload_id.0)
            .await?;
        Ok(Completed::Created(Json(AttachmentEnvelope {
            status: true,
            message: "Attachment uploaded.".into(),
            data: AttachmentDto::from(&attachment),
        })))
    }
}
