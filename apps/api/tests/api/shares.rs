//! Share links: created by members, opened by anyone holding the token,
//! within expiry, download limit and password.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, Tokens, json_of, problem, spawn_app, spawn_app_with};

struct Shared {
    alice: Tokens,
    ws: String,
    root: String,
    doc: String,
}

async fn shared_document(app: &TestApp) -> Shared {
    let alice = app.user("alice@example.com").await;
    let ws =
        json_of(app.post("/api/v1/workspaces", Some(&alice.access), json!({"name": "S"})).await, StatusCode::CREATED)
            .await;
    let (ws, root) =
        (ws["id"].as_str().expect("id").to_owned(), ws["root_folder_id"].as_str().expect("root").to_owned());
    let doc = app.upload_file(&alice.access, &ws, &root, "report.txt", "quarterly figures").await;
    Shared { alice, ws, root, doc }
}

async fn create_link(app: &TestApp, s: &Shared, options: Value) -> Value {
    let path = format!("/api/v1/workspaces/{}/documents/{}/shares", s.ws, s.doc);
    json_of(app.post(&path, Some(&s.alice.access), options).await, StatusCode::CREATED).await
}

fn token_of(link: &Value) -> String {
    link["token"].as_str().expect("a token at creation").to_owned()
}

/// `GET /s/{token}{suffix}` with no account, and the password header if given.
async fn visit(app: &TestApp, token: &str, suffix: &str, password: Option<&str>) -> Response {
    let mut req = app.client.get(app.url(&format!("/s/{token}{suffix}")));
    if let Some(password) = password {
        req = req.header("x-share-password", password);
    }
    req.send().await.expect("sent")
}

#[tokio::test]
async fn a_link_serves_its_document_to_anyone_until_revoked() {
    let app = spawn_app().await;
    let s = shared_document(&app).await;
    let link = create_link(&app, &s, json!({})).await;
    let token = token_of(&link);
    assert!(token.starts_with("cabs_") && token.len() >= 5 + 43, "256 random bits, URL-safe: {token}");
    assert_eq!(link["path"], format!("/s/{token}"));
    assert_eq!(link["state"], "active");

    let opened = visit(&app, &token, "", None).await;
    for (name, value) in [
        ("referrer-policy", "no-referrer"),
        ("x-robots-tag", "noindex, nofollow"),
        ("cache-control", "private, no-store"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert_eq!(opened.headers().get(name).and_then(|v| v.to_str().ok()), Some(value), "{name}");
    }
    let meta = json_of(opened, StatusCode::OK).await;
    assert_eq!(meta["name"], "report.txt");
    assert_eq!(meta["size"], 17);
    assert_eq!(meta["version"], 1);
    assert_eq!(meta["downloads_left"], Value::Null);

    let download = visit(&app, &token, "/download", None).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["cache-control"], "private, no-store");
    assert_eq!(download.headers()["x-robots-tag"], "noindex, nofollow");
    assert!(download.headers()["content-disposition"].to_str().expect("ascii").contains("report.txt"));
    assert_eq!(download.text().await.expect("body"), "quarterly figures");
    let part = app.client.get(app.url(&format!("/s/{token}/download"))).header("range", "bytes=10-").send().await;
    let part = part.expect("sent");
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.text().await.expect("body"), "figures");

    // Managers see the link, never its token; the database keeps only a hash.
    let listed = json_of(
        app.get(&format!("/api/v1/workspaces/{}/documents/{}/shares", s.ws, s.doc), &s.alice.access).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"][0]["id"], link["id"]);
    assert_eq!(listed["items"][0]["downloads"], 1, "a later range of the same download does not count");
    assert!(listed["items"][0].get("token").is_none());
    let clear = format!("SELECT COUNT(*) FROM share_links WHERE token_hash = '{token}'");
    assert_eq!(app.count(&clear).await, 0);
    let leaked = format!("SELECT COUNT(*) FROM events WHERE CAST(payload AS TEXT) LIKE '%{token}%'");
    assert_eq!(app.count(&leaked).await, 0, "no event carries the token");

    let revoke = format!("/api/v1/workspaces/{}/shares/{}", s.ws, link["id"].as_str().expect("id"));
    assert_eq!(app.delete(&revoke, &s.alice.access).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&revoke, &s.alice.access).await.status(), StatusCode::NO_CONTENT, "revoking is idempotent");
    problem(visit(&app, &token, "", None).await, StatusCode::GONE, "share_link_revoked").await;
    problem(visit(&app, &token, "/download", None).await, StatusCode::GONE, "share_link_revoked").await;
    let listed = json_of(
        app.get(&format!("/api/v1/workspaces/{}/documents/{}/shares", s.ws, s.doc), &s.alice.access).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"][0]["state"], "revoked");
    problem(visit(&app, "cabs_unknown", "", None).await, StatusCode::NOT_FOUND, "share_link_not_found").await;

    let events = app.events().await;
    let of = |t: &str| events.iter().filter(|e| e.0 == t).collect::<Vec<_>>();
    assert_eq!(of("share_link.created.v1").len(), 1);
    assert_eq!(of("share_link.revoked.v1").len(), 1);
    let downloads = of("share_link.downloaded.v1");
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0].1, "share_link", "downloads are attributed to the link");
}

#[tokio::test]
async fn an_expired_link_is_gone() {
    let app = spawn_app().await;
    let s = shared_document(&app).await;
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let token = token_of(&create_link(&app, &s, json!({"expires_at": soon})).await);
    assert_eq!(visit(&app, &token, "", None).await.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    problem(visit(&app, &token, "", None).await, StatusCode::GONE, "share_link_expired").await;
    problem(visit(&app, &token, "/download", None).await, StatusCode::GONE, "share_link_expired").await;

    let path = format!("/api/v1/workspaces/{}/documents/{}/shares", s.ws, s.doc);
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    let refused = app
        .post(&path, Some(&s.alice.access), json!({"expires_at": past, "max_downloads": 0, "password": "short"}))
        .await;
    let body = problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"].as_array().expect("errors").len(), 3, "{body}");
}

#[tokio::test]
async fn the_download_limit_holds_under_concurrent_downloads() {
    let app = spawn_app().await;
    let s = shared_document(&app).await;
    let token = token_of(&create_link(&app, &s, json!({"max_downloads": 3})).await);
    assert_eq!(json_of(visit(&app, &token, "", None).await, StatusCode::OK).await["downloads_left"], 3);
    let attempts = (0..10).map(|_| visit(&app, &token, "/download", None));
    let statuses: Vec<StatusCode> = futures::future::join_all(attempts).await.iter().map(Response::status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::GONE).count(), 7, "{statuses:?}");
    problem(visit(&app, &token, "", None).await, StatusCode::GONE, "share_link_exhausted").await;
}

/// `GET /s/{token}/download` for `range`.
async fn ranged(app: &TestApp, token: &str, range: &str) -> Response {
    app.client.get(app.url(&format!("/s/{token}/download"))).header("range", range).send().await.expect("sent")
}

#[tokio::test]
async fn ranges_cannot_get_more_than_the_limits_copies_out() {
    let app = spawn_app().await;
    let s = shared_document(&app).await;
    // Ranges that never start at byte 0: one copy's worth, then nothing.
    let token = token_of(&create_link(&app, &s, json!({"max_downloads": 1})).await);
    let first = ranged(&app, &token, "bytes=1-").await;
    assert_eq!(first.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(first.text().await.expect("body"), "uarterly figures");
    problem(ranged(&app, &token, "bytes=1-").await, StatusCode::GONE, "share_link_exhausted").await;

    // A whole copy fetched in pieces uses up the limit of one.
    let token = token_of(&create_link(&app, &s, json!({"max_downloads": 1})).await);
    let mut body = String::new();
    for range in ["bytes=1-5", "bytes=6-10", "bytes=11-16", "bytes=0-0"] {
        let part = ranged(&app, &token, range).await;
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        body.push_str(&part.text().await.expect("body"));
    }
    assert_eq!(body, "uarterly figuresq");
    problem(ranged(&app, &token, "bytes=3-4").await, StatusCode::GONE, "share_link_exhausted").await;
    problem(visit(&app, &token, "/download", None).await, StatusCode::GONE, "share_link_exhausted").await;
}

#[tokio::test]
async fn a_password_is_required_checked_and_guessing_it_is_throttled() {
    let app = spawn_app_with(|s| s.sharing.password_failures = 3).await;
    let s = shared_document(&app).await;
    let link = create_link(&app, &s, json!({"password": "open sesame please"})).await;
    assert_eq!(link["password_protected"], true);
    let token = token_of(&link);
    problem(visit(&app, &token, "", None).await, StatusCode::UNAUTHORIZED, "share_password_required").await;
    problem(visit(&app, &token, "/download", None).await, StatusCode::UNAUTHORIZED, "share_password_required").await;
    let meta = json_of(visit(&app, &token, "", Some("open sesame please")).await, StatusCode::OK).await;
    assert_eq!(meta["name"], "report.txt");

    // A browser posts the password from a form and saves the file directly.
    let form = app
        .client
        .post(app.url(&format!("/s/{token}/download")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("password=open+sesame+please")
        .send()
        .await
        .expect("sent");
    assert_eq!(form.status(), StatusCode::OK);
    assert_eq!(form.text().await.expect("body"), "quarterly figures");

    for _ in 0..3 {
        problem(
            visit(&app, &token, "", Some("a wrong guess")).await,
            StatusCode::UNAUTHORIZED,
            "share_password_invalid",
        )
        .await;
    }
    let throttled = visit(&app, &token, "", Some("open sesame please")).await;
    assert!(throttled.headers().contains_key("retry-after"));
    problem(throttled, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn guessing_tokens_is_throttled_per_address() {
    let app = spawn_app_with(|s| s.sharing.misses_per_ip = 5).await;
    let s = shared_document(&app).await;
    let token = token_of(&create_link(&app, &s, json!({})).await);
    for _ in 0..5 {
        let guess = format!("cabs_{}", uuid::Uuid::new_v4().simple());
        problem(visit(&app, &guess, "", None).await, StatusCode::NOT_FOUND, "share_link_not_found").await;
    }
    let guess = format!("cabs_{}", uuid::Uuid::new_v4().simple());
    problem(visit(&app, &guess, "", None).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    problem(visit(&app, &token, "", None).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn a_pinned_link_keeps_its_version_and_a_trashed_document_is_not_served() {
    let app = spawn_app().await;
    let s = shared_document(&app).await;
    let pinned = token_of(&create_link(&app, &s, json!({"version": 1})).await);
    let current = token_of(&create_link(&app, &s, json!({})).await);
    let versions = format!("/api/v1/workspaces/{}/documents/{}/versions", s.ws, s.doc);
    let added = app
        .client
        .post(app.url(&versions))
        .bearer_auth(&s.alice.access)
        .body("revised figures")
        .send()
        .await
        .expect("sent");
    assert_eq!(added.status(), StatusCode::CREATED);
    assert_eq!(visit(&app, &pinned, "/download", None).await.text().await.expect("body"), "quarterly figures");
    assert_eq!(visit(&app, &current, "/download", None).await.text().await.expect("body"), "revised figures");
    let missing = app
        .post(
            &format!("/api/v1/workspaces/{}/documents/{}/shares", s.ws, s.doc),
            Some(&s.alice.access),
            json!({"version": 9}),
        )
        .await;
    problem(missing, StatusCode::NOT_FOUND, "version_not_found").await;

    let doc = format!("/api/v1/workspaces/{}/documents/{}", s.ws, s.doc);
    assert_eq!(app.delete(&doc, &s.alice.access).await.status(), StatusCode::NO_CONTENT);
    problem(visit(&app, &current, "", None).await, StatusCode::NOT_FOUND, "share_link_not_found").await;
    let restore = app.request(reqwest::Method::POST, &format!("{doc}/restore"), Some(&s.alice.access), None).await;
    assert_eq!(restore.status(), StatusCode::NO_CONTENT);
    assert_eq!(visit(&app, &current, "", None).await.status(), StatusCode::OK, "restored, the link works again");
    let _ = s.root;
}

#[tokio::test]
async fn links_of_another_workspace_cannot_be_seen_or_revoked() {
    let app = spawn_app().await;
    let s = shared_document(&app).await;
    let link = create_link(&app, &s, json!({})).await;
    let bob = app.user("bob@example.com").await;
    let bobs = app.workspace(&bob.access, "Bob's").await;
    let id = link["id"].as_str().expect("id");
    for path in [format!("/api/v1/workspaces/{bobs}/shares/{id}"), format!("/api/v1/workspaces/{}/shares/{id}", s.ws)] {
        let status = app.delete(&path, &bob.access).await.status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let listed = app.get(&format!("/api/v1/workspaces/{bobs}/documents/{}/shares", s.doc), &bob.access).await;
    problem(listed, StatusCode::NOT_FOUND, "document_not_found").await;
    assert_eq!(visit(&app, &token_of(&link), "", None).await.status(), StatusCode::OK, "still working");
}
