//! Registration, sign-in, refresh rotation, reuse detection, sign-out,
//! sessions and password change.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, json_of, problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn register_login_refresh_reuse_logout_flow() {
    let app = spawn_app().await;

    let created = app.register("alice@example.com").await;
    assert_eq!(created.headers()["location"], "/api/v1/me");
    let user = json_of(created, StatusCode::CREATED).await;
    assert_eq!(user["email"], "alice@example.com");
    assert_eq!(user["instance_admin"], true, "the first user administers the instance");
    assert!(user.get("password_hash").is_none());

    let login = app.login("Alice@Example.com", PASSWORD).await;
    assert_eq!(login.headers()["cache-control"], "no-store");
    let tokens = json_of(login, StatusCode::OK).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 600);
    let access = tokens["access_token"].as_str().expect("access");
    let rt1 = tokens["refresh_token"].as_str().expect("refresh").to_owned();

    let me = json_of(app.get("/api/v1/me", access).await, StatusCode::OK).await;
    assert_eq!(me["id"], user["id"]);

    let refreshed =
        json_of(app.post("/api/v1/auth/refresh", None, json!({"refresh_token": rt1})).await, StatusCode::OK).await;
    let rt2 = refreshed["refresh_token"].as_str().expect("refresh").to_owned();
    let access2 = refreshed["access_token"].as_str().expect("access").to_owned();
    assert_ne!(rt1, rt2, "refresh tokens rotate");
    json_of(app.get("/api/v1/me", &access2).await, StatusCode::OK).await;

    // An attacker replays the rotated token: refused, and the family dies.
    problem(
        app.post("/api/v1/auth/refresh", None, json!({"refresh_token": rt1})).await,
        StatusCode::UNAUTHORIZED,
        "invalid_grant",
    )
    .await;
    problem(
        app.post("/api/v1/auth/refresh", None, json!({"refresh_token": rt2})).await,
        StatusCode::UNAUTHORIZED,
        "invalid_grant",
    )
    .await;
    problem(app.get("/api/v1/me", &access2).await, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // A new sign-in works, and signing out ends it.
    let fresh = app.user("alice@example.com").await;
    let out = app.post("/api/v1/auth/logout", Some(&fresh.access), json!({})).await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    problem(app.get("/api/v1/me", &fresh.access).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    problem(
        app.post("/api/v1/auth/refresh", None, json!({"refresh_token": fresh.refresh})).await,
        StatusCode::UNAUTHORIZED,
        "invalid_grant",
    )
    .await;
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_succeed_once() {
    let app = spawn_app().await;
    let tokens = app.user("alice@example.com").await;
    let attempts = (0..10).map(|_| app.post("/api/v1/auth/refresh", None, json!({"refresh_token": tokens.refresh})));
    let statuses: Vec<StatusCode> = futures::future::join_all(attempts).await.iter().map(|r| r.status()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count(), 9, "{statuses:?}");
}

#[tokio::test]
async fn registration_validates_every_field_and_refuses_taken_emails() {
    let app = spawn_app().await;
    let body = problem(
        app.post("/api/v1/auth/register", None, json!({"email": "nope", "password": "short", "display_name": ""}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> =
        body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["email", "display_name", "password"]);

    let common = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "a@example.com", "password": "password1", "display_name": "A"}),
        )
        .await;
    problem(common, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    app.register("alice@example.com").await;
    problem(app.register("ALICE@example.com").await, StatusCode::CONFLICT, "email_taken").await;
}

#[tokio::test]
async fn closed_registration_still_lets_the_first_user_in() {
    let app = spawn_app_with(|s| s.auth.allow_registration = false).await;
    json_of(app.register("admin@example.com").await, StatusCode::CREATED).await;
    problem(app.register("bob@example.com").await, StatusCode::FORBIDDEN, "registration_closed").await;
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_answer() {
    let app = spawn_app().await;
    app.register("alice@example.com").await;
    let wrong = app.login("alice@example.com", "not the password").await;
    assert_eq!(wrong.headers()["www-authenticate"], r#"Bearer realm="cabinet""#);
    let a = problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let b = problem(
        app.login("ghost@example.com", "not the password").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(a["detail"], b["detail"]);
    assert_eq!(a["title"], b["title"]);
}

/// Signs in as alice from `ip` (a loopback address of its own), with a
/// device cookie if given.
async fn login_from(app: &TestApp, ip: &str, password: &str, device: Option<&str>) -> reqwest::Response {
    let client = reqwest::Client::builder().local_address(ip.parse::<std::net::IpAddr>().ok()).build().expect("client");
    let mut req =
        client.post(app.url("/api/v1/auth/login")).json(&json!({"email": "alice@example.com", "password": password}));
    if let Some(device) = device {
        req = req.header("cookie", format!("__Host-cabinet_device={device}"));
    }
    req.send().await.expect("sent")
}

fn device_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("__Host-cabinet_device="))
        .and_then(|c| c.split(';').next())
        .expect("a device cookie")
        .to_owned()
}

#[tokio::test]
async fn failures_lock_out_the_guessing_address_not_the_owner() {
    let app = spawn_app_with(|s| {
        s.auth.login.account_ip_failures = 3;
        s.auth.login.account_failures = 6;
    })
    .await;
    app.register("alice@example.com").await;
    for _ in 0..3 {
        let wrong = login_from(&app, "127.0.0.2", "wrong password", None).await;
        problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    let locked = login_from(&app, "127.0.0.2", PASSWORD, None).await;
    let retry_after: u64 = locked.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!(retry_after > 0 && retry_after <= 3600);
    problem(locked, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;

    // The owner, elsewhere, is not locked out; the sign-in marks her device.
    let signed_in = login_from(&app, "127.0.0.3", PASSWORD, None).await;
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-cabinet_device="))
        .expect("device cookie")
        .to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let device = device_cookie(&signed_in);
    json_of(signed_in, StatusCode::OK).await;

    // A guess spread over many addresses is bounded for unknown devices...
    for i in 4..10 {
        let wrong = login_from(&app, &format!("127.0.0.{i}"), "wrong password", None).await;
        problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    problem(login_from(&app, "127.0.0.10", PASSWORD, None).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let forged = login_from(&app, "127.0.0.10", PASSWORD, Some("not-a-device-token")).await;
    problem(forged, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // ...while the owner's known device still signs in, from any address.
    json_of(login_from(&app, "127.0.0.11", PASSWORD, Some(&device)).await, StatusCode::OK).await;
}

#[tokio::test]
async fn too_many_attempts_from_one_address_are_throttled() {
    let app = spawn_app_with(|s| s.auth.login.ip_attempts = 5).await;
    for i in 0..5 {
        let r = app.login(&format!("user{i}@example.com"), "whatever-pass").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let throttled = app.login("someone@example.com", "whatever-pass").await;
    assert!(throttled.headers().contains_key("retry-after"));
    problem(throttled, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn sessions_are_listed_and_revocable() {
    let app = spawn_app().await;
    let laptop = app.user("alice@example.com").await;
    let phone = app.user("alice@example.com").await;
    let list = json_of(app.get("/api/v1/me/sessions", &laptop.access).await, StatusCode::OK).await;
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    let phone_id =
        items.iter().find(|s| s["current"] == false).expect("the other")["id"].as_str().expect("id").to_owned();

    let revoked = app.delete(&format!("/api/v1/me/sessions/{phone_id}"), &laptop.access).await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    problem(app.get("/api/v1/me", &phone.access).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    problem(
        app.post("/api/v1/auth/refresh", None, json!({"refresh_token": phone.refresh})).await,
        StatusCode::UNAUTHORIZED,
        "invalid_grant",
    )
    .await;
    problem(
        app.delete(&format!("/api/v1/me/sessions/{phone_id}"), &laptop.access).await,
        StatusCode::NOT_FOUND,
        "session_not_found",
    )
    .await;

    // Nobody revokes another user's session.
    let bob = app.user("bob@example.com").await;
    let bobs = json_of(app.get("/api/v1/me/sessions", &bob.access).await, StatusCode::OK).await;
    let bob_session = bobs["items"][0]["id"].as_str().expect("id").to_owned();
    problem(
        app.delete(&format!("/api/v1/me/sessions/{bob_session}"), &laptop.access).await,
        StatusCode::NOT_FOUND,
        "session_not_found",
    )
    .await;
    json_of(app.get("/api/v1/me", &bob.access).await, StatusCode::OK).await;
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = spawn_app().await;
    let here = app.user("alice@example.com").await;
    let elsewhere = app.user("alice@example.com").await;
    let wrong = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            Some(&here.access),
            Some(json!({"current_password": "nope-nope", "new_password": "a brand new passphrase"})),
        )
        .await;
    problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let changed = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            Some(&here.access),
            Some(json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"})),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    json_of(app.get("/api/v1/me", &here.access).await, StatusCode::OK).await;
    problem(app.get("/api/v1/me", &elsewhere.access).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    problem(app.login("alice@example.com", PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    json_of(app.login("alice@example.com", "a brand new passphrase").await, StatusCode::OK).await;
}

#[tokio::test]
async fn browsers_keep_the_refresh_token_in_a_strict_host_only_cookie() {
    let app = spawn_app().await;
    app.register("alice@example.com").await;
    let login = app.login("alice@example.com", PASSWORD).await;
    let set_cookie = login.headers()["set-cookie"].to_str().expect("ascii").to_owned();
    let body = json_of(login, StatusCode::OK).await;
    let token = body["refresh_token"].as_str().expect("refresh");
    assert!(set_cookie.starts_with(&format!("__Host-cabinet_refresh={token}")), "{set_cookie}");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{attribute} in {set_cookie}");
    }
    assert!(!set_cookie.contains("Domain="), "host-only");

    let with_cookie = |origin: Option<&'static str>| {
        let mut req = app
            .client
            .post(app.url("/api/v1/auth/refresh"))
            .header("cookie", format!("__Host-cabinet_refresh={token}"))
            .json(&json!({}));
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        req.send()
    };
    problem(
        with_cookie(Some("https://evil.example")).await.expect("sent"),
        StatusCode::FORBIDDEN,
        "origin_not_allowed",
    )
    .await;
    let refreshed = with_cookie(Some("https://app.example.com")).await.expect("sent");
    let rotated = refreshed.headers()["set-cookie"].to_str().expect("ascii").to_owned();
    let pair = json_of(refreshed, StatusCode::OK).await;
    assert!(rotated.contains(pair["refresh_token"].as_str().expect("refresh")), "the cookie rotates too");

    problem(app.post("/api/v1/auth/refresh", None, json!({})).await, StatusCode::UNAUTHORIZED, "invalid_grant").await;

    let out = app.post("/api/v1/auth/logout", Some(pair["access_token"].as_str().expect("access")), json!({})).await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let cleared = out.headers()["set-cookie"].to_str().expect("ascii");
    assert!(cleared.starts_with("__Host-cabinet_refresh=;") && cleared.contains("Max-Age=0"), "{cleared}");
}

#[tokio::test]
async fn mass_sign_up_from_one_address_is_throttled() {
    let app = spawn_app_with(|s| s.auth.login.register_attempts = 2).await;
    json_of(app.register("a@example.com").await, StatusCode::CREATED).await;
    json_of(app.register("b@example.com").await, StatusCode::CREATED).await;
    let third = app.register("c@example.com").await;
    assert!(third.headers().contains_key("retry-after"));
    problem(third, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

/// Signs alice in and returns a request builder for `/auth/refresh` with her
/// refresh cookie and the given extra headers.
async fn cookie_refresh(app: &crate::helpers::TestApp, headers: &[(&str, &str)]) -> reqwest::Response {
    let login = json_of(app.login("alice@example.com", PASSWORD).await, StatusCode::OK).await;
    let token = login["refresh_token"].as_str().expect("refresh");
    let mut req = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", format!("__Host-cabinet_refresh={token}"))
        .json(&json!({}));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.expect("sent")
}

#[tokio::test]
async fn the_cookie_origin_check_believes_no_host_header_a_client_forges() {
    let app = spawn_app().await;
    app.register("alice@example.com").await;
    let own = app.address.clone();
    // Without a public URL the request's own Host decides, and forwarded
    // headers from an untrusted peer are ignored.
    json_of(cookie_refresh(&app, &[("origin", own.as_str())]).await, StatusCode::OK).await;
    for forged in [
        [("origin", "https://evil.example"), ("x-forwarded-host", "evil.example")],
        [("origin", "https://evil.example"), ("forwarded", "host=evil.example;proto=https")],
    ] {
        problem(cookie_refresh(&app, &forged).await, StatusCode::FORBIDDEN, "origin_not_allowed").await;
    }

    // With a public URL, only that origin (or a CORS origin) may use the cookie.
    let app = spawn_app_with(|s| s.http.public_url = Some("https://Docs.Example.com/".into())).await;
    app.register("alice@example.com").await;
    json_of(cookie_refresh(&app, &[("origin", "https://docs.example.com")]).await, StatusCode::OK).await;
    let own = app.address.clone();
    problem(cookie_refresh(&app, &[("origin", own.as_str())]).await, StatusCode::FORBIDDEN, "origin_not_allowed").await;
    problem(
        cookie_refresh(&app, &[("origin", "https://evil.example"), ("host", "evil.example")]).await,
        StatusCode::FORBIDDEN,
        "origin_not_allowed",
    )
    .await;
    problem(
        cookie_refresh(&app, &[("origin", "http://docs.example.com")]).await,
        StatusCode::FORBIDDEN,
        "origin_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn during_a_cache_outage_each_request_degrades_as_documented() {
    let proxy = crate::helpers::RedisProxy::start().await;
    let url = proxy.url.clone();
    let app = spawn_app_with(move |s| {
        s.cache.redis_url = Some(url.into());
        s.cache.key_prefix = format!("cabinet-outage-{}", uuid::Uuid::new_v4());
        s.cache.timeout = 1;
    })
    .await;
    let alice = app.user("alice@example.com").await;
    let spare = json_of(app.login("alice@example.com", PASSWORD).await, StatusCode::OK).await;
    let spare = spare["access_token"].as_str().expect("token").to_owned();
    let ws = app.workspace(&alice.access, "W").await;
    let key = json_of(
        app.post(
            &format!("/api/v1/workspaces/{ws}/api-keys"),
            Some(&alice.access),
            json!({"name": "k", "role": "viewer"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["secret"]
        .as_str()
        .expect("secret")
        .to_owned();

    proxy.cut();
    // Tokens and keys are judged by the database: both keep working.
    json_of(app.get("/api/v1/me", &alice.access).await, StatusCode::OK).await;
    json_of(app.get(&format!("/api/v1/workspaces/{ws}"), &key).await, StatusCode::OK).await;
    // Signing out ends the session in the database: it is not lost.
    assert_eq!(app.post("/api/v1/auth/logout", Some(&spare), json!({})).await.status(), StatusCode::NO_CONTENT);
    problem(app.get("/api/v1/me", &spare).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    // Sign-in cannot be throttled: it is refused, clearly, and soon.
    let started = std::time::Instant::now();
    problem(app.login("alice@example.com", PASSWORD).await, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable")
        .await;
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());

    proxy.restore();
    crate::helpers::eventually("sign-in works again", async || {
        (app.login("alice@example.com", PASSWORD).await.status() == StatusCode::OK).then_some(())
    })
    .await;
}
