//! The audit trail's hash chain format. It is part of the stored data, like
//! the schema: every event's `hash` is SHA-256 over a canonical encoding of
//! the event and the previous event's hash in the same chain (one chain per
//! workspace, one for account-level events). Changing this encoding is a
//! migration, never an edit.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

/// The `prev_hash` of a chain's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain of account-level events (those without a workspace).
pub const ACCOUNT_CHAIN: Uuid = Uuid::nil();

/// Everything about an event the chain protects.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainedEvent<'a> {
    /// The workspace, or none for account-level events.
    pub workspace_id: Option<Uuid>,
    /// The position in its chain, from 1.
    pub workspace_seq: i64,
    /// The event id.
    pub id: Uuid,
    /// Aggregate type.
    pub aggregate_type: &'a str,
    /// Aggregate id.
    pub aggregate_id: Uuid,
    /// Versioned event type.
    pub event_type: &'a str,
    /// Actor kind.
    pub actor_kind: &'a str,
    /// Actor id.
    pub actor_id: Option<Uuid>,
    /// Request id.
    pub request_id: Option<&'a str>,
    /// Client address.
    pub ip: Option<&'a str>,
    /// Client user agent.
    pub user_agent: Option<&'a str>,
    /// When, at microsecond precision (what both databases keep).
    pub occurred_at: DateTime<Utc>,
    /// The payload.
    pub payload: &'a Value,
}

/// Objects with their keys sorted at every depth, whatever order the
/// database or the JSON library keeps them in.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), canonical(v))).collect::<Map<_, _>>())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The hex SHA-256 chaining `event` to `prev_hash`.
#[must_use]
pub fn event_hash(prev_hash: &str, event: &ChainedEvent<'_>) -> String {
    let encoded = json!([
        "cabinet-audit-v1",
        event.workspace_id.map(|w| w.to_string()),
        event.workspace_seq,
        event.id.to_string(),
        event.aggregate_type,
        event.aggregate_id.to_string(),
        event.event_type,
        event.actor_kind,
        event.actor_id.map(|a| a.to_string()),
        event.request_id,
        event.ip,
        event.user_agent,
        event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        canonical(event.payload),
        prev_hash,
    ]);
    hex::encode(Sha256::digest(encoded.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(payload: &Value) -> ChainedEvent<'_> {
        ChainedEvent {
            workspace_id: Some(Uuid::from_u128(7)),
            workspace_seq: 1,
            id: Uuid::from_u128(1),
            aggregate_type: "document",
            aggregate_id: Uuid::from_u128(2),
            event_type: "document.created.v1",
            actor_kind: "user",
            actor_id: Some(Uuid::from_u128(3)),
            request_id: Some("req"),
            ip: Some("127.0.0.1"),
            user_agent: None,
            occurred_at: DateTime::from_timestamp(1_764_000_000, 123_456_000).expect("time"),
            payload,
        }
    }

    #[test]
    fn the_hash_ignores_key_order_and_covers_every_field() {
        let a = json!({"b": 1, "a": {"y": 2, "x": 3}});
        let b: Value = serde_json::from_str(r#"{"a": {"x": 3, "y": 2}, "b": 1}"#).expect("json");
        assert_eq!(event_hash(GENESIS, &event(&a)), event_hash(GENESIS, &event(&b)));
        let base = event_hash(GENESIS, &event(&a));
        assert_eq!(base.len(), 64);
        assert_ne!(base, event_hash(&base, &event(&a)), "the previous hash is covered");
        assert_ne!(base, event_hash(GENESIS, &ChainedEvent { workspace_seq: 2, ..event(&a) }));
        assert_ne!(base, event_hash(GENESIS, &ChainedEvent { ip: Some("10.0.0.1"), ..event(&a) }));
        assert_ne!(base, event_hash(GENESIS, &event(&json!({"b": 2, "a": {"y": 2, "x": 3}}))));
    }
}
