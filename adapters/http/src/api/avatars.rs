use confab_application::Confab;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, Response};
use poem_openapi::{ApiResponse, Enum, OpenApi};

use super::ApiTags;
use crate::dto::{UserEnvelope, UserProfileDto};
use crate::error::ApiResult;
use crate::file_payload::FileBody;
use crate::security::BearerAuth;
use crate::upload_stream::FileUpload;

/// Your picture, and everyone's: set or remove your own; read anyone's by its public URL.
#[derive(Default)]
pub struct AvatarsApi;

#[derive(ApiResponse)]
enum Changed {
    /// Your account after, with its new `avatar_url` (`null` once removed).
    #[oai(status = 200)]
    Ok(Json<UserEnvelope>),
}

#[derive(ApiResponse)]
enum Picture {
    /// The picture (`image/jpeg`, or `image/png` for ones with transparency). Its URL names its
    /// content, so it is cached for good: `Cache-Control: public, max-age=31536000, immutable`.
    #[oai(status = 200)]
    Ok(FileBody),
}

/// The sizes kept, in pixels a side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
enum PictureSize {
    #[oai(rename = "256")]
    Large,
    #[oai(rename = "64")]
    Small,
}

/// A year: what "for good" means to caches.
const FOREVER: &str = "public, max-age=31536000, immutable";

#[OpenApi(tag = "ApiTags::Users")]
impl AvatarsApi {
    /// Set your avatar
    ///
    /// `multipart/form-data` with one part `file`: a JPEG, PNG, GIF or WebP picture (422 on
    /// `file` otherwise; its type is read from its bytes), at most `CONFAB_UPLOAD_MAX_BYTES`
    /// (413). It is kept as a centred square at 256 and 64 px, re-encoded (no metadata survives);
    /// the upload itself is not kept. Every room you are in gets `user.updated`.
    #[oai(
        path = "/api/v1/user/avatar",
        method = "put",
        operation_id = "setAvatar"
    )]
    async fn set(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        body: FileUpload,
    ) -> ApiResult<Changed> {
        let (_name, source, leftover) = body.file().await?;
        let user = match app.set_avatar(&auth.0, Box::new(source)).await {
            Ok(user) => user,
            Err(refusal) => {
                leftover.drain().await;
                return Err(refusal.into());
            }
        };
        Ok(changed(&user))
    }

    /// Remove your avatar
    ///
    /// Your `avatar_url` becomes `null`; every room you are in gets `user.updated`. Removing
    /// none is no error.
    #[oai(
        path = "/api/v1/user/avatar",
        method = "delete",
        operation_id = "removeAvatar"
    )]
    async fn remove(&self, app: Data<&Confab>, auth: BearerAuth) -> ApiResult<Changed> {
        let user = app.remove_avatar(&auth.0).await?;
        Ok(changed(&user))
    }

    /// An avatar
    ///
    /// What an `avatar_url` opens: public (avatars are shown wherever the name is), 256 px, or
    /// 64 px with `size=64`. A replaced or removed picture's URL is 404.
    #[oai(
        path = "/api/v1/avatars/:file",
        method = "get",
        operation_id = "getAvatar"
    )]
    async fn get(
        &self,
        app: Data<&Confab>,
        /// `{user id}-{content hash}.{jpg|png}`, as `avatar_url` names it.
        file: Path<String>,
        /// 256 (the default) or 64.
        size: Query<Option<PictureSize>>,
    ) -> ApiResult<Response<Picture>> {
        let pixels = size.0.map(|size| match size {
            PictureSize::Large => 256,
            PictureSize::Small => 64,
        });
        let (bytes, content_type) = app.avatar_file(&file.0, pixels).await?;
        let length = bytes.len();
        Ok(
            Response::new(Picture::Ok(FileBody(poem::Body::from_vec(bytes))))
                .header("Content-Type", content_type)
                .header("Content-Length", length.to_string())
                .header("Cache-Control", FOREVER)
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Security-Policy", "sandbox"),
        )
    }
}

fn changed(user: &confab_domain::User) -> Changed {
    Changed::Ok(Json(UserEnvelope {
        status: true,
        data: UserProfileDto::from(user),
    }))
}
