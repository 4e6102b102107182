//! Messages and the rule for what a message body may be.

use crate::{ConversationId, MessageId, Timestamp, UserId, UserSummary};

/// Message text: required, not blank, at most 65,535 characters (the API document's limit).
///
/// The text is kept exactly as sent: leading spaces and line breaks are part of what people write
/// (code blocks, poems), so only the blank check looks through them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub const MAX_CHARS: usize = 65_535;

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::parse_beside(raw, false)
    }

    /// A body beside files: a message that carries attachments may have no text (a photo on its
    /// own), otherwise the same rule as [`MessageBody::parse`].
    pub fn parse_beside(raw: &str, has_attachments: bool) -> Result<Self, String> {
        if raw.trim().is_empty() && !has_attachments {
            return Err("The body field is required.".into());
        }
        crate::text::ensure_no_nul("body", raw)?;
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "The body field must not be greater than {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The sender's own name for a message (`client_id`, or the `Idempotency-Key` header): sending
/// twice with the same one stores the message once, so a client may retry a send whose answer
/// it never got. 1–64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(String);

impl ClientId {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let count = raw.chars().count();
        if count == 0 || count > Self::MAX_CHARS || raw.chars().any(char::is_control) {
            return Err(format!(
                "The client_id field must be 1 to {} characters without control characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A message about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub conversation_id: ConversationId,
    pub sender: UserId,
    pub body: MessageBody,
    pub created_at: Timestamp,
    /// A repeat of an earlier send with the same id returns that message instead.
    pub client_id: Option<ClientId>,
    /// The message this one answers: of the same conversation and not deleted, or the send is
    /// refused (see [`crate::message_changes::ensure_can_reply_to`]).
    pub reply_to: Option<MessageId>,
    /// Uploads that go into the message: each the sender's own, of this conversation, in no other
    /// message ([`Attachment::ensure_attachable`](crate::Attachment::ensure_attachable), checked in
    /// the send's transaction).
    pub attachments: Vec<crate::AttachmentId>,
    /// Who it names ([`crate::mention`]): each a participant of the room when it commits.
    pub mentions: crate::Mentions,
    /// The root of the thread it replies in ([`crate::thread::ensure_can_reply_in_thread`],
    /// checked in the send's transaction).
    pub thread_id: Option<MessageId>,
    /// A thread reply that is also part of the room's timeline.
    pub also_in_room: bool,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    /// Its place in the conversation: 1 for the first message, then one more for each, no gaps.
    /// Internal (clients page by id); it is what makes unread counts and pages cost the same at
    /// any history size (see [`crate::read_position`]).
    pub seq: u64,
    pub sender: UserId,
    /// Empty once deleted (a tombstone, see [`Message::is_deleted`]).
    pub body: String,
    pub created_at: Timestamp,
    /// When the author last changed the body; `None` until then.
    pub edited_at: Option<Timestamp>,
    /// When it was deleted. A deleted message keeps its place (id, sequence number, author,
    /// time), so pages, cursors and unread counts do not move; only its content is gone.
    pub deleted_at: Option<Timestamp>,
    pub client_id: Option<ClientId>,
    pub reply_to: Option<MessageId>,
    /// It calls the whole room (`mention_room`); the people it names are in [`MessageView`].
    pub mention_room: bool,
    /// The root of the thread it replies in. A reply that is only in its thread has `seq` 0: it
    /// is not part of the room's timeline.
    pub thread_id: Option<MessageId>,
    /// When and by whom it was pinned; `None` when it is not.
    pub pinned: Option<crate::Pin>,
}

impl Message {
    /// A stored message as it was first written: not edited, deleted or answering anything.
    pub fn sent(
        id: MessageId,
        conversation_id: ConversationId,
        seq: u64,
        sender: UserId,
        body: impl Into<String>,
        created_at: Timestamp,
    ) -> Self {
        Self {
            id,
            conversation_id,
            seq,
            sender,
            body: body.into(),
            created_at,
            edited_at: None,
            deleted_at: None,
            client_id: None,
            reply_to: None,
            mention_room: false,
            thread_id: None,
            pinned: None,
        }
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// What the thread rule ([`crate::thread::ensure_can_reply_in_thread`]) reads of it as a root.
    pub fn as_root(&self) -> crate::thread::RootFacts {
        crate::thread::RootFacts {
            conversation_id: self.conversation_id,
            deleted: self.is_deleted(),
            in_thread: self.thread_id.is_some(),
        }
    }
}

/// What a reply shows of the message it answers: a deleted parent shows its tombstone (an empty
/// body), so a quote never outlives a deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyPreview {
    pub id: MessageId,
    pub body: String,
    pub author: UserSummary,
}

/// A message with what every reader is shown beside it: its author's name, the message it
/// answers, its reactions (with `me` for the one reading) and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    pub message: Message,
    pub author: UserSummary,
    pub reply_to: Option<ReplyPreview>,
    pub reactions: Vec<crate::ReactionCount>,
    /// In the order the sender named them; none once the message is deleted.
    pub attachments: Vec<crate::Attachment>,
    /// The people it names, in the order named; none once the message is deleted.
    pub mentions: Vec<UserSummary>,
    /// The thread under it, once someone replied in one.
    pub thread: Option<crate::thread::ThreadSummary>,
    /// The reader has blocked its author (what the reader's own reads say; events, which go to
    /// everyone, say `false`).
    pub author_blocked: bool,
}

impl MessageView {
    /// A message with its author and nothing else loaded beside it.
    pub fn new(message: Message, author: UserSummary) -> Self {
        Self {
            message,
            author,
            reply_to: None,
            reactions: Vec::new(),
            attachments: Vec::new(),
            mentions: Vec::new(),
            thread: None,
            author_blocked: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_required_and_not_blank() {
        assert!(MessageBody::parse("").is_err());
        assert!(MessageBody::parse(" \n\t ").is_err());
    }

    #[test]
    fn body_of_exactly_65535_characters_is_accepted_and_one_more_is_not() {
        assert!(MessageBody::parse(&"é".repeat(65_535)).is_ok());
        assert!(MessageBody::parse(&"é".repeat(65_536)).is_err());
    }

    #[test]
    fn a_body_with_a_nul_is_refused() {
        assert!(MessageBody::parse("a\0b").unwrap_err().contains("NUL"));
    }

    #[test]
    fn a_client_id_is_1_to_64_printable_characters() {
        assert!(ClientId::parse("retry-7f3a").is_ok());
        assert!(ClientId::parse(&"ü".repeat(64)).is_ok());
        assert!(ClientId::parse(&"a".repeat(65)).is_err());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse("a\nb").is_err());
    }

    #[test]
    fn beside_files_a_body_may_be_empty_but_not_too_long() {
        assert_eq!(MessageBody::parse_beside("", true).unwrap().as_str(), "");
        assert!(MessageBody::parse_beside("", false).is_err());
        assert!(MessageBody::parse_beside(&"a".repeat(65_536), true).is_err());
        assert!(MessageBody::parse_beside("a\0", true).is_err());
    }

    #[test]
    fn body_keeps_its_whitespace() {
        assert_eq!(MessageBody::parse("  hi\n").unwrap().as_str(), "  hi\n");
    }
}
