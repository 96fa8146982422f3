#!/usr/bin/env python3
"""Full-text search: index build time, and search latency through the API
against the very same SQL run directly, on SQLite and on PostgreSQL.

For each database: starts `cabinet serve` (release build) on a fresh
database, uploads N text documents generated from a fixed seed (a Zipf
vocabulary, 80 to 240 words each) through the API, and times until the
worker has extracted every one and the index finds the last (ingest). Then
stops the server and times `cabinet projections rebuild` (the whole index
rebuilt from the event store). Then runs a fixed query mix, interleaving
each query through the API (HTTP, from this process) with the same
statement run directly on the database (the SQL printed by
`cabinet search sql`, through psycopg or sqlite3, also from this process),
and reports p50/p95/p99 of both and their ratio.

    python3 bench/search.py [--docs 100000] [--rounds 30] [--backends sqlite,postgres] [--binary PATH]
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid

from common import api, bench_user, log, release_binary, start_server

PG = os.environ.get("CABINET_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
SEED = 42

# The query mix, run in this order every round. Words are picked by rank in
# the generated vocabulary (0 is the most frequent), so the mix means the
# same in every run: very common, common, rare, two words, a phrase of two
# frequent words, a prefix, an exclusion, and a media-type filter.
MIX = [
    ("common word", "{w5}", None),
    ("mid word", "{w200}", None),
    ("rare word", "{w5000}", None),
    ("two words", "{w20} {w300}", None),
    ("phrase", '"{w0} {w1}"', None),
    ("prefix", "{p40}*", None),
    ("exclusion", "{w50} -{w10}", None),
    ("with type filter", "{w100}", "application/*"),
]


def vocabulary(rng, size=20000):
    syllables = ["ka", "lo", "mi", "ren", "tu", "sa", "vel", "or", "qui", "den", "pra", "sto", "lin", "ge", "ba",
                 "mor", "ti", "zan", "ul", "fe"]
    words, seen = [], set()
    while len(words) < size:
        w = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def documents(count):
    """(name, text) pairs, the same for the same count in every run."""
    rng = random.Random(SEED)
    words = vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    for i in range(count):
        n = rng.randint(80, 240)
        body = " ".join(rng.choices(words, cum_weights=cumulative, k=n))
        yield f"note-{i:06d}.txt", f"{body}\nref{i:06d}\n"


def queries(words):
    values = {f"w{r}": words[r] for r in (0, 1, 5, 10, 20, 50, 100, 200, 300, 5000)}
    values["p40"] = words[40][:4]
    return [(label, q.format(**values), ctype) for label, q, ctype in MIX]


class Client:
    """One keep-alive HTTP connection."""

    def __init__(self, base, token):
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=120)
        self.token = token

    def request(self, method, path, body=None, content_type="application/json"):
        headers = {"authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["content-type"] = content_type
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status >= 300:
            raise RuntimeError(f"{method} {path}: {resp.status} {data[:200]!r}")
        return json.loads(data) if data else None


def upload_all(base, token, ws, docs, threads=8):
    root = ws["root_folder_id"]

    def work(chunk):
        client = Client(base, token)
        for name, text in chunk:
            client.request("POST", f"/api/v1/workspaces/{ws['id']}/folders/{root}/documents?name={name}",
                           text.encode(), "text/plain")

    chunks = [docs[i::threads] for i in range(threads)]
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, chunks))


def search_path(ws, q, ctype):
    from urllib.parse import urlencode
    params = {"q": q, "limit": "20"}
    if ctype:
        params["type"] = ctype
    return f"/api/v1/workspaces/{ws}/search?{urlencode(params)}"


def wait_searchable(client, ws, count, timeout=7200):
    last = f"ref{count - 1:06d}"
    deadline = time.time() + timeout
    while time.time() < deadline:
        jobs = client.request("GET", "/api/v1/admin/jobs?state=queued&limit=1")["items"]
        running = client.request("GET", "/api/v1/admin/jobs?state=running&limit=1")["items"]
        if not jobs and not running:
            hits = client.request("GET", search_path(ws, last, None))["items"]
            if hits:
                return
        time.sleep(0.5)
    raise RuntimeError("the index did not catch up")


def direct_runner(backend, env, binary, ws, query, ctype, dsn, sqlite_path):
    args = [str(binary), "search", "sql", "--workspace", ws, "--q", query, "--limit", "20"]
    if ctype:
        args += ["--type", ctype]
    stmt = json.loads(subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout)
    params = stmt["params"]
    if backend == "postgres":
        import psycopg
        conn = psycopg.connect(dsn, autocommit=True)
        sql = re.sub(r"\$(\d+)", lambda m: f"%(p{m.group(1)})s", stmt["sql"])
        values = {}
        for i, p in enumerate(params, start=1):
            values[f"p{i}"] = uuid.UUID(p["uuid"]) if "uuid" in p else p.get("text", p.get("int"))

        def run():
            with conn.cursor() as cur:
                cur.execute(sql, values, prepare=True)
                return cur.fetchall()
        return run
    conn = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True, check_same_thread=False)
    values = [uuid.UUID(p["uuid"]).bytes if "uuid" in p else p.get("text", p.get("int")) for p in params]
    sql = stmt["sql"]

    def run():
        return conn.execute(sql, values).fetchall()
    return run


def quantiles(samples):
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98]}


def bench_backend(binary, backend, count, rounds):
    docs = list(documents(count))
    words = vocabulary(random.Random(SEED))
    with tempfile.TemporaryDirectory(prefix="cabinet-bench-") as tmp:
        env = dict(os.environ, CABINET__DATA_DIR=tmp, CABINET__HTTP__PORT="0", CABINET__LOG__LEVEL="warn,cabinet=info",
                   CABINET__AUTH__ACCESS_TTL="86400", CABINET__AUTH__LOGIN__IP_ATTEMPTS="1000",
                   CABINET__WORKER__CONCURRENCY="4")
        dsn, db = None, None
        if backend == "postgres":
            db = f"cabinet_bench_search_{os.getpid()}"
            subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], check=True)
            subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {db}"], check=True)
            dsn = f"{PG}/{db}"
            env["CABINET__DATABASE__URL"] = dsn
            env["CABINET__DATABASE__MIGRATE_ON_START"] = "true"
        server, base = start_server(binary, env)
        try:
            token, ws = bench_user(base)
            client = Client(base, token)
            log(f"{backend}: uploading {count} documents")
            started = time.perf_counter()
            upload_all(base, token, ws, docs)
            uploaded = time.perf_counter() - started
            log(f"{backend}: uploaded in {uploaded:.0f} s; waiting until all are searchable")
            wait_searchable(client, ws["id"], count)
            ingest = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=120)
        log(f"{backend}: rebuilding the projections (the index among them)")
        t0 = time.perf_counter()
        subprocess.run([str(binary), "projections", "rebuild"], env=env, check=True, capture_output=True)
        rebuild = time.perf_counter() - t0

        server, base = start_server(binary, env)
        try:
            token = api(base, "POST", "/api/v1/auth/login",
                        body={"email": "bench@example.com", "password": "benchmark passphrase"})["access_token"]
            client = Client(base, token)
            mix = queries(words)
            runners = [direct_runner(backend, env, binary, ws["id"], q, ct, dsn, os.path.join(tmp, "cabinet.db"))
                       for _, q, ct in mix]
            paths = [search_path(ws["id"], q, ct) for _, q, ct in mix]
            hits = {}
            for (label, _, _), path, run in zip(mix, paths, runners):
                api_hits = client.request("GET", path)["items"]
                sql_rows = run()
                assert len(api_hits) == len(sql_rows), f"{label}: API {len(api_hits)} rows, SQL {len(sql_rows)}"
                hits[label] = len(api_hits)
            api_ms, sql_ms = [], []
            per_query = {label: ([], []) for label, _, _ in mix}
            log(f"{backend}: {rounds} rounds of {len(mix)} queries, API and direct SQL interleaved")
            for _ in range(rounds):
                for (label, _, _), path, run in zip(mix, paths, runners):
                    t0 = time.perf_counter()
                    client.request("GET", path)
                    a = (time.perf_counter() - t0) * 1000
                    t0 = time.perf_counter()
                    run()
                    s = (time.perf_counter() - t0) * 1000
                    api_ms.append(a)
                    sql_ms.append(s)
                    per_query[label][0].append(a)
                    per_query[label][1].append(s)
        finally:
            server.terminate()
            server.wait(timeout=120)
        if db:
            subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], check=True)
    qa, qs = quantiles(api_ms), quantiles(sql_ms)
    return {
        "backend": backend,
        "documents": count,
        "upload_s": round(uploaded, 1),
        "ingest_until_searchable_s": round(ingest, 1),
        "rebuild_s": round(rebuild, 1),
        "api_ms": {k: round(v, 2) for k, v in qa.items()},
        "sql_ms": {k: round(v, 2) for k, v in qs.items()},
        "ratio": {k: round(qa[k] / qs[k], 2) for k in qa},
        "per_query_p50_ms": {label: [round(statistics.median(a), 2), round(statistics.median(s), 2), hits[label]]
                             for label, (a, s) in per_query.items()},
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--binary")
    args = parser.parse_args()
    binary = release_binary(args.binary)
    results = []
    for backend in args.backends.split(","):
        result = bench_backend(binary, backend, args.docs, args.rounds)
        # Each database's figures as soon as they are in: a full run takes long.
        log(json.dumps(result))
        results.append(result)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
