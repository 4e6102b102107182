//! The [`FileStore`] over `object_store`: one implementation for a folder and for S3.

use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use confab_domain::DomainError;
use confab_domain::ports::{
    ByteRange, ByteSource, FileStore, Presentation, Retrieval, StoredFile, UploadTarget,
};
use futures_util::StreamExt;
use object_store::aws::AmazonS3;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::signer::{Method, SignedUrlOptions, Signer};
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::{self, Location, S3Settings};
use crate::download::bytes_of;
use crate::errors::{object_path, store_error};
use crate::upload::{Meter, PartWriter};

/// Attachments in a folder (`file:///…`) or an S3-compatible bucket (`s3://…`).
///
/// The two differ in one thing only, how a download reaches the client: a folder's bytes go
/// through this node ([`Retrieval::Stream`]); a bucket's come from S3 itself through a presigned
/// GET ([`Retrieval::Redirect`]), so the node never carries them. The presigned URL carries
/// `response-content-type` and `response-content-disposition`, covered by its signature, so S3
/// answers with the type and disposition the use case chose and a client cannot change them.
pub struct ObjectFileStore {
    store: Arc<dyn ObjectStore>,
    delivery: Delivery,
    description: String,
}

enum Delivery {
    Stream(Arc<LocalFileSystem>),
    Presigned(Arc<AmazonS3>),
}

impl ObjectFileStore {
    /// The store that `url` names: `file:///absolute/folder` or `s3://bucket` (with `s3`).
    ///
    /// # Errors
    /// A message fit for a startup failure: a URL of another scheme, a relative path, a bucket
    /// URL with a path, half a credential pair, a folder that cannot be created.
    pub fn open(url: &str, s3: S3Settings) -> Result<Self, String> {
        match config::parse_url(url)? {
            Location::Folder(folder) => Self::local(&folder),
            Location::Bucket(bucket) => Self::s3(&bucket, &s3),
        }
    }

    /// Files under `folder`, which is created when missing.
    ///
    /// # Errors
    /// A folder that cannot be created or resolved.
    pub fn local(folder: &FsPath) -> Result<Self, String> {
        let local = Arc::new(config::local_store(folder)?);
        Ok(Self {
            store: local.clone(),
            delivery: Delivery::Stream(local),
            description: format!("file://{}", folder.display()),
        })
    }

    /// Objects in `bucket`, which must already exist (nothing is sent before the first request).
    ///
    /// # Errors
    /// Half a credential pair, an endpoint that is not an `http(s)://` URL.
    pub fn s3(bucket: &str, settings: &S3Settings) -> Result<Self, String> {
        let s3 = Arc::new(config::s3_store(bucket, settings)?);
        Ok(Self {
            store: s3.clone(),
            delivery: Delivery::Presigned(s3),
            description: config::describe_bucket(bucket, settings),
        })
    }

    async fn presigned_get(
        &self,
        s3: &AmazonS3,
        path: &Path,
        presentation: &Presentation,
        valid_for: Duration,
    ) -> Result<String, DomainError> {
        // A URL for a missing object would only fail later, at S3, as a bare 404 page.
        self.store.head(path).await.map_err(store_error)?;
        let answer_with = SignedUrlOptions::new().with_query([
            ("response-content-type", presentation.content_type.as_str()),
            (
                "response-content-disposition",
                presentation.disposition.as_str(),
            ),
        ]);
        let url = s3
            .signed_url_opts(Method::GET, path, valid_for, &answer_with)
            .await
            .map_err(store_error)?;
        Ok(url.to_string())
    }
}

#[async_trait]
impl FileStore for ObjectFileStore {
    /// Memory stays bounded whatever the file's size: three 256 KiB buffers on a folder (see
    /// [`local_upload`](crate::local_upload)), about two [`PART_SIZE`](crate::PART_SIZE) parts
    /// on S3. Until the upload completes nothing is visible under `key` (a folder stages into a
    /// side file, S3 keeps parts hidden), and every failure aborts it.
    async fn put(
        &self,
        key: &str,
        mut source: Box<dyn ByteSource>,
        limit: u64,
    ) -> Result<StoredFile, DomainError> {
        let path = object_path(key)?;
        if let Delivery::Stream(folder) = &self.delivery {
            let dest = folder.path_to_filesystem(&path).map_err(store_error)?;
            return crate::local_upload::put_local(dest, source.as_mut(), limit).await;
        }
        let upload = self.store.put_multipart(&path).await.map_err(store_error)?;
        let mut writer = PartWriter::new(upload, crate::PART_SIZE);
        let mut meter = Meter::new();
        let fed = async {
            while let Some(chunk) = source.next_chunk().await? {
                if meter.add(&chunk) > limit {
                    return Err(DomainError::FileTooLarge { limit_bytes: limit });
                }
                writer.write(Bytes::from(chunk)).await?;
            }
            Ok(())
        }
        .await;
        if let Err(error) = fed {
            writer.abort().await;
            return Err(error);
        }
        if let Err(error) = writer.finish().await {
            // A completion whose answer was lost may have landed after all; the key is fresh,
            // so removing it can only remove this upload.
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(cleanup) => tracing::warn!(%cleanup, key, "could not remove a failed upload"),
            }
            return Err(error);
        }
        Ok(meter.finish())
    }

    async fn put_small(&self, key: &str, bytes: Vec<u8>) -> Result<(), DomainError> {
        let path = object_path(key)?;
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn read_small(&self, key: &str, limit: u64) -> Result<Vec<u8>, DomainError> {
        let path = object_path(key)?;
        let found = self.store.get(&path).await.map_err(store_error)?;
        let too_large = DomainError::FileTooLarge { limit_bytes: limit };
        if found.meta.size > limit {
            return Err(too_large);
        }
        let mut bytes = Vec::new();
        let mut stream = found.into_stream();
        while let Some(piece) = stream.next().await {
            bytes.extend_from_slice(&piece.map_err(store_error)?);
            // The object may have been replaced since its size was read.
            if bytes.len() as u64 > limit {
                return Err(too_large);
            }
        }
        Ok(bytes)
    }

    async fn read(&self, key: &str) -> Result<Box<dyn ByteSource>, DomainError> {
        let path = object_path(key)?;
        let found = self.store.get(&path).await.map_err(store_error)?;
        bytes_of(found).await
    }

    /// A folder streams the bytes (only `range` of them, when given). S3 redirects to a presigned
    /// GET that answers with `presentation`; the client sends its `Range` header to S3 itself,
    /// so `range` is not needed there.
    async fn retrieve(
        &self,
        key: &str,
        range: Option<ByteRange>,
        presentation: &Presentation,
        valid_for: Duration,
    ) -> Result<Retrieval, DomainError> {
        let path = object_path(key)?;
        match &self.delivery {
            Delivery::Presigned(s3) => self
                .presigned_get(s3, &path, presentation, valid_for)
                .await
                .map(Retrieval::Redirect),
            Delivery::Stream(_) => {
                let options = GetOptions {
                    range: range.map(|r| GetRange::Bounded(r.first..r.last + 1)),
                    ..GetOptions::default()
                };
                let found = self
                    .store
                    .get_opts(&path, options)
                    .await
                    .map_err(store_error)?;
                Ok(Retrieval::Stream(bytes_of(found).await?))
            }
        }
    }

    /// S3: a presigned `PUT` (object_store cannot sign `Content-Length`, so the announced size
    /// is not bound by the signature; completing the upload measures what arrived). A folder:
    /// `None`, the bytes come through the server.
    async fn upload_target(
        &self,
        key: &str,
        _size: u64,
        valid_for: Duration,
    ) -> Result<Option<UploadTarget>, DomainError> {
        let path = object_path(key)?;
        match &self.delivery {
            Delivery::Stream(_) => Ok(None),
            Delivery::Presigned(s3) => {
                let url = s3
                    .signed_url(Method::PUT, &path, valid_for)
                    .await
                    .map_err(store_error)?;
                Ok(Some(UploadTarget {
                    method: "PUT".into(),
                    url: url.to_string(),
                    headers: Vec::new(),
                }))
            }
        }
    }

    /// One read of the whole object, chunk by chunk (never held whole).
    async fn measure(&self, key: &str) -> Result<StoredFile, DomainError> {
        let path = object_path(key)?;
        let found = self.store.get(&path).await.map_err(store_error)?;
        let mut bytes = bytes_of(found).await?;
        let mut meter = Meter::new();
        while let Some(chunk) = bytes.next_chunk().await? {
            meter.add(&chunk);
        }
        Ok(meter.finish())
    }

    async fn delete(&self, keys: &[String]) -> Result<(), DomainError> {
        let paths = keys
            .iter()
            .map(|key| object_path(key).map(Ok))
            .collect::<Result<Vec<_>, _>>()?;
        let mut deleted = self
            .store
            .delete_stream(futures_util::stream::iter(paths).boxed());
        while let Some(outcome) = deleted.next().await {
            match outcome {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(store_error(error)),
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}
