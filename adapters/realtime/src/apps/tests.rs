use super::*;
use crate::config::{RealtimeConfig, parse_apps_file};

fn directory() -> Apps {
    let chat = Nodes {
        hub: Arc::new(Hub::new(RealtimeConfig::default())),
        link: None,
    };
    Apps::new(chat, None)
}

fn apps(json: &str) -> Vec<AppSettings> {
    parse_apps_file(json, &RealtimeConfig::default()).unwrap()
}

#[test]
fn apps_are_found_by_key_for_sockets_and_by_id_for_the_api_the_chat_app_among_them() {
    let directory = directory();
    let chat = RealtimeConfig::default();
    directory
        .reload(apps(
            r#"{"apps": [{"app_id": "a", "key": "ka", "secret": "sa"}]}"#,
        ))
        .unwrap();
    let by_key = directory.by_key("ka").expect("a by its key");
    assert_eq!(by_key.config().app_id, "a");
    let by_id = directory.by_id("a").expect("a by its id");
    assert!(Arc::ptr_eq(&by_key, &by_id.hub), "one hub per app");
    assert!(Arc::ptr_eq(
        &directory.by_key(&chat.key).unwrap(),
        directory.chat_hub()
    ));
    assert_eq!(
        directory.by_id(&chat.app_id).unwrap().hub.config().key,
        chat.key
    );
    assert!(directory.by_key("a").is_none(), "an id is not a key");
    assert!(directory.by_id("ka").is_none(), "a key is not an id");
    assert_eq!(directory.hubs().len(), 2);
}

#[test]
fn a_reload_adds_changes_in_place_and_removes() {
    let directory = directory();
    let first = directory
        .reload(apps(
            r#"{"apps": [{"app_id": "a", "key": "ka", "secret": "sa"}, {"app_id": "b", "key": "kb", "secret": "sb"}]}"#,
        ))
        .unwrap();
    assert_eq!(first.added.len(), 2);
    let a = directory.by_key("ka").unwrap();
    let b = directory.by_key("kb").unwrap();
    assert!(!Arc::ptr_eq(&a, &b));
    let second = directory
        .reload(apps(
            r#"{"apps": [{"app_id": "a", "key": "ka", "secret": "sa-2"}, {"app_id": "c", "key": "kc", "secret": "sc"}]}"#,
        ))
        .unwrap();
    assert_eq!(
        second,
        Reloaded {
            added: vec!["c".into()],
            changed: vec!["a".into()],
            removed: vec!["b".into()],
        }
    );
    // The same hub, with its sockets, under the new secret.
    let still_a = directory.by_key("ka").unwrap();
    assert!(Arc::ptr_eq(&a, &still_a));
    assert_eq!(still_a.config().secret, "sa-2");
    assert!(directory.by_key("kb").is_none() && directory.by_id("b").is_none());
    drop(b);
    let unchanged = directory
        .reload(apps(
            r#"{"apps": [{"app_id": "a", "key": "ka", "secret": "sa-2"}, {"app_id": "c", "key": "kc", "secret": "sc"}]}"#,
        ))
        .unwrap();
    assert_eq!(unchanged, Reloaded::default());
}
