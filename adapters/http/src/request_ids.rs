//! `X-Request-Id` on every response — the client's own when it sent a usable one, else a new
//! UUID — and in every log line written while the request is served (poem's `RequestId`
//! middleware opens a span with `request_id`), so one id ties a client's report to the logs.

use poem::middleware::{RequestId, ReuseId};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response};

const HEADER: &str = "x-request-id";

/// Longest client-given id kept; longer ones (or ones with other characters than letters,
/// digits and `-_.:`) are replaced, so a client cannot write what it likes into the logs.
const MAX_LEN: usize = 128;

fn usable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// `endpoint` with request ids.
pub(crate) fn with_request_ids(
    endpoint: impl Endpoint + 'static,
) -> impl Endpoint<Output = Response> {
    endpoint
        .map_to_response()
        .with(RequestId::default().reuse_id(ReuseId::Use))
        .around(|next, mut request: Request| async move {
            if request.header(HEADER).is_some_and(|id| !usable(id)) {
                request.headers_mut().remove(HEADER);
            }
            next.call(request).await.map(IntoResponse::into_response)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_a_proxy_or_client_would_send_are_kept_and_others_are_not() {
        assert!(usable("3f1c9a52-7d0e-4a8b-9c61-2b5e8f7a1d44"));
        assert!(usable("req_01HZX.node-2:17"));
        assert!(!usable(""));
        assert!(!usable("has space"));
        assert!(!usable("line\nbreak"));
        assert!(!usable(&"a".repeat(MAX_LEN + 1)));
    }
}
