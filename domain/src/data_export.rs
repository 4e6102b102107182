//! A person's copy of their data (`POST /user/export`): asked for, built in the background into
//! one archive in the file store, and mailed as a link that works for a day. Here are the states
//! an export goes through, when another may be asked for, how a failed build is retried, and
//! what the archive holds under which names; building it is a use case, the archive's format an
//! adapter's.

use std::time::Duration;

use crate::{AttachmentId, ConversationId, FileName, MessageId, Timestamp, UserId};

/// Where an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportState {
    /// Asked for; no node has started it (or the one that did died and its lease ran out).
    Queued,
    /// A node is writing the archive.
    Building,
    /// The archive is in the file store and the mail with its link is queued.
    Ready,
    /// Building failed [`MAX_BUILD_ATTEMPTS`] times; another may be asked for at once.
    Failed,
    /// Ready once, and past its [`EXPORT_LIFETIME`]: the archive is (or is about to be) removed.
    Expired,
}

impl ExportState {
    pub const ALL: [Self; 5] = [
        Self::Queued,
        Self::Building,
        Self::Ready,
        Self::Failed,
        Self::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Building => "building",
            Self::Ready => "ready",
            Self::Failed => "failed",
            Self::Expired => "expired",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == raw)
    }
}

/// How long an archive and the link to it work, from the moment it is ready (the "24 h").
pub const EXPORT_LIFETIME: chrono::Duration = chrono::Duration::hours(24);

/// After asking for one export, the wait before another may be asked for: building reads all of
/// a person's history and copies their files, so it is not something to repeat in a loop.
pub const EXPORT_COOLDOWN_SECS: i64 = 600;

/// How long a node that took an export has to finish it before another node may take it over:
/// a build that copies gigabytes of files takes minutes, and a dead node delays one by this much.
pub const EXPORT_LEASE: Duration = Duration::from_secs(15 * 60);

/// Builds tried before an export is marked failed (a file store that is down for a while).
pub const MAX_BUILD_ATTEMPTS: u32 = 3;

/// One export as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataExport {
    pub id: i64,
    pub user: UserId,
    /// As stored; [`DataExport::state_at`] is what a client is told.
    pub state: ExportState,
    pub requested_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// When the archive and its link stop working (ready exports only).
    pub expires_at: Option<Timestamp>,
    /// The archive, once written.
    pub archive: Option<ExportFile>,
    /// Builds started so far.
    pub attempts: u32,
}

/// A written archive: where it is and what it measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub storage_key: String,
    pub size: u64,
    /// Hex SHA-256 of the archive (its `ETag`).
    pub sha256: String,
}

impl DataExport {
    /// What the export is at `now`: a ready one past its lifetime has expired.
    pub fn state_at(&self, now: Timestamp) -> ExportState {
        match (self.state, self.expires_at) {
            (ExportState::Ready, Some(end)) if now >= end => ExportState::Expired,
            (state, _) => state,
        }
    }

    /// The archive, while it may still be downloaded at `now`.
    pub fn downloadable_at(&self, now: Timestamp) -> Option<&ExportFile> {
        match self.state_at(now) {
            ExportState::Ready => self.archive.as_ref(),
            _ => None,
        }
    }

    /// The name the download is saved under.
    pub fn file_name(&self) -> FileName {
        FileName::sanitize(&format!(
            "confab-export-{}-{}.zip",
            self.user,
            self.requested_at.format("%Y%m%d")
        ))
    }

    /// Where its archive goes in the file store: apart from every room's files, and named by the
    /// export so that a rebuild after a dead node overwrites its own half-written attempt.
    pub fn storage_key(&self) -> String {
        format!("exports/{}/{}.zip", self.user, self.id)
    }
}

/// What asking for an export does, given the person's latest one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportRequest {
    /// Queue a new one.
    Start,
    /// One is queued or being built: that one is the answer (asking twice builds once).
    AlreadyUnderWay(DataExport),
}

/// Whether a new export may be asked for at `now`, after `latest`.
///
/// # Errors
/// `RateLimited` within [`EXPORT_COOLDOWN_SECS`] of the last request, unless that one failed.
pub fn on_request(
    latest: Option<&DataExport>,
    now: Timestamp,
) -> Result<ExportRequest, crate::DomainError> {
    let Some(latest) = latest else {
        return Ok(ExportRequest::Start);
    };
    match latest.state_at(now) {
        ExportState::Queued | ExportState::Building => {
            Ok(ExportRequest::AlreadyUnderWay(latest.clone()))
        }
        ExportState::Failed => Ok(ExportRequest::Start),
        ExportState::Ready | ExportState::Expired => {
            let waited = (now - latest.requested_at).num_seconds();
            match u64::try_from(EXPORT_COOLDOWN_SECS - waited) {
                Ok(wait) if wait > 0 => Err(crate::DomainError::RateLimited {
                    retry_after_secs: wait,
                }),
                _ => Ok(ExportRequest::Start),
            }
        }
    }
}

/// What happens to an export whose build failed for the `attempts`-th time: tried again after a
/// minute per attempt, or given up on.
pub fn after_failure(attempts: u32, now: Timestamp) -> Option<Timestamp> {
    (attempts < MAX_BUILD_ATTEMPTS).then(|| now + chrono::Duration::minutes(i64::from(attempts)))
}

/// Messages read per step while building, and reactions and files listed per step: a page's
/// worth in memory at a time, whatever the history's size.
pub const EXPORT_PAGE: usize = 500;

/// The archive's names, one place for all of them (the README lists the same).
pub mod layout {
    use super::{AttachmentId, ConversationId, FileName};

    /// The account: id, name, email, when it was made and verified, the avatar's URL.
    pub const PROFILE: &str = "profile.json";
    /// The rooms the person is in, as their room list shows them.
    pub const ROOMS: &str = "rooms.json";
    /// Every reaction the person gave, with the message it is on.
    pub const REACTIONS: &str = "reactions.json";
    /// What the person uploaded, as attachment objects; the bytes are under `attachments/`.
    pub const ATTACHMENTS: &str = "attachments.json";
    /// What the archive is, in words, for someone who opens it without any documentation.
    pub const README: &str = "README.txt";

    /// The words of [`README`].
    pub const README_TEXT: &str = "Your data from this chat server.\n\n\
        profile.json        your account: id, name, email, when it was made and verified\n\
        rooms.json          the rooms you are in, as your room list shows them\n\
        messages/           the messages you wrote, one file per room, oldest first\n\
                            (messages you deleted are not kept, so they are not here)\n\
        reactions.json      the reactions you gave, with the message each is on\n\
        attachments.json    the files you uploaded; their bytes are in attachments/,\n\
                            named by id and the name you uploaded them under\n\n\
        Times are UTC (RFC 3339). Ids are the ones the API uses.\n";

    /// The person's messages in one room, oldest first.
    pub fn messages(room: ConversationId) -> String {
        format!("messages/conversation-{room}.json")
    }

    /// An uploaded file's bytes: by id first, so two files of one name never collide, then the
    /// name it was uploaded under (already made safe: no path, no control characters).
    pub fn attachment(id: AttachmentId, name: &FileName) -> String {
        format!("attachments/{id}-{}", name.as_str())
    }
}

/// A message the person wrote, as the archive keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthoredMessage {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    /// Its place in the room (0 for a reply only in its thread): with `id`, where the next page
    /// starts. Not written into the archive.
    pub seq: u64,
    pub body: String,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub reply_to: Option<MessageId>,
    pub thread_id: Option<MessageId>,
}

/// A reaction the person gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenReaction {
    /// The reaction's own id: where the next page starts.
    pub id: i64,
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub emoji: String,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::DomainError;

    fn at(secs: i64) -> Timestamp {
        chrono::Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
    }

    fn export(state: ExportState) -> DataExport {
        DataExport {
            id: 7,
            user: UserId(3),
            state,
            requested_at: at(0),
            finished_at: None,
            expires_at: None,
            archive: None,
            attempts: 0,
        }
    }

    fn ready_until(end: Timestamp) -> DataExport {
        DataExport {
            finished_at: Some(at(60)),
            expires_at: Some(end),
            archive: Some(ExportFile {
                storage_key: "exports/3/7.zip".into(),
                size: 10,
                sha256: "ab".into(),
            }),
            ..export(ExportState::Ready)
        }
    }

    #[test]
    fn a_ready_export_expires_after_a_day_and_is_then_not_downloadable() {
        let ready = ready_until(at(60) + EXPORT_LIFETIME);
        assert_eq!(ready.state_at(at(120)), ExportState::Ready);
        assert!(ready.downloadable_at(at(120)).is_some());
        let end = at(60) + EXPORT_LIFETIME;
        assert_eq!(ready.state_at(end), ExportState::Expired);
        assert_eq!(ready.downloadable_at(end), None);
        assert_eq!(export(ExportState::Building).downloadable_at(at(1)), None);
    }

    #[test]
    fn asking_twice_while_one_is_under_way_answers_with_that_one() {
        for state in [ExportState::Queued, ExportState::Building] {
            let under_way = export(state);
            assert_eq!(
                on_request(Some(&under_way), at(5)),
                Ok(ExportRequest::AlreadyUnderWay(under_way.clone()))
            );
        }
        assert_eq!(on_request(None, at(0)), Ok(ExportRequest::Start));
    }

    #[test]
    fn another_export_waits_ten_minutes_after_the_last_unless_it_failed() {
        let ready = ready_until(at(86_400));
        assert_eq!(
            on_request(Some(&ready), at(100)),
            Err(DomainError::RateLimited {
                retry_after_secs: 500
            })
        );
        assert_eq!(on_request(Some(&ready), at(600)), Ok(ExportRequest::Start));
        assert_eq!(
            on_request(Some(&export(ExportState::Failed)), at(1)),
            Ok(ExportRequest::Start)
        );
    }

    #[test]
    fn a_failed_build_is_retried_twice_then_given_up() {
        assert_eq!(after_failure(1, at(0)), Some(at(60)));
        assert_eq!(after_failure(2, at(0)), Some(at(120)));
        assert_eq!(after_failure(3, at(0)), None);
    }

    #[test]
    fn states_read_back_from_their_names() {
        for state in ExportState::ALL {
            assert_eq!(ExportState::parse(state.as_str()), Some(state));
        }
        assert_eq!(ExportState::parse("done"), None);
    }

    #[test]
    fn the_archive_names_never_collide_or_leave_their_folder() {
        let name = FileName::sanitize("../../etc/passwd");
        let path = layout::attachment(AttachmentId(9), &name);
        assert!(path.starts_with("attachments/9-"));
        assert!(!path["attachments/".len()..].contains('/'));
        assert_ne!(
            layout::attachment(AttachmentId(1), &FileName::sanitize("a.png")),
            layout::attachment(AttachmentId(2), &FileName::sanitize("a.png"))
        );
        assert_eq!(
            layout::messages(ConversationId(4)),
            "messages/conversation-4.json"
        );
        let ready = ready_until(at(1));
        assert_eq!(ready.storage_key(), "exports/3/7.zip");
        assert_eq!(ready.file_name().as_str(), "confab-export-3-20270115.zip");
    }
}
