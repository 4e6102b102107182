use confab_domain::{DomainError, Timestamp};

/// `2026-02-19T14:30:00.000000Z`: RFC 3339, UTC, microseconds — exactly the document's examples
/// (Laravel's default serialisation), so clients parsing them keep working. (The domain's
/// messages name times the same way.)
pub fn rfc3339_micros(at: Timestamp) -> String {
    confab_domain::text::rfc3339(at)
}

/// A time a client sent in `field` (RFC 3339, any offset), or the field's error.
pub fn parse_time(field: &str, raw: &str) -> Result<Timestamp, DomainError> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|at| at.with_timezone(&chrono::Utc))
        .map_err(|_| {
            DomainError::invalid(
                field,
                format!("The {field} field must be a valid date-time (RFC 3339)."),
            )
        })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn timestamps_have_six_fraction_digits_and_a_z() {
        let at = Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap();
        assert_eq!(rfc3339_micros(at), "2026-02-19T14:30:00.000000Z");
        let later = at + chrono::Duration::microseconds(1_234);
        assert_eq!(rfc3339_micros(later), "2026-02-19T14:30:00.001234Z");
    }
}
