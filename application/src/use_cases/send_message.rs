//! Send message: post to a conversation (or to a thread in it) and deliver it live, with the
//! thread's new summary and a `notification` to everyone it alerts; a repeat of an earlier send
//! (same `client_id`) returns that message and stores and delivers nothing.

use confab_domain::attachment::parse_attachment_ids;
use confab_domain::{
    Appended, ClientId, ConversationId, DomainError, Mentions, MessageBody, MessageId, MessageView,
    NewMessage, ValidationErrors,
};

use crate::{Caller, Confab};

/// What a client sends: the text, and optionally its own id for the message, the message it
/// answers, the files it carries (uploaded first) and the people (or the room) it names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Draft<'a> {
    pub body: &'a str,
    pub client_id: Option<&'a str>,
    pub reply_to: Option<i64>,
    pub attachment_ids: &'a [i64],
    pub mentions: &'a [i64],
    pub mention_room: bool,
    /// The root of the thread it replies in, and whether it also goes into the room's timeline.
    pub thread_id: Option<i64>,
    pub also_in_room: bool,
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
        let mentions = errors.check(
            "mentions",
            Mentions::parse(draft.mentions, draft.mention_room),
        );
        if !errors.is_empty() {
            self.load_visible(id, caller.user).await?;
        }
        errors.into_result()?;
        if self.require_verified_email {
            // One read per send, only where the operator asked for verified senders.
            let user = self.ports.users.find_by_id(caller.user).await?;
            user.ok_or(DomainError::Unauthenticated)?
                .ensure_may_post(true)?;
        }
        let body = body.expect("checked above");
        let attachments = attachments.expect("checked above");
        let mentions = mentions.expect("checked above");
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
                mentions,
                thread_id: draft.thread_id.map(MessageId),
                also_in_room: draft.also_in_room,
            })
            .await?;
        let events = appended.events();
        let message = match appended {
            Appended::New { message, .. } => message,
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
        self.publish_all(events, caller).await;
        Ok(Sent {
            message,
            repeated: false,
        })
    }
}

#[cfg(test)]
mod tests;
