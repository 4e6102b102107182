//! Builds the application from its adapters.

use std::sync::Arc;
use std::time::Duration;

use confab_application::{Confab, Ports};
use confab_domain::ports::{NoBroadcaster, NoChannels};
use confab_http::Readiness;
use confab_http::security::{Argon2Passwords, JwtTokens};
use confab_persistence::{
    InMemorySendThrottle, SeaConversationRepository, SeaMessageRepository, SeaUserRepository,
    SystemClock,
};
use sea_orm::DatabaseConnection;

use crate::config::Cli;
use crate::secrets;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connects to the database and applies pending migrations.
pub async fn database(cli: &Cli) -> Result<DatabaseConnection, BoxError> {
    let url = cli.database_url();
    let db = confab_persistence::connect(&url).await?;
    confab_persistence::migrate(&db).await?;
    Ok(db)
}

pub async fn migrate_only(cli: &Cli) -> Result<(), BoxError> {
    database(cli).await?;
    tracing::info!("migrations applied");
    Ok(())
}

/// The application over the real adapters.
pub fn application(cli: &Cli, db: &DatabaseConnection) -> Result<Confab, BoxError> {
    let jwt_secret = match &cli.jwt_secret {
        Some(secret) if !secret.is_empty() => secret.clone(),
        _ => secrets::load_or_create(&cli.data_dir, "jwt_secret")?,
    };
    Ok(Confab::new(Ports {
        users: Arc::new(SeaUserRepository::new(db.clone())),
        conversations: Arc::new(SeaConversationRepository::new(db.clone())),
        messages: Arc::new(SeaMessageRepository::new(db.clone())),
        broadcaster: Arc::new(NoBroadcaster),
        channels: Arc::new(NoChannels),
        hasher: Arc::new(Argon2Passwords),
        tokens: Arc::new(JwtTokens::new(jwt_secret.as_bytes(), cli.jwt_ttl * 60)),
        throttle: Arc::new(InMemorySendThrottle::new(
            cli.send_limit,
            Duration::from_secs(60),
        )),
        clock: Arc::new(SystemClock),
    }))
}

/// `/health` asks the database.
pub fn readiness(db: &DatabaseConnection) -> Readiness {
    let db = db.clone();
    Readiness(Arc::new(move || {
        let db = db.clone();
        Box::pin(async move { confab_persistence::ping(&db).await })
    }))
}
