//! What every file store must do, whatever it keeps the bytes in. `local.rs` and `s3.rs` run each
//! of these against their store with [`behaviour_tests!`].

use confab_domain::DomainError;
use confab_domain::attachment::content_type::SNIFF_BYTES;
use confab_domain::ports::ByteRange;
use confab_storage::PART_SIZE;

use crate::helpers::{
    Harness, MIB, Upload, cut_short, fresh_key, random_bytes, sha256_hex, within,
};

/// One `#[tokio::test]` per behaviour below, each with a fresh store from `$harness` (an
/// `Option<Harness>`: `None` means the suite was skipped, and said so).
macro_rules! behaviour_tests {
    ($harness:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(harness) = $harness else { return };
                crate::helpers::within(crate::behaviour::$name(&harness)).await;
            }
        )*
    };
}
pub(crate) use behaviour_tests;

pub async fn a_multi_part_file_round_trips_with_its_size_digest_and_head(h: &Harness) {
    let data = random_bytes(2 * PART_SIZE + 12_345);
    let key = fresh_key();

    let stored = h
        .store
        .put(&key, Upload::new(data.clone()), 64 * MIB as u64)
        .await
        .unwrap();

    assert_eq!(stored.size, data.len() as u64);
    assert_eq!(stored.sha256, sha256_hex(&data));
    assert_eq!(stored.head, data[..SNIFF_BYTES]);
    let downloaded = h.download(&key, None).await.unwrap();
    assert!(
        downloaded == data,
        "{} bytes came back, not the {} stored",
        downloaded.len(),
        data.len()
    );
}

pub async fn an_empty_file_is_stored_and_read_back(h: &Harness) {
    let key = fresh_key();

    let stored = h
        .store
        .put(&key, Upload::new(Vec::new()), 10)
        .await
        .unwrap();

    assert_eq!(stored.size, 0);
    assert_eq!(stored.sha256, sha256_hex(&[]));
    assert!(stored.head.is_empty());
    assert_eq!(h.download(&key, None).await.unwrap(), Vec::<u8>::new());
}

pub async fn a_file_of_exactly_the_limit_is_accepted_but_not_one_byte_more(h: &Harness) {
    let data = random_bytes(MIB + 7);
    let size = data.len() as u64;

    let stored = h
        .store
        .put(&fresh_key(), Upload::new(data.clone()), size)
        .await
        .unwrap();
    let refused = h.store.put(&fresh_key(), Upload::new(data), size - 1).await;

    assert_eq!(stored.size, size);
    assert_eq!(
        refused,
        Err(DomainError::FileTooLarge {
            limit_bytes: size - 1
        })
    );
}

pub async fn a_file_over_the_limit_is_refused_and_nothing_stays(h: &Harness) {
    // Past one whole part, so the store has already received bytes when the limit is hit.
    let limit = (PART_SIZE + MIB) as u64;
    let key = fresh_key();

    let refused = h
        .store
        .put(&key, Upload::new(random_bytes(PART_SIZE + 2 * MIB)), limit)
        .await;

    assert_eq!(
        refused,
        Err(DomainError::FileTooLarge { limit_bytes: limit })
    );
    assert_eq!(
        h.download(&key, None).await,
        Err(DomainError::AttachmentNotFound)
    );
    assert_eq!(h.files_on_disk(), Vec::<std::path::PathBuf>::new());
}

pub async fn a_broken_upload_returns_its_own_error_and_nothing_stays(h: &Harness) {
    let key = fresh_key();
    let upload = Upload::breaking_after(random_bytes(PART_SIZE + 2 * MIB), PART_SIZE + MIB);

    let broken = h.store.put(&key, upload, 64 * MIB as u64).await;

    assert_eq!(broken, Err(cut_short()));
    assert_eq!(
        h.download(&key, None).await,
        Err(DomainError::AttachmentNotFound)
    );
    assert_eq!(h.files_on_disk(), Vec::<std::path::PathBuf>::new());
}

pub async fn a_range_gives_exactly_those_bytes(h: &Harness) {
    let data = random_bytes(MIB + 1);
    let key = fresh_key();
    h.store
        .put(&key, Upload::new(data.clone()), 2 * MIB as u64)
        .await
        .unwrap();
    let last = data.len() as u64 - 1;

    for range in [
        ByteRange { first: 0, last: 0 },
        ByteRange {
            first: 1000,
            last: 1999,
        },
        ByteRange {
            first: 70_000,
            last: 300_000,
        },
        ByteRange {
            first: last - 9,
            last,
        },
    ] {
        let bytes = h.download(&key, Some(range)).await.unwrap();
        let wanted = &data[range.first as usize..=range.last as usize];
        assert!(bytes == wanted, "{range:?} gave {} bytes", bytes.len());
    }
}

pub async fn a_missing_object_is_attachment_not_found(h: &Harness) {
    let key = fresh_key();

    assert_eq!(
        h.download(&key, None).await,
        Err(DomainError::AttachmentNotFound)
    );
    assert_eq!(
        h.store.read_small(&key, 1000).await,
        Err(DomainError::AttachmentNotFound)
    );
}

pub async fn a_small_object_is_read_whole_unless_over_the_limit(h: &Harness) {
    let bytes = random_bytes(1000);
    let key = format!("{}.thumb", fresh_key());

    h.store.put_small(&key, bytes.clone()).await.unwrap();

    assert_eq!(h.store.read_small(&key, 1000).await.unwrap(), bytes);
    assert_eq!(
        h.store.read_small(&key, 999).await,
        Err(DomainError::FileTooLarge { limit_bytes: 999 })
    );
}

pub async fn delete_removes_objects_and_ignores_missing_ones(h: &Harness) {
    let (original, thumbnail) = (fresh_key(), format!("{}.thumb", fresh_key()));
    h.store
        .put(&original, Upload::new(random_bytes(1000)), 1000)
        .await
        .unwrap();
    h.store
        .put_small(&thumbnail, random_bytes(10))
        .await
        .unwrap();
    let keys = vec![original.clone(), thumbnail.clone(), fresh_key()];

    within(h.store.delete(&keys)).await.unwrap();

    assert_eq!(
        h.download(&original, None).await,
        Err(DomainError::AttachmentNotFound)
    );
    assert_eq!(
        h.store.read_small(&thumbnail, 10).await,
        Err(DomainError::AttachmentNotFound)
    );
    assert_eq!(
        h.store.delete(&keys).await,
        Ok(()),
        "a second delete is fine too"
    );
    assert_eq!(h.store.delete(&[]).await, Ok(()));
}
