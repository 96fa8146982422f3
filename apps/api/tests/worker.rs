//! Worker processes end to end: jobs run exactly once across two workers
//! on one PostgreSQL, a killed worker's job runs again after its lease,
//! SIGTERM drains, and a scheduled task runs once per tick.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cabinet_db::testing::{self, TestDatabase};

/// The `cabinet` binary on `data`, with `settings` as `CABINET__…` variables.
fn cabinet(data: &std::path::Path, settings: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cabinet"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CABINET__DATA_DIR", data)
        .env("CABINET__HTTP__PORT", "0")
        .env("CABINET__LOG__LEVEL", "info,cabinet_db=warn")
        // Only what a test turns on runs on a schedule.
        .env("CABINET__SCHEDULE__COLLECT_BLOBS", "")
        .env("CABINET__SCHEDULE__PURGE_TRASH", "")
        .env("CABINET__SCHEDULE__EXPIRE_SHARE_LINKS", "")
        .env("CABINET__SCHEDULE__VERIFY_AUDIT", "")
        .env("CABINET__SCHEDULE__PRUNE_JOBS", "");
    for (key, value) in settings {
        cmd.env(format!("CABINET__{key}"), value);
    }
    cmd
}

/// A worker process whose JSON log lines are collected as they come.
struct Worker {
    child: Child,
    log: JoinHandle<Vec<serde_json::Value>>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        // A failing test must not leave workers behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates the database before any process starts, so that a worker and
/// the command enqueueing its jobs do not both migrate a fresh one.
fn migrated(data: &std::path::Path, settings: &[(&str, &str)]) {
    let out = cabinet(data, settings).arg("migrate").output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

impl Worker {
    fn start(data: &std::path::Path, settings: &[(&str, &str)]) -> Self {
        let mut child = cabinet(data, settings).arg("worker").stdout(Stdio::piped()).spawn().expect("starts");
        let stdout = child.stdout.take().expect("stdout");
        let log = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|line| serde_json::from_str(&line).ok())
                .collect()
        });
        Self { child, log }
    }

    fn signal(&self, signal: &str) {
        let sent = Command::new("kill").args([signal, &self.child.id().to_string()]).status().expect("kill runs");
        assert!(sent.success());
    }

    /// Stops it with SIGTERM; its exit status, how long it took, and its log.
    fn stop(mut self) -> (std::process::ExitStatus, Duration, Vec<serde_json::Value>) {
        let asked = Instant::now();
        self.signal("-TERM");
        let status = self.child.wait().expect("exits");
        let took = asked.elapsed();
        let log = std::mem::replace(&mut self.log, std::thread::spawn(Vec::new));
        (status, took, log.join().expect("log"))
    }

    fn kill(self) {
        self.signal("-KILL");
    }
}

/// Runs `cabinet jobs …` and returns its standard output's lines.
fn jobs(data: &std::path::Path, settings: &[(&str, &str)], args: &[&str]) -> Vec<String> {
    let out = cabinet(data, settings).arg("jobs").args(args).output().expect("runs");
    assert!(out.status.success(), "jobs {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8").lines().map(str::to_owned).collect()
}

/// The listed jobs in `state`: id → (kind, "attempts/max").
fn listed(data: &std::path::Path, settings: &[(&str, &str)], state: &str) -> HashMap<String, (String, String)> {
    jobs(data, settings, &["list", "--state", state, "--limit", "10000"])
        .into_iter()
        .map(|line| {
            let mut cols = line.split('\t');
            let id = cols.next().expect("id").to_owned();
            let kind = cols.next().expect("kind").to_owned();
            (id, (kind, cols.next().expect("attempts").to_owned()))
        })
        .collect()
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < timeout, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// How often each job id appears in `logs` with `message`.
fn runs(logs: &[&[serde_json::Value]], message: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for entry in logs.iter().flat_map(|log| log.iter()) {
        if entry["message"] == message {
            *counts.entry(entry["job_id"].as_str().expect("job id").to_owned()).or_default() += 1;
        }
    }
    counts
}

fn postgres() -> (tokio::runtime::Runtime, TestDatabase) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (handle, db) = runtime.block_on(TestDatabase::postgres(&testing::postgres_admin_url())).expect("postgres");
    runtime.block_on(db.close());
    (runtime, handle)
}

#[test]
fn two_workers_run_every_job_once_and_a_killed_workers_job_again_after_its_lease() {
    let (runtime, handle) = postgres();
    let data = tempfile::tempdir().expect("tempdir");
    let db: &[(&str, &str)] = &[("DATABASE__URL", &handle.url)];
    let short_lease = [db[0], ("WORKER__LEASE_SECS", "2"), ("WORKER__CONCURRENCY", "1")];
    let workers = [db[0], ("WORKER__LEASE_SECS", "60"), ("WORKER__CONCURRENCY", "8")];

    // A worker takes a slow job and dies in the middle of it.
    let doomed = Worker::start(data.path(), &short_lease);
    let slow = jobs(data.path(), db, &["probe", "--sleep-ms", "1500"]).remove(0);
    wait_until("the slow job is running", Duration::from_secs(30), || {
        listed(data.path(), db, "running").contains_key(&slow)
    });
    doomed.kill();

    // Two workers then share 2,000 jobs, and rescue the slow one once its lease lapses.
    let ids = jobs(data.path(), db, &["probe", "--count", "2000"]);
    assert_eq!(ids.len(), 2000);
    let (a, b) = (Worker::start(data.path(), &workers), Worker::start(data.path(), &workers));
    wait_until("every job is done", Duration::from_secs(180), || listed(data.path(), db, "done").len() == 2001);
    let (status_a, _, log_a) = a.stop();
    let (status_b, _, log_b) = b.stop();
    assert!(status_a.success() && status_b.success(), "{status_a:?} {status_b:?}");

    let ran = runs(&[&log_a, &log_b], "probe ran");
    for id in ids.iter().chain([&slow]) {
        assert_eq!(ran.get(id), Some(&1), "job {id} ran {:?} times", ran.get(id));
    }
    assert_eq!(ran.len(), 2001, "nothing else ran");
    let by_a = runs(&[&log_a], "probe ran").len();
    assert!(by_a > 0 && by_a < 2001, "both workers took jobs ({by_a} and {})", 2001 - by_a);
    let done = listed(data.path(), db, "done");
    assert_eq!(done[&slow].1, "1/3", "the killed worker's run is no attempt of the job; the rescue finished it");
    assert!(ids.iter().all(|id| done[id].1 == "1/3"), "every other job took one attempt");

    runtime.block_on(handle.drop_database()).expect("drop");
}

#[test]
fn a_job_longer_than_its_lease_keeps_it_and_runs_once() {
    let (runtime, handle) = postgres();
    let data = tempfile::tempdir().expect("tempdir");
    let db: &[(&str, &str)] = &[("DATABASE__URL", &handle.url)];
    let short_lease = [db[0], ("WORKER__LEASE_SECS", "1"), ("WORKER__POLL_MS", "100")];
    let first = Worker::start(data.path(), &short_lease);
    // Runs for several leases: the worker renews it all along.
    let slow = jobs(data.path(), db, &["probe", "--sleep-ms", "5000"]).remove(0);
    wait_until("the slow job is running", Duration::from_secs(30), || {
        listed(data.path(), db, "running").contains_key(&slow)
    });
    let second = Worker::start(data.path(), &short_lease);
    wait_until("the slow job is done", Duration::from_secs(60), || listed(data.path(), db, "done").contains_key(&slow));
    let (_, _, log_first) = first.stop();
    let (_, _, log_second) = second.stop();
    let ran = runs(&[&log_first, &log_second], "probe ran");
    assert_eq!(ran.get(&slow), Some(&1), "the second worker never took it");
    assert!(runs(&[&log_second], "probe ran").is_empty());
    assert_eq!(listed(data.path(), db, "done")[&slow].1, "1/3");
    runtime.block_on(handle.drop_database()).expect("drop");
}

#[test]
fn sigterm_lets_in_flight_jobs_finish_and_exits_zero() {
    let data = tempfile::tempdir().expect("tempdir");
    let settings: &[(&str, &str)] = &[("WORKER__SHUTDOWN_GRACE_SECS", "10")];
    migrated(data.path(), settings);
    let worker = Worker::start(data.path(), settings);
    let ids = jobs(data.path(), settings, &["probe", "--count", "3", "--sleep-ms", "1500"]);
    wait_until("all three are running", Duration::from_secs(30), || {
        listed(data.path(), settings, "running").len() == 3
    });
    let (status, took, log) = worker.stop();
    assert!(status.success(), "a clean exit: {status:?}");
    assert!(took < Duration::from_secs(10), "within the grace: {took:?}");
    let ran = runs(&[&log], "probe ran");
    assert!(ids.iter().all(|id| ran.get(id) == Some(&1)), "every in-flight job finished: {ran:?}");
    assert_eq!(listed(data.path(), settings, "done").len(), 3);
}

#[test]
fn jobs_outliving_the_grace_are_handed_back_unspent() {
    let data = tempfile::tempdir().expect("tempdir");
    let settings: &[(&str, &str)] = &[("WORKER__SHUTDOWN_GRACE_SECS", "1")];
    migrated(data.path(), settings);
    let worker = Worker::start(data.path(), settings);
    let id = jobs(data.path(), settings, &["probe", "--sleep-ms", "30000"]).remove(0);
    wait_until("the job is running", Duration::from_secs(30), || {
        listed(data.path(), settings, "running").contains_key(&id)
    });
    let (status, took, log) = worker.stop();
    assert!(status.success(), "a clean exit: {status:?}");
    assert!(took < Duration::from_secs(5), "the grace is one second: {took:?}");
    assert!(runs(&[&log], "probe ran").is_empty());
    let queued = listed(data.path(), settings, "queued");
    assert_eq!(queued[&id].1, "0/3", "handed back without spending the attempt");
}

#[test]
fn a_scheduled_task_runs_once_per_tick_with_two_workers() {
    let (runtime, handle) = postgres();
    let data = tempfile::tempdir().expect("tempdir");
    let settings: &[(&str, &str)] = &[("DATABASE__URL", &handle.url), ("SCHEDULE__PRUNE_JOBS", "*/2 * * * * *")];
    let (a, b) = (Worker::start(data.path(), settings), Worker::start(data.path(), settings));
    std::thread::sleep(Duration::from_secs(9));
    let (_, _, log_a) = a.stop();
    let (_, _, log_b) = b.stop();

    let done: Vec<_> = listed(data.path(), settings, "done")
        .into_iter()
        .filter(|(_, (kind, _))| kind == "maintenance.prune_jobs")
        .collect();
    assert!(done.len() >= 3, "a tick every two seconds for nine seconds: {}", done.len());
    let ran = runs(&[&log_a, &log_b], "job done");
    for (id, _) in &done {
        assert_eq!(ran.get(id), Some(&1), "tick job {id} ran once");
    }
    let pruned =
        [&log_a, &log_b].iter().flat_map(|l| l.iter()).filter(|e| e["message"] == "pruned finished jobs").count();
    assert_eq!(pruned, done.len(), "one run per tick, whichever worker took it");

    runtime.block_on(handle.drop_database()).expect("drop");
}

#[test]
fn a_standalone_worker_serves_its_metrics() {
    let data = tempfile::tempdir().expect("tempdir");
    let settings: &[(&str, &str)] = &[("WORKER__METRICS_LISTEN", "127.0.0.1:0")];
    migrated(data.path(), settings);
    let mut child = cabinet(data.path(), settings).arg("worker").stdout(Stdio::piped()).spawn().expect("starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let port = loop {
        let line = lines.next().expect("the worker logs its metrics port").expect("utf-8");
        let entry: serde_json::Value = serde_json::from_str(&line).expect("JSON");
        if entry["message"] == "worker metrics are listening" {
            break entry["port"].as_u64().expect("port");
        }
    };
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).count());
    let worker = Worker { child, log: std::thread::spawn(Vec::new) };
    jobs(data.path(), settings, &["probe", "--count", "2"]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let wanted = r#"cabinet_jobs_total{kind="system.probe",outcome="done"} 2"#;
    wait_until("the worker reports two probes done", Duration::from_secs(30), || {
        runtime.block_on(async {
            let body = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await.expect("scraped").text().await;
            body.expect("text").lines().any(|l| l == wanted)
        })
    });
    let (status, _, _) = worker.stop();
    assert!(status.success());
    drain.join().expect("drained");
}
