//! Which browser origins may call the API, and with what (`CONFAB_CORS_ORIGINS`).
//!
//! poem's `Cors` does the protocol; this module only says the policy: the origins the operator
//! names (or any), the methods the document serves (never `CONNECT` or `TRACE`), the request
//! headers the API reads, and the response headers a browser script may read (`Retry-After` on
//! 429/503, `X-Request-Id` for support requests). A request from an origin not on the list is
//! answered 403 in the error shape (see `error::render_error`), so a misconfigured app fails
//! loudly instead of with a browser's opaque "Failed to fetch". Requests without `Origin`
//! (servers, mobile apps, curl) are not CORS requests and are never affected, and neither are
//! Confab's own pages (the client at `/`, Swagger UI at `/docs`): a browser sends `Origin` on their
//! POSTs too, but one naming the host the request went to is not cross-origin
//! ([`same_origin_passes`]).

use poem::http::header::{HOST, ORIGIN};
use poem::middleware::Cors;
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::document_routes::DocumentRoutes;

/// The request headers the API reads.
const REQUEST_HEADERS: [&str; 6] = [
    "Accept",
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "X-Request-Id",
    "X-Socket-ID",
];

/// The response headers a browser script may read, beyond the always-readable ones.
const EXPOSED_HEADERS: [&str; 2] = ["Retry-After", "X-Request-Id"];

/// How long a browser may keep a preflight's answer (seconds).
const PREFLIGHT_MAX_AGE: i32 = 600;

/// The browser origins allowed to call the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin (`*`): the default, so Swagger UI and the document's flow work from anywhere.
    /// Bearer tokens are not sent by browsers on their own, so this opens no cookie-style hole.
    #[default]
    Any,
    /// Only these exact origins (`https://app.example.com`).
    Only(Vec<String>),
}

impl CorsOrigins {
    /// `*`, or comma-separated exact origins (`scheme://host[:port]`, nothing after it: a browser's
    /// `Origin` never has a path, so `https://app.example.com/` would silently match nothing).
    ///
    /// # Errors
    /// Says which entry is not an origin.
    pub fn parse(text: &str) -> Result<Self, String> {
        let entries: Vec<&str> = text
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        match entries.as_slice() {
            [] | ["*"] => Ok(Self::Any),
            _ => entries
                .iter()
                .map(|entry| parse_origin(entry))
                .collect::<Result<_, _>>()
                .map(Self::Only),
        }
    }
}

fn parse_origin(entry: &str) -> Result<String, String> {
    let not_an_origin = |why: &str| {
        Err(format!(
            "`{entry}` is not an origin ({why}); write scheme://host[:port], or `*` alone for any"
        ))
    };
    let Some((scheme, rest)) = entry.split_once("://") else {
        return not_an_origin("no scheme");
    };
    if !matches!(scheme, "http" | "https") {
        return not_an_origin("the scheme is not http or https");
    }
    if rest.is_empty() || rest.contains(['/', '?', '#', '*', ' ']) {
        return not_an_origin("an origin is a scheme and a host, with no path");
    }
    // Browsers send the scheme and host in lower case.
    Ok(entry.to_ascii_lowercase())
}

/// The CORS middleware for `origins`, allowing the methods some path of `routes` takes.
pub(crate) fn policy(origins: &CorsOrigins, routes: &DocumentRoutes) -> Cors {
    let cors = Cors::new()
        .allow_methods(routes.methods())
        .allow_headers(REQUEST_HEADERS)
        .expose_headers(EXPOSED_HEADERS)
        .max_age(PREFLIGHT_MAX_AGE);
    match origins {
        // poem's Cors with no origin list allows every origin (sent back as it came, with
        // `Vary: Origin`).
        CorsOrigins::Any => cors,
        CorsOrigins::Only(list) => cors.allow_origins(list.iter().map(String::as_str)),
    }
}

/// A request whose `Origin` names the very host it was sent to (`http://h:8000` to `Host: h:8000`)
/// comes from a page this server served: it is not cross-origin, so the origin list does not
/// apply (the scheme is not compared: behind a TLS-terminating proxy the two differ). Its
/// `Origin` is set aside before the CORS policy sees it.
pub(crate) async fn same_origin_passes<E: Endpoint>(
    next: E,
    mut request: Request,
) -> poem::Result<Response> {
    let host = request.headers().get(HOST).and_then(|h| h.to_str().ok());
    let origin = request.headers().get(ORIGIN).and_then(|o| o.to_str().ok());
    let same = match (origin, host) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)),
        _ => false,
    };
    if same {
        request.headers_mut().remove(ORIGIN);
    }
    next.call(request).await.map(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_or_nothing_allows_any_origin() {
        assert_eq!(CorsOrigins::parse("*"), Ok(CorsOrigins::Any));
        assert_eq!(CorsOrigins::parse(" "), Ok(CorsOrigins::Any));
    }

    #[test]
    fn exact_origins_are_kept_in_lower_case() {
        assert_eq!(
            CorsOrigins::parse("https://App.example.com, http://localhost:5173"),
            Ok(CorsOrigins::Only(vec![
                "https://app.example.com".into(),
                "http://localhost:5173".into()
            ]))
        );
    }

    #[test]
    fn entries_that_no_browser_sends_as_an_origin_are_refused() {
        for bad in [
            "app.example.com",
            "https://app.example.com/",
            "https://app.example.com/chat",
            "ftp://files.example.com",
            "https://*.example.com",
            "*, https://app.example.com",
        ] {
            let error = CorsOrigins::parse(bad).expect_err(bad);
            assert!(error.contains("is not an origin"), "{bad}: {error}");
        }
    }
}
