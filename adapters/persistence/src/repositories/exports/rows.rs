//! The rows the export repository reads, and the one conversion of a stored export into the
//! domain's `DataExport`.

use confab_domain::{DataExport, DomainError, ExportFile, ExportState, Timestamp, UserId};
use sea_orm::FromQueryResult;

use super::super::{corrupt, from_db};

pub(super) const EXPORT_COLUMNS: &str = "id, user_id, state, requested_at, finished_at, expires_at, \
     storage_key, size, sha256, attempts";

#[derive(Debug, FromQueryResult)]
pub(super) struct ExportRow {
    pub(super) id: i64,
    pub(super) user_id: i64,
    pub(super) state: String,
    pub(super) requested_at: Timestamp,
    pub(super) finished_at: Option<Timestamp>,
    pub(super) expires_at: Option<Timestamp>,
    pub(super) storage_key: Option<String>,
    pub(super) size: Option<i64>,
    pub(super) sha256: Option<String>,
    pub(super) attempts: i64,
}

impl ExportRow {
    pub(super) fn into_domain(self) -> Result<DataExport, DomainError> {
        let state =
            ExportState::parse(&self.state).ok_or_else(|| corrupt("export state", &self.state))?;
        let archive = match (self.storage_key, self.size, self.sha256) {
            (Some(storage_key), Some(size), Some(sha256)) => Some(ExportFile {
                storage_key,
                size: from_db(size),
                sha256,
            }),
            _ => None,
        };
        Ok(DataExport {
            id: self.id,
            user: UserId(self.user_id),
            state,
            requested_at: self.requested_at,
            finished_at: self.finished_at,
            expires_at: self.expires_at,
            archive,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
        })
    }
}

#[derive(Debug, FromQueryResult)]
pub(super) struct Id {
    pub(super) id: i64,
}

#[derive(Debug, FromQueryResult)]
pub(super) struct Expired {
    pub(super) storage_key: Option<String>,
    pub(super) size: Option<i64>,
    pub(super) sha256: Option<String>,
}

#[derive(Debug, FromQueryResult)]
pub(super) struct MessageRow {
    pub(super) id: i64,
    pub(super) conversation_id: i64,
    pub(super) seq: i64,
    pub(super) body: String,
    pub(super) created_at: Timestamp,
    pub(super) edited_at: Option<Timestamp>,
    pub(super) reply_to_id: Option<i64>,
    pub(super) thread_id: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
pub(super) struct ReactionRow {
    pub(super) id: i64,
    pub(super) message_id: i64,
    pub(super) conversation_id: i64,
    pub(super) emoji: String,
    pub(super) created_at: Timestamp,
}
