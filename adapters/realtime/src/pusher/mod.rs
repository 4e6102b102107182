//! The Pusher doors and what only they need: [`socket`] runs one Pusher WebSocket connection,
//! [`rest_api`] is the Pusher HTTP API server SDKs call (not to be confused with Confab's own
//! HTTP adapter), [`signer`] answers channel auth (the `ChannelSigner` port), [`signature`] holds
//! the HMACs, and [`events`] turns domain events into Pusher events.
//!
//! The Pusher wire format itself (frames, error codes, channel kinds) is [`crate::protocol`], one
//! level down: the hub speaks it (`subscription_succeeded`, `member_added`, the 4100 goodbye), so
//! it sits below the hub rather than in this room, which depends on the hub.
//!
//! Depends on: `hub` (sockets, channels, presence), `connection` (what both wire formats' sockets
//! share), `scaling::Nodes` (the cluster's figures for the REST API), `protocol`, `config` and
//! `api_json`. `events` and `signature` use only `api_json`, so the envelope format and
//! the webhooks, which sit above this room, may use them.

pub(crate) mod events;
pub(crate) mod rest_api;
pub(crate) mod signature;
pub(crate) mod signer;
pub(crate) mod socket;
