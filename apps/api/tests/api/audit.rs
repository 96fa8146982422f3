//! The audit trail over HTTP: verifying a workspace's hash chain.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_of, problem, spawn_app};

#[tokio::test]
async fn admins_verify_the_chain_and_see_where_it_was_altered() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let ed = app.user("ed@example.com").await;
    let created = json_of(
        app.post("/api/v1/workspaces", Some(&alice.access), json!({"name": "Audited"})).await,
        StatusCode::CREATED,
    )
    .await;
    let (ws, root) = (created["id"].as_str().expect("id"), created["root_folder_id"].as_str().expect("root"));
    app.add_member(&alice.access, ws, "ed@example.com", "editor").await;
    let folder = app.folder(&ed.access, ws, root, "Reports").await;
    app.upload_file(&ed.access, ws, &folder, "q3.txt", "figures").await;
    let verify = format!("/api/v1/workspaces/{ws}/audit/verify");

    let workspace: uuid::Uuid = ws.parse().expect("uuid");
    let written = app.events().await.into_iter().filter(|e| e.3 == Some(workspace)).count() as u64;
    let report = json_of(app.get(&verify, &alice.access).await, StatusCode::OK).await;
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["intact_up_to"], written);
    assert_eq!(report["broken_at"], serde_json::Value::Null);
    problem(app.get(&verify, &ed.access).await, StatusCode::FORBIDDEN, "forbidden").await;

    app.tamper_with_events("UPDATE events SET actor_kind = 'system' WHERE event_type = 'folder.created.v1'").await;
    let report = json_of(app.get(&verify, &alice.access).await, StatusCode::OK).await;
    assert_eq!(report["intact"], false);
    let position = report["broken_at"]["sequence"].as_u64().expect("sequence");
    assert_eq!(report["intact_up_to"], position - 1);
    assert_eq!(report["broken_at"]["reason"], "altered");
}
