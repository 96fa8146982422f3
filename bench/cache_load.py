#!/usr/bin/env python3
"""Authenticated reads under load on PostgreSQL + Redis: not one 503.

Starts `cabinet api` (release build) on a fresh PostgreSQL database, signs
in N people, each with a workspace, and drives a read mix (`GET /me`, the
workspace, its members) with every person's token in turn from wrk, a
second process, at fixed concurrency. Rounds alternate three cache set-ups
on the same database:

- `memory`: the in-process cache, the baseline;
- `redis`: Redis with the default pool (`cache.pool_size` 64, `cache.timeout` 2 s);
- `stalled`: the same Redis, paused (`CLIENT PAUSE`) for 3 s out of every 4,
  as a Redis that stops answering under load: cache calls give up after
  `cache.timeout` and reads must degrade as docs/security.md says (the
  revocation shortcut is skipped, the database decides), never 503.

Reports requests/s, p50/p99/p99.9, every status seen, the server's peak RSS,
and Redis commands per request (fewer in `stalled` than in `redis` shows
calls that gave up). Exits non-zero if any round saw a 5xx.

    python3 bench/cache_load.py [--users 100] [--connections 256] [--seconds 20] [--rounds 3] [--binary PATH]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from common import Sampler, api, log, release_binary

PG = os.environ.get("CABINET_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("CABINET_BENCH_REDIS", "redis://127.0.0.1:6379")

SETUPS = {
    "memory": {},
    "redis": {"CABINET__CACHE__REDIS_URL": REDIS},
    "stalled": {"CABINET__CACHE__REDIS_URL": REDIS},
}

# Each wrk thread walks the people in turn, three reads each; counts every
# status and prints them, with the latency percentiles, as one JSON line.
SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  people = {}
  for line in io.lines(args[1]) do
    local token, ws = line:match("(%S+) (%S+)")
    table.insert(people, {token = token, ws = ws})
  end
  statuses, n = {}, 0
end
function request()
  n = n + 1
  local who = people[math.floor(n / 3) % #people + 1]
  local paths = {"/api/v1/me", "/api/v1/workspaces/" .. who.ws, "/api/v1/workspaces/" .. who.ws .. "/members"}
  return wrk.format("GET", paths[n % 3 + 1], {["Authorization"] = "Bearer " .. who.token})
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, count in pairs(t:get("statuses")) do total[tostring(status)] = (total[tostring(status)] or 0) + count end
  end
  local parts = {}
  for status, count in pairs(total) do table.insert(parts, string.format('"%s": %d', status, count)) end
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "socket_errors": %d, "p50_ms": %f, "p99_ms": %f, "p999_ms": %f, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    table.concat(parts, ", ")))
end
"""


def psql(sql):
    subprocess.run(["psql", f"{PG}/postgres", "-qtAc", sql], check=True, capture_output=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_commands():
    out = subprocess.run(["redis-cli", "-u", REDIS, "info", "stats"], check=True, capture_output=True, text=True).stdout
    return next(int(line.split(":")[1]) for line in out.splitlines() if line.startswith("total_commands_processed:"))


class Stall(threading.Thread):
    """Pauses every Redis client for 3 s out of every 4 until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            subprocess.run(["redis-cli", "-u", REDIS, "client", "pause", "3000", "all"], check=True, capture_output=True)
            self.stopping.wait(4)

    def stop(self):
        self.stopping.set()
        self.join()
        subprocess.run(["redis-cli", "-u", REDIS, "client", "unpause"], check=True, capture_output=True)


def start(binary, env):
    port = free_port()
    server = subprocess.Popen([str(binary), "api"], env=dict(env, CABINET__HTTP__PORT=str(port)),
                              stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/health/live", timeout=5).read()
            return server, base
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("the server exited before listening")
            time.sleep(0.1)
    raise RuntimeError("the server did not come up")


def stop(server):
    server.terminate()
    server.wait(timeout=60)


def seed(base, users, path):
    log(f"signing in {users} people, each with a workspace")
    with open(path, "w") as out:
        for i in range(users):
            email, password = f"reader{i}@example.com", "benchmark passphrase"
            api(base, "POST", "/api/v1/auth/register", body={"email": email, "password": password,
                                                                "display_name": f"Reader {i}"})
            token = api(base, "POST", "/api/v1/auth/login", body={"email": email, "password": password})["access_token"]
            ws = api(base, "POST", "/api/v1/workspaces", token, {"name": f"Workspace {i}"})
            out.write(f"{token} {ws['id']}\n")


def round_of(binary, env, setup, people, script, args):
    server, base = start(binary, dict(env, **SETUPS[setup]))
    sampler = Sampler(server.pid)
    sampler.start()
    before = redis_commands()
    stall = Stall() if setup == "stalled" else None
    if stall:
        stall.start()
    out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "30s",
                          "-s", script, base, "--", people], check=True, capture_output=True, text=True).stdout
    if stall:
        stall.stop()
    commands = redis_commands() - before
    peak = sampler.stop()
    stop(server)
    result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    result.update(setup=setup, rss_mib=peak / 1024, rps=result["requests"] / result["seconds"],
                  redis_per_request=commands / max(result["requests"], 1))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--binary")
    args = parser.parse_args()
    binary = release_binary(args.binary)
    db = f"cabinet_bench_cache_{os.getpid()}"
    psql(f"DROP DATABASE IF EXISTS {db}")
    psql(f"CREATE DATABASE {db}")
    results = []
    with tempfile.TemporaryDirectory(prefix="cabinet-bench-") as tmp:
        env = dict(os.environ, CABINET__DATA_DIR=tmp, CABINET__DATABASE__URL=f"{PG}/{db}",
                   CABINET__LOG__LEVEL="warn", CABINET__CACHE__KEY_PREFIX=f"bench{os.getpid()}",
                   CABINET__AUTH__LOGIN__IP_ATTEMPTS="100000", CABINET__AUTH__LOGIN__REGISTER_ATTEMPTS="100000",
                   CABINET__DATABASE__MAX_CONNECTIONS="20",
                   # The tokens signed in once must outlast every round.
                   CABINET__AUTH__ACCESS_TTL="3600")
        subprocess.run([str(binary), "migrate"], env=env, check=True, capture_output=True)
        people, script = os.path.join(tmp, "people.txt"), os.path.join(tmp, "reads.lua")
        with open(script, "w") as f:
            f.write(SCRIPT)
        server, base = start(binary, env)
        try:
            seed(base, args.users, people)
        finally:
            stop(server)
        for n in range(args.rounds):
            for setup in SETUPS:
                log(f"round {n + 1}/{args.rounds}: {setup}")
                results.append(round_of(binary, env, setup, people, script, args))
                log(json.dumps(results[-1]))
    psql(f"DROP DATABASE IF EXISTS {db}")

    print(f"\n{args.connections} connections, {args.seconds} s rounds, {args.rounds} rounds each, {args.users} people")
    print("| cache | requests/s (median, spread) | vs memory | p50 ms | p99 ms | p99.9 ms | statuses | peak RSS MiB | Redis calls per request |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    baseline = statistics.median(r["rps"] for r in results if r["setup"] == "memory")
    failed = 0
    for setup in SETUPS:
        rs = [r for r in results if r["setup"] == setup]
        rps = [r["rps"] for r in rs]
        statuses = {}
        for r in rs:
            for status, count in r["statuses"].items():
                statuses[status] = statuses.get(status, 0) + count
            failed += sum(c for s, c in r["statuses"].items() if s.startswith("5")) + r["socket_errors"]
        med = lambda key: statistics.median(r[key] for r in rs)  # noqa: E731
        print(f"| {setup} | {statistics.median(rps):.0f} ({min(rps):.0f}–{max(rps):.0f}) | "
              f"{statistics.median(rps) / baseline:.2f} | {med('p50_ms'):.1f} | {med('p99_ms'):.1f} | "
              f"{med('p999_ms'):.1f} | {', '.join(f'{s}: {c}' for s, c in sorted(statuses.items()))} | "
              f"{max(r['rss_mib'] for r in rs):.0f} | {med('redis_per_request'):.2f} |")
    if failed:
        print(f"\n{failed} requests failed (5xx or socket errors)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
