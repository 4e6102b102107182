//! `pusher:signin` and the `#server-to-user-{id}` channel, the socket's side of user
//! authentication: the signature over `user_data` is checked, `user_data` is read (an `id`, and
//! optionally `user_info` and a `watchlist`), and the hub signs the socket in.

use serde_json::Value;

use super::Connection;
use crate::hub::{Member, SubscribeError};
use crate::protocol::{self, codes};
use crate::pusher::signature;

/// The most ids a watchlist may name (Pusher's limit).
pub(crate) const MAX_WATCHLIST: usize = 100;

/// What a signed `user_data` says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UserData {
    pub member: Member,
    pub watchlist: Vec<String>,
}

/// Reads `user_data`: a JSON object with a non-empty `id` (a string, or a number taken as its
/// text, as Laravel apps send their integer ids), an optional `user_info` object and an optional
/// `watchlist` of at most [`MAX_WATCHLIST`] ids.
pub(crate) fn parse_user_data(user_data: &str) -> Result<UserData, &'static str> {
    let data: Value = serde_json::from_str(user_data).map_err(|_| "user_data is not JSON")?;
    let id = match data.get("id") {
        Some(Value::String(id)) => id.clone(),
        Some(Value::Number(id)) => id.to_string(),
        _ => return Err("user_data must have an id"),
    };
    if !protocol::valid_user_id(&id) {
        return Err("user_data's id must be 1 to 200 printable characters");
    }
    let watchlist = match data.get("watchlist") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) if ids.len() <= MAX_WATCHLIST => ids
            .iter()
            .map(|id| match id {
                Value::String(id) if protocol::valid_user_id(id) => Ok(id.clone()),
                Value::Number(id) => Ok(id.to_string()),
                _ => Err("a watchlist holds user ids"),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("the watchlist must be an array of at most 100 user ids"),
    };
    let user_info = data.get("user_info").cloned().unwrap_or(Value::Null);
    Ok(UserData {
        member: Member::new(Value::String(id), user_info),
        watchlist,
    })
}

impl Connection {
    /// `{"event":"pusher:signin","data":{"auth","user_data"}}`; a bad signature or bad
    /// `user_data` is a `pusher:error` 4009, and the socket stays open (and not signed in).
    pub(super) async fn sign_in(&self, data: &Value) {
        let user_data = data.get("user_data").and_then(Value::as_str);
        let auth = data.get("auth").and_then(Value::as_str);
        let (Some(user_data), Some(auth)) = (user_data, auth) else {
            return self.invalid();
        };
        let config = self.hub.config();
        if !signature::verify_user_auth(
            &config.key,
            &config.secret,
            auth,
            &self.socket_id,
            user_data,
        ) {
            return self.error(codes::UNAUTHORIZED, "Connection is unauthorized");
        }
        let UserData { member, watchlist } = match parse_user_data(user_data) {
            Ok(parsed) => parsed,
            Err(why) => return self.error(codes::UNAUTHORIZED, why),
        };
        match self
            .hub
            .sign_in(&self.socket_id, user_data, member, watchlist)
            .await
        {
            Ok(()) | Err(SubscribeError::UnknownSocket) => {}
            Err(SubscribeError::Revoked) => {
                self.error(codes::UNAUTHORIZED, "Connection is unauthorized");
            }
        }
    }

    /// `#server-to-user-{id}`, which pusher-js subscribes to after signing in: only for a socket
    /// signed in as that user.
    pub(super) fn subscribe_to_user_events(&self, channel: &str, user: &str) {
        if self.hub.signed_in_as(&self.socket_id).as_deref() != Some(user) {
            return self.error(codes::UNAUTHORIZED, "Connection is unauthorized");
        }
        if let Err(SubscribeError::Revoked) = self.hub.subscribe(&self.socket_id, channel, None) {
            self.error(codes::UNAUTHORIZED, "Connection is unauthorized");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_data_needs_an_id_and_reads_the_rest() {
        let parsed =
            parse_user_data(r#"{"id":"7","user_info":{"name":"Jo"},"watchlist":["8",9]}"#).unwrap();
        assert_eq!(parsed.member.key, "7");
        assert_eq!(parsed.member.user_info, json!({"name": "Jo"}));
        assert_eq!(parsed.watchlist, vec!["8".to_owned(), "9".to_owned()]);
        assert_eq!(parse_user_data(r#"{"id":42}"#).unwrap().member.key, "42");
        for bad in [
            "nope",
            "{}",
            r#"{"id":""}"#,
            r#"{"id":null}"#,
            r#"{"id":"1","watchlist":"2"}"#,
            r#"{"id":"1","watchlist":[{}]}"#,
        ] {
            assert!(parse_user_data(bad).is_err(), "{bad}");
        }
        let long: Vec<String> = (0..=MAX_WATCHLIST).map(|i| i.to_string()).collect();
        let too_many = json!({"id": "1", "watchlist": long}).to_string();
        assert!(parse_user_data(&too_many).is_err());
    }
}
