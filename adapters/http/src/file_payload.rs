//! A download's body as the document describes it: bytes of any type (`*/*`). poem-openapi's
//! `Binary` documents `application/octet-stream` only, while a download answers with the type read
//! from the file (`image/png`, `application/pdf`, …), set by the operation's own headers.

use poem::{Body, IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{
    MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry,
};

/// Streamed file bytes; the operation sets `Content-Type`.
pub struct FileBody(pub Body);

impl Payload for FileBody {
    const CONTENT_TYPE: &'static str = "*/*";

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            format: Some("binary"),
            ..MetaSchema::new("string")
        }))
    }
}

impl IntoResponse for FileBody {
    fn into_response(self) -> Response {
        Response::builder().body(self.0)
    }
}

impl ApiResponse for FileBody {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: Self::CONTENT_TYPE,
                    schema: Self::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(_registry: &mut Registry) {}
}
