//! The OpenAPI document as served (`/openapi.json`, `/openapi.yaml`, Swagger UI at `/docs`) and
//! printed (`confab openapi`): poem-openapi's description of the operations, finished with what
//! poem-openapi cannot say itself.
//!
//! Three such things: where the API is (`servers`, see [`ServerEntry`]), the webhooks Confab
//! sends (`x-webhooks`, see `document_webhooks`), and `security` where poem-openapi leaves it
//! out: `[]` on the public operations (register, log in, health, the envelope schema), since
//! OpenAPI reads a missing `security` as "whatever the document's default is", which linters and
//! generators rightly refuse to guess; "the bearer token or nothing" on the downloads, which
//! read the token themselves or take a signed link instead.

use poem::endpoint::make_sync;
use poem::web::Html;
use poem::{Endpoint, EndpointExt, Response, Route};
use serde_json::Value;

/// The finished document, rendered once at startup.
#[derive(Debug, Clone)]
pub struct Document {
    json: String,
    yaml: String,
}

/// Operations that take a bearer token or, instead, a signed link's `expires` and `signature`
/// (downloads, so `<img src>` works): their `security` lists the bearer scheme and no scheme at
/// all as alternatives, so a generated client sends its token when it has one.
const BEARER_OR_SIGNED_LINK: [&str; 2] = ["downloadAttachment", "downloadAttachmentThumbnail"];

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// The document's one `servers` entry: where its operations are sent.
///
/// The printed document (`confab openapi`, the committed `openapi.yaml`) names `confab serve`'s
/// default address, a stable base URL for generated clients and linters. A served document names
/// the server that serves it: the operator's `CONFAB_PUBLIC_URL`, else `/`, which Swagger UI and
/// other readers resolve against the address they loaded the document from — so "Try it out"
/// works on any port, in a container or behind a proxy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServerEntry<'a> {
    url: &'a str,
    description: &'a str,
}

impl<'a> ServerEntry<'a> {
    /// `confab serve` with its default `--http-addr`.
    pub(crate) const DEFAULT_ADDRESS: ServerEntry<'static> = ServerEntry {
        url: "http://127.0.0.1:8000",
        description: "`confab serve` with its defaults; your deployment's address otherwise.",
    };

    /// The server that serves the document: `public_url`, else this server's own address.
    pub(crate) fn serving(public_url: Option<&'a str>) -> Self {
        match public_url {
            Some(url) => Self {
                url,
                description: "This deployment.",
            },
            None => Self {
                url: "/",
                description: "This server: the address this document was loaded from.",
            },
        }
    }
}

impl Document {
    /// Finishes poem-openapi's JSON rendering of the document, naming `server` as where it is.
    pub(crate) fn finish(spec_json: &str, server: ServerEntry<'_>) -> Self {
        let mut spec: Value =
            serde_json::from_str(spec_json).expect("poem-openapi renders the document as JSON");
        spec["servers"] = serde_json::json!([{
            "url": server.url,
            "description": server.description,
        }]);
        let operations = spec["paths"]
            .as_object_mut()
            .into_iter()
            .flat_map(|paths| paths.values_mut())
            .filter_map(Value::as_object_mut)
            .flat_map(|path| {
                path.iter_mut()
                    .filter(|(method, _)| METHODS.contains(&method.as_str()))
                    .map(|(_, operation)| operation)
            })
            .filter_map(Value::as_object_mut);
        for operation in operations {
            let either = operation
                .get("operationId")
                .and_then(Value::as_str)
                .is_some_and(|id| BEARER_OR_SIGNED_LINK.contains(&id));
            let security = operation
                .entry("security")
                .or_insert_with(|| Value::Array(Vec::new()));
            if either {
                *security = serde_json::json!([{ "BearerAuth": [] }, {}]);
            }
        }
        spec["x-webhooks"] = crate::document_webhooks::webhooks();
        Self {
            json: serde_json::to_string_pretty(&spec).expect("a JSON value renders"),
            yaml: serde_yaml::to_string(&spec).expect("a JSON value renders as YAML"),
        }
    }

    pub fn json(&self) -> &str {
        &self.json
    }

    pub fn yaml(&self) -> &str {
        &self.yaml
    }

    pub(crate) fn json_endpoint(&self) -> impl Endpoint + use<> {
        let json = self.json.clone();
        make_sync(move |_| {
            Response::builder()
                .content_type("application/json")
                .body(json.clone())
        })
    }

    pub(crate) fn yaml_endpoint(&self) -> impl Endpoint + use<> {
        let yaml = self.yaml.clone();
        make_sync(move |_| {
            Response::builder()
                .content_type("application/x-yaml")
                .header("Content-Disposition", "inline; filename=\"openapi.yaml\"")
                .body(yaml.clone())
        })
    }

    /// poem-openapi's Swagger UI page (offline: its script and styles are inlined), showing this
    /// document instead of the unfinished one it embeds.
    pub(crate) fn swagger_ui(
        &self,
        swagger_html: &str,
        unfinished_json: &str,
    ) -> impl Endpoint + use<> {
        let page = swagger_html.replacen(unfinished_json, &self.json, 1);
        Route::new().at(
            "/",
            make_sync(move |_| Html(page.clone())).map_to_response(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_operations_say_they_take_no_credentials_and_others_keep_theirs() {
        let spec = r#"{"openapi":"3.0.0","paths":{
            "/a":{"get":{"operationId":"a"},"post":{"operationId":"b","security":[{"BearerAuth":[]}]},
                  "parameters":[]}}}"#;
        let document = Document::finish(spec, ServerEntry::DEFAULT_ADDRESS);
        let finished: Value = serde_json::from_str(document.json()).unwrap();
        assert_eq!(
            finished["paths"]["/a"]["get"]["security"],
            serde_json::json!([])
        );
        assert_eq!(
            finished["paths"]["/a"]["post"]["security"],
            serde_json::json!([{"BearerAuth": []}])
        );
        assert!(finished["paths"]["/a"]["parameters"].is_array());
        assert!(document.yaml().contains("security: []"));
    }

    #[test]
    fn downloads_take_the_bearer_token_or_a_signed_link() {
        let spec = r#"{"openapi":"3.0.0","paths":{
            "/f":{"get":{"operationId":"downloadAttachment"}}}}"#;
        let document = Document::finish(spec, ServerEntry::DEFAULT_ADDRESS);
        let finished: Value = serde_json::from_str(document.json()).unwrap();
        assert_eq!(
            finished["paths"]["/f"]["get"]["security"],
            serde_json::json!([{"BearerAuth": []}, {}])
        );
    }
}

#[cfg(test)]
mod webhook_tests {
    use super::*;

    #[test]
    fn the_document_describes_the_signed_webhook_post() {
        let document = Document::finish(
            r#"{"openapi":"3.0.0","paths":{}}"#,
            ServerEntry::DEFAULT_ADDRESS,
        );
        let finished: Value = serde_json::from_str(document.json()).unwrap();
        let post = &finished["x-webhooks"]["pusherWebhook"]["post"];
        let headers: Vec<&str> = post["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(headers, ["X-Pusher-Key", "X-Pusher-Signature"]);
        assert_eq!(
            post["security"],
            serde_json::json!([]),
            "linters require it"
        );
        let batch = &post["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(batch["required"], serde_json::json!(["time_ms", "events"]));
    }
}
