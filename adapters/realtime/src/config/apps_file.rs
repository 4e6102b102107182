//! `CONFAB_APPS_FILE`: more Pusher apps beside the chat app, in the shape of Reverb's `apps` array
//! (`config/reverb.php`), so an operator moving several apps over copies them one to one:
//!
//! ```json
//! {"apps": [{"app_id": "…", "key": "…", "secret": "…", "allowed_origins": ["*"],
//!            "ping_interval": 60, "activity_timeout": 30, "max_message_size": 10000,
//!            "max_connections": null, "client_events": true,
//!            "encryption_master_key_base64": null,
//!            "webhooks": {"urls": ["https://…"], "events": ["channel_occupied"]}}]}
//! ```
//!
//! Only `app_id`, `key` and `secret` are required; the rest default to the chat app's settings
//! (Reverb's own defaults). Fields Reverb has and Confab does not need (`options`, `capacity`)
//! are ignored rather than refused, so a file written for Reverb loads as it is.

use std::collections::HashSet;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::RealtimeConfig;

/// One app of the file, ready to serve: its settings, and its webhooks when it has any.
#[derive(Debug, Clone, PartialEq)]
pub struct AppSettings {
    pub config: RealtimeConfig,
    /// `webhooks.urls` and `webhooks.events` (the names as written; the webhooks module checks
    /// them); `None` without URLs.
    pub webhooks: Option<(Vec<String>, Vec<String>)>,
}

#[derive(Deserialize)]
struct AppsFile {
    apps: Vec<AppEntry>,
}

#[derive(Deserialize)]
struct AppEntry {
    app_id: Value,
    key: String,
    secret: String,
    allowed_origins: Option<Vec<String>>,
    ping_interval: Option<u64>,
    activity_timeout: Option<u64>,
    max_message_size: Option<usize>,
    max_connections: Option<usize>,
    client_events: Option<bool>,
    encryption_master_key_base64: Option<String>,
    webhooks: Option<WebhooksEntry>,
}

#[derive(Deserialize)]
struct WebhooksEntry {
    #[serde(default)]
    urls: Vec<String>,
    #[serde(default)]
    events: Vec<String>,
}

/// The apps `json` describes, each based on `chat` (the chat app's settings) where it says
/// nothing. Ids and keys must be unique, the chat app's included: a key names one app.
///
/// # Errors
/// What is wrong, naming the app, for the operator.
pub fn parse_apps_file(json: &str, chat: &RealtimeConfig) -> Result<Vec<AppSettings>, String> {
    let file: AppsFile = serde_json::from_str(json).map_err(|error| {
        format!("CONFAB_APPS_FILE is not {{\"apps\": [{{\"app_id\", \"key\", \"secret\", …}}]}}: {error}")
    })?;
    let mut ids: HashSet<String> = HashSet::from([chat.app_id.clone()]);
    let mut keys: HashSet<String> = HashSet::from([chat.key.clone()]);
    file.apps
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            let app = entry.into_settings(chat).map_err(|why| format!("CONFAB_APPS_FILE, app {}: {why}", index + 1))?;
            if !ids.insert(app.config.app_id.clone()) {
                return Err(format!("CONFAB_APPS_FILE: app_id {:?} is used twice (the chat app's REVERB_APP_ID counts)", app.config.app_id));
            }
            if !keys.insert(app.config.key.clone()) {
                return Err(format!("CONFAB_APPS_FILE: key {:?} is used twice (the chat app's REVERB_APP_KEY counts)", app.config.key));
            }
            Ok(app)
        })
        .collect()
}

impl AppEntry {
    fn into_settings(self, chat: &RealtimeConfig) -> Result<AppSettings, String> {
        // Reverb's file often holds numbers as ids (`env('REVERB_APP_ID')` cast by PHP).
        let app_id = match self.app_id {
            Value::String(text) => text,
            Value::Number(number) => number.to_string(),
            _ => return Err("app_id must be a string or a number".into()),
        };
        for (field, value) in [
            ("app_id", &app_id),
            ("key", &self.key),
            ("secret", &self.secret),
        ] {
            if value.trim().is_empty() {
                return Err(format!("{field} is required"));
            }
        }
        if self.key.contains('/') || app_id.contains('/') {
            return Err("app_id and key are path segments and may not contain '/'".into());
        }
        let encryption_master_key = self
            .encryption_master_key_base64
            .as_deref()
            .filter(|key| !key.trim().is_empty())
            .map(RealtimeConfig::master_key_from_base64)
            .transpose()?;
        let config = RealtimeConfig {
            app_id,
            key: self.key,
            secret: self.secret,
            allowed_origins: self
                .allowed_origins
                .unwrap_or_else(|| chat.allowed_origins.clone()),
            ping_interval: self
                .ping_interval
                .map_or(chat.ping_interval, Duration::from_secs),
            activity_timeout: self
                .activity_timeout
                .map_or(chat.activity_timeout, Duration::from_secs),
            max_message_size: self.max_message_size.unwrap_or(chat.max_message_size),
            max_connections: self.max_connections,
            client_events: self.client_events.unwrap_or(true),
            encryption_master_key,
            ..chat.clone()
        };
        let webhooks = self
            .webhooks
            .filter(|webhooks| !webhooks.urls.is_empty())
            .map(|webhooks| (webhooks.urls, webhooks.events));
        Ok(AppSettings { config, webhooks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat() -> RealtimeConfig {
        RealtimeConfig::default()
    }

    #[test]
    fn only_id_key_and_secret_are_required_and_the_rest_comes_from_the_chat_app() {
        let apps = parse_apps_file(
            r#"{"apps": [{"app_id": 42, "key": "k2", "secret": "s2", "options": {"host": "x"}}]}"#,
            &chat(),
        )
        .unwrap();
        assert_eq!(apps.len(), 1);
        let config = &apps[0].config;
        assert_eq!(
            (
                config.app_id.as_str(),
                config.key.as_str(),
                config.secret.as_str()
            ),
            ("42", "k2", "s2")
        );
        assert_eq!(config.ping_interval, chat().ping_interval);
        assert_eq!(config.max_message_size, chat().max_message_size);
        assert!(config.client_events);
        assert_eq!(apps[0].webhooks, None);
    }

    #[test]
    fn every_setting_of_the_reverb_shape_is_read() {
        let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let json = format!(
            r#"{{"apps": [{{"app_id": "a", "key": "k", "secret": "s", "allowed_origins": ["x.test"],
            "ping_interval": 7, "activity_timeout": 9, "max_message_size": 500,
            "max_connections": 3, "client_events": false, "encryption_master_key_base64": "{key}",
            "webhooks": {{"urls": ["http://hooks.test/in"], "events": ["channel_occupied"]}}}}]}}"#
        );
        let app = &parse_apps_file(&json, &chat()).unwrap()[0];
        let config = &app.config;
        assert_eq!(config.allowed_origins, ["x.test"]);
        assert_eq!(config.ping_interval, Duration::from_secs(7));
        assert_eq!(config.activity_timeout, Duration::from_secs(9));
        assert_eq!(config.max_message_size, 500);
        assert_eq!(config.max_connections, Some(3));
        assert!(!config.client_events);
        assert_eq!(config.encryption_master_key, Some([0; 32]));
        assert_eq!(
            app.webhooks,
            Some((
                vec!["http://hooks.test/in".to_owned()],
                vec!["channel_occupied".to_owned()]
            ))
        );
    }

    #[test]
    fn ids_and_keys_are_unique_across_the_file_and_the_chat_app() {
        let twice = r#"{"apps": [{"app_id": "a", "key": "k", "secret": "s"},
                                 {"app_id": "b", "key": "k", "secret": "s"}]}"#;
        assert!(
            parse_apps_file(twice, &chat())
                .unwrap_err()
                .contains("key \"k\"")
        );
        let chat_key = format!(
            r#"{{"apps": [{{"app_id": "a", "key": "{}", "secret": "s"}}]}}"#,
            chat().key
        );
        assert!(
            parse_apps_file(&chat_key, &chat())
                .unwrap_err()
                .contains("used twice")
        );
        let chat_id = format!(
            r#"{{"apps": [{{"app_id": "{}", "key": "k", "secret": "s"}}]}}"#,
            chat().app_id
        );
        assert!(
            parse_apps_file(&chat_id, &chat())
                .unwrap_err()
                .contains("app_id")
        );
    }

    #[test]
    fn a_missing_or_empty_credential_or_a_bad_master_key_names_its_app() {
        let missing = r#"{"apps": [{"app_id": "a", "key": "k"}]}"#;
        assert!(
            parse_apps_file(missing, &chat())
                .unwrap_err()
                .contains("secret")
        );
        let empty = r#"{"apps": [{"app_id": "a", "key": "k", "secret": "s"}, {"app_id": "b", "key": " ", "secret": "s"}]}"#;
        assert!(
            parse_apps_file(empty, &chat())
                .unwrap_err()
                .contains("app 2: key is required")
        );
        let bad_key = r#"{"apps": [{"app_id": "a", "key": "k", "secret": "s", "encryption_master_key_base64": "c2hvcnQ="}]}"#;
        assert!(
            parse_apps_file(bad_key, &chat())
                .unwrap_err()
                .contains("32 bytes")
        );
        assert!(parse_apps_file(r#"{"apps": {}}"#, &chat()).is_err());
    }
}
