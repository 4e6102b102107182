//! Which database a suite runs on, and [`on_both_backends!`](crate::on_both_backends), which runs
//! each scenario on both.

use crate::skip::skip;

/// Which database the server under test uses.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres { admin_url: String },
}

impl Backend {
    /// PostgreSQL when `TEST_DATABASE_URL` is set; otherwise `None`, and the caller skips (said
    /// once per test binary, see [`skip`]).
    pub fn postgres() -> Option<Self> {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Some(Self::Postgres { admin_url: url }),
            _ => {
                skip(
                    "end-to-end suites on PostgreSQL (set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run them)",
                );
                None
            }
        }
    }
}

/// Runs each listed scenario as two tests, `sqlite` and `postgres`; the PostgreSQL one returns
/// early (after saying so) when `TEST_DATABASE_URL` is unset.
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test]
                async fn sqlite() {
                    super::$scenario(&$crate::Backend::Sqlite).await;
                }

                #[tokio::test]
                async fn postgres() {
                    if let Some(backend) = $crate::Backend::postgres() {
                        super::$scenario(&backend).await;
                    }
                }
            }
        )+
    };
}
