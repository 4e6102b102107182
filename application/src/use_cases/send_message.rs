//! Send message: post to a conversation and deliver it live; a repeat of an earlier send (same
//! `client_id`) returns that message and stores and delivers nothing.

use confab_domain::attachment::parse_attachment_ids;
use confab_domain::{
    Appended, ClientId, ConversationId, DomainError, MessageBody, MessageChange, MessageId,
    MessageView, NewMessage, ValidationErrors,
};

use crate::{Caller, Confab};

/// What a client sends: the text, and optionally its own id for the message, the message it
/// answers and the files it carries (uploaded first).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Draft<'a> {
    pub body: &'a str,
    pub client_id: Option<&'a str>,
    pub reply_to: Option<i64>,
    pub attachment_ids: &'a [i64],
}

impl<'a> Draft<'a> {
    /// Just text, as the envelope protocol and the API document's send have it.
    pub fn text(body: &'a str) -> Self {
        Self {
            body,
            ..Self::default()
        }
    }
}

/// A send's result: the message, and whether it was stored by an earlier send with the same
/// `client_id` (HTTP answers 200 instead of 201 then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub message: MessageView,
    pub repeated: bool,
}

impl Confab {
    /// Checks in the order a Laravel app would: the throttle (a middleware, so every attempt
    /// counts, repeats too), then the conversation (404), the fields (422), and the room being
    /// open (422).
    ///
    /// A well-formed message costs no read of the room here: the repository checks the posting
    /// rule when the message commits, with the room locked, and refuses with the same errors — so
    /// the check is both cheaper and race-free. Only malformed input reads the room first, so an
    /// outsider is still told the room does not exist before anything about their input.
    pub async fn send_message(
        &self,
        caller: &Caller,
        id: ConversationId,
        draft: Draft<'_>,
    ) -> Result<Sent, DomainError> {
        let now = self.ports.clock.now();
        self.ports.throttle.hit(caller.user, now).await?;
        let mut errors = ValidationErrors::new();
        let has_files = !draft.attachment_ids.is_empty();
        let body = errors.check("body", MessageBody::parse_beside(draft.body, has_files));
        let attachments = errors.check(
            "attachment_ids",
            parse_attachment_ids(draft.attachment_ids).map_err(|e| e.to_string()),
        );
        let client_id = draft
            .client_id
            .and_then(|raw| errors.check("client_id", ClientId::parse(raw)));
        if !errors.is_empty() {
            self.load_visible(id, caller.user).await?;
        }
        errors.into_result()?;
        let body = body.expect("checked above");
        let attachments = attachments.expect("checked above");
        let appended = self
            .ports
            .messages
            .append(NewMessage {
                conversation_id: id,
                sender: caller.user,
                body,
                created_at: now,
                client_id,
                reply_to: draft.reply_to.map(MessageId),
                attachments,
            })
            .await?;
        let message = match appended {
            Appended::New(message) => message,
            Appended::Repeat(stored) => {
                let message = self
                    .ports
                    .messages
                    .find(id, stored, caller.user)
                    .await?
                    .ok_or_else(|| {
                        DomainError::Internal(format!("repeated message {stored} vanished"))
                    })?;
                return Ok(Sent {
                    message,
                    repeated: true,
                });
            }
        };
        self.publish_all(MessageChange::Sent(message.clone()).events(), caller)
            .await;
        Ok(Sent {
            message,
            repeated: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::ports::SocketId;
    use confab_domain::{Message, RealtimeEvent, UserId, UserSummary};

    use super::*;
    use crate::test_support::{Mocks, group_room, now};

    fn stored(new: &NewMessage) -> Appended {
        Appended::New(MessageView::new(
            Message::sent(
                MessageId(16),
                new.conversation_id,
                1,
                new.sender,
                new.body.as_str(),
                new.created_at,
            ),
            UserSummary {
                id: new.sender,
                name: "John".into(),
            },
        ))
    }

    fn open_room(mocks: &mut Mocks) {
        mocks.throttle.expect_hit().returning(|_, _| Ok(()));
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
    }

    #[tokio::test]
    async fn a_member_sends_and_everyone_else_gets_it_live() {
        let mut mocks = Mocks::new();
        open_room(&mut mocks);
        mocks
            .messages
            .expect_append()
            .withf(|m| {
                m.body.as_str() == "Hello!" && m.sender == UserId(2) && m.created_at == now()
            })
            .times(1)
            .returning(|m| Ok(stored(&m)));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|e, except| {
                matches!(e, RealtimeEvent::MessageSent { message } if message.message.id == MessageId(16))
                    && except.as_ref() == Some(&SocketId("1.2".into()))
            })
            .times(1)
            .returning(|_, _| ());
        let caller = Caller::new(UserId(2)).with_socket(Some(SocketId("1.2".into())));
        let sent = mocks
            .build()
            .send_message(&caller, ConversationId(1), Draft::text("Hello!"))
            .await
            .unwrap();
        assert_eq!(sent.message.message.body, "Hello!");
        assert!(!sent.repeated);
    }

    #[tokio::test]
    async fn a_ban_that_lands_before_the_commit_refuses_the_message_and_nobody_is_told() {
        let mut mocks = Mocks::new();
        open_room(&mut mocks);
        mocks
            .messages
            .expect_append()
            .times(1)
            .returning(|_| Err(DomainError::ConversationNotFound));
        mocks.broadcaster.expect_publish().never();
        let err = mocks
            .build()
            .send_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                Draft::text("hi"),
            )
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }

    #[tokio::test]
    async fn a_well_formed_send_reads_no_room_and_the_commit_time_rule_decides() {
        let mut mocks = Mocks::new();
        mocks.throttle.expect_hit().returning(|_, _| Ok(()));
        mocks.conversations.expect_find().never();
        mocks
            .messages
            .expect_append()
            .times(1)
            .returning(|_| Err(DomainError::ClosedRoomCannotPost));
        mocks.broadcaster.expect_publish().never();
        let err = mocks
            .build()
            .send_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                Draft::text("hi"),
            )
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ClosedRoomCannotPost);
    }

    #[tokio::test]
    async fn a_blank_body_is_a_validation_error_on_body() {
        let mut mocks = Mocks::new();
        open_room(&mut mocks);
        mocks.messages.expect_append().never();
        let err = mocks
            .build()
            .send_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                Draft::text("  "),
            )
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(e)) if e.fields().contains_key("body")));
    }

    #[tokio::test]
    async fn outsiders_with_a_bad_body_are_told_the_room_does_not_exist_first() {
        let mut mocks = Mocks::new();
        open_room(&mut mocks);
        mocks.messages.expect_append().never();
        let err = mocks
            .build()
            .send_message(&Caller::new(UserId(9)), ConversationId(1), Draft::text(""))
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }

    #[tokio::test]
    async fn a_repeat_returns_the_stored_message_and_tells_nobody() {
        let mut mocks = Mocks::new();
        mocks
            .throttle
            .expect_hit()
            .times(1)
            .returning(|_, _| Ok(()));
        mocks
            .messages
            .expect_append()
            .withf(|m| {
                m.client_id.as_ref().map(ClientId::as_str) == Some("k-1")
                    && m.reply_to == Some(MessageId(3))
            })
            .times(1)
            .returning(|_| Ok(Appended::Repeat(MessageId(16))));
        mocks
            .messages
            .expect_find()
            .withf(|room, id, viewer| {
                *room == ConversationId(1) && *id == MessageId(16) && *viewer == UserId(2)
            })
            .times(1)
            .returning(|room, id, viewer| {
                Ok(Some(MessageView::new(
                    Message::sent(id, room, 1, viewer, "first", now()),
                    UserSummary {
                        id: viewer,
                        name: "John".into(),
                    },
                )))
            });
        mocks.broadcaster.expect_publish().never();
        let draft = Draft {
            body: "again",
            client_id: Some("k-1"),
            reply_to: Some(3),
            attachment_ids: &[],
        };
        let sent = mocks
            .build()
            .send_message(&Caller::new(UserId(2)), ConversationId(1), draft)
            .await
            .unwrap();
        assert!(sent.repeated);
        assert_eq!(sent.message.message.body, "first");
    }

    #[tokio::test]
    async fn a_bad_client_id_is_named_with_the_body_and_nothing_is_stored() {
        let mut mocks = Mocks::new();
        open_room(&mut mocks);
        mocks.messages.expect_append().never();
        let long = "x".repeat(65);
        let draft = Draft {
            body: "",
            client_id: Some(&long),
            reply_to: None,
            attachment_ids: &[],
        };
        let err = mocks
            .build()
            .send_message(&Caller::new(UserId(2)), ConversationId(1), draft)
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(e))
            if e.fields().contains_key("body") && e.fields().contains_key("client_id")));
    }

    #[tokio::test]
    async fn files_alone_make_a_message_and_go_to_the_repository_to_be_taken() {
        let mut mocks = Mocks::new();
        open_room(&mut mocks);
        mocks
            .messages
            .expect_append()
            .withf(|m| {
                m.body.as_str().is_empty()
                    && m.attachments
                        == [
                            confab_domain::AttachmentId(7),
                            confab_domain::AttachmentId(8),
                        ]
            })
            .times(1)
            .returning(|m| Ok(stored(&m)));
        mocks.broadcaster.expect_publish().returning(|_, _| ());
        let draft = Draft {
            attachment_ids: &[7, 8],
            ..Draft::text("")
        };
        mocks
            .build()
            .send_message(&Caller::new(UserId(2)), ConversationId(1), draft)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn eleven_files_or_one_named_twice_are_refused_with_the_field_named() {
        for ids in [(1..=11).collect::<Vec<i64>>(), vec![4, 4]] {
            let mut mocks = Mocks::new();
            open_room(&mut mocks);
            mocks.messages.expect_append().never();
            let draft = Draft {
                attachment_ids: &ids,
                ..Draft::text("hi")
            };
            let err = mocks
                .build()
                .send_message(&Caller::new(UserId(2)), ConversationId(1), draft)
                .await;
            assert!(
                matches!(&err, Err(DomainError::Invalid(e)) if e.fields().contains_key("attachment_ids")),
                "{ids:?}: {err:?}"
            );
        }
    }

    #[tokio::test]
    async fn over_the_limit_nothing_is_looked_up_or_stored() {
        let mut mocks = Mocks::new();
        mocks.throttle.expect_hit().returning(|_, _| {
            Err(DomainError::RateLimited {
                retry_after_secs: 42,
            })
        });
        mocks.conversations.expect_find().never();
        mocks.messages.expect_append().never();
        let err = mocks
            .build()
            .send_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                Draft::text("hi"),
            )
            .await;
        assert_eq!(
            err.unwrap_err(),
            DomainError::RateLimited {
                retry_after_secs: 42
            }
        );
    }
}
