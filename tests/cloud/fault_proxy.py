#!/usr/bin/env python3
"""A switchable HTTP proxy in front of a real S3 or GCS server, for fault tests.

  fault_proxy.py --upstream http://127.0.0.1:PORT
      Prints "PORT=<n>" once listening on 127.0.0.1, then forwards every request unchanged
      (the Host header included, so SigV4 signatures still verify upstream).

Control (answered by the proxy itself, never forwarded):
  GET /__fault__/set?mode=M&count=N&match=S&region=R   arm a fault
  GET /__fault__/stats                                 JSON counters, seen Authorization schemes

Modes (each applies to requests whose path+query contains `match`, at most `count` times;
count -1 means always):
  truncate      forward, announce the full Content-Length, send half the body, drop the socket
  status503     answer 503 with Retry-After: 0 instead of forwarding
  empty_body    answer 200 with an empty body (Content-Length: 0)
  repeat_token  in listings, replace every continuation/page token with the same value
  drop_token    in S3 listings, remove NextContinuationToken but keep IsTruncated=true
  region        answer 301 PermanentRedirect + x-amz-bucket-region: R to every request whose
                SigV4 credential scope names another region (always, not counted)
  region_always the same 301 to every signed request, whatever region it was signed for
"""

import argparse
import http.client
import json
import re
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"mode": "", "count": 0, "match": "", "region": "", "applied": 0, "requests": 0,
         "redirected": 0, "auth": []}
LOCK = threading.Lock()
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
       "proxy-authorization", "proxy-authenticate"}


def take_fault(path):
    with LOCK:
        STATE["requests"] += 1
        mode = STATE["mode"]
        if not mode or STATE["match"] not in path or mode in ("region", "region_always"):
            return mode if mode in ("region", "region_always") else ""
        if STATE["count"] == 0:
            return ""
        if STATE["count"] > 0:
            STATE["count"] -= 1
        STATE["applied"] += 1
        return mode


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def reply(self, status, headers, body=b""):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def control(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/__fault__/set":
            q = dict(urllib.parse.parse_qsl(url.query))
            with LOCK:
                STATE.update(mode=q.get("mode", ""), count=int(q.get("count", "1")),
                             match=q.get("match", ""), region=q.get("region", ""), applied=0,
                             redirected=0)
                STATE.pop("first_token", None)
            return self.reply(200, [("Content-Type", "text/plain")], b"ok")
        with LOCK:
            body = json.dumps(STATE).encode()
        self.reply(200, [("Content-Type", "application/json")], body)

    def handle_any(self):
        if self.path.startswith("/__fault__/"):
            return self.control()
        auth = self.headers.get("Authorization", "")
        with LOCK:
            STATE["auth"].append(auth.split(" ")[0] + (" " + auth.split(" ")[1][:12]
                                                        if auth.startswith("Bearer ") else ""))
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        mode = take_fault(self.path)

        if mode in ("region", "region_always"):
            m = re.search(r"Credential=[^/]+/\d+/([^/]+)/s3/", auth)
            if m and (m.group(1) != STATE["region"] or mode == "region_always"):
                with LOCK:
                    STATE["redirected"] += 1
                xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>PermanentRedirect"
                       "</Code><Message>The bucket you are attempting to access must be "
                       "addressed using the specified endpoint.</Message></Error>").encode()
                return self.reply(301, [("x-amz-bucket-region", STATE["region"]),
                                        ("Content-Type", "application/xml")], xml)
        if mode == "status503":
            xml = b"<Error><Code>SlowDown</Code><Message>injected</Message></Error>"
            return self.reply(503, [("Retry-After", "0"), ("Content-Type", "application/xml")],
                              xml)
        if mode == "empty_body" and self.command == "GET":
            return self.reply(200, [("Content-Type", "application/octet-stream")])

        conn = http.client.HTTPConnection(self.upstream[0], self.upstream[1], timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        out_headers = [(k, v) for k, v in resp.getheaders()
                       if k.lower() not in HOP and k.lower() != "content-length"]
        if mode in ("repeat_token", "drop_token"):
            data = self.rewrite_listing(mode, data)
        if mode == "truncate" and self.command == "GET" and len(data) > 1:
            self.send_response(resp.status)
            for k, v in out_headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.reply(resp.status, out_headers, data if self.command != "HEAD" else b"")

    def rewrite_listing(self, mode, data):
        text = data.decode("utf-8", "surrogateescape")
        if mode == "repeat_token":
            # Hand back the first real token again and again: the server stays happy (the
            # token is valid) and a client that trusts it would loop forever.
            found = re.search(r"<NextContinuationToken>([^<]*)</NextContinuationToken>|"
                              r'"nextPageToken"\s*:\s*"([^"]*)"', text)
            if found:
                with LOCK:
                    first = STATE.setdefault("first_token", found.group(1) or found.group(2))
                text = re.sub(r"<NextContinuationToken>[^<]*</NextContinuationToken>",
                              f"<NextContinuationToken>{first}</NextContinuationToken>", text)
                text = re.sub(r'"nextPageToken"\s*:\s*"[^"]*"', f'"nextPageToken":"{first}"',
                              text)
        else:
            text = re.sub(r"<NextContinuationToken>[^<]*</NextContinuationToken>", "", text)
        return text.encode("utf-8", "surrogateescape")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    up = urllib.parse.urlparse(args.upstream)
    Handler.upstream = (up.hostname, up.port)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"PORT={server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
