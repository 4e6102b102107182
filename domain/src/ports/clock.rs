use crate::Timestamp;

/// The time, passed in rather than read, so rules and use cases are deterministic in tests.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, to the microsecond (what is stored is what is returned).
    fn now(&self) -> Timestamp;
}
