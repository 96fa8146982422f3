//! The HTTP edge: malformed bodies, limits, media types, request ids, CORS,
//! headers, probes and the OpenAPI document.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_of, problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn malformed_json_wrong_types_and_unknown_fields_are_problems() {
    let app = spawn_app().await;
    let send = |body: &'static str, content_type: &'static str| {
        app.client.post(app.url("/api/v1/auth/register")).header("content-type", content_type).body(body).send()
    };
    problem(send("{\"email\": ", "application/json").await.expect("sent"), StatusCode::BAD_REQUEST, "malformed_json")
        .await;
    problem(
        send("not json at all", "application/json").await.expect("sent"),
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    problem(
        send("{\"email\": 42}", "application/json").await.expect("sent"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    problem(
        send(
            r#"{"email":"a@example.com","password":"long enough pw","display_name":"A","is_admin":true}"#,
            "application/json",
        )
        .await
        .expect("sent"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    problem(
        send("email=a", "application/x-www-form-urlencoded").await.expect("sent"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    problem(
        send("{}", "text/plain").await.expect("sent"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_without_reading_them_whole() {
    let app = spawn_app().await;
    let huge = format!(r#"{{"email":"a@example.com","password":"{}","display_name":"A"}}"#, "x".repeat(200_000));
    let response = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("sent");
    problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[tokio::test]
async fn request_ids_are_kept_when_sane_and_minted_otherwise() {
    let app = spawn_app().await;
    let sane =
        app.client.get(app.url("/health/live")).header("x-request-id", "trace-abc_123").send().await.expect("sent");
    assert_eq!(sane.headers()["x-request-id"], "trace-abc_123");
    let insane = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .expect("sent");
    let minted = insane.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    assert_ne!(minted, "bad id with spaces");
    assert!(uuid::Uuid::parse_str(&minted).is_ok());
    let problem_body = problem(
        app.client.get(app.url("/api/v1/me")).header("x-request-id", "req-42").send().await.expect("sent"),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert_eq!(problem_body["request_id"], "req-42");
}

#[tokio::test]
async fn unknown_routes_and_malformed_ids_are_problems() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    problem(app.get("/api/v1/nothing-here", &alice.access).await, StatusCode::NOT_FOUND, "route_not_found").await;
    problem(app.get("/api/v1/workspaces/not-a-uuid", &alice.access).await, StatusCode::BAD_REQUEST, "invalid_path")
        .await;
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = spawn_app().await;
    let response = app.request(reqwest::Method::GET, "/api/v1/me", None, None).await;
    let h = response.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h["content-security-policy"].to_str().expect("ascii").contains("default-src 'none'"));
}

#[tokio::test]
async fn cors_allows_exactly_the_configured_origins() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/workspaces"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization,content-type")
            .send()
    };
    let allowed = preflight("https://app.example.com").await.expect("sent");
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://app.example.com");
    for evil in ["https://evil.example", "null", "https://app.example.com.evil.example"] {
        let refused = preflight(evil).await.expect("sent");
        assert!(!refused.headers().contains_key("access-control-allow-origin"), "{evil}");
    }
    let simple =
        app.client.get(app.url("/health/live")).header("origin", "https://app.example.com").send().await.expect("sent");
    assert_eq!(simple.headers()["access-control-allow-origin"], "https://app.example.com");
    assert!(simple.headers()["vary"].to_str().expect("ascii").contains("Origin"));
}

#[tokio::test]
async fn probes_report_liveness_and_readiness() {
    let app = spawn_app().await;
    let live = json_of(app.client.get(app.url("/health/live")).send().await.expect("sent"), StatusCode::OK).await;
    assert_eq!(live["status"], "ok");
    let ready = json_of(app.client.get(app.url("/health/ready")).send().await.expect("sent"), StatusCode::OK).await;
    assert_eq!(ready["status"], "ok");
    let components: Vec<&str> =
        ready["checks"].as_array().expect("checks").iter().filter_map(|c| c["component"].as_str()).collect();
    assert_eq!(components, ["database", "cache", "blob_store"]);
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_its_problems() {
    let app = spawn_app().await;
    let doc =
        json_of(app.client.get(app.url("/api/v1/openapi.json")).send().await.expect("sent"), StatusCode::OK).await;
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/me/sessions",
        "/api/v1/me/sessions/{id}",
        "/api/v1/me/password",
        "/api/v1/workspaces",
        "/api/v1/workspaces/{ws}",
        "/api/v1/workspaces/{ws}/members",
        "/api/v1/workspaces/{ws}/members/{user_id}",
        "/api/v1/workspaces/{ws}/api-keys",
        "/api/v1/workspaces/{ws}/api-keys/{key_id}",
        "/api/v1/workspaces/{ws}/folders",
        "/api/v1/workspaces/{ws}/folders/{id}",
        "/api/v1/workspaces/{ws}/folders/{id}/children",
        "/api/v1/workspaces/{ws}/folders/{id}/documents",
        "/api/v1/workspaces/{ws}/usage",
        "/api/v1/workspaces/{ws}/trash",
        "/api/v1/workspaces/{ws}/documents/{id}/restore",
        "/api/v1/workspaces/{ws}/folders/{id}/restore",
        "/api/v1/workspaces/{ws}/documents/{id}",
        "/api/v1/workspaces/{ws}/documents/{id}/content",
        "/api/v1/workspaces/{ws}/documents/{id}/versions",
        "/api/v1/workspaces/{ws}/documents/{id}/versions/{n}/content",
        "/api/v1/workspaces/{ws}/trash/documents/{id}",
        "/api/v1/workspaces/{ws}/trash/folders/{id}",
        "/api/v1/workspaces/{ws}/documents/{id}/shares",
        "/api/v1/workspaces/{ws}/shares/{link_id}",
        "/s/{token}",
        "/s/{token}/download",
        "/api/v1/workspaces/{ws}/audit/verify",
        "/api/v1/workspaces/{ws}/activity",
        "/api/v1/workspaces/{ws}/audit/events",
        "/api/v1/workspaces/{ws}/audit/export",
        "/api/v1/workspaces/{ws}/documents/{id}/history",
        "/api/v1/workspaces/{ws}/search",
        "/api/v1/workspaces/{ws}/documents/{id}/thumbnail",
        "/api/v1/workspaces/{ws}/documents/{id}/versions/{n}/thumbnail",
        "/api/v1/workspaces/{ws}/documents/{id}/versions/{n}/processing",
        "/api/v1/workspaces/{ws}/webhooks",
        "/api/v1/workspaces/{ws}/webhooks/{id}",
        "/api/v1/workspaces/{ws}/webhooks/{id}/ping",
        "/api/v1/workspaces/{ws}/webhooks/{id}/deliveries",
        "/api/v1/workspaces/{ws}/deliveries/{id}/redeliver",
        "/api/v1/admin/jobs",
        "/api/v1/admin/jobs/{id}/retry",
        "/api/v1/admin/schedule",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    let mut ids = std::collections::BTreeSet::new();
    for item in paths.values() {
        for operation in item.as_object().expect("operations").values() {
            let id = operation["operationId"].as_str().expect("an operation id");
            assert!(ids.insert(id.to_owned()), "operation id {id} is used twice");
        }
    }
    let me = &doc["paths"]["/api/v1/me"]["get"]["responses"];
    for status in ["200", "401", "403", "500", "503"] {
        assert!(me[status].is_object(), "GET /me documents {status}");
    }
    // Problems are documented as the media type they are served with.
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            for (status, response) in operation["responses"].as_object().expect("responses") {
                let Some(content) = response["content"].as_object() else { continue };
                for (media, described) in content {
                    if described["schema"]["$ref"].as_str().is_some_and(|r| r.ends_with("/Problem")) {
                        assert_eq!(media, "application/problem+json", "{method} {path} {status}");
                    }
                }
            }
            if path.contains('{') {
                assert!(operation["responses"]["404"].is_object(), "{method} {path} documents 404");
            }
        }
    }
    let sessions = &doc["paths"]["/api/v1/me/sessions"]["get"]["responses"]["200"]["content"]["application/json"];
    assert!(sessions["schema"].to_string().contains("ListDto"), "sessions are a list page: {sessions}");
    let limit = doc["paths"]["/api/v1/workspaces"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("limit")
        .clone();
    assert_eq!((limit["schema"]["minimum"].as_u64(), limit["schema"]["maximum"].as_u64()), (Some(1), Some(200)));
    let docs = app.client.get(app.url("/api/docs/")).send().await.expect("sent");
    assert_eq!(docs.status(), StatusCode::OK);
    let policy = docs.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    for directive in ["default-src 'none'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(docs.text().await.expect("html").contains("swagger"));
    for asset in ["/api/docs/swagger-initializer.js", "/api/docs/swagger-ui.css"] {
        let served = app.client.get(app.url(asset)).send().await.expect("sent");
        assert_eq!(served.status(), StatusCode::OK, "{asset}");
        assert!(served.headers().contains_key("content-security-policy"), "{asset}");
    }
    let bare = app.client.get(app.url("/api/docs")).send().await.expect("sent");
    assert_eq!(bare.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(bare.headers()["location"], "/api/docs/");
    let _ = json!({});
}

#[tokio::test]
async fn the_web_app_is_served_with_spa_fallback_and_long_lived_assets() {
    let web = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(web.path().join("assets")).expect("assets");
    std::fs::write(web.path().join("index.html"), "<!doctype html><title>Cabinet</title>").expect("index");
    std::fs::write(web.path().join("assets/app-3f9a.js"), "console.log(1)").expect("asset");
    let dir = web.path().to_owned();
    let app = crate::helpers::spawn_app_with(move |s| s.http.web_dir = dir).await;
    let page = |path: &str| app.client.get(app.url(path)).header("accept", "text/html,application/xhtml+xml").send();

    for path in ["/", "/w/0190b7a4-0000-7000-8000-000000000000/f/x", "/sign-in", "/s/some-token"] {
        let response = page(path).await.expect("sent");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
        let csp = response.headers()["content-security-policy"].to_str().expect("csp").to_owned();
        assert!(csp.contains("script-src 'self'") && csp.contains("object-src 'none'"), "{path}: {csp}");
        assert!(response.text().await.expect("body").contains("<title>Cabinet</title>"), "{path}");
    }
    let asset = app.client.get(app.url("/assets/app-3f9a.js")).send().await.expect("sent");
    assert_eq!(asset.status(), StatusCode::OK);
    assert_eq!(asset.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(asset.text().await.expect("body"), "console.log(1)");

    // Scripts asking for JSON still get the API's answers.
    let api = app.client.get(app.url("/api/v1/nothing-here")).header("accept", "text/html").send().await;
    problem(api.expect("sent"), StatusCode::NOT_FOUND, "route_not_found").await;
    let share = app.client.get(app.url("/s/some-token")).header("accept", "application/json").send().await;
    problem(share.expect("sent"), StatusCode::NOT_FOUND, "share_link_not_found").await;
    let other = app.client.get(app.url("/no-such-page")).send().await.expect("sent");
    assert_eq!(other.status(), StatusCode::NOT_FOUND, "not a page request");
}

async fn metrics_with(app: &crate::helpers::TestApp, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.client.get(app.url("/metrics"));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.expect("sent")
}

#[tokio::test]
async fn metrics_are_for_loopback_clients_or_the_metrics_token() {
    let app = spawn_app().await;
    assert_eq!(metrics_with(&app, &[]).await.status(), StatusCode::OK, "a local scraper");
    for forwarded in [("x-forwarded-for", "203.0.113.7"), ("forwarded", "for=203.0.113.7")] {
        problem(metrics_with(&app, &[forwarded]).await, StatusCode::FORBIDDEN, "forbidden").await;
    }

    let app = spawn_app_with(|s| s.metrics.token = Some("scrape-me-please-0123456789".to_owned().into())).await;
    let scraped = metrics_with(
        &app,
        &[("x-forwarded-for", "203.0.113.7"), ("authorization", "Bearer scrape-me-please-0123456789")],
    )
    .await;
    assert_eq!(scraped.status(), StatusCode::OK, "the token works from anywhere");
    let wrong = metrics_with(&app, &[("authorization", "Bearer scrape-me-please-012345678")]).await;
    problem(wrong, StatusCode::FORBIDDEN, "forbidden").await;
}

/// Sends a request head announcing `length` body bytes, then trickles one
/// byte every `every` until the server answers; returns the status line and
/// how many bytes went out.
async fn trickle(address: &str, path: &str, length: usize, every: std::time::Duration) -> (String, usize) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let host = address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.expect("head");
    let mut sent = 0;
    let mut answer = vec![0u8; 1024];
    // Bounded: the body is far longer than the server lets it take.
    while sent < length {
        tokio::select! {
            read = socket.read(&mut answer) => {
                let n = read.expect("read");
                return (String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or_default().to_owned(), sent);
            }
            () = tokio::time::sleep(every) => {
                if socket.write_all(b" ").await.is_err() {
                    break;
                }
                sent += 1;
            }
        }
    }
    let n = socket.read(&mut answer).await.unwrap_or(0);
    (String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or_default().to_owned(), sent)
}

#[tokio::test]
async fn bodies_that_trickle_in_are_cut_off_with_408() {
    let app = spawn_app_with(|s| {
        s.http.body_idle_timeout_secs = 2;
        s.http.body_min_rate = 100;
    })
    .await;
    let every = std::time::Duration::from_millis(300);
    let clients = (0..5).map(|_| trickle(&app.address, "/api/v1/auth/login", 5_000, every));
    for (status, sent) in futures::future::join_all(clients).await {
        assert!(status.contains(" 408 "), "{status}");
        assert!(sent < 200, "cut off after {sent} bytes");
    }
    // A normal request right after is served as ever.
    let ok = app.client.get(app.url("/health/live")).send().await.expect("sent");
    assert_eq!(ok.status(), StatusCode::OK);
}

/// The snake_case string literals of `text` that follow `marker`.
fn literals_after(text: &str, marker: &str) -> Vec<String> {
    text.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &text[at + marker.len()..];
            let end = rest.find('"')?;
            let word = &rest[..end];
            word.chars().all(|c| c.is_ascii_lowercase() || c == '_').then(|| word.to_owned())
        })
        .collect()
}

fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_problem_code_the_web_app_checks_is_one_the_server_sends() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let server: std::collections::HashSet<String> =
        cabinet_api::problem::ProblemCode::ALL.iter().map(|c| c.as_str().to_owned()).collect();
    let mut web = Vec::new();
    let mut scripts = Vec::new();
    files(&root.join("../web/src"), &mut scripts);
    for path in scripts {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if !(name.ends_with(".ts") || name.ends_with(".tsx")) || name.contains(".test.") || name == "schema.ts" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source");
        let mut found = literals_after(&text, "code === \"");
        if let Some(start) = text.find("const FRIENDLY") {
            let table = &text[start..start + text[start..].find("};").expect("table ends")];
            found.extend(table.lines().filter_map(|l| l.trim().split_once(": \"")).map(|(k, _)| k.to_owned()));
        }
        web.extend(found.into_iter().map(|code| (name.clone(), code)));
    }
    assert!(web.len() > 5, "found the web app's codes: {web:?}");
    let client_only = ["http_error", "canceled", "network", "unknown"];
    let unknown: Vec<_> =
        web.iter().filter(|(_, c)| !server.contains(c) && !client_only.contains(&c.as_str())).collect();
    assert!(unknown.is_empty(), "the web app checks codes the server never sends: {unknown:?}");
}

#[tokio::test]
async fn every_problem_type_is_a_page_explaining_its_code() {
    let app = spawn_app().await;
    let spec = app.client.get(app.url("/api/v1/openapi.json")).send().await.expect("sent");
    let spec: serde_json::Value = spec.json().await.expect("json");
    let codes = spec["components"]["schemas"]["ProblemCode"]["enum"].as_array().expect("codes are an enum").clone();
    assert_eq!(codes.len(), cabinet_api::problem::ProblemCode::ALL.len());
    for code in codes {
        let code = code.as_str().expect("a string");
        let page = app.client.get(app.url(&format!("/problems/{code}"))).send().await.expect("sent");
        assert_eq!(page.status(), StatusCode::OK, "{code}");
        assert!(page.headers()["content-type"].to_str().expect("ascii").starts_with("text/html"));
        let text = page.text().await.expect("body");
        assert!(text.contains(&format!("<code>{code}</code>")), "{code}: {text}");
    }
    let index = app.client.get(app.url("/problems")).send().await.expect("sent").text().await.expect("body");
    assert!(index.contains("/problems/name_taken"));
    // A problem's type resolves against the server it came from.
    let missing = app.client.get(app.url("/api/v1/nothing-here")).send().await.expect("sent");
    let body = problem(missing, StatusCode::NOT_FOUND, "route_not_found").await;
    let page = app.client.get(app.url(body["type"].as_str().expect("type"))).send().await.expect("sent");
    assert_eq!(page.status(), StatusCode::OK);
    let unknown = app.client.get(app.url("/problems/no_such_code")).send().await.expect("sent");
    problem(unknown, StatusCode::NOT_FOUND, "route_not_found").await;
}

#[tokio::test]
async fn a_bad_cursor_is_one_problem_whatever_the_list() {
    let app = spawn_app().await;
    let alice = app.user("alice@example.com").await;
    let ws = app.workspace(&alice.access, "Cursors").await;
    let body = json_of(app.get(&format!("/api/v1/workspaces/{ws}"), &alice.access).await, StatusCode::OK).await;
    let root = body["root_folder_id"].as_str().expect("root").to_owned();
    let doc = app.upload_file(&alice.access, &ws, &root, "a.txt", "words").await;
    let lists = [
        "/api/v1/workspaces".to_owned(),
        format!("/api/v1/workspaces/{ws}/activity"),
        format!("/api/v1/workspaces/{ws}/api-keys"),
        format!("/api/v1/workspaces/{ws}/audit/events"),
        format!("/api/v1/workspaces/{ws}/audit/export"),
        format!("/api/v1/workspaces/{ws}/documents/{doc}/history"),
        format!("/api/v1/workspaces/{ws}/folders/{root}/children"),
        format!("/api/v1/workspaces/{ws}/members"),
        format!("/api/v1/workspaces/{ws}/search?q=words"),
    ];
    for list in lists {
        let joiner = if list.contains('?') { '&' } else { '?' };
        let response = app.get(&format!("{list}{joiner}cursor=!!!"), &alice.access).await;
        problem(response, StatusCode::BAD_REQUEST, "invalid_cursor").await;
    }
}
