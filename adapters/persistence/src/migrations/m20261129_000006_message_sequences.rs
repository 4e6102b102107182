//! History at any size: per-conversation sequence numbers, counters on the conversation, and read
//! positions as sequence numbers, so unread counts, `meta.total`, page N and the last message are
//! arithmetic and index probes instead of counts and scans over a room's history.
//!
//! - `messages.seq`: 1, 2, 3, … within each conversation in send (id) order, unique per
//!   conversation; `(conversation_id, seq)` replaces the `(conversation_id, id)` index, and
//!   `(conversation_id, user_id)` counts a returning member's own messages at the invite.
//! - `conversations.last_seq`, `conversations.message_count`.
//! - `participants.read_seq` (replacing `last_read_message_id`) and `participants.own_after_read`.
//!
//! Existing databases are upgraded in place: every value is backfilled from the rows already
//! stored, with set-based statements (one pass each, window functions for the numbering), and the
//! same SQL runs on SQLite (3.35+: `UPDATE … FROM`, `DROP COLUMN`) and PostgreSQL. It runs in one
//! transaction on both, so an upgrade that stops halfway leaves the old schema to retry from.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE messages ADD COLUMN seq BIGINT NOT NULL DEFAULT 0",
    "UPDATE messages SET seq = numbered.seq \
     FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY conversation_id ORDER BY id) AS seq \
           FROM messages) AS numbered \
     WHERE messages.id = numbered.id",
    "CREATE UNIQUE INDEX messages_conversation_seq_unique ON messages (conversation_id, seq)",
    "CREATE INDEX messages_conversation_user_index ON messages (conversation_id, user_id)",
    "DROP INDEX messages_conversation_id_index",
    "ALTER TABLE conversations ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE conversations ADD COLUMN message_count BIGINT NOT NULL DEFAULT 0",
    "UPDATE conversations SET last_seq = counted.last_seq, message_count = counted.total \
     FROM (SELECT conversation_id, MAX(seq) AS last_seq, COUNT(*) AS total \
           FROM messages GROUP BY conversation_id) AS counted \
     WHERE conversations.id = counted.conversation_id",
    "ALTER TABLE participants ADD COLUMN read_seq BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE participants ADD COLUMN own_after_read BIGINT NOT NULL DEFAULT 0",
    // The newest message of the room at or before the old position: the same "after it" as the
    // old `id >` comparison, even if that message itself is gone.
    "UPDATE participants SET read_seq = COALESCE((SELECT m.seq FROM messages m \
         WHERE m.conversation_id = participants.conversation_id \
           AND m.id <= participants.last_read_message_id \
         ORDER BY m.id DESC LIMIT 1), 0) \
     WHERE last_read_message_id IS NOT NULL",
    "UPDATE participants SET own_after_read = own.total \
     FROM (SELECT p.id, COUNT(*) AS total FROM participants p \
           JOIN messages m ON m.conversation_id = p.conversation_id \
                          AND m.user_id = p.user_id AND m.seq > p.read_seq \
           GROUP BY p.id) AS own \
     WHERE participants.id = own.id",
    "ALTER TABLE participants DROP COLUMN last_read_message_id",
];

const DOWN: &[&str] = &[
    "ALTER TABLE participants ADD COLUMN last_read_message_id BIGINT NULL",
    "UPDATE participants SET last_read_message_id = read.id \
     FROM messages AS read \
     WHERE read.conversation_id = participants.conversation_id AND read.seq = participants.read_seq",
    "ALTER TABLE participants DROP COLUMN own_after_read",
    "ALTER TABLE participants DROP COLUMN read_seq",
    "ALTER TABLE conversations DROP COLUMN message_count",
    "ALTER TABLE conversations DROP COLUMN last_seq",
    "CREATE INDEX messages_conversation_id_index ON messages (conversation_id, id)",
    "DROP INDEX messages_conversation_user_index",
    "DROP INDEX messages_conversation_seq_unique",
    "ALTER TABLE messages DROP COLUMN seq",
];

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// SQLite's DDL is transactional too; sea-orm-migration only wraps PostgreSQL by default.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await
    }
}
