use std::sync::{Arc, Mutex};

use mockall::predicate::eq;
use uuid::Uuid;

use super::*;
use crate::jobs::MockJobSignal;
use crate::jobs::*;
use crate::testkit::{self, block_on, membership, now, user_actor};
use crate::webhooks::OutboxEvent;
use crate::webhooks::*;
use crate::webhooks::{MockWebhookRepository, MockWebhookSender, WebhookResponse};
use crate::workspaces::MockWorkspaceRepository;
use crate::{Role, UserId};

const SETTINGS: WebhookSettings = WebhookSettings {
    max_attempts: 8,
    retry_base: Duration::from_secs(30),
    retry_cap: Duration::from_secs(7200),
    breaker_threshold: 3,
    breaker_open: Duration::from_secs(60),
    disable_after: Duration::from_secs(86_400),
};

fn endpoint(ws: WorkspaceId) -> WebhookEndpoint {
    WebhookEndpoint {
        id: WebhookId::from_uuid(Uuid::now_v7()),
        workspace_id: ws,
        url: "https://hooks.example.com/in".into(),
        description: String::new(),
        event_types: vec!["document.created.v1".into()],
        secret: "whsec_c2VjcmV0".into(),
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

fn delivery(e: &WebhookEndpoint) -> Delivery {
    let id = DeliveryId::from_uuid(Uuid::now_v7());
    Delivery::pending(id, e, Uuid::now_v7(), "document.created.v1", "{}".into(), now())
}

struct Ports {
    repo: MockWebhookRepository,
    sender: MockWebhookSender,
    signal: MockJobSignal,
    workspaces: MockWorkspaceRepository,
}

impl Ports {
    fn new() -> Self {
        let mut signal = MockJobSignal::new();
        signal.expect_notify().returning(|| ());
        Self {
            repo: MockWebhookRepository::new(),
            sender: MockWebhookSender::new(),
            signal,
            workspaces: MockWorkspaceRepository::new(),
        }
    }

    fn member(mut self, ws: WorkspaceId, user: UserId, role: Role) -> Self {
        self.workspaces
            .expect_membership()
            .with(eq(ws), eq(user))
            .returning(move |w, u| Ok(Some(membership(w, u, role))));
        self
    }

    fn service(self) -> WebhookService {
        WebhookService::new(
            testkit::runtime(),
            Arc::new(self.repo),
            Arc::new(self.sender),
            Arc::new(self.signal),
            Arc::new(self.workspaces),
            SETTINGS,
        )
    }
}

/// Counts attempts as the database does, starting from `e`.
fn counting(repo: &mut MockWebhookRepository, e: &WebhookEndpoint) {
    let state = Arc::new(Mutex::new(e.clone()));
    repo.expect_count_attempt().returning(move |_, ok, at| {
        let mut s = state.lock().expect("lock");
        if ok {
            s.consecutive_failures = 0;
            s.failing_since = None;
            s.breaker_until = None;
        } else {
            s.consecutive_failures += 1;
            s.failing_since.get_or_insert(at);
        }
        Ok(s.clone())
    });
}

/// The endpoint state the last `record` stored.
fn recording(repo: &mut MockWebhookRepository) -> Arc<Mutex<Vec<(Delivery, WebhookEndpoint, usize)>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    repo.expect_start_attempt().returning(|_, _, _| Ok(()));
    repo.expect_record().returning(move |d, e, events| {
        keep.lock().expect("lock").push((d.clone(), e.clone(), events.len()));
        Ok(())
    });
    seen
}

#[test]
fn a_refused_address_is_a_clear_validation_error_and_nothing_is_stored() {
    let (ws, me) = (WorkspaceId::from_uuid(Uuid::now_v7()), UserId::from_uuid(Uuid::now_v7()));
    let mut ports = Ports::new().member(ws, me, Role::Admin);
    ports.sender.expect_check_url().returning(|_| Err(SendFailure::Refused("127.0.0.1 is a loopback address".into())));
    ports.repo.expect_create().never();
    let input =
        WebhookInput { url: "https://localhost.example/x".into(), description: String::new(), event_types: vec![] };
    let err = block_on(ports.service().create(&user_actor(me), ws, input)).expect_err("refused");
    assert!(
        matches!(&err, DomainError::Invalid(f) if f[0].field == "url" && f[0].message.contains("loopback")),
        "{err:?}"
    );
}

#[test]
fn editors_cannot_manage_webhooks() {
    let (ws, me) = (WorkspaceId::from_uuid(Uuid::now_v7()), UserId::from_uuid(Uuid::now_v7()));
    let mut ports = Ports::new().member(ws, me, Role::Editor);
    ports.repo.expect_list().never();
    assert!(matches!(block_on(ports.service().list(&user_actor(me), ws)), Err(DomainError::Forbidden(_))));
}

#[test]
fn a_success_closes_the_breaker_and_records_the_response() {
    let ws = WorkspaceId::from_uuid(Uuid::now_v7());
    let mut e = endpoint(ws);
    e.consecutive_failures = 2;
    e.failing_since = Some(now() - chrono::TimeDelta::minutes(5));
    let d = delivery(&e);
    let mut ports = Ports::new();
    let (dd, ee) = (d.clone(), e.clone());
    ports.repo.expect_delivery().returning(move |_| Ok(Some((dd.clone(), ee.clone()))));
    ports
        .sender
        .expect_send()
        .withf(move |r| r.message_id == d.id.to_string() && r.secret == "whsec_c2VjcmV0")
        .returning(|_| Ok(WebhookResponse { status: 204, body: String::new(), duration_ms: 12 }));
    counting(&mut ports.repo, &e);
    let seen = recording(&mut ports.repo);
    block_on(ports.service().deliver(d.id, 1)).expect("delivered");
    let (stored, endpoint, events) = seen.lock().expect("lock")[0].clone();
    assert_eq!((stored.status, stored.response_status, stored.attempts), (DeliveryStatus::Succeeded, Some(204), 1));
    assert_eq!((endpoint.consecutive_failures, endpoint.failing_since, events), (0, None, 0));
}

#[test]
fn an_attempt_is_on_record_before_its_request_goes_out() {
    let ws = WorkspaceId::from_uuid(Uuid::now_v7());
    let e = endpoint(ws);
    let mut d = delivery(&e);
    d.attempts = 2;
    let mut ports = Ports::new();
    let (dd, ee) = (d.clone(), e.clone());
    ports.repo.expect_delivery().returning(move |_| Ok(Some((dd.clone(), ee.clone()))));
    let order = Arc::new(Mutex::new(Vec::new()));
    let (started, sent) = (order.clone(), order.clone());
    ports.repo.expect_start_attempt().times(1).returning(move |_, n, _| {
        started.lock().expect("lock").push(format!("start {n}"));
        Ok(())
    });
    ports.sender.expect_send().returning(move |_| {
        sent.lock().expect("lock").push("send".to_owned());
        Ok(WebhookResponse { status: 204, body: String::new(), duration_ms: 1 })
    });
    counting(&mut ports.repo, &e);
    ports.repo.expect_record().withf(|d, _, _| d.attempts == 3).times(1).returning(|_, _, _| Ok(()));
    block_on(ports.service().deliver(d.id, 3)).expect("delivered");
    assert_eq!(*order.lock().expect("lock"), ["start 3", "send"]);
}

#[test]
fn failures_in_a_row_open_the_breaker_and_an_open_breaker_defers_without_sending() {
    let ws = WorkspaceId::from_uuid(Uuid::now_v7());
    let mut e = endpoint(ws);
    e.consecutive_failures = 2;
    let d = delivery(&e);
    let mut ports = Ports::new();
    let (dd, ee) = (d.clone(), e.clone());
    ports.repo.expect_delivery().returning(move |_| Ok(Some((dd.clone(), ee.clone()))));
    ports
        .sender
        .expect_send()
        .times(1)
        .returning(|_| Ok(WebhookResponse { status: 500, body: "boom".into(), duration_ms: 3 }));
    counting(&mut ports.repo, &e);
    let seen = recording(&mut ports.repo);
    let err = block_on(ports.service().deliver(d.id, 1)).expect_err("failed");
    assert!(matches!(&err, JobError::Retry(why) if why.contains("500")), "{err:?}");
    let (stored, opened, _) = seen.lock().expect("lock")[0].clone();
    assert_eq!((stored.status, stored.response_body.as_deref()), (DeliveryStatus::Pending, Some("boom")));
    assert_eq!(opened.breaker_until, Some(now() + chrono::TimeDelta::seconds(60)), "the third failure opens it");

    let mut ports = Ports::new();
    let (dd, ee) = (d.clone(), opened.clone());
    ports.repo.expect_delivery().returning(move |_| Ok(Some((dd.clone(), ee.clone()))));
    ports.sender.expect_send().never();
    ports.repo.expect_record().never();
    let err = block_on(ports.service().deliver(d.id, 2)).expect_err("deferred");
    assert!(matches!(err, JobError::Defer { until, .. } if until == now() + chrono::TimeDelta::seconds(60)));
}

#[test]
fn a_day_without_success_turns_the_endpoint_off_with_an_event() {
    let ws = WorkspaceId::from_uuid(Uuid::now_v7());
    let mut e = endpoint(ws);
    e.consecutive_failures = 40;
    e.failing_since = Some(now() - chrono::TimeDelta::hours(25));
    e.breaker_until = Some(now() - chrono::TimeDelta::seconds(1)); // half-open: this is the probe
    let d = delivery(&e);
    let mut ports = Ports::new();
    ports.repo.expect_claim_probe().times(1).returning(|_, _, _| Ok(true));
    let (dd, ee) = (d.clone(), e.clone());
    ports.repo.expect_delivery().returning(move |_| Ok(Some((dd.clone(), ee.clone()))));
    ports
        .sender
        .expect_send()
        .returning(|_| Err(SendFailure::NoResponse { error: "timed out".into(), duration_ms: 10_000 }));
    counting(&mut ports.repo, &e);
    let seen = recording(&mut ports.repo);
    let err = block_on(ports.service().deliver(d.id, 3)).expect_err("failed");
    assert!(matches!(err, JobError::Fatal(_)), "{err:?}");
    let (stored, off, events) = seen.lock().expect("lock")[0].clone();
    assert!(!off.active && off.disabled_reason.as_deref().is_some_and(|r| r.contains("timed out")));
    assert_eq!((stored.status, events), (DeliveryStatus::Failed, 1));
}

#[test]
fn dispatch_turns_wanted_events_into_deliveries_and_moves_the_cursor_past_all() {
    let ws = WorkspaceId::from_uuid(Uuid::now_v7());
    let e = endpoint(ws);
    let mut ports = Ports::new();
    let lagging = e.clone();
    ports.repo.expect_lagging().returning(move |_| Ok(vec![lagging.clone()]));
    let event = |seq: u64, kind: &str| OutboxEvent {
        chain_seq: seq,
        id: Uuid::now_v7(),
        event_type: kind.into(),
        payload: r#"{"x":1}"#.into(),
        occurred_at: now(),
    };
    let events =
        vec![event(5, "document.created.v1"), event(6, "document.trashed.v1"), event(7, "document.created.v1")];
    ports.repo.expect_outbox().with(eq(e.id), eq(50)).returning(move |_, _| Ok((4, events.clone())));
    ports
        .repo
        .expect_dispatch()
        .withf(move |id, from, to, deliveries, jobs| {
            *id == e.id
                && (*from, *to) == (4, 7)
                && deliveries.len() == 2
                && deliveries
                    .iter()
                    .all(|d| d.event_type == "document.created.v1" && d.body.contains(r#""data":{"x":1}"#))
                && jobs.len() == 2
                && jobs.iter().zip(deliveries).all(|(j, d)| j.kind == DELIVER_JOB && delivery_of(j) == Ok(d.id))
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(true));
    assert_eq!(block_on(ports.service().dispatch(&Actor::system(), 50)).expect("dispatched"), 2);
}

#[test]
fn a_half_open_circuit_lets_one_delivery_probe_and_the_others_wait() {
    let ws = WorkspaceId::from_uuid(Uuid::now_v7());
    let mut e = endpoint(ws);
    e.consecutive_failures = 5;
    e.breaker_until = Some(now() - chrono::TimeDelta::seconds(1));
    let d = delivery(&e);
    let mut ports = Ports::new();
    let (dd, ee) = (d.clone(), e.clone());
    ports.repo.expect_delivery().returning(move |_| Ok(Some((dd.clone(), ee.clone()))));
    ports.repo.expect_claim_probe().times(1).returning(|_, _, _| Ok(false));
    ports.sender.expect_send().never();
    let err = block_on(ports.service().deliver(d.id, 2)).expect_err("waits");
    assert!(matches!(err, JobError::Defer { until, .. } if until == now() + chrono::TimeDelta::seconds(60)), "{err:?}");
}
