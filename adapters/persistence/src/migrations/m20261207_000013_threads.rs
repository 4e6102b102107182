//! Threads.
//!
//! - `messages.thread_id`: the root a reply is in (`messages_by_thread (thread_id, id)` pages a
//!   thread by id, whatever its size); `messages.thread_seq`: its number in the thread (1, 2, …).
//! - A reply that is only in its thread takes no place in the room's timeline: its `seq` is
//!   negative (-1, -2, … per room, from `conversations.thread_only_seq`), outside every range the
//!   timeline reads (pages, cursors, the last message, unread arithmetic all use `seq` ≥ 1), so
//!   the unique `(conversation_id, seq)` index still holds without a nullable column.
//! - The root's summary on its own row: `thread_reply_count` (the last `thread_seq`),
//!   `thread_last_reply_at`, `thread_last_reply_id`, `thread_participant_ids` (latest first, at
//!   most five, `4,2,9`), read with the root. A reply (which never holds a thread itself) is
//!   inserted with the repliers its root shows after it in its own `thread_participant_ids`, and
//!   the `thread_reply` trigger moves the summary onto the root — so a reply costs its send no
//!   statement (the repliers list is computed by the domain's `participants_after`).
//! - `thread_follows`: who follows which thread and how far they have read in it (a
//!   `thread_seq`); `following = FALSE` keeps a root's author who stopped from being made to
//!   follow again by the next reply. Kept by the same trigger: the replier follows (again) and has read up to their reply; the
//!   root's author follows from the first reply, unless a row already says otherwise.
//!
//! Existing rows need no backfill: no message was in a thread before this.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE messages ADD COLUMN thread_id BIGINT NULL",
    "ALTER TABLE messages ADD COLUMN thread_seq BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE messages ADD COLUMN thread_reply_count BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE messages ADD COLUMN thread_last_reply_at {ts} NULL",
    "ALTER TABLE messages ADD COLUMN thread_last_reply_id BIGINT NULL",
    "ALTER TABLE messages ADD COLUMN thread_participant_ids TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX messages_by_thread ON messages (thread_id, id) WHERE thread_id IS NOT NULL",
    "ALTER TABLE conversations ADD COLUMN thread_only_seq BIGINT NOT NULL DEFAULT 0",
    "CREATE TABLE thread_follows (\
         user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
         root_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE, \
         conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, \
         read_seq BIGINT NOT NULL DEFAULT 0, \
         following BOOLEAN NOT NULL DEFAULT TRUE, \
         PRIMARY KEY (user_id, root_id))",
    "CREATE INDEX thread_follows_by_root ON thread_follows (root_id)",
];

const SQLITE: &[&str] = &["CREATE TRIGGER thread_reply AFTER INSERT ON messages \
     WHEN NEW.thread_id IS NOT NULL BEGIN \
         UPDATE messages SET thread_reply_count = NEW.thread_seq, \
                thread_last_reply_at = NEW.created_at, thread_last_reply_id = NEW.id, \
                thread_participant_ids = NEW.thread_participant_ids \
         WHERE id = NEW.thread_id AND thread_reply_count < NEW.thread_seq; \
         INSERT INTO thread_follows (user_id, root_id, conversation_id, read_seq, following) \
         SELECT r.user_id, r.id, r.conversation_id, 0, TRUE FROM messages r \
         WHERE r.id = NEW.thread_id AND r.user_id <> NEW.user_id \
         ON CONFLICT (user_id, root_id) DO NOTHING; \
         INSERT INTO thread_follows (user_id, root_id, conversation_id, read_seq, following) \
         VALUES (NEW.user_id, NEW.thread_id, NEW.conversation_id, NEW.thread_seq, TRUE) \
         ON CONFLICT (user_id, root_id) DO UPDATE SET following = TRUE, \
             read_seq = MAX(thread_follows.read_seq, excluded.read_seq); \
     END"];

const POSTGRES: &[&str] = &[
    "CREATE FUNCTION thread_reply() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
         UPDATE messages SET thread_reply_count = NEW.thread_seq, \
                thread_last_reply_at = NEW.created_at, thread_last_reply_id = NEW.id, \
                thread_participant_ids = NEW.thread_participant_ids \
         WHERE id = NEW.thread_id AND thread_reply_count < NEW.thread_seq; \
         INSERT INTO thread_follows (user_id, root_id, conversation_id, read_seq, following) \
         SELECT r.user_id, r.id, r.conversation_id, 0, TRUE FROM messages r \
         WHERE r.id = NEW.thread_id AND r.user_id <> NEW.user_id \
         ON CONFLICT (user_id, root_id) DO NOTHING; \
         INSERT INTO thread_follows (user_id, root_id, conversation_id, read_seq, following) \
         VALUES (NEW.user_id, NEW.thread_id, NEW.conversation_id, NEW.thread_seq, TRUE) \
         ON CONFLICT (user_id, root_id) DO UPDATE SET following = TRUE, \
             read_seq = GREATEST(thread_follows.read_seq, excluded.read_seq); \
         RETURN NULL; \
     END $$",
    "CREATE TRIGGER thread_reply AFTER INSERT ON messages FOR EACH ROW \
     WHEN (NEW.thread_id IS NOT NULL) EXECUTE FUNCTION thread_reply()",
];

const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS thread_reply ON messages",
    "DROP TABLE thread_follows",
    "ALTER TABLE conversations DROP COLUMN thread_only_seq",
    "DROP INDEX messages_by_thread",
    "ALTER TABLE messages DROP COLUMN thread_participant_ids",
    "ALTER TABLE messages DROP COLUMN thread_last_reply_id",
    "ALTER TABLE messages DROP COLUMN thread_last_reply_at",
    "ALTER TABLE messages DROP COLUMN thread_reply_count",
    "ALTER TABLE messages DROP COLUMN thread_seq",
    "ALTER TABLE messages DROP COLUMN thread_id",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ts = if manager.get_database_backend() == DbBackend::Postgres {
            "TIMESTAMPTZ"
        } else {
            "timestamp_with_timezone_text"
        };
        let db = manager.get_connection();
        for sql in UP {
            db.execute_unprepared(&sql.replace("{ts}", ts)).await?;
        }
        let triggers = if manager.get_database_backend() == DbBackend::Postgres {
            POSTGRES
        } else {
            SQLITE
        };
        for sql in triggers {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for sql in DOWN {
            // SQLite names a trigger without its table.
            let sql = if postgres {
                (*sql).to_owned()
            } else {
                sql.replace(" ON messages", "")
            };
            db.execute_unprepared(&sql).await?;
        }
        if postgres {
            db.execute_unprepared("DROP FUNCTION thread_reply()")
                .await?;
        }
        Ok(())
    }
}
