//! Workspaces, tenant isolation and pagination.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{json_of, problem, spawn_app};

#[tokio::test]
async fn a_workspace_is_created_listed_renamed_and_deleted_by_its_owner() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let created = app.post("/api/v1/workspaces", Some(&alice.access), json!({"name": "  Acme  "})).await;
    let location = created.headers()["location"].to_str().expect("ascii").to_owned();
    let ws = json_of(created, StatusCode::CREATED).await;
    let id = ws["id"].as_str().expect("id");
    assert_eq!(location, format!("/api/v1/workspaces/{id}"));
    assert_eq!(ws["name"], "Acme");
    assert_eq!(ws["role"], "owner");

    let listed = json_of(app.get("/api/v1/workspaces", &alice.access).await, StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 1);
    assert!(listed["next_cursor"].is_null());

    let renamed =
        json_of(app.patch(&location, &alice.access, json!({"name": "Acme Corp"})).await, StatusCode::OK).await;
    assert_eq!(renamed["name"], "Acme Corp");
    assert_eq!(json_of(app.get(&location, &alice.access).await, StatusCode::OK).await["name"], "Acme Corp");

    assert_eq!(app.delete(&location, &alice.access).await.status(), StatusCode::NO_CONTENT);
    problem(app.get(&location, &alice.access).await, StatusCode::NOT_FOUND, "workspace_not_found").await;
}

#[tokio::test]
async fn invalid_names_are_refused_with_the_field() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    for name in ["", "   ", &"x".repeat(101), "tab\there"] {
        let body = problem(
            app.post("/api/v1/workspaces", Some(&alice.access), json!({"name": name})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "name");
    }
}

#[tokio::test]
async fn a_user_of_workspace_a_gets_404_for_everything_of_workspace_b() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let bob = app.user("bob@example.com").await;
    let a = app.workspace(&alice.access, "A").await;
    let alice_id = json_of(app.get("/api/v1/me", &alice.access).await, StatusCode::OK).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let key = json_of(
        app.post(
            &format!("/api/v1/workspaces/{a}/api-keys"),
            Some(&alice.access),
            json!({"name": "ci", "role": "viewer"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.workspace(&bob.access, "B").await;

    let cases: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, format!("/api/v1/workspaces/{a}"), None),
        (Method::PATCH, format!("/api/v1/workspaces/{a}"), Some(json!({"name": "mine now"}))),
        (Method::DELETE, format!("/api/v1/workspaces/{a}"), None),
        (Method::GET, format!("/api/v1/workspaces/{a}/members"), None),
        (
            Method::POST,
            format!("/api/v1/workspaces/{a}/members"),
            Some(json!({"email": "bob@example.com", "role": "owner"})),
        ),
        (Method::PATCH, format!("/api/v1/workspaces/{a}/members/{alice_id}"), Some(json!({"role": "viewer"}))),
        (Method::DELETE, format!("/api/v1/workspaces/{a}/members/{alice_id}"), None),
        (Method::GET, format!("/api/v1/workspaces/{a}/api-keys"), None),
        (Method::POST, format!("/api/v1/workspaces/{a}/api-keys"), Some(json!({"name": "x", "role": "viewer"}))),
        (Method::DELETE, format!("/api/v1/workspaces/{a}/api-keys/{key}"), None),
    ];
    let random = uuid::Uuid::new_v4();
    for (method, path, body) in cases {
        let foreign = problem(
            app.request(method.clone(), &path, Some(&bob.access), body.clone()).await,
            StatusCode::NOT_FOUND,
            "workspace_not_found",
        )
        .await;
        // A workspace that does not exist answers exactly the same.
        let missing_path = path.replace(&a, &random.to_string());
        let missing = problem(
            app.request(method, &missing_path, Some(&bob.access), body).await,
            StatusCode::NOT_FOUND,
            "workspace_not_found",
        )
        .await;
        assert_eq!(foreign["detail"], missing["detail"]);
    }
    // Alice's workspace is untouched.
    let still = json_of(app.get(&format!("/api/v1/workspaces/{a}"), &alice.access).await, StatusCode::OK).await;
    assert_eq!(still["name"], "A");
    let members =
        json_of(app.get(&format!("/api/v1/workspaces/{a}/members"), &alice.access).await, StatusCode::OK).await;
    assert_eq!(members["items"].as_array().expect("items").len(), 1);
    let bobs = json_of(app.get("/api/v1/workspaces", &bob.access).await, StatusCode::OK).await;
    assert_eq!(bobs["items"].as_array().expect("items").len(), 1, "bob lists only his own");
}

#[tokio::test]
async fn workspace_lists_paginate_with_an_opaque_cursor() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(app.workspace(&alice.access, &format!("W{i}")).await);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/workspaces?limit=2".to_owned();
    loop {
        let page = json_of(app.get(&path, &alice.access).await, StatusCode::OK).await;
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|w| w["id"].as_str().expect("id").to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/workspaces?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, created, "every workspace once, in creation order");

    problem(app.get("/api/v1/workspaces?cursor=!!!", &alice.access).await, StatusCode::BAD_REQUEST, "invalid_cursor")
        .await;
    problem(app.get("/api/v1/workspaces?limit=lots", &alice.access).await, StatusCode::BAD_REQUEST, "invalid_query")
        .await;
    // A limit outside the documented range is refused, as the OpenAPI document says.
    for limit in ["0", "201", "1000000"] {
        let refused = problem(
            app.get(&format!("/api/v1/workspaces?limit={limit}"), &alice.access).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(refused["errors"][0]["field"], "limit");
    }
    let most = json_of(app.get("/api/v1/workspaces?limit=200", &alice.access).await, StatusCode::OK).await;
    assert_eq!(most["items"].as_array().expect("items").len(), 5);
}

#[tokio::test]
async fn every_change_leaves_its_event_with_actor_and_request_id() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    app.user("bob@example.com").await;
    let created = app
        .client
        .post(app.url("/api/v1/workspaces"))
        .bearer_auth(&alice.access)
        .header("x-request-id", "create-ws-1")
        .json(&json!({"name": "Acme"}))
        .send()
        .await
        .expect("sent");
    let ws = json_of(created, StatusCode::CREATED).await["id"].as_str().expect("id").to_owned();
    app.patch(&format!("/api/v1/workspaces/{ws}"), &alice.access, json!({"name": "Acme Corp"})).await;
    let bob = app.add_member(&alice.access, &ws, "bob@example.com", "viewer").await;
    app.patch(&format!("/api/v1/workspaces/{ws}/members/{bob}"), &alice.access, json!({"role": "editor"})).await;
    app.delete(&format!("/api/v1/workspaces/{ws}/members/{bob}"), &alice.access).await;
    let key = json_of(
        app.post(
            &format!("/api/v1/workspaces/{ws}/api-keys"),
            Some(&alice.access),
            json!({"name": "k", "role": "viewer"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    app.delete(&format!("/api/v1/workspaces/{ws}/api-keys/{}", key["id"].as_str().expect("id")), &alice.access).await;
    app.delete(&format!("/api/v1/workspaces/{ws}"), &alice.access).await;
    // A refused change leaves nothing behind.
    app.patch(&format!("/api/v1/workspaces/{ws}"), &alice.access, json!({"name": "gone"})).await;

    let events = app.events().await;
    let types: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        types,
        [
            "user.registered.v1",
            "auth.session_started.v1",
            "user.registered.v1",
            "auth.session_started.v1",
            "workspace.created.v1",
            "member.added.v1",
            "folder.created.v1",
            "workspace.renamed.v1",
            "member.added.v1",
            "member.role_changed.v1",
            "member.removed.v1",
            "api_key.created.v1",
            "api_key.revoked.v1",
            "workspace.deleted.v1",
        ]
    );
    let ws_id: uuid::Uuid = ws.parse().expect("uuid");
    for (event_type, actor, request_id, workspace) in &events[4..] {
        assert_eq!(actor, "user", "{event_type}");
        assert!(request_id.is_some(), "{event_type} has a request id");
        assert_eq!(*workspace, Some(ws_id), "{event_type} belongs to the workspace");
    }
    assert_eq!(events[4].2.as_deref(), Some("create-ws-1"));
    assert!(events[..4].iter().all(|e| e.3.is_none()), "account events belong to no workspace");
    assert_eq!(events[0].1, "anonymous", "sign-up is anonymous");
    assert_eq!(events[1].1, "user", "a session start is attributed to its user");
}
