//! Authentication for the HTTP API: the bearer scheme every protected operation takes, and the
//! password-hashing and token-signing implementations of the domain's ports.

mod bearer;
mod client_address;
mod jwt;
mod passwords;

pub use bearer::{BearerAuth, caller_of};
pub use client_address::client_address;
pub use jwt::JwtTokens;
pub use passwords::Argon2Passwords;
