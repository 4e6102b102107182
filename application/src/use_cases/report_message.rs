//! Report message, list reports, resolve report: a member tells the room's moderators about a
//! message; they see the reports and act on each once (`confab_domain::report`).

use confab_domain::report::ensure_can_report;
use confab_domain::roles::Act;
use confab_domain::{
    AuditAction, AuditEntry, ConversationId, Cursor, DomainError, MessageId, NewReport, Report,
    ReportDetails, ReportReason, Resolution, Resolving, ValidationErrors,
};

use crate::{Caller, Confab};

impl Confab {
    /// The report and whether it is new (201) or the caller's earlier report of it (200). 404 for
    /// an outsider or a message of another room; 422 on `reason`/`details`, for one's own
    /// message or a tombstone. A new report is told to the webhooks (`message.reported`), never
    /// to the room.
    pub async fn report_message(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
        reason: &str,
        details: Option<&str>,
    ) -> Result<(Report, bool), DomainError> {
        let mut errors = ValidationErrors::new();
        let reason = errors.check("reason", ReportReason::parse(reason));
        let details = errors
            .check("details", ReportDetails::parse(details.unwrap_or("")))
            .flatten();
        errors.into_result()?;
        let reason = reason.ok_or_else(|| DomainError::Internal("a checked reason".into()))?;
        self.load_visible(id, caller.user).await?;
        let message = self.message_in(id, message_id, caller).await?;
        ensure_can_report(&message.message, caller.user)?;
        let report = NewReport {
            conversation_id: id,
            message_id,
            reporter: caller.user,
            reason,
            details,
            created_at: self.ports.clock.now(),
        };
        self.ports.moderation.report(report, caller.user).await
    }

    /// The room's reports, open first (owner and admins): with the limit used and whether there
    /// are more.
    pub async fn list_reports(
        &self,
        caller: &Caller,
        id: ConversationId,
        before: Option<i64>,
        limit: Option<i64>,
    ) -> Result<(Vec<Report>, u64, bool), DomainError> {
        let limit =
            Cursor::parse_limit(limit).map_err(|reason| DomainError::invalid("limit", reason))?;
        let room = self.load_visible(id, caller.user).await?;
        room.ensure_may(caller.user, Act::ReviewReports)?;
        let (reports, more) = self
            .ports
            .moderation
            .reports(id, before, limit, caller.user)
            .await?;
        Ok((reports, limit, more))
    }

    /// Carries `action` out by the rules of doing it directly (deleting the message, removing or
    /// banning its author — each told and audited as such), then marks the report resolved and
    /// audits that. 404 for a report of another room; 422 on `action`, or for a report already
    /// resolved.
    pub async fn resolve_report(
        &self,
        caller: &Caller,
        id: ConversationId,
        report_id: i64,
        action: &str,
    ) -> Result<Report, DomainError> {
        let resolution =
            Resolution::parse(action).map_err(|reason| DomainError::invalid("action", reason))?;
        let room = self.load_visible(id, caller.user).await?;
        room.ensure_may(caller.user, Act::ReviewReports)?;
        let report = self
            .ports
            .moderation
            .find_report(id, report_id, caller.user)
            .await?
            .ok_or(DomainError::ReportNotFound)?;
        report.ensure_open()?;
        let author = report.message.message.sender;
        match resolution {
            Resolution::Dismissed => {}
            Resolution::MessageDeleted => {
                self.delete_message(caller, id, report.message.message.id)
                    .await?;
            }
            Resolution::UserRemoved => {
                self.remove_participant(caller, id, author).await?;
            }
            Resolution::UserBanned => {
                self.ban_participant(caller, id, author).await?;
            }
        }
        let resolving = Resolving {
            conversation_id: id,
            report_id,
            resolution,
            by: caller.user,
            at: self.ports.clock.now(),
        };
        let audit = AuditEntry::new(id, caller.user, AuditAction::ReportResolved, Some(author))
            .on_message(report.message.message.id)
            .with("resolution", resolution.as_str())
            .with("report_id", report_id.to_string());
        self.ports
            .moderation
            .resolve_report(resolving, audit, caller.user)
            .await?
            .ok_or_else(|| DomainError::invalid("action", "This report has already been resolved."))
    }
}

#[cfg(test)]
mod tests;
