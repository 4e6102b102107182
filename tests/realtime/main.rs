//! End-to-end tests of live delivery: the real binary's realtime listener, spoken to with a
//! Pusher-protocol client and with the real pusher-js / laravel-echo packages, and the browser
//! client in a real headless Chromium.

mod apps;
mod browser;
mod conformance;
mod delivery;
mod js_clients;
mod memory;
mod reconnect;
mod revocation;
mod webhooks;
