//! Rules every stored or searched text shares, whatever its field.

/// Refuses text with a NUL character. PostgreSQL cannot store one in a text column and SQLite
/// would keep it silently, so the two databases would answer differently; refusing it up front
/// gives one answer on both, naming the field.
///
/// # Errors
/// The reason, for a 422 on `field`.
pub fn ensure_no_nul(field: &str, raw: &str) -> Result<(), String> {
    if raw.contains('\0') {
        return Err(format!(
            "The {field} field must not contain NUL characters."
        ));
    }
    Ok(())
}

/// A time as every message text shows it: the API's own `2026-02-19T14:30:00.000000Z`, so a
/// refusal that names a time ("timed out until …") reads like the fields beside it.
pub fn rfc3339(at: crate::Timestamp) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_messages_read_like_the_api_fields() {
        use chrono::TimeZone;
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 2, 19, 14, 30, 0)
            .unwrap();
        assert_eq!(rfc3339(at), "2026-02-19T14:30:00.000000Z");
    }

    #[test]
    fn text_with_a_nul_is_refused_naming_the_field() {
        assert_eq!(ensure_no_nul("body", "hi"), Ok(()));
        assert_eq!(
            ensure_no_nul("body", "h\0i"),
            Err("The body field must not contain NUL characters.".into())
        );
        assert!(ensure_no_nul("name", "\0").unwrap_err().contains("name"));
    }
}
