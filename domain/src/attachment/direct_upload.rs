//! Direct uploads: a large file goes from the client straight to the store (a presigned S3 `PUT`,
//! or this server's own streaming `PUT` on a local folder), announced first with its size and
//! SHA-256, then completed — and only a file whose bytes match what was announced becomes an
//! attachment.

use crate::attachment::FileName;
use crate::{ConversationId, DomainError, Timestamp, UserId};

/// How long an announced upload may take to arrive: the presigned link's lifetime (S3 allows up
/// to seven days; fifteen minutes keeps a leaked link short-lived).
pub const DIRECT_UPLOAD_SECS: i64 = 15 * 60;

/// An announced upload, not yet complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectUpload {
    /// Random and unguessable (it names the upload in URLs).
    pub id: String,
    pub conversation_id: ConversationId,
    pub uploader: UserId,
    pub name: FileName,
    /// Announced by the client.
    pub size: u64,
    /// Announced by the client: lowercase hex.
    pub sha256: String,
    pub storage_key: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A SHA-256 as 64 hex digits (either case), kept lowercase.
///
/// # Errors
/// `Invalid` on `sha256`.
pub fn parse_sha256(raw: &str) -> Result<String, DomainError> {
    if raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(DomainError::invalid(
            "sha256",
            "The sha256 field must be 64 hexadecimal digits.",
        ))
    }
}

/// An announced size within the direct-upload limit.
///
/// # Errors
/// `FileTooLarge` beyond `limit`.
pub fn ensure_announced_size(size: u64, limit: u64) -> Result<(), DomainError> {
    if size > limit {
        return Err(DomainError::FileTooLarge { limit_bytes: limit });
    }
    Ok(())
}

impl DirectUpload {
    /// Whether the bytes that arrived are the ones announced.
    ///
    /// # Errors
    /// `Invalid` naming `size` or `sha256`, whichever differs first.
    pub fn ensure_arrived_as_announced(&self, size: u64, sha256: &str) -> Result<(), DomainError> {
        if size != self.size {
            return Err(DomainError::invalid(
                "size",
                format!("{size} bytes arrived; {} were announced.", self.size),
            ));
        }
        if sha256 != self.sha256 {
            return Err(DomainError::invalid(
                "sha256",
                "The bytes that arrived do not have the announced SHA-256.",
            ));
        }
        Ok(())
    }

    /// Whether `who` may send its bytes or complete it now: its uploader, in its room, before it
    /// expires. Anyone else is told it does not exist.
    ///
    /// # Errors
    /// `AttachmentNotFound`.
    pub fn ensure_open_to(
        &self,
        who: UserId,
        conversation: ConversationId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        if self.uploader != who || self.conversation_id != conversation || now > self.expires_at {
            return Err(DomainError::AttachmentNotFound);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    fn announced() -> DirectUpload {
        let at = Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap();
        DirectUpload {
            id: "u1".into(),
            conversation_id: ConversationId(1),
            uploader: UserId(2),
            name: FileName::sanitize("video.mp4"),
            size: 100,
            sha256: "ab".repeat(32),
            storage_key: "conversations/1/k".into(),
            created_at: at,
            expires_at: at + Duration::seconds(DIRECT_UPLOAD_SECS),
        }
    }

    #[test]
    fn a_sha256_is_64_hex_digits_kept_lowercase() {
        assert_eq!(parse_sha256(&"AB".repeat(32)).unwrap(), "ab".repeat(32));
        for bad in ["", "ab", &"zz".repeat(32), &"a".repeat(65)] {
            assert!(parse_sha256(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_the_announced_bytes_complete_it_and_the_field_that_differs_is_named() {
        let upload = announced();
        assert_eq!(
            upload.ensure_arrived_as_announced(100, &"ab".repeat(32)),
            Ok(())
        );
        let named = |result: Result<(), DomainError>| match result {
            Err(DomainError::Invalid(errors)) => {
                errors.fields().keys().cloned().collect::<Vec<_>>()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(
            named(upload.ensure_arrived_as_announced(99, &"ab".repeat(32))),
            ["size"]
        );
        assert_eq!(
            named(upload.ensure_arrived_as_announced(100, &"cd".repeat(32))),
            ["sha256"]
        );
    }

    #[test]
    fn it_is_open_to_its_uploader_in_its_room_until_it_expires() {
        let upload = announced();
        let now = upload.created_at;
        assert_eq!(
            upload.ensure_open_to(UserId(2), ConversationId(1), now),
            Ok(())
        );
        for (who, room, at) in [
            (3, 1, now),
            (2, 9, now),
            (2, 1, upload.expires_at + Duration::seconds(1)),
        ] {
            assert_eq!(
                upload.ensure_open_to(UserId(who), ConversationId(room), at),
                Err(DomainError::AttachmentNotFound)
            );
        }
    }

    #[test]
    fn an_announced_size_over_the_limit_is_too_large() {
        assert_eq!(ensure_announced_size(10, 10), Ok(()));
        assert_eq!(
            ensure_announced_size(11, 10),
            Err(DomainError::FileTooLarge { limit_bytes: 10 })
        );
    }
}
