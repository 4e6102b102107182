//! Upgrading in place: a database filled by the previous schema (no sequence numbers, read
//! positions as message ids, counts by `COUNT(*)`) is migrated, and every total, page, last
//! message and unread count the repositories give afterwards equals what the old queries gave;
//! and the message features' columns and search index start from the rows already there.

use std::collections::BTreeMap;

use confab_domain::ports::{ConversationRepository, MessageRepository};
use confab_domain::{ConversationId, MessageBody, NewMessage, PageRequest, UserId};
use confab_persistence::{
    SeaConversationRepository, SeaMessageRepository, SeaUserRepository, open,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Statement, Value};

use crate::helpers::{TestContext, at};

/// The schema as the five migrations before sequence numbers left it.
const BEFORE_SEQUENCES: u32 = 5;
const PER_PAGE: i64 = 7;

async fn execute(db: &DatabaseConnection, sql: &str, values: Vec<Value>) {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .await
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[derive(FromQueryResult)]
struct Number {
    n: i64,
}

async fn numbers(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> Vec<i64> {
    Number::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .all(db)
    .await
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
    .into_iter()
    .map(|row| row.n)
    .collect()
}

/// What the old code answered, computed with its own queries.
#[derive(Debug, Default, PartialEq)]
struct Answers {
    totals: BTreeMap<i64, u64>,
    pages: BTreeMap<(i64, i64), Vec<i64>>,
    last: BTreeMap<i64, Option<i64>>,
    unread: BTreeMap<(i64, i64), u64>,
}

async fn old_answers(db: &DatabaseConnection, rooms: &[i64], members: &[(i64, i64)]) -> Answers {
    let mut answers = Answers::default();
    for &room in rooms {
        let total = numbers(
            db,
            "SELECT COUNT(*) AS n FROM messages WHERE conversation_id = $1",
            vec![room.into()],
        )
        .await[0];
        answers.totals.insert(room, total as u64);
        let last_page = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
        for page in 1..=last_page + 1 {
            let ids = numbers(
                db,
                "SELECT id AS n FROM messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
                vec![room.into(), PER_PAGE.into(), ((page - 1) * PER_PAGE).into()],
            )
            .await;
            answers.pages.insert((room, page), ids);
        }
        let last = numbers(
            db,
            "SELECT MAX(id) AS n FROM messages WHERE conversation_id = $1 HAVING COUNT(*) > 0",
            vec![room.into()],
        )
        .await;
        answers.last.insert(room, last.first().copied());
    }
    for &(room, user) in members {
        let unread = numbers(
            db,
            "SELECT COUNT(*) AS n FROM messages m \
             JOIN participants v ON v.conversation_id = m.conversation_id AND v.user_id = $1 \
             WHERE m.user_id <> $1 AND m.conversation_id = $2 \
               AND (v.last_read_message_id IS NULL OR m.id > v.last_read_message_id)",
            vec![user.into(), room.into()],
        )
        .await[0];
        answers.unread.insert((room, user), unread as u64);
    }
    answers
}

async fn new_answers(ctx: &TestContext, rooms: &[i64], members: &[(i64, i64)]) -> Answers {
    let mut answers = Answers::default();
    for &room in rooms {
        let id = ConversationId(room);
        let first = ctx
            .messages
            .list(
                id,
                PageRequest::parse(Some(1), Some(PER_PAGE)).unwrap(),
                UserId(0),
            )
            .await
            .unwrap();
        answers.totals.insert(room, first.total);
        for page in 1..=first.last_page() as i64 + 1 {
            let request = PageRequest::parse(Some(page), Some(PER_PAGE)).unwrap();
            let items = ctx
                .messages
                .list(id, request, UserId(0))
                .await
                .unwrap()
                .items;
            answers.pages.insert(
                (room, page),
                items.iter().map(|v| v.message.id.get()).collect(),
            );
        }
        answers.last.insert(
            room,
            ctx.messages.newest(id).await.unwrap().map(|m| m.id.get()),
        );
    }
    for &(room, user) in members {
        let overview = ctx
            .conversations
            .overview(ConversationId(room), UserId(user))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            overview.last_message.map(|m| m.message.id.get()),
            answers.last[&room],
            "the overview's last message of room {room}"
        );
        let listed = ctx.conversations.list_for(UserId(user)).await.unwrap();
        let in_list = listed.iter().find(|o| o.id.get() == room).unwrap();
        assert_eq!(
            in_list.unread_count, overview.unread_count,
            "list and overview agree"
        );
        answers.unread.insert((room, user), overview.unread_count);
    }
    answers
}

async fn an_old_database_upgrades_with_every_answer_unchanged(ctx: TestContext) {
    let db = ctx.db.clone();
    let users = [
        ctx.user("Ann").await.id.get(),
        ctx.user("Bob").await.id.get(),
        ctx.user("Cid").await.id.get(),
    ];
    let mut rooms = Vec::new();
    for (i, name) in ["Busy", "Quiet", "Empty"].iter().enumerate() {
        execute(
            &db,
            "INSERT INTO conversations (kind, name, created_by, closed_at, created_at, updated_at, version) \
             VALUES ('group', $1, $2, NULL, $3, $3, 0)",
            vec![(*name).into(), users[0].into(), at(i as i64).into()],
        )
        .await;
        rooms.push(numbers(&db, "SELECT MAX(id) AS n FROM conversations", vec![]).await[0]);
    }
    let mut members = Vec::new();
    for &room in &rooms {
        for &user in &users {
            execute(
                &db,
                "INSERT INTO participants (conversation_id, user_id, last_read_message_id, joined_at) VALUES ($1, $2, NULL, $3)",
                vec![room.into(), user.into(), at(0).into()],
            )
            .await;
            members.push((room, user));
        }
    }
    // Interleaved history: 151 messages in Busy, 19 in Quiet, from everyone.
    for i in 0..170i64 {
        let room = if i % 9 == 4 { rooms[1] } else { rooms[0] };
        let sender = users[(i * 7 % 5 % 3) as usize];
        execute(
            &db,
            "INSERT INTO messages (conversation_id, user_id, body, created_at) VALUES ($1, $2, $3, $4)",
            vec![room.into(), sender.into(), format!("m{i}").into(), at(10 + i).into()],
        )
        .await;
    }
    // Read positions as the old code kept them: Ann read up to an early message of Busy; Bob read
    // Quiet to its end; Cid (who wrote in both) never marked anything read, as someone invited
    // back would be.
    let busy_ids = numbers(
        &db,
        "SELECT id AS n FROM messages WHERE conversation_id = $1 ORDER BY id",
        vec![rooms[0].into()],
    )
    .await;
    let quiet_ids = numbers(
        &db,
        "SELECT id AS n FROM messages WHERE conversation_id = $1 ORDER BY id",
        vec![rooms[1].into()],
    )
    .await;
    let set_read = |room: i64, user: i64, id: i64| {
        let db = db.clone();
        async move {
            execute(&db, "UPDATE participants SET last_read_message_id = $3 WHERE conversation_id = $1 AND user_id = $2", vec![room.into(), user.into(), id.into()]).await;
        }
    };
    set_read(rooms[0], users[0], busy_ids[40]).await;
    set_read(rooms[1], users[1], *quiet_ids.last().unwrap()).await;
    set_read(rooms[0], users[1], busy_ids[busy_ids.len() - 3]).await;
    // Ann had read Quiet up to a message that is gone since (a hand-deleted row): her position
    // still means "after it".
    set_read(rooms[1], users[0], quiet_ids[7]).await;
    execute(
        &db,
        "DELETE FROM messages WHERE id = $1",
        vec![quiet_ids[7].into()],
    )
    .await;

    let before = old_answers(&db, &rooms, &members).await;
    assert!(before.unread.values().any(|&n| n > 0) && before.totals[&rooms[2]] == 0);
    // What the new binary does at start: migrate, then serve from a fresh pool.
    let upgraded = open(&ctx.url)
        .await
        .expect("the upgrade runs on a filled database");
    let ctx = TestContext {
        users: SeaUserRepository::new(upgraded.clone()),
        conversations: SeaConversationRepository::new(upgraded.clone()),
        messages: SeaMessageRepository::new(upgraded.clone()),
        sessions: confab_persistence::SeaSessionStore::new(upgraded.clone()),
        db: upgraded,
        url: ctx.url.clone(),
    };
    let after = new_answers(&ctx, &rooms, &members).await;
    assert_eq!(after, before);

    // And it goes on from there: the next message takes the next number.
    let next = ctx
        .messages
        .append(NewMessage {
            conversation_id: ConversationId(rooms[0]),
            sender: UserId(users[2]),
            body: MessageBody::parse("after the upgrade").unwrap(),
            created_at: at(500),
            client_id: None,
            reply_to: None,
            attachments: Vec::new(),
            mentions: confab_domain::Mentions::none(),
            thread_id: None,
            also_in_room: false,
        })
        .await
        .unwrap()
        .into_new()
        .unwrap();
    assert_eq!(next.message.seq, before.totals[&rooms[0]] + 1);
    let cid_busy = ctx
        .conversations
        .overview(ConversationId(rooms[0]), UserId(users[2]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cid_busy.unread_count, 0, "sending reads everything before");
    // The search index was built from the rows already stored, and an edit moves a word.
    let busy = ConversationId(rooms[0]);
    let reader = UserId(users[0]);
    let search = |q: &str| {
        let messages = ctx.messages.clone();
        let query = confab_domain::SearchQuery::parse(q).unwrap();
        async move {
            messages
                .search(
                    confab_domain::SearchScope::Conversation(busy),
                    &query,
                    PageRequest::default(),
                    reader,
                )
                .await
                .unwrap()
        }
    };
    let old = search("m100").await;
    assert_eq!(old.total, 1, "a message stored before the upgrade is found");
    assert_eq!(old.items[0].message.body, "m100");
    assert_eq!(old.items[0].message.edited_at, None);
    let id = old.items[0].message.id;
    ctx.messages
        .edit(id, &MessageBody::parse("renamed").unwrap(), None, at(600))
        .await
        .unwrap();
    assert_eq!(search("m100").await.total, 0);
    assert_eq!(search("renamed").await.items[0].message.id, id);
    ctx.db.close().await.ok();
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_old_database_upgrades_with_every_answer_unchanged() {
        let backend = crate::helpers::Backend::Sqlite;
        crate::helpers::run_before(
            backend,
            super::BEFORE_SEQUENCES,
            super::an_old_database_upgrades_with_every_answer_unchanged,
        )
        .await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_old_database_upgrades_with_every_answer_unchanged() {
        let backend = crate::helpers::Backend::Postgres;
        crate::helpers::run_before(
            backend,
            super::BEFORE_SEQUENCES,
            super::an_old_database_upgrades_with_every_answer_unchanged,
        )
        .await;
    }
}
