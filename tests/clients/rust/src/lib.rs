//! The Confab API client progenitor generates from `openapi.yaml` (see `build.rs`).
#![allow(clippy::all, clippy::pedantic, unused_imports, dead_code, missing_docs)]

include!(concat!(env!("OUT_DIR"), "/confab_client.rs"));
