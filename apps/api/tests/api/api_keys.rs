//! API keys: created by admins, shown once, confined to their workspace.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_of, problem, spawn_app};

#[tokio::test]
async fn a_key_authenticates_as_itself_within_its_workspace_until_revoked() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let ws = app.workspace(&alice.access, "A").await;
    let other = app.workspace(&alice.access, "B").await;
    let keys = format!("/api/v1/workspaces/{ws}/api-keys");

    let created = json_of(
        app.post(
            &keys,
            Some(&alice.access),
            json!({"name": "deploy", "role": "editor", "expires_at": "2099-01-01T00:00:00Z"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let secret = created["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("cab_") && secret.len() > 40);
    assert!(secret.starts_with(created["prefix"].as_str().expect("prefix")));
    assert_eq!(created["role"], "editor");

    let listed = json_of(app.get(&keys, &alice.access).await, StatusCode::OK).await;
    let first = &listed["items"][0];
    assert_eq!(first["id"], created["id"]);
    assert!(first.get("secret").is_none(), "the secret is shown once");
    assert!(!listed.to_string().contains(&secret));

    let seen = json_of(app.get(&format!("/api/v1/workspaces/{ws}"), &secret).await, StatusCode::OK).await;
    assert_eq!(seen["role"], "editor");
    let mine = json_of(app.get("/api/v1/workspaces", &secret).await, StatusCode::OK).await;
    assert_eq!(mine["items"].as_array().expect("items").len(), 1);
    problem(
        app.get(&format!("/api/v1/workspaces/{other}"), &secret).await,
        StatusCode::NOT_FOUND,
        "workspace_not_found",
    )
    .await;
    problem(app.get("/api/v1/me", &secret).await, StatusCode::FORBIDDEN, "forbidden").await;
    problem(
        app.patch(&format!("/api/v1/workspaces/{ws}"), &secret, json!({"name": "x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        app.post("/api/v1/workspaces", Some(&secret), json!({"name": "x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let used = json_of(app.get(&keys, &alice.access).await, StatusCode::OK).await;
    assert!(used["items"][0]["last_used_at"].is_string(), "use is recorded");

    let id = created["id"].as_str().expect("id");
    assert_eq!(app.delete(&format!("{keys}/{id}"), &alice.access).await.status(), StatusCode::NO_CONTENT);
    problem(app.get(&format!("/api/v1/workspaces/{ws}"), &secret).await, StatusCode::UNAUTHORIZED, "invalid_token")
        .await;
    problem(app.delete(&format!("{keys}/{id}"), &alice.access).await, StatusCode::NOT_FOUND, "api_key_not_found").await;
    problem(
        app.get(&format!("/api/v1/workspaces/{ws}"), "cab_forged-key").await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn key_roles_are_capped_and_only_admins_manage_keys() {
    let app = spawn_app().await;
    let owner = app.user("owner@example.com").await;
    let ws = app.workspace(&owner.access, "A").await;
    let admin = app.user("admin@example.com").await;
    app.add_member(&owner.access, &ws, "admin@example.com", "admin").await;
    let editor = app.user("editor@example.com").await;
    app.add_member(&owner.access, &ws, "editor@example.com", "editor").await;
    let keys = format!("/api/v1/workspaces/{ws}/api-keys");

    problem(
        app.post(&keys, Some(&admin.access), json!({"name": "k", "role": "owner"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    json_of(app.post(&keys, Some(&admin.access), json!({"name": "k", "role": "admin"})).await, StatusCode::CREATED)
        .await;
    problem(
        app.post(&keys, Some(&editor.access), json!({"name": "k", "role": "viewer"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let past = problem(
        app.post(
            &keys,
            Some(&owner.access),
            json!({"name": "k", "role": "viewer", "expires_at": "2001-01-01T00:00:00Z"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(past["errors"][0]["field"], "expires_at");

    // A key cannot mint keys, whatever its role.
    let owner_key = json_of(
        app.post(&keys, Some(&owner.access), json!({"name": "root", "role": "owner"})).await,
        StatusCode::CREATED,
    )
    .await;
    let secret = owner_key["secret"].as_str().expect("secret");
    problem(
        app.post(&keys, Some(secret), json!({"name": "child", "role": "viewer"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn a_key_is_capped_by_its_creators_current_role_and_revoked_when_they_leave() {
    let app = spawn_app().await;
    let owner = app.user("owner@example.com").await;
    let ws = app.workspace(&owner.access, "A").await;
    let admin = app.user("admin@example.com").await;
    let admin_id = app.add_member(&owner.access, &ws, "admin@example.com", "admin").await;
    app.user("new@example.com").await;
    app.user("later@example.com").await;
    let keys = format!("/api/v1/workspaces/{ws}/api-keys");
    let members = format!("/api/v1/workspaces/{ws}/members");
    let created =
        json_of(app.post(&keys, Some(&admin.access), json!({"name": "k", "role": "admin"})).await, StatusCode::CREATED)
            .await;
    let secret = created["secret"].as_str().expect("secret").to_owned();
    json_of(
        app.post(&members, Some(&secret), json!({"email": "new@example.com", "role": "viewer"})).await,
        StatusCode::CREATED,
    )
    .await;

    // Demoted to viewer: the admin key now reads but cannot manage members.
    json_of(
        app.patch(&format!("{members}/{admin_id}"), &owner.access, json!({"role": "viewer"})).await,
        StatusCode::OK,
    )
    .await;
    let seen = json_of(app.get(&format!("/api/v1/workspaces/{ws}"), &secret).await, StatusCode::OK).await;
    assert_eq!(seen["role"], "viewer");
    problem(
        app.post(&members, Some(&secret), json!({"email": "later@example.com", "role": "viewer"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // Removed: the key is revoked, with its event, and stops working at once.
    assert_eq!(app.delete(&format!("{members}/{admin_id}"), &owner.access).await.status(), StatusCode::NO_CONTENT);
    problem(app.get(&format!("/api/v1/workspaces/{ws}"), &secret).await, StatusCode::UNAUTHORIZED, "invalid_token")
        .await;
    let listed = json_of(app.get(&keys, &owner.access).await, StatusCode::OK).await;
    assert!(listed["items"][0]["revoked_at"].is_string(), "{listed}");
    let events: Vec<String> = app.events().await.into_iter().map(|e| e.0).collect();
    let removed = events.iter().position(|t| t == "member.removed.v1").expect("removal recorded");
    assert_eq!(events[removed + 1], "api_key.revoked.v1");
}
