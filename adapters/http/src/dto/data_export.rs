//! A data export as `POST`/`GET /api/v1/user/export` show it.

use confab_domain::{DataExport, ExportState};
use poem_openapi::{Enum, Object};

use super::{DateTime, Ruled, SentOrNull, rfc3339_micros};

/// Where an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum DataExportState {
    /// Waiting for a server to build it.
    Queued,
    /// Being written.
    Building,
    /// Ready: the mail with the download link is on its way; signed in, download it with
    /// `GET /api/v1/user/export/download`.
    Ready,
    /// Building failed three times; ask for another.
    Failed,
    /// Ready once, and past `expires_at`: the archive is gone.
    Expired,
}

impl From<ExportState> for DataExportState {
    fn from(state: ExportState) -> Self {
        match state {
            ExportState::Queued => Self::Queued,
            ExportState::Building => Self::Building,
            ExportState::Ready => Self::Ready,
            ExportState::Failed => Self::Failed,
            ExportState::Expired => Self::Expired,
        }
    }
}

/// A ZIP of your data: `profile.json`, `rooms.json`, `messages/conversation-{id}.json` (the
/// messages you wrote, per room), `reactions.json`, `attachments.json` and the files you
/// uploaded under `attachments/`.
#[derive(Debug, Clone, Object)]
pub struct DataExportDto {
    pub id: i64,
    pub state: DataExportState,
    pub requested_at: Ruled<String, DateTime>,
    /// When it became ready; `null` before.
    pub finished_at: Ruled<Option<String>, (DateTime, SentOrNull)>,
    /// When the archive and its link stop working (24 hours after `finished_at`); `null` before
    /// it is ready.
    pub expires_at: Ruled<Option<String>, (DateTime, SentOrNull)>,
    /// The archive's size in bytes; `null` before it is ready.
    pub size: Ruled<Option<i64>, SentOrNull>,
}

impl From<&DataExport> for DataExportDto {
    fn from(export: &DataExport) -> Self {
        Self {
            id: export.id,
            state: export.state.into(),
            requested_at: rfc3339_micros(export.requested_at).into(),
            finished_at: export.finished_at.map(rfc3339_micros).into(),
            expires_at: export.expires_at.map(rfc3339_micros).into(),
            size: export
                .archive
                .as_ref()
                .map(|archive| i64::try_from(archive.size).unwrap_or(i64::MAX))
                .into(),
        }
    }
}

/// `{"status": true, "message": …, "data": <export>}`.
#[derive(Debug, Clone, Object)]
pub struct DataExportEnvelope {
    pub status: bool,
    pub message: String,
    pub data: DataExportDto,
}
