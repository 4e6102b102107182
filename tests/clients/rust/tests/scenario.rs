//! The API document's scenario through the progenitor-generated client (`confab_client`), against
//! the real server on both databases. Every value below is read through the generated types.

use confab_client::types::{
    ConversationDtoLastMessage, ConversationType, CreateConversationBody, InviteBody, LoginBody,
    MessagesMeta, RegisterBody, TypingBody,
};
use confab_client::{Client, Error};
use confab_tests::smtp::SmtpServer;
use confab_tests::{Backend, TestServer, on_both_backends};

#[path = "scenario/account.rs"]
mod account;
#[path = "scenario/alerts.rs"]
mod alerts;
#[path = "scenario/files.rs"]
mod files;
#[path = "scenario/governance.rs"]
mod governance;

on_both_backends!(the_documents_scenario_runs_through_the_generated_rust_client);

const PASSWORD: &str = "correct horse battery";

struct Person {
    id: i64,
    email: String,
    api: Client,
}

fn authorized(base_url: &str, token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    Client::new_with_client(base_url, http)
}

async fn register(anonymous: &Client, base_url: &str, name: &str, tag: &str) -> Person {
    let email = format!("{}.{tag}@example.com", name.to_lowercase());
    let body = RegisterBody {
        name: format!("{name} {tag}").parse().unwrap(),
        email: email.parse().unwrap(),
        password: PASSWORD.parse().unwrap(),
    };
    let session = anonymous.register(&body).await.expect("register");
    assert_eq!(session.status().as_u16(), 201);
    let session = session.into_inner().data;
    assert_eq!(session.token_type, "Bearer");
    assert_eq!(session.user.email, email);
    Person {
        id: session.user.id,
        email,
        api: authorized(base_url, &session.token),
    }
}

/// The documented error of a call that must fail, with its status.
fn refused<T: std::fmt::Debug>(
    outcome: Result<T, Error<confab_client::types::ErrorBody>>,
    status: u16,
) -> confab_client::types::ErrorBody {
    match outcome {
        Err(Error::ErrorResponse(error)) => {
            assert_eq!(error.status().as_u16(), status);
            let body = error.into_inner();
            assert!(!body.status);
            assert!(!body.message.is_empty());
            body
        }
        other => panic!("expected a documented {status}, got {other:?}"),
    }
}

async fn the_documents_scenario_runs_through_the_generated_rust_client(backend: &Backend) {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let server = TestServer::start_with(backend, &[("CONFAB_SMTP_URL", &smtp.url())]).await;
    let base = server.base_url.clone();
    let anonymous = Client::new(&base);
    let tag = format!("rs{}", std::process::id());
    let alice = register(&anonymous, &base, "Alice", &tag).await;
    let bob = register(&anonymous, &base, "Bob", &tag).await;
    let carol = register(&anonymous, &base, "Carol", &tag).await;
    let dave = register(&anonymous, &base, "Dave", &tag).await;

    // Log in; a wrong password is a 401 in the one error type.
    let login = |password: &str| LoginBody {
        email: alice.email.parse().unwrap(),
        password: password.parse().unwrap(),
    };
    let session = anonymous.login(&login(PASSWORD)).await.unwrap();
    assert_eq!(session.status().as_u16(), 200);
    let api = authorized(&base, &session.into_inner().data.token);
    refused(anonymous.login(&login("not the password")).await, 401);

    // Create a group and invite.
    let room = api
        .create_conversation(&CreateConversationBody {
            type_: Some(ConversationType::Group.into()),
            name: Some("Project Alpha".parse().unwrap()),
            user_ids: Some(vec![bob.id]),
        })
        .await
        .unwrap();
    assert_eq!(room.status().as_u16(), 201);
    let room = room.into_inner().data;
    assert_eq!(room.type_, ConversationType::Group);
    assert_eq!(room.name.as_deref(), Some("Project Alpha"));
    assert!(room.is_creator);
    assert!(room.closed_at.is_none());
    // A nullable reference comes out of progenitor as an enum whose second variant is `null`.
    assert!(matches!(
        room.last_message,
        ConversationDtoLastMessage::Variant1
    ));
    let invited = api
        .invite_users(
            room.id,
            &InviteBody {
                user_ids: vec![carol.id],
            },
        )
        .await
        .unwrap()
        .into_inner()
        .data;
    let members: Vec<i64> = invited.participants.iter().map(|p| p.id).collect();
    assert_eq!(members, [alice.id, bob.id, carol.id]);

    // Send.
    let send = alerts::text;
    for text in ["one", "two", "three"] {
        let sent = api.send_message(room.id, None, &send(text)).await.unwrap();
        assert_eq!(sent.status().as_u16(), 201);
        assert_eq!(sent.into_inner().data.body, text);
    }
    let four = bob
        .api
        .send_message(room.id, None, &send("four"))
        .await
        .unwrap();
    let four = four.into_inner().data;

    // List with pagination: a page, then a cursor.
    let three = std::num::NonZeroU64::new(3);
    let page = api
        .list_messages(room.id, None, None, None, None, three)
        .await
        .unwrap()
        .into_inner();
    let bodies: Vec<&str> = page.data.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["four", "three", "two"]);
    let MessagesMeta::PageMeta(meta) = &page.meta else {
        panic!("a page read answers the page summary: {:?}", page.meta)
    };
    assert_eq!((meta.total, meta.last_page), (4, 2));
    let older = api
        .list_messages(
            room.id,
            None,
            Some(page.data[2].id),
            std::num::NonZeroU64::new(10),
            None,
            None,
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(older.data.len(), 1);
    assert_eq!(older.data[0].body, "one");
    let MessagesMeta::CursorMeta(cursor) = &older.meta else {
        panic!("a cursor read answers the cursor summary: {:?}", older.meta)
    };
    assert!(!cursor.has_more);

    // Conversations with unread counts (your own message reads the room; an invited member has
    // the whole history unread); mark read.
    let view_of = |list: Vec<confab_client::types::ConversationDto>| {
        list.into_iter()
            .find(|c| c.id == room.id)
            .expect("the room")
    };
    let bobs = view_of(
        bob.api
            .list_conversations(None)
            .await
            .unwrap()
            .into_inner()
            .data,
    );
    assert_eq!(bobs.unread_count, 0);
    let carols = view_of(
        carol
            .api
            .list_conversations(None)
            .await
            .unwrap()
            .into_inner()
            .data,
    );
    assert_eq!(carols.unread_count, 4);
    let ConversationDtoLastMessage::Variant0(last) = carols.last_message else {
        panic!("a last message")
    };
    assert_eq!(last.body, "four");
    assert!(
        carol
            .api
            .mark_read(room.id)
            .await
            .unwrap()
            .into_inner()
            .status
    );
    let carols = view_of(
        carol
            .api
            .list_conversations(None)
            .await
            .unwrap()
            .into_inner()
            .data,
    );
    assert_eq!(carols.unread_count, 0);
    let typing = carol
        .api
        .signal_typing(room.id, &TypingBody { thread_id: None })
        .await
        .unwrap();
    assert_eq!(typing.status().as_u16(), 204, "signalTyping");

    // Mentions, notification settings and a thread (`scenario/alerts.rs`).
    alerts::mentions_and_threads(&api, &bob.api, &carol.api, room.id, carol.id).await;

    // A repeated Idempotency-Key returns the stored message with 200; edit, react, search.
    let key: confab_client::types::SendMessageIdempotencyKey = "retry-1".parse().unwrap();
    let stored = api
        .send_message(room.id, Some(&key), &send("keyed"))
        .await
        .unwrap();
    assert_eq!(stored.status().as_u16(), 201);
    let repeat = api
        .send_message(room.id, Some(&key), &send("keyed"))
        .await
        .unwrap();
    assert_eq!(repeat.status().as_u16(), 200);
    let stored = stored.into_inner().data;
    assert_eq!(repeat.into_inner().data.id, stored.id);
    let edit = confab_client::types::EditMessageBody {
        body: "keyed, edited".parse().unwrap(),
        mentions: Default::default(),
        mention_room: Default::default(),
    };
    let edited = api
        .edit_message(room.id, stored.id, &edit)
        .await
        .unwrap()
        .into_inner()
        .data;
    assert!(edited.edited_at.is_some());
    let thumbs: confab_client::types::AddReactionEmoji = "👍".parse().unwrap();
    let reacted = bob
        .api
        .add_reaction(room.id, four.id, &thumbs)
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(
        (reacted.reactions[0].count, reacted.reactions[0].me),
        (1, true)
    );
    let q: confab_client::types::SearchMessagesQ = "edited".parse().unwrap();
    let found = api
        .search_messages(None, None, &q)
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(found.iter().map(|m| m.id).collect::<Vec<_>>(), [stored.id]);
    api.delete_message(room.id, stored.id).await.unwrap();

    // Roles, pins, settings, a timeout, a report, the audit log and a block
    // (`scenario/governance.rs`).
    let people = governance::Room {
        id: room.id,
        alice: &api,
        bob: (bob.id, &bob.api),
        carol: (carol.id, &carol.api),
        dave: dave.id,
    };
    governance::run_the_room(people, four.id).await;

    // A file, sent with the direct-upload flow (`scenario/files.rs`).
    files::direct_upload_and_download(&api, &bob.api, &base, room.id).await;

    // Close; sending to the closed room is the document's 422, without field errors.
    let closed = api.close_room(room.id).await.unwrap().into_inner().data;
    assert!(closed.is_closed && closed.closed_at.is_some());
    let error = refused(
        bob.api.send_message(room.id, None, &send("anyone?")).await,
        422,
    );
    assert!(error.errors.is_empty());
    // A field error names the field.
    let twice = CreateConversationBody {
        type_: Some(ConversationType::Group.into()),
        name: None,
        user_ids: Some(vec![bob.id, bob.id]),
    };
    let error = refused(api.create_conversation(&twice).await, 422);
    assert!(error.errors.contains_key("user_ids"), "{error:?}");

    // Ban, remove, leave, in a second, open room.
    let second = api
        .create_conversation(&CreateConversationBody {
            type_: Some(ConversationType::Group.into()),
            name: Some("Project Beta".parse().unwrap()),
            user_ids: Some(vec![bob.id, carol.id, dave.id]),
        })
        .await
        .unwrap()
        .into_inner()
        .data;
    let after_ban = api.ban_participant(second.id, carol.id).await.unwrap();
    assert!(!after_ban.data.participants.iter().any(|p| p.id == carol.id));
    let after_remove = api.remove_participant(second.id, dave.id).await.unwrap();
    assert!(
        !after_remove
            .data
            .participants
            .iter()
            .any(|p| p.id == dave.id)
    );
    assert!(bob.api.leave_conversation(second.id).await.unwrap().status);
    refused(bob.api.get_conversation(second.id).await, 404);

    // User search; me.
    let search: confab_client::types::SearchUsersSearch = tag.parse().unwrap();
    let found = api
        .search_users(None, std::num::NonZeroU64::new(10), Some(&search))
        .await
        .unwrap()
        .into_inner();
    let mut ids: Vec<i64> = found.data.iter().map(|u| u.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, [bob.id, carol.id, dave.id]);
    assert_eq!(found.meta.total, 3);
    let me = api.current_user().await.unwrap().into_inner().data;
    assert_eq!((me.id, me.email.as_str()), (alice.id, alice.email.as_str()));
    refused(anonymous.current_user().await, 401);

    // Sessions: a refresh answers in the login shape and retires the token it was asked with;
    // logging out ends the new one.
    let refreshed = bob.api.refresh_token().await.unwrap().into_inner().data;
    assert_eq!(refreshed.user.id, bob.id);
    refused(bob.api.current_user().await, 401);
    let renewed = authorized(&base, &refreshed.token);
    let logged_out = renewed.logout().await.unwrap().into_inner();
    assert_eq!(logged_out.message, "Logged out.");
    refused(renewed.current_user().await, 401);

    // Last, as it adds a person the searches above would find.
    account::run_the_account(&anonymous, &base, &smtp, &tag).await;
}
