//! Reports: a member tells the room's moderators about a message; they list and resolve them.

use confab_application::Confab;
use confab_domain::{ConversationId, MessageId};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::dto::{
    CursorLimit, CursorMeta, ReportBody, ReportDto, ReportEnvelope, ReportListEnvelope,
    ResolveBody, Ruled,
};
use crate::error::ApiResult;
use crate::security::{BearerAuth, caller_of};

#[derive(Default)]
pub struct ReportsApi;

#[derive(ApiResponse)]
enum Reported {
    /// A new report.
    #[oai(status = 201)]
    Created(Json<ReportEnvelope>),
    /// You had reported this message already: here is that report.
    #[oai(status = 200)]
    Existing(Json<ReportEnvelope>),
}

#[derive(ApiResponse)]
enum Resolved {
    #[oai(status = 200)]
    Ok(Json<ReportEnvelope>),
}

#[derive(ApiResponse)]
enum Reports {
    #[oai(status = 200)]
    Ok(Json<ReportListEnvelope>),
}

#[OpenApi(tag = "ApiTags::Moderation")]
impl ReportsApi {
    /// Report a message
    ///
    /// Tell the room's owner and admins about a message by someone else: once per message (a
    /// second report answers the first, 200). Webhook `message.reported`; nothing tells the
    /// room or the author.
    #[oai(
        path = "/api/v1/conversations/:id/messages/:messageId/report",
        method = "post",
        operation_id = "reportMessage"
    )]
    async fn report(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// Message id.
        #[oai(name = "messageId")]
        message_id: Path<i64>,
        body: Json<ReportBody>,
    ) -> ApiResult<Reported> {
        let caller = caller_of(&auth, request);
        let (report, new) = app
            .report_message(
                &caller,
                ConversationId(id.0),
                MessageId(message_id.0),
                &body.0.reason.0,
                body.0.details.0.as_deref(),
            )
            .await?;
        let envelope = Json(ReportEnvelope {
            status: true,
            message: "Message reported.".into(),
            data: ReportDto::from(&report),
        });
        Ok(if new {
            Reported::Created(envelope)
        } else {
            Reported::Existing(envelope)
        })
    }

    /// List reports
    ///
    /// Owner and admins: the room's reports, open ones first, each group newest first.
    #[oai(
        path = "/api/v1/conversations/:id/reports",
        method = "get",
        operation_id = "listReports"
    )]
    async fn reports(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// The reports after this one, in the list's order.
        before: Query<Option<i64>>,
        /// How many (1–100, default 20).
        limit: Query<Ruled<Option<i64>, CursorLimit>>,
    ) -> ApiResult<Reports> {
        let caller = caller_of(&auth, request);
        let (reports, limit, has_more) = app
            .list_reports(&caller, ConversationId(id.0), before.0, limit.0.0)
            .await?;
        Ok(Reports::Ok(Json(ReportListEnvelope {
            status: true,
            data: reports.iter().map(ReportDto::from).collect(),
            meta: CursorMeta { limit, has_more },
        })))
    }

    /// Resolve a report
    ///
    /// Owner and admins: carry `action` out (`message_deleted` deletes the message,
    /// `user_removed` / `user_banned` takes its author out, by the rules of doing so directly)
    /// and close the report. Recorded in the audit log.
    #[oai(
        path = "/api/v1/conversations/:id/reports/:reportId/resolve",
        method = "post",
        operation_id = "resolveReport"
    )]
    async fn resolve(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// Report id.
        #[oai(name = "reportId")]
        report_id: Path<i64>,
        body: Json<ResolveBody>,
    ) -> ApiResult<Resolved> {
        let caller = caller_of(&auth, request);
        let report = app
            .resolve_report(&caller, ConversationId(id.0), report_id.0, &body.0.action.0)
            .await?;
        Ok(Resolved::Ok(Json(ReportEnvelope {
            status: true,
            message: "Report resolved.".into(),
            data: ReportDto::from(&report),
        })))
    }
}
