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
        let ws = json(
            client
                .post(format!("{base}/api/v1/workspaces"))
                .bearer_auth(&token)
                .json(&serde_json::json!({"name": "W"}))
                .send()
                .await
                .expect("sent"),
        )
        .await;
        let (id, root) = (ws["id"].as_str().expect("id"), ws["root_folder_id"].as_str().expect("root"));
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
