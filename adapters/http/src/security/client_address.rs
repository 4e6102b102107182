//! Who is on the other end of a request, for counting failed logins per address.

use poem::Request;

/// The peer's IP address — the client's, or the proxy's when Confab runs behind one (then every
/// client shares one count per email: stricter, never looser).
pub fn client_address(request: &Request) -> String {
    request
        .remote_addr()
        .as_socket_addr()
        .map(|peer| peer.ip().to_string())
        .unwrap_or_default()
}
