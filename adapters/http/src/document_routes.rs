//! The path templates of the OpenAPI document the server serves, matched against request paths:
//! `Allow` on every 405 (RFC 9110 §15.5.6) names the methods the path does take, and `/metrics`
//! labels each request with its template (`/api/v1/conversations/{id}`), so neither can disagree
//! with the document and a label never holds an id.

use std::sync::Arc;

use poem::http::header::ALLOW;
use poem::http::{HeaderValue, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};

/// One path template of the document (`/api/v1/conversations/{id}`) and its methods.
#[derive(Debug, Clone)]
struct Route {
    template: Arc<str>,
    /// `None` for a `{parameter}` segment, which matches any one segment.
    segments: Vec<Option<String>>,
    methods: HeaderValue,
}

/// Every path template in the document, with its methods.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocumentRoutes {
    routes: Arc<Vec<Route>>,
}

impl DocumentRoutes {
    /// From the document's JSON: its `paths`, each with the methods it lists.
    pub(crate) fn from_spec(spec_json: &str) -> Self {
        let spec: serde_json::Value = serde_json::from_str(spec_json).unwrap_or_default();
        let routes = spec["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(path, operations)| {
                let methods: Vec<String> = operations
                    .as_object()?
                    .keys()
                    .filter(|m| {
                        ["get", "post", "put", "patch", "delete", "head", "options"]
                            .contains(&m.as_str())
                    })
                    .map(|m| m.to_uppercase())
                    .collect();
                let segments = path
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                Some(Route {
                    template: Arc::from(path.as_str()),
                    segments,
                    methods: HeaderValue::from_str(&methods.join(", ")).ok()?,
                })
            })
            .collect();
        Self {
            routes: Arc::new(routes),
        }
    }

    /// Every method some path of the document takes (what a CORS preflight may ask for).
    pub(crate) fn methods(&self) -> Vec<poem::http::Method> {
        let mut methods: Vec<poem::http::Method> = self
            .routes
            .iter()
            .filter_map(|route| route.methods.to_str().ok())
            .flat_map(|list| list.split(", "))
            .filter_map(|method| method.parse().ok())
            .collect();
        methods.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        methods.dedup();
        methods
    }

    /// The methods `path` takes, if the document has it.
    fn for_path(&self, path: &str) -> Option<HeaderValue> {
        self.matching(path).map(|route| route.methods.clone())
    }

    /// The document's template for `path` (`/api/v1/conversations/{id}` for
    /// `/api/v1/conversations/7`), if it has one.
    pub(crate) fn template_of(&self, path: &str) -> Option<Arc<str>> {
        self.matching(path).map(|route| route.template.clone())
    }

    /// Where a literal segment and a parameter both match (`…/messages/search` and
    /// `…/messages/{messageId}`), the most literal template wins, as it does in the router.
    fn matching(&self, path: &str) -> Option<&Route> {
        let parts: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .filter(|route| {
                route.segments.len() == parts.len()
                    && route
                        .segments
                        .iter()
                        .zip(&parts)
                        .all(|(want, got)| want.as_deref().is_none_or(|w| w == *got))
            })
            .max_by_key(|route| route.segments.iter().filter(|s| s.is_some()).count())
    }

    /// Wraps `endpoint` so its 405s name the methods the path takes.
    pub(crate) async fn around<E: Endpoint>(
        self,
        endpoint: std::sync::Arc<E>,
        request: Request,
    ) -> poem::Result<Response> {
        let path = request.uri().path().to_owned();
        let mut response = endpoint.call(request).await?.into_response();
        if response.status() == StatusCode::METHOD_NOT_ALLOWED
            && let Some(methods) = self.for_path(&path)
        {
            response.headers_mut().insert(ALLOW, methods);
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_parameters_match_any_segment_and_list_their_methods() {
        let allowed = DocumentRoutes::from_spec(
            r#"{"paths": {"/api/v1/conversations/{id}/messages": {"get": {}, "post": {}},
                          "/health": {"get": {}, "summary": "x"}}}"#,
        );
        assert_eq!(
            allowed
                .for_path("/api/v1/conversations/7/messages")
                .unwrap(),
            "GET, POST"
        );
        assert_eq!(allowed.for_path("/health").unwrap(), "GET");
        assert!(allowed.for_path("/api/v1/conversations/7").is_none());
    }

    #[test]
    fn a_literal_segment_wins_over_a_parameter_in_either_order() {
        let allowed = DocumentRoutes::from_spec(
            r#"{"paths": {"/m/{messageId}": {"patch": {}, "delete": {}}, "/m/search": {"get": {}}}}"#,
        );
        assert_eq!(allowed.for_path("/m/search").unwrap(), "GET");
        assert_eq!(allowed.for_path("/m/12").unwrap(), "PATCH, DELETE");
        assert_eq!(
            allowed.template_of("/m/12").as_deref(),
            Some("/m/{messageId}")
        );
        assert_eq!(
            allowed.template_of("/m/search").as_deref(),
            Some("/m/search")
        );
        assert_eq!(allowed.template_of("/elsewhere"), None);
    }
}
