//! Archives written into a real local store, read back with the `zip` crate's reader.

use std::io::Read;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::TimeZone;
use confab_archive::ZipArchives;
use confab_domain::ports::{ArchiveWriter, ByteSource, ExportRecord, FileStore};
use confab_domain::{
    AuthoredMessage, ConversationId, DomainError, Email, MessageId, PasswordHash, User, UserId,
    UserName,
};
use confab_storage::ObjectFileStore;

/// `count` bytes of a pattern, in pieces of 100 KiB.
struct Pattern {
    left: usize,
}

#[async_trait]
impl ByteSource for Pattern {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        if self.left == 0 {
            return Ok(None);
        }
        let n = self.left.min(100 * 1024);
        self.left -= n;
        Ok(Some((0..n).map(|i| (i % 251) as u8).collect()))
    }
}

fn folder() -> (tempdir::Dir, Arc<dyn FileStore>) {
    let dir = tempdir::Dir::new();
    let store = ObjectFileStore::local(&dir.0).unwrap();
    (dir, Arc::new(store))
}

mod tempdir {
    /// A folder removed when dropped.
    pub struct Dir(pub std::path::PathBuf);

    impl Dir {
        pub fn new() -> Self {
            let path = std::env::temp_dir().join(format!(
                "confab-archive-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn message(id: i64) -> ExportRecord {
    ExportRecord::Message(AuthoredMessage {
        id: MessageId(id),
        conversation_id: ConversationId(2),
        seq: id as u64,
        body: format!("message number {id} ✓"),
        created_at: chrono::Utc.timestamp_opt(1_800_000_000 + id, 0).unwrap(),
        edited_at: None,
        reply_to: None,
        thread_id: None,
    })
}

#[tokio::test]
async fn an_archive_holds_every_entry_and_the_store_measured_it() {
    let (dir, store) = folder();
    let mut archive = ZipArchives::new(store).start("exports/1/1.zip");
    archive.text("README.txt", "hello").await.unwrap();
    let user = User {
        id: UserId(1),
        name: UserName::parse("Ann").unwrap(),
        email: Email::parse("ann@x.io").unwrap(),
        password_hash: PasswordHash("$argon2id$x".into()),
        created_at: chrono::Utc.timestamp_opt(1_800_000_000, 0).unwrap(),
        email_verified_at: None,
        avatar: None,
    };
    archive
        .single("profile.json", ExportRecord::Profile(user))
        .await
        .unwrap();
    archive.open_list("messages/c.json").await.unwrap();
    for page in 0..3 {
        let records = (page * 500 + 1..=page * 500 + 500).map(message).collect();
        archive.push(records).await.unwrap();
    }
    archive.close_list().await.unwrap();
    archive.open_list("empty.json").await.unwrap();
    archive.close_list().await.unwrap();
    let size = 3 * 1024 * 1024 + 7;
    archive
        .copy("attachments/1-a.bin", Box::new(Pattern { left: size }))
        .await
        .unwrap();
    let written = archive.finish().await.unwrap();

    let bytes = std::fs::read(dir.0.join("exports/1/1.zip")).unwrap();
    assert_eq!(written.size, bytes.len() as u64);
    assert_eq!(written.sha256.len(), 64);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    assert_eq!(
        names,
        [
            "README.txt",
            "profile.json",
            "messages/c.json",
            "empty.json",
            "attachments/1-a.bin"
        ]
    );
    let read = |zip: &mut zip::ZipArchive<_>, name: &str| {
        let mut out = Vec::new();
        zip.by_name(name).unwrap().read_to_end(&mut out).unwrap();
        out
    };
    let messages: serde_json::Value =
        serde_json::from_slice(&read(&mut zip, "messages/c.json")).unwrap();
    let messages = messages.as_array().unwrap();
    assert_eq!(messages.len(), 1500);
    assert_eq!(messages[1499]["body"], "message number 1500 ✓");
    assert_eq!(messages[0]["created_at"], "2027-01-15T08:00:01.000000Z");
    let empty: serde_json::Value = serde_json::from_slice(&read(&mut zip, "empty.json")).unwrap();
    assert_eq!(empty, serde_json::json!([]));
    let profile: serde_json::Value =
        serde_json::from_slice(&read(&mut zip, "profile.json")).unwrap();
    assert_eq!(profile["email"], "ann@x.io");
    let file = read(&mut zip, "attachments/1-a.bin");
    assert_eq!(file.len(), size);
    // Each 100 KiB piece restarts the pattern.
    assert!(
        file.iter()
            .enumerate()
            .all(|(k, b)| *b == (k % (100 * 1024) % 251) as u8)
    );
}

#[tokio::test]
async fn an_archive_dropped_before_its_end_leaves_nothing_in_the_store() {
    let (dir, store) = folder();
    {
        let mut archive = ZipArchives::new(store.clone()).start("exports/1/2.zip");
        archive.open_list("messages/c.json").await.unwrap();
        archive
            .push((1..=2000).map(message).collect())
            .await
            .unwrap();
    }
    // The store's put sees the channel close without its end, fails, and removes what it wrote.
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if !dir.0.join("exports/1/2.zip").exists() {
            break;
        }
    }
    assert!(!dir.0.join("exports/1/2.zip").exists());
    assert!(store.read("exports/1/2.zip").await.is_err());
}
