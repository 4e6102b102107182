use confab_domain::ports::{ProcessedImage, StoredFile, Thumbnail};
use confab_domain::{ImageSize, UserId};

use confab_domain::AttachmentId;

use super::*;
use crate::test_support::{Mocks, group_room, now};

/// An upload's bytes as the transport hands them over.
struct Chunks(Vec<Vec<u8>>);

#[async_trait::async_trait]
impl ByteSource for Chunks {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        Ok((!self.0.is_empty()).then(|| self.0.remove(0)))
    }
}

fn upload(body: &[u8]) -> Box<dyn ByteSource> {
    Box::new(Chunks(vec![body.to_vec()]))
}

fn stored(head: &[u8]) -> StoredFile {
    StoredFile {
        size: 1000,
        sha256: "ab".repeat(32),
        head: head.to_vec(),
    }
}

fn room(mocks: &mut Mocks, closed: bool) {
    mocks.conversations.expect_find().returning(move |_| {
        let mut room = group_room();
        if closed {
            room.closed_at = Some(now());
        }
        Ok(Some(room))
    });
}

#[tokio::test]
async fn a_pdf_is_stored_as_its_bytes_say_under_a_safe_name_and_waits_unsent() {
    let mut mocks = Mocks::new();
    room(&mut mocks, false);
    mocks
        .files
        .expect_put()
        .withf(|key, _, limit| key.starts_with("conversations/1/") && *limit == 25 * 1024 * 1024)
        .times(1)
        .returning(|_, _, _| Ok(stored(b"%PDF-1.7")));
    mocks.images.expect_process().never();
    mocks
        .attachments
        .expect_insert()
        .withf(|a| {
            a.content_type == "application/pdf"
                && a.name.as_str() == "x"
                && a.uploader == UserId(2)
                && a.message_id.is_none()
                && a.image.is_none()
                && a.created_at == now()
        })
        .times(1)
        .returning(|a| {
            Ok(Attachment {
                id: AttachmentId(5),
                ..a
            })
        });
    let attachment = mocks
        .build()
        .upload_attachment(
            &Caller::new(UserId(2)),
            ConversationId(1),
            "../../x",
            upload(b"%PDF-1.7"),
        )
        .await
        .unwrap();
    assert_eq!(attachment.id, AttachmentId(5));
    assert_eq!(attachment.size, 1000);
}

#[tokio::test]
async fn outsiders_and_closed_rooms_store_not_a_byte() {
    for (user, closed, expected) in [
        (9, false, DomainError::ConversationNotFound),
        (2, true, DomainError::ClosedRoomCannotPost),
    ] {
        let mut mocks = Mocks::new();
        room(&mut mocks, closed);
        mocks.files.expect_put().never();
        mocks.attachments.expect_insert().never();
        let refused = mocks
            .build()
            .upload_attachment(
                &Caller::new(UserId(user)),
                ConversationId(1),
                "a",
                upload(b"a"),
            )
            .await;
        assert_eq!(refused.unwrap_err(), expected);
    }
}

#[tokio::test]
async fn a_photo_gets_its_size_a_thumbnail_and_loses_its_metadata_before_it_is_recorded() {
    let mut mocks = Mocks::new();
    room(&mut mocks, false);
    let jpeg = b"\xFF\xD8\xFF\xE1Exif-with-gps".to_vec();
    let first = stored(&jpeg);
    mocks
        .files
        .expect_put()
        .times(1)
        .returning(move |_, _, _| Ok(first.clone()));
    mocks
        .files
        .expect_read_small()
        .times(1)
        .returning(move |_, _| Ok(jpeg.clone()));
    mocks
        .images
        .expect_process()
        .withf(|kind, _| kind == "image/jpeg")
        .times(1)
        .returning(|_, _| {
            Ok(Some(ProcessedImage {
                size: ImageSize {
                    width: 4000,
                    height: 3000,
                },
                thumbnail: Some(Thumbnail {
                    bytes: vec![1, 2, 3],
                    content_type: "image/jpeg".into(),
                }),
                without_metadata: Some(b"\xFF\xD8\xFF\xE0clean".to_vec()),
            }))
        });
    // The clean copy replaces the stored one: its size and hash are what is recorded.
    mocks.files.expect_put().times(1).returning(|_, _, _| {
        Ok(StoredFile {
            size: 900,
            sha256: "cd".repeat(32),
            head: Vec::new(),
        })
    });
    mocks
        .files
        .expect_put_small()
        .withf(|key, bytes| key.ends_with(".thumb") && bytes == &[1, 2, 3])
        .times(1)
        .returning(|_, _| Ok(()));
    mocks
        .attachments
        .expect_insert()
        .withf(|a| {
            a.image
                == Some(ImageSize {
                    width: 4000,
                    height: 3000,
                })
                && a.size == 900
                && a.sha256 == "cd".repeat(32)
                && a.thumbnail
                    == Some(ThumbnailFile {
                        content_type: "image/jpeg".into(),
                        size: 3,
                    })
        })
        .times(1)
        .returning(Ok);
    mocks
        .build()
        .upload_attachment(
            &Caller::new(UserId(2)),
            ConversationId(1),
            "me.jpg",
            upload(b"x"),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_record_that_cannot_be_written_takes_the_bytes_with_it() {
    let mut mocks = Mocks::new();
    room(&mut mocks, false);
    mocks
        .files
        .expect_put()
        .returning(|_, _, _| Ok(stored(b"plain text")));
    mocks
        .attachments
        .expect_insert()
        .returning(|_| Err(DomainError::Internal("disk full".into())));
    mocks
        .files
        .expect_delete()
        .withf(|keys| keys.len() == 1 && keys[0].starts_with("conversations/1/"))
        .times(1)
        .returning(|_| Ok(()));
    let failed = mocks
        .build()
        .upload_attachment(
            &Caller::new(UserId(2)),
            ConversationId(1),
            "a.txt",
            upload(b"a"),
        )
        .await;
    assert!(matches!(failed, Err(DomainError::Internal(_))));
}

#[tokio::test]
async fn an_upload_past_the_limit_is_refused_by_the_store_and_never_recorded() {
    let mut mocks = Mocks::new();
    room(&mut mocks, false);
    mocks
        .files
        .expect_put()
        .withf(|_, _, limit| *limit == 10)
        .returning(|_, _, limit| Err(DomainError::FileTooLarge { limit_bytes: limit }));
    mocks.attachments.expect_insert().never();
    let refused = mocks
        .build()
        .with_upload_limits(crate::UploadLimits {
            max_bytes: 10,
            ..crate::UploadLimits::default()
        })
        .upload_attachment(
            &Caller::new(UserId(2)),
            ConversationId(1),
            "big",
            upload(b"a"),
        )
        .await;
    assert_eq!(
        refused.unwrap_err(),
        DomainError::FileTooLarge { limit_bytes: 10 }
    );
}
