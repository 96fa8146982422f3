"""Helpers shared by the benchmarks: a release build, a server on a
temporary data folder, a signed-in user with a workspace, RSS sampling and
curl as the second process."""

import json
import os
import pathlib
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent


def log(msg):
    print(f"» {msg}", file=sys.stderr, flush=True)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    """Samples a process's resident set every 20 ms and keeps the peak."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.02)

    def stop(self):
        self.running = False
        self.join()
        return self.peak


def api(base, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"null")


def curl(*args):
    out = subprocess.run(["curl", "-sS", "-f", "-o", "/dev/null", "-w", "%{time_total}", *args],
                         check=True, capture_output=True, text=True)
    return float(out.stdout)


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def release_binary(given):
    """The release `cabinet` binary: `given`, or one built now."""
    if given:
        return pathlib.Path(given)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    log("building the release binary")
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "cabinet-api", "--bin", "cabinet"],
                   cwd=ROOT, check=True)
    return target / "release" / "cabinet"


def start_server(binary, env, command="serve"):
    """Starts `cabinet serve` (or `api`) and returns the process and its base URL."""
    server = subprocess.Popen([str(binary), command], env=env, stdout=subprocess.PIPE, text=True)
    for line in server.stdout:
        entry = json.loads(line)
        if entry.get("message") == "cabinet is listening":
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
            return server, f"http://127.0.0.1:{entry['port']}"
    raise RuntimeError("the server exited before listening")


def bench_user(base):
    """Registers and signs in the benchmark's user; returns its token and a new workspace."""
    api(base, "POST", "/api/v1/auth/register",
        body={"email": "bench@example.com", "password": "benchmark passphrase", "display_name": "Bench"})
    token = api(base, "POST", "/api/v1/auth/login",
                body={"email": "bench@example.com", "password": "benchmark passphrase"})["access_token"]
    return token, api(base, "POST", "/api/v1/workspaces", token, {"name": "Bench"})
