//! The JSON of each record in an export: what the README of the archive describes. The shapes
//! follow the API's objects (same field names, ids and RFC 3339 times) without what only makes
//! sense live (unread counts, signed links), and never a password hash.

use chrono::SecondsFormat;
use confab_domain::data_export::layout;
use confab_domain::ports::ExportRecord;
use confab_domain::{Timestamp, UserSummary};
use serde_json::{Value, json};

fn time(at: Timestamp) -> Value {
    Value::String(at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

fn maybe_time(at: Option<Timestamp>) -> Value {
    at.map_or(Value::Null, time)
}

fn person(summary: &UserSummary) -> Value {
    json!({ "id": summary.id.get(), "name": summary.name })
}

/// `record` as the archive writes it.
pub(crate) fn json_of(record: &ExportRecord) -> Value {
    match record {
        ExportRecord::Profile(user) => json!({
            "id": user.id.get(),
            "name": user.name.as_str(),
            "email": user.email.as_str(),
            "email_verified_at": maybe_time(user.email_verified_at),
            "avatar_path": user.avatar.as_ref().map(|avatar| avatar.path(user.id)),
            "created_at": time(user.created_at),
        }),
        ExportRecord::Room(room) => json!({
            "id": room.id.get(),
            "type": room.kind.as_str(),
            "name": room.name,
            "description": room.description,
            "created_by": person(&room.created_by),
            "participants": room.participants.iter().map(person).collect::<Vec<_>>(),
            "closed_at": maybe_time(room.closed_at),
            "updated_at": time(room.updated_at),
        }),
        ExportRecord::Message(message) => json!({
            "id": message.id.get(),
            "conversation_id": message.conversation_id.get(),
            "body": message.body,
            "reply_to_id": message.reply_to.map(|id| id.get()),
            "thread_id": message.thread_id.map(|id| id.get()),
            "created_at": time(message.created_at),
            "edited_at": maybe_time(message.edited_at),
        }),
        ExportRecord::Reaction(reaction) => json!({
            "message_id": reaction.message_id.get(),
            "conversation_id": reaction.conversation_id.get(),
            "emoji": reaction.emoji,
            "created_at": time(reaction.created_at),
        }),
        ExportRecord::File(file) => json!({
            "id": file.id.0,
            "conversation_id": file.conversation_id.get(),
            "message_id": file.message_id.map(|id| id.get()),
            "name": file.name.as_str(),
            "content_type": file.content_type,
            "size": file.size,
            "sha256": file.sha256,
            "width": file.image.map(|image| image.width),
            "height": file.image.map(|image| image.height),
            "created_at": time(file.created_at),
            "path": layout::attachment(file.id, &file.name),
        }),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use confab_domain::{Email, PasswordHash, User, UserId, UserName};

    use super::*;

    #[test]
    fn a_profile_says_who_without_the_password_hash() {
        let user = User {
            id: UserId(3),
            name: UserName::parse("Ann").unwrap(),
            email: Email::parse("ann@x.io").unwrap(),
            password_hash: PasswordHash("$argon2id$secret".into()),
            created_at: chrono::Utc.timestamp_opt(1_800_000_000, 0).unwrap(),
            email_verified_at: None,
            avatar: None,
        };
        let json = json_of(&ExportRecord::Profile(user));
        assert_eq!(
            json,
            json!({
                "id": 3, "name": "Ann", "email": "ann@x.io", "email_verified_at": null,
                "avatar_path": null, "created_at": "2027-01-15T08:00:00.000000Z"
            })
        );
        assert!(!json.to_string().contains("argon2"));
    }
}
