//! Mentions and notification settings.
//!
//! - `messages.mention_ids` (the people a message names, as `2,5,9` in the order named) and
//!   `messages.mention_room`: what the message shows, read with the message itself.
//! - `message_mentions`: one row per person a message reaches by a mention (named, or in the room
//!   it calls; never its sender). Its key `(user_id, conversation_id, seq)` answers "my mentions in
//!   this room after my read position" with one index range; `(user_id, message_id)` is the
//!   mention feed across rooms, newest first; `(message_id)` finds a message's rows when it is
//!   edited or deleted.
//! - `participants.unread_mentions`: how many of those rows lie after the member's read position,
//!   kept by two triggers on `message_mentions` (a row added after the position counts one more, a
//!   row removed after it one less), so a send, an edit, a deletion and a member leaving all keep
//!   it without a statement of their own; moving the read position recounts only what lies
//!   between the old and the new position. Never counted over the history.
//! - `participants.notify_level` (`all`, `mentions`, `none`) and `participants.muted_until`.
//!
//! Existing rows need no backfill: no message named anyone before this.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const COMMON: &[&str] = &[
    "ALTER TABLE messages ADD COLUMN mention_ids TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE messages ADD COLUMN mention_room BOOLEAN NOT NULL DEFAULT FALSE",
    "ALTER TABLE participants ADD COLUMN unread_mentions BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE participants ADD COLUMN notify_level TEXT NOT NULL DEFAULT 'all'",
    "CREATE TABLE message_mentions (\
         user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
         conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, \
         seq BIGINT NOT NULL, \
         message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE, \
         PRIMARY KEY (user_id, conversation_id, seq))",
    "CREATE INDEX message_mentions_feed ON message_mentions (user_id, message_id)",
    "CREATE INDEX message_mentions_by_message ON message_mentions (message_id)",
];

const SQLITE: &[&str] = &[
    "ALTER TABLE participants ADD COLUMN muted_until timestamp_with_timezone_text NULL",
    "CREATE TRIGGER message_mentions_counted AFTER INSERT ON message_mentions BEGIN \
         UPDATE participants SET unread_mentions = unread_mentions + 1 \
         WHERE conversation_id = NEW.conversation_id AND user_id = NEW.user_id \
           AND read_seq < NEW.seq; \
     END",
    "CREATE TRIGGER message_mentions_uncounted AFTER DELETE ON message_mentions BEGIN \
         UPDATE participants SET unread_mentions = unread_mentions - 1 \
         WHERE conversation_id = OLD.conversation_id AND user_id = OLD.user_id \
           AND read_seq < OLD.seq AND unread_mentions > 0; \
     END",
];

const POSTGRES: &[&str] = &[
    "ALTER TABLE participants ADD COLUMN muted_until TIMESTAMPTZ NULL",
    "CREATE FUNCTION message_mentions_count() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
         IF TG_OP = 'INSERT' THEN \
             UPDATE participants SET unread_mentions = unread_mentions + 1 \
             WHERE conversation_id = NEW.conversation_id AND user_id = NEW.user_id \
               AND read_seq < NEW.seq; \
         ELSE \
             UPDATE participants SET unread_mentions = unread_mentions - 1 \
             WHERE conversation_id = OLD.conversation_id AND user_id = OLD.user_id \
               AND read_seq < OLD.seq AND unread_mentions > 0; \
         END IF; \
         RETURN NULL; \
     END $$",
    "CREATE TRIGGER message_mentions_counted AFTER INSERT OR DELETE ON message_mentions \
     FOR EACH ROW EXECUTE FUNCTION message_mentions_count()",
];

const DOWN: &[&str] = &[
    "DROP TABLE message_mentions",
    "ALTER TABLE participants DROP COLUMN muted_until",
    "ALTER TABLE participants DROP COLUMN notify_level",
    "ALTER TABLE participants DROP COLUMN unread_mentions",
    "ALTER TABLE messages DROP COLUMN mention_room",
    "ALTER TABLE messages DROP COLUMN mention_ids",
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
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, COMMON).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            run(manager, POSTGRES).await
        } else {
            run(manager, SQLITE).await
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            run(manager, &["DROP FUNCTION message_mentions_count()"]).await?;
        }
        Ok(())
    }
}
