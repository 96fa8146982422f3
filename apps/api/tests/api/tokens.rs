//! Access token validation: expired, tampered, forged, wrongly typed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{JWT_KID, JWT_SECRET, TestApp, json_of, problem, spawn_app};

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The claims of a real token, to tamper with.
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json")
}

fn sign(claims: &Value, alg: Algorithm, kid: Option<&str>, typ: Option<&str>, secret: &str) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    header.typ = typ.map(str::to_owned);
    encode(&header, claims, &EncodingKey::from_secret(secret.as_bytes())).expect("sign")
}

async fn refused(app: &TestApp, token: &str, why: &str) {
    let response = app.get("/api/v1/me", token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{why}");
    assert!(response.headers()["www-authenticate"].to_str().expect("ascii").contains("invalid_token"), "{why}");
    problem(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn a_well_formed_token_signed_with_the_key_is_accepted() {
    let app = spawn_app().await;
    let tokens = app.user("alice@example.com").await;
    let claims = claims_of(&tokens.access);
    let resigned = sign(&claims, Algorithm::HS256, Some(JWT_KID), Some("at+jwt"), JWT_SECRET);
    json_of(app.get("/api/v1/me", &resigned).await, StatusCode::OK).await;
}

#[tokio::test]
async fn expired_tampered_and_forged_tokens_are_refused() {
    let app = spawn_app().await;
    let tokens = app.user("alice@example.com").await;
    let good = claims_of(&tokens.access);
    let with = |key: &str, value: Value| {
        let mut c = good.clone();
        c[key] = value;
        c
    };
    let without = |key: &str| {
        let mut c = good.clone();
        c.as_object_mut().expect("object").remove(key);
        c
    };
    let hs = |c: &Value| sign(c, Algorithm::HS256, Some(JWT_KID), Some("at+jwt"), JWT_SECRET);

    refused(&app, &hs(&with("exp", json!(now() - 120))), "expired beyond leeway").await;
    refused(&app, &hs(&with("nbf", json!(now() + 3600))), "not yet valid").await;
    refused(&app, &hs(&with("iss", json!("someone-else"))), "wrong issuer").await;
    refused(&app, &hs(&with("aud", json!("another-api"))), "wrong audience").await;
    refused(&app, &hs(&without("aud")), "missing audience").await;
    refused(&app, &hs(&without("exp")), "missing expiry").await;
    refused(&app, &hs(&without("sub")), "missing subject").await;
    refused(&app, &sign(&good, Algorithm::HS256, Some(JWT_KID), Some("JWT"), JWT_SECRET), "wrong typ").await;
    refused(&app, &sign(&good, Algorithm::HS256, Some(JWT_KID), None, JWT_SECRET), "no typ").await;
    refused(&app, &sign(&good, Algorithm::HS512, Some(JWT_KID), Some("at+jwt"), JWT_SECRET), "HS512").await;
    refused(
        &app,
        &sign(&good, Algorithm::HS256, Some(JWT_KID), Some("at+jwt"), "another-secret-0123456789abcdef012"),
        "foreign key",
    )
    .await;
    for kid in ["../../../../dev/null", "' OR '1'='1", &"k".repeat(10_000), "unknown"] {
        refused(&app, &sign(&good, Algorithm::HS256, Some(kid), Some("at+jwt"), JWT_SECRET), "unknown kid").await;
    }
    refused(&app, &sign(&good, Algorithm::HS256, None, Some("at+jwt"), JWT_SECRET), "no kid").await;

    // alg=none in its spellings, with an empty signature.
    let payload = URL_SAFE_NO_PAD.encode(good.to_string());
    for alg in ["none", "None", "nOnE"] {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "at+jwt", "kid": JWT_KID}).to_string());
        refused(&app, &format!("{header}.{payload}."), "alg none").await;
    }
    // Header parameters that would bring their own key are ignored, so a
    // token signed with an attacker's key still fails.
    let header = URL_SAFE_NO_PAD.encode(
        json!({"alg": "HS256", "typ": "at+jwt", "kid": JWT_KID, "jku": "http://127.0.0.1:9/keys", "jwk": {"kty": "oct", "k": "YXR0YWNrZXI"}}).to_string(),
    );
    refused(&app, &format!("{header}.{payload}.c2lnbmF0dXJl"), "jku/jwk").await;

    // One flipped bit anywhere.
    let original = tokens.access.clone().into_bytes();
    for position in [3, original.len() / 2, original.len() - 3] {
        let mut bytes = original.clone();
        bytes[position] = if bytes[position] == b'A' { b'B' } else { b'A' };
        refused(&app, &String::from_utf8(bytes).expect("ascii"), "flipped").await;
    }
    for malformed in ["", "a.b", "a.b.c.d", "not-a-token", &format!("{}.", tokens.access)] {
        let response = app.get("/api/v1/me", malformed).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{malformed:?}");
    }
}

#[tokio::test]
async fn missing_credentials_get_a_challenge() {
    let app = spawn_app().await;
    let response = app.request(reqwest::Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="cabinet""#);
    problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let basic = app.client.get(app.url("/api/v1/me")).basic_auth("alice", Some("pw")).send().await.expect("sent");
    problem(basic, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token() {
    let app = spawn_app().await;
    let tokens = app.user("alice@example.com").await;
    refused(&app, &tokens.refresh, "refresh token as bearer").await;
}

#[tokio::test]
async fn replicas_without_configured_keys_accept_each_others_tokens() {
    let app = crate::helpers::spawn_app_with(|s| s.auth.jwt_keys.clear()).await;
    let alice = app.user("alice@example.com").await;
    let other = app.replica().await;
    let me = app.client.get(format!("{}/api/v1/me", other.address)).bearer_auth(&alice.access).send().await;
    assert_eq!(me.expect("sent").status(), reqwest::StatusCode::OK, "a token of one replica works on the other");
}
