//! The store in a folder: the shared behaviour, plus what only a folder does (streaming).

use std::time::Duration;

use confab_domain::ports::{FileStore, Retrieval};
use confab_storage::{ObjectFileStore, S3Settings};

use crate::behaviour::behaviour_tests;
use crate::helpers::{
    Harness, MIB, Upload, fresh_key, presentation, random_bytes, temp_folder, within,
};

behaviour_tests! {
    Some(Harness::local());
    a_multi_part_file_round_trips_with_its_size_digest_and_head,
    an_empty_file_is_stored_and_read_back,
    a_file_of_exactly_the_limit_is_accepted_but_not_one_byte_more,
    a_file_over_the_limit_is_refused_and_nothing_stays,
    a_broken_upload_returns_its_own_error_and_nothing_stays,
    a_range_gives_exactly_those_bytes,
    a_missing_object_is_attachment_not_found,
    a_small_object_is_read_whole_unless_over_the_limit,
    delete_removes_objects_and_ignores_missing_ones,
}

#[tokio::test]
async fn a_folder_streams_a_download_in_pieces_rather_than_whole() {
    let h = Harness::local();
    let key = fresh_key();
    within(
        h.store
            .put(&key, Upload::new(random_bytes(MIB)), 2 * MIB as u64),
    )
    .await
    .unwrap();

    let retrieval = within(
        h.store
            .retrieve(&key, None, &presentation(), Duration::from_secs(60)),
    )
    .await
    .unwrap();

    let Retrieval::Stream(mut source) = retrieval else {
        panic!("a folder has no URL to redirect to: {retrieval:?}");
    };
    let mut pieces = Vec::new();
    while let Some(chunk) = within(source.next_chunk()).await.unwrap() {
        pieces.push(chunk.len());
    }
    // Read 256 KiB at a time: a MiB in four pieces, never held whole.
    assert_eq!(pieces.iter().sum::<usize>(), MIB);
    assert!(pieces.len() >= 4, "{pieces:?}");
    assert!(pieces.iter().all(|&len| len <= 256 * 1024), "{pieces:?}");
}

#[tokio::test]
async fn a_missing_folder_is_created_and_described_by_its_url() {
    let parent = temp_folder();
    let folder = parent.path().join("not/yet/there");
    let url = format!("file://{}", folder.display());

    let store = confab_storage::open(&url, S3Settings::default()).unwrap();

    assert!(folder.is_dir());
    assert_eq!(store.describe(), url);
}

#[tokio::test]
async fn a_folder_offers_no_presigned_upload() {
    let parent = temp_folder();
    let store = ObjectFileStore::local(parent.path()).unwrap();

    let url = store
        .upload_target(&fresh_key(), 10, Duration::from_secs(60))
        .await;

    assert_eq!(url, Ok(None));
}

#[test]
fn a_url_that_names_no_store_is_refused_with_what_is_expected() {
    for bad in [
        "ftp://example.com/x",
        "attachments",
        "file://relative/path",
        "s3://bucket/sub",
    ] {
        let Err(message) = confab_storage::open(bad, S3Settings::default()) else {
            panic!("{bad} was accepted");
        };
        assert!(
            message.contains(bad) || message.contains("s3://bucket"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn an_upload_dropped_half_way_leaves_nothing_behind() {
    let h = Harness::local();
    let key = fresh_key();
    let upload = Upload::stalling_after(random_bytes(8 * MIB), 3 * MIB);

    let dropped = tokio::time::timeout(
        Duration::from_millis(500),
        h.store.put(&key, upload, 64 * MIB as u64),
    )
    .await;

    assert!(dropped.is_err(), "the stalled upload cannot finish");
    // The writer lets go of its staging file in the background once its feeder is gone.
    let mut left = h.files_on_disk();
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        left = h.files_on_disk();
    }
    assert_eq!(left, Vec::<std::path::PathBuf>::new());
    assert_eq!(
        h.download(&key, None).await,
        Err(confab_domain::DomainError::AttachmentNotFound)
    );
}
