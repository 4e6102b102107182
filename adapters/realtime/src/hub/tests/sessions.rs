//! Ending login sessions closes exactly the sockets those sessions opened or signed for, here
//! and (as an op) on the other nodes.

use tokio::sync::oneshot;

use super::*;

fn socket_with_switch(
    hub: &Hub,
    wire: Wire,
    user: Option<i64>,
) -> (String, oneshot::Receiver<Kill>) {
    let (tx, _rx) = mpsc::channel(16);
    let (kill, killed) = KillSwitch::new();
    let id = hub.register(tx, kill, wire, user.map(UserId)).unwrap();
    (id, killed)
}

#[test]
fn only_the_sockets_of_an_ended_session_are_closed_with_4009() {
    let hub = hub();
    let (laptop, mut laptop_killed) = socket_with_switch(&hub, Wire::Pusher, None);
    let (phone, mut phone_killed) = socket_with_switch(&hub, Wire::Pusher, None);
    let (tab, mut tab_killed) = socket_with_switch(&hub, Wire::Envelope, Some(3));
    hub.grant(&laptop, UserId(3), "private-user.3", Some("laptop"))
        .unwrap();
    hub.grant(&phone, UserId(3), "private-user.3", Some("phone"))
        .unwrap();
    hub.tag_session(&tab, "laptop");

    assert_eq!(hub.end_sessions(UserId(3), vec!["laptop".into()]), 2);
    let kill = laptop_killed
        .try_recv()
        .expect("the laptop's socket is closed");
    assert_eq!(kill.error.map(|(code, _)| code), Some(4009));
    assert!(tab_killed.try_recv().is_ok(), "the envelope socket too");
    assert!(
        phone_killed.try_recv().is_err(),
        "the phone's session goes on"
    );
    assert_eq!(hub.connection_count(), 1);
    // Another user's session of the same name closes nothing of user 3's.
    assert_eq!(hub.end_sessions(UserId(4), vec!["phone".into()]), 0);
}

#[test]
fn a_grant_from_another_node_tags_the_socket_and_its_end_arrives_as_an_op() {
    let hub = hub();
    let (socket, mut killed) = socket_with_switch(&hub, Wire::Pusher, None);
    hub.apply(&Op::Grant {
        socket: socket.clone(),
        user: 5,
        channel: "private-user.5".into(),
        session: Some("s-5".into()),
    });
    let effect = hub.apply(&Op::EndSessions {
        user: 5,
        sessions: vec!["s-5".into()],
    });
    assert_eq!(effect.closed, 1);
    assert!(killed.try_recv().is_ok());
}

#[test]
fn ending_a_session_here_is_handed_to_the_other_nodes() {
    let hub = hub();
    let recorder = Arc::new(Recorder::default());
    hub.attach(recorder.clone());
    hub.end_sessions(UserId(2), vec!["gone".into()]);
    assert!(recorder.ops.lock().unwrap().contains(&Op::EndSessions {
        user: 2,
        sessions: vec!["gone".into()],
    }));
}
