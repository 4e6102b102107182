//! Read audit log: the room's moderation acts, newest first (owner and admins).

use confab_domain::roles::Act;
use confab_domain::{AuditRecord, ConversationId, Cursor, DomainError};

use crate::{Caller, Confab};

impl Confab {
    /// Up to `limit` (as every cursor read: 1–100, default 20) entries older than entry
    /// `before`, with the limit used and whether there are more. 404 for an outsider, 403 for
    /// members, 422 for a direct chat.
    pub async fn read_audit_log(
        &self,
        caller: &Caller,
        id: ConversationId,
        before: Option<i64>,
        limit: Option<i64>,
    ) -> Result<(Vec<AuditRecord>, u64, bool), DomainError> {
        let limit =
            Cursor::parse_limit(limit).map_err(|reason| DomainError::invalid("limit", reason))?;
        let room = self.load_visible(id, caller.user).await?;
        room.ensure_may(caller.user, Act::ReadAuditLog)?;
        let (records, has_more) = self.ports.moderation.audit_log(id, before, limit).await?;
        Ok((records, limit, has_more))
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::{Mocks, group_room};

    #[tokio::test]
    async fn the_owner_reads_a_page_and_members_may_not() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .moderation
            .expect_audit_log()
            .withf(|room, before, limit| {
                *room == ConversationId(1) && *before == Some(9) && *limit == 20
            })
            .times(1)
            .returning(|_, _, _| Ok((Vec::new(), false)));
        let app = mocks.build();
        app.read_audit_log(
            &Caller::new(UserId(1)),
            ConversationId(1),
            Some(9),
            Some(20),
        )
        .await
        .unwrap();
        let err = app
            .read_audit_log(&Caller::new(UserId(2)), ConversationId(1), None, None)
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ModeratorsOnly);
    }

    #[tokio::test]
    async fn a_limit_out_of_range_names_limit() {
        let err = Mocks::new()
            .build()
            .read_audit_log(&Caller::new(UserId(1)), ConversationId(1), None, Some(0))
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Invalid(e) if e.fields().contains_key("limit")));
    }
}
