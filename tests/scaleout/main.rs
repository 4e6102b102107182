//! Scale-out end to end: three real `confab` nodes on one database (PostgreSQL when
//! `TEST_DATABASE_URL` is set, else one SQLite file) and a Redis of the test's own
//! (`redis-server` on a free port, killed and restarted by the outage test), with
//! `REVERB_SCALING_ENABLED=true`. Sockets, HTTP requests and auth go to different nodes, as a
//! load balancer would send them. Every wait is bounded.

mod apps;
mod cluster;
mod conformance;
mod delivery;
mod message_features;
mod moderation;
mod outage;
mod presence;
mod redis_restart;
mod replay;
mod sessions;
mod sign_in;
mod webhooks;
