//! The search index and processed versions: one contract for both
//! databases. Documents are written through the repositories, their text
//! recorded as processing records it, and the projections catch up, as the
//! worker does; then the index is asked.

use cabinet_domain::DocumentId;
use cabinet_domain::processing::TextStatus;
use cabinet_domain::processing::{ProcessingRecord, ProcessingRepository as _};
use cabinet_domain::search::SearchIndex as _;
use cabinet_domain::search::{SearchFilters, SearchPage, SearchQuery};

use super::*;

/// What a test document holds.
#[derive(Default)]
struct Doc<'a> {
    name: &'a str,
    text: &'a str,
    tags: &'a [&'a str],
    metadata: &'a [(&'a str, &'a str)],
    content_type: Option<&'a str>,
    author: Option<UserId>,
    updated_at: Option<DateTime<Utc>>,
}

/// Creates a document in `folder` whose first version's text is `spec.text`.
async fn indexed(db: &Database, ws: &Workspace, folder: FolderId, spec: Doc<'_>) -> Document {
    let mut doc = doc_in(ws, folder, spec.name);
    doc.tags = spec.tags.iter().map(|t| (*t).to_owned()).collect();
    doc.metadata = spec.metadata.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    doc.created_by = spec.author;
    if let Some(ct) = spec.content_type {
        doc.content_type = ct.to_owned();
    }
    if let Some(at) = spec.updated_at {
        doc.updated_at = at;
    }
    let mut version = version_of(&doc, 1, &format!("{:x}", Uuid::now_v7().as_u128()));
    version.content_type.clone_from(&doc.content_type);
    let version = held(db, ws.id, version).await;
    let events = [
        event(EventPayload::DocumentCreated {
            workspace_id: ws.id,
            document_id: doc.id,
            folder_id: folder,
            name: doc.name.as_str().into(),
        }),
        version_event(ws.id, &version),
    ];
    db.documents().create(&doc, &version, None, &events).await.expect("created");
    record_text(db, ws.id, doc.id, 1, spec.text).await;
    doc
}

async fn record_text(db: &Database, ws: WorkspaceId, doc: DocumentId, version: u32, text: &str) {
    let record = ProcessingRecord { text_status: TextStatus::Extracted, text, detail: None, thumbnail: None };
    let processed = event(EventPayload::VersionProcessed {
        workspace_id: ws,
        document_id: doc,
        number: version,
        text: TextStatus::Extracted,
        thumbnail: false,
    });
    assert!(db.processing().record(ws, doc, version, record, now(), &processed).await.expect("recorded"));
}

async fn caught_up(db: &Database) {
    while super::projector(db).catch_up(500).await.expect("projected") > 0 {}
}

async fn find(db: &Database, ws: WorkspaceId, query: &str, filters: SearchFilters) -> Vec<String> {
    caught_up(db).await;
    let query = SearchQuery::parse(query).expect("query");
    let page = SearchPage::new(0, Some(50)).expect("page");
    let hits = db.search().search(ws, &query, &filters, page).await.expect("searched");
    hits.into_iter().map(|h| h.name).collect()
}

async fn words(db: &Database, ws: WorkspaceId, query: &str) -> Vec<String> {
    find(db, ws, query, SearchFilters::default()).await
}

const FILLER: &str = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor";

async fn search_ranks_names_over_text_and_more_mentions_higher(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let root = ws.root_folder_id;
    indexed(db, &ws, root, Doc { name: "once", text: &format!("falcon {FILLER} {FILLER}"), ..Doc::default() }).await;
    let thrice = format!("falcon {FILLER} falcon {FILLER} falcon");
    indexed(db, &ws, root, Doc { name: "thrice", text: &thrice, ..Doc::default() }).await;
    indexed(db, &ws, root, Doc { name: "falcon plan.txt", text: FILLER, ..Doc::default() }).await;
    indexed(db, &ws, root, Doc { name: "tagged", text: FILLER, tags: &["falcon"], ..Doc::default() }).await;
    indexed(db, &ws, root, Doc { name: "unrelated", text: FILLER, ..Doc::default() }).await;
    assert_eq!(words(db, ws.id, "falcon").await, ["falcon plan.txt", "tagged", "thrice", "once"]);
}

async fn search_matches_phrases_prefixes_stems_and_exclusions(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let root = ws.root_folder_id;
    indexed(db, &ws, root, Doc { name: "a", text: "the red kite flew over quarries", ..Doc::default() }).await;
    indexed(db, &ws, root, Doc { name: "b", text: "a kite painted red", ..Doc::default() }).await;
    indexed(db, &ws, root, Doc { name: "c", text: "kitesurfing lessons", ..Doc::default() }).await;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(words(db, ws.id, "\"red kite\"").await, ["a"]);
    assert_eq!(sorted(words(db, ws.id, "red kite").await), ["a", "b"]);
    assert_eq!(sorted(words(db, ws.id, "kite*").await), ["a", "b", "c"]);
    assert_eq!(words(db, ws.id, "kite -flew").await, ["b"]);
    assert_eq!(words(db, ws.id, "kite -\"red kite\"").await, ["b"]);
    // Stemming: "quarry" finds "quarries", "flying" does not find "flew" (no lemmas).
    assert_eq!(words(db, ws.id, "quarry").await, ["a"]);
    assert!(words(db, ws.id, "kites").await.len() == 2, "plural stems to the singular");
    // Punctuation and operators from the query are words or nothing, never syntax.
    assert!(words(db, ws.id, "kite) OR (1=1 \"--").await.is_empty());
}

async fn search_filters_by_folder_subtree_tag_type_author_and_date(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let bob = user_in(db, "bob@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let root = ws.root_folder_id;
    let projects = new_folder(db, &ws, root, "projects").await;
    let deep = new_folder(db, &ws, projects.id, "deep").await;
    let old = now() - TimeDelta::days(30);
    let spec = |name| Doc { name, text: "orchid survey", ..Doc::default() };
    indexed(db, &ws, root, Doc { tags: &["Botany"], author: Some(alice.id), ..spec("top") }).await;
    indexed(db, &ws, projects.id, Doc { content_type: Some("application/pdf"), ..spec("mid") }).await;
    indexed(db, &ws, deep.id, Doc { content_type: Some("image/png"), author: Some(bob.id), ..spec("low") }).await;
    indexed(db, &ws, root, Doc { updated_at: Some(old), ..spec("old") }).await;
    let with = |f: SearchFilters| f;
    let found = |f| async move {
        let mut names = find(db, ws.id, "orchid", f).await;
        names.sort();
        names
    };
    assert_eq!(found(with(SearchFilters { folder: Some(projects.id), ..Default::default() })).await, ["low", "mid"]);
    assert_eq!(found(with(SearchFilters { folder: Some(deep.id), ..Default::default() })).await, ["low"]);
    assert_eq!(found(with(SearchFilters { tag: Some("botany".into()), ..Default::default() })).await, ["top"]);
    let pdf = SearchFilters { content_type: Some("application/pdf".into()), ..Default::default() };
    assert_eq!(found(pdf).await, ["mid"]);
    let images = SearchFilters { content_type: Some("image/*".into()), ..Default::default() };
    assert_eq!(found(images).await, ["low"]);
    assert_eq!(found(with(SearchFilters { author: Some(bob.id), ..Default::default() })).await, ["low"]);
    let recent = SearchFilters { updated_from: Some(now() - TimeDelta::days(1)), ..Default::default() };
    assert_eq!(found(recent).await, ["low", "mid", "top"]);
    let before = SearchFilters { updated_to: Some(now() - TimeDelta::days(1)), ..Default::default() };
    assert_eq!(found(before).await, ["old"]);
}

async fn search_stays_in_its_workspace_and_out_of_the_trash(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let bob = user_in(db, "bob@example.com").await;
    let a = workspace_owned_by(db, alice.id).await;
    let b = workspace_owned_by(db, bob.id).await;
    let mine = indexed(db, &a, a.root_folder_id, Doc { name: "mine", text: "heron migration", ..Doc::default() }).await;
    indexed(db, &b, b.root_folder_id, Doc { name: "theirs", text: "heron migration", ..Doc::default() }).await;
    let folder = new_folder(db, &a, a.root_folder_id, "archive").await;
    indexed(db, &a, folder.id, Doc { name: "filed", text: "heron nests", ..Doc::default() }).await;
    let mut sorted = words(db, a.id, "heron").await;
    sorted.sort();
    assert_eq!(sorted, ["filed", "mine"]);
    assert_eq!(words(db, b.id, "heron").await, ["theirs"]);

    let trashed = event(EventPayload::DocumentTrashed { workspace_id: a.id, document_id: mine.id });
    db.documents().trash(a.id, mine.id, now(), &[trashed]).await.expect("trashed");
    let folder_trashed = event(EventPayload::FolderTrashed { workspace_id: a.id, folder_id: folder.id });
    db.folders().trash(a.id, folder.id, now(), &[folder_trashed]).await.expect("folder trashed");
    assert!(words(db, a.id, "heron").await.is_empty(), "documents in the trash, alone or with their folder");
    let restored = event(EventPayload::DocumentRestored { workspace_id: a.id, document_id: mine.id });
    db.documents().restore(a.id, mine.id, &[restored]).await.expect("restored");
    assert_eq!(words(db, a.id, "heron").await, ["mine"]);

    // Purged documents leave the index.
    db.documents().trash(a.id, mine.id, now(), &[]).await.expect("trashed again");
    let purged = event(EventPayload::DocumentPurged { workspace_id: a.id, document_id: mine.id });
    db.documents().purge(a.id, mine.id, now(), &[purged]).await.expect("purged");
    caught_up(db).await;
    let left = count(db, "SELECT COUNT(*) FROM version_content").await;
    assert_eq!(left, 3, "the purged version's record stays until its thumbnail is collected");
    assert!(db.processing().orphaned_thumbnails(10).await.expect("orphans").is_empty());
    assert_eq!(count(db, "SELECT COUNT(*) FROM version_content").await, 2, "records without a thumbnail go at once");
}

async fn a_deleted_workspace_leaves_the_index(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let kept = workspace_owned_by(db, alice.id).await;
    indexed(db, &ws, ws.root_folder_id, Doc { name: "gone", text: "ibis", ..Doc::default() }).await;
    indexed(db, &kept, kept.root_folder_id, Doc { name: "kept", text: "ibis", ..Doc::default() }).await;
    caught_up(db).await;
    let rows = if db.backend() == sea_orm::DatabaseBackend::Postgres {
        "SELECT COUNT(*) FROM search_documents"
    } else {
        "SELECT COUNT(*) FROM search_rows"
    };
    assert_eq!(count(db, rows).await, 2);
    let deleted = event(EventPayload::WorkspaceDeleted { workspace_id: ws.id });
    db.workspaces().delete(ws.id, &[deleted]).await.expect("deleted");
    caught_up(db).await;
    assert_eq!(count(db, rows).await, 1, "only the other workspace's document is left");
    assert_eq!(words(db, kept.id, "ibis").await, ["kept"]);
}

async fn search_pages_in_rank_order(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    for n in 1..=5 {
        let text = format!("{} {FILLER}", "otter ".repeat(n));
        let name = format!("doc {n}");
        indexed(db, &ws, ws.root_folder_id, Doc { name: &name, text: &text, ..Doc::default() }).await;
    }
    caught_up(db).await;
    let query = SearchQuery::parse("otter").expect("query");
    let mut seen = Vec::new();
    for offset in [0, 2, 4] {
        let page = SearchPage::new(offset, Some(2)).expect("page");
        let hits = db.search().search(ws.id, &query, &SearchFilters::default(), page).await.expect("page");
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score), "best first within a page");
        seen.extend(hits.into_iter().map(|h| h.name));
    }
    assert_eq!(seen, ["doc 5", "doc 4", "doc 3", "doc 2", "doc 1"]);
}

async fn rebuilding_the_projections_rebuilds_the_index(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let doc = indexed(db, &ws, ws.root_folder_id, Doc { name: "notes", text: "walrus tusks", ..Doc::default() }).await;
    assert_eq!(words(db, ws.id, "walrus").await, ["notes"]);
    // A newer processed version's words replace the older ones.
    let v2 = held(db, ws.id, version_of(&doc, 2, "b2")).await;
    db.documents().add_version(ws.id, &v2, None, &[version_event(ws.id, &v2)]).await.expect("version 2");
    caught_up(db).await;
    assert_eq!(words(db, ws.id, "walrus").await, ["notes"], "until version 2 is processed, version 1's words");
    record_text(db, ws.id, doc.id, 2, "narwhal horns").await;
    assert!(words(db, ws.id, "walrus").await.is_empty());
    let jobs = count(db, "SELECT COUNT(*) FROM jobs WHERE kind = 'document.process'").await;
    // Version 1 was recorded before the projections saw it: no job for it.
    assert_eq!(jobs, 1, "a job for the version that was not processed yet");

    db.connection()
        .execute_unprepared(if db.backend() == sea_orm::DatabaseBackend::Postgres {
            "DELETE FROM search_documents"
        } else {
            "DELETE FROM search_fts"
        })
        .await
        .expect("index emptied");
    assert!(words(db, ws.id, "narwhal").await.is_empty());
    super::projector(db).rebuild().await.expect("rebuilt");
    assert_eq!(words(db, ws.id, "narwhal").await, ["notes"]);
    let jobs = count(db, "SELECT COUNT(*) FROM jobs WHERE kind = 'document.process'").await;
    assert_eq!(jobs, 1, "processed versions are not processed again");
}

async fn a_version_is_processed_once_and_only_while_it_exists(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let doc = indexed(db, &ws, ws.root_folder_id, Doc { name: "pic", text: "", ..Doc::default() }).await;
    let repo = db.processing();
    let key = BlobKey::new(format!("workspaces/{}/objects/thumb", ws.id));
    let again =
        ProcessingRecord { text_status: TextStatus::Unsupported, text: "", detail: None, thumbnail: Some(&key) };
    let processed = event(EventPayload::VersionProcessed {
        workspace_id: ws.id,
        document_id: doc.id,
        number: 1,
        text: TextStatus::Unsupported,
        thumbnail: true,
    });
    assert!(!repo.record(ws.id, doc.id, 1, again.clone(), now(), &processed).await.expect("second"), "once");
    assert!(!repo.record(ws.id, doc.id, 9, again.clone(), now(), &processed).await.expect("no such"), "exists");
    let other = workspace_owned_by(db, alice.id).await;
    assert!(!repo.record(other.id, doc.id, 1, again, now(), &processed).await.expect("other"), "its workspace");
    let stored = repo.get(ws.id, doc.id, 1).await.expect("read").expect("recorded");
    assert_eq!((stored.text_status, stored.thumbnail), (TextStatus::Extracted, None));
    assert!(repo.get(other.id, doc.id, 1).await.expect("read").is_none(), "not across workspaces");
    assert_eq!(events_of_type(db, "document.version_processed.v1").await, 1);
}

contract!(
    search_ranks_names_over_text_and_more_mentions_higher,
    search_matches_phrases_prefixes_stems_and_exclusions,
    search_filters_by_folder_subtree_tag_type_author_and_date,
    search_stays_in_its_workspace_and_out_of_the_trash,
    search_pages_in_rank_order,
    a_deleted_workspace_leaves_the_index,
    rebuilding_the_projections_rebuilds_the_index,
    a_version_is_processed_once_and_only_while_it_exists,
);
