//! Reading threads and following them. A thread's replies are found by the `messages_by_thread
//! (thread_id, id)` index and a follower's threads by the `thread_follows` key, so each read
//! costs the page it returns (the threads list sorts the threads its reader follows: their
//! number, never the history's size).

use confab_domain::thread::unread_in_thread;
use confab_domain::{ConversationId, Direction, DomainError, MessageId, Slice, UserId};
use confab_domain::{FollowedThread, ThreadPage, ThreadRead};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Statement, Value};

use super::message_rows::{
    MESSAGE_COLUMNS, MESSAGE_FROM, MessageRow, view_of, with_reactions_and_files,
};
use super::sql::Bound;
use super::{from_db, to_db};
use crate::error::internal;

fn statement(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(db.get_database_backend(), sql, values)
}

/// The root (it must be a message of `conversation` outside any thread) and one slice of its
/// replies: newest first before a reply or from the newest, oldest first after one.
pub(super) async fn page(
    db: &DatabaseConnection,
    conversation: ConversationId,
    root: MessageId,
    read: ThreadRead,
    viewer: UserId,
) -> Result<Option<ThreadPage>, DomainError> {
    let Some(root_view) = view_of(db, root, viewer).await? else {
        return Ok(None);
    };
    let facts = root_view.message.as_root();
    if facts.conversation_id != conversation || facts.in_thread {
        return Ok(None);
    }
    // Without a cursor, from the newest: every id is below i64::MAX.
    let (from, comparison, order) = match read.from {
        Some((from, Direction::Before)) => (from.get(), "<", "DESC"),
        Some((from, Direction::After)) => (from.get(), ">", "ASC"),
        None => (i64::MAX, "<", "DESC"),
    };
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} \
         WHERE m.thread_id = $1 AND m.id {comparison} $2 ORDER BY m.id {order} LIMIT $3"
    );
    let values = vec![
        root.get().into(),
        from.into(),
        to_db(read.limit.saturating_add(1)),
    ];
    let rows = MessageRow::find_by_statement(statement(db, &sql, values))
        .all(db)
        .await
        .map_err(internal)?;
    let replies = with_reactions_and_files(db, db.get_database_backend(), rows, viewer).await?;
    Ok(Some(ThreadPage {
        root: root_view,
        replies: Slice::from_probe(replies, read.limit),
    }))
}

/// Follows with nothing unread from now (the root's current count), or stops following.
pub(super) async fn follow(
    db: &DatabaseConnection,
    conversation: ConversationId,
    root: MessageId,
    user: UserId,
    follow: bool,
) -> Result<(), DomainError> {
    let sql = if follow {
        "INSERT INTO thread_follows (user_id, root_id, conversation_id, read_seq, following) \
         SELECT $1, $2, $3, m.thread_reply_count, TRUE FROM messages m WHERE m.id = $2 \
         ON CONFLICT (user_id, root_id) DO UPDATE SET following = TRUE, \
            read_seq = excluded.read_seq"
    } else {
        "INSERT INTO thread_follows (user_id, root_id, conversation_id, read_seq, following) \
         VALUES ($1, $2, $3, 0, FALSE) \
         ON CONFLICT (user_id, root_id) DO UPDATE SET following = FALSE"
    };
    db.execute_raw(statement(
        db,
        sql,
        vec![
            user.get().into(),
            root.get().into(),
            conversation.get().into(),
        ],
    ))
    .await
    .map_err(internal)?;
    Ok(())
}

/// The follower's position moves to the thread's newest reply (never back).
pub(super) async fn mark_read(
    db: &DatabaseConnection,
    root: MessageId,
    user: UserId,
) -> Result<(), DomainError> {
    db.execute_raw(statement(
        db,
        "UPDATE thread_follows SET read_seq = (SELECT m.thread_reply_count FROM messages m \
                                               WHERE m.id = thread_follows.root_id) \
         WHERE user_id = $1 AND root_id = $2",
        vec![user.get().into(), root.get().into()],
    ))
    .await
    .map_err(internal)?;
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct Followed {
    root_id: i64,
    read_seq: i64,
    thread_reply_count: i64,
}

/// The threads `user` follows that have replies, by last reply newest first, then the roots.
pub(super) async fn followed(
    db: &DatabaseConnection,
    user: UserId,
    before: Option<MessageId>,
    limit: u64,
) -> Result<Slice<FollowedThread>, DomainError> {
    let before = before.map_or(i64::MAX, MessageId::get);
    let found = Followed::find_by_statement(statement(
        db,
        "SELECT f.root_id, f.read_seq, r.thread_reply_count FROM thread_follows f \
         JOIN messages r ON r.id = f.root_id \
         WHERE f.user_id = $1 AND f.following AND r.thread_reply_count > 0 \
           AND r.thread_last_reply_id < $2 \
         ORDER BY r.thread_last_reply_id DESC LIMIT $3",
        vec![
            user.get().into(),
            before.into(),
            to_db(limit.saturating_add(1)),
        ],
    ))
    .all(db)
    .await
    .map_err(internal)?;
    if found.is_empty() {
        return Ok(Slice::from_probe(Vec::new(), limit));
    }
    let mut bound = Bound::default();
    let ids = bound.list(found.iter().map(|row| Value::from(row.root_id)));
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} WHERE m.id IN ({ids})");
    let rows = MessageRow::find_by_statement(bound.statement(db.get_database_backend(), &sql))
        .all(db)
        .await
        .map_err(internal)?;
    let mut roots = with_reactions_and_files(db, db.get_database_backend(), rows, user).await?;
    let threads = found
        .iter()
        .filter_map(|row| {
            let at = roots
                .iter()
                .position(|v| v.message.id.get() == row.root_id)?;
            Some(FollowedThread {
                root: roots.swap_remove(at),
                unread_count: unread_in_thread(
                    from_db(row.thread_reply_count),
                    from_db(row.read_seq),
                ),
            })
        })
        .collect();
    Ok(Slice::from_probe(threads, limit))
}
