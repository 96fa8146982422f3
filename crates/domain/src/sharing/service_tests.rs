use std::sync::Arc;

use mockall::predicate::eq;
use uuid::Uuid;

use super::*;
use crate::Role;
use crate::actor::ActorKind;
use crate::documents::{Download, RangeSpec, Sha256};
use crate::documents::{MockBlobLedger, MockBlobStore, MockDocumentRepository};
use crate::identity::PasswordCheck;
use crate::identity::PasswordHash;
use crate::identity::{Counter, MockPasswordHasher, MockRateLimiter};
use crate::sharing::DownloadCharge;
use crate::sharing::LinkGone;
use crate::sharing::MockShareLinkRepository;
use crate::system::MockSecretGenerator;
use crate::system::TokenHash;
use crate::testkit::{self, block_on, membership, now, user_actor};
use crate::workspaces::MockWorkspaceRepository;
use crate::{Origin, UserId};

const DIGEST: &str = testkit::ABC_DIGEST;
const TOKEN: &str = "cabs_secret";

struct Mocks {
    links: MockShareLinkRepository,
    documents: MockDocumentRepository,
    ledger: MockBlobLedger,
    blobs: MockBlobStore,
    hasher: MockPasswordHasher,
    limiter: MockRateLimiter,
}

impl Mocks {
    fn new() -> Self {
        Self {
            links: MockShareLinkRepository::new(),
            documents: MockDocumentRepository::new(),
            ledger: MockBlobLedger::new(),
            blobs: MockBlobStore::new(),
            hasher: MockPasswordHasher::new(),
            limiter: MockRateLimiter::new(),
        }
    }

    fn service(self, ws: WorkspaceId, user: UserId, role: Role) -> ShareService {
        let mut workspaces = MockWorkspaceRepository::new();
        workspaces.expect_membership().with(eq(ws), eq(user)).returning(move |w, u| Ok(Some(membership(w, u, role))));
        let mut secrets = MockSecretGenerator::new();
        secrets.expect_generate().returning(|prefix| format!("{prefix}secret"));
        secrets.expect_hash().returning(|s| TokenHash::from_hex(format!("hash-of-{s}")));
        ShareService::new(
            SharePorts {
                rt: testkit::runtime(),
                links: Arc::new(self.links),
                documents: Arc::new(self.documents),
                ledger: Arc::new(self.ledger),
                blobs: Arc::new(self.blobs),
                workspaces: Arc::new(workspaces),
                hasher: Arc::new(self.hasher),
                secrets: Arc::new(secrets),
                limiter: Arc::new(self.limiter),
            },
            ShareSettings { misses_per_ip: 3, password_failures: 2, window: std::time::Duration::from_secs(60) },
        )
    }
}

fn ids() -> (WorkspaceId, UserId, DocumentId) {
    (WorkspaceId::from_uuid(Uuid::new_v4()), UserId::from_uuid(Uuid::new_v4()), DocumentId::from_uuid(Uuid::new_v4()))
}

fn document(ws: WorkspaceId, id: DocumentId) -> Document {
    Document { content_type: "application/pdf".into(), ..testkit::document(ws, id, 2, "report.pdf") }
}

fn version(doc: DocumentId, number: u32) -> DocumentVersion {
    DocumentVersion { content_type: "application/pdf".into(), ..testkit::version(doc, number, "report.pdf") }
}

fn link(ws: WorkspaceId, doc: DocumentId) -> ShareLink {
    ShareLink {
        id: ShareLinkId::from_uuid(Uuid::new_v4()),
        workspace_id: ws,
        document_id: doc,
        version: None,
        token_hash: TokenHash::from_hex(format!("hash-of-{TOKEN}")),
        password_hash: None,
        expires_at: None,
        max_downloads: None,
        downloads: 0,
        created_by: None,
        created_at: now(),
        revoked_at: None,
    }
}

fn visitor() -> Actor {
    Actor::anonymous(Origin { request_id: None, ip: Some("192.0.2.7".parse().expect("ip")), user_agent: None })
}

/// A limiter whose counters are all empty, expecting no hits.
fn quiet_limiter(limiter: &mut MockRateLimiter) {
    limiter.expect_peek().returning(|_| Ok(None));
    limiter.expect_hit().never();
}

/// Documents with `doc` live at version 2, both versions readable.
fn live_document(documents: &mut MockDocumentRepository, ws: WorkspaceId, doc: DocumentId) {
    documents.expect_get().with(eq(ws), eq(doc)).returning(|w, d| Ok(Some(document(w, d))));
    documents.expect_version().returning(|_, d, n| Ok((n <= 2).then(|| version(d, n))));
}

#[test]
fn a_link_keeps_only_hashes_and_records_what_it_allows() {
    let (ws, me, doc) = ids();
    let mut m = Mocks::new();
    live_document(&mut m.documents, ws, doc);
    m.hasher.expect_hash().times(1).returning(|_| Ok(PasswordHash::from_phc("$argon2id$hashed".into())));
    m.links
        .expect_create()
        .withf(move |l, events| {
            l.token_hash.as_str() == "hash-of-cabs_secret"
                && l.password_hash.as_ref().is_some_and(|h| h.as_phc() == "$argon2id$hashed")
                && l.version == Some(1)
                && l.max_downloads == Some(5)
                && l.created_by == Some(me)
                && matches!(
                    events,
                    [e] if matches!(e.payload, EventPayload::ShareLinkCreated {
                        password_protected: true, max_downloads: Some(5), version: Some(1), ..
                    })
                )
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let new = NewShareLink {
        version: Some(1),
        expires_at: Some(now() + chrono::Duration::days(7)),
        password: Some("a long passphrase".into()),
        max_downloads: Some(5),
    };
    let (link, token) =
        block_on(m.service(ws, me, Role::Editor).create(&user_actor(me), ws, doc, new)).expect("created");
    assert_eq!(token, "cabs_secret");
    assert_eq!(link.downloads, 0);
}

#[test]
fn every_invalid_option_is_reported_at_once_and_nothing_is_stored() {
    let (ws, me, doc) = ids();
    let mut m = Mocks::new();
    m.links.expect_create().never();
    let new = NewShareLink {
        version: None,
        expires_at: Some(now() - chrono::Duration::seconds(1)),
        password: Some("short".into()),
        max_downloads: Some(0),
    };
    let err = block_on(m.service(ws, me, Role::Editor).create(&user_actor(me), ws, doc, new)).expect_err("invalid");
    let DomainError::Invalid(fields) = err else { panic!("{err:?}") };
    let names: Vec<_> = fields.iter().map(|f| f.field).collect();
    assert_eq!(names, ["expires_at", "max_downloads", "password"]);
}

#[test]
fn viewers_cannot_share_and_a_pinned_version_must_exist() {
    let (ws, me, doc) = ids();
    let mut m = Mocks::new();
    m.links.expect_create().never();
    let err = block_on(m.service(ws, me, Role::Viewer).create(&user_actor(me), ws, doc, NewShareLink::default()));
    assert!(matches!(err, Err(DomainError::Forbidden(_))), "{err:?}");

    let mut m = Mocks::new();
    live_document(&mut m.documents, ws, doc);
    m.links.expect_create().never();
    let pinned = NewShareLink { version: Some(9), ..NewShareLink::default() };
    let err = block_on(m.service(ws, me, Role::Editor).create(&user_actor(me), ws, doc, pinned));
    assert!(matches!(err, Err(DomainError::NotFound(Entity::Version))), "{err:?}");
}

#[test]
fn unknown_tokens_are_counted_per_address_and_then_refused_without_a_lookup() {
    let (ws, me, _) = ids();
    let mut m = Mocks::new();
    m.links.expect_find_by_token().times(1).returning(|_| Ok(None));
    m.limiter
        .expect_peek()
        .with(eq("share:miss:ip:192.0.2.7"))
        .returning(|_| Ok(Some(Counter { count: 2, resets_in: std::time::Duration::from_secs(30) })));
    m.limiter
        .expect_hit()
        .with(eq("share:miss:ip:192.0.2.7"), mockall::predicate::always())
        .times(1)
        .returning(|_, _| Ok(Counter { count: 3, resets_in: std::time::Duration::from_secs(30) }));
    let svc = m.service(ws, me, Role::Viewer);
    let err = block_on(svc.open(&visitor(), "cabs_guess", None));
    assert!(matches!(err, Err(DomainError::NotFound(Entity::ShareLink))), "{err:?}");
}

#[test]
fn an_address_over_the_miss_limit_is_throttled() {
    let (ws, me, _) = ids();
    let mut m = Mocks::new();
    m.links.expect_find_by_token().never();
    m.limiter
        .expect_peek()
        .returning(|_| Ok(Some(Counter { count: 3, resets_in: std::time::Duration::from_secs(30) })));
    let err = block_on(m.service(ws, me, Role::Viewer).open(&visitor(), TOKEN, None));
    assert!(matches!(err, Err(DomainError::RateLimited { .. })), "{err:?}");
}

#[test]
fn revoked_expired_and_used_up_links_say_they_are_gone() {
    let (ws, me, doc) = ids();
    let cases = [
        (ShareLink { revoked_at: Some(now()), ..link(ws, doc) }, LinkGone::Revoked),
        (ShareLink { expires_at: Some(now()), ..link(ws, doc) }, LinkGone::Expired),
        (ShareLink { max_downloads: Some(1), downloads: 1, ..link(ws, doc) }, LinkGone::Exhausted),
    ];
    for (stored, expected) in cases {
        let mut m = Mocks::new();
        quiet_limiter(&mut m.limiter);
        m.links.expect_find_by_token().returning(move |_| Ok(Some(stored.clone())));
        m.documents.expect_get().never();
        let err = block_on(m.service(ws, me, Role::Viewer).open(&visitor(), TOKEN, None));
        assert!(matches!(err, Err(DomainError::LinkGone(gone)) if gone == expected), "{err:?}");
    }
}

#[test]
fn a_password_is_asked_for_checked_and_wrong_guesses_are_throttled() {
    let (ws, me, doc) = ids();
    let protected = ShareLink { password_hash: Some(PasswordHash::from_phc("$argon2id$h".into())), ..link(ws, doc) };
    let key = format!("share:password:{}", protected.id);

    let mut m = Mocks::new();
    m.limiter.expect_peek().with(eq(key.clone())).returning(|_| Ok(None));
    m.limiter.expect_peek().returning(|_| Ok(None));
    m.limiter
        .expect_hit()
        .with(eq(key.clone()), mockall::predicate::always())
        .times(1)
        .returning(|_, _| Ok(Counter { count: 1, resets_in: std::time::Duration::from_secs(60) }));
    let stored = protected.clone();
    m.links.expect_find_by_token().returning(move |_| Ok(Some(stored.clone())));
    m.hasher.expect_verify().returning(|p, _| {
        Ok(if p.expose() == "right password" { PasswordCheck::Match } else { PasswordCheck::Mismatch })
    });
    live_document(&mut m.documents, ws, doc);
    let svc = m.service(ws, me, Role::Viewer);
    let err = block_on(svc.open(&visitor(), TOKEN, None));
    assert!(matches!(err, Err(DomainError::SharePasswordRequired)), "{err:?}");
    let err = block_on(svc.open(&visitor(), TOKEN, Some("wrong password".into())));
    assert!(matches!(err, Err(DomainError::SharePasswordWrong)), "{err:?}");
    let shared = block_on(svc.open(&visitor(), TOKEN, Some("right password".into()))).expect("opened");
    assert_eq!(shared.version.number, 2, "an unpinned link serves the current version");

    let mut m = Mocks::new();
    m.limiter
        .expect_peek()
        .with(eq(key))
        .returning(|_| Ok(Some(Counter { count: 2, resets_in: std::time::Duration::from_secs(60) })));
    m.limiter.expect_peek().returning(|_| Ok(None));
    m.links.expect_find_by_token().returning(move |_| Ok(Some(protected.clone())));
    m.hasher.expect_verify().never();
    let err = block_on(m.service(ws, me, Role::Viewer).open(&visitor(), TOKEN, Some("right password".into())));
    assert!(matches!(err, Err(DomainError::RateLimited { .. })), "{err:?}");
}

#[test]
fn every_request_is_charged_its_bytes_and_only_a_copys_start_counts_as_a_download() {
    let (ws, me, doc) = ids();
    let stored = ShareLink { version: Some(1), max_downloads: Some(3), ..link(ws, doc) };
    let link_id = stored.id;
    let mut m = Mocks::new();
    quiet_limiter(&mut m.limiter);
    m.links.expect_find_by_token().returning(move |_| Ok(Some(stored.clone())));
    live_document(&mut m.documents, ws, doc);
    m.links
        .expect_count_download()
        .withf(move |id, charge, at, events| {
            *id == link_id
                && *at == now()
                && *charge == DownloadCharge { bytes: 3, copy_bytes: 3, starts_copy: true }
                && matches!(events, [e] if e.actor.kind == ActorKind::ShareLink
                    && e.actor.id == Some(link_id.as_uuid())
                    && matches!(e.payload, EventPayload::ShareLinkDownloaded { version: 1, .. }))
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.links
        .expect_count_download()
        .withf(move |id, charge, _, events| {
            *id == link_id
                && *charge == DownloadCharge { bytes: 2, copy_bytes: 3, starts_copy: false }
                && events.is_empty()
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.ledger
        .expect_blob_key()
        .withf(move |w, sha| *w == ws && sha.as_str() == DIGEST)
        .returning(|w, _| Ok(Some(crate::documents::BlobKey::new(format!("workspaces/{w}/objects/1")))));
    m.blobs.expect_get().times(2).withf(|key, _| key.as_str().ends_with("/objects/1")).returning(|_, range| {
        Ok(crate::documents::BlobContent { size: 3, range, body: Box::pin(futures::stream::empty()) })
    });
    let svc = m.service(ws, me, Role::Viewer);
    let (_, whole) = block_on(svc.download(&visitor(), TOKEN, None, None, &[])).expect("downloaded");
    assert_eq!(whole.version.number, 1, "a pinned link serves its version");
    let tail = RangeSpec::From { first: 1, last: None };
    let (_, part) = block_on(svc.download(&visitor(), TOKEN, None, Some(tail), &[])).expect("resumed");
    assert!(part.content.is_some_and(|c| c.range.is_some_and(|r| r.start() == 1)));
    let etag = [Sha256::parse(DIGEST).expect("digest")];
    let (_, cached) = block_on(svc.download(&visitor(), TOKEN, None, None, &etag)).expect("not modified");
    assert!(cached.content.is_none(), "a cached copy neither counts nor opens the content");
}

/// A link with one download whose charge the store refuses: what the caller learns.
fn refused_charge(range: Option<RangeSpec>, downloads_recorded: u32) -> DomainResult<(SharedDocument, Download)> {
    let (ws, me, doc) = ids();
    let stored = ShareLink { max_downloads: Some(1), ..link(ws, doc) };
    let mut m = Mocks::new();
    quiet_limiter(&mut m.limiter);
    let found = stored.clone();
    m.links.expect_find_by_token().returning(move |_| Ok(Some(found.clone())));
    live_document(&mut m.documents, ws, doc);
    m.links.expect_count_download().times(1).returning(|_, _, _, _| Ok(false));
    m.links.expect_get().returning(move |_, _| Ok(Some(ShareLink { downloads: downloads_recorded, ..stored.clone() })));
    m.blobs.expect_get().never();
    block_on(m.service(ws, me, Role::Viewer).download(&visitor(), TOKEN, None, range, &[]))
}

#[test]
fn losing_the_last_download_or_the_last_bytes_is_gone_as_used_up() {
    // A concurrent download took the last one.
    let err = refused_charge(None, 1);
    assert!(matches!(err, Err(DomainError::LinkGone(LinkGone::Exhausted))), "{err:?}");
    // A range past what is left of the byte budget, no download counted yet.
    let err = refused_charge(Some(RangeSpec::From { first: 1, last: None }), 0);
    assert!(matches!(err, Err(DomainError::LinkGone(LinkGone::Exhausted))), "{err:?}");
}

#[test]
fn a_trashed_document_is_not_served() {
    let (ws, me, doc) = ids();
    let stored = link(ws, doc);
    let mut m = Mocks::new();
    quiet_limiter(&mut m.limiter);
    m.links.expect_find_by_token().returning(move |_| Ok(Some(stored.clone())));
    m.documents.expect_get().returning(|_, _| Ok(None));
    let err = block_on(m.service(ws, me, Role::Viewer).open(&visitor(), TOKEN, None));
    assert!(matches!(err, Err(DomainError::NotFound(Entity::ShareLink))), "{err:?}");
}
