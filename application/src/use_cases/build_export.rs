//! Build exports: one step of the background work behind `POST /user/export` — forget the
//! archives that expired, take the oldest export due, write its archive into the file store a
//! page at a time, and queue the mail with its link. A build that fails is tried again (twice)
//! and then marked failed; a node that dies mid-build leaves a lease that runs out, and another
//! node builds it again over the half-written archive.
//!
//! Not a request's use case: a background loop calls [`ExportBuilding::step`], like mail
//! delivery, so it has its own ports.

use std::sync::Arc;

use confab_domain::data_export::layout::{self, README_TEXT};
use confab_domain::data_export::{EXPORT_LEASE, EXPORT_PAGE, MAX_BUILD_ATTEMPTS, after_failure};
use confab_domain::ports::{
    ArchiveWriter, Clock, ConversationRepository, ExportArchive, ExportRecord, ExportRepository,
    FileStore, UserRepository,
};
use confab_domain::{DataExport, DomainError, ExportFile, NewToken, TokenPurpose, User};

use crate::secrets::fresh_token;

/// Expired archives removed per step.
pub const EXPIRED_BATCH: usize = 100;

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportStep {
    /// Nothing was due.
    Idle,
    /// This export is ready and its mail queued.
    Built { export: i64, size: u64 },
    /// Building this export failed, for the log; it is retried unless `given_up`.
    Failed {
        export: i64,
        reason: String,
        given_up: bool,
    },
}

/// The ports a build reads and writes through.
#[derive(Clone)]
pub struct ExportBuilding {
    pub exports: Arc<dyn ExportRepository>,
    pub users: Arc<dyn UserRepository>,
    pub conversations: Arc<dyn ConversationRepository>,
    pub files: Arc<dyn FileStore>,
    pub archives: Arc<dyn ArchiveWriter>,
    pub clock: Arc<dyn Clock>,
}

impl ExportBuilding {
    /// Removes up to [`EXPIRED_BATCH`] expired archives, then builds at most one export.
    ///
    /// # Errors
    /// What the database or the store return outside a build (a build's own failure is
    /// [`ExportStep::Failed`]).
    pub async fn step(&self) -> Result<ExportStep, DomainError> {
        let now = self.clock.now();
        let expired = self.exports.take_expired(now, EXPIRED_BATCH).await?;
        if !expired.is_empty() {
            let keys: Vec<String> = expired.into_iter().map(|a| a.storage_key).collect();
            self.files.delete(&keys).await?;
        }
        let lease = chrono::Duration::from_std(EXPORT_LEASE).unwrap_or(chrono::Duration::MAX);
        let Some(export) = self.exports.claim(now, now + lease).await? else {
            return Ok(ExportStep::Idle);
        };
        if export.attempts > MAX_BUILD_ATTEMPTS {
            // Every earlier taker died mid-build (a build that takes its node down with it):
            // given up on rather than tried forever.
            self.exports.failed(export.id, None).await?;
            return Ok(ExportStep::Failed {
                export: export.id,
                reason: "its builders stopped before finishing it".into(),
                given_up: true,
            });
        }
        let built = match self.users.find_by_id(export.user).await? {
            Some(user) => self.build(&export, &user).await.map(|a| (a, user)),
            None => Err(DomainError::UserNotFound),
        };
        match built {
            Ok((archive, user)) => {
                let size = archive.size;
                let key = archive.storage_key.clone();
                let token = NewToken::issue(
                    TokenPurpose::DownloadExport,
                    fresh_token(),
                    self.clock.now(),
                );
                if !self
                    .exports
                    .finish(export.id, archive, token, &user)
                    .await?
                {
                    // The account was deleted meanwhile: its copy goes too.
                    self.files.delete(&[key]).await?;
                    return Ok(ExportStep::Idle);
                }
                Ok(ExportStep::Built {
                    export: export.id,
                    size,
                })
            }
            Err(error) => {
                let retry_at = after_failure(export.attempts, self.clock.now());
                self.exports.failed(export.id, retry_at).await?;
                Ok(ExportStep::Failed {
                    export: export.id,
                    reason: error.to_string(),
                    given_up: retry_at.is_none(),
                })
            }
        }
    }

    /// Writes the archive of `export` and waits until the store has it.
    async fn build(&self, export: &DataExport, user: &User) -> Result<ExportFile, DomainError> {
        let mut archive = self.archives.start(&export.storage_key());
        // Dropping an archive that was not finished leaves nothing usable under its key.
        self.fill(archive.as_mut(), user).await?;
        archive.finish().await
    }

    async fn fill(&self, archive: &mut dyn ExportArchive, user: &User) -> Result<(), DomainError> {
        archive.text(layout::README, README_TEXT).await?;
        archive
            .single(layout::PROFILE, ExportRecord::Profile(user.clone()))
            .await?;
        let rooms = self.conversations.list_for(user.id).await?;
        archive.open_list(layout::ROOMS).await?;
        for page in rooms.chunks(EXPORT_PAGE) {
            let records = page
                .iter()
                .map(|room| ExportRecord::Room(Box::new(room.clone())))
                .collect();
            archive.push(records).await?;
        }
        archive.close_list().await?;
        self.messages(archive, user).await?;
        self.reactions(archive, user).await?;
        self.files(archive, user).await
    }

    /// One list per room written in, filled a page at a time.
    async fn messages(
        &self,
        archive: &mut dyn ExportArchive,
        user: &User,
    ) -> Result<(), DomainError> {
        let mut after_room = None;
        loop {
            let rooms = self
                .exports
                .rooms_written_in(user.id, after_room, EXPORT_PAGE)
                .await?;
            for &room in &rooms {
                archive.open_list(&layout::messages(room)).await?;
                push_pages(
                    archive,
                    |after| {
                        self.exports
                            .messages_written(user.id, room, after, EXPORT_PAGE)
                    },
                    |m| (m.seq, m.id),
                    ExportRecord::Message,
                )
                .await?;
                archive.close_list().await?;
            }
            if rooms.len() < EXPORT_PAGE {
                return Ok(());
            }
            after_room = rooms.last().copied();
        }
    }

    async fn reactions(
        &self,
        archive: &mut dyn ExportArchive,
        user: &User,
    ) -> Result<(), DomainError> {
        archive.open_list(layout::REACTIONS).await?;
        push_pages(
            archive,
            |after| self.exports.reactions_given(user.id, after, EXPORT_PAGE),
            |r| r.id,
            ExportRecord::Reaction,
        )
        .await?;
        archive.close_list().await
    }

    /// The list of files first, then each file's bytes (an archive writes one entry at a time).
    async fn files(&self, archive: &mut dyn ExportArchive, user: &User) -> Result<(), DomainError> {
        archive.open_list(layout::ATTACHMENTS).await?;
        push_pages(
            archive,
            |after| self.exports.files_uploaded(user.id, after, EXPORT_PAGE),
            |f| f.id,
            ExportRecord::File,
        )
        .await?;
        archive.close_list().await?;
        let mut after = None;
        loop {
            let page = self
                .exports
                .files_uploaded(user.id, after, EXPORT_PAGE)
                .await?;
            after = page.last().map(|f| f.id);
            for file in &page {
                let bytes = match self.files.read(&file.storage_key).await {
                    Ok(bytes) => bytes,
                    // Gone from the store (removed by hand): listed, without its bytes.
                    Err(DomainError::AttachmentNotFound) => continue,
                    Err(error) => return Err(error),
                };
                archive
                    .copy(&layout::attachment(file.id, &file.name), bytes)
                    .await?;
            }
            if page.len() < EXPORT_PAGE {
                return Ok(());
            }
        }
    }
}

/// Pushes a list that is read a page at a time into the archive's open list: `fetch` gives the
/// page after a cursor (`None`: the first), `cursor` says where a page ends, `record` wraps each
/// item; a page shorter than [`EXPORT_PAGE`] is the last.
async fn push_pages<T, C, Fut>(
    archive: &mut dyn ExportArchive,
    mut fetch: impl FnMut(Option<C>) -> Fut,
    cursor: fn(&T) -> C,
    record: fn(T) -> ExportRecord,
) -> Result<(), DomainError>
where
    Fut: Future<Output = Result<Vec<T>, DomainError>>,
{
    let mut after = None;
    loop {
        let page = fetch(after).await?;
        after = page.last().map(cursor);
        let full = page.len() == EXPORT_PAGE;
        archive.push(page.into_iter().map(record).collect()).await?;
        if !full {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests;
