//! Taking work off a queue in batches: whatever is waiting when the worker is free goes in one
//! round (group commit's sends, the session reader's checks).

use tokio::sync::mpsc;

/// Waits for the next item, then takes whatever else is already queued, up to `max` in all;
/// `None` once every sender is gone.
pub(super) async fn next_batch<T>(incoming: &mut mpsc::Receiver<T>, max: usize) -> Option<Vec<T>> {
    let first = incoming.recv().await?;
    let mut batch = vec![first];
    while batch.len() < max {
        match incoming.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    Some(batch)
}
