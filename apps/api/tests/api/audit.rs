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

#[tokio::test]
async fn the_trail_is_listed_filtered_exported_and_shown_per_document() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let vera = app.user("vera@example.com").await;
    let created = json_of(
        app.post("/api/v1/workspaces", Some(&alice.access), json!({"name": "Trail"})).await,
        StatusCode::CREATED,
    )
    .await;
    let (ws, root) = (created["id"].as_str().expect("id"), created["root_folder_id"].as_str().expect("root"));
    app.add_member(&alice.access, ws, "vera@example.com", "viewer").await;
    let doc = app.upload_file(&alice.access, ws, root, "plan.txt", "v1").await;
    let versions = format!("/api/v1/workspaces/{ws}/documents/{doc}/versions");
    let added = app.client.post(app.url(&versions)).bearer_auth(&alice.access).body("v2").send().await.expect("sent");
    assert_eq!(added.status(), StatusCode::CREATED);
    for i in 0..3 {
        app.folder(&alice.access, ws, root, &format!("F{i}")).await;
    }
    let base = format!("/api/v1/workspaces/{ws}/audit");

    // Pages, newest first, until the end.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("{base}/events?limit=2&cursor={c}"),
            None => format!("{base}/events?limit=2"),
        };
        let page = json_of(app.get(&path, &alice.access).await, StatusCode::OK).await;
        seen.extend(page["items"].as_array().expect("items").iter().map(|e| e["seq"].as_u64().expect("seq")));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
    let workspace: uuid::Uuid = ws.parse().expect("uuid");
    let written = app.events().await.into_iter().filter(|e| e.3 == Some(workspace)).count();
    assert_eq!(seen.len(), written, "every event of the workspace, once: {seen:?}");

    let folders = json_of(
        app.get(&format!("{base}/events?type=folder.created.v1&order=oldest"), &alice.access).await,
        StatusCode::OK,
    )
    .await;
    let items = folders["items"].as_array().expect("items");
    let names: Vec<&str> = items.iter().filter_map(|e| e["payload"]["name"].as_str()).collect();
    assert_eq!(names, ["Root", "F0", "F1", "F2"], "{folders}");
    assert_eq!(items[0]["actor"]["kind"], "user");
    assert_eq!(items[0]["actor"]["ip"], "127.0.0.1");
    assert!(items[0]["request_id"].is_string() && items[0]["hash"].as_str().is_some_and(|h| h.len() == 64));
    problem(
        app.get(&format!("{base}/events?order=sideways"), &alice.access).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    problem(app.get(&format!("{base}/events"), &vera.access).await, StatusCode::FORBIDDEN, "forbidden").await;

    let ndjson = app.get(&format!("{base}/export"), &alice.access).await;
    assert_eq!(ndjson.headers()["content-type"], "application/x-ndjson");
    let text = ndjson.text().await.expect("body");
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(lines.len(), written);
    assert_eq!(lines[0]["type"], "workspace.created.v1", "exports run oldest first");
    let csv = app.get(&format!("{base}/export?format=csv&type=document.version_added.v1"), &alice.access).await;
    assert!(csv.headers()["content-type"].to_str().expect("ascii").starts_with("text/csv"));
    let csv = csv.text().await.expect("body");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(rows[0].starts_with("seq,chain_seq,id,occurred_at,type,"));
    assert!(
        rows[1].contains("document.version_added.v1") && rows[1].contains("\"{\"\""),
        "payload quoted: {}",
        rows[1]
    );

    // Anyone who reads the workspace sees a document's own history.
    let history = json_of(
        app.get(&format!("/api/v1/workspaces/{ws}/documents/{doc}/history"), &vera.access).await,
        StatusCode::OK,
    )
    .await;
    let types: Vec<&str> =
        history["items"].as_array().expect("items").iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(types, ["document.version_added.v1", "document.version_added.v1", "document.created.v1"]);
}

#[tokio::test]
async fn the_activity_feed_and_figures_follow_the_events_once_projected() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let vera = app.user("vera@example.com").await;
    let created = json_of(
        app.post("/api/v1/workspaces", Some(&alice.access), json!({"name": "Feed"})).await,
        StatusCode::CREATED,
    )
    .await;
    let (ws, root) = (created["id"].as_str().expect("id"), created["root_folder_id"].as_str().expect("root"));
    app.add_member(&alice.access, ws, "vera@example.com", "viewer").await;
    app.upload_file(&alice.access, ws, root, "a.txt", "12345").await;
    app.upload_file(&alice.access, ws, root, "b.txt", "12345").await;
    let system = cabinet_domain::Actor::system();
    assert!(app.services.audit.catch_up(&system).await.expect("projected") > 0);

    let usage = json_of(app.get(&format!("/api/v1/workspaces/{ws}/usage"), &vera.access).await, StatusCode::OK).await;
    assert_eq!((usage["documents"].as_u64(), usage["versions"].as_u64()), (Some(2), Some(2)));
    assert_eq!((usage["version_bytes"].as_u64(), usage["bytes"].as_u64()), (Some(10), Some(5)), "{usage}");
    let feed =
        json_of(app.get(&format!("/api/v1/workspaces/{ws}/activity?limit=3"), &vera.access).await, StatusCode::OK)
            .await;
    let items = feed["items"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["type"], "document.version_added.v1");
    assert!(items[0].get("ip").is_none(), "the feed shows no client addresses");
    let next = feed["next_cursor"].as_str().expect("more");
    let rest = json_of(
        app.get(&format!("/api/v1/workspaces/{ws}/activity?cursor={next}&limit=200"), &vera.access).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rest["items"].as_array().expect("items").last().expect("first event")["type"], "workspace.created.v1");
    assert!(app.services.audit.rebuild_projections(&system).await.expect("rebuilt") > 0);
    let again = json_of(app.get(&format!("/api/v1/workspaces/{ws}/usage"), &vera.access).await, StatusCode::OK).await;
    assert_eq!(again, usage, "a rebuild gives the same figures");
}

#[tokio::test]
async fn csv_exports_never_hand_a_spreadsheet_a_formula() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let ws =
        json_of(app.post("/api/v1/workspaces", Some(&alice.access), json!({"name": "A"})).await, StatusCode::CREATED)
            .await;
    let (id, root) = (ws["id"].as_str().expect("id"), ws["root_folder_id"].as_str().expect("root"));
    let made = app
        .client
        .post(app.url(&format!("/api/v1/workspaces/{id}/folders")))
        .bearer_auth(&alice.access)
        .header("user-agent", "=HYPERLINK(\"http://evil.example\",\"x\")")
        .json(&json!({"name": "@SUM(1+1)", "parent_id": root}))
        .send()
        .await
        .expect("sent");
    assert_eq!(made.status(), StatusCode::CREATED);
    let csv = app.get(&format!("/api/v1/workspaces/{id}/audit/export?format=csv"), &alice.access).await;
    let csv = csv.text().await.expect("body");
    let row = csv.lines().find(|l| l.contains("SUM(1+1)")).expect("the folder's event");
    assert!(row.contains("'=HYPERLINK("), "{row}");
    for line in csv.lines() {
        for bad in [",=", ",\"=", ",+", ",\"+", ",@", ",\"@", ",-", ",\"-"] {
            assert!(!line.contains(bad), "a cell starts a formula ({bad}): {line}");
        }
    }
}
