//! Create conversation: a direct chat or a group room.

use confab_domain::{
    ConversationKind, ConversationOverview, DomainError, NewConversation, RealtimeEvent, RoomName,
    UserId, ValidationErrors,
};

use crate::{Caller, Confab};

#[derive(Debug, Clone, Default)]
pub struct CreateConversationRequest {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub user_ids: Vec<i64>,
}

/// The conversation, and whether it is new (201) or an existing direct chat (200).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub conversation: ConversationOverview,
    pub is_new: bool,
}

impl Confab {
    /// A direct chat with someone you already have one with is that chat again, not a duplicate.
    /// Every named user must exist; unknown ids are refused by name.
    pub async fn create_conversation(
        &self,
        caller: &Caller,
        request: CreateConversationRequest,
    ) -> Result<Created, DomainError> {
        let mut errors = ValidationErrors::new();
        let kind = match request.kind.as_deref() {
            None | Some("") => None,
            Some(raw) => errors.check("type", ConversationKind::parse(raw)),
        };
        let name = errors
            .check(
                "name",
                RoomName::parse(request.name.as_deref().unwrap_or_default()),
            )
            .flatten();
        errors.into_result()?;
        let others: Vec<UserId> = request.user_ids.iter().copied().map(UserId).collect();
        let plan = NewConversation::plan(caller.user, kind, name, &others, self.ports.clock.now())?;
        self.ensure_users_exist(&plan.participants[1..]).await?;
        self.ensure_not_blocked(caller.user, &plan).await?;

        if let Some(partner) = plan.direct_partner()
            && let Some(existing) = self.existing_direct(caller.user, partner).await?
        {
            return Ok(existing);
        }
        let created = match self.ports.conversations.create(plan.clone()).await {
            Ok(created) => created,
            // Both people opened the chat at the same moment: the other request won, use its chat.
            Err(err) => match plan.direct_partner() {
                Some(partner) => match self.existing_direct(caller.user, partner).await? {
                    Some(existing) => return Ok(existing),
                    None => return Err(err),
                },
                None => return Err(err),
            },
        };
        let conversation = self.overview_for(created.id, caller.user).await?;
        self.ports
            .broadcaster
            .publish(
                RealtimeEvent::ConversationCreated {
                    conversation: conversation.clone(),
                    members: plan.participants,
                },
                caller.socket.clone(),
            )
            .await;
        Ok(Created {
            conversation,
            is_new: true,
        })
    }

    async fn existing_direct(
        &self,
        me: UserId,
        partner: UserId,
    ) -> Result<Option<Created>, DomainError> {
        let Some(id) = self
            .ports
            .conversations
            .find_direct_between(me, partner)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Created {
            conversation: self.overview_for(id, me).await?,
            is_new: false,
        }))
    }

    /// Nobody who blocked the caller is brought into a conversation by them: a direct chat with
    /// them is "You cannot message this user.", a group names them.
    async fn ensure_not_blocked(
        &self,
        caller: UserId,
        plan: &NewConversation,
    ) -> Result<(), DomainError> {
        let others = plan.participants[1..].to_vec();
        if others.is_empty() {
            return Ok(());
        }
        let blockers = self.ports.moderation.blockers_of(caller, others).await?;
        match plan.kind {
            ConversationKind::Direct if !blockers.is_empty() => Err(DomainError::CannotMessageUser),
            _ => confab_domain::blocks::ensure_none_blocks(&blockers),
        }
    }

    /// Refuses ids of users that do not exist, naming them all.
    pub(crate) async fn ensure_users_exist(&self, ids: &[UserId]) -> Result<(), DomainError> {
        if ids.is_empty() {
            return Ok(());
        }
        confab_domain::conversation::ensure_user_list(ids)?;
        let found = self.ports.users.find_summaries(ids).await?;
        let unknown: Vec<String> = ids
            .iter()
            .filter(|id| !found.iter().any(|user| user.id == **id))
            .map(ToString::to_string)
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "user_ids",
                format!("The selected user_ids are invalid: {}.", unknown.join(", ")),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::ConversationId;

    use super::*;
    use crate::test_support::{Mocks, group_room, overview, summaries};

    fn request(kind: Option<&str>, name: Option<&str>, ids: &[i64]) -> CreateConversationRequest {
        CreateConversationRequest {
            kind: kind.map(Into::into),
            name: name.map(Into::into),
            user_ids: ids.to_vec(),
        }
    }

    #[tokio::test]
    async fn creating_a_group_stores_it_and_tells_its_members() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
        mocks
            .conversations
            .expect_create()
            .withf(|plan| {
                plan.kind == ConversationKind::Group
                    && plan.name.as_ref().map(RoomName::as_str) == Some("Project Alpha")
                    && plan.participants == [UserId(1), UserId(3), UserId(4)]
            })
            .returning(|_| Ok(group_room()));
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|event, _| matches!(event, RealtimeEvent::ConversationCreated { members, .. } if members.len() == 3))
            .times(1)
            .returning(|_, _| ());
        let created = mocks
            .build()
            .create_conversation(
                &Caller::new(UserId(1)),
                request(Some("group"), Some("Project Alpha"), &[3, 4]),
            )
            .await
            .unwrap();
        assert!(created.is_new);
    }

    #[tokio::test]
    async fn someone_who_blocked_you_is_neither_messaged_nor_put_in_a_group_by_you() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
        mocks.moderation = confab_domain::ports::MockModerationRepository::new();
        mocks
            .moderation
            .expect_blockers_of()
            .withf(|user, _| *user == UserId(1))
            .returning(|_, among| Ok(among.into_iter().filter(|u| *u == UserId(3)).collect()));
        mocks.conversations.expect_find_direct_between().never();
        mocks.conversations.expect_create().never();
        let app = mocks.build();
        let me = Caller::new(UserId(1));
        let direct = app
            .create_conversation(&me, request(None, None, &[3]))
            .await;
        assert_eq!(direct.unwrap_err(), DomainError::CannotMessageUser);
        let group = app
            .create_conversation(&me, request(Some("group"), Some("Team"), &[3, 4]))
            .await
            .unwrap_err();
        assert!(matches!(group, DomainError::Invalid(e) if e.fields().contains_key("user_ids")));
    }

    #[tokio::test]
    async fn an_existing_direct_chat_is_returned_instead_of_a_duplicate() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
        mocks
            .conversations
            .expect_find_direct_between()
            .returning(|_, _| Ok(Some(ConversationId(9))));
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        mocks.conversations.expect_create().never();
        let created = mocks
            .build()
            .create_conversation(&Caller::new(UserId(1)), request(None, None, &[3]))
            .await
            .unwrap();
        assert!(!created.is_new);
        assert_eq!(created.conversation.id, ConversationId(9));
    }

    #[tokio::test]
    async fn a_direct_chat_lost_to_a_simultaneous_create_returns_the_winner() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
        let mut lookups = 0;
        mocks
            .conversations
            .expect_find_direct_between()
            .returning(move |_, _| {
                lookups += 1;
                Ok((lookups > 1).then_some(ConversationId(9)))
            });
        mocks
            .conversations
            .expect_create()
            .returning(|_| Err(DomainError::Internal("unique violation".into())));
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        let created = mocks
            .build()
            .create_conversation(&Caller::new(UserId(1)), request(None, None, &[3]))
            .await
            .unwrap();
        assert_eq!(created.conversation.id, ConversationId(9));
    }

    #[tokio::test]
    async fn unknown_users_are_refused_by_id() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(&ids[..1])));
        let err = mocks
            .build()
            .create_conversation(
                &Caller::new(UserId(1)),
                request(Some("group"), None, &[3, 99]),
            )
            .await
            .unwrap_err();
        assert!(matches!(&err, DomainError::Invalid(e) if e.fields().contains_key("user_ids")));
        assert!(err.to_string().contains("99"));
    }

    #[tokio::test]
    async fn an_unknown_type_is_a_validation_error() {
        let err = Mocks::new()
            .build()
            .create_conversation(&Caller::new(UserId(1)), request(Some("channel"), None, &[]))
            .await
            .unwrap_err();
        assert!(matches!(&err, DomainError::Invalid(e) if e.fields().contains_key("type")));
    }

    #[tokio::test]
    async fn a_direct_chat_with_two_others_is_refused_before_any_lookup() {
        let err = Mocks::new()
            .build()
            .create_conversation(
                &Caller::new(UserId(1)),
                request(Some("direct"), None, &[3, 4]),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Invalid(_)));
    }

    #[tokio::test]
    async fn a_group_storage_failure_is_passed_on() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_create()
            .returning(|_| Err(DomainError::Internal("down".into())));
        let err = mocks
            .build()
            .create_conversation(&Caller::new(UserId(1)), request(Some("group"), None, &[]))
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Internal(_)));
    }
}
