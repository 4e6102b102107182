use confab_domain::{MessageView, ReactionCount, ReplyPreview, ThreadSummary};
use poem_openapi::Object;
use poem_openapi::types::ToJSON;
use serde_json::Value;

use super::{
    AttachmentDto, AttachmentIdList, ClientIdText, DateTime, MentionIdList, MessageText,
    MessageTextBesideFiles, NullAllowed, Ruled, SentOrNull, UserDto, rfc3339_micros,
};

/// A message, as the API document and the `message.sent` event show it, with what other chat
/// APIs carry beside it: edits, deletion, the sender's id for it, the message it answers,
/// reactions and files.
#[derive(Debug, Clone, Object)]
pub struct MessageDto {
    pub id: i64,
    pub conversation_id: i64,
    pub user_id: i64,
    /// `""` once deleted.
    pub body: String,
    pub created_at: Ruled<String, DateTime>,
    pub user: UserDto,
    /// When the author last edited it; `null` until then.
    pub edited_at: Ruled<Option<String>, (DateTime, SentOrNull)>,
    /// When it was deleted; `null` otherwise. A deleted message keeps its place in the history
    /// (a tombstone: empty `body`, no reactions).
    pub deleted_at: Ruled<Option<String>, (DateTime, SentOrNull)>,
    /// The sender's own id for it (`client_id` or `Idempotency-Key` at send); `null` if none.
    pub client_id: Ruled<Option<String>, SentOrNull>,
    /// The message it answers; `null` when it answers none.
    pub reply_to: Ruled<Option<ReplyPreviewDto>, SentOrNull>,
    /// Each emoji once, in the order first used; `me` is whether you reacted with it.
    pub reactions: Vec<ReactionDto>,
    /// Its files, in the order they were sent; empty for none and once deleted.
    pub attachments: Vec<AttachmentDto>,
    /// The people it names, in the order named; empty for none and once deleted.
    pub mentions: Vec<UserDto>,
    /// Whether it calls the whole room (everyone in it is mentioned).
    pub mention_room: bool,
    /// The root of the thread it replies in; `null` for a message of the room.
    pub thread_id: Ruled<Option<i64>, SentOrNull>,
    /// The thread under it; `null` until someone replies in one.
    pub thread: Ruled<Option<ThreadSummaryDto>, SentOrNull>,
    /// When it was pinned (`PUT …/pin`); `null` when it is not pinned.
    pub pinned_at: Ruled<Option<String>, (DateTime, SentOrNull)>,
    /// Who pinned it (a user id); `null` when it is not pinned.
    pub pinned_by: Ruled<Option<i64>, SentOrNull>,
    /// You have blocked its author (`PUT /user/blocks/{userId}`): a client may fold it away. Live
    /// events and webhooks, which go to everyone, say `false`.
    pub author_blocked: bool,
}

impl From<&MessageView> for MessageDto {
    fn from(view: &MessageView) -> Self {
        let message = &view.message;
        Self {
            id: message.id.get(),
            conversation_id: message.conversation_id.get(),
            user_id: message.sender.get(),
            body: message.body.clone(),
            created_at: rfc3339_micros(message.created_at).into(),
            user: UserDto::from(&view.author),
            edited_at: message.edited_at.map(rfc3339_micros).into(),
            deleted_at: message.deleted_at.map(rfc3339_micros).into(),
            client_id: message
                .client_id
                .as_ref()
                .map(|c| c.as_str().to_owned())
                .into(),
            reply_to: view.reply_to.as_ref().map(ReplyPreviewDto::from).into(),
            reactions: view.reactions.iter().map(ReactionDto::from).collect(),
            attachments: view.attachments.iter().map(AttachmentDto::from).collect(),
            mentions: view.mentions.iter().map(UserDto::from).collect(),
            mention_room: message.mention_room,
            thread_id: message.thread_id.map(|id| id.get()).into(),
            thread: view.thread.as_ref().map(ThreadSummaryDto::from).into(),
            pinned_at: message.pinned.map(|pin| rfc3339_micros(pin.at)).into(),
            pinned_by: message.pinned.map(|pin| pin.by.get()).into(),
            author_blocked: view.author_blocked,
        }
    }
}

/// The thread under a message, once someone replied in it.
#[derive(Debug, Clone, Object)]
pub struct ThreadSummaryDto {
    pub reply_count: u64,
    pub last_reply_at: Ruled<String, DateTime>,
    pub last_reply_id: i64,
    /// Who replied, latest first, each once, at most five.
    pub participants: Vec<UserDto>,
}

impl From<&ThreadSummary> for ThreadSummaryDto {
    fn from(thread: &ThreadSummary) -> Self {
        Self {
            reply_count: thread.reply_count,
            last_reply_at: rfc3339_micros(thread.last_reply_at).into(),
            last_reply_id: thread.last_reply_id.get(),
            participants: thread.participants.iter().map(UserDto::from).collect(),
        }
    }
}

/// A thread's summary as `thread.updated` carries it: the response's own JSON.
pub fn thread_event_json(thread: &ThreadSummary) -> Value {
    ThreadSummaryDto::from(thread)
        .to_json()
        .expect("a thread summary always renders as JSON")
}

/// The message object as live events carry it (`message.sent`, `message.updated`, envelope
/// `message`s and their acks): this DTO's own JSON, so an event and a response cannot drift,
/// without `reactions[].me` — one event goes to everyone, and whether "I" reacted differs per
/// reader. `bin` hands this function to the realtime adapter.
pub fn message_event_json(view: &MessageView) -> Value {
    let mut json = MessageDto::from(view)
        .to_json()
        .expect("a message object always renders as JSON");
    if let Some(Value::Array(reactions)) = json.get_mut("reactions") {
        for reaction in reactions.iter_mut().filter_map(Value::as_object_mut) {
            reaction.remove("me");
        }
    }
    json
}

/// What a reply shows of the message it answers (`""` when that message was deleted).
#[derive(Debug, Clone, Object)]
pub struct ReplyPreviewDto {
    pub id: i64,
    pub body: String,
    pub user: UserDto,
}

impl From<&ReplyPreview> for ReplyPreviewDto {
    fn from(preview: &ReplyPreview) -> Self {
        Self {
            id: preview.id.get(),
            body: preview.body.clone(),
            user: UserDto::from(&preview.author),
        }
    }
}

/// One emoji on a message.
#[derive(Debug, Clone, Object)]
pub struct ReactionDto {
    pub emoji: String,
    pub count: u64,
    /// Whether you reacted with it.
    pub me: bool,
}

impl From<&ReactionCount> for ReactionDto {
    fn from(reaction: &ReactionCount) -> Self {
        Self {
            emoji: reaction.emoji.clone(),
            count: reaction.count,
            me: reaction.me,
        }
    }
}

/// The newest message of a conversation, in a conversation list (a tombstone when it was deleted).
#[derive(Debug, Clone, Object)]
pub struct LastMessageDto {
    pub id: i64,
    pub body: String,
    pub created_at: Ruled<String, DateTime>,
    pub user: UserDto,
    pub edited_at: Ruled<Option<String>, (DateTime, SentOrNull)>,
    pub deleted_at: Ruled<Option<String>, (DateTime, SentOrNull)>,
    /// Its files, as in a message object.
    pub attachments: Vec<AttachmentDto>,
    /// The people it names and whether it calls the room, as in a message object.
    pub mentions: Vec<UserDto>,
    pub mention_room: bool,
}

impl From<&MessageView> for LastMessageDto {
    fn from(view: &MessageView) -> Self {
        Self {
            id: view.message.id.get(),
            body: view.message.body.clone(),
            created_at: rfc3339_micros(view.message.created_at).into(),
            user: UserDto::from(&view.author),
            edited_at: view.message.edited_at.map(rfc3339_micros).into(),
            deleted_at: view.message.deleted_at.map(rfc3339_micros).into(),
            attachments: view.attachments.iter().map(AttachmentDto::from).collect(),
            mentions: view.mentions.iter().map(UserDto::from).collect(),
            mention_room: view.message.mention_room,
        }
    }
}

/// `POST /api/v1/conversations/{id}/messages`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct SendMessageBody {
    /// Message text: at most 65,535 characters, not blank — unless the message carries files
    /// (`attachment_ids`), when it may be `""`.
    pub body: Ruled<String, MessageTextBesideFiles>,
    /// Your own id for this message: sending again with the same one (after a timeout, say)
    /// returns the stored message with 200 instead of storing a second. The same as the
    /// `Idempotency-Key` header.
    pub client_id: Ruled<Option<String>, (ClientIdText, NullAllowed)>,
    /// The id of the message this one answers, in the same conversation.
    pub reply_to: Ruled<Option<i64>, NullAllowed>,
    /// Files you uploaded to this conversation (`POST …/attachments`) and have not sent yet: at
    /// most 10, each once.
    pub attachment_ids: Ruled<Option<Vec<i64>>, (AttachmentIdList, NullAllowed)>,
    /// People of the conversation this message names (user ids, at most 50; each must be a
    /// participant now): each gets a `notification` (as their settings allow) and counts it in
    /// the conversation's `unread_mentions`. The body's text is yours: the server does not read
    /// `@names` out of it.
    pub mentions: Ruled<Option<Vec<i64>>, (MentionIdList, NullAllowed)>,
    /// Call the whole room: every participant but you is mentioned.
    pub mention_room: Ruled<Option<bool>, NullAllowed>,
    /// Reply in the thread under this message (of this conversation, not deleted, not itself a
    /// reply in a thread). The reply stays out of the room's timeline unless `also_in_room`.
    pub thread_id: Ruled<Option<i64>, NullAllowed>,
    /// With `thread_id`: the reply is also a message of the room's timeline.
    pub also_in_room: Ruled<Option<bool>, NullAllowed>,
}

impl poem_openapi::types::Example for SendMessageBody {
    fn example() -> Self {
        Self {
            body: String::from("Hello, how is everyone?").into(),
            client_id: None.into(),
            reply_to: None.into(),
            attachment_ids: None.into(),
            mentions: None.into(),
            mention_room: None.into(),
            thread_id: None.into(),
            also_in_room: None.into(),
        }
    }
}

/// `PATCH /api/v1/conversations/{id}/messages/{messageId}`.
#[derive(Debug, Clone, Object)]
pub struct EditMessageBody {
    /// The new text, by the same rules as a send.
    pub body: Ruled<String, MessageText>,
    /// Whom the message names now, as at send; left out, it names whom it named. Changing it
    /// notifies nobody (the counts of `unread_mentions` follow).
    pub mentions: Ruled<Option<Vec<i64>>, (MentionIdList, NullAllowed)>,
    /// Whether it calls the whole room now; left out, unchanged.
    pub mention_room: Ruled<Option<bool>, NullAllowed>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use confab_domain::{ConversationId, Message, MessageId, UserId, UserSummary};

    use super::*;

    fn view() -> MessageView {
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 2, 19, 14, 30, 0)
            .unwrap();
        let ann = UserSummary {
            id: UserId(2),
            name: "Ann".into(),
            avatar: None,
        };
        MessageView {
            message: Message {
                id: MessageId(5),
                conversation_id: ConversationId(3),
                seq: 5,
                sender: UserId(2),
                body: "hi".into(),
                created_at: at,
                edited_at: Some(at),
                deleted_at: None,
                client_id: None,
                reply_to: Some(MessageId(4)),
                mention_room: false,
                thread_id: None,
                pinned: None,
            },
            author: ann.clone(),
            reply_to: Some(ReplyPreview {
                id: MessageId(4),
                body: "hello".into(),
                author: ann,
            }),
            reactions: vec![ReactionCount {
                emoji: "👍".into(),
                count: 2,
                me: true,
            }],
            attachments: Vec::new(),
            mentions: vec![UserSummary {
                id: UserId(3),
                name: "Bob".into(),
                avatar: None,
            }],
            thread: None,
            author_blocked: false,
        }
    }

    #[test]
    fn an_event_carries_the_response_json_without_the_readers_own_me() {
        let event = message_event_json(&view());
        assert_eq!(
            event.to_string(),
            r#"{"id":5,"conversation_id":3,"user_id":2,"body":"hi","created_at":"2026-02-19T14:30:00.000000Z","user":{"id":2,"name":"Ann","avatar_url":null},"edited_at":"2026-02-19T14:30:00.000000Z","deleted_at":null,"client_id":null,"reply_to":{"id":4,"body":"hello","user":{"id":2,"name":"Ann","avatar_url":null}},"reactions":[{"emoji":"👍","count":2}],"attachments":[],"mentions":[{"id":3,"name":"Bob","avatar_url":null}],"mention_room":false,"thread_id":null,"thread":null,"pinned_at":null,"pinned_by":null,"author_blocked":false}"#
        );
        let mut response = MessageDto::from(&view()).to_json().unwrap();
        response["reactions"][0]
            .as_object_mut()
            .unwrap()
            .remove("me");
        assert_eq!(event, response);
    }
}
