#!/usr/bin/env python3
"""Job throughput and webhook latency.

Throughput: enqueues N probe jobs (`cabinet jobs probe`, an empty handler)
into a fresh PostgreSQL database, then starts 1, and in a second round 2,
`cabinet worker` processes and times until every job is done (polling the
jobs table with psql). Reports jobs/s and the 2-worker/1-worker ratio.

Latency: starts `cabinet serve` (SQLite, the embedded default) with a
webhook to a receiver on 127.0.0.1 in this process, creates folders through
the API one at a time, and measures from the start of each API write to the
receipt of its `folder.created.v1` webhook. Reports p50/p99, and as the
baseline the API write's own latency in the same run.

    python3 bench/jobs.py [--jobs 5000] [--webhooks 300] [--binary PATH]
"""

import argparse
import http.server
import json
import os
import pathlib
import statistics
import subprocess
import tempfile
import threading
import time

from common import api, bench_user, log, release_binary, start_server

PG = os.environ.get("CABINET_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def psql(db, sql):
    out = subprocess.run(["psql", f"{PG}/{db}", "-tAc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def throughput(binary, jobs, workers):
    db = f"cabinet_bench_{os.getpid()}_{workers}"
    psql("postgres", f"DROP DATABASE IF EXISTS {db}")
    psql("postgres", f"CREATE DATABASE {db}")
    with tempfile.TemporaryDirectory(prefix="cabinet-bench-") as tmp:
        env = dict(os.environ, CABINET__DATA_DIR=tmp, CABINET__DATABASE__URL=f"{PG}/{db}",
                   CABINET__LOG__LEVEL="warn", CABINET__WORKER__CONCURRENCY="8",
                   **{f"CABINET__SCHEDULE__{k}": "" for k in
                      ["COLLECT_BLOBS", "PURGE_TRASH", "EXPIRE_SHARE_LINKS", "VERIFY_AUDIT", "PRUNE_JOBS"]})
        subprocess.run([str(binary), "migrate"], env=env, check=True, capture_output=True)
        log(f"enqueueing {jobs} probe jobs")
        subprocess.run([str(binary), "jobs", "probe", "--count", str(jobs)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log(f"running them with {workers} worker(s)")
        start = time.perf_counter()
        procs = [subprocess.Popen([str(binary), "worker"], env=env, stdout=subprocess.DEVNULL) for _ in range(workers)]
        try:
            while int(psql(db, "SELECT count(*) FROM jobs WHERE state = 'done'")) < jobs:
                time.sleep(0.05)
            elapsed = time.perf_counter() - start
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=60)
    psql("postgres", f"DROP DATABASE IF EXISTS {db}")
    return jobs / elapsed


class Receiver(http.server.BaseHTTPRequestHandler):
    arrivals = {}

    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        at = time.perf_counter()
        event = json.loads(body)
        if event.get("type") == "folder.created.v1":
            Receiver.arrivals[event["data"]["name"]] = at
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def latency(binary, count):
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="cabinet-bench-") as tmp:
        env = dict(os.environ, CABINET__DATA_DIR=tmp, CABINET__HTTP__PORT="0", CABINET__LOG__LEVEL="warn,cabinet=info",
                   CABINET__WEBHOOKS__ALLOW_LOOPBACK="true")
        server, base = start_server(binary, env)
        try:
            token, ws = bench_user(base)
            api(base, "POST", f"/api/v1/workspaces/{ws['id']}/webhooks", token,
                {"url": f"http://127.0.0.1:{receiver.server_address[1]}/hook", "event_types": ["folder.created.v1"]})
            started, writes = {}, []
            for i in range(count):
                name = f"folder-{i}"
                t0 = time.perf_counter()
                api(base, "POST", f"/api/v1/workspaces/{ws['id']}/folders", token,
                    {"name": name, "parent_id": ws["root_folder_id"]})
                writes.append(time.perf_counter() - t0)
                started[name] = t0
                time.sleep(0.02)  # one write at a time, as a person would
            deadline = time.time() + 60
            while len(Receiver.arrivals) < count and time.time() < deadline:
                time.sleep(0.05)
        finally:
            server.terminate()
            server.wait(timeout=60)
    receiver.shutdown()
    lat = sorted((Receiver.arrivals[n] - t0) * 1000 for n, t0 in started.items() if n in Receiver.arrivals)
    q = statistics.quantiles(lat, n=100)
    w = statistics.quantiles([x * 1000 for x in writes], n=100)
    return {"delivered": len(lat), "sent": count, "p50_ms": round(q[49], 1), "p99_ms": round(q[98], 1),
            "api_write_p50_ms": round(w[49], 1), "api_write_p99_ms": round(w[98], 1),
            "p50_ratio_to_api_write": round(q[49] / w[49], 1)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--webhooks", type=int, default=300)
    parser.add_argument("--binary", default=None)
    args = parser.parse_args()
    binary = release_binary(args.binary)
    one = throughput(binary, args.jobs, 1)
    two = throughput(binary, args.jobs, 2)
    result = {
        "jobs": args.jobs,
        "one_worker_jobs_per_s": round(one),
        "two_workers_jobs_per_s": round(two),
        "two_to_one_ratio": round(two / one, 2),
        "webhook_latency": latency(binary, args.webhooks),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
