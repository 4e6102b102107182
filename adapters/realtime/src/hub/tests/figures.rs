//! The totals `/metrics` reads: connections by wire, channels, deliveries, slow consumers.

use super::*;

#[test]
fn figures_count_connections_by_wire_deliveries_and_slow_consumers() {
    let hub = hub();
    let (pusher, mut pusher_rx) = connect(&hub, 16);
    let (envelopes, _envelope_rx) = connect_envelopes(&hub, 16, 3);
    let (slow, _slow_rx) = connect(&hub, 1);
    for socket in [&pusher, &envelopes, &slow] {
        hub.subscribe(socket, "private-room", None).unwrap();
    }
    events(&mut pusher_rx);
    let before = hub.figures();
    assert_eq!(before.pusher_connections, 2);
    assert_eq!(before.envelope_connections, 1);
    assert_eq!(before.channels, 1);

    hub.publish(
        "private-room",
        protocol::frame("a", Some("private-room"), "{}"),
        None,
    );
    let after = hub.figures();
    // One Pusher socket took it; the envelope socket has no rendering of a bare Pusher frame,
    // and the slow socket's one-frame queue was already full with its subscription answer.
    assert_eq!(after.deliveries - before.deliveries, 1);
    assert_eq!(after.slow_consumer_disconnects, 1);
    assert_eq!(after.pusher_connections, 1);
}
