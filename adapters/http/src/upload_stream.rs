//! An upload as it arrives: the `multipart/form-data` body of `POST …/attachments`, read part by
//! part (multer, the parser poem itself uses) and handed to the file store piece by piece —
//! never spooled to a temporary file or held whole.
//!
//! Why not poem's own types: poem-openapi's `Upload` spools every part to a temporary file before
//! the handler runs, and poem's `Multipart` feeds multer through a 4 KiB reader, which made an
//! upload copy every byte three times in 4 KiB steps, and let multer buffer whatever the socket
//! held (multer reads its input until it would wait). Here multer gets the request's own frames
//! through [`Paced`], which makes it stop every 64 KiB: its buffer stays small however
//! fast the client sends.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes};
use confab_domain::DomainError;
use confab_domain::ports::ByteSource;
use futures_util::{Stream, StreamExt, TryStreamExt};
use poem::error::ParseMultipartError;
use poem::{Body, Request, RequestBody};
use poem_openapi::error::ContentTypeError;
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchema, MetaSchemaRef};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use tokio::sync::Mutex;

mod paced;

use paced::Paced;

/// The multipart body of an upload, not yet read.
pub struct FileUpload(multer::Multipart<'static>);

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

    /// # Errors
    /// 400 (poem's `ParseMultipartError`) for a `multipart/form-data` type without a boundary.
    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let boundary = multer::parse_boundary(request.content_type().unwrap_or_default())
            .map_err(ParseMultipartError::Multipart)?;
        let frames = Paced::new(body.take()?.into_bytes_stream());
        Ok(Self(multer::Multipart::new(frames, boundary)))
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
            let Some(mut field) = field else {
                return Err(DomainError::invalid("file", "The file field is required."));
            };
            if field.name() == Some("file") {
                let name = field.file_name().unwrap_or_default().to_owned();
                let (source, leftover) = FileSource::new(Box::pin(field.map_err(cut_short)));
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
            while field.chunk().await.map_err(cut_short)?.is_some() {}
        }
    }
}

fn cut_short(error: impl std::fmt::Display) -> DomainError {
    DomainError::invalid(
        "file",
        format!("The upload is not a complete multipart body: {error}."),
    )
}

type Pieces = Pin<Box<dyn Stream<Item = Result<Bytes, DomainError>> + Send>>;

/// What a [`FileSource`] and its [`Leftover`] share: the pieces still to come, and what is left
/// of the last one.
struct Feed {
    pieces: Pieces,
    rest: Bytes,
}

/// The bytes of the `file` part (or of a whole `PUT` body), piece by piece.
pub struct FileSource {
    feed: Arc<Mutex<Feed>>,
}

/// What is left of a request body once its file stopped being read.
pub struct Leftover {
    feed: Arc<Mutex<Feed>>,
    multipart: Option<multer::Multipart<'static>>,
}

/// The most a refused upload's remaining body is read, and for how long: enough that a file a
/// little over the limit (or any small upload refused before it was read) gets its answer.
const DRAIN_BYTES: usize = 4 * 1024 * 1024;
const DRAIN_WAIT: Duration = Duration::from_secs(2);

impl FileSource {
    fn new(pieces: Pieces) -> (Self, Leftover) {
        let feed = Arc::new(Mutex::new(Feed {
            pieces,
            rest: Bytes::new(),
        }));
        let leftover = Leftover {
            feed: feed.clone(),
            multipart: None,
        };
        (Self { feed }, leftover)
    }

    /// The bytes of a whole request body as they arrive (a direct upload's `PUT`).
    pub fn from_body(body: Body) -> (Self, Leftover) {
        Self::new(Box::pin(body.into_bytes_stream().map_err(cut_short)))
    }
}

impl Feed {
    /// The next bytes not yet taken, `None` at the end.
    async fn next_bytes(&mut self) -> Result<Option<&mut Bytes>, DomainError> {
        while self.rest.is_empty() {
            // Even empty, the last piece keeps the parser's buffer shared, and a shared buffer
            // cannot be reused: let go of it before the parser reads on.
            self.rest = Bytes::new();
            match self.pieces.next().await {
                Some(piece) => self.rest = piece?,
                None => return Ok(None),
            }
        }
        Ok(Some(&mut self.rest))
    }
}

impl Leftover {
    /// After a refusal: reads and drops what is left of the body (bounded by [`DRAIN_BYTES`] and
    /// [`DRAIN_WAIT`]). A server that answers with the body unread closes a socket that still
    /// holds data, which the client sees as a reset instead of the answer; this lets the 413 or
    /// 422 reach it. A body larger than the bound is still cut off.
    pub async fn drain(self) {
        let Self { feed, multipart } = self;
        let drained = async move {
            let mut feed = feed.lock().await;
            if !drain_stream(&mut feed.pieces).await {
                return;
            }
            // The file part is done with; multer hands out the next part only once it is gone.
            feed.pieces = Box::pin(futures_util::stream::empty());
            if let Some(mut multipart) = multipart {
                while let Ok(Some(field)) = multipart.next_field().await {
                    if !drain_stream(&mut field.map_err(cut_short)).await {
                        return;
                    }
                }
            }
        };
        let _ = tokio::time::timeout(DRAIN_WAIT, drained).await;
    }
}

/// Reads `pieces` to their end unless they hold more than [`DRAIN_BYTES`] or fail: whether they
/// ended.
async fn drain_stream<S>(pieces: &mut S) -> bool
where
    S: Stream<Item = Result<Bytes, DomainError>> + Unpin,
{
    let mut drained = 0;
    while let Some(piece) = pieces.next().await {
        let Ok(piece) = piece else { return false };
        drained += piece.len();
        if drained > DRAIN_BYTES {
            return false;
        }
    }
    true
}

#[async_trait::async_trait]
impl ByteSource for FileSource {
    /// # Errors
    /// `Invalid` on `file` when the body ends before its multipart boundary (a cut connection, a
    /// body shorter than it said).
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        let mut feed = self.feed.lock().await;
        Ok(feed
            .next_bytes()
            .await?
            .map(|bytes| std::mem::take(bytes).to_vec()))
    }

    /// Copies from the parser's buffer straight into the store's: one copy, no allocation.
    async fn read_into(&mut self, buffer: &mut Vec<u8>, max: usize) -> Result<usize, DomainError> {
        let mut feed = self.feed.lock().await;
        let Some(bytes) = feed.next_bytes().await? else {
            return Ok(0);
        };
        let taken = max.max(1).min(bytes.len());
        buffer.extend_from_slice(&bytes[..taken]);
        bytes.advance(taken);
        Ok(taken)
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
