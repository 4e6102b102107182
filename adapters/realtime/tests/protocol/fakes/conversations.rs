//! The conversations side of the fake application: one in-memory store of rooms and messages,
//! and the conversation and message repositories over it. They keep the rules the real
//! repositories keep at commit (the posting rule, the room's difference into events) and answer
//! what the envelope tests never ask with `unsupported`.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use confab_domain::ports::{ConversationRepository, Decide, MessageRepository};
use confab_domain::{
    Appended, Conversation, ConversationId, ConversationOverview, Cursor, Direction, DomainError,
    Emoji, Message, MessageBody, MessageChange, MessageId, MessageView, NewConversation,
    NewMessage, Page, PageRequest, ReactionAction, RoomChange, RoomDifference, SearchQuery,
    SearchScope, Slice, Timestamp, UserId,
};

use super::accounts::Users;
use super::unsupported;

#[derive(Default)]
pub struct Store {
    pub conversations: Mutex<Vec<Conversation>>,
    messages: Mutex<Vec<MessageView>>,
}

pub struct Conversations {
    pub(super) store: Arc<Store>,
    pub(super) users: Arc<Users>,
}

#[async_trait]
impl ConversationRepository for Conversations {
    async fn create(&self, new: NewConversation) -> Result<Conversation, DomainError> {
        let mut all = self.store.conversations.lock().unwrap();
        let conversation = Conversation {
            id: ConversationId(all.len() as i64 + 1),
            kind: new.kind,
            created_by: new.created_by,
            settings: Default::default(),
            participants: new.members(),
            name: new.name,
            banned: vec![],
            closed_at: None,
            created_at: new.created_at,
            updated_at: new.created_at,
            version: 1,
        };
        all.push(conversation.clone());
        Ok(conversation)
    }
    async fn find(&self, id: ConversationId) -> Result<Option<Conversation>, DomainError> {
        let all = self.store.conversations.lock().unwrap();
        Ok(all.iter().find(|c| c.id == id).cloned())
    }
    async fn direct_partners(
        &self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<UserId>, DomainError> {
        let all = self.store.conversations.lock().unwrap();
        Ok(all
            .iter()
            .filter(|c| c.kind == confab_domain::ConversationKind::Direct && c.is_participant(user))
            .flat_map(|c| c.participants.iter().map(|p| p.user_id))
            .filter(|id| *id != user)
            .take(limit)
            .collect())
    }

    async fn find_direct_between(
        &self,
        a: UserId,
        b: UserId,
    ) -> Result<Option<ConversationId>, DomainError> {
        let all = self.store.conversations.lock().unwrap();
        Ok(all
            .iter()
            .find(|c| {
                c.kind == confab_domain::ConversationKind::Direct
                    && c.is_participant(a)
                    && c.is_participant(b)
            })
            .map(|c| c.id))
    }
    async fn overview(
        &self,
        id: ConversationId,
        _viewer: UserId,
    ) -> Result<Option<ConversationOverview>, DomainError> {
        let Some(c) = self.find(id).await? else {
            return Ok(None);
        };
        let summary = |id| self.users.summary(id).expect("a known user");
        Ok(Some(ConversationOverview {
            id: c.id,
            kind: c.kind,
            name: c.name.as_ref().map(|n| n.as_str().to_owned()),
            description: None,
            slow_mode: c.settings.slow_mode,
            created_by: summary(c.created_by),
            closed_at: c.closed_at,
            participants: c.participants.iter().map(|p| summary(p.user_id)).collect(),
            standings: c
                .participants
                .iter()
                .map(|p| (p.user_id, p.standing))
                .collect(),
            last_message: None,
            unread_count: 0,
            unread_mentions: 0,
            notifications: Default::default(),
            updated_at: c.updated_at,
            last_read: Default::default(),
        }))
    }
    async fn list_for(&self, _: UserId) -> Result<Vec<ConversationOverview>, DomainError> {
        unsupported()
    }
    async fn modify(
        &self,
        id: ConversationId,
        _actor: UserId,
        mut decide: Box<dyn Decide>,
    ) -> Result<RoomChange, DomainError> {
        let mut all = self.store.conversations.lock().unwrap();
        let slot = all
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or(DomainError::ConversationNotFound)?;
        let mut room = slot.clone();
        decide.decide(&mut room)?;
        let difference = RoomDifference::between(slot, &room);
        let names = difference
            .people(&room)
            .into_iter()
            .filter_map(|user| self.users.summary(user))
            .map(|user| (user.id, user))
            .collect();
        let events = difference.events(&room, &names);
        *slot = room.clone();
        Ok(RoomChange { room, events })
    }
    async fn mark_read(&self, _: ConversationId, _: UserId, _: u64) -> Result<(), DomainError> {
        Ok(())
    }
    async fn set_notifications(
        &self,
        _: ConversationId,
        _: UserId,
        _: confab_domain::NotificationSettings,
    ) -> Result<bool, DomainError> {
        unsupported()
    }
}

pub struct Messages {
    pub(super) store: Arc<Store>,
    pub(super) users: Arc<Users>,
}

#[async_trait]
impl MessageRepository for Messages {
    /// Checks the posting rule on the stored room, as the real repository does at commit.
    async fn append(&self, new: NewMessage) -> Result<Appended, DomainError> {
        self.store
            .conversations
            .lock()
            .unwrap()
            .iter()
            .find(|c| c.id == new.conversation_id)
            .ok_or(DomainError::ConversationNotFound)?
            .ensure_can_post(new.sender, new.created_at)?;
        let mut all = self.store.messages.lock().unwrap();
        let seq = all
            .iter()
            .filter(|m| m.message.conversation_id == new.conversation_id)
            .count() as u64
            + 1;
        let view = MessageView {
            message: Message {
                id: MessageId(all.len() as i64 + 1),
                conversation_id: new.conversation_id,
                seq,
                sender: new.sender,
                body: new.body.as_str().to_owned(),
                created_at: new.created_at,
                edited_at: None,
                deleted_at: None,
                client_id: None,
                reply_to: None,
                mention_room: false,
                thread_id: None,
                pinned: None,
            },
            author: self.users.summary(new.sender).expect("a known user"),
            reply_to: None,
            reactions: Vec::new(),
            attachments: Vec::new(),
            mentions: Vec::new(),
            thread: None,
            author_blocked: false,
        };
        all.push(view.clone());
        Ok(Appended::New {
            message: view,
            notifications: Vec::new(),
            thread: None,
        })
    }
    async fn newest(&self, _: ConversationId) -> Result<Option<Message>, DomainError> {
        unsupported()
    }
    /// What a reconnecting envelope client's `since` reads: the room's messages after `from`, in
    /// the cursor's order, like the real repository. It takes a while, as a database read would:
    /// messages sent meanwhile are both live and in the answer, which is the seam to test.
    async fn slice(
        &self,
        conversation: ConversationId,
        cursor: Cursor,
        _: UserId,
    ) -> Result<Option<Slice<MessageView>>, DomainError> {
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
        let all = self.store.messages.lock().unwrap();
        let room: Vec<&MessageView> = all
            .iter()
            .filter(|m| m.message.conversation_id == conversation)
            .collect();
        let Some(from) = room.iter().position(|m| m.message.id == cursor.from) else {
            return Ok(None);
        };
        let rows: Vec<MessageView> = match cursor.direction {
            Direction::After => room[from + 1..].iter().map(|m| (*m).clone()).collect(),
            Direction::Before => room[..from].iter().rev().map(|m| (*m).clone()).collect(),
        };
        let probe = rows.into_iter().take(cursor.limit as usize + 1).collect();
        Ok(Some(Slice::from_probe(probe, cursor.limit)))
    }
    async fn list(
        &self,
        _: ConversationId,
        _: PageRequest,
        _: UserId,
    ) -> Result<Page<MessageView>, DomainError> {
        unsupported()
    }
    async fn find(
        &self,
        _: ConversationId,
        _: MessageId,
        _: UserId,
    ) -> Result<Option<MessageView>, DomainError> {
        unsupported()
    }
    async fn edit(
        &self,
        _: MessageId,
        _: &MessageBody,
        _: Option<confab_domain::Mentions>,
        _: Timestamp,
    ) -> Result<MessageChange, DomainError> {
        unsupported()
    }
    async fn delete(
        &self,
        _: MessageId,
        _: Timestamp,
        _: Option<confab_domain::AuditEntry>,
    ) -> Result<Option<MessageChange>, DomainError> {
        unsupported()
    }
    async fn react(
        &self,
        _: MessageId,
        _: UserId,
        _: &Emoji,
        _: ReactionAction,
        _: Timestamp,
    ) -> Result<Option<MessageChange>, DomainError> {
        unsupported()
    }
    async fn search(
        &self,
        _: SearchScope,
        _: &SearchQuery,
        _: PageRequest,
        _: UserId,
    ) -> Result<Page<MessageView>, DomainError> {
        unsupported()
    }
    async fn mentions_of(
        &self,
        _: UserId,
        _: Option<MessageId>,
        _: u64,
    ) -> Result<Slice<MessageView>, DomainError> {
        unsupported()
    }
    async fn thread(
        &self,
        _: ConversationId,
        _: MessageId,
        _: confab_domain::ThreadRead,
        _: UserId,
    ) -> Result<Option<confab_domain::ThreadPage>, DomainError> {
        unsupported()
    }
    async fn follow_thread(
        &self,
        _: ConversationId,
        _: MessageId,
        _: UserId,
        _: bool,
    ) -> Result<(), DomainError> {
        unsupported()
    }
    async fn mark_thread_read(&self, _: MessageId, _: UserId) -> Result<(), DomainError> {
        unsupported()
    }
    async fn threads_of(
        &self,
        _: UserId,
        _: Option<MessageId>,
        _: u64,
    ) -> Result<Slice<confab_domain::FollowedThread>, DomainError> {
        unsupported()
    }
}
