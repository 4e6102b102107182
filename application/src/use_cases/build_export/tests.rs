use std::sync::Mutex;

use async_trait::async_trait;
use confab_domain::ports::{
    ByteSource, MockArchiveWriter, MockClock, MockConversationRepository, MockExportArchive,
    MockExportRepository, MockFileStore, MockUserRepository,
};
use confab_domain::{
    Attachment, AttachmentId, AuthoredMessage, ConversationId, ExportState, FileName, MessageId,
    UserId,
};

use super::*;
use crate::test_support::{now, overview, user};

struct Empty;

#[async_trait]
impl ByteSource for Empty {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        Ok(None)
    }
}

fn claimed(attempts: u32) -> DataExport {
    DataExport {
        id: 9,
        user: UserId(1),
        state: ExportState::Building,
        requested_at: now(),
        finished_at: None,
        expires_at: None,
        archive: None,
        attempts,
    }
}

fn message(id: i64) -> AuthoredMessage {
    AuthoredMessage {
        id: MessageId(id),
        conversation_id: ConversationId(5),
        seq: u64::try_from(id).unwrap(),
        body: format!("m{id}"),
        created_at: now(),
        edited_at: None,
        reply_to: None,
        thread_id: None,
    }
}

fn file(id: i64) -> Attachment {
    Attachment {
        id: AttachmentId(id),
        conversation_id: ConversationId(5),
        uploader: UserId(1),
        name: FileName::sanitize("a.pdf"),
        content_type: "application/pdf".into(),
        size: 3,
        sha256: "00".into(),
        image: None,
        thumbnail: None,
        storage_key: format!("conversations/5/{id}"),
        message_id: None,
        created_at: now(),
    }
}

struct Parts {
    exports: MockExportRepository,
    users: MockUserRepository,
    conversations: MockConversationRepository,
    files: MockFileStore,
    archives: MockArchiveWriter,
}

impl Parts {
    /// Nothing expired, and `claim` is what a claim takes (once, leased for 15 minutes).
    fn new(claim: Option<DataExport>) -> Self {
        let mut parts = Self::bare();
        parts
            .exports
            .expect_take_expired()
            .returning(|_, _| Ok(Vec::new()));
        parts
            .exports
            .expect_claim()
            .times(1)
            .withf(|at, until| *at == now() && *until == now() + chrono::Duration::minutes(15))
            .returning(move |_, _| Ok(claim.clone()));
        parts
    }

    fn bare() -> Self {
        let exports = MockExportRepository::new();
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_id()
            .returning(|id| Ok(Some(user(id.get(), "Ann"))));
        Self {
            exports,
            users,
            conversations: MockConversationRepository::new(),
            files: MockFileStore::new(),
            archives: MockArchiveWriter::new(),
        }
    }

    fn build(self) -> ExportBuilding {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        ExportBuilding {
            exports: Arc::new(self.exports),
            users: Arc::new(self.users),
            conversations: Arc::new(self.conversations),
            files: Arc::new(self.files),
            archives: Arc::new(self.archives),
            clock: Arc::new(clock),
        }
    }
}

#[tokio::test]
async fn nothing_due_builds_nothing_and_expired_archives_leave_the_store() {
    let mut parts = Parts::bare();
    parts.exports.expect_take_expired().returning(|_, _| {
        Ok(vec![ExportFile {
            storage_key: "exports/1/2.zip".into(),
            size: 1,
            sha256: "x".into(),
        }])
    });
    parts.exports.expect_claim().returning(|_, _| Ok(None));
    parts
        .files
        .expect_delete()
        .times(1)
        .withf(|keys| keys == ["exports/1/2.zip".to_owned()])
        .returning(|_| Ok(()));
    parts.archives.expect_start().never();
    assert_eq!(parts.build().step().await.unwrap(), ExportStep::Idle);
}

#[tokio::test]
async fn an_export_is_written_a_page_at_a_time_and_its_link_mailed() {
    let mut parts = Parts::new(Some(claimed(1)));
    parts
        .conversations
        .expect_list_for()
        .returning(|_| Ok(vec![overview(5)]));
    parts
        .exports
        .expect_rooms_written_in()
        .times(1)
        .returning(|_, _, _| Ok(vec![ConversationId(5)]));
    // A full page, then the rest: two reads, the second after the first page's last id.
    parts
        .exports
        .expect_messages_written()
        .times(2)
        .returning(|_, _, after, limit| {
            Ok(match after {
                None => (1..=limit as i64).map(message).collect(),
                Some((_, last)) => vec![message(last.get() + 1)],
            })
        });
    parts
        .exports
        .expect_reactions_given()
        .returning(|_, _, _| Ok(Vec::new()));
    parts
        .exports
        .expect_files_uploaded()
        .times(2)
        .returning(|_, _, _| Ok(vec![file(7)]));
    parts
        .files
        .expect_read()
        .withf(|key| key == "conversations/5/7")
        .returning(|_| Ok(Box::new(Empty)));
    let entries = Arc::new(Mutex::new(Vec::<String>::new()));
    let written = entries.clone();
    parts
        .archives
        .expect_start()
        .withf(|key| key == "exports/1/9.zip")
        .returning(move |_| {
            let mut archive = MockExportArchive::new();
            let log = written.clone();
            archive.expect_text().returning(move |path, _| {
                log.lock().unwrap().push(path.to_owned());
                Ok(())
            });
            let log = written.clone();
            archive.expect_single().returning(move |path, record| {
                assert!(matches!(record, ExportRecord::Profile(_)));
                log.lock().unwrap().push(path.to_owned());
                Ok(())
            });
            let log = written.clone();
            archive.expect_open_list().returning(move |path| {
                log.lock().unwrap().push(path.to_owned());
                Ok(())
            });
            let log = written.clone();
            archive.expect_push().returning(move |records| {
                log.lock().unwrap().push(format!("+{}", records.len()));
                Ok(())
            });
            archive.expect_close_list().returning(|| Ok(()));
            let log = written.clone();
            archive.expect_copy().returning(move |path, _| {
                log.lock().unwrap().push(path.to_owned());
                Ok(())
            });
            archive.expect_finish().times(1).returning(|| {
                Ok(ExportFile {
                    storage_key: "exports/1/9.zip".into(),
                    size: 777,
                    sha256: "ab".into(),
                })
            });
            Box::new(archive)
        });
    parts
        .exports
        .expect_finish()
        .times(1)
        .withf(|id, archive, token, user| {
            *id == 9
                && archive.size == 777
                && token.purpose == TokenPurpose::DownloadExport
                && token.expires_at == now() + chrono::Duration::hours(24)
                && user.id == UserId(1)
        })
        .returning(|_, _, _, _| Ok(true));
    let step = parts.build().step().await.unwrap();
    assert_eq!(
        step,
        ExportStep::Built {
            export: 9,
            size: 777
        }
    );
    let entries = entries.lock().unwrap().clone();
    assert_eq!(
        entries,
        [
            "README.txt",
            "profile.json",
            "rooms.json",
            "+1",
            "messages/conversation-5.json",
            "+500",
            "+1",
            "reactions.json",
            "+0",
            "attachments.json",
            "+1",
            "attachments/7-a.pdf",
        ]
    );
}

#[tokio::test]
async fn a_failed_build_is_retried_then_given_up_and_never_mailed() {
    for (attempts, retry) in [(1, Some(now() + chrono::Duration::minutes(1))), (3, None)] {
        let mut parts = Parts::new(Some(claimed(attempts)));
        parts.archives.expect_start().returning(|_| {
            let mut archive = MockExportArchive::new();
            archive
                .expect_text()
                .returning(|_, _| Err(DomainError::Unavailable("store down".into())));
            archive.expect_finish().never();
            Box::new(archive)
        });
        parts.exports.expect_finish().never();
        parts
            .exports
            .expect_failed()
            .times(1)
            .withf(move |id, at| *id == 9 && *at == retry)
            .returning(|_, _| Ok(()));
        let step = parts.build().step().await.unwrap();
        assert!(
            matches!(step, ExportStep::Failed { export: 9, given_up, .. } if given_up == retry.is_none())
        );
    }
}

#[tokio::test]
async fn an_export_whose_account_went_meanwhile_leaves_no_archive_and_one_whose_builders_died_fails()
 {
    let mut parts = Parts::new(Some(claimed(1)));
    parts
        .conversations
        .expect_list_for()
        .returning(|_| Ok(Vec::new()));
    parts
        .exports
        .expect_rooms_written_in()
        .returning(|_, _, _| Ok(Vec::new()));
    parts
        .exports
        .expect_reactions_given()
        .returning(|_, _, _| Ok(Vec::new()));
    parts
        .exports
        .expect_files_uploaded()
        .returning(|_, _, _| Ok(Vec::new()));
    parts.archives.expect_start().returning(|_| {
        let mut archive = MockExportArchive::new();
        archive.expect_text().returning(|_, _| Ok(()));
        archive.expect_single().returning(|_, _| Ok(()));
        archive.expect_open_list().returning(|_| Ok(()));
        archive.expect_push().returning(|_| Ok(()));
        archive.expect_close_list().returning(|| Ok(()));
        archive.expect_finish().returning(|| {
            Ok(ExportFile {
                storage_key: "exports/1/9.zip".into(),
                size: 5,
                sha256: "ab".into(),
            })
        });
        Box::new(archive)
    });
    parts
        .exports
        .expect_finish()
        .returning(|_, _, _, _| Ok(false));
    parts
        .files
        .expect_delete()
        .times(1)
        .withf(|keys| keys == ["exports/1/9.zip".to_owned()])
        .returning(|_| Ok(()));
    assert_eq!(parts.build().step().await.unwrap(), ExportStep::Idle);

    let mut parts = Parts::new(Some(claimed(4)));
    parts.archives.expect_start().never();
    parts
        .exports
        .expect_failed()
        .times(1)
        .withf(|id, at| *id == 9 && at.is_none())
        .returning(|_, _| Ok(()));
    let step = parts.build().step().await.unwrap();
    assert!(matches!(step, ExportStep::Failed { given_up: true, .. }));
}
