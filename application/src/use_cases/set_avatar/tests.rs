use confab_domain::ports::{AvatarImages, StoredFile};
use confab_domain::{ConversationId, RealtimeEvent};

use super::*;
use crate::test_support::{Mocks, signed_in};

const SHA: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
const PNG_HEAD: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

struct Nothing;

#[async_trait::async_trait]
impl ByteSource for Nothing {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        Ok(None)
    }
}

fn stored(head: &[u8]) -> StoredFile {
    StoredFile {
        size: 2_000,
        sha256: SHA.into(),
        head: head.to_vec(),
    }
}

#[tokio::test]
async fn a_picture_is_stored_at_both_sizes_and_replaces_the_old_one() {
    let mut mocks = Mocks::new();
    mocks
        .files
        .expect_put()
        .withf(|key, _, _| key.starts_with("avatars/incoming/"))
        .returning(|_, _, _| Ok(stored(PNG_HEAD)));
    mocks
        .files
        .expect_read_small()
        .returning(|_, _| Ok(b"the upload".to_vec()));
    mocks
        .images
        .expect_avatar()
        .withf(|kind, _| kind == "image/png")
        .returning(|_, _| {
            Ok(Some(AvatarImages {
                content_type: "image/png".into(),
                large: b"256".to_vec(),
                small: b"64".to_vec(),
            }))
        });
    mocks
        .files
        .expect_delete()
        .withf(|keys| keys.len() == 1 && keys[0].starts_with("avatars/incoming/"))
        .times(1)
        .returning(|_| Ok(()));
    mocks
        .files
        .expect_put_small()
        .withf(|key, bytes| key == "avatars/3-fedcba9876543210-256.png" && bytes == b"256")
        .times(1)
        .returning(|_, _| Ok(()));
    mocks
        .files
        .expect_put_small()
        .withf(|key, bytes| key == "avatars/3-fedcba9876543210-64.png" && bytes == b"64")
        .times(1)
        .returning(|_, _| Ok(()));
    mocks
        .accounts
        .expect_replace_avatar()
        .withf(|user, avatar| {
            user.avatar == *avatar
                && avatar.as_ref().map(Avatar::as_str) == Some("fedcba9876543210.png")
        })
        .times(1)
        .returning(|user, _| {
            let old = Avatar::stored("0123456789abcdef.jpg");
            Ok((
                old,
                confab_domain::profile::avatar_changed(user, vec![ConversationId(4)]),
            ))
        });
    mocks
        .files
        .expect_delete()
        .withf(|keys| keys == avatar::stored_keys(confab_domain::UserId(3), "0123456789abcdef.jpg"))
        .times(1)
        .returning(|_| Ok(()));
    mocks
        .broadcaster
        .expect_publish()
        .withf(|event, _| {
            matches!(event, RealtimeEvent::UserUpdated { user, conversations }
                if user.avatar.is_some() && conversations == &[ConversationId(4)])
        })
        .times(1)
        .returning(|_, _| ());
    let user = mocks
        .build()
        .set_avatar(&signed_in(3, "s", 1), Box::new(Nothing))
        .await
        .unwrap();
    assert_eq!(
        user.avatar.map(|a| a.path(user.id)),
        Some("/api/v1/avatars/3-fedcba9876543210.png".into())
    );
}

#[tokio::test]
async fn a_file_that_is_no_picture_changes_nothing() {
    let mut mocks = Mocks::new();
    mocks
        .files
        .expect_put()
        .returning(|_, _, _| Ok(stored(b"%PDF-1.7 some document")));
    mocks.images.expect_avatar().never();
    mocks.files.expect_delete().times(1).returning(|_| Ok(()));
    mocks.accounts.expect_replace_avatar().never();
    let refused = mocks
        .build()
        .set_avatar(&signed_in(3, "s", 1), Box::new(Nothing))
        .await
        .unwrap_err();
    assert_eq!(refused, DomainError::invalid("file", NOT_A_PICTURE));
}

#[tokio::test]
async fn a_picture_that_does_not_decode_is_refused_too() {
    let mut mocks = Mocks::new();
    mocks
        .files
        .expect_put()
        .returning(|_, _, _| Ok(stored(PNG_HEAD)));
    mocks
        .files
        .expect_read_small()
        .returning(|_, _| Ok(PNG_HEAD.to_vec()));
    mocks.images.expect_avatar().returning(|_, _| Ok(None));
    mocks.files.expect_delete().returning(|_| Ok(()));
    mocks.accounts.expect_replace_avatar().never();
    let refused = mocks
        .build()
        .set_avatar(&signed_in(3, "s", 1), Box::new(Nothing))
        .await;
    assert!(matches!(refused, Err(DomainError::Invalid(_))));
}

#[tokio::test]
async fn a_download_of_a_replaced_avatar_is_not_found() {
    let mut mocks = Mocks::new();
    mocks
        .files
        .expect_read_small()
        .withf(|key, _| key == "avatars/3-fedcba9876543210-64.png")
        .returning(|_, _| Err(DomainError::AttachmentNotFound));
    let confab = mocks.build();
    let missing = confab
        .avatar_file("3-fedcba9876543210.png", Some(64))
        .await
        .unwrap_err();
    assert_eq!(missing, DomainError::AvatarNotFound);
    let nonsense = confab.avatar_file("../etc/passwd", None).await.unwrap_err();
    assert_eq!(nonsense, DomainError::AvatarNotFound);
}
