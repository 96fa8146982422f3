//! Folders over HTTP: the tree, breadcrumbs, names, moves and listings.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, problem, spawn_app};

async fn workspace_with_root(app: &TestApp, token: &str) -> (String, String) {
    let ws =
        json_of(app.post("/api/v1/workspaces", Some(token), json!({"name": "Docs"})).await, StatusCode::CREATED).await;
    (ws["id"].as_str().expect("id").to_owned(), ws["root_folder_id"].as_str().expect("root").to_owned())
}

async fn folder(app: &TestApp, token: &str, ws: &str, parent: &str, name: &str) -> String {
    let created = app
        .post(&format!("/api/v1/workspaces/{ws}/folders"), Some(token), json!({"name": name, "parent_id": parent}))
        .await;
    let location = created.headers()["location"].to_str().expect("ascii").to_owned();
    let body = json_of(created, StatusCode::CREATED).await;
    let id = body["id"].as_str().expect("id").to_owned();
    assert_eq!(location, format!("/api/v1/workspaces/{ws}/folders/{id}"));
    assert_eq!(body["kind"], "folder");
    id
}

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(|i| i["name"].as_str().expect("name").to_owned()).collect()
}

#[tokio::test]
async fn folders_nest_with_breadcrumbs_and_unique_names() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace_with_root(&app, &alice.access).await;
    let plans = folder(&app, &alice.access, &ws, &root, "Plans").await;
    let q3 = folder(&app, &alice.access, &ws, &plans, "Q3").await;

    let detail =
        json_of(app.get(&format!("/api/v1/workspaces/{ws}/folders/{q3}"), &alice.access).await, StatusCode::OK).await;
    let crumbs: Vec<&str> =
        detail["breadcrumbs"].as_array().expect("crumbs").iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(crumbs, ["Root", "Plans", "Q3"]);
    assert_eq!(detail["parent_id"].as_str(), Some(plans.as_str()));

    let clash = app
        .post(
            &format!("/api/v1/workspaces/{ws}/folders"),
            Some(&alice.access),
            json!({"name": "plans", "parent_id": root}),
        )
        .await;
    problem(clash, StatusCode::CONFLICT, "name_taken").await;
    for bad in ["", "a/b", "..", "x\u{0}y"] {
        let r = app
            .post(
                &format!("/api/v1/workspaces/{ws}/folders"),
                Some(&alice.access),
                json!({"name": bad, "parent_id": root}),
            )
            .await;
        problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
    let missing_parent = app
        .post(
            &format!("/api/v1/workspaces/{ws}/folders"),
            Some(&alice.access),
            json!({"name": "x", "parent_id": uuid::Uuid::new_v4()}),
        )
        .await;
    problem(missing_parent, StatusCode::NOT_FOUND, "folder_not_found").await;
}

#[tokio::test]
async fn folders_rename_and_move_but_never_into_themselves() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace_with_root(&app, &alice.access).await;
    let a = folder(&app, &alice.access, &ws, &root, "a").await;
    let b = folder(&app, &alice.access, &ws, &a, "b").await;
    let c = folder(&app, &alice.access, &ws, &root, "c").await;
    let url = |id: &str| format!("/api/v1/workspaces/{ws}/folders/{id}");

    problem(app.patch(&url(&a), &alice.access, json!({"parent_id": b})).await, StatusCode::CONFLICT, "folder_cycle")
        .await;
    problem(app.patch(&url(&a), &alice.access, json!({"parent_id": a})).await, StatusCode::CONFLICT, "folder_cycle")
        .await;
    let moved =
        json_of(app.patch(&url(&b), &alice.access, json!({"parent_id": c, "name": "bee"})).await, StatusCode::OK).await;
    assert_eq!(moved["name"], "bee");
    assert_eq!(moved["parent_id"].as_str(), Some(c.as_str()));
    let crumbs: Vec<&str> =
        moved["breadcrumbs"].as_array().expect("crumbs").iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(crumbs, ["Root", "c", "bee"]);
    problem(app.patch(&url(&c), &alice.access, json!({"name": "A"})).await, StatusCode::CONFLICT, "name_taken").await;
    problem(app.patch(&url(&root), &alice.access, json!({"name": "Top"})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    problem(app.patch(&url(&root), &alice.access, json!({"parent_id": c})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
}

#[tokio::test]
async fn children_are_sorted_and_paginated() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace_with_root(&app, &alice.access).await;
    for name in ["delta", "Alpha", "charlie", "Bravo", "echo"] {
        folder(&app, &alice.access, &ws, &root, name).await;
    }
    let base = format!("/api/v1/workspaces/{ws}/folders/{root}/children");
    let all = json_of(app.get(&base, &alice.access).await, StatusCode::OK).await;
    assert_eq!(names(&all), ["Alpha", "Bravo", "charlie", "delta", "echo"]);
    assert!(all["next_cursor"].is_null());

    let mut seen = Vec::new();
    let mut url = format!("{base}?sort=-name&limit=2");
    loop {
        let page = json_of(app.get(&url, &alice.access).await, StatusCode::OK).await;
        seen.extend(names(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("{base}?sort=-name&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["echo", "delta", "charlie", "Bravo", "Alpha"]);

    let newest = json_of(app.get(&format!("{base}?sort=-updated&limit=1"), &alice.access).await, StatusCode::OK).await;
    assert_eq!(names(&newest), ["echo"]);
    problem(
        app.get(&format!("{base}?sort=size"), &alice.access).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    problem(app.get(&format!("{base}?cursor=bm9wZQ"), &alice.access).await, StatusCode::BAD_REQUEST, "invalid_cursor")
        .await;
}

#[tokio::test]
async fn another_tenant_sees_no_folders_and_viewers_cannot_write() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let bob = app.user("bob@example.com").await;
    let vera = app.user("vera@example.com").await;
    let (ws, root) = workspace_with_root(&app, &alice.access).await;
    app.add_member(&alice.access, &ws, "vera@example.com", "viewer").await;
    let a = folder(&app, &alice.access, &ws, &root, "a").await;

    // Bob's own workspace, and Alice's folder addressed through it.
    let (bob_ws, bob_root) = workspace_with_root(&app, &bob.access).await;
    problem(
        app.get(&format!("/api/v1/workspaces/{ws}/folders/{a}"), &bob.access).await,
        StatusCode::NOT_FOUND,
        "workspace_not_found",
    )
    .await;
    problem(
        app.get(&format!("/api/v1/workspaces/{bob_ws}/folders/{a}"), &bob.access).await,
        StatusCode::NOT_FOUND,
        "folder_not_found",
    )
    .await;
    let smuggle = app
        .post(&format!("/api/v1/workspaces/{bob_ws}/folders"), Some(&bob.access), json!({"name": "x", "parent_id": a}))
        .await;
    problem(smuggle, StatusCode::NOT_FOUND, "folder_not_found").await;
    let steal = app
        .patch(&format!("/api/v1/workspaces/{bob_ws}/folders/{bob_root}"), &bob.access, json!({"parent_id": a}))
        .await;
    assert!(steal.status() == StatusCode::FORBIDDEN || steal.status() == StatusCode::NOT_FOUND);
    let cross =
        app.patch(&format!("/api/v1/workspaces/{ws}/folders/{a}"), &alice.access, json!({"parent_id": bob_root})).await;
    problem(cross, StatusCode::NOT_FOUND, "folder_not_found").await;

    json_of(app.get(&format!("/api/v1/workspaces/{ws}/folders/{root}/children"), &vera.access).await, StatusCode::OK)
        .await;
    let write = app
        .post(&format!("/api/v1/workspaces/{ws}/folders"), Some(&vera.access), json!({"name": "v", "parent_id": root}))
        .await;
    problem(write, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn names_that_look_the_same_cannot_sit_side_by_side() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace_with_root(&app, &alice.access).await;
    let path = format!("/api/v1/workspaces/{ws}/folders");
    let made = json_of(
        app.post(&path, Some(&alice.access), json!({"name": "caf\u{e9}", "parent_id": root})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(made["name"], "caf\u{e9}");
    for twin in ["cafe\u{301}", "CAFE\u{301}", "CAF\u{c9}"] {
        let clash = app.post(&path, Some(&alice.access), json!({"name": twin, "parent_id": root})).await;
        problem(clash, StatusCode::CONFLICT, "name_taken").await;
    }
    for invisible in ["caf\u{e9}\u{200f}", "caf\u{61c}\u{e9}", "ca\u{200b}f\u{e9}", "\u{feff}caf\u{e9}"] {
        let refused = app.post(&path, Some(&alice.access), json!({"name": invisible, "parent_id": root})).await;
        problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
    // Documents follow the same rule: a decomposed twin of a file name is taken.
    app.upload_file(&alice.access, &ws, &root, "r\u{e9}sum\u{e9}.txt", "one").await;
    let twin = app
        .client
        .post(app.url(&format!("/api/v1/workspaces/{ws}/folders/{root}/documents?name=re%CC%81sume%CC%81.txt")))
        .bearer_auth(&alice.access)
        .body("two")
        .send()
        .await
        .expect("sent");
    problem(twin, StatusCode::CONFLICT, "name_taken").await;
}
