#!/usr/bin/env python3
"""Export a workspace's audit trail of a million events through the API and
report the time, the rate, and the server's peak RSS growth.

Runs a release build of `cabinet serve` on the embedded default in a
temporary data folder, creates a workspace through the API, then writes the
events straight into the SQLite event store (generating a million changes
through the API would measure the API, not the export). curl, a second
process, downloads the NDJSON and CSV exports from `cabinet api` (without the
worker, which would spend the run projecting the new events). The baseline is the same
events read from the same database file by SQLite directly (Python's
sqlite3, rows fetched in batches and written out as JSON lines), measured in
the same run.

    python3 bench/audit_export.py [--events 1000000] [--binary PATH]
"""

import argparse
import json
import os
import pathlib
import sqlite3
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone

from common import Sampler, bench_user, curl, log, release_binary, rss_kib, start_server

BATCH = 10_000


def fill(db, workspace, events):
    """Writes `events` document events of `workspace` after its chain's head."""
    conn = sqlite3.connect(db, timeout=60)
    ws = uuid.UUID(workspace).bytes
    start = conn.execute("SELECT last_seq FROM audit_heads WHERE chain_id = ?", (ws,)).fetchone()[0]
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    actor = uuid.uuid4().bytes
    for offset in range(0, events, BATCH):
        rows = []
        for i in range(offset, min(offset + BATCH, events)):
            document = uuid.UUID(int=i + 1)
            payload = {"workspace_id": workspace, "document_id": str(document), "number": 1,
                       "sha256": "0" * 64, "size": i, "content_type": "text/plain"}
            at = (base + timedelta(seconds=i)).isoformat(timespec="microseconds")
            rows.append((uuid.uuid4().bytes, ws, "document", document.bytes, "document.version_added.v1", "user",
                         actor, f"req-{i}", "192.0.2.1", "bench", json.dumps(payload), at, ws, start + i + 1,
                         "0" * 64, "0" * 64))
        conn.executemany(
            "INSERT INTO events (id, workspace_id, aggregate_type, aggregate_id, event_type, actor_kind, actor_id, "
            "request_id, ip, user_agent, payload, occurred_at, chain_id, chain_seq, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.commit()
    conn.execute("UPDATE audit_heads SET last_seq = ? WHERE chain_id = ?", (start + events, ws))
    conn.commit()
    conn.close()


def direct_read(db, workspace):
    """The baseline: every event of the workspace, oldest first, as JSON lines to nowhere."""
    conn = sqlite3.connect(db)
    cursor = conn.execute(
        "SELECT seq, chain_seq, id, event_type, aggregate_type, aggregate_id, actor_kind, actor_id, ip, user_agent, "
        "request_id, occurred_at, payload, hash FROM events WHERE workspace_id = ? ORDER BY seq",
        (uuid.UUID(workspace).bytes,))
    count = 0
    with open(os.devnull, "w") as sink:
        while rows := cursor.fetchmany(BATCH):
            for r in rows:
                sink.write(json.dumps([r[0], r[1], r[2].hex(), r[3], r[4], r[5].hex(), r[6],
                                       r[7].hex() if r[7] else None, r[8], r[9], r[10], r[11],
                                       json.loads(r[12]), r[13]]) + "\n")
                count += 1
    conn.close()
    return count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--binary", default=None)
    args = parser.parse_args()
    binary = release_binary(args.binary)
    with tempfile.TemporaryDirectory(prefix="cabinet-bench-") as tmp:
        data = pathlib.Path(tmp) / "data"
        env = dict(os.environ, CABINET__DATA_DIR=str(data), CABINET__HTTP__PORT="0", CABINET__LOG__LEVEL="warn,cabinet=info")
        # The API alone: the worker would spend the run projecting the new events.
        server, base = start_server(binary, env, "api")
        try:
            token, ws = bench_user(base)
            db = data / "cabinet.db"
            log(f"writing {args.events} events")
            fill(db, ws["id"], args.events)
            auth = f"authorization: Bearer {token}"
            url = f"{base}/api/v1/workspaces/{ws['id']}/audit/export"
            results = {"events": args.events}
            log("reading them directly")
            started = time.perf_counter()
            direct_read(db, ws["id"])
            results["direct_s"] = round(time.perf_counter() - started, 2)
            idle = rss_kib(server.pid)
            results["idle_rss_mib"] = round(idle / 1024, 1)
            for fmt in ["ndjson", "csv"]:
                log(f"exporting {fmt} through the API")
                sampler = Sampler(server.pid)
                sampler.start()
                took = curl("-H", auth, f"{url}?format={fmt}")
                peak = sampler.stop()
                results[f"{fmt}_s"] = round(took, 2)
                results[f"{fmt}_events_per_s"] = round(args.events / took)
                results[f"{fmt}_ratio_to_direct"] = round(results["direct_s"] / took, 2)
                results[f"{fmt}_peak_rss_growth_mib"] = round((peak - idle) / 1024, 1)
        finally:
            server.terminate()
            server.wait(timeout=120)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
