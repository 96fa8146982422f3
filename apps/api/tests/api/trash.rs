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
