//! Running a community: roles, timeouts, room settings, pins, blocks, reports and the audit log.
//!
//! - `participants.role` (`owner`, `admin`, `member`): a group's creator becomes its owner (the
//!   backfill below); direct chats' members stay `member` (they have no roles).
//!   `participants.timed_out_until`; `participants.last_sent_at`, the member's newest send, which
//!   slow mode reads in the send's own batch (the room is locked there, so two sends cannot both
//!   pass), written by the statement that already moves the sender's read position.
//! - `conversations.description`, `conversations.slow_mode_seconds` (0: off).
//! - `messages.pinned_at` / `pinned_by`, with a partial index on the pinned messages of a room (the
//!   pins list reads at most 50 rows of it, never the history).
//! - `user_blocks (blocker_id, blocked_id)`, and its reverse index for "who blocks this sender";
//!   `messages (conversation_id, user_id, seq)` replaces `(conversation_id, user_id)`, so a
//!   reader's unread messages by someone they block are one range.
//! - `message_reports`: one per reporter and message (`UNIQUE`), listed open first per room.
//! - `audit_log`: one row per moderation act, read newest first per room by `(conversation_id, id)`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// `{ts}` and `{pk}` as `templated` makes them.
const UP: &[&str] = &[
    "ALTER TABLE participants ADD COLUMN role TEXT NOT NULL DEFAULT 'member'",
    "ALTER TABLE participants ADD COLUMN timed_out_until {ts} NULL",
    "ALTER TABLE participants ADD COLUMN last_sent_at {ts} NULL",
    "UPDATE participants SET role = 'owner' WHERE EXISTS (SELECT 1 FROM conversations c \
         WHERE c.id = participants.conversation_id AND c.kind = 'group' \
           AND c.created_by = participants.user_id)",
    "ALTER TABLE conversations ADD COLUMN description TEXT NULL",
    "ALTER TABLE conversations ADD COLUMN slow_mode_seconds BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE messages ADD COLUMN pinned_at {ts} NULL",
    "ALTER TABLE messages ADD COLUMN pinned_by BIGINT NULL",
    "CREATE INDEX messages_pinned ON messages (conversation_id, pinned_at) \
     WHERE pinned_at IS NOT NULL",
    "CREATE TABLE user_blocks (\
         blocker_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
         blocked_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
         created_at {ts} NOT NULL, \
         PRIMARY KEY (blocker_id, blocked_id))",
    "CREATE INDEX user_blocks_blocked ON user_blocks (blocked_id, blocker_id)",
    // One author's messages of a room by number: what a reader's unread count skips of someone
    // they block is one range of it (it also serves every use of the index it replaces).
    "CREATE INDEX messages_by_author ON messages (conversation_id, user_id, seq)",
    "DROP INDEX messages_conversation_user_index",
    "CREATE TABLE message_reports (\
         id {pk}, \
         conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, \
         message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE, \
         reporter_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
         reason TEXT NOT NULL, \
         details TEXT NULL, \
         resolution TEXT NULL, \
         resolved_by BIGINT NULL, \
         resolved_at {ts} NULL, \
         created_at {ts} NOT NULL, \
         UNIQUE (message_id, reporter_id))",
    "CREATE INDEX message_reports_queue ON message_reports (conversation_id, resolved_at, id)",
    "CREATE TABLE audit_log (\
         id {pk}, \
         conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, \
         actor_id BIGINT NOT NULL, \
         action TEXT NOT NULL, \
         target_user_id BIGINT NULL, \
         target_message_id BIGINT NULL, \
         details TEXT NOT NULL DEFAULT '{}', \
         created_at {ts} NOT NULL)",
    "CREATE INDEX audit_log_by_room ON audit_log (conversation_id, id)",
];

const DOWN: &[&str] = &[
    "CREATE INDEX messages_conversation_user_index ON messages (conversation_id, user_id)",
    "DROP INDEX messages_by_author",
    "DROP TABLE audit_log",
    "DROP TABLE message_reports",
    "DROP TABLE user_blocks",
    "DROP INDEX messages_pinned",
    "ALTER TABLE messages DROP COLUMN pinned_by",
    "ALTER TABLE messages DROP COLUMN pinned_at",
    "ALTER TABLE conversations DROP COLUMN slow_mode_seconds",
    "ALTER TABLE conversations DROP COLUMN description",
    "ALTER TABLE participants DROP COLUMN last_sent_at",
    "ALTER TABLE participants DROP COLUMN timed_out_until",
    "ALTER TABLE participants DROP COLUMN role",
];

super::templated::statements_migration!();
