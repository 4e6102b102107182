//! The API's objects as live events and webhooks carry them: each DTO's own JSON, without what
//! differs per reader (one event goes to everyone), so an event and a response cannot drift. `bin`
//! hands these to the realtime adapter as its `ApiJson` (it cannot depend on this adapter); the
//! message object's is `message_event_json`, beside `MessageDto`.

use confab_domain::{ConversationOverview, ReactionCount, Report, Standing, UserId, UserSummary};
use poem_openapi::types::ToJSON;
use serde_json::Value;

use super::{ParticipantStandingDto, ReactionDto, ReportDto, UserDto, conversation_dto};

/// Nobody: no user has id 0, so nothing in a conversation is "theirs".
const EVERYONE: UserId = UserId(0);

/// `GET /conversations/{id}`'s object without `is_creator`, `my_role`, `unread_count`, `unread_mentions`,
/// `notifications`, `last_message` and the participants' `last_read_message_id`.
pub fn conversation_event_json(overview: &ConversationOverview) -> Value {
    let mut json = conversation_dto(overview, EVERYONE)
        .to_json()
        .expect("a conversation always renders as JSON");
    if let Some(object) = json.as_object_mut() {
        // `retain` keeps the fields' order (`remove` would move the last one into the gap).
        const PER_READER: [&str; 6] = [
            "is_creator",
            "my_role",
            "unread_count",
            "unread_mentions",
            "notifications",
            "last_message",
        ];
        object.retain(|field, _| !PER_READER.contains(&&**field));
        if let Some(Value::Array(participants)) = object.get_mut("participants") {
            for participant in participants.iter_mut().filter_map(Value::as_object_mut) {
                participant.remove("last_read_message_id");
            }
        }
    }
    json
}

/// A member whose role or timeout changed: `{id, name, role, timed_out_until}`.
pub fn participant_event_json(user: &UserSummary, standing: Standing) -> Value {
    ParticipantStandingDto::new(user, standing)
        .to_json()
        .expect("a participant always renders as JSON")
}

/// A report as moderators read it (`GET …/reports`' object), for the `message.reported` webhook.
pub fn report_event_json(report: &Report) -> Value {
    ReportDto::from(report)
        .to_json()
        .expect("a report always renders as JSON")
}

/// A user as others see them: `{id, name}`.
pub fn user_event_json(user: &UserSummary) -> Value {
    UserDto::from(user)
        .to_json()
        .expect("a user always renders as JSON")
}

/// A message's tally, each `{emoji, count}` without `me`.
pub fn reactions_event_json(tally: &[ReactionCount]) -> Value {
    let mut json = tally
        .iter()
        .map(ReactionDto::from)
        .collect::<Vec<_>>()
        .to_json()
        .expect("a tally always renders as JSON");
    if let Value::Array(reactions) = &mut json {
        for reaction in reactions.iter_mut().filter_map(Value::as_object_mut) {
            reaction.remove("me");
        }
    }
    json
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use confab_domain::{ConversationId, ConversationKind};

    use super::*;

    #[test]
    fn a_conversation_event_is_the_response_without_what_differs_per_reader() {
        let at = Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap();
        let ann = UserSummary {
            id: UserId(2),
            name: "Ann".into(),
            avatar: None,
        };
        let overview = ConversationOverview {
            id: ConversationId(3),
            kind: ConversationKind::Group,
            name: Some("Room".into()),
            description: None,
            slow_mode: Default::default(),
            created_by: ann.clone(),
            closed_at: Some(at),
            participants: vec![ann],
            standings: [(UserId(2), confab_domain::Standing::owner())].into(),
            last_read: Default::default(),
            last_message: None,
            unread_count: 4,
            unread_mentions: 0,
            notifications: Default::default(),
            updated_at: at,
        };
        assert_eq!(
            conversation_event_json(&overview).to_string(),
            r#"{"id":3,"type":"group","name":"Room","description":null,"slow_mode_seconds":0,"created_by":{"id":2,"name":"Ann","avatar_url":null},"is_closed":true,"closed_at":"2026-02-19T14:30:00.000000Z","participants":[{"id":2,"name":"Ann","avatar_url":null,"role":"owner","timed_out_until":null}],"updated_at":"2026-02-19T14:30:00.000000Z"}"#
        );
    }

    #[test]
    fn a_tally_and_a_user_render_as_in_responses_without_me() {
        let tally = [ReactionCount {
            emoji: "👍".into(),
            count: 2,
            me: true,
        }];
        assert_eq!(
            reactions_event_json(&tally).to_string(),
            r#"[{"emoji":"👍","count":2}]"#
        );
        let bob = UserSummary {
            id: UserId(5),
            name: "Bob".into(),
            avatar: None,
        };
        assert_eq!(
            user_event_json(&bob).to_string(),
            r#"{"id":5,"name":"Bob","avatar_url":null}"#
        );
        let pictured = UserSummary {
            avatar: confab_domain::Avatar::stored("00112233445566ff.png"),
            ..bob
        };
        let url = user_event_json(&pictured)["avatar_url"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            url.ends_with("/api/v1/avatars/5-00112233445566ff.png"),
            "{url}"
        );
    }
}
