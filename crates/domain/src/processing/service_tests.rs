use std::sync::Arc;

use bytes::Bytes;
use uuid::Uuid;

use super::*;
use crate::Role;
use crate::documents::{BlobKey, BlobWrite, MockBlobLedger, MockBlobStore, MockDocumentRepository, StoredBlob};
use crate::processing::{Analysis, TextStatus, Thumbnail};
use crate::processing::{MockContentAnalyzer, MockProcessingRepository};
use crate::testkit::{self, block_on, member_repo, now, user_actor};

struct Mocks {
    documents: MockDocumentRepository,
    ledger: MockBlobLedger,
    content: MockProcessingRepository,
    blobs: MockBlobStore,
    analyzer: MockContentAnalyzer,
}

impl Mocks {
    fn new() -> Self {
        Self {
            documents: MockDocumentRepository::new(),
            ledger: MockBlobLedger::new(),
            content: MockProcessingRepository::new(),
            blobs: MockBlobStore::new(),
            analyzer: MockContentAnalyzer::new(),
        }
    }

    fn service(self, workspaces: Arc<crate::workspaces::MockWorkspaceRepository>) -> ProcessingService {
        ProcessingService::new(ProcessingPorts {
            rt: testkit::runtime(),
            documents: Arc::new(self.documents),
            ledger: Arc::new(self.ledger),
            content: Arc::new(self.content),
            blobs: Arc::new(self.blobs),
            analyzer: Arc::new(self.analyzer),
            workspaces,
        })
    }
}

fn target() -> VersionRef {
    VersionRef {
        workspace_id: WorkspaceId::from_uuid(Uuid::new_v4()),
        document_id: DocumentId::from_uuid(Uuid::new_v4()),
        version: 2,
    }
}

fn thumb_key(ws: WorkspaceId) -> BlobKey {
    BlobKey::new(format!("workspaces/{ws}/objects/thumb"))
}

fn no_members() -> Arc<crate::workspaces::MockWorkspaceRepository> {
    Arc::new(crate::workspaces::MockWorkspaceRepository::new())
}

/// A version whose content is stored and reads as `abc`, analysed as `analysis`.
fn expect_analysed(m: &mut Mocks, analysis: Analysis) {
    m.content.expect_get().returning(|_, _, _| Ok(None));
    m.documents.expect_version().returning(move |_, doc, n| Ok(Some(testkit::version(doc, n, "report.png"))));
    m.ledger
        .expect_blob_key()
        .returning(move |ws, _| Ok(Some(BlobKey::new(format!("workspaces/{ws}/objects/content")))));
    m.blobs.expect_get().withf(|k, range| k.as_str().ends_with("/content") && range.is_none()).returning(|_, _| {
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![Ok(Bytes::from_static(b"abc"))];
        Ok(BlobContent { size: 3, range: None, body: Box::pin(futures::stream::iter(chunks)) })
    });
    m.analyzer
        .expect_analyze()
        .withf(|_, s| s.filename == "report.png" && s.size == 3)
        .times(1)
        .returning(move |_, _| Ok(analysis.clone()));
}

fn with_thumbnail() -> Analysis {
    Analysis {
        text_status: TextStatus::Unsupported,
        text: String::new(),
        detail: None,
        thumbnail: Some(Thumbnail { png: Bytes::from_static(b"\x89PNG"), width: 1, height: 1 }),
    }
}

fn expect_thumbnail_written(m: &mut Mocks) {
    m.blobs.expect_allocate().times(1).returning(thumb_key);
    m.blobs.expect_open().times(1).returning(|k| Ok(BlobWrite::plain(k)));
    m.ledger.expect_begin_upload().withf(|ws, w, _| w.key == thumb_key(*ws)).times(1).returning(|_, _, _| Ok(()));
    m.blobs
        .expect_write()
        .withf(|w, _, max| w.key.as_str().ends_with("/thumb") && *max == MAX_THUMBNAIL_BYTES)
        .returning(|w, _, _| {
            Ok(StoredBlob {
                key: w.key.clone(),
                sha256: crate::documents::Sha256::parse(testkit::ABC_DIGEST).expect("digest"),
                size: 4,
                sniffed_type: Some("image/png".into()),
            })
        });
}

#[test]
fn a_version_is_analysed_and_recorded_with_its_thumbnail_and_event() {
    let t = target();
    let mut m = Mocks::new();
    expect_analysed(&mut m, with_thumbnail());
    expect_thumbnail_written(&mut m);
    m.content
        .expect_record()
        .withf(move |ws, doc, n, record, at, event| {
            *ws == t.workspace_id
                && *doc == t.document_id
                && *n == 2
                && record.text_status == TextStatus::Unsupported
                && record.thumbnail == Some(&thumb_key(*ws))
                && *at == now()
                && event.payload
                    == EventPayload::VersionProcessed {
                        workspace_id: t.workspace_id,
                        document_id: t.document_id,
                        number: 2,
                        text: TextStatus::Unsupported,
                        thumbnail: true,
                    }
        })
        .times(1)
        .returning(|_, _, _, _, _, _| Ok(true));
    m.blobs.expect_delete().never();
    let done = block_on(m.service(no_members()).process(&Actor::system(), t)).expect("processes");
    let done = done.expect("recorded");
    assert_eq!(done.thumbnail, Some(thumb_key(t.workspace_id)));
}

#[test]
fn a_thumbnail_whose_version_went_away_meanwhile_is_deleted() {
    let t = target();
    let mut m = Mocks::new();
    expect_analysed(&mut m, with_thumbnail());
    expect_thumbnail_written(&mut m);
    m.content.expect_record().times(1).returning(|_, _, _, _, _, _| Ok(false));
    m.blobs.expect_delete().withf(|k| k.as_str().ends_with("/thumb")).times(1).returning(|_| Ok(()));
    m.ledger.expect_end_upload().withf(|k| k.as_str().ends_with("/thumb")).times(1).returning(|_| Ok(()));
    let done = block_on(m.service(no_members()).process(&Actor::system(), t)).expect("processes");
    assert_eq!(done, None);
}

#[test]
fn an_unreadable_file_is_recorded_with_its_reason_and_no_thumbnail() {
    let t = target();
    let mut m = Mocks::new();
    let refused = Analysis::without_text(TextStatus::Refused, Some("declares 10 GB".to_owned()));
    expect_analysed(&mut m, refused);
    m.blobs.expect_allocate().never();
    m.content
        .expect_record()
        .withf(|_, _, _, record, _, _| {
            record.text_status == TextStatus::Refused
                && record.detail == Some("declares 10 GB")
                && record.thumbnail.is_none()
        })
        .times(1)
        .returning(|_, _, _, _, _, _| Ok(true));
    let done = block_on(m.service(no_members()).process(&Actor::system(), t)).expect("processes");
    assert_eq!(done.map(|d| d.text_status), Some(TextStatus::Refused));
}

#[test]
fn a_processed_or_purged_version_is_skipped() {
    let t = target();
    let mut m = Mocks::new();
    m.content.expect_get().times(1).returning(|_, doc, n| {
        Ok(Some(VersionContent {
            document_id: doc,
            version: n,
            text_status: TextStatus::Extracted,
            detail: None,
            text_bytes: 3,
            thumbnail: None,
            processed_at: now(),
        }))
    });
    m.analyzer.expect_analyze().never();
    assert_eq!(block_on(m.service(no_members()).process(&Actor::system(), t)).expect("skips"), None);

    let mut m = Mocks::new();
    m.content.expect_get().returning(|_, _, _| Ok(None));
    m.documents.expect_version().returning(|_, _, _| Ok(None));
    m.analyzer.expect_analyze().never();
    assert_eq!(block_on(m.service(no_members()).process(&Actor::system(), t)).expect("skips"), None);
}

#[test]
fn only_cabinet_processes_versions() {
    let t = target();
    let me = crate::UserId::from_uuid(Uuid::new_v4());
    let mut m = Mocks::new();
    m.analyzer.expect_analyze().never();
    let service = m.service(member_repo(t.workspace_id, me, Role::Owner));
    let err = block_on(service.process(&user_actor(me), t)).expect_err("a person may not");
    assert!(matches!(err, DomainError::Forbidden(_)));
}

#[test]
fn a_viewer_reads_the_current_versions_thumbnail_and_learns_when_there_is_none() {
    let t = target();
    let me = crate::UserId::from_uuid(Uuid::new_v4());
    let mut m = Mocks::new();
    m.documents.expect_get().returning(move |ws, id| Ok(Some(testkit::document(ws, id, 3, "photo.png"))));
    m.content.expect_get().withf(|_, _, n| *n == 3).times(1).returning(|ws, doc, n| {
        Ok(Some(VersionContent {
            document_id: doc,
            version: n,
            text_status: TextStatus::Unsupported,
            detail: None,
            text_bytes: 0,
            thumbnail: Some(thumb_key(ws)),
            processed_at: now(),
        }))
    });
    m.content.expect_get().withf(|_, _, n| *n == 1).times(1).returning(|_, _, _| Ok(None));
    m.blobs.expect_get().withf(|k, _| k.as_str().ends_with("/thumb")).times(1).returning(|_, _| {
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![Ok(Bytes::from_static(b"\x89PNG"))];
        Ok(BlobContent { size: 4, range: None, body: Box::pin(futures::stream::iter(chunks)) })
    });
    let service = m.service(member_repo(t.workspace_id, me, Role::Viewer));
    let actor = user_actor(me);
    let (record, content) =
        block_on(service.thumbnail(&actor, t.workspace_id, t.document_id, None)).expect("has a thumbnail");
    assert_eq!((record.version, content.size), (3, 4));
    let err = block_on(service.thumbnail(&actor, t.workspace_id, t.document_id, Some(1))).expect_err("pending");
    assert!(matches!(err, DomainError::NotFound(Entity::Thumbnail)), "{err:?}");
    let err = block_on(service.thumbnail(&actor, t.workspace_id, t.document_id, Some(4))).expect_err("no such version");
    assert!(matches!(err, DomainError::NotFound(Entity::Version)), "{err:?}");
}
