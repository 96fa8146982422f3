//! Idempotency-Key: retries return the first result, never a duplicate.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, problem, spawn_app};

async fn create_workspace(app: &TestApp, token: &str, key: &str, name: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/workspaces"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&json!({"name": name}))
        .send()
        .await
        .expect("sent")
}

async fn workspace_count(app: &TestApp, token: &str) -> usize {
    json_of(app.get("/api/v1/workspaces", token).await, StatusCode::OK).await["items"].as_array().expect("items").len()
}

#[tokio::test]
async fn a_retried_create_returns_the_first_result() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let first = create_workspace(&app, &alice.access, "create-acme-1", "Acme").await;
    assert_eq!(first.headers()["idempotent-replayed"], "false");
    let location = first.headers()["location"].clone();
    let first: Value = json_of(first, StatusCode::CREATED).await;
    let again = create_workspace(&app, &alice.access, "create-acme-1", "Acme").await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"], location);
    let again: Value = json_of(again, StatusCode::CREATED).await;
    assert_eq!(first, again, "the same body, byte for byte");
    assert_eq!(workspace_count(&app, &alice.access).await, 1);

    problem(
        create_workspace(&app, &alice.access, "create-acme-1", "Other").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    problem(
        create_workspace(&app, &alice.access, &"k".repeat(256), "Acme").await,
        StatusCode::BAD_REQUEST,
        "invalid_idempotency_key",
    )
    .await;

    // Keys belong to their caller.
    let bob = app.user("bob@example.com").await;
    json_of(create_workspace(&app, &bob.access, "create-acme-1", "Acme").await, StatusCode::CREATED).await;
    assert_eq!(workspace_count(&app, &bob.access).await, 1);
}

#[tokio::test]
async fn a_refused_request_does_not_keep_its_key() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    problem(
        create_workspace(&app, &alice.access, "k-1", "").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fixed = create_workspace(&app, &alice.access, "k-1", "Fixed").await;
    assert_eq!(fixed.status(), StatusCode::CREATED, "the corrected retry runs");
}

#[tokio::test]
async fn concurrent_retries_create_once() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let attempts = (0..10).map(|_| create_workspace(&app, &alice.access, "same-key", "Once"));
    let responses = futures::future::join_all(attempts).await;
    for r in &responses {
        assert!(r.status() == StatusCode::CREATED || r.status() == StatusCode::CONFLICT, "{}", r.status());
    }
    assert_eq!(workspace_count(&app, &alice.access).await, 1);
}

#[tokio::test]
async fn a_retried_upload_makes_one_document() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let ws = json_of(
        app.post("/api/v1/workspaces", Some(&alice.access), json!({"name": "Docs"})).await,
        StatusCode::CREATED,
    )
    .await;
    let url = app.url(&format!(
        "/api/v1/workspaces/{}/folders/{}/documents?name=retry.txt",
        ws["id"].as_str().expect("id"),
        ws["root_folder_id"].as_str().expect("root")
    ));
    let upload = || {
        app.client.post(&url).bearer_auth(&alice.access).header("idempotency-key", "upload-1").body("same bytes").send()
    };
    let first = json_of(upload().await.expect("sent"), StatusCode::CREATED).await;
    let second = upload().await.expect("sent");
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second = json_of(second, StatusCode::CREATED).await;
    assert_eq!(first["id"], second["id"]);
    let created = app.events().await.iter().filter(|e| e.0 == "document.created.v1").count();
    assert_eq!(created, 1, "no second document and no second version");
}

#[tokio::test]
async fn a_failure_is_not_replayed_once_its_cause_is_gone() {
    let broken = tempfile::tempdir().expect("tempdir");
    let store = broken.path().join("blobs");
    let path = store.clone();
    // A local folder on either backend: the test breaks it, and mends it.
    let app = crate::helpers::spawn_app_with(move |s| {
        s.storage.backend = cabinet_bootstrap::StorageBackend::Local;
        s.storage.path = Some(path);
    })
    .await;
    // A file where the blob folder should be: every write fails.
    std::fs::remove_dir_all(&store).expect("the store's folder");
    std::fs::write(&store, "not a folder").expect("file");
    let alice = app.user("alice@example.com").await;
    let ws =
        json_of(app.post("/api/v1/workspaces", Some(&alice.access), json!({"name": "W"})).await, StatusCode::CREATED)
            .await;
    let (id, root) = (ws["id"].as_str().expect("id"), ws["root_folder_id"].as_str().expect("root"));
    let upload = || {
        app.client
            .post(app.url(&format!("/api/v1/workspaces/{id}/folders/{root}/documents?name=a.txt")))
            .bearer_auth(&alice.access)
            .header("idempotency-key", "upload-a-1")
            .body("words")
            .send()
    };
    let failed = upload().await.expect("sent");
    assert!(failed.status().is_server_error(), "the store is broken: {}", failed.status());
    std::fs::remove_file(&store).expect("fix the store");
    std::fs::create_dir(&store).expect("folder");
    let retried = upload().await.expect("sent");
    assert_eq!(retried.headers()["idempotent-replayed"], "false", "the failure was not kept");
    json_of(retried, StatusCode::CREATED).await;
    let replayed = upload().await.expect("sent");
    assert_eq!(replayed.headers()["idempotent-replayed"], "true", "the success is");
}
