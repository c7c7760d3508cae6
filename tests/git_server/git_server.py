#!/usr/bin/env python3
"""A loopback git server for tests: smart HTTP through `git http-backend` (CGI) and a Git LFS
server (batch API, basic transfer with verify, object store in <repo>/lfs/objects/aa/bb/oid,
the layout git-lfs uses for local repositories).

Usage: git_server.py --root DIR [--port 0] [--token TOKEN]
Prints "PORT <n>" on stdout once it listens. Repositories are the bare repositories below
DIR, served at /<name>.git. Reads are anonymous; pushes and LFS uploads need HTTP Basic auth
with TOKEN as password when --token is given.

Test controls (POST): /_admin/fail_receive_pack?count=N makes the next N pushes fail with
HTTP 500 before git sees them; /_admin/lfs_uploads returns how many LFS objects were stored.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LFS_JSON = "application/vnd.git-lfs+json"
OID_RE = re.compile(r"^[0-9a-f]{64}$")


class State:
    def __init__(self, root, token):
        self.root = os.path.abspath(root)
        self.token = token
        self.fail_receive_pack = 0
        self.lfs_uploads = 0
        self.lock = threading.Lock()
        self.upload_key = secrets.token_bytes(16)  # signs per-object upload headers

    def upload_header(self, oid):
        return hmac.new(self.upload_key, oid.encode(), hashlib.sha256).hexdigest()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set by main()

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    # ---- plumbing -------------------------------------------------------------------------

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status, body=b"", content_type="text/plain", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def reply_json(self, status, value):
        self.reply(status, json.dumps(value), LFS_JSON)

    def authorised(self):
        if not self.state.token:
            return True
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return False
        try:
            _, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            return False
        return hmac.compare_digest(password, self.state.token)

    def deny(self):
        self.reply(401, "authentication required\n", headers={"WWW-Authenticate": 'Basic realm="git"'})

    def repo_dir(self, path):
        match = re.match(r"^/([A-Za-z0-9._-]+\.git)(/.*)?$", path)
        if not match:
            return None, None
        repo = os.path.join(self.state.root, match.group(1))
        return (repo if os.path.isdir(repo) else None), (match.group(2) or "/")

    # ---- routing --------------------------------------------------------------------------

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def route(self, method):
        url = urlsplit(self.path)
        body = self.read_body()
        if url.path.startswith("/_admin/"):
            return self.admin(url)
        repo, rest = self.repo_dir(url.path)
        if repo is None:
            return self.reply(404, "no such repository\n")
        if rest.startswith("/info/lfs/"):
            return self.lfs(method, repo, rest[len("/info/lfs/"):], body)
        return self.git(method, url, body)

    def admin(self, url):
        query = parse_qs(url.query)
        with self.state.lock:
            if url.path == "/_admin/fail_receive_pack":
                self.state.fail_receive_pack = int(query.get("count", ["1"])[0])
                return self.reply(200, "ok")
            if url.path == "/_admin/lfs_uploads":
                return self.reply(200, str(self.state.lfs_uploads))
        return self.reply(404, "unknown admin path")

    # ---- git smart HTTP -------------------------------------------------------------------

    def git(self, method, url, body):
        pushing = url.path.endswith("/git-receive-pack") or "service=git-receive-pack" in url.query
        if pushing and not self.authorised():
            return self.deny()
        if method == "POST" and url.path.endswith("/git-receive-pack"):
            with self.state.lock:
                fail = self.state.fail_receive_pack > 0
                if fail:
                    self.state.fail_receive_pack -= 1
            if fail:
                return self.reply(500, "injected fault before the ref update\n")
        env = dict(os.environ)
        env.update({
            "GIT_PROJECT_ROOT": self.state.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "REMOTE_USER": "tester",  # lets http-backend accept pushes; auth was checked above
            "REQUEST_METHOD": method,
            "PATH_INFO": url.path,
            "QUERY_STRING": url.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
        })
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        proc = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True)
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = proc.stdout.partition(b"\n\n")
        status, headers = 200, {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers[name.strip()] = value.strip()
        content_type = headers.pop("Content-Type", "application/octet-stream")
        self.reply(status, payload, content_type, headers)

    # ---- Git LFS --------------------------------------------------------------------------

    def object_path(self, repo, oid):
        return os.path.join(repo, "lfs", "objects", oid[0:2], oid[2:4], oid)

    def lfs(self, method, repo, rest, body):
        base = "http://%s%s/info/lfs" % (self.headers.get("Host"), self.path.split("/info/lfs/")[0])
        if method == "POST" and rest == "objects/batch":
            return self.batch(repo, base, body)
        if method == "POST" and rest == "verify":
            return self.verify(repo, body)
        match = re.match(r"^objects/([0-9a-f]{64})$", rest)
        if match and method == "PUT":
            return self.upload(repo, match.group(1), body)
        if match and method == "GET":
            path = self.object_path(repo, match.group(1))
            if not os.path.exists(path):
                return self.reply_json(404, {"message": "object not found"})
            with open(path, "rb") as f:
                return self.reply(200, f.read(), "application/octet-stream")
        return self.reply_json(404, {"message": "unknown LFS path"})

    def batch(self, repo, base, body):
        request = json.loads(body or b"{}")
        operation = request.get("operation")
        if operation == "upload" and not self.authorised():
            return self.reply_json(401, {"message": "credentials needed"})
        if "basic" not in request.get("transfers", ["basic"]):
            return self.reply_json(422, {"message": "only the basic transfer is served"})
        answers = []
        for item in request.get("objects", []):
            oid, size = item.get("oid", ""), item.get("size")
            answer = {"oid": oid, "size": size}
            if not OID_RE.match(oid) or not isinstance(size, int) or size < 0:
                answer["error"] = {"code": 422, "message": "invalid object"}
                answers.append(answer)
                continue
            exists = os.path.exists(self.object_path(repo, oid))
            href = "%s/objects/%s" % (base, oid)
            if operation == "upload" and not exists:
                header = {"X-Upload-Token": self.state.upload_header(oid)}
                answer["actions"] = {
                    "upload": {"href": href, "header": header, "expires_in": 3600},
                    "verify": {"href": base + "/verify", "header": header, "expires_in": 3600},
                }
            elif operation == "download":
                if exists:
                    answer["actions"] = {"download": {"href": href, "expires_in": 3600}}
                else:
                    answer["error"] = {"code": 404, "message": "object not found"}
            answers.append(answer)
        self.reply_json(200, {"transfer": "basic", "objects": answers, "hash_algo": "sha256"})

    def signed(self, oid):
        given = self.headers.get("X-Upload-Token", "")
        return hmac.compare_digest(given, self.state.upload_header(oid))

    def upload(self, repo, oid, body):
        if not self.signed(oid):
            return self.reply_json(401, {"message": "missing or wrong upload token"})
        if hashlib.sha256(body).hexdigest() != oid:
            return self.reply_json(422, {"message": "content does not match the oid"})
        path = self.object_path(repo, oid)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        os.replace(tmp, path)
        with self.state.lock:
            self.state.lfs_uploads += 1
        self.reply(200, b"")

    def verify(self, repo, body):
        item = json.loads(body or b"{}")
        oid = item.get("oid", "")
        if not OID_RE.match(oid) or not self.signed(oid):
            return self.reply_json(401, {"message": "missing or wrong upload token"})
        path = self.object_path(repo, oid)
        if not os.path.exists(path) or os.path.getsize(path) != item.get("size"):
            return self.reply_json(422, {"message": "object missing or of another size"})
        self.reply_json(200, {"message": "ok"})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gives up mid-request (a test breaking a stream on purpose) is normal.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="")
    args = parser.parse_args()
    Handler.state = State(args.root, args.token)
    server = Server(("127.0.0.1", args.port), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
