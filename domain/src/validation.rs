//! Field-level validation failures, collected so a client learns every problem at once.

use std::collections::BTreeMap;

/// `{field: [reasons]}`, in field order, as Laravel's validator reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors {
    fields: BTreeMap<String, Vec<String>>,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// One failing field, the common case.
    pub fn single(field: &str, reason: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, reason);
        errors
    }

    pub fn add(&mut self, field: &str, reason: impl Into<String>) {
        self.fields
            .entry(field.to_owned())
            .or_default()
            .push(reason.into());
    }

    /// Records the error of a `parse` result under `field` and passes the value on, so a use case
    /// can validate every field before failing.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(reason) => {
                self.add(field, reason);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn fields(&self) -> &BTreeMap<String, Vec<String>> {
        &self.fields
    }

    /// Laravel's summary line: the first reason, and how many more there are.
    pub fn summary(&self) -> String {
        let mut reasons = self.fields.values().flatten();
        let Some(first) = reasons.next() else {
            return "The given data was invalid.".to_owned();
        };
        match reasons.count() {
            0 => first.clone(),
            1 => format!("{first} (and 1 more error)"),
            more => format!("{first} (and {more} more errors)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_the_first_reason_and_counts_the_rest() {
        let mut errors = ValidationErrors::new();
        errors.add("email", "The email field is required.");
        errors.add("name", "The name field is required.");
        errors.add("password", "The password field is required.");
        assert_eq!(
            errors.summary(),
            "The email field is required. (and 2 more errors)"
        );
    }

    #[test]
    fn summary_of_one_error_is_that_error() {
        let errors = ValidationErrors::single("body", "The body field is required.");
        assert_eq!(errors.summary(), "The body field is required.");
    }

    #[test]
    fn check_keeps_the_value_or_records_the_reason() {
        let mut errors = ValidationErrors::new();
        assert_eq!(errors.check("a", Ok::<_, String>(1)), Some(1));
        assert_eq!(errors.check::<i32>("b", Err("bad".into())), None);
        assert_eq!(errors.fields()["b"], vec!["bad".to_owned()]);
    }
}
