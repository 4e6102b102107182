//! Mocks of every port, and small fixtures, for the use-case tests.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use confab_domain::ports::{
    IssuedToken, MockAccountRepository, MockAttachmentRepository, MockBroadcaster,
    MockChannelSigner, MockClock, MockConversationRepository, MockExportRepository, MockFileStore,
    MockImageProcessor, MockLoginThrottle, MockMessageRepository, MockModerationRepository,
    MockPasswordHasher, MockSendThrottle, MockSessionStore, MockTokenIssuer, MockTypingThrottle,
    MockUserRepository,
};
use confab_domain::{
    Conversation, ConversationId, ConversationKind, ConversationOverview, Email, LoginAttempts,
    Participant, PasswordHash, SessionId, Timestamp, User, UserId, UserName, UserSummary,
};

use crate::{Confab, Ports};

/// A mock of every port; tests set expectations on the fields, then `build`. An unexpected call
/// to any port fails the test, so each test also says which ports a use case must not touch.
pub struct Mocks {
    pub users: MockUserRepository,
    pub accounts: MockAccountRepository,
    pub conversations: MockConversationRepository,
    pub messages: MockMessageRepository,
    pub moderation: MockModerationRepository,
    pub attachments: MockAttachmentRepository,
    pub exports: MockExportRepository,
    pub files: MockFileStore,
    pub images: MockImageProcessor,
    pub broadcaster: MockBroadcaster,
    pub channels: MockChannelSigner,
    pub hasher: MockPasswordHasher,
    pub tokens: MockTokenIssuer,
    pub sessions: MockSessionStore,
    pub throttle: MockSendThrottle,
    pub login_throttle: MockLoginThrottle,
    pub typing: MockTypingThrottle,
    pub clock: MockClock,
}

impl Mocks {
    pub fn new() -> Self {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        let mut tokens = MockTokenIssuer::new();
        tokens.expect_lifetime_secs().return_const(3600_u64);
        // Nobody blocks anybody unless a test says so (it replaces `moderation`).
        let mut moderation = MockModerationRepository::new();
        moderation
            .expect_blockers_of()
            .returning(|_, _| Ok(Vec::new()));
        Self {
            users: MockUserRepository::new(),
            accounts: MockAccountRepository::new(),
            conversations: MockConversationRepository::new(),
            messages: MockMessageRepository::new(),
            moderation,
            attachments: MockAttachmentRepository::new(),
            exports: MockExportRepository::new(),
            files: MockFileStore::new(),
            images: MockImageProcessor::new(),
            broadcaster: MockBroadcaster::new(),
            channels: MockChannelSigner::new(),
            hasher: MockPasswordHasher::new(),
            tokens,
            sessions: MockSessionStore::new(),
            throttle: MockSendThrottle::new(),
            login_throttle: MockLoginThrottle::new(),
            typing: MockTypingThrottle::new(),
            clock,
        }
    }

    /// A session `s-{user id}` is opened, and its first token reads `token-{user id}`.
    pub fn expect_token_for(&mut self, user: UserId) {
        self.sessions
            .expect_open()
            .withf(move |id, _| *id == user)
            .times(1)
            .returning(|id, _| Ok(SessionId::new(format!("s-{id}"))));
        self.tokens
            .expect_issue()
            .withf(move |bearer, _| {
                bearer.user == user
                    && bearer.generation == 1
                    && bearer.session.as_str() == format!("s-{user}")
            })
            .returning(|bearer, _| {
                Ok(IssuedToken {
                    token: format!("token-{}", bearer.user),
                    expires_in: 3600,
                })
            });
    }

    /// A login attempt, the first of its window, counted once and (it fails) not cleared.
    pub fn count_one_login_failure(&mut self) {
        self.login_throttle
            .expect_attempt()
            .times(1)
            .returning(|_, _| {
                Ok(LoginAttempts {
                    count: 1,
                    window_ends_in_secs: 60,
                })
            });
        self.login_throttle.expect_clear().never();
    }

    pub fn build(self) -> Confab {
        Confab::new(Ports {
            users: Arc::new(self.users),
            accounts: Arc::new(self.accounts),
            conversations: Arc::new(self.conversations),
            messages: Arc::new(self.messages),
            moderation: Arc::new(self.moderation),
            attachments: Arc::new(self.attachments),
            exports: Arc::new(self.exports),
            files: Arc::new(self.files),
            images: Arc::new(self.images),
            broadcaster: Arc::new(self.broadcaster),
            channels: Arc::new(self.channels),
            hasher: Arc::new(self.hasher),
            tokens: Arc::new(self.tokens),
            sessions: Arc::new(self.sessions),
            throttle: Arc::new(self.throttle),
            login_throttle: Arc::new(self.login_throttle),
            typing: Arc::new(self.typing),
            clock: Arc::new(self.clock),
        })
    }
}

/// What `authenticate` gives for a token of `user`'s session `session` at `generation`.
pub fn signed_in(
    user_id: i64,
    session: &str,
    generation: u32,
) -> crate::use_cases::authenticate::Authenticated {
    crate::use_cases::authenticate::Authenticated {
        user: user(user_id, "Ann"),
        bearer: confab_domain::Bearer {
            user: UserId(user_id),
            session: SessionId::new(session),
            generation,
        },
    }
}

pub fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 2, 19, 15, 0, 0).unwrap()
}

pub fn user(id: i64, name: &str) -> User {
    User {
        id: UserId(id),
        name: UserName::parse(name).unwrap(),
        email: Email::parse(&format!("user{id}@example.com")).unwrap(),
        password_hash: PasswordHash("$argon2id$stored".into()),
        created_at: now(),
        email_verified_at: None,
        avatar: None,
    }
}

/// Summaries for every id, as if all users existed.
pub fn summaries(ids: &[UserId]) -> Vec<UserSummary> {
    ids.iter()
        .map(|&id| UserSummary {
            id,
            name: format!("User {id}"),
            avatar: None,
        })
        .collect()
}

/// Group room 1, created by user 1, with users 1 and 2 inside.
pub fn group_room() -> Conversation {
    Conversation {
        id: ConversationId(1),
        kind: ConversationKind::Group,
        name: None,
        created_by: UserId(1),
        settings: Default::default(),
        participants: vec![Participant::owner(UserId(1)), Participant::new(UserId(2))],
        banned: vec![],
        closed_at: None,
        created_at: now(),
        updated_at: now(),
        version: 3,
    }
}

pub fn overview(id: i64) -> ConversationOverview {
    ConversationOverview {
        id: ConversationId(id),
        kind: ConversationKind::Group,
        name: Some("Team Chat".into()),
        description: None,
        slow_mode: Default::default(),
        created_by: summaries(&[UserId(1)]).remove(0),
        closed_at: None,
        participants: summaries(&[UserId(1), UserId(2)]),
        standings: [
            (UserId(1), confab_domain::Standing::owner()),
            (UserId(2), confab_domain::Standing::default()),
        ]
        .into(),
        last_message: None,
        unread_count: 0,
        unread_mentions: 0,
        notifications: Default::default(),
        updated_at: now(),
        last_read: Default::default(),
    }
}

/// What `modify` stores: `decide` applied to `room` as the repository holds it.
pub fn decided(
    room: Conversation,
    mut decide: Box<dyn confab_domain::ports::Decide>,
) -> Result<confab_domain::RoomChange, confab_domain::DomainError> {
    let before = room.clone();
    let mut room = room;
    decide.decide(&mut room)?;
    let difference = confab_domain::RoomDifference::between(&before, &room);
    let people: Vec<UserId> = difference.people(&room).into_iter().collect();
    let names = summaries(&people)
        .into_iter()
        .map(|user| (user.id, user))
        .collect();
    Ok(confab_domain::RoomChange {
        events: difference.events(&room, &names),
        room,
    })
}

/// Room 1 (see [`group_room`]) as `find` returns it, and every user as existing: what a use
/// case acting on someone in the room reads first.
pub fn group_room_and_people(mocks: &mut Mocks) {
    mocks
        .conversations
        .expect_find()
        .returning(|_| Ok(Some(group_room())));
    mocks
        .users
        .expect_find_summaries()
        .returning(|ids| Ok(summaries(ids)));
}

/// Message 16 of room 1 by `author`, as a repository's `find` returns it.
pub fn message_by(author: i64) -> confab_domain::MessageView {
    confab_domain::MessageView::new(
        confab_domain::Message::sent(
            confab_domain::MessageId(16),
            ConversationId(1),
            7,
            UserId(author),
            "hello",
            now(),
        ),
        summaries(&[UserId(author)]).remove(0),
    )
}

/// Room 1 (see [`group_room`]) as `find` returns it, and its message 16 by `author`.
pub fn room_with_message_by(mocks: &mut Mocks, author: i64) {
    mocks
        .conversations
        .expect_find()
        .returning(|_| Ok(Some(group_room())));
    mocks
        .messages
        .expect_find()
        .returning(move |_, _, _| Ok(Some(message_by(author))));
}

/// The use case tells the room about `user`'s departure, then cuts them off from it, once each and
/// in that order.
pub fn expect_departure(mocks: &mut Mocks, user: UserId, banned: bool) {
    let mut order = mockall::Sequence::new();
    mocks
        .broadcaster
        .expect_publish()
        .withf(move |e, _| {
            matches!(e, confab_domain::RealtimeEvent::ParticipantRemoved { user: u, banned: b, .. }
                if u.id == user && *b == banned)
        })
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _| ());
    mocks
        .broadcaster
        .expect_revoke()
        .withf(move |u, room| *u == user && *room == ConversationId(1))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _| ());
}
