//! Members and every role boundary.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{json_of, problem, spawn_app};

#[tokio::test]
async fn every_role_meets_its_boundaries() {
    let app = spawn_app().await;
    let owner = app.user("owner@example.com").await;
    let ws = app.workspace(&owner.access, "Team").await;
    let mut tokens = Vec::new();
    for role in ["admin", "editor", "viewer"] {
        let email = format!("{role}@example.com");
        let t = app.user(&email).await;
        app.add_member(&owner.access, &ws, &email, role).await;
        tokens.push((role, t));
    }
    let outsider = app.user("outsider@example.com").await;
    app.user("invitee@example.com").await;
    let base = format!("/api/v1/workspaces/{ws}");

    // (role, can rename, can list keys, can invite)
    for (role, t) in &tokens {
        let (rename, keys, invite) = match *role {
            "admin" => (true, true, true),
            _ => (false, false, false),
        };
        let r = app.patch(&base, &t.access, json!({"name": format!("by {role}")})).await;
        assert_eq!(r.status(), if rename { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{role} renames");
        let r = app.get(&format!("{base}/api-keys"), &t.access).await;
        assert_eq!(r.status(), if keys { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{role} lists keys");
        let r = app.get(&format!("{base}/members"), &t.access).await;
        assert_eq!(r.status(), StatusCode::OK, "{role} sees members");
        let r = app.delete(&base, &t.access).await;
        problem(r, StatusCode::FORBIDDEN, "forbidden").await;
        if !invite {
            let r = app
                .post(
                    &format!("{base}/members"),
                    Some(&t.access),
                    json!({"email": "invitee@example.com", "role": "viewer"}),
                )
                .await;
            problem(r, StatusCode::FORBIDDEN, "forbidden").await;
        }
    }
    problem(app.get(&base, &outsider.access).await, StatusCode::NOT_FOUND, "workspace_not_found").await;
    problem(app.request(Method::GET, &base, None, None).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // Admins invite up to admin, never owner.
    let admin = &tokens[0].1;
    problem(
        app.post(
            &format!("{base}/members"),
            Some(&admin.access),
            json!({"email": "invitee@example.com", "role": "owner"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let invitee = json_of(
        app.post(
            &format!("{base}/members"),
            Some(&admin.access),
            json!({"email": "invitee@example.com", "role": "admin"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(invitee["role"], "admin");
    problem(
        app.post(
            &format!("{base}/members"),
            Some(&admin.access),
            json!({"email": "invitee@example.com", "role": "viewer"}),
        )
        .await,
        StatusCode::CONFLICT,
        "already_member",
    )
    .await;
    problem(
        app.post(
            &format!("{base}/members"),
            Some(&admin.access),
            json!({"email": "nobody@example.com", "role": "viewer"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "user_not_found",
    )
    .await;

    // Admins cannot touch the owner; the owner can demote the admin.
    let owner_id = json_of(app.get("/api/v1/me", &owner.access).await, StatusCode::OK).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    problem(
        app.patch(&format!("{base}/members/{owner_id}"), &admin.access, json!({"role": "viewer"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(app.delete(&format!("{base}/members/{owner_id}"), &admin.access).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    let invitee_id = invitee["user_id"].as_str().expect("id");
    let changed = json_of(
        app.patch(&format!("{base}/members/{invitee_id}"), &owner.access, json!({"role": "viewer"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["role"], "viewer");
    problem(
        app.patch(&format!("{base}/members/{invitee_id}"), &owner.access, json!({"role": "root"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;

    // The viewer may leave on their own.
    let viewer = &tokens[2].1;
    let viewer_id = json_of(app.get("/api/v1/me", &viewer.access).await, StatusCode::OK).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        app.delete(&format!("{base}/members/{viewer_id}"), &viewer.access).await.status(),
        StatusCode::NO_CONTENT
    );
    problem(app.get(&base, &viewer.access).await, StatusCode::NOT_FOUND, "workspace_not_found").await;
}

#[tokio::test]
async fn a_workspace_never_has_zero_owners() {
    let app = spawn_app().await;
    let owner = app.user("owner@example.com").await;
    let ws = app.workspace(&owner.access, "Team").await;
    let owner_id = json_of(app.get("/api/v1/me", &owner.access).await, StatusCode::OK).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let member = format!("/api/v1/workspaces/{ws}/members/{owner_id}");
    problem(app.patch(&member, &owner.access, json!({"role": "admin"})).await, StatusCode::CONFLICT, "last_owner")
        .await;
    problem(app.delete(&member, &owner.access).await, StatusCode::CONFLICT, "last_owner").await;

    app.user("second@example.com").await;
    app.add_member(&owner.access, &ws, "second@example.com", "owner").await;
    let stepped = json_of(app.patch(&member, &owner.access, json!({"role": "admin"})).await, StatusCode::OK).await;
    assert_eq!(stepped["role"], "admin");
}
