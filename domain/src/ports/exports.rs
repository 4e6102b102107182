use async_trait::async_trait;

use crate::ports::ByteSource;
use crate::{
    AccountToken, Attachment, AttachmentId, AuthoredMessage, ConversationId, ConversationOverview,
    DataExport, DomainError, ExportFile, GivenReaction, MessageId, NewToken, Timestamp, User,
    UserId,
};

/// The data exports (`data_exports`) and the reads that fill one: each read is one page in the
/// order of an index, so building an export holds a page at a time and costs in proportion to
/// the person's own data, not to everyone's.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ExportRepository: Send + Sync {
    /// `user`'s most recent export, if they ever asked for one.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn latest(&self, user: UserId) -> Result<Option<DataExport>, DomainError>;

    /// Queues a new export for `user`, asked for at `now` — unless one is queued or being built
    /// (two requests at once): then that one, and `false`. A unique index decides.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn request(
        &self,
        user: UserId,
        now: Timestamp,
    ) -> Result<(DataExport, bool), DomainError>;

    /// The oldest export due at `now` (queued, or building on a node whose lease ran out),
    /// leased until `lease_until` and counted as one more attempt; of two nodes asking at once,
    /// the database gives it to one.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn claim(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<DataExport>, DomainError>;

    /// The archive is written: the export becomes ready until `token.expires_at`, and the mail
    /// carrying `token` (only its hash is stored, with the export) is queued to `user`'s current
    /// email — one transaction. `false`, with nothing stored or queued, when the export is gone
    /// (its account was deleted while it was being built).
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn finish(
        &self,
        export: i64,
        archive: ExportFile,
        token: NewToken,
        user: &User,
    ) -> Result<bool, DomainError>;

    /// Building failed: try again from `retry_at`, or, with `None`, never (the export failed).
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn failed(&self, export: i64, retry_at: Option<Timestamp>) -> Result<(), DomainError>;

    /// The ready export whose mail carried `token`, when the token is one (the export may have
    /// expired since: the use case decides).
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn by_download_token(
        &self,
        token: &AccountToken,
    ) -> Result<Option<DataExport>, DomainError>;

    /// Up to `limit` exports whose archive expired by `now`, marked `expired` with their link's
    /// token forgotten; their archives, which the caller removes from the store.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn take_expired(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<ExportFile>, DomainError>;

    /// Up to `limit` rooms after `after` (by id) where `user` wrote a message still there.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn rooms_written_in(
        &self,
        user: UserId,
        after: Option<ConversationId>,
        limit: usize,
    ) -> Result<Vec<ConversationId>, DomainError>;

    /// Up to `limit` of `user`'s messages in `room` after the one at `after` (its `seq` and id),
    /// in the room's order (deleted ones, which keep nothing of theirs, left out).
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn messages_written(
        &self,
        user: UserId,
        room: ConversationId,
        after: Option<(u64, MessageId)>,
        limit: usize,
    ) -> Result<Vec<AuthoredMessage>, DomainError>;

    /// Up to `limit` of the reactions `user` gave after the one with id `after`, in id order.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn reactions_given(
        &self,
        user: UserId,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<GivenReaction>, DomainError>;

    /// Up to `limit` of the files `user` uploaded after `after`, by id.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn files_uploaded(
        &self,
        user: UserId,
        after: Option<AttachmentId>,
        limit: usize,
    ) -> Result<Vec<Attachment>, DomainError>;
}

/// One record of an export, in the archive's own words (the adapter picks the format).
#[derive(Debug, Clone, PartialEq)]
pub enum ExportRecord {
    Profile(User),
    /// Boxed: a room with its members and last message is several times the others' size.
    Room(Box<ConversationOverview>),
    Message(AuthoredMessage),
    Reaction(GivenReaction),
    File(Attachment),
}

/// An archive being written, entry after entry, straight into the file store: nothing of it is
/// held whole. A list entry is opened, filled a page at a time and closed before the next entry.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ExportArchive: Send {
    /// An entry `path` holding one record.
    ///
    /// # Errors
    /// `Unavailable` when the store stopped taking bytes; `Internal` otherwise.
    async fn single(&mut self, path: &str, record: ExportRecord) -> Result<(), DomainError>;

    /// Starts the entry `path`, a list.
    ///
    /// # Errors
    /// As [`single`](Self::single).
    async fn open_list(&mut self, path: &str) -> Result<(), DomainError>;

    /// Appends `records` to the open list.
    ///
    /// # Errors
    /// As [`single`](Self::single).
    async fn push(&mut self, records: Vec<ExportRecord>) -> Result<(), DomainError>;

    /// Ends the open list.
    ///
    /// # Errors
    /// As [`single`](Self::single).
    async fn close_list(&mut self) -> Result<(), DomainError>;

    /// An entry `path` with the bytes of `source` (a stored file), copied as they are read.
    ///
    /// # Errors
    /// `source`'s error, or as [`single`](Self::single).
    async fn copy(&mut self, path: &str, source: Box<dyn ByteSource>) -> Result<(), DomainError>;

    /// An entry `path` with `text`.
    ///
    /// # Errors
    /// As [`single`](Self::single).
    async fn text(&mut self, path: &str, text: &str) -> Result<(), DomainError>;

    /// Ends the archive and waits until the store has all of it.
    ///
    /// # Errors
    /// As [`single`](Self::single); on any error nothing usable is left under the key.
    async fn finish(&mut self) -> Result<ExportFile, DomainError>;
}

/// Starts archives.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait ArchiveWriter: Send + Sync {
    /// A new, empty archive that will be stored under `key`.
    fn start(&self, key: &str) -> Box<dyn ExportArchive>;
}
