//! The job queue's admin API: dead jobs listed and retried, the schedule shown.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_of, problem, spawn_app};

#[tokio::test]
async fn admins_list_dead_jobs_retry_them_and_see_the_schedule() {
    let app = spawn_app().await;
    let admin = app.user("root@example.com").await; // the first account administers the instance
    let member = app.user("member@example.com").await;

    // A job no worker can run is buried on its first claim.
    let job = cabinet_domain::jobs::NewJob {
        id: cabinet_domain::JobId::from_uuid(uuid::Uuid::now_v7()),
        kind: "retired.kind".into(),
        payload: "{}".into(),
        run_at: chrono::Utc::now(),
        max_attempts: 3,
    };
    let id = job.id.to_string();
    assert!(app.services.jobs.enqueue(job).await.expect("enqueued"));
    let claimed = app.services.jobs.claim("test-worker", std::time::Duration::from_secs(30), 10).await.expect("claim");
    let outcome = app.services.jobs.run("test-worker", &claimed[0]).await.expect("ran");
    assert!(matches!(outcome, cabinet_domain::jobs::JobOutcome::Dead(_)), "{outcome:?}");

    let dead = json_of(app.get("/api/v1/admin/jobs?state=dead", &admin.access).await, StatusCode::OK).await;
    assert_eq!(dead["items"][0]["id"], id);
    assert!(dead["items"][0]["last_error"].as_str().expect("error").contains("no handler"));
    problem(app.get("/api/v1/admin/jobs", &member.access).await, StatusCode::FORBIDDEN, "forbidden").await;
    problem(
        app.get("/api/v1/admin/jobs?state=lost", &admin.access).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // The documented range holds: schemathesis found 2147483648 accepted.
    for limit in ["0", "501", "2147483648"] {
        let path = format!("/api/v1/admin/jobs?limit={limit}");
        let refused = app.get(&path, &admin.access).await;
        assert!(refused.status().is_client_error(), "limit={limit}: {}", refused.status());
    }

    let retry = format!("/api/v1/admin/jobs/{id}/retry");
    let retried = json_of(app.post(&retry, Some(&admin.access), json!({})).await, StatusCode::OK).await;
    assert_eq!((retried["state"].as_str(), retried["attempts"].as_u64()), (Some("queued"), Some(0)));
    problem(app.post(&retry, Some(&admin.access), json!({})).await, StatusCode::CONFLICT, "job_not_dead").await;
    let missing = format!("/api/v1/admin/jobs/{}/retry", uuid::Uuid::now_v7());
    problem(app.post(&missing, Some(&admin.access), json!({})).await, StatusCode::NOT_FOUND, "job_not_found").await;

    let schedule = json_of(app.get("/api/v1/admin/schedule", &admin.access).await, StatusCode::OK).await;
    let names: Vec<_> = schedule["items"].as_array().expect("items").iter().map(|t| t["name"].clone()).collect();
    assert_eq!(names, ["collect_blobs", "purge_trash", "expire_share_links", "verify_audit", "prune_jobs"]);
    assert!(schedule["items"].as_array().expect("items").iter().all(|t| t["next_run"].is_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_audit_chain_found_on_schedule_is_an_alert_metric() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.schedule.verify_audit = "* * * * * *".into();
        s.worker.poll_ms = 100;
    })
    .await;
    let alice = app.user("alice@example.com").await;
    let ws = app.workspace(&alice.access, "Audited").await;
    let root = json_of(app.get(&format!("/api/v1/workspaces/{ws}"), &alice.access).await, StatusCode::OK).await
        ["root_folder_id"]
        .as_str()
        .expect("root")
        .to_owned();
    app.folder(&alice.access, &ws, &root, "Evidence").await;
    app.tamper_with_events("UPDATE events SET actor_kind = 'system' WHERE event_type = 'folder.created.v1'").await;

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(cabinet_worker::run(app.services.clone(), async {
        let _ = stopped.await;
    }));
    let mut breaks = None;
    for _ in 0..100 {
        let text = app.client.get(app.url("/metrics")).send().await.expect("sent").text().await.expect("text");
        breaks = text
            .lines()
            .find(|l| l.starts_with("cabinet_audit_chain_breaks_total"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok());
        if breaks.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = stop.send(());
    worker.await.expect("joined").expect("worker");
    assert!(breaks.is_some_and(|n| n >= 1.0), "the break is counted: {breaks:?}");
}
