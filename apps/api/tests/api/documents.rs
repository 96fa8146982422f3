//! Documents over HTTP: uploads, versions, streamed and ranged downloads.

use std::io::Write as _;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, problem, spawn_app, spawn_app_with};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

async fn workspace(app: &TestApp, token: &str) -> (String, String) {
    let ws =
        json_of(app.post("/api/v1/workspaces", Some(token), json!({"name": "Docs"})).await, StatusCode::CREATED).await;
    (ws["id"].as_str().expect("id").to_owned(), ws["root_folder_id"].as_str().expect("root").to_owned())
}

async fn upload(app: &TestApp, token: &str, ws: &str, folder: &str, name: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/workspaces/{ws}/folders/{folder}/documents")))
        .query(&[("name", name)])
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .expect("sent")
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn a_document_is_uploaded_versioned_and_downloaded() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace(&app, &alice.access).await;
    let first = b"first version of the plan".to_vec();
    let created = upload(&app, &alice.access, &ws, &root, "Plan.txt", first.clone()).await;
    let location = created.headers()["location"].to_str().expect("ascii").to_owned();
    let doc = json_of(created, StatusCode::CREATED).await;
    let id = doc["id"].as_str().expect("id").to_owned();
    assert_eq!(location, format!("/api/v1/workspaces/{ws}/documents/{id}"));
    assert_eq!(doc["kind"], "document");
    assert_eq!(doc["current_version"]["number"], 1);
    assert_eq!(doc["current_version"]["size"], first.len());
    assert_eq!(doc["current_version"]["sha256"], sha256_hex(&first));
    assert_eq!(doc["current_version"]["content_type"], "text/plain", "text, as its content and name say");
    for (name, body, declared, expected) in [
        ("README.md", b"# Notes\n".to_vec(), "text/plain", "text/markdown"),
        ("figures", b"a,b\n1,2\n".to_vec(), "text/csv", "text/csv"),
        ("page.html", b"<p>hi</p>".to_vec(), "image/png", "text/html"),
        ("binary.txt", vec![0u8, 159, 146, 150], "text/plain", "application/octet-stream"),
        ("photo.pdf", PNG.to_vec(), "application/pdf", "image/png"),
    ] {
        let made = app
            .client
            .post(app.url(&format!("/api/v1/workspaces/{ws}/folders/{root}/documents")))
            .query(&[("name", name)])
            .bearer_auth(&alice.access)
            .header("content-type", declared)
            .body(body)
            .send()
            .await
            .expect("sent");
        let made = json_of(made, StatusCode::CREATED).await;
        assert_eq!(made["current_version"]["content_type"], expected, "{name} declared {declared}");
    }

    let download = app.get(&format!("{location}/content"), &alice.access).await;
    assert_eq!(download.status(), StatusCode::OK);
    let h = download.headers().clone();
    assert_eq!(h["etag"], format!("\"{}\"", sha256_hex(&first)));
    assert_eq!(h["content-length"], first.len().to_string());
    assert_eq!(h["accept-ranges"], "bytes");
    // Plain text previews inline, still sandboxed and never sniffed.
    assert!(h["content-disposition"].to_str().expect("ascii").starts_with("inline; filename=\"Plan.txt\""));
    assert!(h["content-security-policy"].to_str().expect("ascii").starts_with("sandbox"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(download.bytes().await.expect("body").to_vec(), first);

    let second = PNG.to_vec();
    let v2 = app
        .client
        .post(app.url(&format!("{location}/versions")))
        .query(&[("filename", "plan.png"), ("note", "now a picture")])
        .bearer_auth(&alice.access)
        .body(second.clone())
        .send()
        .await
        .expect("sent");
    let v2 = json_of(v2, StatusCode::CREATED).await;
    assert_eq!(v2["number"], 2);
    assert_eq!(v2["content_type"], "image/png");
    assert_eq!(v2["note"], "now a picture");

    let versions = json_of(app.get(&format!("{location}/versions"), &alice.access).await, StatusCode::OK).await;
    let numbers: Vec<u64> =
        versions["items"].as_array().expect("items").iter().filter_map(|v| v["number"].as_u64()).collect();
    assert_eq!(numbers, [2, 1]);
    let current = app.get(&format!("{location}/content"), &alice.access).await;
    assert!(
        current.headers()["content-disposition"].to_str().expect("ascii").starts_with("inline"),
        "PNG previews inline"
    );
    assert_eq!(current.headers()["content-type"], "image/png");
    assert_eq!(current.bytes().await.expect("body").to_vec(), second);
    let old = app.get(&format!("{location}/versions/1/content"), &alice.access).await;
    assert_eq!(old.bytes().await.expect("body").to_vec(), first, "every version stays downloadable");
    problem(
        app.get(&format!("{location}/versions/9/content"), &alice.access).await,
        StatusCode::NOT_FOUND,
        "version_not_found",
    )
    .await;
}

#[tokio::test]
async fn ranges_and_etags_follow_http() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace(&app, &alice.access).await;
    let body: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let doc =
        json_of(upload(&app, &alice.access, &ws, &root, "data.bin", body.clone()).await, StatusCode::CREATED).await;
    let url = app.url(&format!("/api/v1/workspaces/{ws}/documents/{}/content", doc["id"].as_str().expect("id")));
    let get = |range: Option<&'static str>, etag: Option<String>| {
        let mut req = app.client.get(&url).bearer_auth(&alice.access);
        if let Some(range) = range {
            req = req.header("range", range);
        }
        if let Some(etag) = etag {
            req = req.header("if-none-match", etag);
        }
        req.send()
    };

    let partial = get(Some("bytes=100-199"), None).await.expect("sent");
    assert_eq!(partial.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(partial.headers()["content-range"], "bytes 100-199/10000");
    assert_eq!(partial.headers()["content-length"], "100");
    assert_eq!(partial.bytes().await.expect("body").to_vec(), body[100..200]);

    let tail = get(Some("bytes=-10"), None).await.expect("sent");
    assert_eq!(tail.headers()["content-range"], "bytes 9990-9999/10000");
    assert_eq!(tail.bytes().await.expect("body").to_vec(), body[9990..]);

    let beyond = get(Some("bytes=20000-"), None).await.expect("sent");
    assert_eq!(beyond.headers()["content-range"], "bytes */10000");
    problem(beyond, StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable").await;

    let several = get(Some("bytes=0-1,5-6"), None).await.expect("sent");
    assert_eq!(several.status(), StatusCode::OK, "multiple ranges fall back to the whole content");

    let etag = format!("\"{}\"", sha256_hex(&body));
    let unchanged = get(None, Some(etag.clone())).await.expect("sent");
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.headers()["etag"], etag.as_str());
    assert!(unchanged.bytes().await.expect("body").is_empty());
    let changed = get(None, Some("\"0000000000000000000000000000000000000000000000000000000000000000\"".into()))
        .await
        .expect("sent");
    assert_eq!(changed.status(), StatusCode::OK);
}

#[tokio::test]
async fn uploads_are_limited_and_names_unique() {
    let app = spawn_app_with(|s| s.storage.max_upload_bytes = 1_000).await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace(&app, &alice.access).await;
    problem(
        upload(&app, &alice.access, &ws, &root, "big.bin", vec![7; 1_001]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    json_of(upload(&app, &alice.access, &ws, &root, "a.txt", vec![1; 10]).await, StatusCode::CREATED).await;
    problem(upload(&app, &alice.access, &ws, &root, "A.TXT", vec![2; 10]).await, StatusCode::CONFLICT, "name_taken")
        .await;
    problem(
        upload(&app, &alice.access, &ws, &root, "../evil", vec![3; 10]).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let no_name = app
        .client
        .post(app.url(&format!("/api/v1/workspaces/{ws}/folders/{root}/documents")))
        .bearer_auth(&alice.access)
        .body(vec![1, 2, 3])
        .send()
        .await
        .expect("sent");
    problem(no_name, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // A chunked body without a declared length is cut off at the limit too.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..20).map(|_| Ok(vec![9u8; 100])).collect();
    let streamed = app
        .client
        .post(app.url(&format!("/api/v1/workspaces/{ws}/folders/{root}/documents")))
        .query(&[("name", "stream.bin")])
        .bearer_auth(&alice.access)
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .expect("sent");
    problem(streamed, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[tokio::test]
async fn an_aborted_upload_leaves_no_document_and_no_blob() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace(&app, &alice.access).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let token = alice.access.clone();
    let path = format!("/api/v1/workspaces/{ws}/folders/{root}/documents?name=half.bin");
    tokio::task::spawn_blocking(move || {
        let mut socket = std::net::TcpStream::connect(address).expect("connect");
        write!(
            socket,
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n"
        )
        .expect("headers");
        socket.write_all(&vec![5u8; 300_000]).expect("part of the body");
        socket.flush().expect("flush");
        std::thread::sleep(std::time::Duration::from_millis(300));
        // Dropping the socket half way through is the client going away.
    })
    .await
    .expect("client");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let leftovers = app.stored_files();
    assert!(leftovers.is_empty(), "no object remains of the aborted upload: {leftovers:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM uploads").await, 0, "nor a record of it in flight");

    let children = json_of(
        app.get(&format!("/api/v1/workspaces/{ws}/folders/{root}/children"), &alice.access).await,
        StatusCode::OK,
    )
    .await;
    assert!(children["items"].as_array().expect("items").is_empty());
    let events = app.events().await;
    assert!(!events.iter().any(|e| e.0.starts_with("document.")), "no document was recorded");
    // The same name is still free.
    json_of(upload(&app, &alice.access, &ws, &root, "half.bin", vec![1; 10]).await, StatusCode::CREATED).await;
    assert_eq!(app.blob_count().await, 1, "only the completed upload's content is stored");
    if std::env::var("CABINET_TEST_BACKEND").is_err() {
        assert_eq!(app.stored_files().len(), 1, "one object on disk: {:?}", app.stored_files());
    }
}

#[tokio::test]
async fn a_folder_lists_its_subfolders_then_its_documents() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace(&app, &alice.access).await;
    json_of(upload(&app, &alice.access, &ws, &root, "notes.txt", b"hello".to_vec()).await, StatusCode::CREATED).await;
    json_of(upload(&app, &alice.access, &ws, &root, "logo.png", PNG.to_vec()).await, StatusCode::CREATED).await;
    json_of(
        app.post(
            &format!("/api/v1/workspaces/{ws}/folders"),
            Some(&alice.access),
            json!({"name": "zeta", "parent_id": root}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let page = json_of(
        app.get(&format!("/api/v1/workspaces/{ws}/folders/{root}/children?limit=2"), &alice.access).await,
        StatusCode::OK,
    )
    .await;
    let items = page["items"].as_array().expect("items");
    assert_eq!(items[0]["kind"], "folder");
    assert_eq!(items[0]["name"], "zeta");
    assert_eq!(items[1]["kind"], "document");
    assert_eq!(items[1]["name"], "logo.png");
    assert_eq!(items[1]["content_type"], "image/png");
    assert_eq!(items[1]["size"], PNG.len());
    let cursor = page["next_cursor"].as_str().expect("more");
    let rest = json_of(
        app.get(&format!("/api/v1/workspaces/{ws}/folders/{root}/children?limit=2&cursor={cursor}"), &alice.access)
            .await,
        StatusCode::OK,
    )
    .await;
    let names: Vec<&str> = rest["items"].as_array().expect("items").iter().filter_map(|i| i["name"].as_str()).collect();
    assert_eq!(names, ["notes.txt"]);
    assert!(rest["next_cursor"].is_null());
}

#[tokio::test]
async fn the_workspace_quota_is_enforced_and_reported() {
    let app = spawn_app_with(|s| s.storage.workspace_quota_bytes = 1_000).await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace(&app, &alice.access).await;
    json_of(upload(&app, &alice.access, &ws, &root, "a", vec![1; 600]).await, StatusCode::CREATED).await;
    problem(
        upload(&app, &alice.access, &ws, &root, "b", vec![2; 600]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "quota_exceeded",
    )
    .await;
    json_of(upload(&app, &alice.access, &ws, &root, "a copy", vec![1; 600]).await, StatusCode::CREATED).await;
    let usage = json_of(app.get(&format!("/api/v1/workspaces/{ws}/usage"), &alice.access).await, StatusCode::OK).await;
    assert_eq!(usage["bytes"], 600, "identical content counts once");
    assert_eq!(usage["quota_bytes"], 1_000);
    let events = app.events().await;
    assert_eq!(
        events.iter().filter(|e| e.0 == "document.created.v1").count(),
        2,
        "the refused upload left no document"
    );
}

#[tokio::test]
async fn documents_are_renamed_moved_tagged_and_guarded_by_if_match() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace(&app, &alice.access).await;
    let archive = json_of(
        app.post(
            &format!("/api/v1/workspaces/{ws}/folders"),
            Some(&alice.access),
            json!({"name": "Archive", "parent_id": root}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let doc =
        json_of(upload(&app, &alice.access, &ws, &root, "draft.txt", b"text".to_vec()).await, StatusCode::CREATED)
            .await;
    let url = format!("/api/v1/workspaces/{ws}/documents/{}", doc["id"].as_str().expect("id"));
    let read = app.get(&url, &alice.access).await;
    let etag = read.headers()["etag"].to_str().expect("ascii").to_owned();
    assert_eq!(etag, "\"r1\"");
    let conditional =
        |tag: &str| app.client.get(app.url(&url)).bearer_auth(&alice.access).header("if-none-match", tag).send();
    let unchanged = conditional(&etag).await.expect("sent");
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED, "a current ETag gets 304");
    assert_eq!(unchanged.headers()["etag"], etag.as_str());
    assert!(unchanged.bytes().await.expect("body").is_empty());
    assert_eq!(conditional("W/\"r1\", \"x\"").await.expect("sent").status(), StatusCode::NOT_MODIFIED);
    assert_eq!(conditional("\"r0\"").await.expect("sent").status(), StatusCode::OK, "a stale one gets the body");

    let patch = |if_match: Option<String>, body: Value| {
        let mut req = app.client.patch(app.url(&url)).bearer_auth(&alice.access).json(&body);
        if let Some(tag) = if_match {
            req = req.header("if-match", tag);
        }
        req.send()
    };
    let changes = json!({"name": "final.txt", "folder_id": archive, "tags": ["Legal", "legal", "2026"], "metadata": {"client": "ACME"}, "description": "Signed"});
    let updated = patch(Some(etag.clone()), changes).await.expect("sent");
    assert_eq!(updated.headers()["etag"], "\"r2\"");
    let updated = json_of(updated, StatusCode::OK).await;
    assert_eq!(updated["name"], "final.txt");
    assert_eq!(updated["folder_id"].as_str(), Some(archive.as_str()));
    assert_eq!(updated["tags"], json!(["Legal", "2026"]));
    assert_eq!(updated["metadata"]["client"], "ACME");
    assert_eq!(updated["description"], "Signed");

    // The old ETag is stale now: a second writer who read revision 1 loses.
    problem(
        patch(Some(etag), json!({"description": "overwrite"})).await.expect("sent"),
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    problem(
        patch(Some("\"bogus\"".into()), json!({})).await.expect("sent"),
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    problem(
        patch(None, json!({"metadata": {"bad key": "x"}})).await.expect("sent"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    problem(
        patch(None, json!({"folder_id": uuid::Uuid::new_v4()})).await.expect("sent"),
        StatusCode::NOT_FOUND,
        "folder_not_found",
    )
    .await;
    json_of(upload(&app, &alice.access, &ws, &archive, "other.txt", b"x".to_vec()).await, StatusCode::CREATED).await;
    problem(patch(None, json!({"name": "OTHER.txt"})).await.expect("sent"), StatusCode::CONFLICT, "name_taken").await;

    let archived = json_of(
        app.get(&format!("/api/v1/workspaces/{ws}/folders/{archive}/children"), &alice.access).await,
        StatusCode::OK,
    )
    .await;
    let names: Vec<&str> =
        archived["items"].as_array().expect("items").iter().filter_map(|i| i["name"].as_str()).collect();
    assert_eq!(names, ["final.txt", "other.txt"]);
}

#[tokio::test]
async fn identical_content_is_stored_once() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace(&app, &alice.access).await;
    let body = b"the same bytes twice".to_vec();
    let a = json_of(upload(&app, &alice.access, &ws, &root, "a", body.clone()).await, StatusCode::CREATED).await;
    let b = json_of(upload(&app, &alice.access, &ws, &root, "b", body.clone()).await, StatusCode::CREATED).await;
    assert_eq!(a["current_version"]["sha256"], b["current_version"]["sha256"]);
    assert_eq!(app.blob_count().await, 1);
}

#[tokio::test]
async fn documents_are_invisible_to_other_tenants_and_read_only_to_viewers() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let bob = app.user("bob@example.com").await;
    let vera = app.user("vera@example.com").await;
    let (ws, root) = workspace(&app, &alice.access).await;
    app.add_member(&alice.access, &ws, "vera@example.com", "viewer").await;
    let doc: Value = json_of(
        upload(&app, &alice.access, &ws, &root, "secret.txt", b"top secret".to_vec()).await,
        StatusCode::CREATED,
    )
    .await;
    let id = doc["id"].as_str().expect("id");
    let (bob_ws, bob_root) = workspace(&app, &bob.access).await;

    for path in
        [format!("/api/v1/workspaces/{ws}/documents/{id}"), format!("/api/v1/workspaces/{ws}/documents/{id}/content")]
    {
        problem(app.get(&path, &bob.access).await, StatusCode::NOT_FOUND, "workspace_not_found").await;
    }
    for path in [
        format!("/api/v1/workspaces/{bob_ws}/documents/{id}"),
        format!("/api/v1/workspaces/{bob_ws}/documents/{id}/content"),
    ] {
        let r = app.get(&path, &bob.access).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    problem(upload(&app, &bob.access, &bob_ws, &root, "x", vec![1]).await, StatusCode::NOT_FOUND, "folder_not_found")
        .await;
    let _ = bob_root;

    let read = app.get(&format!("/api/v1/workspaces/{ws}/documents/{id}/content"), &vera.access).await;
    assert_eq!(read.bytes().await.expect("body").as_ref(), b"top secret");
    problem(upload(&app, &vera.access, &ws, &root, "v.txt", vec![1]).await, StatusCode::FORBIDDEN, "forbidden").await;
}

/// A `multipart/form-data` body with text fields, then (optionally) a file part.
fn form(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "cabinet-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, value) in fields {
        write!(body, "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
            .expect("field");
    }
    if let Some((filename, bytes)) = file {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .expect("file head");
        body.extend_from_slice(bytes);
        write!(body, "\r\n").expect("file end");
    }
    write!(body, "--{boundary}--\r\n").expect("end");
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_form(
    app: &TestApp,
    token: &str,
    path: &str,
    (content_type, body): (String, Vec<u8>),
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn browsers_upload_documents_and_versions_as_forms() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let (ws, root) = workspace(&app, &alice.access).await;
    let documents = format!("/api/v1/workspaces/{ws}/folders/{root}/documents");

    let created =
        post_form(&app, &alice.access, &documents, form(&[("note", "first draft")], Some(("Plan.png", PNG)))).await;
    let created = json_of(created, StatusCode::CREATED).await;
    assert_eq!(created["name"], "Plan.png", "the name defaults to the file's");
    assert_eq!(created["current_version"]["filename"], "Plan.png");
    assert_eq!(created["current_version"]["note"], "first draft");
    assert_eq!(created["current_version"]["content_type"], "image/png");
    let id = created["id"].as_str().expect("id");
    let content = app.get(&format!("/api/v1/workspaces/{ws}/documents/{id}/content"), &alice.access).await;
    assert_eq!(content.bytes().await.expect("body").as_ref(), PNG);

    let versions = format!("/api/v1/workspaces/{ws}/documents/{id}/versions");
    let v2 = post_form(&app, &alice.access, &versions, form(&[], Some(("plan-v2.txt", b"second")))).await;
    let v2 = json_of(v2, StatusCode::CREATED).await;
    assert_eq!((v2["number"].as_u64(), v2["filename"].as_str()), (Some(2), Some("plan-v2.txt")));

    let named = form(&[("name", "Budget"), ("filename", "budget-2026.csv")], Some(("upload.bin", b"a,b\n1,2\n")));
    let named = json_of(post_form(&app, &alice.access, &documents, named).await, StatusCode::CREATED).await;
    assert_eq!(
        (named["name"].as_str(), named["current_version"]["filename"].as_str()),
        (Some("Budget"), Some("budget-2026.csv"))
    );

    let no_file = post_form(&app, &alice.access, &documents, form(&[("name", "Empty")], None)).await;
    problem(no_file, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let unknown = post_form(&app, &alice.access, &documents, form(&[("owner", "me")], Some(("x.txt", b"x")))).await;
    problem(unknown, StatusCode::BAD_REQUEST, "invalid_form").await;
    let long_note = "n".repeat(10_000);
    let oversized =
        post_form(&app, &alice.access, &documents, form(&[("note", &long_note)], Some(("x.txt", b"x")))).await;
    problem(oversized, StatusCode::BAD_REQUEST, "invalid_form").await;

    // A form cut off inside its file part stores nothing.
    let (content_type, mut body) = form(&[("name", "Cut")], Some(("cut.bin", &[7u8; 50_000])));
    body.truncate(body.len() - 100);
    let cut = post_form(&app, &alice.access, &documents, (content_type, body)).await;
    problem(cut, StatusCode::BAD_REQUEST, "upload_aborted").await;
    let children = json_of(
        app.get(&format!("/api/v1/workspaces/{ws}/folders/{root}/children"), &alice.access).await,
        StatusCode::OK,
    )
    .await;
    let names: Vec<&str> =
        children["items"].as_array().expect("items").iter().filter_map(|i| i["name"].as_str()).collect();
    assert_eq!(names, ["Budget", "Plan.png"]);
}
