//! The small browser client at `/`: plain HTML, CSS and JavaScript compiled into the binary, no
//! build step and no third-party script. A demo and a debugging aid for the API and the envelope
//! WebSocket (`/ws`). Its files are [`PAGE_FILES`]: `/`, `/app.css` and one script per concern.

use std::sync::Arc;

use poem::http::{Method, header};
use poem::{Endpoint, IntoResponse, Request, Response};

const INDEX_HTML: &str = include_str!("../static/index.html");
const APP_JS: &str = include_str!("../static/app.js");
const MESSAGES_JS: &str = include_str!("../static/messages.js");
const ATTACHMENTS_JS: &str = include_str!("../static/attachments.js");
const TYPING_JS: &str = include_str!("../static/typing.js");
const LIVE_JS: &str = include_str!("../static/live.js");
const MENTIONS_JS: &str = include_str!("../static/mentions.js");
const NOTIFICATIONS_JS: &str = include_str!("../static/notifications.js");
const THREADS_JS: &str = include_str!("../static/threads.js");
const MODERATION_JS: &str = include_str!("../static/moderation.js");
const PROFILE_JS: &str = include_str!("../static/profile.js");
const AVATARS_JS: &str = include_str!("../static/avatars.js");
const EXPORT_JS: &str = include_str!("../static/export.js");
const APP_CSS: &str = include_str!("../static/app.css");

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Every file of the page: path, text, content type. A script the page gains is one row here
/// (and a `<script>` in `index.html`).
const PAGE_FILES: &[(&str, &str, &str)] = &[
    ("/", INDEX_HTML, HTML),
    ("/app.css", APP_CSS, CSS),
    ("/app.js", APP_JS, JS),
    ("/live.js", LIVE_JS, JS),
    ("/typing.js", TYPING_JS, JS),
    ("/attachments.js", ATTACHMENTS_JS, JS),
    ("/mentions.js", MENTIONS_JS, JS),
    ("/messages.js", MESSAGES_JS, JS),
    ("/threads.js", THREADS_JS, JS),
    ("/moderation.js", MODERATION_JS, JS),
    ("/avatars.js", AVATARS_JS, JS),
    ("/export.js", EXPORT_JS, JS),
    ("/profile.js", PROFILE_JS, JS),
    ("/notifications.js", NOTIFICATIONS_JS, JS),
];

fn asset(body: &'static str, content_type: &'static str) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-cache")
        .body(body)
}

/// A `GET` of one of [`PAGE_FILES`] is answered in front of the router: poem lets the API's
/// catch-all nest at `/` shadow an exact `/` route, and one table keeps every file of the page in
/// one place.
pub(crate) async fn page_at_root<E: Endpoint>(
    next: Arc<E>,
    req: Request,
) -> poem::Result<Response> {
    if req.method() == Method::GET
        && let Some(&(_, body, content_type)) = PAGE_FILES
            .iter()
            .find(|(path, _, _)| *path == req.uri().path())
    {
        return Ok(asset(body, content_type));
    }
    next.call(req).await.map(IntoResponse::into_response)
}
