//! Turning the configured store URL and S3 settings into an `object_store` client, with errors a
//! person can fix from the message alone (the server refuses to start on them).

use std::path::{Path, PathBuf};
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::signer::Url;
use object_store::{BackoffConfig, RetryConfig};

/// The region when none is configured: what S3-compatible servers (MinIO, s3s, Ceph) accept by
/// default, and AWS's own default.
const DEFAULT_REGION: &str = "us-east-1";

/// Where and as whom to reach an S3-compatible store, for `s3://bucket` URLs. Every field is
/// optional: AWS itself needs only the region (credentials then come from the instance's role).
#[derive(Clone, Default)]
pub struct S3Settings {
    /// The server's base URL (`http://127.0.0.1:9000`) for anything but AWS. Given one, requests
    /// are path-style (`endpoint/bucket/key`), which every S3-compatible server understands, and
    /// plain `http://` is allowed so a local MinIO needs nothing else.
    pub endpoint: Option<String>,
    /// Defaults to `us-east-1`.
    pub region: Option<String>,
    /// With `secret_access_key`; both or neither.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

/// By hand so that a logged configuration never shows the secret.
impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl S3Settings {
    fn region(&self) -> &str {
        self.region.as_deref().unwrap_or(DEFAULT_REGION)
    }
}

/// What a store URL names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Location {
    Folder(PathBuf),
    Bucket(String),
}

/// # Errors
/// Any URL but `file:///absolute/path` or `s3://bucket`.
pub(crate) fn parse_url(url: &str) -> Result<Location, String> {
    let expected = "expected file:///absolute/folder or s3://bucket";
    let parsed =
        Url::parse(url).map_err(|e| format!("bad file store URL {url:?}: {e}; {expected}"))?;
    match parsed.scheme() {
        "file" => parsed
            .to_file_path()
            .map(Location::Folder)
            .map_err(|()| format!("bad file store URL {url:?}: not an absolute local path")),
        "s3" => {
            if !parsed.username().is_empty() || parsed.password().is_some() {
                return Err(format!(
                    "bad file store URL: credentials belong in the S3 settings, not in the URL; {expected}"
                ));
            }
            let bucket = parsed.host_str().unwrap_or_default();
            if bucket.is_empty() {
                return Err(format!("bad file store URL {url:?}: no bucket name"));
            }
            if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
                return Err(format!(
                    "bad file store URL {url:?}: a bucket only, without a path or query; {expected}"
                ));
            }
            Ok(Location::Bucket(bucket.to_owned()))
        }
        other => Err(format!(
            "bad file store URL {url:?}: unknown scheme {other:?}; {expected}"
        )),
    }
}

/// A store rooted at `folder`, which is created when missing so a fresh install just works.
///
/// # Errors
/// A folder that cannot be created or resolved.
pub(crate) fn local_store(folder: &Path) -> Result<LocalFileSystem, String> {
    std::fs::create_dir_all(folder).map_err(|e| {
        format!(
            "cannot create the file store folder {}: {e}",
            folder.display()
        )
    })?;
    LocalFileSystem::new_with_prefix(folder)
        .map(|store| store.with_fsync(true))
        .map_err(|e| format!("cannot use the file store folder {}: {e}", folder.display()))
}

/// A client for `bucket`. Nothing is sent yet: a missing bucket or wrong credentials show up at
/// the first request.
///
/// # Errors
/// Half a credential pair, an endpoint that is not an `http(s)://` URL.
pub(crate) fn s3_store(bucket: &str, settings: &S3Settings) -> Result<AmazonS3, String> {
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(settings.region())
        .with_retry(retry_config());
    match (&settings.access_key_id, &settings.secret_access_key) {
        (Some(id), Some(secret)) => {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret);
        }
        (None, None) => {}
        _ => {
            return Err(
                "S3 access key id and secret access key go together: give both or neither".into(),
            );
        }
    }
    if let Some(endpoint) = &settings.endpoint {
        let url = endpoint_url(endpoint)?;
        builder = builder
            .with_endpoint(endpoint.trim_end_matches('/'))
            .with_virtual_hosted_style_request(false)
            .with_allow_http(url.scheme() == "http");
    }
    builder
        .build()
        .map_err(|e| format!("bad S3 settings for bucket {bucket:?}: {e}"))
}

/// What `/health` shows for a bucket: enough to tell which store, nothing secret.
pub(crate) fn describe_bucket(bucket: &str, settings: &S3Settings) -> String {
    match &settings.endpoint {
        Some(endpoint) => format!("s3://{bucket} at {}", endpoint.trim_end_matches('/')),
        None => format!("s3://{bucket} in {}", settings.region()),
    }
}

fn endpoint_url(endpoint: &str) -> Result<Url, String> {
    let url = Url::parse(endpoint).map_err(|e| format!("bad S3 endpoint {endpoint:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "bad S3 endpoint {endpoint:?}: expected http:// or https://"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "bad S3 endpoint: credentials belong in the S3 settings, not in the URL".into(),
        );
    }
    Ok(url)
}

/// `object_store` retries for up to three minutes by default; a request (and the user waiting on
/// it) should learn sooner that the store is down, as `Unavailable`, and retry itself.
fn retry_config() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 3,
        retry_timeout: Duration::from_secs(20),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_bucket_urls_are_understood() {
        assert_eq!(
            parse_url("file:///data/attachments"),
            Ok(Location::Folder(PathBuf::from("/data/attachments")))
        );
        assert_eq!(
            parse_url("s3://confab"),
            Ok(Location::Bucket("confab".into()))
        );
        assert_eq!(
            parse_url("s3://confab/"),
            Ok(Location::Bucket("confab".into()))
        );
    }

    #[test]
    fn urls_that_name_no_store_are_refused() {
        for bad in [
            "/data/attachments",
            "file://relative",
            "http://example.com/bucket",
            "s3://",
            "s3://bucket/prefix",
            "s3://key:secret@bucket",
        ] {
            assert!(parse_url(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn half_a_credential_pair_is_refused() {
        let settings = S3Settings {
            access_key_id: Some("id".into()),
            ..S3Settings::default()
        };
        assert!(s3_store("bucket", &settings).is_err());
    }

    #[test]
    fn descriptions_and_debug_output_never_show_the_secret() {
        let settings = S3Settings {
            endpoint: Some("http://127.0.0.1:9000/".into()),
            region: None,
            access_key_id: Some("id".into()),
            secret_access_key: Some("s3cr3t".into()),
        };
        assert_eq!(
            describe_bucket("b", &settings),
            "s3://b at http://127.0.0.1:9000"
        );
        assert!(!format!("{settings:?}").contains("s3cr3t"));
        assert_eq!(
            describe_bucket("b", &S3Settings::default()),
            "s3://b in us-east-1"
        );
    }
}
