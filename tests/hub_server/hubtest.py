"""Start/stop the Hub-compatible test server from Python (tests, demos, benchmarks).

    from hubtest import HubServer, WRITE_TOKEN
    with HubServer(extra_args=["--regular-file-limit", "1024"]) as hub:
        env = hub.client_env(WRITE_TOKEN)      # HF_ENDPOINT, HF_TOKEN, HF_HUB_DISABLE_XET, ...
        ...
        hub.stats()                            # GET /_test/stats
        hub.set_faults({"rules": [...]})       # POST /_test/faults

Only loopback addresses are used.  The server process is always stopped by stop()/__exit__.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "hub_server.py")

# Fake tokens (never valid anywhere but on this test server).
WRITE_TOKEN = "hf_test_write_alice"
READ_TOKEN = "hf_test_read_alice"
BOB_TOKEN = "hf_test_write_bob"
USER = "alice"
ORG = "acme"

DEFAULT_TOKENS = {
    "users": {"alice": {"orgs": ["acme"]}, "bob": {"orgs": []}},
    "tokens": [
        {"token": WRITE_TOKEN, "user": "alice", "role": "write"},
        {"token": READ_TOKEN, "user": "alice", "role": "read"},
        {"token": BOB_TOKEN, "user": "bob", "role": "write"},
    ],
}


class HubServer:
    def __init__(self, data_dir: str | None = None, extra_args=(), tokens: dict | None = None,
                 host: str = "127.0.0.1", startup_timeout: float = 30.0, log_file: str | None = None,
                 max_lifetime: float = 3600.0):
        self._own_dir = data_dir is None
        self.workdir = tempfile.mkdtemp(prefix="hubsrv-")
        self.data_dir = data_dir or os.path.join(self.workdir, "data")
        self.extra_args = list(extra_args)
        self.tokens = tokens or DEFAULT_TOKENS
        self.host = host
        self.startup_timeout = startup_timeout
        self.log_file = log_file or os.path.join(self.workdir, "server.log")
        self.max_lifetime = max_lifetime
        self.proc = None
        self.info = None

    # ---- lifecycle
    def start(self):
        tok_file = os.path.join(self.workdir, "tokens.json")
        with open(tok_file, "w") as f:
            json.dump(self.tokens, f)
        port_file = os.path.join(self.workdir, "ports.json")
        cmd = [sys.executable, SERVER, "--data", self.data_dir, "--host", self.host, "--port", "0",
               "--upload-port", "0", "--port-file", port_file, "--tokens", tok_file, "--quiet",
               "--max-lifetime", str(self.max_lifetime), *self.extra_args]
        self._log = open(self.log_file, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub server exited early ({self.proc.returncode}); log: "
                                   f"{self.read_log()}")
            if os.path.exists(port_file):
                with open(port_file) as f:
                    self.info = json.load(f)
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("hub server did not become ready in time")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    def read_log(self):
        try:
            with open(self.log_file, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""

    # ---- addresses
    @property
    def url(self) -> str:
        return self.info["api_url"]

    @property
    def upload_url(self) -> str:
        return self.info["upload_url"]

    @property
    def port(self) -> int:
        return self.info["api_port"]

    def repo_dir(self, repo_id: str, repo_type: str = "model") -> str:
        ns, name = repo_id.split("/")
        return os.path.join(self.data_dir, "repos", repo_type + "s", ns, name + ".git")

    def client_env(self, token: str | None = WRITE_TOKEN, home: str | None = None) -> dict:
        """Environment for an official client pointed at this server (never at a real hub)."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("HF_", "HUGGING_FACE_")) and k not in ("HUGGINGFACE_HUB_CACHE",)}
        home = home or os.path.join(self.workdir, "hf_home")
        os.makedirs(home, exist_ok=True)
        env.update({
            "HF_ENDPOINT": self.url,
            "HF_HUB_DISABLE_XET": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_OFFLINE": "0",
            "HF_HUB_DISABLE_IMPLICIT_TOKEN": "0",
            "HF_HOME": home,
            "NO_PROXY": "127.0.0.1,localhost,::1",
            "no_proxy": "127.0.0.1,localhost,::1",
        })
        for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
            env.pop(k, None)
        if token:
            env["HF_TOKEN"] = token
        return env

    # ---- test endpoints
    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def stats(self) -> dict:
        return self._call("GET", "/_test/stats")

    def reset_stats(self):
        return self._call("POST", "/_test/stats/reset", {})

    def set_faults(self, spec: dict, append=False):
        return self._call("POST", "/_test/faults" + ("?append=1" if append else ""), spec)

    def faults(self) -> dict:
        return self._call("GET", "/_test/faults")

    def reset_faults(self):
        return self._call("DELETE", "/_test/faults")


if __name__ == "__main__":
    # Manual use: python3 hubtest.py  -> starts a server, prints its URLs, waits for Ctrl-C.
    with HubServer() as hub:
        print(json.dumps(hub.info), flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
