//! Sweep unsent uploads: files uploaded but never sent in a message are removed once they are
//! older than the orphan lifetime (`CONFAB_UPLOAD_ORPHAN_TTL`), and direct uploads announced but
//! never completed once they expire — records first, then bytes.

use std::time::Duration;

use crate::{Confab, DomainError};

/// How many uploads one sweep round removes at most: a backlog is worked off over several rounds
/// rather than in one long statement.
pub const SWEEP_BATCH: u64 = 500;

impl Confab {
    /// Removes up to [`SWEEP_BATCH`] uploads older than `older_than` that are in no message, and
    /// up to as many expired announcements, with their bytes; returns the larger count (a full
    /// batch means: sweep again). Safe on several nodes at once: each record is taken by one.
    /// Bytes that cannot be removed now are left to the store (logged); the records are gone, so
    /// nothing can reach them.
    pub async fn sweep_unsent_uploads(&self, older_than: Duration) -> Result<usize, DomainError> {
        let age = chrono::Duration::from_std(older_than).unwrap_or(chrono::Duration::MAX);
        let cutoff = self.ports.clock.now() - age;
        let orphans = self
            .ports
            .attachments
            .take_orphans(cutoff, SWEEP_BATCH)
            .await?;
        let expired = self
            .ports
            .attachments
            .take_expired_announcements(self.ports.clock.now(), SWEEP_BATCH)
            .await?;
        let keys: Vec<String> = orphans
            .iter()
            .flat_map(|a| a.stored_keys())
            .chain(expired.iter().map(|u| u.storage_key.clone()))
            .collect();
        if !keys.is_empty()
            && let Err(error) = self.ports.files.delete(&keys).await
        {
            tracing::warn!(%error, count = keys.len(), "unsent uploads' bytes were not removed");
        }
        Ok(orphans.len().max(expired.len()))
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{
        Attachment, AttachmentId, ConversationId, FileName, ThumbnailFile, UserId,
    };

    use super::*;
    use crate::test_support::{Mocks, now};

    fn no_announcements(mocks: &mut Mocks) {
        mocks
            .attachments
            .expect_take_expired_announcements()
            .withf(|cutoff, _| *cutoff == now())
            .returning(|_, _| Ok(Vec::new()));
    }

    fn orphan(id: i64, thumbnail: bool) -> Attachment {
        Attachment {
            id: AttachmentId(id),
            conversation_id: ConversationId(1),
            uploader: UserId(2),
            name: FileName::sanitize("a.png"),
            content_type: "image/png".into(),
            size: 3,
            sha256: "00".repeat(32),
            image: None,
            thumbnail: thumbnail.then(|| ThumbnailFile {
                content_type: "image/png".into(),
                size: 1,
            }),
            storage_key: format!("k{id}"),
            message_id: None,
            created_at: now(),
        }
    }

    #[tokio::test]
    async fn uploads_older_than_the_lifetime_go_with_their_thumbnails() {
        let mut mocks = Mocks::new();
        mocks
            .attachments
            .expect_take_orphans()
            .withf(|cutoff, limit| {
                *cutoff == now() - chrono::Duration::hours(24) && *limit == SWEEP_BATCH
            })
            .times(1)
            .returning(|_, _| Ok(vec![orphan(1, true), orphan(2, false)]));
        no_announcements(&mut mocks);
        mocks
            .files
            .expect_delete()
            .withf(|keys| keys == ["k1", "k1.thumb", "k2"])
            .times(1)
            .returning(|_| Ok(()));
        let swept = mocks
            .build()
            .sweep_unsent_uploads(Duration::from_secs(24 * 3600))
            .await
            .unwrap();
        assert_eq!(swept, 2);
    }

    #[tokio::test]
    async fn expired_announcements_take_whatever_bytes_arrived_with_them() {
        let mut mocks = Mocks::new();
        mocks
            .attachments
            .expect_take_orphans()
            .returning(|_, _| Ok(Vec::new()));
        mocks
            .attachments
            .expect_take_expired_announcements()
            .returning(|_, _| {
                Ok(vec![confab_domain::DirectUpload {
                    id: "u".into(),
                    conversation_id: ConversationId(1),
                    uploader: UserId(2),
                    name: FileName::sanitize("big.mp4"),
                    size: 1,
                    sha256: "ab".repeat(32),
                    storage_key: "k9".into(),
                    created_at: now(),
                    expires_at: now(),
                }])
            });
        mocks
            .files
            .expect_delete()
            .withf(|keys| keys == ["k9"])
            .times(1)
            .returning(|_| Ok(()));
        let swept = mocks
            .build()
            .sweep_unsent_uploads(Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(swept, 1);
    }

    #[tokio::test]
    async fn nothing_to_sweep_touches_no_store() {
        let mut mocks = Mocks::new();
        mocks
            .attachments
            .expect_take_orphans()
            .returning(|_, _| Ok(Vec::new()));
        no_announcements(&mut mocks);
        mocks.files.expect_delete().never();
        let swept = mocks
            .build()
            .sweep_unsent_uploads(Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(swept, 0);
    }

    #[tokio::test]
    async fn a_store_out_of_reach_does_not_fail_the_sweep_the_records_are_gone() {
        let mut mocks = Mocks::new();
        mocks
            .attachments
            .expect_take_orphans()
            .returning(|_, _| Ok(vec![orphan(1, false)]));
        no_announcements(&mut mocks);
        mocks
            .files
            .expect_delete()
            .returning(|_| Err(DomainError::Unavailable("s3 down".into())));
        let swept = mocks
            .build()
            .sweep_unsent_uploads(Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(swept, 1);
    }
}
