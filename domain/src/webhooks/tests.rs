use std::time::Duration;

use super::*;

#[test]
fn retries_double_from_a_second_up_to_five_minutes() {
    let waits: Vec<u64> = (1..=11)
        .map(|n| retry_delay(n, LAST_RETRY).as_secs())
        .collect();
    assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
    assert_eq!(retry_delay(u32::MAX, LAST_RETRY), LAST_RETRY);
    assert_eq!(retry_delay(0, LAST_RETRY), FIRST_RETRY);
    let capped = Duration::from_secs(3);
    assert_eq!(
        retry_delay(5, capped),
        capped,
        "an operator's shorter longest wait"
    );
}

#[test]
fn a_lease_outlasts_three_posts() {
    assert_eq!(lease_for(Duration::from_secs(10)), Duration::from_secs(30));
    assert_eq!(
        lease_for(Duration::from_millis(100)),
        Duration::from_secs(3)
    );
}
