//! The plain-WebSocket envelope protocol of the learning README (`{id, type, from, to, ts,
//! payload}`): [`codec`] decodes what a client sends and encodes what the server sends (domain
//! events included), [`socket`] runs one envelope connection, with its catch-up on missed
//! messages (`join` with `since`).
//!
//! Depends on: the hub (an envelope socket is a hub subscriber like a Pusher one), `connection`
//! (the read loop and writer both wire formats share), the application (tokens and use cases),
//! `pusher::events` (the message payload both formats carry) and `api_json`.

mod codec;
mod socket;

pub(crate) use codec::{Route, translate};
pub(crate) use socket::{Door, upgrade};
