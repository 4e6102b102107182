//! The small browser client at `/`: plain HTML, CSS and JavaScript compiled into the binary, no
//! build step and no third-party script. A demo and a debugging aid for the API and the envelope
//! WebSocket (`/ws`). Served at `/`, `/app.js`, `/messages.js`, `/attachments.js`, `/typing.js` and `/app.css`.

use std::sync::Arc;

use poem::http::{Method, header};
use poem::{Endpoint, IntoResponse, Request, Response, handler};

const INDEX_HTML: &str = include_str!("../static/index.html");
const APP_JS: &str = include_str!("../static/app.js");
const MESSAGES_JS: &str = include_str!("../static/messages.js");
const ATTACHMENTS_JS: &str = include_str!("../static/attachments.js");
const TYPING_JS: &str = include_str!("../static/typing.js");
const APP_CSS: &str = include_str!("../static/app.css");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-cache")
        .body(body)
}

/// `GET /` answers the page, in front of the router: poem lets the API's catch-all nest at `/`
/// shadow an exact `/` route.
pub(crate) async fn page_at_root<E: Endpoint>(
    next: Arc<E>,
    req: Request,
) -> poem::Result<Response> {
    if req.uri().path() == "/" && req.method() == Method::GET {
        return Ok(asset(INDEX_HTML, "text/html; charset=utf-8"));
    }
    next.call(req).await.map(IntoResponse::into_response)
}

#[handler]
pub(crate) fn script() -> Response {
    asset(APP_JS, "text/javascript; charset=utf-8")
}

#[handler]
pub(crate) fn message_script() -> Response {
    asset(MESSAGES_JS, "text/javascript; charset=utf-8")
}

#[handler]
pub(crate) fn attachment_script() -> Response {
    asset(ATTACHMENTS_JS, "text/javascript; charset=utf-8")
}

#[handler]
pub(crate) fn typing_script() -> Response {
    asset(TYPING_JS, "text/javascript; charset=utf-8")
}

#[handler]
pub(crate) fn styles() -> Response {
    asset(APP_CSS, "text/css; charset=utf-8")
}
