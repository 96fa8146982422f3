//! Webhooks end to end: a real receiver on 127.0.0.1 started by the test,
//! the worker running in the test's process, signatures checked by an
//! independent implementation (Python's `hmac`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::{TestApp, eventually, json_of, problem, spawn_app_with, start_worker};

/// What the receiver does with the next request.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    /// Answers only after this long (past the sender's timeout).
    Hang(Duration),
}

/// A request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    answered: Option<u16>,
}

#[derive(Default)]
struct Script {
    answers: VecDeque<Answer>,
    /// Once the script runs out.
    then: Option<u16>,
    received: Vec<Received>,
}

/// A minimal HTTP/1.1 receiver: reads one request per connection and answers per the script.
async fn receiver(script: Arc<Mutex<Script>>) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let script = script.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 8192];
                let (head, body) = loop {
                    let Ok(n) = socket.read(&mut buf).await else { return };
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&data[..end]).to_string();
                        let length: usize = head
                            .lines()
                            .find_map(|l| l.to_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0);
                        while data.len() < end + 4 + length {
                            let Ok(n) = socket.read(&mut buf).await else { return };
                            if n == 0 {
                                return;
                            }
                            data.extend_from_slice(&buf[..n]);
                        }
                        break (head, String::from_utf8_lossy(&data[end + 4..end + 4 + length]).to_string());
                    }
                };
                let header = |name: &str| {
                    head.lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().to_owned())
                        })
                        .unwrap_or_default()
                };
                let answer = {
                    let mut s = script.lock().expect("lock");
                    let answer = s.answers.pop_front().unwrap_or(Answer::Status(s.then.unwrap_or(200)));
                    let answered = match answer {
                        Answer::Status(code) => Some(code),
                        Answer::Hang(_) => None,
                    };
                    s.received.push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body,
                        answered,
                    });
                    answer
                };
                let code = match answer {
                    Answer::Status(code) => code,
                    Answer::Hang(wait) => {
                        tokio::time::sleep(wait).await;
                        200
                    }
                };
                let reply = format!("HTTP/1.1 {code} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    port
}

/// Checks a signature with Python's standard library: a second,
/// independent implementation of the Standard Webhooks scheme.
fn python_verifies(secret: &str, r: &Received) -> bool {
    let program = r#"
import base64, hashlib, hmac, sys
secret, msg_id, ts, sig, body = sys.argv[1:6]
key = base64.b64decode(secret.removeprefix("whsec_"))
expected = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.{body}".encode(), hashlib.sha256).digest()).decode()
sys.exit(0 if any(s.split(",", 1)[1] == expected for s in sig.split(" ") if s.startswith("v1,")) else 1)
"#;
    std::process::Command::new("python3")
        .args(["-c", program, secret, &r.id, &r.timestamp, &r.signature, &r.body])
        .status()
        .expect("python3 runs")
        .success()
}

async fn webhook_app() -> TestApp {
    spawn_app_with(|s| {
        s.webhooks.allow_loopback = true;
        s.webhooks.timeout_secs = 1;
        s.webhooks.connect_timeout_secs = 1;
        s.webhooks.retry_base_secs = 1;
        s.webhooks.retry_cap_secs = 1;
        s.webhooks.max_attempts = 20;
        s.webhooks.breaker_threshold = 3;
        s.webhooks.breaker_open_secs = 2;
        s.worker.poll_ms = 100;
        s.worker.shutdown_grace_secs = 2;
    })
    .await
}

async fn deliveries(app: &TestApp, token: &str, ws: &str, hook: &str) -> Vec<Value> {
    let log = app.get(&format!("/api/v1/workspaces/{ws}/webhooks/{hook}/deliveries?limit=200"), token).await;
    json_of(log, StatusCode::OK).await["items"].as_array().expect("items").clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_signed_retried_through_a_breaker_redelivered_and_never_doubled() {
    let app = webhook_app().await;
    let alice = app.user("alice@example.com").await;
    let ws = app.workspace(&alice.access, "Hooks").await;
    let root = json_of(app.get(&format!("/api/v1/workspaces/{ws}"), &alice.access).await, StatusCode::OK).await
        ["root_folder_id"]
        .as_str()
        .expect("root")
        .to_owned();
    let script = Arc::new(Mutex::new(Script::default()));
    let port = receiver(script.clone()).await;
    let created = json_of(
        app.post(
            &format!("/api/v1/workspaces/{ws}/webhooks"),
            Some(&alice.access),
            json!({"url": format!("http://127.0.0.1:{port}/hook"), "event_types": ["folder.created.v1"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let hook = created["id"].as_str().expect("id").to_owned();
    let secret = created["secret"].as_str().expect("the secret, once").to_owned();
    assert!(secret.starts_with("whsec_"));
    let listed =
        json_of(app.get(&format!("/api/v1/workspaces/{ws}/webhooks"), &alice.access).await, StatusCode::OK).await;
    assert!(listed["items"][0].get("secret").is_none(), "the secret is never shown again");

    // A 500, then a timeout, then success: three attempts of one delivery.
    script.lock().expect("lock").answers.extend([Answer::Status(500), Answer::Hang(Duration::from_secs(3))]);
    let (stop, worker) = start_worker(&app);
    app.folder(&alice.access, &ws, &root, "First").await;
    app.workspace(&alice.access, "Unrelated").await; // another workspace's events go nowhere
    let first = eventually("the first delivery succeeds", async || {
        let log = deliveries(&app, &alice.access, &ws, &hook).await;
        log.first().filter(|d| d["status"] == "succeeded").cloned()
    })
    .await;
    assert_eq!(first["attempts"], 3, "{first}");
    assert_eq!(
        (first["event_type"].as_str(), first["response_status"].as_u64()),
        (Some("folder.created.v1"), Some(200))
    );
    let received = script.lock().expect("lock").received.clone();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|r| r.id == first["id"].as_str().expect("id")), "retries keep the webhook-id");
    assert!(received.iter().all(|r| python_verifies(&secret, r)), "every attempt is signed");
    let body: Value = serde_json::from_str(&received[2].body).expect("JSON body");
    assert_eq!(body["type"], "folder.created.v1");
    assert_eq!(body["data"]["name"], "First");
    let mut forged = received[2].clone();
    forged.body = forged.body.replace("First", "Forged");
    assert!(!python_verifies(&secret, &forged), "a changed body fails verification");

    // Three failures in a row open the circuit; after its wait a probe closes it.
    {
        let mut s = script.lock().expect("lock");
        s.answers.extend([Answer::Status(503); 3]);
    }
    for name in ["A", "B", "C"] {
        app.folder(&alice.access, &ws, &root, name).await;
    }
    let open = eventually("the circuit opens", async || {
        let e =
            json_of(app.get(&format!("/api/v1/workspaces/{ws}/webhooks/{hook}"), &alice.access).await, StatusCode::OK)
                .await;
        (e["circuit"] == "open").then_some(e)
    })
    .await;
    assert!(open["consecutive_failures"].as_u64() >= Some(3));
    let during = script.lock().expect("lock").received.len();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(script.lock().expect("lock").received.len(), during, "nothing is sent while the circuit is open");
    eventually("every delivery succeeds after the circuit closes", async || {
        let log = deliveries(&app, &alice.access, &ws, &hook).await;
        (log.len() == 4 && log.iter().all(|d| d["status"] == "succeeded")).then_some(())
    })
    .await;
    let closed =
        json_of(app.get(&format!("/api/v1/workspaces/{ws}/webhooks/{hook}"), &alice.access).await, StatusCode::OK)
            .await;
    assert_eq!((closed["circuit"].as_str(), closed["consecutive_failures"].as_u64()), (Some("closed"), Some(0)));

    // Redelivery sends the same delivery again.
    let before = script.lock().expect("lock").received.len();
    let redeliver = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/workspaces/{ws}/deliveries/{}/redeliver", first["id"].as_str().expect("id")),
            Some(&alice.access),
            None,
        )
        .await;
    assert_eq!(redeliver.status(), StatusCode::ACCEPTED);
    eventually("the redelivery arrives", async || {
        let s = script.lock().expect("lock");
        (s.received.len() == before + 1).then(|| s.received[before].id.clone())
    })
    .await
    .eq(first["id"].as_str().expect("id"))
    .then_some(())
    .expect("the same webhook-id");

    // A restarted worker does not deliver anything twice.
    let _ = stop.send(());
    worker.await.expect("worker stopped");
    let settled = script.lock().expect("lock").received.len();
    let (stop, worker) = start_worker(&app);
    app.folder(&alice.access, &ws, &root, "After restart").await;
    eventually("the new event is delivered", async || {
        let log = deliveries(&app, &alice.access, &ws, &hook).await;
        (log.len() == 5 && log.iter().all(|d| d["status"] == "succeeded")).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = script.lock().expect("lock").received.clone();
    assert_eq!(received.len(), settled + 1, "only the new event went out after the restart");
    let ok: Vec<_> = received.iter().filter(|r| r.answered == Some(200)).map(|r| r.id.clone()).collect();
    let distinct: std::collections::BTreeSet<_> = ok.iter().cloned().collect();
    assert_eq!(ok.len(), distinct.len() + 1, "each delivery succeeded once, plus the one asked for again");
    let _ = stop.send(());
    worker.await.expect("worker stopped");
}

#[tokio::test]
async fn a_ping_goes_through_the_delivery_path() {
    let app = webhook_app().await;
    let alice = app.user("alice@example.com").await;
    let ws = app.workspace(&alice.access, "Ping").await;
    let script = Arc::new(Mutex::new(Script::default()));
    let port = receiver(script.clone()).await;
    let hook = json_of(
        app.post(
            &format!("/api/v1/workspaces/{ws}/webhooks"),
            Some(&alice.access),
            json!({"url": format!("http://127.0.0.1:{port}/in")}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = hook["id"].as_str().expect("id");
    let ping = app.post(&format!("/api/v1/workspaces/{ws}/webhooks/{id}/ping"), Some(&alice.access), json!({})).await;
    let ping = json_of(ping, StatusCode::ACCEPTED).await;
    let (stop, worker) = start_worker(&app);
    let ping_id = ping["id"].as_str().expect("id").to_owned();
    // The endpoint takes every event, so the ping's own audit event follows it.
    let got = eventually("the ping arrives", async || {
        script.lock().expect("lock").received.iter().find(|r| r.id == ping_id).cloned()
    })
    .await;
    assert!(python_verifies(hook["secret"].as_str().expect("secret"), &got));
    let body: Value = serde_json::from_str(&got.body).expect("json");
    assert_eq!(body["type"], "webhook.ping");
    let _ = stop.send(());
    worker.await.expect("worker stopped");
}

#[tokio::test]
async fn webhook_urls_into_private_networks_are_refused() {
    for (allow_loopback, url, why) in [
        (false, "https://127.0.0.1/hook", "loopback"),
        (false, "https://localhost/hook", "loopback"),
        (false, "https://10.0.0.1/hook", "private"),
        (false, "https://169.254.169.254/latest/meta-data/", "link-local"),
        (false, "https://[::1]/hook", "loopback"),
        (false, "http://hooks.example.com/hook", "https"),
        (true, "http://10.0.0.1/hook", "private"),
        (true, "http://169.254.169.254/latest/meta-data/", "link-local"),
    ] {
        let app = spawn_app_with(|s| s.webhooks.allow_loopback = allow_loopback).await;
        let alice = app.user("alice@example.com").await;
        let ws = app.workspace(&alice.access, "Guarded").await;
        let refused =
            app.post(&format!("/api/v1/workspaces/{ws}/webhooks"), Some(&alice.access), json!({"url": url})).await;
        let body = problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let message = body["errors"][0]["message"].as_str().expect("message").to_owned();
        assert_eq!(body["errors"][0]["field"], "url");
        assert!(message.contains(why), "{url}: {message}");
    }
}
