use super::*;

fn rejected(text: &str) -> Rejection {
    decode(text).expect_err(text)
}

#[test]
fn the_readme_ping_decodes_and_its_from_and_ts_are_dropped() {
    let incoming = decode(
        r#"{"id":"1","type":"ping","from":"user:1","to":"channel:global","ts":1690000000,"payload":{}}"#,
    )
    .unwrap();
    assert_eq!(incoming.id, "1");
    assert_eq!(incoming.kind, Kind::Ping);
    assert_eq!(incoming.to.as_deref(), Some("channel:global"));
    assert!(decode(r#"{"type":"ping","ts":5.0,"from":"server","extra":1}"#).is_ok());
}

#[test]
fn a_missing_id_is_assigned_a_uuid() {
    let incoming = decode(r#"{"type":"ping"}"#).unwrap();
    assert!(
        uuid::Uuid::parse_str(&incoming.id).is_ok(),
        "{}",
        incoming.id
    );
}

#[test]
fn what_the_schema_rejects_is_rejected() {
    for (text, status) in [
        ("nope", 400),
        ("[1]", 400),
        (r#"{"id":"1"}"#, 422),
        (r#"{"type":"shout"}"#, 422),
        (r#"{"type":"ping","id":""}"#, 422),
        (r#"{"type":"ping","id":"a\nb"}"#, 422),
        (r#"{"type":"ping","id":7}"#, 422),
        (r#"{"type":"ping","from":"bob"}"#, 422),
        (r#"{"type":"ping","ts":-1}"#, 422),
        (r#"{"type":"ping","ts":1.5}"#, 422),
        (r#"{"type":"ping","ts":"1"}"#, 422),
        (r#"{"type":"ping","to":"room:1"}"#, 422),
        (r#"{"type":"ping","payload":"hi"}"#, 422),
        (r#"{"type":"message","payload":{"text":"hi"}}"#, 422),
        (r#"{"type":"join"}"#, 422),
    ] {
        assert_eq!(rejected(text).status, status, "{text}");
    }
    assert_eq!(
        decode(&format!(r#"{{"type":"ping","id":"{}"}}"#, "é".repeat(128)))
            .unwrap()
            .id
            .chars()
            .count(),
        128
    );
    assert!(decode(&format!(r#"{{"type":"ping","id":"{}"}}"#, "x".repeat(129))).is_err());
}

#[test]
fn server_only_types_are_refused_naming_the_id() {
    let rejection = rejected(r#"{"id":"a1","type":"ack","payload":{"ack":"x"}}"#);
    assert_eq!(rejection.id.as_deref(), Some("a1"));
    assert_eq!(rejection.status, 422);
    assert!(
        rejection.reason.contains("server sends ack"),
        "{rejection:?}"
    );
}

#[test]
fn an_ack_has_every_member_in_the_readme_order() {
    let frame = ack("7", UserId(3), Map::new());
    assert!(
        frame.starts_with(r#"{"id":"7","type":"ack","from":"server","to":"user:3","ts":"#),
        "{frame}"
    );
    assert!(frame.ends_with(r#","payload":{"ack":"7"}}"#), "{frame}");
}

#[test]
fn an_error_without_an_id_gets_one_and_no_ack() {
    let frame = error(&Rejection::new(None, 400, "bad"), UserId(3));
    let value: Value = serde_json::from_str(&frame).unwrap();
    assert_eq!(value["type"], "error");
    assert_eq!(value["payload"], json!({"reason": "bad", "status": 400}));
    assert!(uuid::Uuid::parse_str(value["id"].as_str().unwrap()).is_ok());
}
