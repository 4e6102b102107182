use confab_application::Confab;
use confab_application::use_cases::download_attachment::Download;
use confab_domain::attachment::{RequestedRange, Requester, Variant};
use confab_domain::ports::{ByteSource, Retrieval};
use confab_domain::{AttachmentId, ConversationId, DomainError, FileName};
use poem::web::Data;
use poem::{Body, Request};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Json, Response};
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::attachment_links::links;
use crate::dto::{AttachmentDto, AttachmentEnvelope};
use crate::error::{ApiError, ApiResult};
use crate::file_payload::FileBody;
use crate::security::{BearerAuth, caller_of};
use crate::upload_stream::FileUpload;

/// Files in conversations: upload, then send with `attachment_ids`; download by id or by the
/// signed `url` of an attachment object.
#[derive(Default)]
pub struct AttachmentsApi;

#[derive(ApiResponse)]
enum Uploaded {
    /// Stored, not yet in a message: send it with `attachment_ids`. Uploads never sent are
    /// removed after `CONFAB_UPLOAD_ORPHAN_TTL` (24 h by default).
    #[oai(status = 201)]
    Created(Json<AttachmentEnvelope>),
}

#[derive(ApiResponse)]
pub(super) enum Downloaded {
    /// The file. `Content-Type` is the type read from its bytes; `Content-Disposition` is
    /// `attachment` for every type a browser could run script in (only images, audio and video of
    /// script-free formats are `inline`); `ETag` is its SHA-256.
    #[oai(status = 200)]
    Whole(FileBody),
    /// The part of it named by `Range` (one range; `Content-Range` says which).
    #[oai(status = 206)]
    Part(FileBody),
    /// With an S3 store: the file is at `Location`, a presigned link as short-lived as this one.
    #[oai(status = 302)]
    Elsewhere(#[oai(header = "Location")] String),
}

/// `Range: bytes=a-b | a- | -n`; anything else (several ranges, other units, nonsense) is not a
/// range the server honours, so the whole file is sent (RFC 9110 allows ignoring it).
pub(super) fn requested_range(header: Option<&str>) -> Option<RequestedRange> {
    let spec = header?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match (first.trim().is_empty(), last.trim().is_empty()) {
        (true, false) => Some(RequestedRange::Suffix(number(last)?)),
        (false, true) => Some(RequestedRange::From {
            first: number(first)?,
            last: None,
        }),
        (false, false) => Some(RequestedRange::From {
            first: number(first)?,
            last: Some(number(last)?),
        }),
        (true, true) => None,
    }
}

/// `Content-Disposition` (RFC 6266): the name as an ASCII fallback and, exactly, as
/// `filename*` in UTF-8.
pub(super) fn disposition(name: &FileName, inline: bool) -> String {
    let fallback: String = name
        .as_str()
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let encoded: String = name
        .as_str()
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The stored bytes as a response body, read as the client takes them.
fn streamed(source: Box<dyn ByteSource>) -> Body {
    let chunks = futures_util::stream::unfold(source, |mut source| async move {
        match source.next_chunk().await {
            Ok(Some(chunk)) => Some((Ok(bytes::Bytes::from(chunk)), source)),
            Ok(None) => None,
            Err(error) => Some((Err(std::io::Error::other(error.to_string())), source)),
        }
    });
    Body::from_bytes_stream(chunks)
}

pub(super) fn answer(download: Download) -> Response<Downloaded> {
    let length = download.range.map_or(download.size, |r| r.len());
    let partial = download.range.is_some();
    let body = match download.retrieval {
        Retrieval::Redirect(url) => {
            return Response::new(Downloaded::Elsewhere(url)).header("Cache-Control", "no-store");
        }
        Retrieval::Stream(source) => FileBody(streamed(source)),
    };
    let mut response = Response::new(if partial {
        Downloaded::Part(body)
    } else {
        Downloaded::Whole(body)
    })
    .header("Content-Type", download.content_type.as_str())
    .header("Content-Length", length.to_string())
    .header(
        "Content-Disposition",
        disposition(&download.name, download.inline),
    )
    .header("ETag", format!("\"{}\"", download.etag))
    .header("Accept-Ranges", "bytes")
    .header("Cache-Control", "private, max-age=3600")
    .header("X-Content-Type-Options", "nosniff")
    .header("Content-Security-Policy", "sandbox");
    if let Some(range) = download.range {
        response = response.header(
            "Content-Range",
            format!("bytes {}-{}/{}", range.first, range.last, download.size),
        );
    }
    response
}

/// Who asks: the bearer token's user when there is one (checked as every operation checks it),
/// else whoever holds a valid signed link.
async fn requester(
    app: &Confab,
    request: &Request,
    id: AttachmentId,
    variant: Variant,
    expires: Option<i64>,
    signature: Option<&str>,
) -> ApiResult<Requester> {
    if let Some(token) = request
        .header("Authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
    {
        let signed_in = app.authenticate(token.trim()).await?;
        return Ok(Requester::User(signed_in.caller().user));
    }
    match (expires, signature) {
        (Some(expires), Some(signature)) => {
            let now = chrono::Utc::now().timestamp();
            if links().verify(id, variant, expires, signature, now) {
                Ok(Requester::SignedLink)
            } else {
                Err(ApiError::from(DomainError::AttachmentLinkExpired))
            }
        }
        _ => Err(DomainError::Unauthenticated.into()),
    }
}

#[OpenApi(tag = "ApiTags::Attachments")]
impl AttachmentsApi {
    /// Upload a file
    ///
    /// `multipart/form-data` with one part `file`. The file is stored as it arrives (never held
    /// whole) and counted against `CONFAB_UPLOAD_MAX_BYTES` (25 MiB by default: 413 beyond,
    /// nothing kept). Its `content_type` is read from its bytes; JPEG, PNG, GIF and WebP images
    /// get `width`, `height` and a thumbnail, and lose their metadata (EXIF, with any GPS
    /// position) from the stored copy. Participants only; a closed room takes no files (422).
    #[oai(
        path = "/api/v1/conversations/:id/attachments",
        method = "post",
        operation_id = "uploadAttachment"
    )]
    async fn upload(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        body: FileUpload,
    ) -> ApiResult<Uploaded> {
        let caller = caller_of(&auth, request);
        let (name, source, leftover) = body.file().await?;
        let uploaded = app
            .upload_attachment(&caller, ConversationId(id.0), &name, Box::new(source))
            .await;
        let attachment = match uploaded {
            Ok(attachment) => attachment,
            Err(refusal) => {
                leftover.drain().await;
                return Err(refusal.into());
            }
        };
        Ok(Uploaded::Created(Json(AttachmentEnvelope {
            status: true,
            message: "Attachment uploaded.".into(),
            data: AttachmentDto::from(&attachment),
        })))
    }

    /// Download a file
    ///
    /// With `Authorization: Bearer …` (participants of its conversation; until it is sent, only
    /// its uploader; a removed or banned member gets 404 from the moment of removal), or without
    /// it through the signed `url` of an attachment object (`expires` and `signature`), which
    /// works until it expires (`CONFAB_ATTACHMENT_URL_TTL`, 1 h by default; 403 after). Supports
    /// one `Range` (206, or 416 past the end).
    #[oai(
        path = "/api/v1/attachments/:id",
        method = "get",
        operation_id = "downloadAttachment"
    )]
    async fn download(
        &self,
        app: Data<&Confab>,
        request: &Request,
        /// Attachment id.
        id: Path<i64>,
        /// From a signed `url`: when it expires (Unix seconds).
        expires: Query<Option<i64>>,
        /// From a signed `url`: its signature.
        signature: Query<Option<String>>,
        /// `bytes=first-last`, `bytes=first-` or `bytes=-count`.
        #[oai(name = "Range")]
        range: Header<Option<String>>,
    ) -> ApiResult<Response<Downloaded>> {
        self.serve(
            &app,
            request,
            id.0,
            Variant::Original,
            expires.0,
            signature.0,
            range.0,
        )
        .await
    }

    /// Download a thumbnail
    ///
    /// An image's thumbnail (at most 320 px on its longer side, no metadata), with the same
    /// access rules as the file; 404 for a file that has none.
    #[oai(
        path = "/api/v1/attachments/:id/thumbnail",
        method = "get",
        operation_id = "downloadAttachmentThumbnail"
    )]
    async fn thumbnail(
        &self,
        app: Data<&Confab>,
        request: &Request,
        /// Attachment id.
        id: Path<i64>,
        /// From a signed `thumbnail_url`: when it expires (Unix seconds).
        expires: Query<Option<i64>>,
        /// From a signed `thumbnail_url`: its signature.
        signature: Query<Option<String>>,
        /// `bytes=first-last`, `bytes=first-` or `bytes=-count`.
        #[oai(name = "Range")]
        range: Header<Option<String>>,
    ) -> ApiResult<Response<Downloaded>> {
        self.serve(
            &app,
            request,
            id.0,
            Variant::Thumbnail,
            expires.0,
            signature.0,
            range.0,
        )
        .await
    }
}

impl AttachmentsApi {
    #[allow(clippy::too_many_arguments)]
    async fn serve(
        &self,
        app: &Confab,
        request: &Request,
        id: i64,
        variant: Variant,
        expires: Option<i64>,
        signature: Option<String>,
        range: Option<String>,
    ) -> ApiResult<Response<Downloaded>> {
        let id = AttachmentId(id);
        let who = requester(app, request, id, variant, expires, signature.as_deref()).await?;
        let download = app
            .download_attachment(
                who,
                id,
                variant,
                requested_range(range.as_deref()),
                disposition,
                links().lifetime(),
            )
            .await?;
        Ok(answer(download))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_writes_them_and_the_rest_ignored() {
        assert_eq!(
            requested_range(Some("bytes=0-99")),
            Some(RequestedRange::From {
                first: 0,
                last: Some(99)
            })
        );
        assert_eq!(
            requested_range(Some("bytes=100-")),
            Some(RequestedRange::From {
                first: 100,
                last: None
            })
        );
        assert_eq!(
            requested_range(Some("bytes=-5")),
            Some(RequestedRange::Suffix(5))
        );
        for ignored in ["bytes=0-1,5-6", "items=0-1", "bytes=-", "bytes=a-b", ""] {
            assert_eq!(requested_range(Some(ignored)), None, "{ignored}");
        }
    }

    #[test]
    fn a_file_name_goes_into_the_header_safely_and_exactly() {
        let name = FileName::sanitize("résumé \"final\".pdf");
        assert_eq!(
            disposition(&name, false),
            "attachment; filename=\"r_sum_ _final_.pdf\"; \
             filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf"
        );
        assert!(disposition(&FileName::sanitize("a.png"), true).starts_with("inline; "));
    }
}
