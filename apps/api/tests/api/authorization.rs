//! The role × operation matrix, written out in full and enforced: every
//! operation of the OpenAPI document must have a row, and every cell is
//! exercised against a fresh workspace.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, Tokens, created_id, json_of, spawn_app_with};

/// What a caller gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Allowed: the request passes authorization (any status but 401/403/404).
    A,
    /// 403: known, but the role is too low.
    F,
    /// 404: not a member, so the workspace does not exist for them.
    N,
    /// 401: no credentials.
    U,
    /// Public: no credentials needed; not exercised here.
    P,
}
use Expect::{A, F, N, P, U};

const CALLERS: [&str; 6] = ["owner", "admin", "editor", "viewer", "outsider", "anonymous"];

/// The policy as shipped. Columns: owner, admin, editor, viewer, non-member, anonymous.
const MATRIX: &[(&str, &str, [Expect; 6])] = &[
    ("POST", "/api/v1/auth/register", [P, P, P, P, P, P]),
    ("POST", "/api/v1/auth/login", [P, P, P, P, P, P]),
    ("POST", "/api/v1/auth/refresh", [P, P, P, P, P, P]),
    ("GET", "/health/live", [P, P, P, P, P, P]),
    ("GET", "/health/ready", [P, P, P, P, P, P]),
    ("GET", "/metrics", [P, P, P, P, P, P]),
    ("POST", "/api/v1/auth/logout", [A, A, A, A, A, U]),
    ("GET", "/api/v1/me", [A, A, A, A, A, U]),
    ("GET", "/api/v1/me/sessions", [A, A, A, A, A, U]),
    ("DELETE", "/api/v1/me/sessions/{id}", [A, A, A, A, A, U]),
    ("PUT", "/api/v1/me/password", [A, A, A, A, A, U]),
    ("POST", "/api/v1/workspaces", [A, A, A, A, A, U]),
    ("GET", "/api/v1/workspaces", [A, A, A, A, A, U]),
    ("GET", "/api/v1/workspaces/{ws}", [A, A, A, A, N, U]),
    ("PATCH", "/api/v1/workspaces/{ws}", [A, A, F, F, N, U]),
    ("DELETE", "/api/v1/workspaces/{ws}", [A, F, F, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/usage", [A, A, A, A, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/audit/verify", [A, A, F, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/activity", [A, A, A, A, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/audit/events", [A, A, F, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/audit/export", [A, A, F, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/documents/{id}/history", [A, A, A, A, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/members", [A, A, A, A, N, U]),
    ("POST", "/api/v1/workspaces/{ws}/members", [A, A, F, F, N, U]),
    ("PATCH", "/api/v1/workspaces/{ws}/members/{user_id}", [A, A, F, F, N, U]),
    ("DELETE", "/api/v1/workspaces/{ws}/members/{user_id}", [A, A, F, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/api-keys", [A, A, F, F, N, U]),
    ("POST", "/api/v1/workspaces/{ws}/api-keys", [A, A, F, F, N, U]),
    ("DELETE", "/api/v1/workspaces/{ws}/api-keys/{key_id}", [A, A, F, F, N, U]),
    ("POST", "/api/v1/workspaces/{ws}/folders", [A, A, A, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/folders/{id}", [A, A, A, A, N, U]),
    ("PATCH", "/api/v1/workspaces/{ws}/folders/{id}", [A, A, A, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/folders/{id}/children", [A, A, A, A, N, U]),
    ("POST", "/api/v1/workspaces/{ws}/folders/{id}/documents", [A, A, A, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/documents/{id}", [A, A, A, A, N, U]),
    ("PATCH", "/api/v1/workspaces/{ws}/documents/{id}", [A, A, A, F, N, U]),
    ("DELETE", "/api/v1/workspaces/{ws}/documents/{id}", [A, A, A, F, N, U]),
    ("POST", "/api/v1/workspaces/{ws}/documents/{id}/restore", [A, A, A, F, N, U]),
    ("DELETE", "/api/v1/workspaces/{ws}/folders/{id}", [A, A, A, F, N, U]),
    ("POST", "/api/v1/workspaces/{ws}/folders/{id}/restore", [A, A, A, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/trash", [A, A, A, A, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/documents/{id}/content", [A, A, A, A, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/documents/{id}/versions", [A, A, A, A, N, U]),
    ("POST", "/api/v1/workspaces/{ws}/documents/{id}/versions", [A, A, A, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/documents/{id}/versions/{n}/content", [A, A, A, A, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/documents/{id}/versions/{n}/processing", [A, A, A, A, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/documents/{id}/thumbnail", [A, A, A, A, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/documents/{id}/versions/{n}/thumbnail", [A, A, A, A, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/search", [A, A, A, A, N, U]),
    ("DELETE", "/api/v1/workspaces/{ws}/trash/documents/{id}", [A, A, F, F, N, U]),
    ("DELETE", "/api/v1/workspaces/{ws}/trash/folders/{id}", [A, A, F, F, N, U]),
    ("POST", "/api/v1/workspaces/{ws}/documents/{id}/shares", [A, A, A, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/documents/{id}/shares", [A, A, A, A, N, U]),
    ("DELETE", "/api/v1/workspaces/{ws}/shares/{link_id}", [A, A, A, F, N, U]),
    ("POST", "/api/v1/workspaces/{ws}/webhooks", [A, A, F, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/webhooks", [A, A, F, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/webhooks/{id}", [A, A, F, F, N, U]),
    ("PATCH", "/api/v1/workspaces/{ws}/webhooks/{id}", [A, A, F, F, N, U]),
    ("DELETE", "/api/v1/workspaces/{ws}/webhooks/{id}", [A, A, F, F, N, U]),
    ("POST", "/api/v1/workspaces/{ws}/webhooks/{id}/ping", [A, A, F, F, N, U]),
    ("GET", "/api/v1/workspaces/{ws}/webhooks/{id}/deliveries", [A, A, F, F, N, U]),
    ("POST", "/api/v1/workspaces/{ws}/deliveries/{id}/redeliver", [A, A, F, F, N, U]),
    // Instance-wide: no workspace role is enough; the first account (here
    // the owner) is the instance administrator.
    ("GET", "/api/v1/admin/jobs", [A, F, F, F, F, U]),
    ("POST", "/api/v1/admin/jobs/{id}/retry", [A, F, F, F, F, U]),
    ("GET", "/api/v1/admin/schedule", [A, F, F, F, F, U]),
    ("GET", "/s/{token}", [P, P, P, P, P, P]),
    ("GET", "/s/{token}/download", [P, P, P, P, P, P]),
    ("POST", "/s/{token}/download", [P, P, P, P, P, P]),
];

/// Ids a request can refer to, made fresh for every cell.
struct Fixture {
    ws: String,
    key: String,
    root: String,
    folder: String,
    document: String,
    trashed_folder: String,
    trashed_document: String,
    link: String,
    webhook: String,
    delivery: String,
}

struct World {
    tokens: Vec<(String, Tokens)>,
    target: String,
}

async fn user_id(app: &TestApp, token: &str) -> String {
    json_of(app.get("/api/v1/me", token).await, StatusCode::OK).await["id"].as_str().expect("id").to_owned()
}

/// A fresh workspace with one member per role, a target member, an API key and a folder.
async fn fixture(app: &TestApp, world: &World) -> Fixture {
    let owner = &world.tokens[0].1.access;
    let created =
        json_of(app.post("/api/v1/workspaces", Some(owner), json!({"name": "Matrix"})).await, StatusCode::CREATED)
            .await;
    let ws = created["id"].as_str().expect("id").to_owned();
    let root = created["root_folder_id"].as_str().expect("root").to_owned();
    for (role, _) in &world.tokens[1..4] {
        app.add_member(owner, &ws, &format!("{role}@example.com"), role).await;
    }
    app.add_member(owner, &ws, "target@example.com", "viewer").await;
    let key = created_id(
        app.post(&format!("/api/v1/workspaces/{ws}/api-keys"), Some(owner), json!({"name": "k", "role": "viewer"}))
            .await,
    )
    .await;
    let folder = app.folder(owner, &ws, &root, "f").await;
    let document = app.upload_file(owner, &ws, &folder, "doc.txt", "content").await;
    let trashed_folder = app.folder(owner, &ws, &root, "gone").await;
    let trashed_document = app.upload_file(owner, &ws, &root, "gone.txt", "gone").await;
    for path in [format!("folders/{trashed_folder}"), format!("documents/{trashed_document}")] {
        assert_eq!(
            app.delete(&format!("/api/v1/workspaces/{ws}/{path}"), owner).await.status(),
            StatusCode::NO_CONTENT
        );
    }
    let link = created_id(
        app.post(&format!("/api/v1/workspaces/{ws}/documents/{document}/shares"), Some(owner), json!({})).await,
    )
    .await;
    let webhook = created_id(
        app.post(&format!("/api/v1/workspaces/{ws}/webhooks"), Some(owner), json!({"url": "http://127.0.0.1:9/hook"}))
            .await,
    )
    .await;
    let delivery = json_of(
        app.post(&format!("/api/v1/workspaces/{ws}/webhooks/{webhook}/ping"), Some(owner), json!({})).await,
        StatusCode::ACCEPTED,
    )
    .await["id"]
        .as_str()
        .expect("delivery")
        .to_owned();
    Fixture { ws, key, root, folder, document, trashed_folder, trashed_document, link, webhook, delivery }
}

async fn fresh_login(app: &TestApp, caller: &str) -> Tokens {
    app.user(&format!("{caller}@example.com")).await
}

#[tokio::test]
async fn every_operation_has_a_row_and_every_cell_holds() {
    let app = spawn_app_with(|s| {
        s.auth.login.ip_attempts = 10_000;
        s.webhooks.allow_loopback = true;
    })
    .await;
    let mut tokens = Vec::new();
    for caller in &CALLERS[..5] {
        tokens.push(((*caller).to_owned(), app.user(&format!("{caller}@example.com")).await));
    }
    app.user("invitee@example.com").await;
    let target_tokens = app.user("target@example.com").await;
    let world = World { target: user_id(&app, &target_tokens.access).await, tokens };

    // Coverage: the matrix and the OpenAPI document name the same operations.
    let doc =
        json_of(app.client.get(app.url("/api/v1/openapi.json")).send().await.expect("sent"), StatusCode::OK).await;
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let rows: BTreeSet<(String, String)> = MATRIX.iter().map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned())).collect();
    assert_eq!(rows, documented, "the matrix must list exactly the documented operations");

    // Reads, and refused writes, change nothing: they share one fixture.
    // Only writes that are allowed get a fresh one, so the matrix costs a
    // fixture per changing cell rather than per cell.
    let shared = fixture(&app, &world).await;
    for (method, path, expected) in MATRIX {
        for (column, caller) in CALLERS.iter().enumerate() {
            let expect = expected[column];
            if expect == P {
                continue;
            }
            let fresh;
            let fx = if expect == A && *method != "GET" {
                fresh = fixture(&app, &world).await;
                &fresh
            } else {
                &shared
            };
            let token = match *caller {
                "anonymous" => None,
                // These end the session they use: give them one of their own.
                _ if path.contains("logout") || path.contains("sessions/{id}") => {
                    Some(fresh_login(&app, caller).await.access)
                }
                _ => Some(world.tokens[column].1.access.clone()),
            };
            let mut concrete = path
                .replace("{ws}", &fx.ws)
                .replace("{user_id}", &world.target)
                .replace("{key_id}", &fx.key)
                .replace("{link_id}", &fx.link);
            if path.contains("/trash/folders/{id}") {
                concrete = concrete.replace("{id}", &fx.trashed_folder);
            }
            if path.contains("/trash/documents/{id}") {
                concrete = concrete.replace("{id}", &fx.trashed_document);
            }
            if path.ends_with("/folders/{id}/restore") {
                concrete = concrete.replace("{id}", &fx.trashed_folder);
            }
            if path.ends_with("/documents/{id}/restore") {
                concrete = concrete.replace("{id}", &fx.trashed_document);
            }
            if path.contains("/folders/{id}") {
                concrete = concrete.replace("{id}", &fx.folder);
            }
            if path.contains("/webhooks/{id}") {
                concrete = concrete.replace("{id}", &fx.webhook);
            }
            if path.contains("/deliveries/{id}") {
                concrete = concrete.replace("{id}", &fx.delivery);
            }
            if path.contains("/jobs/{id}") {
                // The fixture's ping is a queued job: retrying it passes
                // authorization and is then refused as not dead.
                let owner = &world.tokens[0].1.access;
                let queued = json_of(app.get("/api/v1/admin/jobs?state=queued", owner).await, StatusCode::OK).await;
                concrete = concrete.replace("{id}", queued["items"][0]["id"].as_str().expect("a queued job"));
            }
            if path.contains("/documents/{id}") {
                concrete = concrete.replace("{id}", &fx.document).replace("{n}", "1");
            }
            if path.ends_with("/search") {
                concrete.push_str("?q=doc");
            }
            if path.ends_with("/folders/{id}/documents") {
                concrete.push_str(&format!("?name=upload-{}", uuid::Uuid::new_v4()));
            }
            if path.contains("sessions/{id}") {
                let id = match &token {
                    Some(t) => json_of(app.get("/api/v1/me/sessions", t).await, StatusCode::OK).await["items"][0]["id"]
                        .as_str()
                        .expect("id")
                        .to_owned(),
                    None => uuid::Uuid::new_v4().to_string(),
                };
                concrete = concrete.replace("{id}", &id);
            }
            let body = body_for(method, path, fx);
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            let response = app.request(method.clone(), &concrete, token.as_deref(), body).await;
            let status = response.status();
            // The fixture's document is text, which gets no thumbnail: a
            // caller who passes authorization learns just that.
            let no_thumbnail = path.ends_with("/thumbnail")
                && status == StatusCode::NOT_FOUND
                && response.json::<Value>().await.is_ok_and(|p| p["code"] == "thumbnail_not_found");
            let ok = match expect {
                A => {
                    no_thumbnail
                        || !status.is_server_error()
                            && ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::NOT_FOUND]
                                .contains(&status)
                }
                F => status == StatusCode::FORBIDDEN,
                N => status == StatusCode::NOT_FOUND,
                U => status == StatusCode::UNAUTHORIZED,
                P => true,
            };
            assert!(ok, "{method} {path} as {caller}: expected {expect:?}, got {status}");
        }
    }
}

fn body_for(method: &str, path: &str, fx: &Fixture) -> Option<Value> {
    match (method, path) {
        ("PUT", "/api/v1/me/password") => {
            // A wrong current password: authorization passes, nothing changes.
            Some(json!({"current_password": format!("not {PASSWORD}"), "new_password": "another long passphrase"}))
        }
        ("POST", "/api/v1/auth/logout") => Some(json!({})),
        ("POST", "/api/v1/workspaces") | ("PATCH", "/api/v1/workspaces/{ws}") => Some(json!({"name": "Renamed"})),
        ("POST", "/api/v1/workspaces/{ws}/members") => Some(json!({"email": "invitee@example.com", "role": "viewer"})),
        ("PATCH", "/api/v1/workspaces/{ws}/members/{user_id}") => Some(json!({"role": "editor"})),
        ("POST", "/api/v1/workspaces/{ws}/api-keys") => Some(json!({"name": "matrix", "role": "viewer"})),
        ("POST", "/api/v1/workspaces/{ws}/folders") => Some(json!({"name": "new", "parent_id": fx.root})),
        ("PATCH", "/api/v1/workspaces/{ws}/folders/{id}") => Some(json!({"name": "renamed"})),
        ("PATCH", "/api/v1/workspaces/{ws}/documents/{id}") => Some(json!({"tags": ["matrix"]})),
        ("POST", "/api/v1/workspaces/{ws}/documents/{id}/shares") => Some(json!({"max_downloads": 1})),
        ("POST", "/api/v1/workspaces/{ws}/webhooks") => Some(json!({"url": "http://127.0.0.1:9/other"})),
        ("PATCH", "/api/v1/workspaces/{ws}/webhooks/{id}") => Some(json!({"description": "matrix"})),
        ("POST", "/api/v1/workspaces/{ws}/webhooks/{id}/ping") => Some(json!({})),
        _ => None,
    }
}
