//! A timeout on live sockets: the timed-out member's whispers on the room's channels are refused
//! until it ends, whether it was set here or arrived from another node; the others whisper on.

use super::*;

const ROOM: &str = "private-conversation.1";

fn member(hub: &Hub, user: i64) -> (String, mpsc::Receiver<Frame>) {
    let (socket, rx) = connect(hub, 16);
    hub.grant(&socket, UserId(user), ROOM, None).unwrap();
    hub.subscribe(&socket, ROOM, None).unwrap();
    (socket, rx)
}

#[test]
fn a_timed_out_members_whispers_are_refused_until_the_timeout_ends_or_is_lifted() {
    let hub = hub();
    let (timed_out, _a) = member(&hub, 3);
    let (other, mut heard) = member(&hub, 4);
    let whisper = |socket: &str| hub.whisper(socket, ROOM, "client-typing", &json!({}));
    let in_an_hour = chrono::Utc::now().timestamp_millis() + 3_600_000;

    hub.silence(UserId(3), vec![ROOM.to_owned()], Some(in_an_hour));
    assert_eq!(
        whisper(&timed_out),
        Err(WhisperRefused::TimedOut {
            until_ms: in_an_hour
        })
    );
    assert_eq!(whisper(&other), Ok(()), "the others whisper on");
    events(&mut heard);

    // Lifted on another node: the order arrives here.
    from_elsewhere(
        &hub,
        Op::Silence {
            user: 3,
            channels: vec![ROOM.to_owned()],
            until_ms: None,
        },
    );
    assert_eq!(whisper(&timed_out), Ok(()));
    assert_eq!(events(&mut heard), ["client-typing"]);

    // Set elsewhere, already over: nothing is refused.
    from_elsewhere(
        &hub,
        Op::Silence {
            user: 3,
            channels: vec![ROOM.to_owned()],
            until_ms: Some(chrono::Utc::now().timestamp_millis() - 1),
        },
    );
    assert_eq!(whisper(&timed_out), Ok(()));
}
