//! A PostgreSQL server that stops answering (frozen by SIGSTOP, or cut off
//! by a partition that leaves its sockets open) enforces no timeout of its
//! own: the client must give up. Here a proxy between the pool and the
//! server holds every byte while "frozen", exactly as a stopped server
//! leaves them unread, and lets them through again when thawed. It freezes
//! right after forwarding a chosen statement, so that the statement is in
//! flight, on a connection already checked out of the pool, when the
//! server stops: the case no pool or server timeout covers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cabinet_db::testing::{self, TestDatabase};
use cabinet_db::{Database, DatabaseOptions};
use cabinet_domain::documents::{BlobKey, BlobLedger as _, Sha256, StoredBlob};
use cabinet_domain::health::HealthCheck as _;
use cabinet_domain::workspaces::WorkspaceRepository as _;
use cabinet_domain::{DomainError, DomainResult, WorkspaceId};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Far beyond the deadline under test (3 s here), so that only a hang fails.
const HANG: Duration = Duration::from_secs(90);

/// A TCP proxy to the server that can be frozen and thawed.
struct FreezingProxy {
    port: u16,
    frozen: Arc<watch::Sender<bool>>,
    /// Bytes that, once the client sends them, freeze the server.
    trigger: Arc<Mutex<Option<&'static [u8]>>>,
}

impl FreezingProxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let frozen = Arc::new(watch::channel(false).0);
        let trigger = Arc::new(Mutex::new(None));
        let (switch, armed) = (frozen.clone(), trigger.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&upstream).await else { continue };
                let ((client_in, client_out), (server_in, server_out)) = (client.into_split(), server.into_split());
                let to_server =
                    Pump { switch: switch.clone(), watching: switch.subscribe(), trigger: Some(armed.clone()) };
                let to_client = Pump { switch: switch.clone(), watching: switch.subscribe(), trigger: None };
                tokio::spawn(to_server.run(client_in, server_out));
                tokio::spawn(to_client.run(server_in, client_out));
            }
        });
        Self { port, frozen, trigger }
    }

    /// Freezes the server as soon as the client has sent `statement`.
    fn freeze_after(&self, statement: &'static [u8]) {
        *self.trigger.lock().expect("trigger") = Some(statement);
    }

    fn freeze(&self) {
        self.frozen.send_replace(true);
    }

    fn thaw(&self) {
        self.frozen.send_replace(false);
    }
}

/// Copies bytes one way, holding them while frozen.
struct Pump {
    switch: Arc<watch::Sender<bool>>,
    watching: watch::Receiver<bool>,
    /// On the way to the server: what freezes it once forwarded.
    trigger: Option<Arc<Mutex<Option<&'static [u8]>>>>,
}

impl Pump {
    async fn run(mut self, mut from: OwnedReadHalf, mut to: OwnedWriteHalf) {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            while *self.watching.borrow_and_update() {
                if self.watching.changed().await.is_err() {
                    return;
                }
            }
            if to.write_all(&buffer[..n]).await.is_err() {
                break;
            }
            if let Some(trigger) = &self.trigger {
                let mut armed = trigger.lock().expect("trigger");
                if armed.is_some_and(|t| buffer[..n].windows(t.len()).any(|w| w == t)) {
                    *armed = None;
                    self.switch.send_replace(true);
                }
            }
        }
        let _ = to.shutdown().await;
    }
}

/// The server's `host:port` in `url`, and `url` sent to 127.0.0.1:`port`
/// instead, in plain text so that the proxy sees which statement goes by.
fn through(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (credentials, server) = match authority.rsplit_once('@') {
        Some((credentials, host)) => (format!("{credentials}@"), host.to_owned()),
        None => (String::new(), authority.to_owned()),
    };
    let server = if server.contains(':') { server } else { format!("{server}:5432") };
    let separator = if path.contains('?') { '&' } else { '?' };
    (server, format!("{scheme}://{credentials}127.0.0.1:{port}/{path}{separator}sslmode=disable"))
}

async fn bounded<T>(what: &str, work: impl Future<Output = DomainResult<T>>) -> DomainResult<T> {
    tokio::time::timeout(HANG, work).await.unwrap_or_else(|_| panic!("{what} hung while the server was frozen"))
}

#[tokio::test]
async fn requests_to_a_frozen_postgres_fail_as_unavailable_instead_of_hanging() {
    let (handle, direct) = TestDatabase::postgres(&testing::postgres_admin_url()).await.expect("postgres");
    let proxy = FreezingProxy::start(through(&handle.url, 0).0).await;
    let db = Database::connect(&DatabaseOptions {
        url: through(&handle.url, proxy.port).1,
        max_connections: 2,
        acquire_timeout: Duration::from_secs(1),
        statement_timeout: Some(Duration::from_secs(1)),
    })
    .await
    .expect("connect through the proxy");
    let (workspaces, ledger) = (db.workspaces(), db.blob_ledger());
    let ws = WorkspaceId::from_uuid(uuid::Uuid::now_v7());
    db.check().await.expect("the server answers through the proxy");
    // Each statement is frozen on its first run, while its text still goes
    // out (after that the connection names its prepared form instead).

    proxy.freeze_after(b"FROM \"workspaces\"");
    let read = bounded("a read", workspaces.get(ws)).await;
    assert!(matches!(read, Err(DomainError::Unavailable(_))), "{read:?}");
    // A write opens a transaction: its BEGIN, statements and COMMIT are bounded too.
    let blob = StoredBlob {
        key: BlobKey::new(format!("workspaces/{ws}/objects/frozen")),
        sha256: Sha256::parse(&"0".repeat(64)).expect("digest"),
        size: 1,
        sniffed_type: None,
    };
    proxy.thaw();
    proxy.freeze_after(b"INSERT INTO \"blobs\"");
    let write = bounded("a write", ledger.reserve_blob(ws, &blob, chrono::Utc::now())).await;
    assert!(matches!(write, Err(DomainError::Unavailable(_))), "{write:?}");
    proxy.freeze();
    let ready = bounded("the readiness check", db.check()).await;
    assert!(matches!(ready, Err(DomainError::Unavailable(_))), "{ready:?}");

    // Once the server answers again, so do requests: the pool heals itself.
    proxy.thaw();
    let healed = tokio::time::timeout(HANG, async {
        loop {
            if let Ok(found) = workspaces.get(ws).await {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the pool answers again after the thaw");
    assert_eq!(healed, None);
    db.close().await;
    direct.close().await;
    handle.drop_database().await.expect("dropped");
}
