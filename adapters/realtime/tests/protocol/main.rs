//! The realtime server end to end: a real listener on a free port, real WebSocket and HTTP
//! clients, every wait bounded by a timeout.

mod broadcasting;
mod bursts;
mod catch_up;
mod connection;
mod envelope_client;
mod envelope_messages;
mod envelope_routing;
mod envelopes;
mod fakes;
mod helpers;
mod presence;
mod rest_api;
mod subscriptions;
mod whispers;
