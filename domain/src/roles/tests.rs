use super::*;

/// The table, written out: one cell per (act, role), so a changed cell fails its own line.
const TABLE: [(Act, [bool; 3]); 13] = [
    //                         owner  admin  member
    (Act::Close, [true, false, false]),
    (Act::ChangeRoles, [true, false, false]),
    (Act::Invite, [true, true, false]),
    (Act::Remove, [true, true, false]),
    (Act::Ban, [true, true, false]),
    (Act::Unban, [true, true, false]),
    (Act::DeleteOthersMessages, [true, true, false]),
    (Act::Pin, [true, true, false]),
    (Act::TimeOut, [true, true, false]),
    (Act::ChangeSettings, [true, true, false]),
    (Act::ReviewReports, [true, true, false]),
    (Act::ReadAuditLog, [true, true, false]),
    (Act::IgnoreSlowMode, [true, true, false]),
];

#[test]
fn every_cell_of_the_table() {
    assert_eq!(TABLE.len(), Act::ALL.len());
    for (act, allowed) in TABLE {
        for (role, expected) in [Role::Owner, Role::Admin, Role::Member]
            .into_iter()
            .zip(allowed)
        {
            assert_eq!(role.may(act), expected, "{role:?} × {act:?}");
        }
    }
}

#[test]
fn every_act_is_in_the_table() {
    for act in Act::ALL {
        assert!(TABLE.iter().any(|(listed, _)| *listed == act), "{act:?}");
    }
}

#[test]
fn only_a_higher_role_acts_on_another() {
    assert!(Role::Owner.outranks(Role::Admin));
    assert!(Role::Owner.outranks(Role::Member));
    assert!(Role::Admin.outranks(Role::Member));
    assert!(!Role::Admin.outranks(Role::Admin));
    assert!(!Role::Admin.outranks(Role::Owner));
    assert!(!Role::Member.outranks(Role::Member));
    assert!(!Role::Owner.outranks(Role::Owner));
}

#[test]
fn the_seed_acts_keep_the_seed_refusal() {
    for act in [Act::Close, Act::Invite, Act::Remove, Act::Ban] {
        assert_eq!(act.refusal(), DomainError::NotTheCreator, "{act:?}");
    }
    assert_eq!(Act::ChangeRoles.refusal(), DomainError::OwnerOnly);
    assert_eq!(Act::Pin.refusal(), DomainError::ModeratorsOnly);
}

#[test]
fn roles_parse_and_only_admin_or_member_are_assignable() {
    for role in [Role::Owner, Role::Admin, Role::Member] {
        assert_eq!(Role::parse(role.as_str()), Ok(role));
    }
    assert!(Role::parse("king").is_err());
    assert_eq!(Role::parse_assignable("admin"), Ok(Role::Admin));
    assert_eq!(Role::parse_assignable("member"), Ok(Role::Member));
    assert!(Role::parse_assignable("owner").is_err());
}

#[test]
fn a_timeout_holds_until_it_runs_out() {
    use chrono::{Duration, TimeZone, Utc};
    let now = Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap();
    let standing = Standing {
        role: Role::Member,
        timed_out_until: Some(now + Duration::minutes(5)),
    };
    assert!(standing.is_timed_out(now));
    assert_eq!(
        standing.ensure_not_timed_out(now),
        Err(DomainError::TimedOut {
            until: now + Duration::minutes(5)
        })
    );
    assert!(!standing.is_timed_out(now + Duration::minutes(5)));
    assert_eq!(
        standing.ensure_not_timed_out(now + Duration::minutes(6)),
        Ok(())
    );
    assert_eq!(Standing::default().ensure_not_timed_out(now), Ok(()));
}
