//! What happened, told to whoever is listening live. The realtime adapter decides channel names
//! and wire shapes; the domain only says what occurred.

use crate::{
    Address, ConversationId, ConversationOverview, Emoji, EnvelopeId, MessageId, MessageView,
    ReactionAction, ReactionCount, UserId, UserSummary,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RealtimeEvent {
    /// A new message (`message.sent`).
    MessageSent {
        message: MessageView,
    },
    /// The author changed a message's body (`message.updated`).
    MessageUpdated {
        message: MessageView,
    },
    /// A message became a tombstone (`message.deleted`).
    MessageDeleted {
        conversation_id: ConversationId,
        message_id: MessageId,
        deleted_at: crate::Timestamp,
    },
    /// A reaction was added or taken back (`message.reacted`); `reactions` is the message's new
    /// tally, without `me` (the event goes to everyone).
    MessageReacted {
        conversation_id: ConversationId,
        message_id: MessageId,
        emoji: Emoji,
        user_id: UserId,
        action: ReactionAction,
        reactions: Vec<ReactionCount>,
    },
    /// The creator closed the room.
    ConversationClosed {
        conversation: ConversationOverview,
    },
    /// A conversation was created; `members` are told so they can subscribe.
    ConversationCreated {
        conversation: ConversationOverview,
        members: Vec<UserId>,
    },
    /// Users joined a room by invitation.
    ParticipantsAdded {
        conversation: ConversationOverview,
        added: Vec<UserSummary>,
    },
    /// A user left or was removed; `banned` tells the two apart from a ban.
    ParticipantRemoved {
        conversation_id: ConversationId,
        user: UserSummary,
        banned: bool,
    },
    /// A ban was lifted (`participant.unbanned`): the user may be invited again.
    ParticipantUnbanned {
        conversation_id: ConversationId,
        user: UserSummary,
    },
    /// A member's role or timeout changed (`participant.updated`).
    ParticipantUpdated {
        conversation_id: ConversationId,
        user: UserSummary,
        standing: crate::roles::Standing,
    },
    /// The room's name, description or slow mode changed (`conversation.updated`).
    ConversationUpdated {
        conversation: ConversationOverview,
    },
    /// Someone reported a message to the room's moderators (webhook `message.reported` only:
    /// nothing live tells the room, and the author never learns who).
    MessageReported {
        report: crate::Report,
    },
    /// A message was pinned (`message.pinned`) or unpinned (`message.unpinned`); `message`
    /// carries its `pinned_at` / `pinned_by` after.
    MessagePinned {
        message: MessageView,
    },
    MessageUnpinned {
        message: MessageView,
    },
    /// A connectivity ping of the plain-WebSocket protocol, forwarded to the other members of
    /// `to` (the README's "forward the ping to subscribed clients"). `payload` is the client's
    /// JSON object, passed through as text: the domain does not read it.
    Ping {
        id: EnvelopeId,
        from: UserId,
        to: Address,
        payload: String,
        at: crate::Timestamp,
    },
    /// A participant is typing in the room, or in the thread under `thread_id` (`typing`): at
    /// most one event per user per room every
    /// [`TYPING_INTERVAL_MS`](crate::typing::TYPING_INTERVAL_MS).
    Typing {
        conversation_id: ConversationId,
        thread_id: Option<MessageId>,
        user: UserSummary,
    },
    /// A reply changed the thread under `root_id` (`thread.updated`, on the room's channels).
    ThreadUpdated {
        conversation_id: ConversationId,
        root_id: MessageId,
        thread: crate::thread::ThreadSummary,
    },
    /// A new message alerts `notification.recipient` (`notification`, on their own channel;
    /// webhook `notification.created`).
    Notification {
        notification: crate::Notification,
    },
    /// A user's public profile changed (`user.updated`): told in every room they are in (member
    /// lists and message authors show the new name) and on their own channel (their other
    /// devices); webhook `user.updated` once.
    UserUpdated {
        user: UserSummary,
        conversations: Vec<ConversationId>,
    },
    /// A participant's read position moved.
    ConversationRead {
        conversation_id: ConversationId,
        user_id: UserId,
        last_read_message_id: Option<MessageId>,
    },
}
