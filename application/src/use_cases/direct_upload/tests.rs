use chrono::Duration;
use confab_domain::ports::StoredFile;
use confab_domain::{DirectUpload, UserId};

use confab_domain::AttachmentId;

use super::*;
use crate::test_support::{Mocks, group_room, now};

fn open_room(mocks: &mut Mocks) {
    mocks
        .conversations
        .expect_find()
        .returning(|_| Ok(Some(group_room())));
}

fn announced() -> DirectUpload {
    DirectUpload {
        id: "u1".into(),
        conversation_id: ConversationId(1),
        uploader: UserId(2),
        name: FileName::sanitize("movie.mp4"),
        size: 4,
        sha256: "ab".repeat(32),
        storage_key: "conversations/1/k".into(),
        created_at: now(),
        expires_at: now() + Duration::minutes(15),
    }
}

fn stored(size: u64, sha256: String) -> StoredFile {
    StoredFile {
        size,
        sha256,
        head: b"\0\0\0\x18ftypmp42".to_vec(),
    }
}

#[tokio::test]
async fn an_announcement_is_recorded_for_fifteen_minutes_with_the_stores_own_target() {
    let mut mocks = Mocks::new();
    open_room(&mut mocks);
    mocks
        .files
        .expect_upload_target()
        .withf(|key, size, valid_for| {
            key.starts_with("conversations/1/") && *size == 5_000_000 && valid_for.as_secs() == 900
        })
        .returning(|_, _, _| {
            Ok(Some(UploadTarget {
                method: "PUT".into(),
                url: "https://s3/presigned".into(),
                headers: Vec::new(),
            }))
        });
    mocks
        .attachments
        .expect_announce()
        .withf(|u| u.sha256 == "ab".repeat(32) && u.expires_at == now() + Duration::minutes(15))
        .times(1)
        .returning(|_| Ok(()));
    let (upload, target) = mocks
        .build()
        .announce_direct_upload(
            &Caller::new(UserId(2)),
            ConversationId(1),
            Announcement {
                name: "a/b.mp4",
                size: 5_000_000,
                sha256: &"AB".repeat(32),
            },
        )
        .await
        .unwrap();
    assert_eq!(upload.name.as_str(), "b.mp4");
    assert_eq!(target.unwrap().url, "https://s3/presigned");
}

#[tokio::test]
async fn a_bad_hash_or_a_size_over_the_limit_is_refused_before_anything_is_recorded() {
    for (size, sha256, expected_status) in
        [(1, "xyz".to_owned(), 422), (u64::MAX, "ab".repeat(32), 413)]
    {
        let mut mocks = Mocks::new();
        open_room(&mut mocks);
        mocks.attachments.expect_announce().never();
        let refused = mocks
            .build()
            .announce_direct_upload(
                &Caller::new(UserId(2)),
                ConversationId(1),
                Announcement {
                    name: "x",
                    size,
                    sha256: &sha256,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(crate::status_of(&refused), expected_status, "{refused:?}");
    }
}

#[tokio::test]
async fn bytes_that_differ_from_the_announcement_are_removed_and_the_field_named() {
    let mut mocks = Mocks::new();
    open_room(&mut mocks);
    mocks
        .attachments
        .expect_announced()
        .returning(|_| Ok(Some(announced())));
    mocks
        .files
        .expect_measure()
        .returning(|_| Ok(stored(4, "cd".repeat(32))));
    mocks
        .files
        .expect_delete()
        .withf(|keys| keys == ["conversations/1/k"])
        .times(1)
        .returning(|_| Ok(()));
    mocks.attachments.expect_complete().never();
    let refused = mocks
        .build()
        .complete_direct_upload(&Caller::new(UserId(2)), ConversationId(1), "u1")
        .await;
    assert!(
        matches!(&refused, Err(DomainError::Invalid(e)) if e.fields().contains_key("sha256")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn matching_bytes_become_an_attachment_of_the_type_they_are() {
    let mut mocks = Mocks::new();
    open_room(&mut mocks);
    mocks
        .attachments
        .expect_announced()
        .returning(|_| Ok(Some(announced())));
    mocks
        .files
        .expect_measure()
        .returning(|_| Ok(stored(4, "ab".repeat(32))));
    mocks
        .attachments
        .expect_complete()
        .withf(|id, a| {
            id == "u1" && a.content_type == "video/mp4" && a.name.as_str() == "movie.mp4"
        })
        .times(1)
        .returning(|_, a| {
            Ok(Some(Attachment {
                id: AttachmentId(8),
                ..a
            }))
        });
    let attachment = mocks
        .build()
        .complete_direct_upload(&Caller::new(UserId(2)), ConversationId(1), "u1")
        .await
        .unwrap();
    assert_eq!(attachment.id, AttachmentId(8));
}

#[tokio::test]
async fn someone_elses_upload_cannot_be_completed_and_nothing_is_read() {
    let mut mocks = Mocks::new();
    mocks.conversations.expect_find().returning(|_| {
        let mut room = group_room();
        room.participants
            .push(confab_domain::Participant::new(UserId(3)));
        Ok(Some(room))
    });
    mocks
        .attachments
        .expect_announced()
        .returning(|_| Ok(Some(announced())));
    mocks.files.expect_measure().never();
    let refused = mocks
        .build()
        .complete_direct_upload(&Caller::new(UserId(3)), ConversationId(1), "u1")
        .await;
    assert_eq!(refused.unwrap_err(), DomainError::AttachmentNotFound);
}
