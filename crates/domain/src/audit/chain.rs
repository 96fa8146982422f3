//! The audit trail's hash chain: its format, and the walk that verifies it.
//!
//! The format is part of the stored data, like the schema: every event's
//! `hash` is SHA-256 over a canonical encoding of the event and the previous
//! event's hash in the same chain (one chain per workspace, one for
//! account-level events). Changing this encoding is a migration, never an
//! edit; the event store and the migration that chained the first events
//! both use [`event_hash`].

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::DomainResult;
use crate::audit::{AuditTrail, ChainBreak, ChainReport};
use crate::ids::WorkspaceId;

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

/// An event as stored in its chain: what the hash covers, and the hashes
/// stored with it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainLink {
    /// The workspace, or none for account-level events.
    pub workspace_id: Option<Uuid>,
    /// The position in its chain, from 1.
    pub workspace_seq: i64,
    /// The event id.
    pub id: Uuid,
    /// Aggregate type.
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: Uuid,
    /// Versioned event type.
    pub event_type: String,
    /// Actor kind.
    pub actor_kind: String,
    /// Actor id.
    pub actor_id: Option<Uuid>,
    /// Request id.
    pub request_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// When, as stored.
    pub occurred_at: DateTime<Utc>,
    /// The payload, as stored.
    pub payload: Value,
    /// The hash the event names as its predecessor's.
    pub prev_hash: Option<String>,
    /// The hash stored with the event.
    pub hash: Option<String>,
}

impl ChainLink {
    /// The part of the link the hash covers.
    #[must_use]
    pub fn chained(&self) -> ChainedEvent<'_> {
        ChainedEvent {
            workspace_id: self.workspace_id,
            workspace_seq: self.workspace_seq,
            id: self.id,
            aggregate_type: &self.aggregate_type,
            aggregate_id: self.aggregate_id,
            event_type: &self.event_type,
            actor_kind: &self.actor_kind,
            actor_id: self.actor_id,
            request_id: self.request_id.as_deref(),
            ip: self.ip.as_deref(),
            user_agent: self.user_agent.as_deref(),
            occurred_at: self.occurred_at,
            payload: &self.payload,
        }
    }
}

/// Walks one chain link by link, in order, recomputing every hash.
#[derive(Debug)]
pub struct ChainWalk {
    report: ChainReport,
    expected: u64,
    prev_hash: String,
}

impl ChainWalk {
    /// A walk of the workspace's chain (or the account chain for `None`) from its start.
    #[must_use]
    pub fn new(workspace: Option<WorkspaceId>) -> Self {
        Self {
            report: ChainReport { workspace, intact_up_to: 0, broken_at: None },
            expected: 1,
            prev_hash: GENESIS.to_owned(),
        }
    }

    /// The position of the next link the walk expects.
    #[must_use]
    pub fn next_position(&self) -> u64 {
        self.expected
    }

    /// Checks the next link; `false` once the chain is found broken (the
    /// walk then stops moving).
    pub fn step(&mut self, link: &ChainLink) -> bool {
        if self.report.broken_at.is_some() {
            return false;
        }
        let seq = u64::try_from(link.workspace_seq).unwrap_or_default();
        let broken = if seq != self.expected {
            Some((self.expected, ChainBreak::Missing))
        } else if link.prev_hash.as_deref() != Some(self.prev_hash.as_str()) {
            Some((seq, ChainBreak::Relinked))
        } else if link.hash.as_deref() != Some(event_hash(&self.prev_hash, &link.chained()).as_str()) {
            Some((seq, ChainBreak::Altered))
        } else {
            None
        };
        if broken.is_some() {
            self.report.broken_at = broken;
            return false;
        }
        self.report.intact_up_to = seq;
        self.prev_hash = link.hash.clone().unwrap_or_default();
        self.expected += 1;
        true
    }

    /// The report, given the last position the chain's head has handed
    /// out: events deleted from the end leave the head ahead of the walk.
    #[must_use]
    pub fn finish(mut self, head: u64) -> ChainReport {
        if self.report.broken_at.is_none() && head >= self.expected {
            self.report.broken_at = Some((self.expected, ChainBreak::Missing));
        }
        self.report
    }
}

/// Links read per call while walking a chain.
const WALK_BATCH: u32 = 1000;

/// Verifies one chain of `trail` from its first event, in batches, in
/// constant memory however long the chain, and reports the first position
/// where it breaks.
///
/// # Errors
/// Storage failures (a broken chain is a report, not an error).
pub async fn verify_chain(trail: &dyn AuditTrail, workspace: Option<WorkspaceId>) -> DomainResult<ChainReport> {
    let mut walk = ChainWalk::new(workspace);
    loop {
        let batch = trail.chain_links(workspace, walk.next_position(), WALK_BATCH).await?;
        for link in &batch {
            if !walk.step(link) {
                return Ok(walk.finish(0));
            }
        }
        if batch.len() < WALK_BATCH as usize {
            break;
        }
    }
    let head = trail.chain_head(workspace).await?;
    Ok(walk.finish(head))
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

    /// A well-formed chain of `n` links.
    fn chain(n: i64) -> Vec<ChainLink> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let payload = json!({"n": seq});
                let hash = event_hash(&prev, &ChainedEvent { workspace_seq: seq, ..event(&payload) });
                let e = event(&payload);
                let link = ChainLink {
                    workspace_id: e.workspace_id,
                    workspace_seq: seq,
                    id: e.id,
                    aggregate_type: e.aggregate_type.into(),
                    aggregate_id: e.aggregate_id,
                    event_type: e.event_type.into(),
                    actor_kind: e.actor_kind.into(),
                    actor_id: e.actor_id,
                    request_id: e.request_id.map(Into::into),
                    ip: e.ip.map(Into::into),
                    user_agent: None,
                    occurred_at: e.occurred_at,
                    payload: payload.clone(),
                    prev_hash: Some(prev.clone()),
                    hash: Some(hash.clone()),
                };
                prev = hash;
                link
            })
            .collect()
    }

    fn walk(links: &[ChainLink], head: u64) -> ChainReport {
        let mut walk = ChainWalk::new(None);
        for link in links {
            if !walk.step(link) {
                break;
            }
        }
        walk.finish(head)
    }

    #[test]
    fn an_intact_chain_verifies_to_its_end() {
        let report = walk(&chain(3), 3);
        assert_eq!((report.intact_up_to, report.broken_at), (3, None));
    }

    #[test]
    fn each_kind_of_tampering_is_found_at_its_position() {
        let mut altered = chain(3);
        altered[1].payload = json!({"n": 99});
        assert_eq!(walk(&altered, 3).broken_at, Some((2, ChainBreak::Altered)));
        let mut holed = chain(3);
        holed.remove(1);
        assert_eq!(walk(&holed, 3).broken_at, Some((2, ChainBreak::Missing)));
        let mut relinked = chain(3);
        relinked[2].prev_hash = Some(GENESIS.to_owned());
        assert_eq!(walk(&relinked, 3).broken_at, Some((3, ChainBreak::Relinked)));
        let cut = walk(&chain(2), 3);
        assert_eq!((cut.intact_up_to, cut.broken_at), (2, Some((3, ChainBreak::Missing))), "deleted from the end");
    }
}
