//! The rules that say which values: lists of ids (how many, each once) and the names a field
//! takes, listed from the domain's own tables.

use confab_domain::attachment::MAX_ATTACHMENTS_PER_MESSAGE;
use confab_domain::conversation::MAX_USER_IDS;
use confab_domain::mention::MAX_MENTIONS;
use confab_domain::{AuditAction, NotificationLevel, ReportReason, Resolution, Role};
use poem_openapi::registry::MetaSchema;

use super::Rule;

/// The field takes exactly these names (the domain refuses anything else, naming the field).
fn names(schema: &mut MetaSchema, names: impl Iterator<Item = &'static str>) {
    schema.enum_items = names.map(serde_json::Value::from).collect();
}

/// A `user_ids` list (`conversation::ensure_user_list`): at most [`MAX_USER_IDS`], nobody twice.
pub struct UserIdList;
impl Rule for UserIdList {
    fn state(schema: &mut MetaSchema) {
        schema.max_items = Some(MAX_USER_IDS);
        schema.unique_items = Some(true);
    }
}

/// The files of a send (`parse_attachment_ids`): at most ten, each once.
pub struct AttachmentIdList;
impl Rule for AttachmentIdList {
    fn state(schema: &mut MetaSchema) {
        schema.max_items = Some(MAX_ATTACHMENTS_PER_MESSAGE);
        schema.unique_items = Some(true);
    }
}

/// The people a message names (`Mentions::parse`): at most fifty ids.
pub struct MentionIdList;
impl Rule for MentionIdList {
    fn state(schema: &mut MetaSchema) {
        schema.max_items = Some(MAX_MENTIONS);
    }
}

/// A notification level's name ([`NotificationLevel::parse`]): the schema lists them, and the
/// domain refuses anything else naming the field.
pub struct NotificationLevelName;
impl Rule for NotificationLevelName {
    fn state(schema: &mut MetaSchema) {
        names(
            schema,
            NotificationLevel::ALL.iter().map(|level| level.as_str()),
        );
    }
}

/// A role the owner may give (`admin`, `member`): the schema lists them, and the domain refuses
/// anything else naming the field.
pub struct AssignableRoleName;
impl Rule for AssignableRoleName {
    fn state(schema: &mut MetaSchema) {
        names(
            schema,
            [Role::Admin, Role::Member].iter().map(|role| role.as_str()),
        );
    }
}

/// An audit log entry's action ([`confab_domain::AuditAction`]), listed for generated clients.
pub struct AuditActionName;
impl Rule for AuditActionName {
    fn state(schema: &mut MetaSchema) {
        names(
            schema,
            AuditAction::ALL.iter().map(|action| action.as_str()),
        );
    }
}

/// A report's reason ([`confab_domain::ReportReason`]).
pub struct ReportReasonName;
impl Rule for ReportReasonName {
    fn state(schema: &mut MetaSchema) {
        names(
            schema,
            ReportReason::ALL.iter().map(|reason| reason.as_str()),
        );
    }
}

/// What a moderator does about a report ([`confab_domain::Resolution`]).
pub struct ResolutionName;
impl Rule for ResolutionName {
    fn state(schema: &mut MetaSchema) {
        names(
            schema,
            Resolution::ALL.iter().map(|resolution| resolution.as_str()),
        );
    }
}
