//! Where attachments' bytes live: a local folder or any S3-compatible bucket, behind the domain's
//! [`FileStore`](confab_domain::ports::FileStore) port.
//!
//! Both stores speak through `object_store`, so uploading, reading and deleting are written once;
//! they differ only in how a download reaches the client (see [`ObjectFileStore`]).
//!
//! ```no_run
//! # fn main() -> Result<(), String> {
//! let store = confab_storage::open("file:///var/lib/confab/attachments", Default::default())?;
//! assert_eq!(store.describe(), "file:///var/lib/confab/attachments");
//! # Ok(())
//! # }
//! ```

mod config;
mod download;
mod errors;
mod local_upload;
mod store;
mod upload;

use std::sync::Arc;

use confab_domain::ports::FileStore;

pub use config::S3Settings;
pub use store::ObjectFileStore;
pub use upload::PART_SIZE;

/// The store that `url` names, ready to be shared by the use cases.
///
/// `url` is `file:///absolute/folder` (created when missing) or `s3://bucket` (the bucket must
/// already exist; `s3` says where and with which credentials). See [`ObjectFileStore::open`].
///
/// # Errors
/// A message fit for a startup failure: a URL of another scheme, a relative path, a bucket URL
/// with a path, half a credential pair, a folder that cannot be created.
pub fn open(url: &str, s3: S3Settings) -> Result<Arc<dyn FileStore>, String> {
    Ok(Arc::new(ObjectFileStore::open(url, s3)?))
}
