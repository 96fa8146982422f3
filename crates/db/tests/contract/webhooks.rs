//! Webhook endpoints, their outbox cursor and their deliveries, on SQLite
//! and PostgreSQL.

use cabinet_domain::jobs::{Job, NewJob};
use cabinet_domain::webhooks::{Delivery, DeliveryStatus, OutboxEvent, WebhookEndpoint, WebhookRepository as _};
use cabinet_domain::{DeliveryId, JobId, WebhookId};

use super::*;

fn endpoint(ws: &Workspace) -> WebhookEndpoint {
    WebhookEndpoint {
        id: WebhookId::from_uuid(Uuid::now_v7()),
        workspace_id: ws.id,
        url: "https://hooks.example.com/cabinet".into(),
        description: "CI".into(),
        event_types: Vec::new(),
        secret: "whsec_test".into(),
        active: true,
        disabled_reason: None,
        consecutive_failures: 0,
        breaker_until: None,
        failing_since: None,
        created_by: None,
        created_at: now(),
        updated_at: now(),
    }
}

fn delivery(hook: &WebhookEndpoint, event: &OutboxEvent) -> Delivery {
    Delivery {
        id: DeliveryId::from_uuid(Uuid::now_v7()),
        endpoint_id: hook.id,
        workspace_id: hook.workspace_id,
        event_id: event.id,
        event_type: event.event_type.clone(),
        body: event.payload.clone(),
        status: DeliveryStatus::Pending,
        attempts: 0,
        response_status: None,
        response_body: None,
        error: None,
        duration_ms: None,
        last_attempt_at: None,
        created_at: now(),
    }
}

fn job_for(delivery: &Delivery) -> Job {
    NewJob {
        id: JobId::from_uuid(Uuid::now_v7()),
        kind: cabinet_domain::webhooks::DELIVER_JOB.to_owned(),
        payload: format!("{{\"delivery_id\":\"{}\"}}", delivery.id),
        run_at: now(),
        max_attempts: 3,
    }
    .queued(now())
}

async fn rename(db: &Database, ws: WorkspaceId, to: &str) {
    let name = WorkspaceName::parse(to).expect("name");
    db.workspaces().rename(ws, &name, now(), &[renamed(ws, to)]).await.expect("renamed");
}

async fn webhook_outboxes_hand_each_event_to_one_dispatcher(db: &Database) {
    let ws = chained_workspace(db, 1).await;
    let repo = db.webhooks();
    let hook = endpoint(&ws);
    repo.create(&hook, &[]).await.expect("created");
    assert_eq!(repo.get(ws.id, hook.id).await.expect("read").map(|h| h.url), Some(hook.url.clone()));
    assert_eq!(repo.list(ws.id).await.expect("listed").iter().map(|h| h.id).collect::<Vec<_>>(), [hook.id]);
    let stranger = chained_workspace(db, 0).await;
    assert!(repo.get(stranger.id, hook.id).await.expect("read").is_none(), "not across workspaces");

    // Only events after its creation reach its outbox, in chain order.
    assert!(repo.outbox(hook.id, 10).await.expect("outbox").1.is_empty(), "what came before is not offered");
    for name in ["One", "Two", "Three"] {
        rename(db, ws.id, name).await;
    }
    assert!(repo.lagging(10).await.expect("lagging").iter().any(|h| h.id == hook.id));
    let (from, events) = repo.outbox(hook.id, 10).await.expect("outbox");
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.event_type == "workspace.renamed.v1"));
    assert!(events.windows(2).all(|w| w[0].chain_seq < w[1].chain_seq), "in chain order");
    let to = events.last().expect("events").chain_seq;

    // Two dispatchers holding the same cursor: exactly one stores its deliveries.
    let offer = || {
        let deliveries: Vec<Delivery> = events.iter().map(|e| delivery(&hook, e)).collect();
        let jobs: Vec<Job> = deliveries.iter().map(job_for).collect();
        (deliveries, jobs)
    };
    let ((first, first_jobs), (second, second_jobs)) = (offer(), offer());
    let (a, b) = futures::join!(
        repo.dispatch(hook.id, from, to, &first, &first_jobs),
        repo.dispatch(hook.id, from, to, &second, &second_jobs)
    );
    assert_eq!([a.expect("dispatched"), b.expect("dispatched")].iter().filter(|won| **won).count(), 1);
    let stored = repo.deliveries(hook.id, 10).await.expect("deliveries");
    assert_eq!(stored.len(), 3, "each event delivered once");
    assert_eq!(count(db, "SELECT COUNT(*) FROM jobs WHERE kind = 'webhook.deliver'").await, 3);
    assert!(!repo.lagging(10).await.expect("lagging").iter().any(|h| h.id == hook.id), "caught up");
    assert!(
        !repo.dispatch(hook.id, from, to, &first, &first_jobs).await.expect("stale"),
        "a stale cursor stores nothing"
    );

    // Attempts are on record before their request goes out.
    let (one, started) = (&stored[0], now());
    repo.start_attempt(one.id, 1, started).await.expect("started");
    let (logged, owner) = repo.delivery(one.id).await.expect("read").expect("there");
    assert_eq!((logged.attempts, logged.last_attempt_at, owner.id), (1, Some(started), hook.id));

    // Deleting the endpoint takes its deliveries with it.
    assert!(repo.delete(ws.id, hook.id, &[]).await.expect("deleted"));
    assert!(repo.get(ws.id, hook.id).await.expect("read").is_none());
    assert!(repo.delivery(one.id).await.expect("read").is_none());
    assert!(!repo.delete(ws.id, hook.id, &[]).await.expect("again"), "nothing left to delete");
}

async fn attempts_count_against_an_endpoint_atomically(db: &Database) {
    let ws = chained_workspace(db, 0).await;
    let repo = db.webhooks();
    let hook = endpoint(&ws);
    repo.create(&hook, &[]).await.expect("created");
    let first = now();
    let failures = (0..5).map(|_| repo.count_attempt(hook.id, false, first));
    futures::future::join_all(failures).await.into_iter().for_each(|r| {
        r.expect("counted");
    });
    let failing = repo.get(ws.id, hook.id).await.expect("read").expect("there");
    assert_eq!((failing.consecutive_failures, failing.failing_since), (5, Some(first)), "no failure lost");
    let later = first + TimeDelta::minutes(5);
    let after = repo.count_attempt(hook.id, false, later).await.expect("counted");
    assert_eq!((after.consecutive_failures, after.failing_since), (6, Some(first)), "the outage clock keeps running");
    let healed = repo.count_attempt(hook.id, true, later).await.expect("counted");
    assert_eq!((healed.consecutive_failures, healed.failing_since), (0, None), "a success clears the run");
    let missing = repo.count_attempt(WebhookId::from_uuid(Uuid::now_v7()), true, later).await;
    assert!(matches!(missing, Err(DomainError::NotFound(Entity::Webhook))), "{missing:?}");

    // A half-open circuit lets one probe through.
    let mut open = healed.clone();
    open.breaker_until = Some(first);
    repo.update(&open, &[]).await.expect("breaker opened");
    let until = later + TimeDelta::minutes(1);
    let probes = futures::future::join_all((0..4).map(|_| repo.claim_probe(hook.id, later, until))).await;
    assert_eq!(probes.into_iter().filter(|p| *p.as_ref().expect("claimed")).count(), 1, "one probe");
}

contract!(webhook_outboxes_hand_each_event_to_one_dispatcher, attempts_count_against_an_endpoint_atomically);
