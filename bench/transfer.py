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
where the kernel lets us drop it (root), from the disk ("cold"). Reports
throughput as ratios to the baseline measured in the same run, and the
server's peak RSS growth (sampled from /proc).

    python3 bench/transfer.py [--size-mib 1024] [--store local|s3] [--binary PATH]
"""

import argparse
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
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
        try:
            token, ws = bench_user(base)
            auth = f"authorization: Bearer {token}"

            # The direct baseline: the same bytes into and out of the same
            # store, measured before and after the API transfers; the faster
            # of the two is kept, so the ratio is never flattered by a slow
            # baseline.
            blobs = data / "blobs"
            blobs.mkdir(parents=True, exist_ok=True)
            key = f"{S3['endpoint']}/{S3['bucket']}/bench-direct-{os.getpid()}.bin"

            def direct():
                os.sync()  # each write starts without dirty pages from the last
                read_all(source)  # and reads its source from memory, as the API upload does
                if args.store == "s3":
                    write = s3_curl("-T", str(source), key)
                    warm = s3_curl(key)
                    cold = s3_curl(key) if drop_caches() else None
                    s3_curl("-X", "DELETE", key)
                    os.sync()
                    read_all(source)
                    multipart = multipart_put(client, source, key.rsplit("/", 1)[1])
                    s3_curl("-X", "DELETE", key)
                    return write, warm, cold, multipart
                write = timed(lambda: copy(source, blobs / "direct.bin"))
                warm = timed(lambda: read_all(blobs / "direct.bin"))
                cold = timed(lambda: read_all(blobs / "direct.bin")) if drop_caches() else None
                (blobs / "direct.bin").unlink()
                return write, warm, cold, None

            client = s3_client() if args.store == "s3" else None
            first = direct()

            idle = rss_kib(server.pid)
            sampler = Sampler(server.pid)
            sampler.start()
            upload_url = f"{base}/api/v1/workspaces/{ws['id']}/folders/{ws['root_folder_id']}/documents?name=big.bin"
            os.sync()
            read_all(source)
            log("uploading through the API")
            api_upload = curl("-X", "POST", "-H", auth, "-H", "content-type: application/octet-stream",
                              "-T", str(source), upload_url)
            upload_peak = sampler.stop()
            doc = api(base, "GET", f"/api/v1/workspaces/{ws['id']}/folders/{ws['root_folder_id']}/children", token)
            doc_id = doc["items"][0]["id"]
            sampler = Sampler(server.pid)
            sampler.start()
            content_url = f"{base}/api/v1/workspaces/{ws['id']}/documents/{doc_id}/content"
            log("downloading through the API")
            api_download = curl("-H", auth, content_url)
            download_peak = sampler.stop()
            api_cold = curl("-H", auth, content_url) if drop_caches() else None
            reference = None
            if args.store == "local":
                stored = next(p for p in (data / "blobs" / "workspaces").rglob("*") if p.is_file())
                read_all(stored)
                reference = min(sendfile_reference(stored), sendfile_reference(stored))
            second = direct()
            direct_write = min(first[0], second[0])
            direct_read = min(first[1], second[1])
            direct_cold = min(first[2], second[2]) if first[2] and second[2] else None
            direct_multipart = min(first[3], second[3]) if first[3] and second[3] else None
        finally:
            server.terminate()
            server.wait(timeout=60)

    mib = size / (1024 * 1024)
    result = {
        "store": args.store,
        "size_mib": args.size_mib,
        "direct_write_mib_s": round(mib / direct_write, 1),
        "api_upload_mib_s": round(mib / api_upload, 1),
        "upload_ratio": round(direct_write / api_upload, 2),
        "direct_multipart_write_mib_s": round(mib / direct_multipart, 1) if direct_multipart else None,
        "upload_ratio_to_multipart": round(direct_multipart / api_upload, 2) if direct_multipart else None,
        "direct_read_mib_s": round(mib / direct_read, 1),
        "api_download_mib_s": round(mib / api_download, 1),
        "download_ratio": round(direct_read / api_download, 2),
        "sendfile_reference_mib_s": round(mib / reference, 1) if reference else None,
        "download_ratio_to_sendfile": round(reference / api_download, 2) if reference else None,
        "direct_cold_read_mib_s": round(mib / direct_cold, 1) if direct_cold else None,
        "api_cold_download_mib_s": round(mib / api_cold, 1) if api_cold else None,
        "cold_download_ratio": round(direct_cold / api_cold, 2) if direct_cold and api_cold else None,
        "idle_rss_mib": round(idle / 1024, 1),
        "upload_peak_rss_growth_mib": round((upload_peak - idle) / 1024, 1),
        "download_peak_rss_growth_mib": round((download_peak - idle) / 1024, 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
