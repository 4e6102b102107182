//! Attachments' settings and parts: the file store, the image worker, the signed links, and the
//! sweep of uploads never sent.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use confab_application::{Confab, UploadLimits};
use confab_domain::ports::{FileStore, ImageProcessor};
use confab_http::attachment_links::{self, AttachmentLinks};
use confab_storage::S3Settings;

/// Where files go and how big they may be.
#[derive(Debug, Clone, Args)]
pub struct FileArgs {
    /// `file:///absolute/folder` or `s3://bucket`; default: `<data-dir>/attachments`. Several
    /// nodes need S3 (or one folder they all mount).
    #[arg(long, env = "CONFAB_STORAGE_URL", global = true)]
    pub storage_url: Option<String>,

    /// An S3-compatible server's URL (`http://127.0.0.1:9000` for a local MinIO); unset for AWS.
    #[arg(long, env = "CONFAB_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,

    /// Default `us-east-1`.
    #[arg(long, env = "CONFAB_S3_REGION", global = true)]
    pub s3_region: Option<String>,

    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true, global = true)]
    pub aws_access_key_id: Option<String>,

    #[arg(
        long,
        env = "AWS_SECRET_ACCESS_KEY",
        hide_env_values = true,
        global = true
    )]
    pub aws_secret_access_key: Option<String>,

    /// The most bytes one upload carries (counted as they arrive): 413 beyond.
    #[arg(long, env = "CONFAB_UPLOAD_MAX_BYTES", default_value_t = 25 * 1024 * 1024, global = true)]
    pub upload_max_bytes: u64,

    /// The largest file a direct upload may announce (`POST …/attachments/uploads`).
    #[arg(long, env = "CONFAB_DIRECT_UPLOAD_MAX_BYTES", default_value_t = 2 * 1024 * 1024 * 1024, global = true)]
    pub direct_upload_max_bytes: u64,

    /// Seconds a signed attachment link (`url`, `thumbnail_url`) works.
    #[arg(
        long,
        env = "CONFAB_ATTACHMENT_URL_TTL",
        default_value_t = 3600,
        global = true
    )]
    pub attachment_url_ttl: u64,

    /// Seconds an upload that was never sent is kept.
    #[arg(
        long,
        env = "CONFAB_UPLOAD_ORPHAN_TTL",
        default_value_t = 86_400,
        global = true
    )]
    pub upload_orphan_ttl: u64,
}

impl FileArgs {
    /// The configured store, made ready (a local folder is created).
    ///
    /// # Errors
    /// A bad URL or half a credential pair, said so that the operator can fix it.
    pub fn store(&self, data_dir: &Path) -> Result<Arc<dyn FileStore>, String> {
        let url = match &self.storage_url {
            Some(url) if !url.is_empty() => url.clone(),
            _ => {
                let folder = data_dir.join("attachments");
                std::fs::create_dir_all(&folder)
                    .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
                let absolute = folder
                    .canonicalize()
                    .map_err(|e| format!("cannot find {}: {e}", folder.display()))?;
                format!("file://{}", absolute.display())
            }
        };
        confab_storage::open(
            &url,
            S3Settings {
                endpoint: self.s3_endpoint.clone(),
                region: self.s3_region.clone(),
                access_key_id: self.aws_access_key_id.clone(),
                secret_access_key: self.aws_secret_access_key.clone(),
            },
        )
        .map_err(|e| format!("CONFAB_STORAGE_URL: {e}"))
    }

    pub fn limits(&self) -> UploadLimits {
        UploadLimits {
            max_bytes: self.upload_max_bytes,
            direct_max_bytes: self.direct_upload_max_bytes,
        }
    }

    /// Signs attachment links with a key derived from the token secret (shared by a cluster's
    /// nodes), so a link from one node opens on every other.
    pub fn configure_links(&self, secret: &[u8], public_url: Option<&str>) {
        attachment_links::configure(AttachmentLinks::new(
            secret,
            Duration::from_secs(self.attachment_url_ttl),
            public_url,
        ));
    }

    /// Sweeps unsent uploads every few minutes until the process ends.
    pub fn spawn_sweep(&self, app: Confab) {
        let lifetime = Duration::from_secs(self.upload_orphan_ttl);
        // Often enough that a short lifetime (tests, small disks) is kept to within a minute.
        let every = Duration::from_secs(self.upload_orphan_ttl.clamp(1, 300));
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            loop {
                ticks.tick().await;
                loop {
                    match app.sweep_unsent_uploads(lifetime).await {
                        Ok(swept) if swept as u64
                            == confab_application::use_cases::sweep_unsent_uploads::SWEEP_BATCH => {}
                        Ok(0) => break,
                        Ok(swept) => {
                            tracing::info!(swept, "unsent uploads removed");
                            break;
                        }
                        Err(error) => {
                            tracing::warn!(%error, "the sweep of unsent uploads failed");
                            break;
                        }
                    }
                }
            }
        });
    }
}

/// Decodes images on as many threads as there are cores, no more (each big decode holds up to
/// ~160 MB).
pub fn image_worker() -> Arc<dyn ImageProcessor> {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    Arc::new(confab_images::ImageWorker::new(cores))
}
