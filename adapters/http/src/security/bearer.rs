use confab_application::use_cases::authenticate::Authenticated;
use confab_application::{Caller, Confab};
use confab_domain::ports::SocketId;
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::error::{ApiError, Rejection};

/// `Authorization: Bearer <JWT>` from `POST /api/v1/user/login`. Extracting it *is* the check:
/// an operation that takes a `BearerAuth` cannot run for a bad token.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_bearer")]
pub struct BearerAuth(pub Authenticated);

async fn check_bearer(request: &Request, bearer: Bearer) -> poem::Result<Authenticated> {
    let app = request
        .data::<Confab>()
        .expect("the application is attached to every route");
    app.authenticate(&bearer.token)
        .await
        .map_err(|error| Rejection(ApiError::from(error)).into())
}

/// The caller of a request: the token's user, and the realtime socket named by `X-Socket-ID`
/// (laravel-echo sends it so the caller's own tab is left out of the broadcast).
pub fn caller_of(auth: &BearerAuth, request: &Request) -> Caller {
    let socket = request
        .header("X-Socket-ID")
        .map(str::trim)
        .filter(|id| !id.is_empty() && id.len() <= 64)
        .map(|id| SocketId(id.to_owned()));
    auth.0.caller().with_socket(socket)
}
