use confab_domain::{
    ConversationId, PasswordHash, RealtimeEvent, RemovedAccount, Role, SessionId, UserId,
};

use super::*;
use crate::test_support::{Mocks, decided, group_room, overview, signed_in};

/// Ann (user 1, the owner of room 1 with user 2 in it) deletes her account.
fn ann_deletes(mocks: &mut Mocks) {
    mocks
        .hasher
        .expect_verify()
        .withf(|given, _| given == "correct horse")
        .returning(|_, _| Ok(true));
    mocks
        .hasher
        .expect_hash()
        .withf(|password| password.expose().len() == 64)
        .returning(|_| Ok(PasswordHash("$argon2id$nobody-knows".into())));
    mocks
        .conversations
        .expect_list_for()
        .returning(|_| Ok(vec![overview(1)]));
}

#[tokio::test]
async fn the_owner_departs_the_heir_is_told_then_the_account_goes() {
    let mut mocks = Mocks::new();
    ann_deletes(&mut mocks);
    let mut sequence = mockall::Sequence::new();
    mocks
        .conversations
        .expect_modify()
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|id, actor, decide| {
            assert_eq!((id, actor), (ConversationId(1), UserId(1)));
            let change = decided(group_room(), decide)?;
            assert!(!change.room.is_participant(UserId(1)));
            assert_eq!(change.room.owner(), Some(UserId(2)));
            Ok(change)
        });
    mocks
        .accounts
        .expect_delete_account()
        .times(1)
        .in_sequence(&mut sequence)
        .withf(|account, events| {
            account.user == UserId(1)
                && account.name.as_str() == "Deleted user"
                && account.password_hash.0 == "$argon2id$nobody-knows"
                && events == account.events(vec![ConversationId(1)]).as_slice()
        })
        .returning(|_, _| {
            Ok(RemovedAccount {
                sessions: vec![SessionId::new("s")],
                files: vec!["c1/a".into(), "c1/a.thumbnail".into()],
            })
        });
    mocks
        .broadcaster
        .expect_publish()
        .withf(|event, _| {
            matches!(event, RealtimeEvent::ParticipantRemoved { user, .. } if user.id == UserId(1))
        })
        .times(1)
        .returning(|_, _| ());
    mocks
        .broadcaster
        .expect_publish()
        .withf(|event, _| {
            matches!(event, RealtimeEvent::ParticipantUpdated { user, standing, .. }
                if user.id == UserId(2) && standing.role == Role::Owner)
        })
        .times(1)
        .returning(|_, _| ());
    mocks
        .broadcaster
        .expect_publish()
        .withf(|event, _| {
            matches!(event, RealtimeEvent::UserUpdated { user, conversations }
                if user.name == "Deleted user" && conversations == &[ConversationId(1)])
        })
        .times(1)
        .returning(|_, _| ());
    mocks
        .broadcaster
        .expect_revoke()
        .withf(|user, room| (*user, *room) == (UserId(1), ConversationId(1)))
        .times(1)
        .returning(|_, _| ());
    mocks
        .broadcaster
        .expect_end_sessions()
        .withf(|user, sessions| *user == UserId(1) && sessions == [SessionId::new("s")])
        .times(1)
        .returning(|_, _| ());
    mocks
        .files
        .expect_delete()
        .withf(|keys| keys.len() == 2)
        .times(1)
        .returning(|_| Ok(()));
    mocks
        .build()
        .delete_account(&signed_in(1, "s", 1), "correct horse")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_wrong_password_deletes_nothing() {
    let mut mocks = Mocks::new();
    mocks.hasher.expect_verify().returning(|_, _| Ok(false));
    mocks.conversations.expect_modify().never();
    mocks.accounts.expect_delete_account().never();
    let refused = mocks
        .build()
        .delete_account(&signed_in(1, "s", 1), "guess")
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        DomainError::invalid("password", "The password is incorrect.")
    );
}

#[tokio::test]
async fn an_empty_password_is_required_before_any_hashing() {
    let mut mocks = Mocks::new();
    mocks.hasher.expect_verify().never();
    let refused = mocks
        .build()
        .delete_account(&signed_in(1, "s", 1), "")
        .await
        .unwrap_err();
    assert!(matches!(refused, DomainError::Invalid(errors)
        if errors.fields().contains_key("password")));
}

#[tokio::test]
async fn a_room_that_fails_stops_before_the_account_is_touched() {
    let mut mocks = Mocks::new();
    ann_deletes(&mut mocks);
    mocks
        .conversations
        .expect_modify()
        .returning(|_, _, _| Err(DomainError::Unavailable("database".into())));
    mocks.accounts.expect_delete_account().never();
    mocks.broadcaster.expect_end_sessions().never();
    let failed = mocks
        .build()
        .delete_account(&signed_in(1, "s", 1), "correct horse")
        .await;
    assert!(matches!(failed, Err(DomainError::Unavailable(_))));
}
