use confab_domain::Timestamp;

/// `2026-02-19T14:30:00.000000Z`: RFC 3339, UTC, microseconds — exactly the document's examples
/// (Laravel's default serialisation), so clients parsing them keep working.
pub fn rfc3339_micros(at: Timestamp) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
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
