#!/usr/bin/env python3
"""Upload and download a large file through Cabinet's API and compare with
reading and writing the same bytes directly against the same store.

Runs a release build of `cabinet serve` in a temporary data folder, on the
local folder store (the embedded default) or on S3 (`--store s3`, the test
server started by `.ci/just s3`); curl, a second process, does the API
transfers. The direct baseline writes and reads the same bytes in the same
folder (local) or with signed S3 requests to the same bucket (curl
--aws-sigv4 for a single PUT and GET, and boto3's default multipart upload,
which is how S3 clients write large files). Reads are measured twice: from the page cache ("warm") and,
where the kernel lets us drop it (root), from the disk ("cold"). On the
local store, a minimal sendfile(2) server fetched by the same curl gives the
ceiling of any HTTP download of the same file; on S3, a minimal relay in
front of the store that moves the response with splice(2) is the ceiling of
any server streaming the object through. Each round measures both
sides, in alternating order, on new content; the report gives median
throughputs over the rounds, the median of the per-round ratios to the
baseline (and each round's ratio, to show the spread), and the server's peak
RSS growth (sampled from /proc).

    python3 bench/transfer.py [--size-mib 1024] [--rounds 3] [--store local|s3] [--binary PATH]
"""

import argparse
import fcntl
import json
import os
import pathlib
import tempfile
import threading

from common import Sampler, api, bench_user, curl, log, release_binary, rss_kib, start_server, timed

CHUNK = 8 * 1024 * 1024


def drop_caches():
    """Empties the page cache so reads come from the disk; False when not allowed."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


S3 = {
    "endpoint": os.environ.get("CABINET_TEST_S3_ENDPOINT", "http://127.0.0.1:9190"),
    "bucket": os.environ.get("CABINET_TEST_S3_BUCKET", "cabinet-test"),
    "access_key": os.environ.get("CABINET_TEST_S3_ACCESS_KEY", "cabinet"),
    "secret_key": os.environ.get("CABINET_TEST_S3_SECRET_KEY", "cabinet-secret"),
}


def s3_curl(*args):
    # s3s wants the payload hash header; curl signs it when present.
    return curl("--aws-sigv4", "aws:amz:us-east-1:s3", "--user", f"{S3['access_key']}:{S3['secret_key']}",
                "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", *args)


def s3_client():
    """boto3 (the AWS SDK for Python), installed for the benchmark when missing."""
    try:
        import boto3
    except ImportError:
        import subprocess
        import sys
        target = pathlib.Path.home() / ".cache" / "cabinet" / "tools" / "python"
        log("installing boto3 for the multipart baseline")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target), "boto3==1.*"],
                       check=True)
        sys.path.insert(0, str(target))
        import boto3
    return boto3.client("s3", endpoint_url=S3["endpoint"], region_name="us-east-1",
                        aws_access_key_id=S3["access_key"], aws_secret_access_key=S3["secret_key"])


def multipart_put(client, source, name):
    """Uploads `source` the way the AWS SDK does by default for large files:
    multipart, 8 MiB parts, up to 10 in flight."""
    return timed(lambda: client.upload_file(str(source), S3["bucket"], name))


def sendfile_reference(path):
    """Serves `path` once over loopback HTTP with sendfile(2) from a thread and
    times curl fetching it: the ceiling of any HTTP download of that file on
    this machine (no framework, no user-space copy on the sending side)."""
    import socket
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    size = os.path.getsize(path)

    def serve():
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n".encode())
        with open(path, "rb") as f:
            offset = 0
            while offset < size:
                offset += os.sendfile(conn.fileno(), f.fileno(), offset, size - offset)
        conn.close()
        server.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    took = curl(f"http://127.0.0.1:{port}/")
    thread.join()
    return took


def relay_reference(key):
    """Fetches `key` with a signed GET through a minimal relay in front of the
    S3 server that moves the response with splice(2), no user-space copy: the
    ceiling of any server that streams an object from the store to a client
    on this machine."""
    import socket
    import urllib.parse
    upstream = urllib.parse.urlsplit(S3["endpoint"])
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def serve():
        conn, _ = server.accept()
        store = socket.create_connection((upstream.hostname, upstream.port))
        store.sendall(conn.recv(65536))  # a GET's head, no body
        read_end, write_end = os.pipe()
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 1 << 20)  # 1 MiB moved per splice
        while moved := os.splice(store.fileno(), write_end, 1 << 20):
            while moved:
                moved -= os.splice(read_end, conn.fileno(), moved)
        for closing in (conn, store, server):
            closing.close()
        os.close(read_end)
        os.close(write_end)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    # The signature covers the Host header, which names the relay; the store
    # closes the connection after the response, which ends the relay.
    took = s3_curl("-H", "connection: close", f"http://127.0.0.1:{port}{urllib.parse.urlsplit(key).path}")
    thread.join()
    return took


def copy(src, dst):
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with open(src, "rb", buffering=0) as i, open(dst, "wb", buffering=0) as o:
        while n := i.readinto(buffer):
            o.write(view[:n])


def read_all(path):
    buffer = bytearray(CHUNK)
    with open(path, "rb", buffering=0) as f:
        while f.readinto(buffer):
            pass


def median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--binary", default=None)
    parser.add_argument("--store", choices=["local", "s3"], default="local")
    args = parser.parse_args()
    binary = release_binary(args.binary)
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
        if args.store == "s3":
            env.update({
                "CABINET__STORAGE__BACKEND": "s3",
                "CABINET__STORAGE__S3__ENDPOINT": S3["endpoint"],
                "CABINET__STORAGE__S3__BUCKET": S3["bucket"],
                "CABINET__STORAGE__S3__REGION": "us-east-1",
                "CABINET__STORAGE__S3__ACCESS_KEY_ID": S3["access_key"],
                "CABINET__STORAGE__S3__SECRET_ACCESS_KEY": S3["secret_key"],
                "CABINET__STORAGE__S3__PATH_STYLE": "true",
                "CABINET__STORAGE__S3__ALLOW_HTTP": "true",
            })
        server, base = start_server(binary, env)
        rounds = []
        try:
            token, ws = bench_user(base)
            auth = f"authorization: Bearer {token}"
            blobs = data / "blobs"
            blobs.mkdir(parents=True, exist_ok=True)
            key = f"{S3['endpoint']}/{S3['bucket']}/bench-direct-{os.getpid()}.bin"
            client = s3_client() if args.store == "s3" else None
            idle = rss_kib(server.pid)

            def fresh_source():
                # New leading bytes each round: every upload is new content,
                # never deduplicated against the last one.
                with open(source, "r+b") as f:
                    f.write(os.urandom(CHUNK))
                os.sync()  # each write starts without dirty pages from the last
                read_all(source)  # and reads its source from memory

            def direct():
                """The same bytes into and out of the same store, without Cabinet."""
                fresh_source()
                if args.store == "s3":
                    found = {"write": s3_curl("-T", str(source), key), "warm": s3_curl(key)}
                    found["cold"] = s3_curl(key) if drop_caches() else None
                    found["relay_warm"] = relay_reference(key)
                    found["relay_cold"] = relay_reference(key) if drop_caches() else None
                    s3_curl("-X", "DELETE", key)
                    fresh_source()
                    found["multipart"] = multipart_put(client, source, key.rsplit("/", 1)[1])
                    s3_curl("-X", "DELETE", key)
                    return found
                # Kept until the end: a deleted gigabyte is discarded by the
                # volume in the background and slows whatever writes next.
                target = blobs / f"direct-{len(rounds)}.bin"
                found = {"write": timed(lambda: copy(source, target)), "warm": timed(lambda: read_all(target))}
                found["cold"] = timed(lambda: read_all(target)) if drop_caches() else None
                return found

            def through_api(n):
                fresh_source()
                name = f"big-{n}.bin"
                before_upload = rss_kib(server.pid)
                sampler = Sampler(server.pid)
                sampler.start()
                upload_url = f"{base}/api/v1/workspaces/{ws['id']}/folders/{ws['root_folder_id']}/documents?name={name}"
                found = {"upload": curl("-X", "POST", "-H", auth, "-H", "content-type: application/octet-stream",
                                        "-T", str(source), upload_url),
                         "upload_peak": sampler.stop()}
                found["upload_growth"] = found["upload_peak"] - before_upload
                children = api(base, "GET", f"/api/v1/workspaces/{ws['id']}/folders/{ws['root_folder_id']}/children",
                               token)
                doc_id = next(item["id"] for item in children["items"] if item["name"] == name)
                content_url = f"{base}/api/v1/workspaces/{ws['id']}/documents/{doc_id}/content"
                before_download = rss_kib(server.pid)
                sampler = Sampler(server.pid)
                sampler.start()
                found["warm"] = curl("-H", auth, content_url)
                found["download_peak"] = sampler.stop()
                found["download_growth"] = found["download_peak"] - before_download
                found["cold"] = curl("-H", auth, content_url) if drop_caches() else None
                if args.store == "local":
                    stored = max((p for p in (blobs / "workspaces").rglob("*") if p.is_file()),
                                 key=lambda p: p.stat().st_mtime)
                    read_all(stored)
                    found["sendfile_warm"] = sendfile_reference(stored)
                    found["sendfile_cold"] = sendfile_reference(stored) if drop_caches() else None
                return found

            # Rounds alternate which side goes first, so neither always
            # inherits the other's dirty pages or freed blocks.
            for n in range(args.rounds):
                log(f"round {n + 1} of {args.rounds}")
                if n % 2 == 0:
                    baseline, measured = direct(), through_api(n)
                else:
                    measured, baseline = through_api(n), direct()
                rounds.append((baseline, measured))
        finally:
            server.terminate()
            server.wait(timeout=60)

    mib = size / (1024 * 1024)

    def rate(side, field):
        took = median(r[side][field] for r in rounds) if rounds[0][side].get(field) else None
        return round(mib / took, 1) if took else None

    def ratio(baseline, api_field):
        """Median over rounds of the time `baseline(round)` took over the
        time Cabinet took, and each round's ratio."""
        per_round = [took / r[1][api_field] for r in rounds if (took := baseline(r)) and r[1].get(api_field)]
        return (round(median(per_round), 2), [round(x, 2) for x in per_round]) if per_round else (None, [])

    def baseline_of(field):
        return lambda r: r[0].get(field)

    def ceiling(field):
        """The sendfile server (local store) or the splice relay (S3)."""
        return lambda r: r[1].get(f"sendfile_{field}") or r[0].get(f"relay_{field}")

    upload_ratio, upload_rounds = ratio(baseline_of("write"), "upload")
    multipart_ratio, multipart_rounds = ratio(baseline_of("multipart"), "upload")
    warm_ratio, warm_rounds = ratio(baseline_of("warm"), "warm")
    cold_ratio, cold_rounds = ratio(baseline_of("cold"), "cold")
    warm_ceiling, warm_ceiling_rounds = ratio(ceiling("warm"), "warm")
    cold_ceiling, cold_ceiling_rounds = ratio(ceiling("cold"), "cold")
    result = {
        "store": args.store,
        "size_mib": args.size_mib,
        "rounds": args.rounds,
        "direct_write_mib_s": rate(0, "write"),
        "api_upload_mib_s": rate(1, "upload"),
        "upload_ratio": upload_ratio,
        "upload_ratio_per_round": upload_rounds,
        "direct_multipart_write_mib_s": rate(0, "multipart"),
        "upload_ratio_to_multipart": multipart_ratio,
        "upload_ratio_to_multipart_per_round": multipart_rounds,
        "direct_read_mib_s": rate(0, "warm"),
        "api_download_mib_s": rate(1, "warm"),
        "download_ratio": warm_ratio,
        "download_ratio_per_round": warm_rounds,
        "sendfile_reference_mib_s": rate(1, "sendfile_warm"),
        "relay_reference_mib_s": rate(0, "relay_warm"),
        "download_ratio_to_ceiling": warm_ceiling,
        "download_ratio_to_ceiling_per_round": warm_ceiling_rounds,
        "direct_cold_read_mib_s": rate(0, "cold"),
        "api_cold_download_mib_s": rate(1, "cold"),
        "cold_download_ratio": cold_ratio,
        "cold_download_ratio_per_round": cold_rounds,
        "sendfile_cold_reference_mib_s": rate(1, "sendfile_cold"),
        "relay_cold_reference_mib_s": rate(0, "relay_cold"),
        "cold_download_ratio_to_ceiling": cold_ceiling,
        "cold_download_ratio_to_ceiling_per_round": cold_ceiling_rounds,
        "idle_rss_mib": round(idle / 1024, 1),
        # Growth within one transfer (its peak over the resident set just
        # before it), and the peak of all rounds over the idle server: what
        # the allocator keeps between transfers shows in the second.
        "upload_peak_rss_growth_mib": round(max(r[1]["upload_growth"] for r in rounds) / 1024, 1),
        "download_peak_rss_growth_mib": round(max(r[1]["download_growth"] for r in rounds) / 1024, 1),
        "peak_rss_over_idle_mib": round((max(max(r[1]["upload_peak"], r[1]["download_peak"]) for r in rounds) - idle) / 1024,
                                        1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
