#!/usr/bin/env python3
"""A local OAuth token endpoint and metadata server for the gs plugin's tests.

  token_server.py --dir DIR [--expires-in SECONDS]
      Makes a throwaway RSA key, writes DIR/service_account.json (token_uri pointing here)
      and DIR/authorized_user.json, prints "PORT=<n>", then serves on 127.0.0.1:
        POST /token   jwt-bearer grant: the assertion's RS256 signature is checked with the
                      key's public half, and its iss/aud/scope/exp claims; refresh_token
                      grant: client id, secret and refresh token must match the file
        GET  /computeMetadata/v1/...  the metadata server (needs Metadata-Flavor: Google)
        GET  /__stats                 JSON: tokens issued per kind, refusals, last error
Issued tokens look like "sa-token-<n>", "user-token-<n>", "md-token-<n>" (made up).
"""

import argparse
import base64
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

STATS = {"sa": 0, "user": 0, "metadata": 0, "refused": 0, "last_error": ""}
LOCK = threading.Lock()
CLIENT_ID = "mp-test-client.apps.example"
CLIENT_SECRET = "mp-test-client-secret"
REFRESH_TOKEN = "mp-test-refresh-token"
SCOPE = "https://www.googleapis.com/auth/devstorage.read_only"


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    public_key = None
    token_uri = ""
    email = ""
    expires_in = 3600

    def log_message(self, *args):
        pass

    def answer(self, status, payload, headers=()):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def refuse(self, why):
        with LOCK:
            STATS["refused"] += 1
            STATS["last_error"] = why
        self.answer(400, {"error": "invalid_grant", "error_description": why})

    def issue(self, kind):
        with LOCK:
            STATS[kind] += 1
            n = STATS[kind]
        prefix = {"sa": "sa-token", "user": "user-token", "metadata": "md-token"}[kind]
        self.answer(200, {"access_token": f"{prefix}-{n}", "expires_in": self.expires_in,
                          "token_type": "Bearer"}, [("Metadata-Flavor", "Google")]
                    if kind == "metadata" else [])

    def do_GET(self):
        if self.path == "/__stats":
            with LOCK:
                return self.answer(200, dict(STATS))
        if self.path.startswith("/computeMetadata/v1/"):
            if self.headers.get("Metadata-Flavor") != "Google":
                return self.answer(403, {"error": "missing Metadata-Flavor"})
            if self.path.endswith("/service-accounts/default/token"):
                return self.issue("metadata")
            return self.answer(200, {}, [("Metadata-Flavor", "Google")])
        self.answer(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        if self.path != "/token":
            return self.answer(404, {"error": "not found"})
        grant = form.get("grant_type")
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self.check_jwt(form.get("assertion", ""))
        if grant == "refresh_token":
            if (form.get("client_id"), form.get("client_secret"),
                    form.get("refresh_token")) != (CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN):
                return self.refuse("wrong client or refresh token")
            return self.issue("user")
        self.refuse(f"unsupported grant_type {grant}")

    def check_jwt(self, assertion):
        try:
            header_b64, claims_b64, signature_b64 = assertion.split(".")
            header = json.loads(b64url_decode(header_b64))
            claims = json.loads(b64url_decode(claims_b64))
            if header.get("alg") != "RS256":
                return self.refuse("alg is not RS256")
            self.public_key.verify(b64url_decode(signature_b64),
                                   f"{header_b64}.{claims_b64}".encode(),
                                   padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return self.refuse("bad JWT signature")
        except Exception as e:  # malformed assertion
            return self.refuse(f"malformed JWT: {e}")
        now = time.time()
        if claims.get("iss") != self.email:
            return self.refuse("wrong iss")
        if claims.get("aud") != self.token_uri:
            return self.refuse(f"wrong aud {claims.get('aud')}")
        if SCOPE not in claims.get("scope", "").split(" "):
            return self.refuse("scope lacks devstorage.read_only")
        if not (claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0)):
            return self.refuse("JWT expired or not yet valid")
        self.issue("sa")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--expires-in", type=int, default=3600)
    args = parser.parse_args()

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    Handler.public_key = key.public_key()
    Handler.token_uri = f"http://127.0.0.1:{port}/token"
    Handler.email = "pusher@mp-test.iam.gserviceaccount.com"
    Handler.expires_in = args.expires_in

    os.makedirs(args.dir, exist_ok=True)
    with open(os.path.join(args.dir, "service_account.json"), "w") as f:
        json.dump({"type": "service_account", "project_id": "mp-test",
                   "private_key_id": "throwaway-key-1", "private_key": pem,
                   "client_email": Handler.email, "client_id": "1",
                   "token_uri": Handler.token_uri}, f)
    with open(os.path.join(args.dir, "authorized_user.json"), "w") as f:
        json.dump({"type": "authorized_user", "client_id": CLIENT_ID,
                   "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN,
                   "token_uri": Handler.token_uri}, f)
    print(f"PORT={port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
