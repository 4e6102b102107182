//! Signed links to attachments: the `url` and `thumbnail_url` of every attachment object, which
//! work without an `Authorization` header (an `<img src>` cannot send one) until they expire.
//!
//! A link is `/api/v1/attachments/{id}[/thumbnail]?expires={unix seconds}&signature={hex}` with
//! the signature an HMAC-SHA256 over the path and the expiry, under a key only this server (and
//! the other nodes of its cluster, which share the secret) knows. The expiry is rounded up to the
//! next [`ROUNDING_SECS`], so a message read twice within minutes names the same URL and a
//! browser's cache serves it; a link therefore lives between the configured lifetime and that
//! plus five minutes.
//!
//! The links are rendered inside the message objects of every door — responses, Pusher and
//! envelope events, webhooks — which are made by plain functions (see `dto::message_event_json`),
//! so the signer is configured once at start-up for the process ([`configure`]).

use std::sync::OnceLock;
use std::time::Duration;

use confab_domain::{AttachmentId, Variant};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Expiries are multiples of this many seconds.
pub const ROUNDING_SECS: i64 = 300;

/// How links are signed and where they point.
#[derive(Clone)]
pub struct AttachmentLinks {
    key: Vec<u8>,
    lifetime: Duration,
    /// `CONFAB_PUBLIC_URL` without a trailing slash, or empty for links relative to this server.
    base: String,
}

impl std::fmt::Debug for AttachmentLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachmentLinks")
            .field("lifetime", &self.lifetime)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

static LINKS: OnceLock<AttachmentLinks> = OnceLock::new();

impl AttachmentLinks {
    /// `secret` is the server's signing secret; the links get a key of their own derived from it,
    /// so a link signature can never pass for a token's.
    pub fn new(secret: &[u8], lifetime: Duration, public_url: Option<&str>) -> Self {
        let mut derive = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
        derive.update(b"confab attachment links v1");
        Self {
            key: derive.finalize().into_bytes().to_vec(),
            lifetime,
            base: public_url
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned(),
        }
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The signed link to `variant` of `id`, valid from `now` (unix seconds).
    pub fn link(&self, id: AttachmentId, variant: Variant, now: i64) -> String {
        let lifetime = i64::try_from(self.lifetime.as_secs()).unwrap_or(i64::MAX / 2);
        let expires =
            (now.saturating_add(lifetime) + ROUNDING_SECS - 1) / ROUNDING_SECS * ROUNDING_SECS;
        let path = path_of(id, variant);
        let signature = self.sign(&path, expires);
        format!(
            "{}{path}?expires={expires}&signature={signature}",
            self.base
        )
    }

    /// Whether `signature` is this server's for `variant` of `id` until `expires`, and `expires`
    /// is not past at `now`.
    pub fn verify(
        &self,
        id: AttachmentId,
        variant: Variant,
        expires: i64,
        signature: &str,
        now: i64,
    ) -> bool {
        let Ok(given) = hex::decode(signature) else {
            return false;
        };
        let mac = self.mac(&path_of(id, variant), expires);
        now <= expires && mac.verify_slice(&given).is_ok()
    }

    /// `path` on this server as clients should reach it (`CONFAB_PUBLIC_URL` in front, when
    /// set): an avatar's public URL, which needs no signature.
    pub fn public(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The signed link to a direct upload's `PUT` (see `api/direct_uploads.rs`), valid until
    /// `expires` (unix seconds) — the announcement's own expiry, not rounded.
    pub fn upload_link(&self, upload_id: &str, expires: i64) -> String {
        let path = upload_path(upload_id);
        let signature = self.sign(&path, expires);
        format!(
            "{}{path}?expires={expires}&signature={signature}",
            self.base
        )
    }

    /// Whether `signature` is this server's for the `PUT` of `upload_id`, unexpired at `now`.
    pub fn verify_upload(&self, upload_id: &str, expires: i64, signature: &str, now: i64) -> bool {
        let Ok(given) = hex::decode(signature) else {
            return false;
        };
        let mac = self.mac(&upload_path(upload_id), expires);
        now <= expires && mac.verify_slice(&given).is_ok()
    }

    fn sign(&self, path: &str, expires: i64) -> String {
        hex::encode(self.mac(path, expires).finalize().into_bytes())
    }

    fn mac(&self, path: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(path.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        mac
    }
}

/// The API path a link opens.
fn path_of(id: AttachmentId, variant: Variant) -> String {
    match variant {
        Variant::Original => format!("/api/v1/attachments/{id}"),
        Variant::Thumbnail => format!("/api/v1/attachments/{id}/thumbnail"),
    }
}

/// The path a direct upload's bytes are `PUT` to.
fn upload_path(upload_id: &str) -> String {
    format!("/api/v1/attachments/uploads/{upload_id}")
}

/// Sets the process's signer; the first call wins (a test process starting several servers
/// gives each the same settings).
pub fn configure(links: AttachmentLinks) {
    let _ = LINKS.set(links);
}

/// The process's signer: the configured one, or one with a random key and the default lifetime
/// (for code that renders messages without a server, such as the unit tests and the document
/// generator).
pub fn links() -> &'static AttachmentLinks {
    LINKS.get_or_init(|| {
        AttachmentLinks::new(
            uuid::Uuid::new_v4().as_bytes(),
            Duration::from_secs(3600),
            None,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> AttachmentLinks {
        AttachmentLinks::new(
            b"secret",
            Duration::from_secs(3600),
            Some("https://chat.example/"),
        )
    }

    fn query(link: &str) -> (i64, String) {
        let (_, query) = link.split_once('?').unwrap();
        let mut expires = 0;
        let mut signature = String::new();
        for pair in query.split('&') {
            match pair.split_once('=').unwrap() {
                ("expires", value) => expires = value.parse().unwrap(),
                ("signature", value) => signature = value.to_owned(),
                _ => panic!("unexpected {pair}"),
            }
        }
        (expires, signature)
    }

    #[test]
    fn a_link_opens_its_own_file_until_it_expires_and_nothing_else() {
        let links = signer();
        let link = links.link(AttachmentId(7), Variant::Original, 1_000_000);
        assert!(link.starts_with("https://chat.example/api/v1/attachments/7?expires="));
        let (expires, signature) = query(&link);
        assert!((1_003_600..1_003_600 + ROUNDING_SECS).contains(&expires));
        assert_eq!(expires % ROUNDING_SECS, 0);
        assert!(links.verify(
            AttachmentId(7),
            Variant::Original,
            expires,
            &signature,
            expires
        ));
        assert!(!links.verify(
            AttachmentId(7),
            Variant::Original,
            expires,
            &signature,
            expires + 1
        ));
        assert!(!links.verify(AttachmentId(8), Variant::Original, expires, &signature, 0));
        assert!(!links.verify(AttachmentId(7), Variant::Thumbnail, expires, &signature, 0));
        assert!(!links.verify(
            AttachmentId(7),
            Variant::Original,
            expires + 300,
            &signature,
            0
        ));
        assert!(!links.verify(AttachmentId(7), Variant::Original, expires, "zz", 0));
    }

    #[test]
    fn an_upload_link_opens_that_upload_until_its_expiry() {
        let links = signer();
        let link = links.upload_link("abc", 5000);
        assert!(
            link.starts_with("https://chat.example/api/v1/attachments/uploads/abc?expires=5000")
        );
        let (expires, signature) = query(&link);
        assert!(links.verify_upload("abc", expires, &signature, 5000));
        assert!(!links.verify_upload("abc", expires, &signature, 5001));
        assert!(!links.verify_upload("abd", expires, &signature, 0));
        assert!(
            !links.verify(AttachmentId(7), Variant::Original, expires, &signature, 0),
            "an upload's signature opens no download"
        );
    }

    #[test]
    fn another_secret_signs_other_links_and_reads_repeat_within_the_rounding() {
        let links = signer();
        let other = AttachmentLinks::new(b"other", Duration::from_secs(3600), None);
        let link = links.link(AttachmentId(7), Variant::Thumbnail, 1_000_000);
        let (expires, signature) = query(&link);
        assert!(!other.verify(AttachmentId(7), Variant::Thumbnail, expires, &signature, 0));
        assert_eq!(
            link,
            links.link(AttachmentId(7), Variant::Thumbnail, 1_000_001)
        );
        assert!(
            other
                .link(AttachmentId(1), Variant::Original, 0)
                .starts_with("/api/v1/")
        );
    }
}
