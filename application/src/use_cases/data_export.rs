//! Your data export: ask for one (`request_export`), see where it is (`export_status`), and
//! download it (`download_export`) signed in or with the link its mail carried. The archive is
//! built in the background ([`ExportBuilding`](super::build_export::ExportBuilding)); when it
//! may be asked for again and how long it lives are `confab_domain::data_export`'s rules.

use std::time::Duration;

use confab_domain::attachment::RequestedRange;
use confab_domain::data_export::on_request;
use confab_domain::ports::Presentation;
use confab_domain::{AccountToken, DataExport, DomainError, ExportRequest, UserId};

use super::authenticate::Authenticated;
use super::download_attachment::{Disposition, Download};
use crate::Confab;

/// Who downloads an export.
#[derive(Debug, Clone)]
pub enum ExportHolder {
    /// The signed-in person: their latest export.
    User(UserId),
    /// Whoever has the link of the mail that said it was ready.
    Link(AccountToken),
}

impl Confab {
    /// Queues an export of everything the caller has here. Asked again while one is queued or
    /// being built, it answers with that one (`false`: nothing new was queued).
    ///
    /// # Errors
    /// `RateLimited` within ten minutes of the last export asked for.
    pub async fn request_export(
        &self,
        auth: &Authenticated,
    ) -> Result<(DataExport, bool), DomainError> {
        let now = self.ports.clock.now();
        let latest = self.ports.exports.latest(auth.user.id).await?;
        match on_request(latest.as_ref(), now)? {
            ExportRequest::AlreadyUnderWay(export) => Ok((export, false)),
            ExportRequest::Start => self.ports.exports.request(auth.user.id, now).await,
        }
    }

    /// The caller's latest export and its state now.
    ///
    /// # Errors
    /// `ExportNotFound` when they never asked for one.
    pub async fn export_status(&self, auth: &Authenticated) -> Result<DataExport, DomainError> {
        let mut export = self
            .ports
            .exports
            .latest(auth.user.id)
            .await?
            .ok_or(DomainError::ExportNotFound)?;
        export.state = export.state_at(self.ports.clock.now());
        Ok(export)
    }

    /// The archive, or `range` of it (streamed, or from an S3 store by a redirect valid for
    /// `valid_for`).
    ///
    /// # Errors
    /// `ExportNotReady` for a signed-in caller whose latest export is not ready (or expired);
    /// `AttachmentLinkExpired` for a link that is not one or has expired; 416 for a range past
    /// the end.
    pub async fn download_export(
        &self,
        holder: ExportHolder,
        range: Option<RequestedRange>,
        disposition: Disposition,
        valid_for: Duration,
    ) -> Result<Download, DomainError> {
        let (found, refusal) = match &holder {
            ExportHolder::User(user) => (
                self.ports.exports.latest(*user).await?,
                DomainError::ExportNotReady,
            ),
            ExportHolder::Link(token) => (
                self.ports.exports.by_download_token(token).await?,
                DomainError::AttachmentLinkExpired,
            ),
        };
        let now = self.ports.clock.now();
        let Some(export) = found else {
            return Err(refusal);
        };
        let Some(archive) = export.downloadable_at(now) else {
            return Err(refusal);
        };
        let range = range.map(|r| r.within(archive.size)).transpose()?;
        let name = export.file_name();
        let content_type = "application/zip".to_owned();
        let presentation = Presentation {
            content_type: content_type.clone(),
            disposition: disposition(&name, false),
        };
        let retrieval = self
            .ports
            .files
            .retrieve(&archive.storage_key, range, &presentation, valid_for)
            .await?;
        Ok(Download {
            name,
            content_type,
            size: archive.size,
            range,
            etag: archive.sha256.clone(),
            inline: false,
            retrieval,
        })
    }
}

#[cfg(test)]
mod tests;
