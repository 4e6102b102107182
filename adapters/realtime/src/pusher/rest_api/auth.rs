//! Every Pusher HTTP API request is signed: `auth_key` must be ours, `auth_timestamp` within 600 s
//! of our clock, `body_md5` present and right whenever there is a body, and the HMAC over method,
//! path and sorted query compared in constant time.

use poem::http::StatusCode;
use poem::{Body, Request};

use super::{ApiError, MAX_BODY, error};
use crate::hub::Hub;
use crate::pusher::signature;

/// How far `auth_timestamp` may be from our clock.
const TIMESTAMP_TOLERANCE_SECS: u64 = 600;

/// A request's body, read (at most [`MAX_BODY`]) and checked with the request's signature.
pub(super) async fn signed_body(
    hub: &Hub,
    req: &Request,
    app_id: &str,
    body: Body,
) -> Result<Vec<u8>, ApiError> {
    let body = read_body(body).await?;
    authenticate(hub, req, app_id, &body)?;
    Ok(body)
}

/// Checks app id and signature; the `Err` is the response to send.
pub(super) fn authenticate(
    hub: &Hub,
    req: &Request,
    app_id: &str,
    body: &[u8],
) -> Result<(), ApiError> {
    let config = hub.config();
    if app_id != config.app_id {
        return Err(error(
            StatusCode::NOT_FOUND,
            &format!("No matching application for ID [{app_id}]."),
        ));
    }
    let unauthorized = |message: &str| error(StatusCode::UNAUTHORIZED, message);
    let params: Vec<(String, String)> = req
        .params()
        .map_err(|_| unauthorized("Invalid query string."))?;
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    if param("auth_key") != Some(config.key.as_str()) {
        return Err(unauthorized("Unknown auth_key."));
    }
    if param("auth_version") != Some("1.0") {
        return Err(unauthorized("auth_version must be 1.0."));
    }
    let timestamp = param("auth_timestamp")
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or_else(|| unauthorized("auth_timestamp is required."))?;
    let now = chrono::Utc::now().timestamp();
    // `abs_diff`, not `(now - timestamp).abs()`: a timestamp near `i64::MIN` must be refused,
    // not overflow.
    if now.abs_diff(timestamp) > TIMESTAMP_TOLERANCE_SECS {
        return Err(unauthorized(
            "Timestamp expired: auth_timestamp must be within 600 seconds of the server time.",
        ));
    }
    if !body.is_empty() && param("body_md5") != Some(signature::md5_hex(body).as_str()) {
        return Err(unauthorized("body_md5 does not match the request body."));
    }
    let mut signed: Vec<&(String, String)> = params
        .iter()
        .filter(|(key, _)| key != "auth_signature")
        .collect();
    signed.sort();
    let query = signed
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&");
    let string_to_sign = format!(
        "{}\n{}\n{}",
        req.method().as_str(),
        req.original_uri().path(),
        query
    );
    let signature = param("auth_signature").unwrap_or_default();
    if !signature::verify(&config.secret, &string_to_sign, signature) {
        return Err(unauthorized("Invalid signature."));
    }
    Ok(())
}

async fn read_body(body: Body) -> Result<Vec<u8>, ApiError> {
    body.into_bytes_limit(MAX_BODY)
        .await
        .map(|bytes| bytes.to_vec())
        .map_err(|_| {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large.",
            )
        })
}
