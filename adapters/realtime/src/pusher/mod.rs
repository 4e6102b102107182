//! Everything that speaks Pusher: [`protocol`] is the v7 wire format (frames, error codes, what a
//! channel name means), [`events`] turns domain events into Pusher events, [`signature`] holds the
//! HMACs, [`signer`] answers channel auth (the `ChannelSigner` port), [`socket`] runs one Pusher
//! WebSocket connection, and [`rest_api`] is the Pusher HTTP API server SDKs call (not to be
//! confused with Confab's own HTTP adapter).
//!
//! Depends on: the hub (sockets, channels, presence), `connection` (what both wire formats'
//! sockets share), `scaling::Nodes` (the cluster's figures for the REST API), `config` and
//! `message_json`. `protocol`, `events` and `signature` depend on nothing else in the crate
//! but `message_json`, so the hub, the envelope format and the webhooks may use them.

pub(crate) mod events;
pub(crate) mod protocol;
pub(crate) mod rest_api;
pub(crate) mod signature;
pub(crate) mod signer;
pub(crate) mod socket;
