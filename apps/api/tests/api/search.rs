//! Search through the API: files are uploaded, a worker extracts their
//! text and makes thumbnails with the real `cabinet extract`, and the
//! words inside them are found; trash, tenants and roles hold.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, eventually, json_of, problem, spawn_app_with, start_worker};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../crates/extract/tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn upload(app: &TestApp, token: &str, ws: &str, folder: &str, name: &str, body: Vec<u8>) -> String {
    let created = app
        .client
        .post(app.url(&format!("/api/v1/workspaces/{ws}/folders/{folder}/documents")))
        .query(&[("name", name)])
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .expect("sent");
    json_of(created, StatusCode::CREATED).await["id"].as_str().expect("id").to_owned()
}

async fn search(app: &TestApp, token: &str, ws: &str, query: &str) -> Value {
    let url = format!("/api/v1/workspaces/{ws}/search?{query}");
    json_of(app.get(&url, token).await, StatusCode::OK).await
}

/// Waits until `query` finds exactly `expected` (the index follows the
/// events a moment after they commit) and returns the results.
async fn finds(app: &TestApp, token: &str, ws: &str, query: &str, expected: &[&str]) -> Value {
    let mut last = Vec::new();
    for _ in 0..100 {
        let results = search(app, token, ws, query).await;
        last = names(&results);
        if last == expected {
            return results;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{query} found {last:?}, not {expected:?}");
}

fn names(results: &Value) -> Vec<String> {
    results["items"].as_array().expect("items").iter().map(|h| h["name"].as_str().expect("name").to_owned()).collect()
}

/// Waits until a version was processed and returns what processing found.
async fn processed(app: &TestApp, token: &str, ws: &str, doc: &str, version: u32) -> Value {
    let url = format!("/api/v1/workspaces/{ws}/documents/{doc}/versions/{version}/processing");
    eventually("the version is processed", async || {
        let status = json_of(app.get(&url, token).await, StatusCode::OK).await;
        (status["text_status"] != "pending").then_some(status)
    })
    .await
}

async fn workspace(app: &TestApp, token: &str, name: &str) -> (String, String) {
    let created =
        json_of(app.post("/api/v1/workspaces", Some(token), json!({"name": name})).await, StatusCode::CREATED).await;
    (created["id"].as_str().expect("id").to_owned(), created["root_folder_id"].as_str().expect("root").to_owned())
}

fn fast_worker(s: &mut cabinet_bootstrap::Settings) {
    s.worker.poll_ms = 100;
    s.worker.shutdown_grace_secs = 2;
}

#[tokio::test]
async fn words_inside_files_are_found_once_the_worker_extracted_them() {
    let app = spawn_app_with(fast_worker).await;
    let _worker = start_worker(&app);
    let owner = app.user("owner@example.com").await.access;
    let (ws, root) = workspace(&app, &owner, "Search").await;
    let pdf = upload(&app, &owner, &ws, &root, "Q3 review.pdf", fixture("sample.pdf")).await;
    let docx = upload(&app, &owner, &ws, &root, "contract.docx", fixture("sample.docx")).await;
    let odt = upload(&app, &owner, &ws, &root, "report.odt", fixture("sample.odt")).await;
    let html = upload(&app, &owner, &ws, &root, "minutes.html", fixture("sample.html")).await;
    for doc in [&pdf, &docx, &odt, &html] {
        assert_eq!(processed(&app, &owner, &ws, doc, 1).await["text_status"], "extracted");
    }

    let hits = finds(&app, &owner, &ws, "q=quarterly%20budget", &["Q3 review.pdf"]).await;
    let snippet = hits["items"][0]["snippet"].as_array().expect("snippet");
    let marked: Vec<&str> =
        snippet.iter().filter(|p| p["highlight"] == true).map(|p| p["text"].as_str().expect("text")).collect();
    assert!(marked.iter().any(|m| m.eq_ignore_ascii_case("quarterly")), "{snippet:?}");
    finds(&app, &owner, &ws, "q=harbor", &["contract.docx"]).await;
    finds(&app, &owner, &ws, "q=glacier%20station", &["report.odt"]).await;
    finds(&app, &owner, &ws, "q=%22solar%20panel%22", &["minutes.html"]).await;
    // Script text is not content.
    assert!(names(&search(&app, &owner, &ws, "q=tracking").await).is_empty());
    // Prefixes and exclusions.
    finds(&app, &owner, &ws, "q=contr*", &["contract.docx"]).await;
    assert!(names(&search(&app, &owner, &ws, "q=harbor%20-dana").await).is_empty());
    // Filters: media-type family, tag.
    finds(&app, &owner, &ws, "q=quarterly&type=application/pdf", &["Q3 review.pdf"]).await;
    // A DOCX is a Word document to the type filter, not a zip.
    let word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    finds(&app, &owner, &ws, &format!("q=harbor&type={word}"), &["contract.docx"]).await;
    assert!(names(&search(&app, &owner, &ws, "q=quarterly&type=image/*").await).is_empty());
    let tagged = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/workspaces/{ws}/documents/{docx}"),
            Some(&owner),
            Some(json!({"tags": ["Legal"]})),
        )
        .await;
    assert_eq!(tagged.status(), StatusCode::OK);
    finds(&app, &owner, &ws, "q=legal", &["contract.docx"]).await;
    finds(&app, &owner, &ws, "q=harbor&tag=legal", &["contract.docx"]).await;
    assert!(names(&search(&app, &owner, &ws, "q=quarterly&tag=legal").await).is_empty());

    // A query of nothing but exclusions, or of nothing, is refused clearly.
    let url = format!("/api/v1/workspaces/{ws}/search?q=-harbor");
    let refused = problem(app.get(&url, &owner).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(refused["errors"][0]["field"], "q");
}

#[tokio::test]
async fn a_new_version_replaces_the_words_and_the_trash_hides_them() {
    let app = spawn_app_with(fast_worker).await;
    let _worker = start_worker(&app);
    let owner = app.user("owner@example.com").await.access;
    let (ws, root) = workspace(&app, &owner, "Versions").await;
    let doc = upload(&app, &owner, &ws, &root, "plan.txt", b"alpha launch checklist".to_vec()).await;
    processed(&app, &owner, &ws, &doc, 1).await;
    finds(&app, &owner, &ws, "q=checklist", &["plan.txt"]).await;

    let next = app
        .client
        .post(app.url(&format!("/api/v1/workspaces/{ws}/documents/{doc}/versions")))
        .bearer_auth(&owner)
        .body("beta rollout timeline")
        .send()
        .await
        .expect("sent");
    assert_eq!(next.status(), StatusCode::CREATED);
    processed(&app, &owner, &ws, &doc, 2).await;
    finds(&app, &owner, &ws, "q=rollout", &["plan.txt"]).await;
    assert!(names(&search(&app, &owner, &ws, "q=checklist").await).is_empty());

    assert_eq!(
        app.delete(&format!("/api/v1/workspaces/{ws}/documents/{doc}"), &owner).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(names(&search(&app, &owner, &ws, "q=rollout").await).is_empty(), "the trash is not searched");
    let restored = app.post(&format!("/api/v1/workspaces/{ws}/documents/{doc}/restore"), Some(&owner), json!({})).await;
    assert!(restored.status().is_success());
    finds(&app, &owner, &ws, "q=rollout", &["plan.txt"]).await;
}

#[tokio::test]
async fn members_search_only_their_workspace() {
    let app = spawn_app_with(fast_worker).await;
    let _worker = start_worker(&app);
    let alice = app.user("alice@example.com").await.access;
    let bob = app.user("bob@example.com").await.access;
    let viewer = app.user("viewer@example.com").await.access;
    let (a, a_root) = workspace(&app, &alice, "A").await;
    let (b, b_root) = workspace(&app, &bob, "B").await;
    app.add_member(&alice, &a, "viewer@example.com", "viewer").await;
    let doc = upload(&app, &alice, &a, &a_root, "secret.txt", b"merger codename bluebird".to_vec()).await;
    let other = upload(&app, &bob, &b, &b_root, "public.txt", b"bluebird sightings".to_vec()).await;
    processed(&app, &alice, &a, &doc, 1).await;
    processed(&app, &bob, &b, &other, 1).await;

    finds(&app, &viewer, &a, "q=bluebird", &["secret.txt"]).await;
    finds(&app, &bob, &b, "q=bluebird", &["public.txt"]).await;
    for (token, ws) in [(&bob, &a), (&viewer, &b)] {
        let url = format!("/api/v1/workspaces/{ws}/search?q=bluebird");
        problem(app.get(&url, token).await, StatusCode::NOT_FOUND, "workspace_not_found").await;
    }
}

#[tokio::test]
async fn images_and_pdfs_get_thumbnails_and_bombs_get_a_reason() {
    let app = spawn_app_with(fast_worker).await;
    let _worker = start_worker(&app);
    let owner = app.user("owner@example.com").await.access;
    let (ws, root) = workspace(&app, &owner, "Pictures").await;
    let pdf = upload(&app, &owner, &ws, &root, "review.pdf", fixture("sample.pdf")).await;
    let bomb = upload(&app, &owner, &ws, &root, "huge.png", fixture("huge.png")).await;
    let zip_bomb = upload(&app, &owner, &ws, &root, "bomb.docx", fixture("bomb.docx")).await;
    let text = upload(&app, &owner, &ws, &root, "notes.txt", b"plain words".to_vec()).await;

    let status = processed(&app, &owner, &ws, &pdf, 1).await;
    assert_eq!((status["text_status"].as_str(), status["thumbnail"].as_bool()), (Some("extracted"), Some(true)));
    let url = format!("/api/v1/workspaces/{ws}/documents/{pdf}/thumbnail");
    let thumb = app.get(&url, &owner).await;
    assert_eq!(thumb.status(), StatusCode::OK);
    assert_eq!(thumb.headers()["content-type"], "image/png");
    assert_eq!(thumb.headers()["x-content-type-options"], "nosniff");
    let etag = thumb.headers()["etag"].to_str().expect("etag").to_owned();
    assert!(thumb.bytes().await.expect("body").starts_with(b"\x89PNG"));
    let again = app.client.get(app.url(&url)).bearer_auth(&owner).header("if-none-match", &etag).send().await;
    assert_eq!(again.expect("sent").status(), StatusCode::NOT_MODIFIED);
    let pinned = app.get(&format!("/api/v1/workspaces/{ws}/documents/{pdf}/versions/1/thumbnail"), &owner).await;
    assert!(pinned.headers()["cache-control"].to_str().expect("cache").contains("immutable"));

    let refused = processed(&app, &owner, &ws, &bomb, 1).await;
    assert_eq!(refused["text_status"], "refused");
    assert!(refused["detail"].as_str().expect("detail").contains("100000 × 100000"), "{refused}");
    let url = format!("/api/v1/workspaces/{ws}/documents/{bomb}/thumbnail");
    problem(app.get(&url, &owner).await, StatusCode::NOT_FOUND, "thumbnail_not_found").await;
    let refused = processed(&app, &owner, &ws, &zip_bomb, 1).await;
    assert_eq!(refused["text_status"], "refused", "{refused}");

    let plain = processed(&app, &owner, &ws, &text, 1).await;
    assert_eq!((plain["text_status"].as_str(), plain["thumbnail"].as_bool()), (Some("extracted"), Some(false)));
    // Found by name even when the content could not be read.
    finds(&app, &owner, &ws, "q=huge", &["huge.png"]).await;
}

/// Writes an executable shell script standing in for `cabinet extract`.
fn script(dir: &std::path::Path, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("executable");
    path.display().to_string()
}

#[tokio::test]
async fn an_extractor_that_hangs_is_stopped_with_everything_it_started() {
    let tools = tempfile::tempdir().expect("tempdir");
    let pid_file = tools.path().join("grandchild.pid");
    let program = script(tools.path(), "hang", &format!("sleep 300 &\necho $! > {}\nwait", pid_file.display()));
    let app = spawn_app_with(|s| {
        fast_worker(s);
        s.extract.program = program;
        s.extract.timeout_secs = 1;
    })
    .await;
    let _worker = start_worker(&app);
    let owner = app.user("owner@example.com").await.access;
    let (ws, root) = workspace(&app, &owner, "Hang").await;
    let doc = upload(&app, &owner, &ws, &root, "notes.txt", b"words".to_vec()).await;
    let status = processed(&app, &owner, &ws, &doc, 1).await;
    assert_eq!(status["text_status"], "timed_out", "{status}");
    let pid = std::fs::read_to_string(&pid_file).expect("pid").trim().to_owned();
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = state.rsplit_once(") ").map_or("", |(_, rest)| &rest[..1]);
    assert!(state.is_empty() || state == "Z", "the grandchild was killed with the group (state {state:?})");
    // The document is still found by its name.
    finds(&app, &owner, &ws, "q=notes", &["notes.txt"]).await;
}

#[tokio::test]
async fn an_extractor_that_crashes_or_runs_out_of_memory_is_a_failure_not_a_worker_crash() {
    let tools = tempfile::tempdir().expect("tempdir");
    let crash = script(tools.path(), "crash", "kill -SEGV $$");
    let app = spawn_app_with(|s| {
        fast_worker(s);
        s.extract.program = crash;
    })
    .await;
    let worker = start_worker(&app);
    let owner = app.user("owner@example.com").await.access;
    let (ws, root) = workspace(&app, &owner, "Crash").await;
    let doc = upload(&app, &owner, &ws, &root, "notes.txt", b"words".to_vec()).await;
    let status = processed(&app, &owner, &ws, &doc, 1).await;
    assert_eq!(status["text_status"], "failed", "{status}");
    assert!(status["detail"].as_str().expect("detail").contains("signal 11"), "{status}");
    assert!(!worker.1.is_finished(), "the worker carries on");

    // The real extractor under a small address space: a JSON file whose
    // parse tree needs far more memory than allowed.
    let app = spawn_app_with(|s| {
        fast_worker(s);
        s.extract.memory_mb = 256;
    })
    .await;
    let _worker = start_worker(&app);
    let owner = app.user("owner@example.com").await.access;
    let (ws, root) = workspace(&app, &owner, "Memory").await;
    let mut numbers = b"[".to_vec();
    numbers.extend(b"0,".repeat(8 * 1024 * 1024));
    numbers.extend(b"0]");
    let hungry = upload(&app, &owner, &ws, &root, "numbers.json", numbers).await;
    let small = upload(&app, &owner, &ws, &root, "small.json", br#"{"kestrel": [1, 2]}"#.to_vec()).await;
    let status = processed(&app, &owner, &ws, &hungry, 1).await;
    assert_eq!(status["text_status"], "failed", "{status}");
    let status = processed(&app, &owner, &ws, &small, 1).await;
    assert_eq!(status["text_status"], "extracted", "the same limits leave room for ordinary files: {status}");
    finds(&app, &owner, &ws, "q=kestrel", &["small.json"]).await;
}
