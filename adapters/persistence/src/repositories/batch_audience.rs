//! Who a group-committed batch of sends reaches, read in the statement that checks the senders'
//! membership (so the senders, the people named and the members of the rooms where everyone may
//! be alerted cost one statement together), and the mention rows the accepted sends write (one
//! more statement, only in a batch that names someone).
//!
//! The members of a room are read whole only where the notification rule may need them all: a
//! direct chat (two rows) or a room a send calls (`mention_room`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use confab_domain::notification::{RecipientFacts, notification_for};
use confab_domain::{
    DomainError, Mentions, MessageView, NewMessage, Notification, NotificationLevel,
    NotificationSettings, PostingFacts, Role, SlowMode, Standing, Timestamp, UserId, UserSummary,
};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult, Value};

use super::corrupt;
use super::sql::Bound;
use crate::error::internal;

/// One (room, user) as the batch needs to know them.
#[derive(Debug, FromQueryResult)]
struct PersonRow {
    conversation_id: i64,
    user_id: i64,
    name: Option<String>,
    participant: i64,
    banned: i64,
    notify_level: Option<String>,
    muted_until: Option<Timestamp>,
    role: Option<String>,
    timed_out_until: Option<Timestamp>,
    last_sent_at: Option<Timestamp>,
    /// Someone in the room has blocked this user (read for senders and people named).
    blocked: i64,
    /// Follower rows: the root followed, and whether they still follow it.
    root_id: Option<i64>,
    following: Option<i64>,
}

/// A person of a room the batch writes to.
#[derive(Debug, Clone)]
pub(super) struct Person {
    pub participant: bool,
    pub banned: bool,
    pub name: String,
    pub settings: NotificationSettings,
    pub standing: Standing,
    pub last_sent_at: Option<Timestamp>,
    /// Blocked by another member of the room (what counts in a direct chat).
    pub blocked: bool,
}

/// The people of the batch's rooms that its sends concern.
#[derive(Debug, Default)]
pub(super) struct Audience {
    people: HashMap<(i64, i64), Person>,
    /// The members of each room read whole.
    members: HashMap<i64, Vec<i64>>,
    /// Who has a follow row for each root the batch replies under, and whether they follow.
    followers: HashMap<i64, Vec<(i64, bool)>>,
}

impl Audience {
    /// What the posting rule needs of `user` in `room` (`direct`: a direct chat, where a block
    /// by the other member counts), with the room's slow mode.
    pub fn posting(&self, room: i64, user: i64, direct: bool, slow_mode: SlowMode) -> PostingFacts {
        let Some(person) = self.people.get(&(room, user)) else {
            return PostingFacts::default();
        };
        PostingFacts {
            participant: person.participant,
            banned: person.banned,
            closed: false,
            standing: person.standing,
            blocked: direct && person.blocked,
            slow_mode,
            last_sent_at: person.last_sent_at,
        }
    }

    /// Whether `user` may be named in `room` now.
    pub fn is_member(&self, room: i64, user: UserId) -> bool {
        self.people
            .get(&(room, user.get()))
            .is_some_and(|p| p.participant && !p.banned)
    }

    /// The people `message` names, with their names, in the order named.
    pub fn named(&self, message: &NewMessage) -> Vec<UserSummary> {
        let room = message.conversation_id.get();
        message
            .mentions
            .users()
            .iter()
            .map(|user| UserSummary {
                id: *user,
                name: self
                    .people
                    .get(&(room, user.get()))
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// Who follows the thread under `root` (whose author is `author`): everyone with a follow
    /// row that says so, and the author unless they stopped.
    fn following(&self, root: i64, author: i64) -> BTreeSet<i64> {
        let rows = self
            .followers
            .get(&root)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut following: BTreeSet<i64> = rows
            .iter()
            .filter(|(_, follows)| *follows)
            .map(|(user, _)| *user)
            .collect();
        if !rows
            .iter()
            .any(|(user, follows)| *user == author && !follows)
        {
            following.insert(author);
        }
        following
    }

    /// Whom the stored `view` of `message` alerts, by the domain's rule: everyone it names, the
    /// followers of its thread (`root_author` is the root's author) and, in a direct chat or
    /// when it calls the room, every member.
    pub fn notifications(
        &self,
        message: &NewMessage,
        view: &MessageView,
        direct: bool,
        root_author: Option<i64>,
    ) -> Vec<Notification> {
        let room = message.conversation_id.get();
        let mentions = &message.mentions;
        let mut candidates: BTreeSet<i64> = mentions.users().iter().map(|u| u.get()).collect();
        if direct || mentions.room() {
            candidates.extend(self.members.get(&room).into_iter().flatten());
        }
        let thread_followers = match (message.thread_id, root_author) {
            (Some(root), Some(author)) => self.following(root.get(), author),
            _ => BTreeSet::new(),
        };
        candidates.extend(&thread_followers);
        candidates
            .into_iter()
            .filter_map(|user| {
                let person = self.people.get(&(room, user))?;
                let facts = RecipientFacts {
                    is_sender: user == message.sender.get(),
                    is_participant: person.participant && !person.banned,
                    direct,
                    mentioned: mentions.names(UserId(user)),
                    room_mentioned: mentions.room(),
                    follows_thread: thread_followers.contains(&user),
                    settings: person.settings,
                };
                let kind = notification_for(facts, message.created_at)?;
                Some(Notification {
                    recipient: UserId(user),
                    kind,
                    conversation_id: message.conversation_id,
                    message: view.clone(),
                })
            })
            .collect()
    }
}

/// The audience of `batch`: each sender and each person named in their room, the authors of the
/// roots it replies under (`root_authors`, by room), every member of `whole_rooms`, and the follow
/// rows of those roots — one statement.
pub(super) async fn audience(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    batch: &[&NewMessage],
    whole_rooms: &BTreeSet<i64>,
    root_authors: &BTreeMap<i64, (i64, i64)>,
) -> Result<Audience, DomainError> {
    let mut pairs: BTreeSet<(i64, i64)> = batch
        .iter()
        .flat_map(|m| {
            let room = m.conversation_id.get();
            let named = m.mentions.users().iter().map(move |u| (room, u.get()));
            std::iter::once((room, m.sender.get())).chain(named)
        })
        .collect();
    pairs.extend(root_authors.values().copied());
    let mut bound = Bound::default();
    let rows: Vec<String> = pairs
        .iter()
        .map(|(room, user)| bound.row([Value::from(*room), Value::from(*user)]))
        .collect();
    let mut sql = format!(
        "SELECT v.column1 AS conversation_id, v.column2 AS user_id, u.name, \
                CAST(CASE WHEN p.user_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS participant, \
                CAST(CASE WHEN EXISTS (SELECT 1 FROM bans b \
                     WHERE b.conversation_id = v.column1 AND b.user_id = v.column2) \
                     THEN 1 ELSE 0 END AS BIGINT) AS banned, \
                p.notify_level, p.muted_until, p.role, p.timed_out_until, p.last_sent_at, \
                CAST(CASE WHEN EXISTS (SELECT 1 FROM user_blocks ub \
                     JOIN participants o ON o.conversation_id = v.column1 \
                                        AND o.user_id = ub.blocker_id \
                     WHERE ub.blocked_id = v.column2) THEN 1 ELSE 0 END AS BIGINT) AS blocked, \
                CAST(NULL AS BIGINT) AS root_id, CAST(NULL AS BIGINT) AS following \
         FROM (VALUES {}) AS v \
         LEFT JOIN participants p ON p.conversation_id = v.column1 AND p.user_id = v.column2 \
         LEFT JOIN users u ON u.id = v.column2",
        rows.join(", ")
    );
    if !whole_rooms.is_empty() {
        let rooms = bound.list(whole_rooms.iter().map(|id| Value::from(*id)));
        sql.push_str(&format!(
            " UNION ALL \
             SELECT p.conversation_id, p.user_id, u.name, CAST(1 AS BIGINT), CAST(0 AS BIGINT), \
                    p.notify_level, p.muted_until, p.role, p.timed_out_until, p.last_sent_at, \
                    CAST(0 AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) \
             FROM participants p JOIN users u ON u.id = p.user_id \
             WHERE p.conversation_id IN ({rooms})"
        ));
    }
    if !root_authors.is_empty() {
        let roots = bound.list(root_authors.keys().map(|id| Value::from(*id)));
        sql.push_str(&format!(
            " UNION ALL \
             SELECT f.conversation_id, f.user_id, u.name, \
                    CAST(CASE WHEN p.user_id IS NULL THEN 0 ELSE 1 END AS BIGINT), \
                    CAST(0 AS BIGINT), p.notify_level, p.muted_until, p.role, p.timed_out_until, \
                    p.last_sent_at, CAST(0 AS BIGINT), f.root_id, \
                    CAST(CASE WHEN f.following THEN 1 ELSE 0 END AS BIGINT) \
             FROM thread_follows f JOIN users u ON u.id = f.user_id \
             LEFT JOIN participants p ON p.conversation_id = f.conversation_id \
                                     AND p.user_id = f.user_id \
             WHERE f.root_id IN ({roots})"
        ));
    }
    let found = PersonRow::find_by_statement(bound.statement(backend, &sql))
        .all(txn)
        .await
        .map_err(internal)?;
    let mut audience = Audience::default();
    for row in found {
        let key = (row.conversation_id, row.user_id);
        if let (Some(root), Some(following)) = (row.root_id, row.following) {
            let rows = audience.followers.entry(root).or_default();
            rows.push((row.user_id, following > 0));
        }
        if whole_rooms.contains(&row.conversation_id) && row.participant > 0 {
            let members = audience.members.entry(row.conversation_id).or_default();
            if !members.contains(&row.user_id) {
                members.push(row.user_id);
            }
        }
        let level = match row.notify_level.as_deref() {
            Some(level) => {
                NotificationLevel::parse(level).map_err(|e| corrupt("notification level", e))?
            }
            None => NotificationLevel::default(),
        };
        let role = match row.role.as_deref() {
            Some(role) => Role::parse(role).map_err(|e| corrupt("role", e))?,
            None => Role::default(),
        };
        let person = Person {
            participant: row.participant > 0,
            banned: row.banned > 0,
            name: row.name.unwrap_or_default(),
            settings: NotificationSettings {
                level,
                muted_until: row.muted_until,
            },
            standing: Standing {
                role,
                timed_out_until: row.timed_out_until,
            },
            last_sent_at: row.last_sent_at,
            blocked: row.blocked > 0,
        };
        // A ban or block read for a sender or a person named outweighs the same person read
        // whole.
        let earlier = audience.people.get(&key);
        let banned = earlier.is_some_and(|p| p.banned) || person.banned;
        let blocked = earlier.is_some_and(|p| p.blocked) || person.blocked;
        audience.people.insert(
            key,
            Person {
                banned,
                blocked,
                ..person
            },
        );
    }
    Ok(audience)
}

/// A stored message that names someone or calls its room: where it is, and whom it names.
pub(super) struct Reach<'a> {
    pub room: i64,
    pub seq: i64,
    pub id: i64,
    pub sender: UserId,
    pub mentions: &'a Mentions,
}

impl<'a> Reach<'a> {
    /// An accepted send of the batch, with its number and id.
    pub fn of(message: &'a NewMessage, seq: i64, id: i64) -> Self {
        Self {
            room: message.conversation_id.get(),
            seq,
            id,
            sender: message.sender,
            mentions: &message.mentions,
        }
    }
}

/// The mention rows of the accepted sends that name someone or call their room: one row per
/// person reached (never the sender), in one statement — the people named from the values, the
/// members of a called room straight from `participants` (a row that is both is written once).
/// The `message_mentions` triggers count each row into its person's `unread_mentions`.
pub(super) async fn insert_mentions(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    stored: &[Reach<'_>],
) -> Result<(), DomainError> {
    let mut bound = Bound::default();
    let mut parts = Vec::new();
    let named: Vec<String> = stored
        .iter()
        .flat_map(|reach| {
            reach
                .mentions
                .users()
                .iter()
                .filter(move |user| **user != reach.sender)
                .map(move |user| (reach.room, reach.seq, reach.id, user.get()))
        })
        .map(|(room, seq, id, user)| {
            bound.row([
                Value::from(user),
                Value::from(room),
                Value::from(seq),
                Value::from(id),
            ])
        })
        .collect();
    if !named.is_empty() {
        parts.push(format!(
            "SELECT v.column1, v.column2, v.column3, v.column4 FROM (VALUES {}) AS v WHERE 1 = 1",
            named.join(", ")
        ));
    }
    let called: Vec<String> = stored
        .iter()
        .filter(|reach| reach.mentions.room())
        .map(|reach| {
            bound.row([
                Value::from(reach.room),
                Value::from(reach.seq),
                Value::from(reach.id),
                Value::from(reach.sender.get()),
            ])
        })
        .collect();
    if !called.is_empty() {
        parts.push(format!(
            "SELECT p.user_id, r.column1, r.column2, r.column3 \
             FROM participants p JOIN (VALUES {}) AS r ON p.conversation_id = r.column1 \
             WHERE p.user_id <> r.column4",
            called.join(", ")
        ));
    }
    if parts.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO message_mentions (user_id, conversation_id, seq, message_id) {} \
         ON CONFLICT DO NOTHING",
        parts.join(" UNION ALL ")
    );
    txn.execute_raw(bound.statement(backend, &sql))
        .await
        .map_err(internal)?;
    Ok(())
}
