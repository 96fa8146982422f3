//! The `cabinet` binary end to end: migrate, create-admin, serve, and a
//! graceful stop on SIGTERM.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn cabinet(data: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cabinet"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CABINET__DATA_DIR", data)
        .env("CABINET__HTTP__PORT", "0")
        .env("CABINET__LOG__LEVEL", "info");
    cmd
}

#[test]
fn migrate_create_admin_serve_and_stop_gracefully() {
    let data = tempfile::tempdir().expect("tempdir");

    let migrated = cabinet(data.path()).arg("migrate").output().expect("runs");
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    assert!(data.path().join("cabinet.db").exists());

    let created = cabinet(data.path())
        .args(["create-admin", "--email", "root@example.com", "--display-name", "Root"])
        .env("CABINET_ADMIN_PASSWORD", "a long admin passphrase")
        .output()
        .expect("runs");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stdout));
    let weak = cabinet(data.path())
        .args(["create-admin", "--email", "weak@example.com"])
        .env("CABINET_ADMIN_PASSWORD", "short")
        .output()
        .expect("runs");
    assert!(!weak.status.success(), "a weak password is refused");

    let mut server = cabinet(data.path()).arg("serve").stdout(Stdio::piped()).spawn().expect("starts");
    let stdout = server.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let port = loop {
        let line = lines.next().expect("the server logs its port").expect("utf-8");
        let entry: serde_json::Value = serde_json::from_str(&line).expect("log lines are JSON");
        if entry["message"] == "cabinet is listening" {
            break entry["port"].as_u64().expect("port");
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());

    // The container health check: the API answers on its port; nothing on another.
    let health = |port: &str, args: &[&str]| {
        cabinet(data.path()).env("CABINET__HTTP__PORT", port).arg("health").args(args).output().expect("runs")
    };
    assert!(health(&port.to_string(), &[]).status.success(), "cabinet health finds the API");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    assert!(!health(&closed.to_string(), &[]).status.success(), "nothing listens there");
    let worker = health(&port.to_string(), &["--worker"]);
    assert!(!worker.status.success() && String::from_utf8_lossy(&worker.stderr).contains("metrics_listen"));

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let secrets = runtime.block_on(async {
        let client = reqwest::Client::new();
        let login = client
            .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": "root@example.com", "password": "a long admin passphrase"}))
            .send()
            .await
            .expect("sent");
        assert_eq!(login.status(), 200);
        let token =
            login.json::<serde_json::Value>().await.expect("json")["access_token"].as_str().expect("t").to_owned();
        let me: serde_json::Value = client
            .get(format!("http://127.0.0.1:{port}/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        assert_eq!(me["instance_admin"], true);

        // A share link's path is its credential: it is used, then looked for in the log.
        let base = format!("http://127.0.0.1:{port}");
        let json = |r: reqwest::Response| async move { r.json::<serde_json::Value>().await.expect("json") };
        let (id, root) = workspace(&client, &base, &token).await;
        let doc = json(
            client
                .post(format!("{base}/api/v1/workspaces/{id}/folders/{root}/documents?name=a.txt"))
                .bearer_auth(&token)
                .body("words")
                .send()
                .await
                .expect("sent"),
        )
        .await;
        let doc = doc["id"].as_str().expect("doc");
        let link = json(
            client
                .post(format!("{base}/api/v1/workspaces/{id}/documents/{doc}/shares"))
                .bearer_auth(&token)
                .json(&serde_json::json!({}))
                .send()
                .await
                .expect("sent"),
        )
        .await;
        let share = link["token"].as_str().expect("share token").to_owned();
        for suffix in ["", "/download", "/nope"] {
            client.get(format!("{base}/s/{share}{suffix}")).send().await.expect("sent");
        }
        vec![share, token]
    });

    let started = Instant::now();
    let killed = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let status = loop {
        if let Some(status) = server.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the server stops within its shutdown timeout");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "SIGTERM is a clean exit: {status:?}");
    let log = drain.join().expect("log");
    assert!(log.iter().any(|l| l.contains("worker stopped")), "the worker stops with the server");
    assert!(log.iter().any(|l| l.contains("/s/[redacted]/download")), "share requests are logged, redacted");
    for secret in secrets.iter().map(String::as_str).chain(["a long admin passphrase"]) {
        assert!(!log.iter().any(|l| l.contains(secret)), "a log line carries a secret");
    }
}

/// Runs `cabinet audit verify` and returns (success, stdout).
fn audit_verify(data: &std::path::Path) -> (bool, String) {
    let out = cabinet(data).args(["audit", "verify"]).output().expect("runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn audit_verify_reports_each_chain_and_fails_on_a_break() {
    let data = tempfile::tempdir().expect("tempdir");
    let created = cabinet(data.path())
        .args(["create-admin", "--email", "root@example.com"])
        .env("CABINET_ADMIN_PASSWORD", "a long admin passphrase")
        .output()
        .expect("runs");
    assert!(created.status.success());
    let (ok, stdout) = audit_verify(data.path());
    assert!(ok, "{stdout}");
    assert_eq!(stdout.trim(), "accounts: intact up to sequence 1");

    let rebuilt = cabinet(data.path()).args(["projections", "rebuild"]).output().expect("runs");
    assert!(rebuilt.status.success(), "{}", String::from_utf8_lossy(&rebuilt.stderr));
    let said = String::from_utf8_lossy(&rebuilt.stdout);
    assert!(said.starts_with("replayed 0 events"), "account events project nothing: {said}");

    // Forge the event with the triggers lifted, as the database's owner could.
    let db = data.path().join("cabinet.db");
    let forged = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys\n\
             c = sqlite3.connect(sys.argv[1])\n\
             c.execute('DROP TRIGGER events_no_update')\n\
             c.execute(\"UPDATE events SET ip = '10.6.6.6' WHERE chain_seq = 1\")\n\
             c.commit()",
        )
        .arg(&db)
        .status()
        .expect("python3 runs");
    assert!(forged.success());
    let (ok, stdout) = audit_verify(data.path());
    assert!(!ok, "a broken chain fails the command");
    assert!(stdout.starts_with("accounts: BROKEN at sequence 1: the event's content does not match"), "{stdout}");
}

/// Every `CABINET__…` variable a document names, with `…__X` read as the
/// previous variable with its last part replaced by `X`.
fn documented_variables(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut last: Option<String> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let (name, skip) = if rest.starts_with("CABINET__") {
            let end =
                rest.find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')).unwrap_or(rest.len());
            (Some(rest[..end].trim_end_matches('_').to_owned()), end)
        } else if let Some(tail) = rest.strip_prefix("…__") {
            let end =
                tail.find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')).unwrap_or(tail.len());
            let name = last
                .as_ref()
                .and_then(|l| l.rsplit_once("__"))
                .map(|(parent, _)| format!("{parent}__{}", &tail[..end]));
            (name, "…__".len() + end)
        } else {
            (None, rest.chars().next().map_or(1, char::len_utf8))
        };
        if let Some(name) = name.filter(|n| n.len() > "CABINET__".len() && n != "CABINET__SECTION__KEY") {
            if !found.contains(&name) {
                found.push(name.clone());
            }
            last = Some(name);
        }
        i += skip.max(1);
        let _ = bytes;
    }
    found
}

/// A value for each documented variable that differs from its default.
fn sample(name: &str) -> Option<&'static str> {
    Some(match name {
        "CABINET__HTTP__HOST" => "0.0.0.0",
        "CABINET__HTTP__PORT" => "9191",
        "CABINET__DATA_DIR" => "/var/lib/cabinet-sample",
        "CABINET__DATABASE__URL" => "postgres://cabinet:sample-password@db.example/cabinet",
        "CABINET__CACHE__REDIS_URL" => "redis://:sample-password@cache.example:6379",
        "CABINET__STORAGE__BACKEND" => "s3",
        "CABINET__STORAGE__S3__BUCKET" => "sample-bucket",
        "CABINET__STORAGE__S3__REGION" => "eu-central-1",
        "CABINET__STORAGE__S3__ENDPOINT" => "https://s3.example",
        "CABINET__STORAGE__S3__ACCESS_KEY_ID" => "AKSAMPLE",
        "CABINET__STORAGE__S3__SECRET_ACCESS_KEY" => "sample-s3-secret",
        "CABINET__STORAGE__S3__PATH_STYLE" => "true",
        "CABINET__STORAGE__RELEASE_GRACE_SECS" => "60",
        "CABINET__WORKER__CONCURRENCY" => "9",
        "CABINET__WORKER__LEASE_SECS" => "45",
        "CABINET__WORKER__SHUTDOWN_GRACE_SECS" => "5",
        "CABINET__WORKER__METRICS_LISTEN" => "127.0.0.1:9464",
        "CABINET__SCHEDULE__PURGE_TRASH" => "0 5 4 * * *",
        "CABINET__SCHEDULE__COLLECT_BLOBS" => "0 7 * * * *",
        "CABINET__SCHEDULE__EXPIRE_SHARE_LINKS" => "",
        "CABINET__SCHEDULE__VERIFY_AUDIT" => "0 0 3 * * Sun",
        "CABINET__SCHEDULE__PRUNE_JOBS" => "0 30 2 * * *",
        "CABINET__TRASH__RETENTION_DAYS" => "7",
        "CABINET__EXTRACT__ENABLED" => "false",
        "CABINET__EXTRACT__MAX_INPUT_BYTES" => "1000000",
        "CABINET__EXTRACT__MAX_TEXT_BYTES" => "2000",
        "CABINET__EXTRACT__MAX_PIXELS" => "1000",
        "CABINET__EXTRACT__TIMEOUT_SECS" => "7",
        "CABINET__EXTRACT__MEMORY_MB" => "300",
        "CABINET__EXTRACT__PDF_RENDERER" => "off",
        "CABINET__WEBHOOKS__ALLOW_LOOPBACK" => "true",
        "CABINET__SHARING__MISSES_PER_IP" => "3",
        "CABINET__SHARING__PASSWORD_FAILURES" => "4",
        "CABINET__SHARING__WINDOW_SECS" => "5",
        "CABINET__HTTP__WEB_DIR" => "/srv/sample-web",
        "CABINET__HTTP__CORS_ORIGINS" => "https://a.example,https://b.example",
        "CABINET__HTTP__TRUSTED_PROXIES" => "10.0.0.1,10.0.0.2",
        "CABINET__HTTP__PUBLIC_URL" => "https://docs.example",
        "CABINET__HTTP__BODY_IDLE_TIMEOUT_SECS" => "9",
        "CABINET__HTTP__BODY_MIN_RATE" => "0",
        "CABINET__METRICS__TOKEN" => "sample-metrics-token",
        "CABINET__DATABASE__STATEMENT_TIMEOUT_SECS" => "3",
        "CABINET__DATABASE__ACQUIRE_TIMEOUT" => "4",
        "CABINET__HTTP__IDEMPOTENCY_ABANDONED_SECS" => "90",
        "CABINET__AUTH__ALLOW_REGISTRATION" => "false",
        "CABINET__AUTH__ACCESS_TTL" => "300",
        "CABINET__AUTH__CLOCK_SKEW_SECS" => "5",
        "CABINET__AUTH__JWT_KEYS__0__ID" => "2026-11",
        "CABINET__AUTH__JWT_KEYS__0__SECRET" => "sample-signing-secret-of-32-bytes-or-more",
        "CABINET__AUTH__LOGIN__ACCOUNT_IP_FAILURES" => "3",
        "CABINET__AUTH__LOGIN__ACCOUNT_FAILURES" => "30",
        "CABINET__AUTH__LOGIN__DEVICE_FAILURES" => "6",
        "CABINET__AUTH__LOGIN__DEVICE_DAYS" => "20",
        "CABINET__LOG__LEVEL" => "debug",
        "CABINET__LOG__FORMAT" => "pretty",
        _ => return None,
    })
}

fn config_check(vars: &[(&str, &str)]) -> (bool, String, String) {
    let data = tempfile::tempdir().expect("tempdir");
    let mut cmd = cabinet(data.path());
    cmd.env_remove("CABINET__DATA_DIR").env_remove("CABINET__HTTP__PORT").env_remove("CABINET__LOG__LEVEL");
    for (name, value) in vars {
        cmd.env(name, value);
    }
    let out = cmd.args(["config", "check"]).output().expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_documented_environment_variable_works_as_spelled() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut names = Vec::new();
    for doc in ["README.md", "docs/operations.md", "docs/security.md", "deploy/compose.yaml", "deploy/Dockerfile"]
        .into_iter()
        .map(|d| root.join(d))
        .chain(std::fs::read_dir(root.join("deploy/kubernetes")).expect("manifests").flatten().map(|e| e.path()))
    {
        let text = std::fs::read_to_string(&doc).expect("readable");
        for name in documented_variables(&text) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    assert!(names.len() > 40, "found the documented variables: {names:?}");
    let missing: Vec<_> = names.iter().filter(|n| sample(n).is_none()).collect();
    assert!(missing.is_empty(), "documented variables without a sample in this test: {missing:?}");

    // S3 settings and signing keys come as groups: each is tried with the rest of a minimal set.
    let s3_group = [
        ("CABINET__STORAGE__S3__BUCKET", "companion-bucket"),
        ("CABINET__STORAGE__S3__ACCESS_KEY_ID", "AKCOMPANION"),
        ("CABINET__STORAGE__S3__SECRET_ACCESS_KEY", "companion-secret"),
    ];
    for name in &names {
        let value = sample(name).expect("sample");
        let key_group = [
            ("CABINET__AUTH__JWT_KEYS__0__ID", "companion"),
            ("CABINET__AUTH__JWT_KEYS__0__SECRET", "companion-signing-secret-of-32-bytes-or-more"),
        ];
        let companions: &[(&str, &str)] = if name.starts_with("CABINET__STORAGE__S3__") {
            &s3_group
        } else if name.starts_with("CABINET__AUTH__JWT_KEYS__") {
            &key_group
        } else {
            &[]
        };
        let (ok, baseline, err) = config_check(companions);
        assert!(ok, "{err}");
        let mut vars: Vec<(&str, &str)> = companions.iter().filter(|(n, _)| n != name).copied().collect();
        vars.push((name.as_str(), value));
        let (ok, printed, err) = config_check(&vars);
        assert!(ok, "{name}={value:?} fails: {err}");
        // A secret shows only as set or unset: one its group already sets cannot show a change.
        let secret_of_group = name.contains("SECRET") && companions.iter().any(|(n, _)| n == name);
        if !secret_of_group {
            assert_ne!(printed, baseline, "{name}={value:?} changes nothing");
        }
        if name.contains("SECRET")
            || name.ends_with("_URL") && name != "CABINET__HTTP__PUBLIC_URL"
            || name.ends_with("TOKEN")
        {
            assert!(!printed.contains("sample-"), "{name} is printed: {printed}");
        }
    }
    let (ok, printed, err) = config_check(&[
        ("CABINET__AUTH__JWT_KEYS__0__ID", "compose"),
        ("CABINET__AUTH__JWT_KEYS__0__SECRET", "sample-signing-secret-of-32-bytes-or-more"),
    ]);
    assert!(ok && printed.contains("compose"), "{err}");
    let (ok, _, err) = config_check(&[("CABINET__AUTH__JWT_KEYS__0__ID", "lonely")]);
    assert!(!ok && err.contains("secret"), "a key without its secret says so: {err}");
    let (ok, _, err) = config_check(&[("CABINET__HTTP__PORT", "not-a-port")]);
    assert!(!ok && err.contains("port"), "an invalid value is a clear error: {err}");
}

/// A server process, killed when the test ends however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `cabinet serve` on `data` with `vars` and returns it with its port.
fn serve(data: &std::path::Path, vars: &[(&str, &str)]) -> (Server, u16) {
    let (server, port, _log) = serve_logged(data, vars);
    (server, port)
}

/// As [`serve`], with the server's later log lines.
fn serve_logged(data: &std::path::Path, vars: &[(&str, &str)]) -> (Server, u16, std::sync::mpsc::Receiver<String>) {
    let mut cmd = cabinet(data);
    for (name, value) in vars {
        cmd.env(name, value);
    }
    let mut server = cmd.arg("serve").stdout(Stdio::piped()).spawn().expect("starts");
    let mut lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let port = loop {
        let line = lines.next().expect("the server logs its port").expect("utf-8");
        let entry: serde_json::Value = serde_json::from_str(&line).expect("log lines are JSON");
        if entry["message"] == "cabinet is listening" {
            break u16::try_from(entry["port"].as_u64().expect("port")).expect("a port");
        }
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (Server(server), port, rx)
}

/// Waits (for at most a minute) until `sql` finds a row in the SQLite
/// database of `data`.
async fn wait_for_row(data: &std::path::Path, sql: &str) {
    use sea_orm::ConnectionTrait as _;
    let url = format!("sqlite://{}?mode=ro", data.join("cabinet.db").display());
    let db = sea_orm::Database::connect(url).await.expect("the database");
    let query = sea_orm::Statement::from_string(sea_orm::DatabaseBackend::Sqlite, sql);
    let started = Instant::now();
    while db.query_one_raw(query.clone()).await.expect("query").is_none() {
        assert!(started.elapsed() < Duration::from_secs(60), "no row for {sql}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    db.close().await.expect("closed");
}

/// Makes a workspace as `token`; returns its id and its root folder's id.
async fn workspace(client: &reqwest::Client, base: &str, token: &str) -> (String, String) {
    let made = client
        .post(format!("{base}/api/v1/workspaces"))
        .bearer_auth(token)
        .json(&serde_json::json!({"name": "W"}))
        .send()
        .await
        .expect("sent");
    let ws: serde_json::Value = made.json().await.expect("json");
    (ws["id"].as_str().expect("id").to_owned(), ws["root_folder_id"].as_str().expect("root").to_owned())
}

/// Registers and signs in `a@example.com` and makes a workspace; returns the
/// access token and the raw upload path of its root folder.
fn account_with_workspace(runtime: &tokio::runtime::Runtime, base: &str) -> (String, String) {
    let client = reqwest::Client::new();
    runtime.block_on(async {
        let json = |r: reqwest::Response| async move { r.json::<serde_json::Value>().await.expect("json") };
        let body = serde_json::json!({"email": "a@example.com", "password": "a long passphrase"});
        let account =
            serde_json::json!({"email": "a@example.com", "password": "a long passphrase", "display_name": "A"});
        client.post(format!("{base}/api/v1/auth/register")).json(&account).send().await.expect("sent");
        let login =
            json(client.post(format!("{base}/api/v1/auth/login")).json(&body).send().await.expect("sent")).await;
        let token = login["access_token"].as_str().unwrap_or_else(|| panic!("signed in: {login}")).to_owned();
        let (id, root) = workspace(&client, base, &token).await;
        let path = format!("/api/v1/workspaces/{id}/folders/{root}/documents?name=big.bin");
        (token, path)
    })
}

#[test]
fn serve_stops_its_worker_while_the_server_drains_requests() {
    use std::io::{Read as _, Write as _};
    let data = tempfile::tempdir().expect("tempdir");
    let (server, port, log) = serve_logged(data.path(), &[("CABINET__HTTP__BODY_MIN_RATE", "0")]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (token, path) = account_with_workspace(&runtime, &format!("http://127.0.0.1:{port}"));
    let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {token}\r\ncontent-length: 2000\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).expect("head");
    socket.write_all(&[1u8; 1000]).expect("half the body");
    // The upload is under way once the server has recorded it.
    runtime.block_on(wait_for_row(data.path(), "SELECT storage_key FROM uploads"));
    let killed = Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    // The worker stops while the upload is still in flight...
    let started = Instant::now();
    loop {
        let left = Duration::from_secs(30).saturating_sub(started.elapsed());
        let line = log.recv_timeout(left).expect("the worker stops while a request is still in flight");
        if line.contains("worker stopped") {
            break;
        }
    }
    // ...and the request still finishes.
    socket.write_all(&[1u8; 1000]).expect("the rest of the body");
    let mut answer = String::new();
    let _ = socket.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
}

#[test]
fn a_retry_takes_over_the_idempotency_key_of_a_request_whose_server_died() {
    use std::io::Write as _;
    let data = tempfile::tempdir().expect("tempdir");
    let vars = [("CABINET__HTTP__IDEMPOTENCY_ABANDONED_SECS", "2")];
    let (server, port) = serve(data.path(), &vars);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let (token, upload_path) = account_with_workspace(&runtime, &base);

    // An upload under a key starts, sends part of its body, and its server dies.
    let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let head = format!(
        "POST {upload_path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {token}\r\n\
         idempotency-key: upload-big-1\r\ncontent-length: 100000\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).expect("head");
    socket.write_all(&[7u8; 1000]).expect("part of the body");
    let retry = |base: String| {
        let (client, token, path) = (client.clone(), token.clone(), upload_path.clone());
        async move {
            client
                .post(format!("{base}{path}"))
                .bearer_auth(token)
                .header("idempotency-key", "upload-big-1")
                .body(vec![7u8; 100_000])
                .send()
                .await
                .expect("sent")
        }
    };
    runtime.block_on(async {
        let started = Instant::now();
        // The claim is in the database once the server has started the upload.
        wait_for_row(data.path(), "SELECT key FROM idempotency_keys WHERE key = 'upload-big-1' AND status IS NULL")
            .await;
        assert!(started.elapsed() < Duration::from_secs(60));
        assert_eq!(retry(base.clone()).await.status(), 409, "a retry waits while the first request lives");
    });
    // SIGKILL, as a crash would.
    drop(server);
    drop(socket);

    let (_server, port) = serve(data.path(), &vars);
    let base = format!("http://127.0.0.1:{port}");
    runtime.block_on(async {
        let started = Instant::now();
        let created = loop {
            let answer = retry(base.clone()).await;
            match answer.status().as_u16() {
                409 => assert!(started.elapsed() < Duration::from_secs(60), "the dead request's claim never lapsed"),
                201 => break answer,
                other => panic!("unexpected {other}: {}", answer.text().await.unwrap_or_default()),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(created.headers()["idempotent-replayed"], "false");
        let again = retry(base.clone()).await;
        assert_eq!(again.status().as_u16(), 201);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
    });
}

/// A small tmpfs, unmounted when the test ends.
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(mounted.success(), "this test mounts a small tmpfs and needs root, as CI has");
        Self(dir)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.0.path()).status();
    }
}

#[test]
fn writes_come_back_once_a_full_disk_has_room_again() {
    let disk = SmallDisk::mount("12m");
    let data = disk.0.path().join("data");
    let (server, port) = serve(&data, &[]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let base = format!("http://127.0.0.1:{port}");
    account_with_workspace(&runtime, &base);
    let login = || {
        runtime.block_on(async {
            let started = Instant::now();
            let answer = reqwest::Client::new()
                .post(format!("{base}/api/v1/auth/login"))
                .json(&serde_json::json!({"email": "a@example.com", "password": "a long passphrase"}))
                .send()
                .await
                .expect("sent");
            (answer.status().as_u16(), started.elapsed())
        })
    };
    assert_eq!(login().0, 200);
    // Fill the disk: signing in writes a session, and cannot.
    let filler = disk.0.path().join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 20 * 1024 * 1024]);
    let full: Vec<u16> = (0..6).map(|_| login().0).collect();
    assert!(full.contains(&507), "a full disk says so: {full:?}");
    // Room again: every sign-in works at once, none waits on a lock left behind.
    std::fs::remove_file(&filler).expect("free the space");
    for _ in 0..6 {
        let (status, took) = login();
        assert_eq!(status, 200, "after {took:?}");
        assert!(took < Duration::from_secs(5), "waited {took:?} for a lock");
    }
    drop(server);
}
