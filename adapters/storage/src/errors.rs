//! The one place where `object_store`'s errors become the domain's.

use std::error::Error as _;

use confab_domain::DomainError;
use object_store::client::{HttpError, HttpErrorKind};
use object_store::path::Path;

/// A missing object is `AttachmentNotFound`; a store that cannot be reached (refused, reset,
/// timed out, even after `object_store`'s own retries) is `Unavailable`, which the client may
/// retry; anything else — a refused signature, a full disk, a malformed answer — is `Internal`,
/// for the log.
pub(crate) fn store_error(error: object_store::Error) -> DomainError {
    if let object_store::Error::NotFound { .. } = error {
        return DomainError::AttachmentNotFound;
    }
    if is_unreachable(&error) {
        DomainError::Unavailable(format!("file store: {error}"))
    } else {
        DomainError::Internal(format!("file store: {error}"))
    }
}

/// Whether a transport failure lies anywhere in the chain of causes (`object_store` wraps its
/// HTTP errors in retry errors inside `Generic`).
fn is_unreachable(error: &object_store::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = error.source();
    while let Some(current) = cause {
        if let Some(http) = current.downcast_ref::<HttpError>() {
            return match http.kind() {
                HttpErrorKind::Connect
                | HttpErrorKind::Request
                | HttpErrorKind::Timeout
                | HttpErrorKind::Interrupted => true,
                HttpErrorKind::Decode | HttpErrorKind::Unknown => false,
                // `HttpErrorKind` is non-exhaustive: a kind added later is not known to be a
                // transport failure.
                _ => false,
            };
        }
        cause = current.source();
    }
    false
}

/// The store's path for a key made by the domain (`conversations/<id>/<token>`).
///
/// # Errors
/// `Internal` for a key no store may hold (`..`, empty segments): keys are never user input, so
/// this is a bug, not a bad request.
pub(crate) fn object_path(key: &str) -> Result<Path, DomainError> {
    Path::parse(key).map_err(|e| DomainError::Internal(format!("bad file store key {key:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_object_is_attachment_not_found() {
        let error = object_store::Error::NotFound {
            path: "a/b".into(),
            source: "gone".into(),
        };
        assert_eq!(store_error(error), DomainError::AttachmentNotFound);
    }

    #[test]
    fn keys_that_climb_out_of_the_store_are_refused() {
        assert!(object_path("conversations/1/abc").is_ok());
        assert!(object_path("conversations/../../etc/passwd").is_err());
        assert!(object_path("conversations//abc").is_err());
    }
}
