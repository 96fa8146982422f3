#!/usr/bin/env python3
"""Upload and download a large file through Cabinet's API and compare with
reading and writing the same bytes directly in the same store folder.

Runs a release build of `cabinet serve` on the embedded default (local
folder store) in a temporary data folder; curl, a second process, does the
transfers. Reports throughput as ratios to the direct baseline measured in
the same run, and the server's peak RSS growth (sampled from /proc).

    python3 bench/transfer.py [--size-mib 1024] [--binary PATH]
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHUNK = 8 * 1024 * 1024


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


def copy(src, dst):
    with open(src, "rb") as i, open(dst, "wb") as o:
        while block := i.read(CHUNK):
            o.write(block)


def read_all(path):
    with open(path, "rb") as f:
        while f.read(CHUNK):
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--binary", default=None)
    args = parser.parse_args()
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = pathlib.Path(args.binary) if args.binary else target / "release" / "cabinet"
    if not args.binary:
        log("building the release binary")
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "cabinet-api", "--bin", "cabinet"],
                       cwd=ROOT, check=True)
    size = args.size_mib * 1024 * 1024

    with tempfile.TemporaryDirectory(prefix="cabinet-bench-") as tmp:
        tmp = pathlib.Path(tmp)
        source = tmp / "source.bin"
        log(f"writing {args.size_mib} MiB of random bytes")
        with open(source, "wb") as f:
            for _ in range(size // CHUNK):
                f.write(os.urandom(CHUNK))
        data = tmp / "data"
        env = dict(os.environ, CABINET__DATA_DIR=str(data), CABINET__HTTP__PORT="0", CABINET__LOG__LEVEL="warn,cabinet=info")
        server = subprocess.Popen([str(binary), "serve"], env=env, stdout=subprocess.PIPE, text=True)
        try:
            port = None
            for line in server.stdout:
                entry = json.loads(line)
                if entry.get("message") == "cabinet is listening":
                    port = entry["port"]
                    break
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
            base = f"http://127.0.0.1:{port}"
            api(base, "POST", "/api/v1/auth/register",
                body={"email": "bench@example.com", "password": "benchmark passphrase", "display_name": "Bench"})
            token = api(base, "POST", "/api/v1/auth/login",
                        body={"email": "bench@example.com", "password": "benchmark passphrase"})["access_token"]
            ws = api(base, "POST", "/api/v1/workspaces", token, {"name": "Bench"})
            auth = f"authorization: Bearer {token}"

            # The direct baseline: the same bytes into and out of the same
            # folder, measured before and after the API transfers; the faster
            # of the two is kept, so the ratio is never flattered by a slow
            # baseline.
            blobs = data / "blobs"
            blobs.mkdir(parents=True, exist_ok=True)

            def direct():
                write = timed(lambda: copy(source, blobs / "direct.bin"))
                read = timed(lambda: read_all(blobs / "direct.bin"))
                (blobs / "direct.bin").unlink()
                return write, read

            first_write, first_read = direct()

            idle = rss_kib(server.pid)
            sampler = Sampler(server.pid)
            sampler.start()
            upload_url = f"{base}/api/v1/workspaces/{ws['id']}/folders/{ws['root_folder_id']}/documents?name=big.bin"
            log("uploading through the API")
            api_upload = curl("-X", "POST", "-H", auth, "-H", "content-type: application/octet-stream",
                              "-T", str(source), upload_url)
            upload_peak = sampler.stop()
            doc = api(base, "GET", f"/api/v1/workspaces/{ws['id']}/folders/{ws['root_folder_id']}/children", token)
            doc_id = doc["items"][0]["id"]
            sampler = Sampler(server.pid)
            sampler.start()
            log("downloading through the API")
            api_download = curl("-H", auth, f"{base}/api/v1/workspaces/{ws['id']}/documents/{doc_id}/content")
            download_peak = sampler.stop()
            second_write, second_read = direct()
            direct_write, direct_read = min(first_write, second_write), min(first_read, second_read)
        finally:
            server.terminate()
            server.wait(timeout=60)

    mib = size / (1024 * 1024)
    result = {
        "size_mib": args.size_mib,
        "direct_write_mib_s": round(mib / direct_write, 1),
        "api_upload_mib_s": round(mib / api_upload, 1),
        "upload_ratio": round(direct_write / api_upload, 2),
        "direct_read_mib_s": round(mib / direct_read, 1),
        "api_download_mib_s": round(mib / api_download, 1),
        "download_ratio": round(direct_read / api_download, 2),
        "idle_rss_mib": round(idle / 1024, 1),
        "upload_peak_rss_growth_mib": round((upload_peak - idle) / 1024, 1),
        "download_peak_rss_growth_mib": round((download_peak - idle) / 1024, 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
