//! The [`IdempotencyStore`] contract, as Cabinet's SQL store keeps it on
//! SQLite and PostgreSQL.

use chrono::{DateTime, TimeDelta, Utc};

use crate::idempotency::{Claim, IdempotencyStore, StoredResponse};

/// Of concurrent claims of a key exactly one wins; another request under
/// the key is refused; a completed one is replayed; keys are per caller; a
/// released key is free; a claim whose request stopped renewing it is taken
/// over, exactly once.
pub async fn keys_claim_once_and_replay(store: &dyn IdempotencyStore, now: DateTime<Utc>) {
    let long_ago = now - TimeDelta::days(1);
    let claims = (0..10).map(|_| store.claim("user:a", "key-1", "fp", now, long_ago));
    let results = futures::future::join_all(claims).await;
    let claimed = results.iter().filter(|r| matches!(r, Ok(Claim::Claimed))).count();
    let running = results.iter().filter(|r| matches!(r, Ok(Claim::InProgress))).count();
    assert_eq!((claimed, running), (1, 9), "{results:?}");
    assert_eq!(store.claim("user:a", "key-1", "other", now, long_ago).await.expect("claim"), Claim::Mismatch);
    let response = StoredResponse {
        status: 201,
        content_type: Some("application/json".into()),
        location: Some("/x".into()),
        body: b"{}".to_vec(),
    };
    store.complete("user:a", "key-1", &response).await.expect("complete");
    assert_eq!(store.claim("user:a", "key-1", "fp", now, now).await.expect("claim"), Claim::Completed(response));
    assert_eq!(
        store.claim("user:b", "key-1", "fp", now, long_ago).await.expect("claim"),
        Claim::Claimed,
        "keys are per caller"
    );
    store.release("user:b", "key-1").await.expect("release");
    assert_eq!(
        store.claim("user:b", "key-1", "fp2", now, long_ago).await.expect("claim"),
        Claim::Claimed,
        "a released key is free"
    );

    // A claim whose request stopped showing signs of life is taken over, once.
    let t0 = now;
    assert_eq!(store.claim("user:c", "k", "fp", t0, long_ago).await.expect("claim"), Claim::Claimed);
    let t1 = t0 + TimeDelta::seconds(20);
    store.renew("user:c", "k", t1).await.expect("renew");
    let t2 = t0 + TimeDelta::seconds(40);
    let stale = t2 - TimeDelta::seconds(30);
    assert_eq!(store.claim("user:c", "k", "fp", t2, stale).await.expect("claim"), Claim::InProgress, "renewed at t1");
    let t3 = t1 + TimeDelta::seconds(31);
    let takeovers = (0..5).map(|_| store.claim("user:c", "k", "fp", t3, t3 - TimeDelta::seconds(30)));
    let results = futures::future::join_all(takeovers).await;
    let claimed = results.iter().filter(|r| matches!(r, Ok(Claim::Claimed))).count();
    assert_eq!(claimed, 1, "an abandoned claim is taken over exactly once: {results:?}");
    assert_eq!(store.claim("user:c", "k", "other", t3, t3).await.expect("claim"), Claim::Mismatch);
}
