//! `spawn_app()` and typed helpers for requests.

use std::time::Duration;

use cabinet_api::Application;
use cabinet_bootstrap::{JwtKeyConfig, Settings};
use cabinet_db::testing::{TestDatabase, postgres_admin_url};
use reqwest::{Method, Response, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

/// The HMAC key tests sign their own tokens with.
pub const JWT_SECRET: &str = "test-signing-key-0123456789abcdef0123456789";
pub const JWT_KID: &str = "test";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    /// The services behind the server, for what no endpoint does (the worker's collection).
    pub services: cabinet_bootstrap::App,
    database_url: String,
    pub client: reqwest::Client,
    data: tempfile::TempDir,
    database: Option<TestDatabase>,
    server: actix_web::dev::ServerHandle,
}

/// Signed-in tokens.
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

fn postgres_selected() -> bool {
    std::env::var("CABINET_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let data = tempfile::tempdir().expect("tempdir");
    let mut settings = Settings::defaults().expect("defaults");
    settings.data_dir = data.path().to_path_buf();
    settings.http.port = 0;
    settings.http.cors_origins = vec!["https://app.example.com".into()];
    settings.auth.jwt_keys = vec![JwtKeyConfig { id: JWT_KID.into(), secret: SecretString::from(JWT_SECRET) }];
    settings.log.level = "warn".into();
    settings.database.max_connections = 5;
    // Workers started by tests analyse files with the real `cabinet extract`.
    settings.extract.program = env!("CARGO_BIN_EXE_cabinet").into();
    // The built web app, as `cabinet serve` finds it from the repository root.
    settings.http.web_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist");
    let mut database = None;
    let mut database_url = format!("sqlite://{}?mode=rw", data.path().join("cabinet.db").display());
    if postgres_selected() {
        let (handle, db) = TestDatabase::postgres(&postgres_admin_url()).await.expect("a PostgreSQL for tests");
        db.close().await;
        settings.database.url = Some(SecretString::from(handle.url.clone()));
        database_url.clone_from(&handle.url);
        settings.database.migrate_on_start = Some(false);
        let redis = std::env::var("CABINET_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        settings.cache.redis_url = Some(SecretString::from(redis));
        settings.cache.key_prefix = format!("cabinet-test-{}", uuid::Uuid::new_v4());
        settings.storage.backend = cabinet_bootstrap::StorageBackend::S3;
        settings.storage.s3 = Some(cabinet_bootstrap::S3Settings {
            endpoint: Some(
                std::env::var("CABINET_TEST_S3_ENDPOINT").expect("CABINET_TEST_S3_ENDPOINT names the test S3 server"),
            ),
            bucket: std::env::var("CABINET_TEST_S3_BUCKET").unwrap_or_else(|_| "cabinet-test".into()),
            region: "us-east-1".into(),
            access_key_id: std::env::var("CABINET_TEST_S3_ACCESS_KEY").unwrap_or_else(|_| "cabinet".into()),
            secret_access_key: SecretString::from(
                std::env::var("CABINET_TEST_S3_SECRET_KEY").unwrap_or_else(|_| "cabinet-secret".into()),
            ),
            path_style: true,
            allow_http: true,
        });
        database = Some(handle);
    }
    tweak(&mut settings);
    cabinet_telemetry::init(&settings.log.level, cabinet_telemetry::LogFormat::Json);

    let app = cabinet_bootstrap::build(settings).await.expect("app builds");
    let services = app.clone();
    let server = Application::build(app).expect("server binds");
    let address = format!("http://127.0.0.1:{}", server.port());
    let handle = server.handle();
    // The server runs on a thread of its own, so it outlives nothing: the
    // test's runtime can end while Drop stops the server deterministically.
    std::thread::spawn(move || actix_web::rt::System::new().block_on(server.run_until_stopped()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    TestApp { address, services, database_url, client, data, database, server: handle }
}

impl Drop for TestApp {
    /// Stops the server (closing its pools) and drops the test database, on a
    /// helper thread so it works whatever runtime the test used.
    fn drop(&mut self) {
        let server = self.server.clone();
        let database = self.database.take();
        let cleanup = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                server.stop(false).await;
                if let Some(db) = database {
                    let _ = db.drop_database().await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

/// A second server on the same database, data folder and cache as a [`TestApp`].
pub struct Replica {
    pub address: String,
    server: actix_web::dev::ServerHandle,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let server = self.server.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(server.stop(false));
        })
        .join();
    }
}

impl TestApp {
    /// Starts another server with this one's settings, as a second replica.
    pub async fn replica(&self) -> Replica {
        let mut settings = (*self.services.settings).clone();
        settings.http.port = 0;
        let app = cabinet_bootstrap::build(settings).await.expect("replica builds");
        let server = Application::build(app).expect("replica binds");
        let address = format!("http://127.0.0.1:{}", server.port());
        let handle = server.handle();
        std::thread::spawn(move || actix_web::rt::System::new().block_on(server.run_until_stopped()));
        Replica { address, server: handle }
    }

    /// The files under the local blob store's folder (empty when the store is S3).
    pub fn stored_files(&self) -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path.display().to_string());
                }
            }
        }
        let mut files = Vec::new();
        walk(&self.data.path().join("blobs"), &mut files);
        files
    }

    /// How many distinct contents the database records as held.
    pub async fn blob_count(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM blobs WHERE released_at IS NULL").await
    }

    /// The single number `sql` selects.
    pub async fn count(&self, sql: &str) -> i64 {
        use sea_orm::{ConnectionTrait as _, Statement};
        let db = self.database().await;
        let conn = db.connection();
        let row = conn
            .query_one_raw(Statement::from_string(conn.get_database_backend(), sql.to_owned()))
            .await
            .expect("query")
            .expect("row");
        let count = row.try_get_by_index::<i64>(0).expect("count");
        db.close().await;
        count
    }

    /// Runs `sql` on the event store with its append-only triggers lifted,
    /// as someone with the database owner's rights could.
    pub async fn tamper_with_events(&self, sql: &str) {
        let db = self.database().await;
        cabinet_db::testing::tamper_with_events(&db, sql, vec![]).await.expect("tampered");
        db.close().await;
    }

    /// A connection of its own to the app's database.
    pub async fn database(&self) -> cabinet_db::Database {
        let options = cabinet_db::DatabaseOptions {
            url: self.database_url.clone(),
            max_connections: 1,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: None,
        };
        cabinet_db::Database::connect(&options).await.expect("connect to the test database")
    }

    /// The event store as (event type, actor kind, request id, workspace id), in sequence order.
    pub async fn events(&self) -> Vec<(String, String, Option<String>, Option<uuid::Uuid>)> {
        use sea_orm::{ConnectionTrait as _, Statement};
        let db = self.database().await;
        let conn = db.connection();
        let rows = conn
            .query_all_raw(Statement::from_string(
                conn.get_database_backend(),
                "SELECT event_type, actor_kind, request_id, workspace_id FROM events ORDER BY seq",
            ))
            .await
            .expect("query events");
        let events = rows
            .iter()
            .map(|r| {
                (
                    r.try_get("", "event_type").expect("type"),
                    r.try_get("", "actor_kind").expect("actor"),
                    r.try_get("", "request_id").expect("request id"),
                    r.try_get("", "workspace_id").expect("workspace"),
                )
            })
            .collect();
        db.close().await;
        events
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PATCH, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    pub async fn register(&self, email: &str) -> Response {
        self.post(
            "/api/v1/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "display_name": email.split('@').next()}),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post("/api/v1/auth/login", None, json!({"email": email, "password": password})).await
    }

    /// Registers `email` (if new) and signs in.
    pub async fn user(&self, email: &str) -> Tokens {
        let registered = self.register(email).await;
        assert!(
            registered.status() == StatusCode::CREATED || registered.status() == StatusCode::CONFLICT,
            "register {email}: {}",
            registered.status()
        );
        let body = json_of(self.login(email, PASSWORD).await, StatusCode::OK).await;
        Tokens {
            access: body["access_token"].as_str().expect("access token").to_owned(),
            refresh: body["refresh_token"].as_str().expect("refresh token").to_owned(),
        }
    }

    /// Creates a workspace as `token`'s user and returns its id.
    pub async fn workspace(&self, token: &str, name: &str) -> String {
        let body =
            json_of(self.post("/api/v1/workspaces", Some(token), json!({"name": name})).await, StatusCode::CREATED)
                .await;
        body["id"].as_str().expect("id").to_owned()
    }

    /// Creates a folder and returns its id.
    pub async fn folder(&self, token: &str, ws: &str, parent: &str, name: &str) -> String {
        let created = self
            .post(&format!("/api/v1/workspaces/{ws}/folders"), Some(token), json!({"name": name, "parent_id": parent}))
            .await;
        created_id(created).await
    }

    /// Uploads `body` as a new document and returns its id.
    pub async fn upload_file(&self, token: &str, ws: &str, folder: &str, name: &str, body: &str) -> String {
        let created = self
            .client
            .post(self.url(&format!("/api/v1/workspaces/{ws}/folders/{folder}/documents")))
            .query(&[("name", name)])
            .bearer_auth(token)
            .body(body.to_owned())
            .send()
            .await
            .expect("sent");
        created_id(created).await
    }

    /// Adds `email` to the workspace with `role`, as the owner `owner`.
    pub async fn add_member(&self, owner: &str, ws: &str, email: &str, role: &str) -> String {
        let body = json_of(
            self.post(&format!("/api/v1/workspaces/{ws}/members"), Some(owner), json!({"email": email, "role": role}))
                .await,
            StatusCode::CREATED,
        )
        .await;
        body["user_id"].as_str().expect("user id").to_owned()
    }
}

/// Asserts 201 Created and returns the new resource's id.
pub async fn created_id(response: Response) -> String {
    json_of(response, StatusCode::CREATED).await["id"].as_str().expect("id").to_owned()
}

/// Asserts the status and returns the JSON body.
pub async fn json_of(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Asserts an RFC 9457 problem with `status` and `code`, and returns it.
pub async fn problem(response: Response, status: StatusCode, code: &str) -> Value {
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let request_id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = json_of(response, status).await;
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string() && body["type"].is_string() && body["detail"].is_string(), "{body}");
    assert_eq!(body["type"], format!("/problems/{code}"), "the type names the page explaining the code");
    assert_eq!(body["request_id"].as_str(), request_id.as_deref(), "the problem names the request");
    body
}

/// Runs a worker in this process until the returned sender is dropped or fired.
pub fn start_worker(app: &TestApp) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let services = app.services.clone();
    let task = tokio::spawn(async move {
        cabinet_worker::run(services, async {
            let _ = stopped.await;
        })
        .await
        .expect("worker");
    });
    (stop, task)
}

/// Polls `probe` every 100 ms until it finds something, for at most 30 s.
pub async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(found) = probe().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

/// A TCP proxy in front of the test Redis that the test can cut and
/// restore, as an outage would: cutting closes every connection through it
/// and refuses new ones.
pub struct RedisProxy {
    pub url: String,
    down: tokio::sync::watch::Sender<bool>,
}

impl RedisProxy {
    pub async fn start() -> Self {
        let upstream = std::env::var("CABINET_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let target = upstream.trim_start_matches("redis://").trim_end_matches('/').to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("redis://{}", listener.local_addr().expect("addr"));
        let (down, watch) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if *watch.borrow() {
                    continue;
                }
                let (target, mut cut) = (target.clone(), watch.clone());
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.wait_for(|down| *down) => {}
                    }
                });
            }
        });
        Self { url, down }
    }

    pub fn cut(&self) {
        let _ = self.down.send(true);
    }

    pub fn restore(&self) {
        let _ = self.down.send(false);
    }
}
