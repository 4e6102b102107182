//! Who a group-committed batch of sends reaches, read in the statement that checks the senders'
//! membership (so the senders, the people named and the members of the rooms where everyone may
//! be alerted cost one statement together), and whom each new message alerts. (The mention rows
//! the accepted sends write are `batch_mentions`.)
//!
//! The members of a room are read whole only where the notification rule may need them all: a
//! direct chat (two rows) or a room a send calls (`mention_room`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use confab_domain::notification::{RecipientFacts, notification_for};
use confab_domain::{
    DomainError, MessageView, NewMessage, Notification, NotificationLevel, NotificationSettings,
    PostingFacts, Role, SlowMode, Standing, Timestamp, UserId, UserSummary,
};
use sea_orm::{DatabaseTransaction, DbBackend, FromQueryResult, Value};

use super::corrupt;
use super::sql::Bound;
use crate::error::internal;

/// One (room, user) as the batch needs to know them.
#[derive(Debug, FromQueryResult)]
struct PersonRow {
    conversation_id: i64,
    user_id: i64,
    name: Option<String>,
    avatar: Option<String>,
    participant: i64,
    banned: i64,
    notify_level: Option<String>,
    muted_until: Option<Timestamp>,
    role: Option<String>,
    timed_out_until: Option<Timestamp>,
    last_sent_at: Option<Timestamp>,
    /// Someone in the room has blocked this user (read for senders and people named).
    blocked: i64,
    /// The batch's senders this user blocks, as `2,5` (none: `NULL`).
    blocks: Option<String>,
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
    pub avatar: Option<confab_domain::Avatar>,
    pub settings: NotificationSettings,
    pub standing: Standing,
    pub last_sent_at: Option<Timestamp>,
    /// Blocked by another member of the room (what counts in a direct chat).
    pub blocked: bool,
    /// The batch's senders this person blocks: nothing they write alerts them.
    pub blocks: Vec<i64>,
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

    /// How `user` appears, as this batch's transaction read it (never from memory: a name may
    /// have changed on another node a moment ago).
    pub fn summary_of(&self, room: i64, user: UserId) -> UserSummary {
        match self.people.get(&(room, user.get())) {
            Some(person) => UserSummary {
                id: user,
                name: person.name.clone(),
                avatar: person.avatar.clone(),
            },
            None => UserSummary::named(user, String::new()),
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
            .map(|user| self.summary_of(room, *user))
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

    /// Who may be alerted by `message` (whose root's author is `root_author` for a thread
    /// reply): everyone it names, the followers of its thread and, in a direct chat or when it
    /// calls the room, every member — with those who follow the thread.
    fn alert_candidates(
        &self,
        message: &NewMessage,
        direct: bool,
        root_author: Option<i64>,
    ) -> (BTreeSet<i64>, BTreeSet<i64>) {
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
        (candidates, thread_followers)
    }

    /// Whom the stored `view` of `message` alerts, by the domain's rule, among
    /// [`Self::alert_candidates`].
    pub fn notifications(
        &self,
        message: &NewMessage,
        view: &MessageView,
        direct: bool,
        root_author: Option<i64>,
    ) -> Vec<Notification> {
        let room = message.conversation_id.get();
        let mentions = &message.mentions;
        let sender = message.sender.get();
        let (candidates, thread_followers) = self.alert_candidates(message, direct, root_author);
        candidates
            .into_iter()
            .filter_map(|user| {
                let person = self.people.get(&(room, user))?;
                let facts = RecipientFacts {
                    is_sender: user == sender,
                    is_participant: person.participant && !person.banned,
                    blocks_sender: person.blocks.contains(&sender),
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
    // Whom of the batch's senders each person blocks, in their row (no statement of its own) —
    // asked only when a send may alert someone beyond a direct chat's other member (a direct
    // chat's sender blocked by them is refused instead, by `blocked`).
    let alerts = batch
        .iter()
        .any(|m| !m.mentions.is_empty() || m.thread_id.is_some());
    let senders: BTreeSet<i64> = batch.iter().map(|m| m.sender.get()).collect();
    let senders = if alerts {
        bound.list(senders.iter().map(|id| Value::from(*id)))
    } else {
        String::new()
    };
    let blocks = |user: &str| {
        if !alerts {
            return "CAST(NULL AS TEXT) AS blocks".to_owned();
        }
        let list = match backend {
            DbBackend::Postgres => "string_agg(CAST(b.blocked_id AS TEXT), ',')",
            _ => "group_concat(b.blocked_id, ',')",
        };
        format!(
            "(SELECT {list} FROM user_blocks b \
              WHERE b.blocker_id = {user} AND b.blocked_id IN ({senders})) AS blocks"
        )
    };
    // Whether the other member of a direct chat blocks its sender: asked only in a batch that
    // writes to a direct chat.
    let blocked = if whole_rooms.is_empty() {
        "CAST(0 AS BIGINT) AS blocked".to_owned()
    } else {
        "CAST(CASE WHEN EXISTS (SELECT 1 FROM user_blocks ub \
              JOIN participants o ON o.conversation_id = v.column1 \
                                 AND o.user_id = ub.blocker_id \
              WHERE ub.blocked_id = v.column2) THEN 1 ELSE 0 END AS BIGINT) AS blocked"
            .to_owned()
    };
    let mut sql = format!(
        "SELECT v.column1 AS conversation_id, v.column2 AS user_id, u.name, u.avatar, \
                CAST(CASE WHEN p.user_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS participant, \
                CAST(CASE WHEN EXISTS (SELECT 1 FROM bans b \
                     WHERE b.conversation_id = v.column1 AND b.user_id = v.column2) \
                     THEN 1 ELSE 0 END AS BIGINT) AS banned, \
                p.notify_level, p.muted_until, p.role, p.timed_out_until, p.last_sent_at, \
                {blocked}, {}, CAST(NULL AS BIGINT) AS root_id, \
                CAST(NULL AS BIGINT) AS following \
         FROM (VALUES {}) AS v \
         LEFT JOIN participants p ON p.conversation_id = v.column1 AND p.user_id = v.column2 \
         LEFT JOIN users u ON u.id = v.column2",
        blocks("v.column2"),
        rows.join(", ")
    );
    if !whole_rooms.is_empty() {
        let rooms = bound.list(whole_rooms.iter().map(|id| Value::from(*id)));
        sql.push_str(&format!(
            " UNION ALL \
             SELECT p.conversation_id, p.user_id, u.name, u.avatar, CAST(1 AS BIGINT), CAST(0 AS BIGINT), \
                    p.notify_level, p.muted_until, p.role, p.timed_out_until, p.last_sent_at, \
                    CAST(0 AS BIGINT), {}, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) \
             FROM participants p JOIN users u ON u.id = p.user_id \
             WHERE p.conversation_id IN ({rooms})",
            blocks("p.user_id")
        ));
    }
    if !root_authors.is_empty() {
        let roots = bound.list(root_authors.keys().map(|id| Value::from(*id)));
        sql.push_str(&format!(
            " UNION ALL \
             SELECT f.conversation_id, f.user_id, u.name, u.avatar, \
                    CAST(CASE WHEN p.user_id IS NULL THEN 0 ELSE 1 END AS BIGINT), \
                    CAST(0 AS BIGINT), p.notify_level, p.muted_until, p.role, p.timed_out_until, \
                    p.last_sent_at, CAST(0 AS BIGINT), {}, f.root_id, \
                    CAST(CASE WHEN f.following THEN 1 ELSE 0 END AS BIGINT) \
             FROM thread_follows f JOIN users u ON u.id = f.user_id \
             LEFT JOIN participants p ON p.conversation_id = f.conversation_id \
                                     AND p.user_id = f.user_id \
             WHERE f.root_id IN ({roots})",
            blocks("f.user_id")
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
            avatar: super::user_names::avatar(row.avatar.as_deref()),
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
            blocks: row
                .blocks
                .as_deref()
                .map(|list| list.split(',').filter_map(|id| id.parse().ok()).collect())
                .unwrap_or_default(),
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
