//! An upload as it arrives: the `multipart/form-data` body of `POST …/attachments`, read part by
//! part (poem's multipart parser, multer) and handed to the file store piece by piece — never
//! spooled to a temporary file or held whole (poem-openapi's own `Upload` spools every part before
//! the handler runs, which is why this payload is our own).

use confab_domain::DomainError;
use confab_domain::ports::ByteSource;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use poem::web::Multipart;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::error::ContentTypeError;
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchema, MetaSchemaRef};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::Mutex;

/// How much one read takes from the socket: large enough that a fast upload costs few calls,
/// small enough that 20 parallel uploads hold little.
const CHUNK_BYTES: usize = 256 * 1024;

/// The multipart body of an upload, not yet read.
pub struct FileUpload(Multipart);

impl Payload for FileUpload {
    const CONTENT_TYPE: &'static str = "multipart/form-data";

    fn check_content_type(content_type: &str) -> bool {
        content_type
            .split(';')
            .next()
            .is_some_and(|kind| kind.trim().eq_ignore_ascii_case(Self::CONTENT_TYPE))
    }

    fn schema_ref() -> MetaSchemaRef {
        let file = MetaSchemaRef::Inline(Box::new(MetaSchema {
            format: Some("binary"),
            description: Some("The file; its name is kept (made safe), its type read from it."),
            ..MetaSchema::new("string")
        }));
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            properties: vec![("file", file)],
            required: vec!["file"],
            ..MetaSchema::new("object")
        }))
    }
}

impl ParsePayload for FileUpload {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        Ok(Self(
            <Multipart as FromRequest>::from_request(request, body).await?,
        ))
    }
}

impl FileUpload {
    /// The `file` part (other parts are skipped) with the client's file name, ready to be read.
    ///
    /// # Errors
    /// `Invalid` on `file` when the body has no such part or is not multipart.
    pub async fn file(mut self) -> Result<(String, FileSource, Leftover), DomainError> {
        loop {
            let field = self.0.next_field().await.map_err(cut_short)?;
            let Some(field) = field else {
                return Err(DomainError::invalid("file", "The file field is required."));
            };
            if field.name() == Some("file") {
                let name = field.file_name().unwrap_or_default().to_owned();
                let (source, leftover) = FileSource::new(Box::pin(field.into_async_read()));
                return Ok((
                    name,
                    source,
                    Leftover {
                        multipart: Some(self.0),
                        ..leftover
                    },
                ));
            }
            // Another part: read past it (bounded by the request's own limits).
            let mut skipped = Box::pin(field.into_async_read());
            tokio::io::copy(&mut skipped, &mut tokio::io::sink())
                .await
                .map_err(cut_short)?;
        }
    }
}

fn cut_short(error: impl std::fmt::Display) -> DomainError {
    DomainError::invalid(
        "file",
        format!("The upload is not a complete multipart body: {error}."),
    )
}

type Reader = Pin<Box<dyn AsyncRead + Send>>;

/// The bytes of the `file` part (or of a whole `PUT` body), piece by piece.
pub struct FileSource {
    reader: Arc<Mutex<Reader>>,
}

/// What is left of a request body once its file stopped being read.
pub struct Leftover {
    reader: Arc<Mutex<Reader>>,
    multipart: Option<Multipart>,
}

/// The most a refused upload's remaining body is read, and for how long: enough that a file a
/// little over the limit (or any small upload refused before it was read) gets its answer.
const DRAIN_BYTES: u64 = 4 * 1024 * 1024;
const DRAIN_WAIT: Duration = Duration::from_secs(2);

impl FileSource {
    fn new(reader: Reader) -> (Self, Leftover) {
        let reader = Arc::new(Mutex::new(reader));
        let leftover = Leftover {
            reader: reader.clone(),
            multipart: None,
        };
        (Self { reader }, leftover)
    }

    /// The bytes of a whole request body as they arrive (a direct upload's `PUT`).
    pub fn from_reader(reader: impl AsyncRead + Send + 'static) -> (Self, Leftover) {
        Self::new(Box::pin(reader))
    }
}

impl Leftover {
    /// After a refusal: reads and drops what is left of the body (bounded by [`DRAIN_BYTES`] and
    /// [`DRAIN_WAIT`]). A server that answers with the body unread closes a socket that still
    /// holds data, which the client sees as a reset instead of the answer; this lets the 413 or
    /// 422 reach it. A body larger than the bound is still cut off.
    pub async fn drain(self) {
        let Self { reader, multipart } = self;
        let drained = async move {
            let mut reader = reader.lock().await;
            let mut bounded = (&mut *reader).take(DRAIN_BYTES);
            if tokio::io::copy(&mut bounded, &mut tokio::io::sink())
                .await
                .is_err()
            {
                return;
            }
            if let Some(mut multipart) = multipart {
                while let Ok(Some(field)) = multipart.next_field().await {
                    let mut rest = Box::pin(field.into_async_read()).take(DRAIN_BYTES);
                    if tokio::io::copy(&mut rest, &mut tokio::io::sink())
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        };
        let _ = tokio::time::timeout(DRAIN_WAIT, drained).await;
    }
}

#[async_trait::async_trait]
impl ByteSource for FileSource {
    /// # Errors
    /// `Invalid` on `file` when the body ends before its multipart boundary (a cut connection, a
    /// body shorter than it said).
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        let mut reader = self.reader.lock().await;
        let mut chunk = Vec::with_capacity(CHUNK_BYTES);
        while chunk.len() < CHUNK_BYTES {
            let read = (&mut *reader)
                .take((CHUNK_BYTES - chunk.len()) as u64)
                .read_to_end(&mut chunk)
                .await
                .map_err(cut_short)?;
            if read == 0 {
                break;
            }
        }
        Ok((!chunk.is_empty()).then_some(chunk))
    }
}

/// Lets an operation take the upload as its body and documents it as a request body (what
/// poem-openapi's own payloads get from its internal macro).
impl<'a> ApiExtractor<'a> for FileUpload {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: Self::CONTENT_TYPE,
                schema: Self::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _options: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(kind) if Self::check_content_type(kind) => {
                <Self as ParsePayload>::from_request(request, body).await
            }
            Some(kind) => Err(ContentTypeError::NotSupported {
                content_type: kind.to_owned(),
            }
            .into()),
            None => Err(ContentTypeError::ExpectContentType.into()),
        }
    }
}
