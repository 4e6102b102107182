//! The command connection every scaling task shares for its adds, scripts and counts.

use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;

use super::COMMAND_TIMEOUT;

/// The command connection (adds, scripts, counts), shared by the tasks: made on first use,
/// dropped on an error so the next use reconnects.
pub(super) struct Commands {
    pub(super) client: redis::Client,
    pub(super) connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
}

impl Commands {
    async fn get(&self) -> redis::RedisResult<MultiplexedConnection> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT));
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    async fn reset(&self) {
        *self.connection.lock().await = None;
    }

    /// Runs `call` on the connection; an error drops the connection, and a call that failed on
    /// a connection made earlier (perhaps to a Redis since restarted) is tried once more on a new
    /// one.
    pub(super) async fn run<T, F, Fut>(&self, call: F) -> Result<T, String>
    where
        F: Fn(MultiplexedConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let mut cause = String::new();
        for _ in 0..2 {
            let reused = self.connection.lock().await.is_some();
            let attempt = async {
                let connection = self.get().await?;
                call(connection).await
            };
            cause = match tokio::time::timeout(COMMAND_TIMEOUT * 2, attempt).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(error)) => error.to_string(),
                Err(_) => "no answer in time".to_owned(),
            };
            self.reset().await;
            if !reused {
                break;
            }
        }
        Err(cause)
    }

    /// Runs one of the Lua scripts (presence, occupancy) on the command connection.
    pub(super) async fn invoke<T: redis::FromRedisValue>(
        &self,
        script: &redis::Script,
        keys: &[String],
        args: &[String],
    ) -> Result<T, String> {
        self.run(|mut connection| async move {
            let mut invocation = script.prepare_invoke();
            for key in keys {
                invocation.key(key);
            }
            for arg in args {
                invocation.arg(arg);
            }
            invocation.invoke_async::<T>(&mut connection).await
        })
        .await
    }
}
