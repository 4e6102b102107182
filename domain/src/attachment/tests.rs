use chrono::{TimeZone, Utc};

use super::*;

#[test]
fn a_file_name_keeps_only_its_last_segment() {
    for (raw, safe) in [
        ("../../x", "x"),
        ("C:\\Users\\ann\\photo.jpg", "photo.jpg"),
        ("/etc/passwd", "passwd"),
        ("report.pdf", "report.pdf"),
    ] {
        assert_eq!(FileName::sanitize(raw).as_str(), safe, "{raw}");
    }
}

#[test]
fn control_characters_go_and_nothing_becomes_file() {
    assert_eq!(
        FileName::sanitize("a\0b\u{7}\u{9b}c.txt").as_str(),
        "abc.txt"
    );
    assert_eq!(FileName::sanitize("line\r\nbreak").as_str(), "linebreak");
    for empty in ["", "   ", ".", "..", "dir/", "\0\0", "a/.."] {
        assert_eq!(FileName::sanitize(empty).as_str(), "file", "{empty:?}");
    }
}

#[test]
fn a_long_name_is_cut_at_a_character_boundary() {
    let long = "é".repeat(10_000);
    let name = FileName::sanitize(&long);
    assert!(name.as_str().len() <= MAX_NAME_BYTES);
    assert_eq!(name.as_str().len(), 254, "127 two-byte characters");
    assert!(name.as_str().chars().all(|c| c == 'é'));
    assert_eq!(FileName::sanitize(&"x".repeat(10_000)).as_str().len(), 255);
}

#[test]
fn only_script_free_media_are_shown_inline() {
    for inline in [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "video/mp4",
    ] {
        assert!(shown_inline(inline), "{inline}");
    }
    for download in [
        "image/svg+xml",
        "text/html",
        "application/pdf",
        "application/octet-stream",
        "text/plain",
        "application/xhtml+xml",
    ] {
        assert!(!shown_inline(download), "{download}");
    }
}

#[test]
fn a_thumbnail_fits_the_long_side_and_keeps_the_shape() {
    let size = |width, height| ImageSize { width, height };
    assert_eq!(size(4000, 3000).thumbnail(), Some(size(320, 240)));
    assert_eq!(size(1000, 4000).thumbnail(), Some(size(80, 320)));
    assert_eq!(
        size(200, 100).thumbnail(),
        Some(size(200, 100)),
        "never enlarged"
    );
    assert_eq!(
        size(10_000, 1).thumbnail(),
        Some(size(320, 1)),
        "at least a pixel"
    );
}

#[test]
fn a_decompression_bomb_or_an_empty_image_gets_no_thumbnail() {
    let bomb = ImageSize {
        width: 50_000,
        height: 50_000,
    };
    assert_eq!(bomb.thumbnail(), None);
    let just_under = ImageSize {
        width: 8_000,
        height: 5_000,
    };
    assert!(just_under.thumbnail().is_some(), "40 MP exactly is allowed");
    assert_eq!(
        ImageSize {
            width: 0,
            height: 10
        }
        .thumbnail(),
        None
    );
}

fn upload(uploader: i64, conversation: i64, message: Option<i64>) -> Attachment {
    Attachment {
        id: AttachmentId(7),
        conversation_id: ConversationId(conversation),
        uploader: UserId(uploader),
        name: FileName::sanitize("a.png"),
        content_type: "image/png".into(),
        size: 10,
        sha256: "00".repeat(32),
        image: None,
        thumbnail: None,
        storage_key: "conversations/1/abc".into(),
        message_id: message.map(MessageId),
        created_at: Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap(),
    }
}

fn refusal(result: Result<(), DomainError>) -> String {
    match result {
        Err(DomainError::Invalid(errors)) => errors.summary(),
        other => panic!("expected a refusal on attachment_ids, got {other:?}"),
    }
}

#[test]
fn only_the_uploaders_own_unsent_file_of_this_room_may_be_sent() {
    let (me, room) = (UserId(1), ConversationId(3));
    assert_eq!(upload(1, 3, None).ensure_attachable(me, room), Ok(()));
    let someone_elses = refusal(upload(2, 3, None).ensure_attachable(me, room));
    let another_rooms = refusal(upload(1, 4, None).ensure_attachable(me, room));
    assert_eq!(someone_elses, another_rooms, "told apart from nothing");
    assert!(
        someone_elses.contains("Attachment 7 does not exist"),
        "{someone_elses}"
    );
    let sent = refusal(upload(1, 3, Some(9)).ensure_attachable(me, room));
    assert!(sent.contains("already in a message"), "{sent}");
}

#[test]
fn a_message_names_at_most_ten_attachments_each_once() {
    let ten: Vec<i64> = (1..=10).collect();
    assert_eq!(parse_attachment_ids(&ten).unwrap().len(), 10);
    assert!(parse_attachment_ids(&[]).unwrap().is_empty());
    let eleven: Vec<i64> = (1..=11).collect();
    assert!(refusal(parse_attachment_ids(&eleven).map(drop)).contains("at most 10"));
    assert!(
        refusal(parse_attachment_ids(&[4, 5, 4]).map(drop)).contains("Attachment 4 is named twice")
    );
}

#[test]
fn until_it_is_sent_only_its_uploader_may_download_it_and_then_every_participant() {
    let member = DownloadFacts { participant: true };
    let gone = DownloadFacts { participant: false };
    let user = |id| Requester::User(UserId(id));
    let unsent = upload(2, 1, None);
    assert_eq!(unsent.ensure_downloadable_by(user(2), member), Ok(()));
    assert_eq!(
        unsent.ensure_downloadable_by(user(3), member),
        Err(DomainError::AttachmentNotFound)
    );
    let sent = upload(2, 1, Some(9));
    assert_eq!(sent.ensure_downloadable_by(user(3), member), Ok(()));
    assert_eq!(
        sent.ensure_downloadable_by(Requester::SignedLink, gone),
        Ok(()),
        "a signed link opens it for whoever holds it"
    );
    for who in [2, 3] {
        assert_eq!(
            sent.ensure_downloadable_by(user(who), gone),
            Err(DomainError::AttachmentNotFound),
            "a removed member, even the uploader, is told it does not exist"
        );
    }
}

#[test]
fn a_thumbnail_is_stored_beside_its_file_and_deleted_with_it() {
    let mut image = upload(2, 1, Some(9));
    assert_eq!(image.stored_keys(), vec!["conversations/1/abc".to_owned()]);
    assert_eq!(
        image.stored(Variant::Thumbnail),
        Err(DomainError::AttachmentNotFound)
    );
    image.thumbnail = Some(ThumbnailFile {
        content_type: "image/jpeg".into(),
        size: 3,
    });
    let thumbnail = image.stored(Variant::Thumbnail).unwrap();
    assert_eq!(thumbnail.key, "conversations/1/abc.thumb");
    assert_eq!(
        (thumbnail.content_type.as_str(), thumbnail.size),
        ("image/jpeg", 3)
    );
    let original = image.stored(Variant::Original).unwrap();
    assert_eq!(original.key, "conversations/1/abc");
    assert_eq!(
        (original.content_type.as_str(), original.size),
        ("image/png", 10)
    );
    assert_eq!(image.stored_keys().len(), 2);
}

#[test]
fn a_storage_key_names_the_room_and_a_token_never_the_client_name() {
    let token = uuid::Uuid::nil();
    assert_eq!(
        storage_key(ConversationId(5), token),
        "conversations/5/00000000000000000000000000000000"
    );
}

#[test]
fn a_range_is_cut_at_the_end_of_the_file_and_one_past_it_is_refused() {
    let from = |first, last| RequestedRange::From { first, last };
    assert_eq!(
        from(0, Some(9)).within(100),
        Ok(ByteRange { first: 0, last: 9 })
    );
    assert_eq!(
        from(90, Some(500)).within(100),
        Ok(ByteRange {
            first: 90,
            last: 99
        })
    );
    assert_eq!(
        from(50, None).within(100),
        Ok(ByteRange {
            first: 50,
            last: 99
        })
    );
    assert_eq!(
        RequestedRange::Suffix(10).within(100),
        Ok(ByteRange {
            first: 90,
            last: 99
        })
    );
    assert_eq!(
        RequestedRange::Suffix(500).within(100),
        Ok(ByteRange { first: 0, last: 99 })
    );
    for refused in [from(100, None), from(5, Some(4)), RequestedRange::Suffix(0)] {
        assert_eq!(
            refused.within(100),
            Err(DomainError::RangeNotSatisfiable { size: 100 }),
            "{refused:?}"
        );
    }
    assert!(
        from(0, None).within(0).is_err(),
        "an empty file has no bytes to range over"
    );
}

#[test]
fn a_stored_upload_is_typed_by_its_bytes_and_waits_unsent() {
    let at = Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap();
    let upload = NewUpload {
        conversation_id: ConversationId(1),
        uploader: UserId(2),
        name: FileName::sanitize("photo.txt"),
        storage_key: "conversations/1/k".into(),
        at,
    };
    let attachment = Attachment::from_stored(upload, 9, "ab".repeat(32), b"%PDF-1.7\n");
    assert_eq!(attachment.content_type, "application/pdf");
    assert_eq!((attachment.size, attachment.created_at), (9, at));
    assert_eq!(attachment.message_id, None);
    assert_eq!(attachment.image, None);
}
