#!/usr/bin/env python3
"""Measure the test server's own LFS throughput (not a client benchmark).

    python3 tests/hub_server/bench_server.py [--size-mib 1024] [--file PATH] [--hf]

Starts a server on loopback, then:
  1. basic transfer: LFS batch + one streaming PUT of the whole object (http.client);
  2. multipart transfer: batch offering multipart, parts PUT in order, completion;
  3. download: GET /resolve of the committed file;
  4. with --hf: huggingface_hub.upload_file of the same file (HF_HUB_DISABLE_XET=1).
Prints MB/s for each.  Stops the server it started.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from hubtest import HubServer, WRITE_TOKEN  # noqa: E402

MiB = 1 << 20


def request(url, method, body=None, headers=None, stream_from=None, length=None, offset=0):
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    path = u.path + ("?" + u.query if u.query else "")
    h = dict(headers or {})
    if stream_from is not None:
        c.putrequest(method, path)
        for k, v in h.items():
            c.putheader(k, v)
        c.putheader("Content-Length", str(length))
        c.endheaders()
        with open(stream_from, "rb") as f:
            f.seek(offset)
            left = length
            while left:
                b = f.read(min(4 * MiB, left))
                c.send(b)
                left -= len(b)
        r = c.getresponse()
    else:
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
    out = r.read()
    c.close()
    return r.status, dict(r.getheaders()), out


def cpu_seconds(pid):
    """utime+stime of a process, in seconds (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(4 * MiB), b""):
            h.update(b)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--file", help="existing file to send (default: random temp file)")
    ap.add_argument("--hf", action="store_true", help="also time huggingface_hub.upload_file")
    args = ap.parse_args()

    tmpdir = tempfile.mkdtemp(prefix="hubbench-")
    path = args.file
    if not path:
        path = os.path.join(tmpdir, "blob.bin")
        with open(path, "wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(MiB))
    size = os.path.getsize(path)
    oid = sha256_file(path)
    auth = {"Authorization": f"Bearer {WRITE_TOKEN}"}
    results = {}
    with HubServer(extra_args=["--chunk-size", str(64 * MiB)]) as hub:
        repo = "alice/bench"
        request(hub.url + "/api/repos/create", "POST", {"name": "bench", "organization": "alice"}, auth)

        # 1. basic
        st, _, body = request(f"{hub.url}/{repo}.git/info/lfs/objects/batch", "POST",
                              {"operation": "upload", "transfers": ["basic"],
                               "objects": [{"oid": oid, "size": size}]}, auth)
        href = json.loads(body)["objects"][0]["actions"]["upload"]["href"]
        pid = hub.info["pid"]
        t, c0 = time.monotonic(), cpu_seconds(pid)
        st, _, _ = request(href, "PUT", stream_from=path, length=size)
        dt = time.monotonic() - t
        assert st == 200, st
        results["basic_put_MBps"] = round(size / dt / 1e6, 1)
        results["basic_put_server_cpu_s_per_GiB"] = round((cpu_seconds(pid) - c0) * (1 << 30) / size, 2)

        # 2. multipart (into a second repo so that the object is not "already stored")
        request(hub.url + "/api/repos/create", "POST", {"name": "bench2", "organization": "alice"}, auth)
        st, _, body = request(f"{hub.url}/alice/bench2.git/info/lfs/objects/batch", "POST",
                              {"operation": "upload", "transfers": ["basic", "multipart"],
                               "objects": [{"oid": oid, "size": size}]}, auth)
        up = json.loads(body)["objects"][0]["actions"]["upload"]
        chunk = int(up["header"]["chunk_size"])
        parts = sorted((int(k), v) for k, v in up["header"].items() if k.isdigit())
        t, c0 = time.monotonic(), cpu_seconds(pid)
        etags = []
        for n, url in parts:
            off = (n - 1) * chunk
            st, h, _ = request(url, "PUT", stream_from=path, length=min(chunk, size - off), offset=off)
            assert st == 200, st
            etags.append({"partNumber": n, "etag": h["ETag"]})
        st, _, _ = request(up["href"], "POST", {"oid": oid, "parts": etags})
        dt = time.monotonic() - t
        assert st == 200, st
        results["multipart_MBps"] = round(size / dt / 1e6, 1)
        results["multipart_server_cpu_s_per_GiB"] = round((cpu_seconds(pid) - c0) * (1 << 30) / size, 2)
        results["parts"] = len(parts)

        # 3. commit + download
        line1 = json.dumps({"key": "header", "value": {"summary": "bench"}})
        line2 = json.dumps({"key": "lfsFile", "value": {"path": "blob.bin", "algo": "sha256", "oid": oid,
                                                         "size": size}})
        u = urllib.parse.urlsplit(hub.url)
        c = http.client.HTTPConnection(u.hostname, u.port)
        c.request("POST", f"/api/models/{repo}/commit/main", body=(line1 + "\n" + line2 + "\n").encode(),
                  headers={**auth, "Content-Type": "application/x-ndjson"})
        r = c.getresponse()
        assert r.status == 200, r.read()
        r.read()
        t = time.monotonic()
        c.request("GET", f"/{repo}/resolve/main/blob.bin", headers=auth)
        r = c.getresponse()
        n = 0
        while True:
            b = r.read(4 * MiB)
            if not b:
                break
            n += len(b)
        dt = time.monotonic() - t
        c.close()
        assert n == size
        results["download_MBps"] = round(size / dt / 1e6, 1)

        results["load_average_1min"] = os.getloadavg()[0]
        try:
            with open(f"/proc/{pid}/status") as f:
                hwm = [l for l in f if l.startswith("VmHWM:")][0].split()[1]
            results["server_peak_rss_MiB"] = round(int(hwm) / 1024, 1)
        except (OSError, IndexError):
            pass
        if args.hf:
            env = hub.client_env(WRITE_TOKEN)
            code = ("import time,sys; from huggingface_hub import HfApi; a=HfApi(); "
                    "a.create_repo('alice/bench3'); t=time.monotonic(); "
                    "a.upload_file(path_or_fileobj=sys.argv[1], path_in_repo='blob.bin', repo_id='alice/bench3'); "
                    "print(time.monotonic()-t)")
            out = subprocess.run([sys.executable, "-c", code, path], env=env, capture_output=True, text=True,
                                 check=True).stdout
            dt = float(out.strip().splitlines()[-1])
            results["huggingface_hub_upload_file_MBps_incl_hashing"] = round(size / dt / 1e6, 1)
    results["size_bytes"] = size
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
