//! `message_reports`: one per reporter and message (`UNIQUE`), listed per room open first. A
//! report's message is read as every message is (`message_rows`), as the viewer sees it.

use std::collections::HashMap;

use confab_domain::{
    ConversationId, DomainError, MessageId, MessageView, NewReport, Report, ReportReason,
    Resolution, Resolving, Timestamp, UserId, UserSummary,
};
use sea_orm::{ConnectionTrait, FromQueryResult, Statement, Value};

use super::corrupt;
use super::message_rows::{MESSAGE_COLUMNS, MESSAGE_FROM, MessageRow, with_reactions_and_files};
use super::sql::Bound;
use crate::error::internal;

#[derive(Debug, FromQueryResult)]
struct ReportRow {
    id: i64,
    conversation_id: i64,
    message_id: i64,
    reporter_id: i64,
    reporter_name: String,
    reporter_avatar: Option<String>,
    reason: String,
    details: Option<String>,
    resolution: Option<String>,
    resolved_by: Option<i64>,
    resolver_name: Option<String>,
    resolver_avatar: Option<String>,
    resolved_at: Option<Timestamp>,
    created_at: Timestamp,
}

const REPORT_SELECT: &str = "SELECT r.id, r.conversation_id, r.message_id, r.reporter_id, \
            reporter.name AS reporter_name, reporter.avatar AS reporter_avatar, \
            r.reason, r.details, r.resolution, r.resolved_by, \
            resolver.name AS resolver_name, resolver.avatar AS resolver_avatar, \
            r.resolved_at, r.created_at \
     FROM message_reports r \
     JOIN users reporter ON reporter.id = r.reporter_id \
     LEFT JOIN users resolver ON resolver.id = r.resolved_by";

/// Inserts the report unless its reporter already made one about the message; returns its id and
/// whether it is new. `None` when the message is not in the room.
pub(super) async fn insert(
    db: &impl ConnectionTrait,
    report: &NewReport,
) -> Result<Option<(i64, bool)>, DomainError> {
    let backend = db.get_database_backend();
    #[derive(Debug, FromQueryResult)]
    struct Id {
        id: i64,
    }
    let inserted = Id::find_by_statement(Statement::from_sql_and_values(
        backend,
        "INSERT INTO message_reports (conversation_id, message_id, reporter_id, reason, details, \
                                      created_at) \
         SELECT m.conversation_id, m.id, $3, $4, $5, $6 FROM messages m \
         WHERE m.id = $2 AND m.conversation_id = $1 \
         ON CONFLICT (message_id, reporter_id) DO NOTHING RETURNING id",
        [
            Value::from(report.conversation_id.get()),
            Value::from(report.message_id.get()),
            Value::from(report.reporter.get()),
            Value::from(report.reason.as_str()),
            Value::from(report.details.as_ref().map(|d| d.as_str().to_owned())),
            Value::from(report.created_at),
        ],
    ))
    .one(db)
    .await
    .map_err(internal)?;
    if let Some(new) = inserted {
        return Ok(Some((new.id, true)));
    }
    let earlier = Id::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT id FROM message_reports WHERE message_id = $1 AND reporter_id = $2 \
         AND conversation_id = $3",
        [
            Value::from(report.message_id.get()),
            Value::from(report.reporter.get()),
            Value::from(report.conversation_id.get()),
        ],
    ))
    .one(db)
    .await
    .map_err(internal)?;
    Ok(earlier.map(|row| (row.id, false)))
}

/// The reports with these ids (in the order given), with their messages as `viewer` sees them.
async fn load(
    db: &impl ConnectionTrait,
    rows: Vec<ReportRow>,
    viewer: UserId,
) -> Result<Vec<Report>, DomainError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let mut bound = Bound::default();
    let ids = bound.list(rows.iter().map(|row| Value::from(row.message_id)));
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} WHERE m.id IN ({ids})");
    let messages = MessageRow::find_by_statement(bound.statement(backend, &sql))
        .all(db)
        .await
        .map_err(internal)?;
    let views: HashMap<MessageId, MessageView> =
        with_reactions_and_files(db, backend, messages, viewer)
            .await?
            .into_iter()
            .map(|view| (view.message.id, view))
            .collect();
    rows.into_iter()
        .map(|row| {
            let message = views
                .get(&MessageId(row.message_id))
                .cloned()
                .ok_or_else(|| corrupt("report", "its message is gone"))?;
            let resolution = row
                .resolution
                .as_deref()
                .map(Resolution::parse)
                .transpose()
                .map_err(|e| corrupt("report resolution", e))?;
            Ok(Report {
                id: row.id,
                conversation_id: ConversationId(row.conversation_id),
                message,
                reporter: UserSummary {
                    id: UserId(row.reporter_id),
                    name: row.reporter_name,
                    avatar: super::user_names::avatar(row.reporter_avatar.as_deref()),
                },
                reason: ReportReason::parse(&row.reason)
                    .map_err(|e| corrupt("report reason", e))?,
                details: row.details,
                resolution,
                resolved_by: row.resolved_by.map(|id| UserSummary {
                    id: UserId(id),
                    name: row.resolver_name.clone().unwrap_or_default(),
                    avatar: super::user_names::avatar(row.resolver_avatar.as_deref()),
                }),
                resolved_at: row.resolved_at,
                created_at: row.created_at,
            })
        })
        .collect()
}

/// One report of a room.
pub(super) async fn find(
    db: &impl ConnectionTrait,
    room: ConversationId,
    id: i64,
    viewer: UserId,
) -> Result<Option<Report>, DomainError> {
    let rows = ReportRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        format!("{REPORT_SELECT} WHERE r.id = $1 AND r.conversation_id = $2"),
        [id.into(), room.get().into()],
    ))
    .all(db)
    .await
    .map_err(internal)?;
    Ok(load(db, rows, viewer).await?.pop())
}

/// A page of the room's reports: open first, each group newest first; after `before` in that
/// order.
pub(super) async fn page(
    db: &impl ConnectionTrait,
    room: ConversationId,
    before: Option<i64>,
    limit: u64,
    viewer: UserId,
) -> Result<(Vec<Report>, bool), DomainError> {
    let state = "CASE WHEN r.resolution IS NULL THEN 0 ELSE 1 END";
    let after_cursor = match before {
        None => "1 = 1".to_owned(),
        Some(_) => format!("({state} > c.state OR ({state} = c.state AND r.id < c.id))"),
    };
    let cursor = match before {
        None => String::new(),
        Some(_) => {
            "CROSS JOIN (SELECT id, CASE WHEN resolution IS NULL THEN 0 ELSE 1 END AS state \
                    FROM message_reports WHERE id = $3) c"
                .to_owned()
        }
    };
    let mut values: Vec<Value> = vec![
        room.get().into(),
        i64::try_from(limit)
            .unwrap_or(i64::MAX)
            .saturating_add(1)
            .into(),
    ];
    if let Some(before) = before {
        values.push(before.into());
    }
    let sql = format!(
        "{REPORT_SELECT} {cursor} WHERE r.conversation_id = $1 AND {after_cursor} \
         ORDER BY {state}, r.id DESC LIMIT $2"
    );
    let rows = ReportRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        &sql,
        values,
    ))
    .all(db)
    .await
    .map_err(internal)?;
    let has_more = rows.len() as u64 > limit;
    let rows = rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    Ok((load(db, rows, viewer).await?, has_more))
}

/// Resolves an open report; `false` when it was not open.
pub(super) async fn resolve(
    db: &impl ConnectionTrait,
    resolving: &Resolving,
) -> Result<bool, DomainError> {
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE message_reports SET resolution = $1, resolved_by = $2, resolved_at = $3 \
             WHERE id = $4 AND conversation_id = $5 AND resolution IS NULL",
            [
                Value::from(resolving.resolution.as_str()),
                Value::from(resolving.by.get()),
                Value::from(resolving.at),
                Value::from(resolving.report_id),
                Value::from(resolving.conversation_id.get()),
            ],
        ))
        .await
        .map_err(internal)?;
    Ok(done.rows_affected() > 0)
}
