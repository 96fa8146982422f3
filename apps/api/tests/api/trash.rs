//! The trash: delete, list, restore.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, problem, spawn_app};

async fn setup(app: &TestApp, token: &str) -> (String, String) {
    let ws =
        json_of(app.post("/api/v1/workspaces", Some(token), json!({"name": "T"})).await, StatusCode::CREATED).await;
    (ws["id"].as_str().expect("id").to_owned(), ws["root_folder_id"].as_str().expect("root").to_owned())
}

fn names(v: &Value) -> Vec<String> {
    v["items"].as_array().expect("items").iter().map(|i| i["name"].as_str().expect("name").to_owned()).collect()
}

#[tokio::test]
async fn a_folder_goes_to_the_trash_with_its_content_and_comes_back() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = setup(&app, &alice.access).await;
    let plans = app.folder(&alice.access, &ws, &root, "Plans").await;
    let inner = app.folder(&alice.access, &ws, &plans, "Inner").await;
    let doc = app.upload_file(&alice.access, &ws, &inner, "deep.txt", "deep.txt").await;
    let loose = app.upload_file(&alice.access, &ws, &root, "loose.txt", "loose.txt").await;
    let base = format!("/api/v1/workspaces/{ws}");

    assert_eq!(app.delete(&format!("{base}/documents/{loose}"), &alice.access).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&format!("{base}/folders/{plans}"), &alice.access).await.status(), StatusCode::NO_CONTENT);
    problem(
        app.get(&format!("{base}/documents/{doc}"), &alice.access).await,
        StatusCode::NOT_FOUND,
        "document_not_found",
    )
    .await;
    problem(
        app.get(&format!("{base}/folders/{inner}"), &alice.access).await,
        StatusCode::NOT_FOUND,
        "folder_not_found",
    )
    .await;
    assert!(
        names(&json_of(app.get(&format!("{base}/folders/{root}/children"), &alice.access).await, StatusCode::OK).await)
            .is_empty()
    );

    let trash = json_of(app.get(&format!("{base}/trash"), &alice.access).await, StatusCode::OK).await;
    let mut listed = names(&trash);
    listed.sort();
    assert_eq!(listed, ["Plans", "loose.txt"], "what was inside Plans is not listed on its own");

    // A new folder takes the name; restoring the old one is refused until it is free again.
    let squatter = app.folder(&alice.access, &ws, &root, "plans").await;
    problem(
        app.request(reqwest::Method::POST, &format!("{base}/folders/{plans}/restore"), Some(&alice.access), None).await,
        StatusCode::CONFLICT,
        "name_taken",
    )
    .await;
    assert_eq!(app.delete(&format!("{base}/folders/{squatter}"), &alice.access).await.status(), StatusCode::NO_CONTENT);
    let restored =
        app.request(reqwest::Method::POST, &format!("{base}/folders/{plans}/restore"), Some(&alice.access), None).await;
    assert_eq!(restored.status(), StatusCode::NO_CONTENT);
    let content = app.get(&format!("{base}/documents/{doc}/content"), &alice.access).await;
    assert_eq!(content.bytes().await.expect("body").as_ref(), b"deep.txt", "the content came back with its folder");
    let restored = app
        .request(reqwest::Method::POST, &format!("{base}/documents/{loose}/restore"), Some(&alice.access), None)
        .await;
    assert_eq!(restored.status(), StatusCode::NO_CONTENT);
    let mut back =
        names(&json_of(app.get(&format!("{base}/folders/{root}/children"), &alice.access).await, StatusCode::OK).await);
    back.sort();
    assert_eq!(back, ["Plans", "loose.txt"]);
    let trash = json_of(app.get(&format!("{base}/trash"), &alice.access).await, StatusCode::OK).await;
    assert_eq!(names(&trash), ["plans"], "only the squatter is left in the trash");

    problem(app.delete(&format!("{base}/folders/{root}"), &alice.access).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    problem(
        app.request(reqwest::Method::POST, &format!("{base}/documents/{loose}/restore"), Some(&alice.access), None)
            .await,
        StatusCode::NOT_FOUND,
        "document_not_found",
    )
    .await;
    let events: Vec<String> = app
        .events()
        .await
        .into_iter()
        .map(|e| e.0)
        .filter(|t| t.contains("trashed") || t.contains("restored"))
        .collect();
    assert_eq!(
        events,
        ["document.trashed.v1", "folder.trashed.v1", "folder.trashed.v1", "folder.restored.v1", "document.restored.v1"]
    );
}

#[tokio::test]
async fn a_document_in_a_trashed_folder_cannot_be_restored_alone_and_viewers_cannot_delete() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let vera = app.user("vera@example.com").await;
    let (ws, root) = setup(&app, &alice.access).await;
    app.add_member(&alice.access, &ws, "vera@example.com", "viewer").await;
    let box_ = app.folder(&alice.access, &ws, &root, "Box").await;
    let doc = app.upload_file(&alice.access, &ws, &box_, "in-box.txt", "in-box.txt").await;
    let base = format!("/api/v1/workspaces/{ws}");
    problem(app.delete(&format!("{base}/documents/{doc}"), &vera.access).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    problem(app.delete(&format!("{base}/folders/{box_}"), &vera.access).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    assert_eq!(app.delete(&format!("{base}/documents/{doc}"), &alice.access).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&format!("{base}/folders/{box_}"), &alice.access).await.status(), StatusCode::NO_CONTENT);
    problem(
        app.request(reqwest::Method::POST, &format!("{base}/documents/{doc}/restore"), Some(&alice.access), None).await,
        StatusCode::NOT_FOUND,
        "folder_not_found",
    )
    .await;
    let trash = json_of(app.get(&format!("{base}/trash"), &vera.access).await, StatusCode::OK).await;
    let mut listed = names(&trash);
    listed.sort();
    assert_eq!(listed, ["Box", "in-box.txt"], "trashed separately, listed separately");
    // Restoring the folder does not bring back what was trashed before it.
    assert_eq!(
        app.request(reqwest::Method::POST, &format!("{base}/folders/{box_}/restore"), Some(&alice.access), None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    problem(
        app.get(&format!("{base}/documents/{doc}"), &alice.access).await,
        StatusCode::NOT_FOUND,
        "document_not_found",
    )
    .await;
    assert_eq!(
        app.request(reqwest::Method::POST, &format!("{base}/documents/{doc}/restore"), Some(&alice.access), None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
}

/// Where the content of a document's current version is stored.
async fn key_of(app: &TestApp, token: &str, ws: &str, doc: &str) -> cabinet_domain::documents::BlobKey {
    use cabinet_domain::documents::BlobLedger as _;
    let body = json_of(app.get(&format!("/api/v1/workspaces/{ws}/documents/{doc}"), token).await, StatusCode::OK).await;
    let digest = cabinet_domain::documents::Sha256::parse(body["current_version"]["sha256"].as_str().expect("digest"))
        .expect("digest");
    let ws = cabinet_domain::WorkspaceId::from_uuid(ws.parse().expect("uuid"));
    app.database().await.blob_ledger().blob_key(ws, &digest).await.expect("lookup").expect("recorded")
}

async fn stored(app: &TestApp, key: &cabinet_domain::documents::BlobKey) -> bool {
    app.services.blobs.size(key).await.expect("blob store answers").is_some()
}

async fn usage(app: &TestApp, token: &str, ws: &str) -> Value {
    json_of(app.get(&format!("/api/v1/workspaces/{ws}/usage"), token).await, StatusCode::OK).await["bytes"].clone()
}

async fn collect(app: &TestApp) -> cabinet_domain::documents::Collected {
    let actor = cabinet_domain::Actor::system();
    app.services.documents.collect_garbage(&actor, std::time::Duration::ZERO).await.expect("collected")
}

#[tokio::test]
async fn admins_purge_documents_and_content_goes_only_when_nothing_uses_it() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let ed = app.user("ed@example.com").await;
    let (ws, root) = setup(&app, &alice.access).await;
    app.add_member(&alice.access, &ws, "ed@example.com", "editor").await;
    let base = format!("/api/v1/workspaces/{ws}");
    let shared_a = app.upload_file(&alice.access, &ws, &root, "a.txt", "the same bytes").await;
    let shared_b = app.upload_file(&alice.access, &ws, &root, "b.txt", "the same bytes").await;
    let unique = app.upload_file(&alice.access, &ws, &root, "c.txt", "bytes of its own").await;
    let (same, own) =
        (key_of(&app, &alice.access, &ws, &shared_a).await, key_of(&app, &alice.access, &ws, &unique).await);
    assert_eq!(usage(&app, &alice.access, &ws).await, 30);

    problem(
        app.delete(&format!("{base}/trash/documents/{shared_a}"), &alice.access).await,
        StatusCode::NOT_FOUND,
        "document_not_found",
    )
    .await;
    for doc in [&shared_a, &unique] {
        assert_eq!(
            app.delete(&format!("{base}/documents/{doc}"), &alice.access).await.status(),
            StatusCode::NO_CONTENT
        );
    }
    problem(
        app.delete(&format!("{base}/trash/documents/{shared_a}"), &ed.access).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    for doc in [&shared_a, &unique] {
        let purged = app.delete(&format!("{base}/trash/documents/{doc}"), &alice.access).await;
        assert_eq!(purged.status(), StatusCode::NO_CONTENT);
    }
    problem(
        app.request(reqwest::Method::POST, &format!("{base}/documents/{unique}/restore"), Some(&alice.access), None)
            .await,
        StatusCode::NOT_FOUND,
        "document_not_found",
    )
    .await;
    assert!(names(&json_of(app.get(&format!("{base}/trash"), &alice.access).await, StatusCode::OK).await).is_empty());
    assert_eq!(usage(&app, &alice.access, &ws).await, 14, "released content no longer counts");
    assert_eq!(app.blob_count().await, 1);

    // Until collected, released content stays in the store; then only what b.txt uses remains.
    assert!(stored(&app, &own).await);
    let collected = collect(&app).await;
    assert_eq!(collected.blobs, 1, "{collected:?}");
    assert!(!stored(&app, &own).await, "content no version uses is deleted");
    assert!(stored(&app, &same).await, "content b.txt still uses is kept");
    let content = app.get(&format!("{base}/documents/{shared_b}/content"), &alice.access).await;
    assert_eq!(content.text().await.expect("body"), "the same bytes");
    let purges = app.events().await.into_iter().filter(|e| e.0 == "document.purged.v1").count();
    assert_eq!(purges, 2);
}

#[tokio::test]
async fn purging_a_folder_deletes_everything_below_it() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = setup(&app, &alice.access).await;
    let base = format!("/api/v1/workspaces/{ws}");
    let outer = app.folder(&alice.access, &ws, &root, "Outer").await;
    let inner = app.folder(&alice.access, &ws, &outer, "Inner").await;
    let deep = app.upload_file(&alice.access, &ws, &inner, "deep.txt", "deep content").await;
    let digest = key_of(&app, &alice.access, &ws, &deep).await;
    let link = json_of(
        app.post(&format!("{base}/documents/{deep}/shares"), Some(&alice.access), json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    problem(
        app.delete(&format!("{base}/trash/folders/{outer}"), &alice.access).await,
        StatusCode::NOT_FOUND,
        "folder_not_found",
    )
    .await;
    assert_eq!(app.delete(&format!("{base}/folders/{outer}"), &alice.access).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.delete(&format!("{base}/trash/folders/{outer}"), &alice.access).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(names(&json_of(app.get(&format!("{base}/trash"), &alice.access).await, StatusCode::OK).await).is_empty());
    problem(
        app.request(reqwest::Method::POST, &format!("{base}/folders/{inner}/restore"), Some(&alice.access), None).await,
        StatusCode::NOT_FOUND,
        "folder_not_found",
    )
    .await;
    let token = link["token"].as_str().expect("token");
    let opened = app.client.get(app.url(&format!("/s/{token}"))).send().await.expect("sent");
    problem(opened, StatusCode::NOT_FOUND, "share_link_not_found").await;
    assert_eq!(collect(&app).await.blobs, 1);
    assert!(!stored(&app, &digest).await);
    assert_eq!(app.events().await.into_iter().filter(|e| e.0 == "folder.purged.v1").count(), 1);
}
