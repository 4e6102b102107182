use async_trait::async_trait;

use crate::{
    Appended, AuditEntry, ConversationId, Cursor, DomainError, Emoji, FollowedThread, Mentions,
    Message, MessageBody, MessageChange, MessageId, MessageView, NewMessage, Page, PageRequest,
    ReactionAction, SearchQuery, SearchScope, Slice, ThreadPage, ThreadRead, Timestamp, UserId,
};

/// Where messages live.
///
/// Every read here costs the same however long the conversation's history is: messages are
/// found by their per-conversation sequence number (see [`crate::read_position`]), never counted
/// or skipped over. Reads return [`MessageView`]s with the reply preview and the reactions as
/// `viewer` sees them (`me`), loaded for a whole page at once: a fixed number of statements
/// whatever the page holds.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MessageRepository: Send + Sync {
    /// Stores a message with the conversation's next sequence number and, in the same
    /// transaction, moves the conversation's `updated_at` to the message's time and the sender's
    /// read position to the message (your own message is read) — only if the posting rule
    /// ([`PostingFacts::ensure`](crate::PostingFacts::ensure)) holds inside that transaction, with
    /// the room locked against a concurrent ban, removal or close.
    ///
    /// A send with a [`ClientId`](crate::ClientId) that this sender already used in this
    /// conversation stores nothing and returns [`Appended::Repeat`] with the stored message's id,
    /// also when the two sends race (decided with the room locked, backed by a unique index). A
    /// `reply_to` is checked by [`ensure_can_reply_to`](crate::message_changes::ensure_can_reply_to)
    /// in the same transaction.
    ///
    /// # Errors
    /// What [`PostingFacts::ensure`](crate::PostingFacts::ensure) says when the rule no longer
    /// holds at commit (nothing is stored); `Invalid` on `reply_to`; `Internal` otherwise.
    async fn append(&self, message: NewMessage) -> Result<Appended, DomainError>;

    /// The newest message, where "mark read" moves a read position to.
    ///
    /// # Errors
    /// `Internal` only.
    async fn newest(&self, conversation: ConversationId) -> Result<Option<Message>, DomainError>;

    /// One page of a conversation's messages, newest first, with the total count.
    ///
    /// # Errors
    /// `Internal` only.
    async fn list(
        &self,
        conversation: ConversationId,
        page: PageRequest,
        viewer: UserId,
    ) -> Result<Page<MessageView>, DomainError>;

    /// Up to `cursor.limit` messages strictly before (newest first) or after (oldest first) the
    /// cursor's message. `None` when that message is not in this conversation.
    ///
    /// # Errors
    /// `Internal` only.
    async fn slice(
        &self,
        conversation: ConversationId,
        cursor: Cursor,
        viewer: UserId,
    ) -> Result<Option<Slice<MessageView>>, DomainError>;

    /// One message of `conversation`; `None` when there is no such message in it.
    ///
    /// # Errors
    /// `Internal` only.
    async fn find(
        &self,
        conversation: ConversationId,
        id: MessageId,
        viewer: UserId,
    ) -> Result<Option<MessageView>, DomainError>;

    /// Replaces the body and sets `edited_at`, with the message locked: the
    /// [`ChangeFacts`](crate::message_changes::ChangeFacts) are read under the lock and the domain
    /// decides (the use case checked the author on what it read). Returns the change — the message
    /// as the edit left it, as its author sees it (their response) — whose events are stored in
    /// the webhook outbox in the same transaction.
    ///
    /// # Errors
    /// What [`ChangeFacts::ensure`](crate::message_changes::ChangeFacts::ensure) says when the message
    /// was deleted or its room closed meanwhile (nothing is written); `MessageNotFound` when it is
    /// gone; `Internal` otherwise.
    ///
    /// With `mentions`, the people and room the message names are replaced too (each named person
    /// checked by the use case against the room's members); their `unread_mentions` follow, and
    /// nobody is notified (an edit alerts nobody). `None` keeps what the message names.
    async fn edit(
        &self,
        id: MessageId,
        body: &MessageBody,
        mentions: Option<Mentions>,
        at: Timestamp,
    ) -> Result<MessageChange, DomainError>;

    /// Turns the message into its tombstone ([`Message::into_tombstone`]) and removes its
    /// reactions and the records of its files (the caller removes their bytes), in one
    /// transaction with the change's events in the webhook outbox. Returns the
    /// change the first time, `None` when it already was a tombstone (nothing changes). A
    /// moderator's deletion of another's message carries its `audit` entry, recorded in the same
    /// transaction. The tombstone is no longer pinned.
    ///
    /// # Errors
    /// `Internal` only.
    async fn delete(
        &self,
        id: MessageId,
        at: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<Option<MessageChange>, DomainError>;

    /// Adds or takes back `user`'s `emoji` on the message, with the message locked, so the limit
    /// of [`reaction::ensure_room_for`](crate::reaction::ensure_room_for) holds under concurrent
    /// reactions and the [`ChangeFacts`](crate::message_changes::ChangeFacts) read under the lock
    /// decide (a deletion or close that landed meanwhile refuses it). Returns the change (the
    /// message with its new tally as `user` sees it; its events stored in the webhook outbox in
    /// the same transaction), or `None` when nothing changed (adding twice, or taking back what is
    /// not there).
    ///
    /// # Errors
    /// What [`ChangeFacts::ensure`](crate::message_changes::ChangeFacts::ensure) says,
    /// `TooManyReactions`; `Internal` otherwise.
    async fn react(
        &self,
        id: MessageId,
        user: UserId,
        emoji: &Emoji,
        action: ReactionAction,
        at: Timestamp,
    ) -> Result<Option<MessageChange>, DomainError>;

    /// Messages of `scope` containing every word of `query`, newest first, one page of them with
    /// the number of matches. Uses the database's full-text index (SQLite FTS5, PostgreSQL
    /// `tsvector` + GIN); tombstones never match.
    ///
    /// # Errors
    /// `Internal` only.
    async fn search(
        &self,
        scope: SearchScope,
        query: &SearchQuery,
        page: PageRequest,
        viewer: UserId,
    ) -> Result<Page<MessageView>, DomainError>;

    /// `user`'s mention feed: the messages that name them or call a room of theirs, across the
    /// rooms they are in now, newest first, up to `limit` strictly before `before` (from the newest
    /// without it). One index range per read (a mention is stored per person it reaches), so the
    /// cost is the page's, not the history's.
    ///
    /// # Errors
    /// `Internal` only.
    async fn mentions_of(
        &self,
        user: UserId,
        before: Option<MessageId>,
        limit: u64,
    ) -> Result<Slice<MessageView>, DomainError>;

    /// The thread under `root` in `conversation`: the root and up to `read.limit` replies —
    /// strictly before (newest first) or after (oldest first) a reply, or the newest when no
    /// cursor is given — as `viewer` sees them. `None` when `root` is not a message of
    /// `conversation` or is itself a reply in a thread. One index range, whatever the thread's
    /// or the room's size.
    ///
    /// # Errors
    /// `Internal` only.
    async fn thread(
        &self,
        conversation: ConversationId,
        root: MessageId,
        read: ThreadRead,
        viewer: UserId,
    ) -> Result<Option<ThreadPage>, DomainError>;

    /// `user` follows the thread under `root` (`follow`), with nothing in it unread from now, or
    /// stops following it (replying follows it again; a root's author who stopped is not made to
    /// follow by the next reply).
    ///
    /// # Errors
    /// `Internal` only.
    async fn follow_thread(
        &self,
        conversation: ConversationId,
        root: MessageId,
        user: UserId,
        follow: bool,
    ) -> Result<(), DomainError>;

    /// Moves `user`'s read position in the thread under `root` to its newest reply (nothing when
    /// they do not follow it).
    ///
    /// # Errors
    /// `Internal` only.
    async fn mark_thread_read(&self, root: MessageId, user: UserId) -> Result<(), DomainError>;

    /// The threads `user` follows in the rooms they are in, most recently active first: those
    /// whose last reply is older than the message `before` when given, up to `limit`, each with
    /// its root and `user`'s unread replies in it.
    ///
    /// # Errors
    /// `Internal` only.
    async fn threads_of(
        &self,
        user: UserId,
        before: Option<MessageId>,
        limit: u64,
    ) -> Result<Slice<FollowedThread>, DomainError>;
}
