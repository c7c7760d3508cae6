#!/usr/bin/env python3
"""Hugging Face Hub-compatible test server (loopback only, for tests and benchmarks).

Implements the subset of the Hub HTTP protocol described in docs "hub-protocol.md"
(section 10) on top of real bare git repositories and a git-lfs object store:

* every repository is a bare git repository under DATA/repos/{type}s/{ns}/{name}.git,
  driven with git plumbing (hash-object, update-index on a private index, write-tree,
  commit-tree, update-ref with the expected old value as compare-and-swap);
* LFS objects live inside that repository, at lfs/objects/ab/cd/<sha256> (the layout
  git-lfs itself uses), and the git tree holds exact git-lfs v1 pointer blobs, so a plain
  `git clone` of the directory followed by `git lfs pull` works;
* LFS upload URLs point at a second listening socket ("upload host") with a random
  per-upload token in the path; that socket records whether an Authorization header
  ever reached it;
* /_test/stats and /_test/faults expose counters and inject faults (429, 500, dropped
  uploads, body limits, throttling).

Standard library only; Python >= 3.9.  Run with --help for the flags; README.md beside
this file documents them.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime
import fnmatch
import hashlib
import http.server
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from collections import OrderedDict

CHUNK = 1 << 20  # body streaming granularity
MiB = 1 << 20
ZERO_OID = "0" * 40
HEX40 = re.compile(r"^[0-9a-f]{40}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
REPO_TYPES = ("model", "dataset", "space")
WEB_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
LFS_CT = "application/vnd.git-lfs+json"
POINTER_HEAD = b"version https://git-lfs.github.com/spec/v1\n"

# The .gitattributes a new Hub repository starts with (same patterns as the Hub's
# default; written here as data).
DEFAULT_GITATTRIBUTES_PATTERNS = [
    "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib",
    "*.lfs.*", "*.mlmodel", "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot",
    "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt", "*.pth", "*.rar", "*.safetensors",
    "saved_model/**/*", "*.tar.*", "*.tar", "*.tflite", "*.tgz", "*.wasm", "*.xz", "*.zip",
    "*.zst", "*tfevents*",
]
DEFAULT_GITATTRIBUTES = "".join(
    f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in DEFAULT_GITATTRIBUTES_PATTERNS
)

DEFAULT_TOKENS = [
    # token, user, role, orgs
    ("hf_test_write_alice", "alice", "write", ["acme"]),
    ("hf_test_read_alice", "alice", "read", ["acme"]),
    ("hf_test_write_bob", "bob", "write", []),
]


# --------------------------------------------------------------------------- utilities


def now_iso(ts: float | None = None) -> str:
    ts = time.time() if ts is None else ts
    d = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def git_blob_sha1(data: bytes) -> str:
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


def lfs_pointer(oid: str, size: int) -> bytes:
    return (f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n").encode()


def parse_pointer(data: bytes):
    """Return (oid, size) if data is a git-lfs v1 pointer, else None."""
    if not data.startswith(POINTER_HEAD) or len(data) > 1024:
        return None
    oid = size = None
    try:
        for line in data.decode("ascii").split("\n")[1:]:
            if not line:
                continue
            k, _, v = line.partition(" ")
            if k == "oid" and v.startswith("sha256:"):
                oid = v[7:]
            elif k == "size":
                size = int(v)
    except (UnicodeDecodeError, ValueError):
        return None
    if oid and HEX64.match(oid) and size is not None and size >= 0:
        return oid, size
    return None


_CLASS_NAMES = {
    "space": r"\s", "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z",
    "lower": "a-z", "xdigit": "0-9a-fA-F", "blank": r" \t", "punct": r"!-/:-@\[-`{-~",
}


def glob_to_regex(pat: str) -> str:
    """Translate a git wildmatch pattern ('*' not crossing '/', '**', '?', classes)."""
    out = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("/**", i) and i + 3 == n:
            out.append("/.*")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = i + 1
            neg = False
            if j < n and pat[j] in "!^":
                neg = True
                j += 1
            items = []
            first = True
            closed = False
            while j < n:
                ch = pat[j]
                if ch == "]" and not first:
                    closed = True
                    break
                first = False
                if pat.startswith("[:", j):
                    k = pat.find(":]", j + 2)
                    if k != -1:
                        items.append(_CLASS_NAMES.get(pat[j + 2:k], ""))
                        j = k + 2
                        continue
                if ch == "\\" and j + 1 < n:
                    j += 1
                    ch = pat[j]
                if ch == "-" and items and j + 1 < n and pat[j + 1] != "]":
                    items.append("-")
                else:
                    items.append(re.escape(ch))
                j += 1
            if not closed:
                out.append(re.escape("["))
                i += 1
                continue
            out.append("[" + ("^" if neg else "") + "".join(items) + "]")
            i = j + 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pat[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def _split_attr_line(line: str):
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    if line.startswith('"'):
        # C-style quoted pattern
        j, buf = 1, []
        while j < len(line) and line[j] != '"':
            if line[j] == "\\" and j + 1 < len(line):
                j += 1
            buf.append(line[j])
            j += 1
        return "".join(buf), line[j + 1:].split()
    parts = line.split()
    return parts[0], parts[1:]


def path_matches(pattern: str, path: str) -> bool:
    """gitattributes-style match: no '/' => basename anywhere; else anchored at root."""
    if "/" not in pattern.rstrip("/"):
        target = path.rsplit("/", 1)[-1]
        return re.fullmatch(glob_to_regex(pattern), target) is not None
    return re.fullmatch(glob_to_regex(pattern.lstrip("/")), path) is not None


def is_lfs_tracked(gitattributes: str, path: str) -> bool:
    state = False
    for line in gitattributes.splitlines():
        sp = _split_attr_line(line)
        if not sp:
            continue
        pat, attrs = sp
        if not path_matches(pat, path):
            continue
        for a in attrs:
            if a.startswith("filter="):
                state = a == "filter=lfs"
            elif a in ("-filter", "!filter"):
                state = False
    return state


def gitattributes_escape(path: str) -> str:
    out = []
    for ch in path:
        if ch in "*?[]\\!#":
            out.append("\\" + ch)
        elif ch.isspace():
            out.append("[[:space:]]")
        else:
            out.append(ch)
    return "/" + "".join(out)


def is_ignored(gitignore: str, path: str) -> bool:
    ignored = False
    parts = path.split("/")
    for line in gitignore.splitlines():
        line = line.rstrip()
        if not line or line.startswith("#"):
            continue
        neg = line.startswith("!")
        if neg:
            line = line[1:]
        dir_only = line.endswith("/")
        pat = line.rstrip("/")
        if not pat:
            continue
        anchored = "/" in pat
        rx = re.compile(glob_to_regex(pat.lstrip("/")))
        hit = False
        # candidates: every leading directory and (unless dir_only) the file itself
        for k in range(1, len(parts) + 1):
            is_dir = k < len(parts)
            if dir_only and not is_dir:
                continue
            cand = "/".join(parts[:k]) if anchored else parts[k - 1]
            if rx.fullmatch(cand):
                hit = True
                break
        if hit:
            ignored = not neg
    return ignored


def valid_repo_path(p: str) -> bool:
    if not p or p.startswith("/") or "\0" in p or "\\" in p:
        return False
    for seg in p.split("/"):
        if seg in ("", ".", "..", ".git"):
            return False
    return True


# --------------------------------------------------------------------------- errors


class HubError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, headers=None, lfs=False,
                 extra=None):
        super().__init__(message)
        self.extra = dict(extra or {})
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})
        self.lfs = lfs


class DropConnection(Exception):
    """Raised by the body reader when a fault asks to cut the connection."""


class ClientGone(Exception):
    pass


# --------------------------------------------------------------------------- config, auth


class Identity:
    def __init__(self, token, user, role, orgs):
        self.token = token
        self.user = user
        self.role = role
        self.orgs = list(orgs)

    @property
    def can_write(self):
        return self.role in ("write", "admin")

    def member_of(self, ns):
        return ns == self.user or ns in self.orgs


class Auth:
    def __init__(self):
        self.tokens: dict[str, Identity] = {}
        self.user_orgs: dict[str, list[str]] = {}

    def add(self, token, user, role, orgs=()):
        if role not in ("read", "write", "admin"):
            raise ValueError(f"token role must be read or write, got {role!r}")
        cur = self.user_orgs.setdefault(user, [])
        for o in orgs:
            if o and o not in cur:
                cur.append(o)
        self.tokens[token] = Identity(token, user, role, cur)

    def load_file(self, path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if text.lstrip().startswith("{"):
            doc = json.loads(text)
            users = doc.get("users", {})
            if isinstance(users, list):
                users = {u["name"]: u for u in users}
            for name, u in users.items():
                self.user_orgs.setdefault(name, [])
                for o in u.get("orgs", []):
                    if o not in self.user_orgs[name]:
                        self.user_orgs[name].append(o)
            toks = doc.get("tokens", [])
            if isinstance(toks, dict):
                toks = [dict(v, token=k) for k, v in toks.items()]
            for t in toks:
                self.add(t["token"], t["user"], t.get("role", "write"), t.get("orgs", []))
        else:
            for line in text.splitlines():
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                parts = line.split()
                if len(parts) < 3:
                    raise ValueError(f"bad token line (want: TOKEN USER ROLE [ORG,...]): {line!r}")
                orgs = parts[3].split(",") if len(parts) > 3 else []
                self.add(parts[0], parts[1], parts[2], orgs)

    def lookup(self, header: str | None):
        """Return (identity|None, error|None) for an Authorization header value."""
        if not header:
            return None, None
        scheme, _, cred = header.strip().partition(" ")
        cred = cred.strip()
        scheme = scheme.lower()
        token = None
        if scheme == "bearer":
            token = cred
        elif scheme == "basic":
            try:
                dec = base64.b64decode(cred).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                dec = ""
            user, _, pw = dec.partition(":")
            token = pw or user
        if token and token in self.tokens:
            return self.tokens[token], None
        return None, HubError(401, "Invalid credentials in Authorization header",
                              headers={"X-Error-Message": "Invalid credentials in Authorization header"})


# --------------------------------------------------------------------------- faults & stats


class Faults:
    """Run-time fault switches.  Every rule has a bounded remaining count."""

    MAX_COUNT = 10000

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.rules = []
            self.body_limit = None  # bytes, API endpoints only
            self.throttle_bps = None
            self.throttle_endpoint = "*"
            self.triggered = {}

    def configure(self, doc: dict, append=False):
        rules = []
        for r in doc.get("rules", []):
            rule = {
                "endpoint": str(r.get("endpoint", "*")),
                "method": (r.get("method") or "").upper() or None,
                "path": r.get("path"),
                "count": max(0, min(int(r.get("count", 1)), self.MAX_COUNT)),
            }
            if rule["path"]:
                re.compile(rule["path"])
            if "drop_after" in r:
                rule["kind"] = "drop"
                rule["drop_after"] = max(0, int(r["drop_after"]))
            elif "status" in r:
                rule["kind"] = "status"
                rule["status"] = int(r["status"])
                if r.get("retry_after") is not None:
                    rule["retry_after"] = int(r["retry_after"])
                rule["message"] = str(r.get("message", "injected fault"))
            else:
                raise ValueError("a fault rule needs 'status' or 'drop_after'")
            rules.append(rule)
        with self.lock:
            if append:
                self.rules.extend(rules)
            else:
                self.rules = rules
            if "body_limit" in doc:
                self.body_limit = None if doc["body_limit"] is None else int(doc["body_limit"])
            if "throttle_bps" in doc:
                self.throttle_bps = None if not doc["throttle_bps"] else int(doc["throttle_bps"])
            if "throttle_endpoint" in doc:
                self.throttle_endpoint = str(doc["throttle_endpoint"] or "*")

    def _match(self, rule, endpoint, method, path):
        if rule["count"] <= 0:
            return False
        if not fnmatch.fnmatchcase(endpoint, rule["endpoint"]):
            return False
        if rule["method"] and rule["method"] != method:
            return False
        if rule["path"] and not re.search(rule["path"], path):
            return False
        return True

    def take(self, kind, endpoint, method, path):
        with self.lock:
            for rule in self.rules:
                if rule["kind"] == kind and self._match(rule, endpoint, method, path):
                    rule["count"] -= 1
                    key = f"{kind}:{endpoint}"
                    self.triggered[key] = self.triggered.get(key, 0) + 1
                    return dict(rule)
        return None

    def throttle_for(self, endpoint):
        with self.lock:
            if self.throttle_bps and fnmatch.fnmatchcase(endpoint, self.throttle_endpoint):
                return self.throttle_bps
        return None

    def to_json(self):
        with self.lock:
            return {"rules": [dict(r) for r in self.rules], "body_limit": self.body_limit,
                    "throttle_bps": self.throttle_bps, "throttle_endpoint": self.throttle_endpoint,
                    "triggered": dict(self.triggered)}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.requests = {}
            self.status = {}
            self.upload_host_requests = 0
            self.upload_host_auth = 0
            self.upload_host_auth_paths = []
            self.lfs_complete_auth = 0
            self.lfs_puts = 0
            self.lfs_part_puts = 0
            self.lfs_objects_stored = 0
            self.lfs_bytes = {}
            self.lfs_bytes_total = 0
            self.lfs_download_bytes = 0
            self.commits = 0
            self.commits_by_repo = {}
            self.api_body_bytes = 0
            self.started = time.time()

    def inc(self, field, n=1):
        with self.lock:
            setattr(self, field, getattr(self, field) + n)

    def request(self, endpoint, status):
        with self.lock:
            self.requests[endpoint] = self.requests.get(endpoint, 0) + 1
            self.status[str(status)] = self.status.get(str(status), 0) + 1

    def lfs_received(self, oid, n):
        with self.lock:
            self.lfs_bytes[oid] = self.lfs_bytes.get(oid, 0) + n
            self.lfs_bytes_total += n

    def commit(self, repo_id):
        with self.lock:
            self.commits += 1
            self.commits_by_repo[repo_id] = self.commits_by_repo.get(repo_id, 0) + 1

    def to_json(self):
        with self.lock:
            return {
                "uptime_s": round(time.time() - self.started, 3),
                "requests": dict(self.requests),
                "requests_total": sum(self.requests.values()),
                "status": dict(self.status),
                "upload_host": {
                    "requests": self.upload_host_requests,
                    "authorization_seen": self.upload_host_auth > 0,
                    "authorization_count": self.upload_host_auth,
                    "authorization_paths": list(self.upload_host_auth_paths[-20:]),
                },
                "lfs_complete_authorization_count": self.lfs_complete_auth,
                "lfs": {
                    "puts": self.lfs_puts,
                    "part_puts": self.lfs_part_puts,
                    "objects_stored": self.lfs_objects_stored,
                    "bytes_received": dict(self.lfs_bytes),
                    "bytes_received_total": self.lfs_bytes_total,
                    "download_bytes": self.lfs_download_bytes,
                },
                "commits": self.commits,
                "commits_by_repo": dict(self.commits_by_repo),
                "api_body_bytes": self.api_body_bytes,
            }


# --------------------------------------------------------------------------- git layer


def _git_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0",
               LC_ALL="C", LANG="C")
    if extra:
        env.update(extra)
    return env


BASE_ENV = _git_env()


class GitError(Exception):
    pass


class Entry:
    __slots__ = ("path", "mode", "type", "oid", "size", "lfs")

    def __init__(self, path, mode, typ, oid, size, lfs=None):
        self.path = path
        self.mode = mode
        self.type = typ  # "blob" or "tree"
        self.oid = oid
        self.size = size  # blob size (pointer size for LFS); 0 for trees
        self.lfs = lfs  # (sha256, size) for LFS files

    @property
    def real_size(self):
        return self.lfs[1] if self.lfs else self.size


class Snapshot:
    """Immutable view of one commit's tree (cached per commit sha)."""

    def __init__(self, repo, sha):
        self.repo = repo
        self.sha = sha
        self.entries: "OrderedDict[str, Entry]" = OrderedDict()
        self.blob_cache = {}
        self.card = None
        out = repo.git("ls-tree", "-r", "-t", "-l", "-z", "--full-tree", sha)
        candidates = []
        for rec in out.split(b"\0"):
            if not rec:
                continue
            meta, _, path = rec.partition(b"\t")
            mode, typ, oid, size = meta.decode().split()
            path = path.decode("utf-8", "surrogateescape")
            if typ == "tree":
                self.entries[path] = Entry(path, mode, "tree", oid, 0)
            elif typ == "blob":
                sz = int(size)
                e = Entry(path, mode, "blob", oid, sz)
                self.entries[path] = e
                if len(POINTER_HEAD) < sz <= 1024:
                    candidates.append(e)
        if candidates:
            blobs = repo.cat_blobs([e.oid for e in candidates])
            for e in candidates:
                ptr = parse_pointer(blobs.get(e.oid, b""))
                if ptr:
                    e.lfs = ptr

    def files(self):
        return [e for e in self.entries.values() if e.type == "blob"]

    def get(self, path):
        return self.entries.get(path)

    def read(self, path):
        e = self.entries.get(path)
        if not e or e.type != "blob":
            return None
        if path not in self.blob_cache:
            data = self.repo.read_blob(e.oid)
            if data is None:
                raise GitError(f"missing blob {e.oid} for {path}")
            if path in (".gitattributes", ".gitignore", "README.md"):
                self.blob_cache[path] = data
            return data
        return self.blob_cache[path]

    def text(self, path):
        data = self.read(path)
        return data.decode("utf-8", "replace") if data is not None else None


class Repo:
    def __init__(self, store, rtype, ns, name):
        self.store = store
        self.type = rtype
        self.ns = ns
        self.name = name
        self.id = f"{ns}/{name}"
        self.path = os.path.join(store.repos_dir, rtype + "s", ns, name + ".git")
        self.lock = threading.RLock()
        self._meta = None
        self.batch_lock = threading.Lock()
        self._batch = None

    # -- git plumbing
    def git(self, *args, input=None, env=None, check=True):
        cmd = ["git", "--git-dir", self.path, *args]
        p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env or BASE_ENV)
        if check and p.returncode != 0:
            raise GitError(f"{' '.join(args[:2])}: {p.stderr.decode(errors='replace').strip()}")
        return p.stdout

    def read_blob(self, oid):
        """Read one object through a long-lived `git cat-file --batch` (no process per read)."""
        with self.batch_lock:
            for attempt in (0, 1):
                p = self._batch
                if p is None or p.poll() is not None:
                    p = self._batch = subprocess.Popen(
                        ["git", "--git-dir", self.path, "cat-file", "--batch"], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=BASE_ENV)
                try:
                    p.stdin.write(oid.encode() + b"\n")
                    p.stdin.flush()
                    head = p.stdout.readline().split()
                    if len(head) < 3 or head[1] == b"missing":
                        return None
                    size = int(head[2])
                    data = p.stdout.read(size)
                    p.stdout.read(1)
                    if len(data) == size:
                        return data
                except (OSError, ValueError):
                    pass
                self._close_batch()
            raise GitError(f"cannot read object {oid}")

    def _close_batch(self):
        p, self._batch = self._batch, None
        if p is not None:
            try:
                p.kill()
                p.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass

    def close(self):
        with self.batch_lock:
            self._close_batch()

    def cat_blobs(self, oids):
        out = self.git("cat-file", "--batch", input=("\n".join(oids) + "\n").encode())
        res, pos = {}, 0
        while pos < len(out):
            nl = out.index(b"\n", pos)
            head = out[pos:nl].split()
            pos = nl + 1
            if len(head) < 3 or head[1] == b"missing":
                continue
            size = int(head[2])
            res[head[0].decode()] = out[pos:pos + size]
            pos += size + 1
        return res

    def exists(self):
        return os.path.isdir(self.path) and os.path.exists(os.path.join(self.path, "hub.json"))

    @property
    def meta(self):
        if self._meta is None:
            with open(os.path.join(self.path, "hub.json"), encoding="utf-8") as f:
                self._meta = json.load(f)
        return self._meta

    def save_meta(self):
        tmp = os.path.join(self.path, "hub.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.meta, f, indent=1)
        os.replace(tmp, os.path.join(self.path, "hub.json"))

    @property
    def private(self):
        return bool(self.meta.get("private"))

    # -- refs
    def refs(self):
        """dict refname -> commit sha (tags peeled)."""
        out = self.git("for-each-ref", "--format=%(objectname) %(objecttype) %(*objectname) %(refname)")
        refs = {}
        for line in out.decode("utf-8", "surrogateescape").splitlines():
            parts = line.split(" ", 3)
            if len(parts) == 4:
                oid, typ, peeled, ref = parts
            else:  # no peeled value => "%(*objectname)" empty, double space collapsed
                oid, typ, ref = line.split(" ", 2)
                peeled = ""
                ref = ref.lstrip(" ")
            if typ == "tag" and peeled:
                oid = peeled
            elif typ != "commit":
                continue
            refs[ref] = oid
        return refs

    def resolve(self, rev):
        """Resolve a branch/tag/ref/sha to a commit sha or raise RevisionNotFound."""
        if rev is None or rev == "":
            rev = "main"
        if HEX40.match(rev):
            if self.store.has_snapshot(self, rev):
                return rev
            out = self.git("cat-file", "-t", rev, check=False).strip()
            if out == b"commit":
                return rev
        sha = self._loose_branch(rev)
        if sha:
            return sha
        refs = self.refs()
        for cand in ("refs/heads/" + rev, "refs/tags/" + rev, rev if rev.startswith("refs/") else None):
            if cand and cand in refs:
                return refs[cand]
        raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")

    def _loose_branch(self, name):
        """Fast path: a branch stored as a loose ref file (refs are never packed here)."""
        if (not name or name.startswith(("/", "-")) or ".." in name or "\0" in name or "\\" in name
                or name.endswith((".lock", "/")) or "//" in name
                or os.path.exists(os.path.join(self.path, "packed-refs"))):
            return None
        try:
            with open(os.path.join(self.path, "refs", "heads", *name.split("/")), "rb") as f:
                sha = f.read(64).strip().decode("ascii", "replace")
        except OSError:
            return None
        return sha if HEX40.match(sha) else None

    def branch_head(self, branch):
        ref = branch if branch.startswith("refs/") else "refs/heads/" + branch
        return self.refs().get(ref), ref

    def snapshot(self, sha) -> Snapshot:
        return self.store.snapshot(self, sha)

    # -- lfs
    def lfs_path(self, oid):
        # Limitation: the LFS store is per repository (git-lfs's layout inside the bare repo, so
        # `git lfs pull` from the directory works); an object already stored in another repo is
        # not shared, so the batch API asks for it again there.
        return os.path.join(self.path, "lfs", "objects", oid[0:2], oid[2:4], oid)

    def lfs_has(self, oid, size=None):
        try:
            st = os.stat(self.lfs_path(oid))
        except OSError:
            return False
        return size is None or st.st_size == size

    # -- writing
    def write_blobs(self, blobs: list[bytes]) -> list[str]:
        if not blobs:
            return []
        tmpdir = tempfile.mkdtemp(dir=self.store.tmp_dir)
        try:
            paths = []
            for i, b in enumerate(blobs):
                p = os.path.join(tmpdir, str(i))
                with open(p, "wb") as f:
                    f.write(b)
                paths.append(p)
            out = self.git("hash-object", "-w", "--no-filters", "--stdin-paths",
                           input=("\n".join(paths) + "\n").encode())
            return out.decode().split()
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def make_commit(self, parent, changes, message, author, extra_env=None):
        """changes: dict path -> (mode, blob oid) or None (delete).  Returns new commit sha."""
        tmpdir = tempfile.mkdtemp(dir=self.store.tmp_dir)
        try:
            env = _git_env({"GIT_INDEX_FILE": os.path.join(tmpdir, "index")})
            if parent:
                self.git("read-tree", parent, env=env)
            else:
                self.git("read-tree", "--empty", env=env)
            if changes:
                lines = []
                for path, v in changes.items():
                    if v is None:
                        lines.append(f"0 {ZERO_OID}\t{path}")
                    else:
                        lines.append(f"{v[0]} {v[1]}\t{path}")
                data = ("\0".join(lines) + "\0").encode("utf-8", "surrogateescape")
                try:
                    self.git("update-index", "-z", "--index-info", input=data, env=env)
                except GitError as e:
                    raise HubError(400, f"Invalid commit operations: {e}")
            tree = self.git("write-tree", env=env).decode().strip()
            cenv = _git_env({
                "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author}@users.noreply.localhost",
                "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": f"{author}@users.noreply.localhost",
                **(extra_env or {}),
            })
            args = ["commit-tree", tree]
            if parent:
                args += ["-p", parent]
            args += ["-F", "-"]
            return self.git(*args, input=message.encode("utf-8"), env=cenv).decode().strip()
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def update_ref(self, ref, new, old):
        """Compare-and-swap a ref.  old=None means 'must not exist'."""
        p = subprocess.run(["git", "--git-dir", self.path, "update-ref", "-m", "hub", ref, new,
                            old or ZERO_OID], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=BASE_ENV)
        return p.returncode == 0

    def delete_ref(self, ref, old):
        p = subprocess.run(["git", "--git-dir", self.path, "update-ref", "-d", ref, old],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=BASE_ENV)
        return p.returncode == 0

    def commit_date(self, sha):
        out = self.git("show", "-s", "--format=%ct", sha).strip()
        return float(out or 0)


class Upload:
    """State of one LFS upload (basic or multipart) handed out by the batch endpoint."""

    def __init__(self, token, repo, oid, size, chunk_size=None):
        self.token = token
        self.repo = repo
        self.oid = oid
        self.size = size
        self.chunk_size = chunk_size
        self.nparts = -(-size // chunk_size) if chunk_size else 0
        self.created = time.time()
        self.lock = threading.Lock()
        self.tmp = None
        self.parts = {}  # part number -> etag
        self.hasher = hashlib.sha256()
        self.hashed_upto = 0
        self.started_parts = set()
        self.rewritten = False  # a part was sent twice: hash the whole file at completion
        self.done = False


class Store:
    def __init__(self, data_dir, snapshot_cache=256):
        self.data = os.path.abspath(data_dir)
        self.repos_dir = os.path.join(self.data, "repos")
        self.tmp_dir = os.path.join(self.data, "tmp")
        os.makedirs(self.repos_dir, exist_ok=True)
        shutil.rmtree(self.tmp_dir, ignore_errors=True)
        os.makedirs(self.tmp_dir, exist_ok=True)
        self.lock = threading.RLock()
        self.repo_objs = {}
        self.snap_cache: "OrderedDict[tuple, Snapshot]" = OrderedDict()
        self.snap_limit = snapshot_cache
        # Limitation: upload/download tokens and multipart state live in memory only; after a
        # restart, URLs handed out earlier answer 404 and clients must ask the batch API again.
        self.uploads: dict[str, Upload] = {}
        self.downloads: dict[str, tuple] = {}

    def repo(self, rtype, ns, name) -> Repo:
        key = (rtype, ns, name)
        with self.lock:
            r = self.repo_objs.get(key)
            if r is None:
                r = Repo(self, rtype, ns, name)
                self.repo_objs[key] = r
            return r

    def forget(self, repo):
        repo.close()
        with self.lock:
            self.repo_objs.pop((repo.type, repo.ns, repo.name), None)
            for k in [k for k in self.snap_cache if k[0] == repo.path]:
                del self.snap_cache[k]

    def has_snapshot(self, repo, sha):
        with self.lock:
            return (repo.path, sha) in self.snap_cache

    def snapshot(self, repo, sha):
        key = (repo.path, sha)
        with self.lock:
            s = self.snap_cache.get(key)
            if s is not None:
                self.snap_cache.move_to_end(key)
                return s
        s = Snapshot(repo, sha)
        with self.lock:
            self.snap_cache[key] = s
            while len(self.snap_cache) > self.snap_limit:
                self.snap_cache.popitem(last=False)
        return s

    def new_upload(self, repo, oid, size, chunk_size=None):
        tok = secrets.token_urlsafe(18)
        up = Upload(tok, repo, oid, size, chunk_size)
        with self.lock:
            self._expire()
            self.uploads[tok] = up
        return up

    def new_download(self, repo, oid, size):
        tok = secrets.token_urlsafe(18)
        with self.lock:
            self._expire()
            self.downloads[tok] = (repo, oid, size, time.time())
        return tok

    def _expire(self):
        limit = time.time() - 6 * 3600
        for k in [k for k, u in self.uploads.items() if u.created < limit]:
            u = self.uploads.pop(k)
            if u.tmp:
                try:
                    os.unlink(u.tmp)
                except OSError:
                    pass
        for k in [k for k, d in self.downloads.items() if d[3] < limit]:
            del self.downloads[k]

    def tmp_file(self):
        fd, path = tempfile.mkstemp(dir=self.tmp_dir, prefix="up-")
        return fd, path


# --------------------------------------------------------------------------- server state


class Config:
    def __init__(self, args):
        self.host = args.host
        self.public_host = args.public_host or args.host
        self.lfs_host = args.lfs_host or args.host
        self.lfs_bind = args.lfs_bind or args.host
        self.regular_limit = args.regular_file_limit
        self.chunk_size = args.chunk_size
        self.multipart_threshold = args.multipart_threshold
        self.tree_page = args.tree_page_size
        self.tree_page_expand = args.tree_page_size_expand
        self.commits_page = args.commits_page_size
        self.resolve_redirect = args.resolve_redirect
        self.git_http = not args.no_git_http
        self.access_log = args.access_log
        self.api_port = None
        self.upload_port = None


def fmt_host(h):
    return f"[{h}]" if ":" in h and not h.startswith("[") else h


class State:
    def __init__(self, cfg: Config, store: Store, auth: Auth):
        self.cfg = cfg
        self.store = store
        self.auth = auth
        self.faults = Faults()
        self.stats = Stats()
        self.log_lock = threading.Lock()
        self.log_file = open(cfg.access_log, "a", buffering=1) if cfg.access_log else None

    def upload_base(self):
        return f"http://{fmt_host(self.cfg.lfs_host)}:{self.cfg.upload_port}"


# --------------------------------------------------------------------------- HTTP plumbing


class BaseHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hub-test-server/1.0"
    sys_version = ""

    def version_string(self):
        return self.server_version
    timeout = 600  # idle keep-alive connections are closed after this
    state: State = None  # set on subclass
    role = "api"

    # ---- logging
    def log_message(self, fmt, *args):
        st = self.state
        if st and st.log_file:
            with st.log_lock:
                st.log_file.write("%s [%s] %s %s\n" % (self.role, self.log_date_time_string(),
                                                      self.address_string(), fmt % args))

    # ---- dispatch
    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_OPTIONS(self):
        self.dispatch("OPTIONS")

    def dispatch(self, method):
        self.method = method
        self.endpoint = "unknown"
        self.status_sent = None
        self.body_started = False
        self.body_done = False
        self.raw_path, _, self.query_string = self.path.partition("?")
        self.query = urllib.parse.parse_qs(self.query_string, keep_blank_values=True)
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        self.chunked = "chunked" in te
        try:
            self.content_length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.content_length = 0
        self.has_body = self.chunked or self.content_length > 0
        try:
            try:
                self.route(method)
            except HubError as e:
                self.send_error_json(e)
            except DropConnection:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self.status_sent = "dropped"
            except (BrokenPipeError, ConnectionResetError, ClientGone, socket.timeout):
                self.close_connection = True
            except Exception as e:  # noqa: BLE001 - report any server bug as 500
                traceback.print_exc()
                if self.status_sent is None:
                    self.send_error_json(HubError(500, f"Internal server error: {e}"))
                else:
                    self.close_connection = True
        finally:
            if self.has_body and not self.body_done and not self.close_connection:
                self.drain()
            if self.endpoint != "test":  # /_test/* calls are not counted
                self.state.stats.request(self.endpoint, self.status_sent)

    # ---- request bodies
    def body_chunks(self, drop_after=None, throttle=None):
        """Yield memoryviews over the request body (buffer is reused between yields)."""
        if self.body_started:
            raise HubError(500, "body read twice")
        self.body_started = True
        step = CHUNK
        if throttle:
            step = max(1024, min(CHUNK, throttle // 10))
        buf = bytearray(step)
        mv = memoryview(buf)
        received = 0
        t0 = time.monotonic()

        def emit(view):
            nonlocal received
            if drop_after is not None and received + len(view) >= drop_after:
                raise DropConnection()
            received += len(view)
            if throttle:
                ahead = received / throttle - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)
            return view

        if self.chunked:
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ClientGone()
                try:
                    n = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise HubError(400, "bad chunked encoding")
                if n == 0:
                    while True:  # trailers
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                while n > 0:
                    k = self.rfile.readinto(mv[:min(step, n)])
                    if not k:
                        raise ClientGone()
                    n -= k
                    yield emit(mv[:k])
                self.rfile.readline(3)
        else:
            remaining = self.content_length
            while remaining > 0:
                k = self.rfile.readinto(mv[:min(step, remaining)])
                if not k:
                    raise ClientGone()
                remaining -= k
                yield emit(mv[:k])
        self.body_done = True

    def read_body(self, api=True) -> bytes:
        limit = self.state.faults.body_limit if api else None
        if limit is not None and not self.chunked and self.content_length > limit:
            raise HubError(413, f"Payload Too Large: body of {self.content_length} bytes exceeds "
                                f"the limit of {limit} bytes")
        parts = []
        total = 0
        for c in self.body_chunks(throttle=self.state.faults.throttle_for(self.endpoint)):
            total += len(c)
            if limit is not None and total > limit:
                raise HubError(413, f"Payload Too Large: body exceeds the limit of {limit} bytes")
            parts.append(bytes(c))
        self.state.stats.inc("api_body_bytes", total)
        return b"".join(parts)

    def read_json(self):
        body = self.read_body()
        if not body.strip():
            return {}
        try:
            return json.loads(body)
        except ValueError:
            raise HubError(400, "Invalid JSON body")

    def drain(self):
        if self.body_started:
            # a body reader stopped midway (error); we cannot tell where the next request starts
            self.close_connection = True
            return
        if self.chunked or self.content_length > 64 * MiB:
            self.close_connection = True
            return
        try:
            for _ in self.body_chunks():
                pass
        except Exception:  # noqa: BLE001
            self.close_connection = True

    # ---- responses
    def base_url(self):
        host = self.headers.get("Host")
        if host:
            return f"http://{host}"
        return f"http://{fmt_host(self.state.cfg.public_host)}:{self.state.cfg.api_port}"

    def send_bytes(self, status, body: bytes, content_type="application/json", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.status_sent = status
        if self.method != "HEAD" and body:
            self.wfile.write(body)

    def send_json(self, status, obj, headers=None, content_type="application/json; charset=utf-8"):
        self.send_bytes(status, json.dumps(obj).encode(), content_type, headers)

    def send_error_json(self, e: HubError):
        if self.status_sent is not None:
            self.close_connection = True
            return
        headers = dict(e.headers)
        if e.code:
            headers["X-Error-Code"] = e.code
            headers.setdefault("X-Error-Message", e.message)
        body = {"error": e.message}
        if e.lfs:
            body = {"message": e.message, "error": e.message}
        body.update(e.extra)
        # a body we did not read: either drain it (small) or close the connection
        if self.has_body and not self.body_done:
            if self.body_started or self.chunked or self.content_length > 64 * MiB:
                self.close_connection = True
            else:
                self.drain()
        self.send_json(e.status, body, headers,
                       LFS_CT if e.lfs else "application/json; charset=utf-8")

    # ---- helpers
    def qbool(self, name, default=False):
        v = self.query.get(name)
        if not v:
            return default
        return v[-1].lower() not in ("", "0", "false", "no")

    def identity(self):
        ident, err = self.state.auth.lookup(self.headers.get("Authorization"))
        if err:
            raise err
        return ident

    def apply_status_fault(self):
        f = self.state.faults.take("status", self.endpoint, self.method, self.raw_path)
        if f:
            headers = {}
            if f.get("retry_after") is not None:
                headers["Retry-After"] = str(f["retry_after"])
            raise HubError(f["status"], f["message"], headers=headers,
                           lfs=self.endpoint.startswith("lfs"))

    def drop_fault(self):
        f = self.state.faults.take("drop", self.endpoint, self.method, self.raw_path)
        return f["drop_after"] if f else None


def split_segments(raw_path):
    return [urllib.parse.unquote(s, errors="surrogateescape") for s in raw_path.split("/")[1:]]


# --------------------------------------------------------------------------- API handler


class ApiHandler(BaseHandler):
    role = "api"

    def route(self, method):
        segs = split_segments(self.raw_path)
        if segs and segs[-1] == "" and len(segs) > 1:
            segs = segs[:-1]
        # ---- test endpoints
        if segs and segs[0] == "_test":
            return self.route_test(method, segs[1:])
        if segs and segs[0] == "api":
            return self.route_api(method, segs[1:])
        # ---- web-style URLs: [datasets|spaces/]ns/name(.git)/...
        rtype = "model"
        s = segs
        if s and s[0] in ("datasets", "spaces") and len(s) >= 3:
            rtype = s[0][:-1]
            s = s[1:]
        if len(s) >= 2 and s[1].endswith(".git"):
            self.endpoint = "git"
            repo = self.get_repo(rtype, s[0], s[1][:-4], need=None)
            return self.route_git(method, repo, s[2:])
        if len(s) >= 4 and s[2] in ("resolve", "raw"):
            self.endpoint = s[2]
            self.apply_status_fault()
            if method not in ("GET", "HEAD"):
                raise HubError(405, "Method not allowed")
            repo = self.get_repo(rtype, s[0], s[1], need="read")
            return self.h_resolve(repo, s[3], "/".join(s[4:]), raw=s[2] == "raw")
        # Limitation: legacy un-namespaced repo ids ("gpt2") are not served; every repo here has a
        # namespace, so such URLs get a plain 404 instead of the Hub's redirect/alias.
        self.endpoint = "not_found"
        raise HubError(404, f"Not found: {self.raw_path}")

    # ---- permissions
    def get_repo(self, rtype, ns, name, need="read", ident=None):
        """Return an existing repo the caller may access; raise Hub-like errors otherwise."""
        if not NAME_RE.match(ns or "") or not NAME_RE.match(name or ""):
            raise HubError(404, "Repository not found", "RepoNotFound")
        ident = ident if ident is not None else self.identity()
        repo = self.state.store.repo(rtype, ns, name)
        if not repo.exists():
            raise HubError(404 if ident else 401, "Repository not found", "RepoNotFound")
        if need is None:
            return repo
        member = ident is not None and ident.member_of(ns)
        if repo.private and not member:
            raise HubError(404 if ident else 401, "Repository not found", "RepoNotFound")
        if need == "write":
            if ident is None:
                raise HubError(401, "You must be authenticated to write to this repository")
            if not member:
                raise HubError(403, f"You don't have the rights to write to {repo.id}")
            if not ident.can_write:
                raise HubError(403, "You don't have write access: this token is read-only")
        return repo

    # ---- /_test
    def route_test(self, method, segs):
        st = self.state
        self.endpoint = "test"
        name = segs[0] if segs else ""
        if name == "stats":
            if method == "GET":
                return self.send_json(200, st.stats.to_json())
            if method in ("POST", "DELETE") and (len(segs) == 1 or segs[1] == "reset"):
                self.read_body()
                st.stats.reset()
                return self.send_json(200, {"ok": True})
        if name == "faults":
            if method == "GET":
                return self.send_json(200, st.faults.to_json())
            if method == "DELETE" or (method == "POST" and len(segs) > 1 and segs[1] == "reset"):
                self.read_body()
                st.faults.reset()
                return self.send_json(200, st.faults.to_json())
            if method == "POST":
                doc = self.read_json()
                try:
                    st.faults.configure(doc, append=self.qbool("append"))
                except (ValueError, TypeError, KeyError, re.error) as e:
                    raise HubError(400, f"bad fault spec: {e}")
                return self.send_json(200, st.faults.to_json())
        if name == "health":
            return self.send_json(200, {"ok": True, "api_port": st.cfg.api_port,
                                        "upload_port": st.cfg.upload_port})
        if name == "config" and method == "GET":
            c = st.cfg
            return self.send_json(200, {"regular_file_limit": c.regular_limit, "chunk_size": c.chunk_size,
                                        "multipart_threshold": c.multipart_threshold,
                                        "tree_page_size": c.tree_page, "commits_page_size": c.commits_page,
                                        "upload_base": st.upload_base(),
                                        "resolve_redirect": c.resolve_redirect, "data": st.store.data})
        raise HubError(404, "unknown test endpoint")

    # ---- /api
    def route_api(self, method, s):
        if s == ["whoami-v2"] or s == ["whoami"]:
            self.endpoint = "whoami"
            self.apply_status_fault()
            return self.h_whoami()
        if len(s) == 2 and s[0] == "repos":
            self.endpoint = "repo_" + s[1]
            self.apply_status_fault()
            if s[1] == "create" and method == "POST":
                return self.h_create_repo()
            if s[1] == "delete" and method == "DELETE":
                return self.h_delete_repo()
            if s[1] == "move" and method == "POST":
                return self.h_move_repo()
            raise HubError(405, "Method not allowed")
        if s == ["validate-yaml"]:
            self.endpoint = "validate_yaml"
            self.apply_status_fault()
            return self.h_validate_yaml()
        if len(s) >= 3 and s[0] in ("models", "datasets", "spaces"):
            rtype = s[0][:-1]
            ns, name, rest = s[1], s[2], s[3:]
            op = rest[0] if rest else ""
            names = {"": "repo_info", "revision": "repo_info", "branch": "branch", "tag": "tag",
                     "refs": "refs", "preupload": "preupload", "commit": "commit", "tree": "tree",
                     "commits": "commits", "paths-info": "paths_info", "settings": "repo_settings",
                     "xet-write-token": "xet_token", "xet-read-token": "xet_token"}
            self.endpoint = names.get(op, "api_unknown")
            if op in ("branch", "tag"):
                self.endpoint += "_delete" if method == "DELETE" else "_create"
            self.apply_status_fault()
            if op == "" and method == "GET":
                return self.h_repo_info(self.get_repo(rtype, ns, name), None)
            if op == "revision" and len(rest) == 2 and method == "GET":
                return self.h_repo_info(self.get_repo(rtype, ns, name), rest[1])
            if op == "branch" and len(rest) == 2:
                repo = self.get_repo(rtype, ns, name, need="write")
                if method == "POST":
                    return self.h_branch_create(repo, rest[1])
                if method == "DELETE":
                    return self.h_branch_delete(repo, rest[1])
            if op == "tag" and len(rest) == 2:
                repo = self.get_repo(rtype, ns, name, need="write")
                if method == "POST":
                    return self.h_tag_create(repo, rest[1])
                if method == "DELETE":
                    return self.h_tag_delete(repo, rest[1])
            if op == "refs" and method == "GET":
                return self.h_refs(self.get_repo(rtype, ns, name))
            if op == "preupload" and len(rest) == 2 and method == "POST":
                return self.h_preupload(self.get_repo(rtype, ns, name, need="write"), rest[1])
            if op == "commit" and len(rest) == 2 and method == "POST":
                ident = self.identity()
                return self.h_commit(self.get_repo(rtype, ns, name, need="write", ident=ident), rest[1], ident)
            if op == "tree" and len(rest) >= 2 and method == "GET":
                repo = self.get_repo(rtype, ns, name)
                sha, path = self.resolve_split(repo, rest[1:])
                return self.h_tree(repo, sha, path)
            if op == "commits" and len(rest) >= 2 and method == "GET":
                repo = self.get_repo(rtype, ns, name)
                sha, extra = self.resolve_split(repo, rest[1:])
                if extra:
                    raise HubError(404, f"Invalid rev id: {'/'.join(rest[1:])}", "RevisionNotFound")
                return self.h_commits(repo, sha)
            if op == "paths-info" and len(rest) == 2 and method == "POST":
                return self.h_paths_info(self.get_repo(rtype, ns, name), rest[1])
            if op == "settings" and method == "PUT":
                return self.h_settings(self.get_repo(rtype, ns, name, need="write"))
            if op in ("xet-write-token", "xet-read-token"):
                self.get_repo(rtype, ns, name)
                # Limitation: no Xet storage; this test server speaks only LFS basic/multipart,
                # so Xet token requests get a 404 and clients must run with HF_HUB_DISABLE_XET=1.
                raise HubError(404, "Xet storage is not available on this test server")
            raise HubError(405 if op in names else 404, f"Not found: {self.raw_path}")
        self.endpoint = "api_unknown"
        raise HubError(404, f"Not found: {self.raw_path}")

    # ---- whoami
    def h_whoami(self):
        ident = self.identity()
        if ident is None:
            raise HubError(401, "Invalid user token.")
        uid = hashlib.sha1(ident.user.encode()).hexdigest()[:24]
        self.send_json(200, {
            "type": "user", "id": uid, "name": ident.user, "fullname": ident.user.capitalize(),
            "email": f"{ident.user}@example.org", "emailVerified": True, "isPro": False,
            "canPay": False, "avatarUrl": f"/avatars/{ident.user}.svg", "periodEnd": None,
            "orgs": [{"type": "org", "id": hashlib.sha1(o.encode()).hexdigest()[:24], "name": o,
                      "fullname": o, "email": None, "canPay": False, "avatarUrl": f"/avatars/{o}.svg",
                      "periodEnd": None, "roleInOrg": "write" if ident.can_write else "read"}
                     for o in ident.orgs],
            "auth": {"type": "access_token",
                     "accessToken": {"displayName": f"{ident.user}-{ident.role}", "role": ident.role,
                                     "createdAt": "2026-01-01T00:00:00.000Z"}},
        })

    # ---- repos
    def _repo_from_body(self, body, ident):
        name = body.get("name")
        org = body.get("organization")
        if not isinstance(name, str) or not name:
            raise HubError(400, "Missing 'name'")
        if "/" in name and not org:
            org, name = name.split("/", 1)
        ns = org or (ident.user if ident else None)
        rtype = body.get("type") or "model"
        if rtype not in REPO_TYPES:
            raise HubError(400, f"Invalid repo type: {rtype}")
        if not ns:
            raise HubError(401, "You must be authenticated")
        if not NAME_RE.match(ns) or not NAME_RE.match(name) or ".." in name or "--" in name \
                or name.endswith(".git"):
            raise HubError(400, f"Invalid repo name: {ns}/{name}")
        return rtype, ns, name

    def repo_url(self, repo_or_type, ns=None, name=None):
        if isinstance(repo_or_type, Repo):
            rtype, ns, name = repo_or_type.type, repo_or_type.ns, repo_or_type.name
        else:
            rtype = repo_or_type
        return f"{self.base_url()}/{WEB_PREFIX[rtype]}{ns}/{name}"

    def h_create_repo(self):
        ident = self.identity()
        body = self.read_json()
        if ident is None:
            raise HubError(401, "You must be authenticated to create a repository")
        rtype, ns, name = self._repo_from_body(body, ident)
        if not ident.member_of(ns):
            raise HubError(403, f"You don't have the rights to create a {rtype} under the namespace \"{ns}\"")
        if not ident.can_write:
            raise HubError(403, "You don't have write access: this token is read-only")
        private = body.get("visibility") == "private" or body.get("private") is True
        store = self.state.store
        with store.lock:
            repo = store.repo(rtype, ns, name)
            if repo.exists():
                raise HubError(409, f"You already created this {rtype} repo",
                               extra={"url": self.repo_url(rtype, ns, name)})
            # initial commit content
            files = {".gitattributes": DEFAULT_GITATTRIBUTES.encode()}
            for f in body.get("files") or []:
                path = f.get("path")
                if not isinstance(path, str) or not valid_repo_path(path):
                    raise HubError(400, f"Invalid path: {path!r}")
                content = f.get("content", "")
                files[path] = base64.b64decode(content) if f.get("encoding") == "base64" else content.encode()
            os.makedirs(os.path.dirname(repo.path), exist_ok=True)
            tmp = repo.path + ".creating-" + secrets.token_hex(4)
            subprocess.run(["git", "init", "-q", "--bare", tmp], check=True, env=BASE_ENV,
                           stdout=subprocess.DEVNULL)
            subprocess.run(["git", "--git-dir", tmp, "symbolic-ref", "HEAD", "refs/heads/main"],
                           check=True, env=BASE_ENV)
            for k, v in (("gc.auto", "0"), ("core.logAllRefUpdates", "false"),
                         ("http.receivepack", "true"), ("uploadpack.allowAnySHA1InWant", "true")):
                subprocess.run(["git", "--git-dir", tmp, "config", k, v], check=True, env=BASE_ENV)
            meta = {"id": secrets.token_hex(12), "type": rtype, "namespace": ns, "name": name,
                    "private": private, "createdAt": now_iso(), "prCount": 0,
                    "license": body.get("license"), "sdk": body.get("sdk")}
            with open(os.path.join(tmp, "hub.json"), "w") as fh:
                json.dump(meta, fh)
            os.rename(tmp, repo.path)
            repo._meta = None
            blobs = repo.write_blobs(list(files.values()))
            changes = {p: ("100644", oid) for p, oid in zip(files.keys(), blobs)}
            sha = repo.make_commit(None, changes, "initial commit", ident.user)
            repo.update_ref("refs/heads/main", sha, None)
        url = self.repo_url(rtype, ns, name)
        self.send_json(200, {"url": url, "name": f"{ns}/{name}", "id": meta["id"]})

    def h_delete_repo(self):
        ident = self.identity()
        body = self.read_json()
        if ident is None:
            raise HubError(401, "You must be authenticated")
        rtype, ns, name = self._repo_from_body(body, ident)
        repo = self.get_repo(rtype, ns, name, need="write", ident=ident)
        store = self.state.store
        with store.lock, repo.lock:
            trash = repo.path + ".deleting-" + secrets.token_hex(4)
            os.rename(repo.path, trash)
            store.forget(repo)
        shutil.rmtree(trash, ignore_errors=True)
        self.send_json(200, {})

    def h_move_repo(self):
        ident = self.identity()
        body = self.read_json()
        rtype = body.get("type") or "model"
        try:
            fns, fname = body["fromRepo"].split("/")
            tns, tname = body["toRepo"].split("/")
        except (KeyError, ValueError, AttributeError):
            raise HubError(400, "fromRepo and toRepo must be 'namespace/name'")
        repo = self.get_repo(rtype, fns, fname, need="write", ident=ident)
        if not ident.member_of(tns) or not NAME_RE.match(tns) or not NAME_RE.match(tname):
            raise HubError(403, f"You don't have the rights to move to {tns}/{tname}")
        store = self.state.store
        with store.lock, repo.lock:
            dest = store.repo(rtype, tns, tname)
            if dest.exists():
                raise HubError(409, "A repository with that name already exists")
            os.makedirs(os.path.dirname(dest.path), exist_ok=True)
            os.rename(repo.path, dest.path)
            store.forget(repo)
            store.forget(dest)
            d = store.repo(rtype, tns, tname)
            d.meta["namespace"], d.meta["name"] = tns, tname
            d.save_meta()
        self.send_json(200, {"url": self.repo_url(rtype, tns, tname)})

    def h_settings(self, repo):
        body = self.read_json()
        with repo.lock:
            if "visibility" in body:
                repo.meta["private"] = body["visibility"] == "private"
            if "private" in body:
                repo.meta["private"] = bool(body["private"])
            if "gated" in body:
                # Limitation: the gated flag is stored and reported, but access is not enforced
                # (no access-request workflow; GatedRepo errors are never produced).
                repo.meta["gated"] = body["gated"]
            repo.save_meta()
        self.send_json(200, {})

    def h_validate_yaml(self):
        body = self.read_json()
        content = body.get("content") or ""
        errors, warnings = [], []
        meta, err = parse_card(content)
        if err:
            errors.append({"message": err})
        elif meta is None:
            warnings.append({"message": "empty or missing yaml metadata in repo card"})
        self.send_json(400 if errors else 200, {"errors": errors, "warnings": warnings})

    # ---- repo info
    def h_repo_info(self, repo, rev):
        sha = repo.resolve(rev or "main")
        snap = repo.snapshot(sha)
        blobs = self.qbool("blobs")
        siblings = []
        total = 0
        for e in snap.files():
            sib = {"rfilename": e.path}
            if blobs:
                sib["size"] = e.real_size
                sib["blobId"] = e.oid
                if e.lfs:
                    sib["lfs"] = {"size": e.lfs[1], "sha256": e.lfs[0], "pointerSize": e.size}
            total += e.real_size
            siblings.append(sib)
        if snap.card is None:
            readme = snap.text("README.md")
            snap.card = (parse_card(readme)[0] if readme else None) or {}
        card = snap.card
        tags = list(card.get("tags") or []) if isinstance(card.get("tags"), list) else []
        if card.get("license"):
            tags.append(f"license:{card['license']}")
        if card.get("library_name") and card["library_name"] not in tags:
            tags.insert(0, card["library_name"])
        info = {
            "_id": repo.meta.get("id"), "id": repo.id, "author": repo.ns, "sha": sha,
            "lastModified": now_iso(repo.commit_date(sha)), "createdAt": repo.meta.get("createdAt"),
            "private": repo.private, "gated": repo.meta.get("gated", False), "disabled": False,
            "downloads": 0, "likes": 0, "tags": [str(t) for t in tags], "siblings": siblings,
            "usedStorage": total,
        }
        if repo.type == "model":
            info["modelId"] = repo.id
            if card.get("library_name"):
                info["library_name"] = card["library_name"]
            if card.get("pipeline_tag"):
                info["pipeline_tag"] = card["pipeline_tag"]
        if repo.type == "space":
            info["sdk"] = card.get("sdk") or repo.meta.get("sdk")
        if card:
            info["cardData"] = card
        expand = self.query.get("expand") or self.query.get("expand[]")
        if expand:
            info = {k: v for k, v in info.items() if k in ("_id", "id") or k in expand}
        self.send_json(200, info)

    # ---- branches & tags
    def _check_refname(self, repo, ref):
        p = subprocess.run(["git", "check-ref-format", ref], env=BASE_ENV,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if p.returncode != 0:
            raise HubError(400, f"Invalid reference name: {ref}")

    def h_branch_create(self, repo, branch):
        body = self.read_json()
        ref = "refs/heads/" + branch
        self._check_refname(repo, ref)
        ident = self.identity()
        with repo.lock:
            refs = repo.refs()
            old = refs.get(ref)
            if old and not body.get("overwrite"):
                raise HubError(409, f"Reference already exists: {ref}")
            if body.get("emptyBranch"):
                target = repo.make_commit(None, {}, "empty branch", ident.user)
            else:
                start = body.get("startingPoint") or body.get("revision")
                if start:
                    target = repo.resolve(start)
                else:
                    target = repo.resolve("main")
            if not repo.update_ref(ref, target, old):
                raise HubError(409, f"Reference changed concurrently: {ref}")
        self.send_json(200, {})

    def h_branch_delete(self, repo, branch):
        self.read_body()
        ref = "refs/heads/" + branch
        with repo.lock:
            old = repo.refs().get(ref)
            if old is None:
                raise HubError(404, f"Invalid rev id: {branch}", "RevisionNotFound")
            if branch == "main":
                raise HubError(403, "You cannot delete the default branch")
            if not repo.delete_ref(ref, old):
                raise HubError(409, "Reference changed concurrently")
        self.send_json(200, {})

    def h_tag_create(self, repo, rev):
        body = self.read_json()
        tag = body.get("tag")
        if not isinstance(tag, str) or not tag:
            raise HubError(400, "Missing 'tag'")
        ref = "refs/tags/" + tag
        self._check_refname(repo, ref)
        ident = self.identity()
        with repo.lock:
            target = repo.resolve(rev)
            if ref in repo.refs():
                raise HubError(409, f"Tag already exists: {tag}")
            msg = body.get("message")
            if msg:
                env = _git_env({"GIT_COMMITTER_NAME": ident.user,
                                "GIT_COMMITTER_EMAIL": f"{ident.user}@users.noreply.localhost"})
                repo.git("tag", "-a", "-m", msg, "--", tag, target, env=env)
            elif not repo.update_ref(ref, target, None):
                raise HubError(409, f"Tag already exists: {tag}")
        self.send_json(200, {})

    def h_tag_delete(self, repo, tag):
        self.read_body()
        ref = "refs/tags/" + tag
        with repo.lock:
            oid = repo.git("rev-parse", "-q", "--verify", ref, check=False).decode().strip()
            if not oid:
                raise HubError(404, f"Invalid rev id: {tag}", "RevisionNotFound")
            repo.delete_ref(ref, oid)
        self.send_json(200, {})

    def h_refs(self, repo):
        refs = repo.refs()
        out = {"branches": [], "converts": [], "tags": []}
        prs = []
        for ref, sha in sorted(refs.items()):
            if ref.startswith("refs/heads/"):
                out["branches"].append({"name": ref[11:], "ref": ref, "targetCommit": sha})
            elif ref.startswith("refs/tags/"):
                out["tags"].append({"name": ref[10:], "ref": ref, "targetCommit": sha})
            elif ref.startswith("refs/convert/"):
                out["converts"].append({"name": ref[13:], "ref": ref, "targetCommit": sha})
            elif ref.startswith("refs/pr/"):
                prs.append({"name": ref[8:], "ref": ref, "targetCommit": sha})
        if self.qbool("include_prs"):
            out["pullRequests"] = prs
        self.send_json(200, out)

    # ---- preupload
    def h_preupload(self, repo, rev):
        body = self.read_json()
        sha = repo.resolve(rev)
        snap = repo.snapshot(sha)
        attrs = body.get("gitAttributes")
        if not isinstance(attrs, str):
            attrs = snap.text(".gitattributes") or ""
        ignore = body.get("gitIgnore")
        if not isinstance(ignore, str):
            ignore = snap.text(".gitignore") or ""
        files = body.get("files")
        if not isinstance(files, list):
            raise HubError(400, "'files' must be a list")
        if len(files) > 1000:
            raise HubError(413, "Too many files in one preupload request (max 1000)")
        limit = self.state.cfg.regular_limit
        res = []
        for f in files:
            path = f.get("path")
            if not isinstance(path, str):
                raise HubError(400, "each file needs a 'path'")
            size = int(f.get("size") or 0)
            try:
                sample = base64.b64decode(f.get("sample") or "")
            except (binascii.Error, ValueError):
                raise HubError(400, f"invalid base64 sample for {path}")
            lfs = size > limit or b"\0" in sample or is_lfs_tracked(attrs, path)
            item = {"path": path, "uploadMode": "lfs" if lfs else "regular",
                    "shouldIgnore": bool(ignore) and is_ignored(ignore, path)}
            e = snap.get(path)
            if e is not None and e.type == "blob":
                item["oid"] = e.lfs[0] if e.lfs else e.oid
            res.append(item)
        self.send_json(200, {"files": res, "commitOid": sha})

    # ---- commit
    def h_commit(self, repo, rev, ident):
        st = self.state
        limit = st.faults.body_limit
        if limit is not None and not self.chunked and self.content_length > limit:
            raise HubError(413, f"Payload Too Large: commit body of {self.content_length} bytes exceeds "
                                f"the limit of {limit} bytes")
        spool = tempfile.SpooledTemporaryFile(max_size=16 * MiB, dir=st.store.tmp_dir)
        total = 0
        try:
            for c in self.body_chunks(throttle=st.faults.throttle_for(self.endpoint)):
                total += len(c)
                if limit is not None and total > limit:
                    raise HubError(413, f"Payload Too Large: body exceeds the limit of {limit} bytes")
                spool.write(c)
            st.stats.inc("api_body_bytes", total)
            spool.seek(0)
            header, ops = self._parse_ndjson(spool)
        finally:
            spool.close()
        create_pr = self.qbool("create_pr")
        summary = header.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            raise HubError(400, "Commit summary is required")
        description = header.get("description") or ""
        parent = header.get("parentCommit")
        if parent is not None and (not isinstance(parent, str) or not re.match(r"^[0-9a-fA-F]{5,40}$", parent)):
            raise HubError(400, f"Invalid parentCommit: {parent!r}")
        message = summary.strip() + ("\n\n" + description if description else "")

        with repo.lock:
            if create_pr:
                # Limitation: a PR is only a ref refs/pr/N with the commit on top of `rev`; there
                # are no discussions, comments or merge endpoints.
                base = repo.resolve(rev)
                if parent:
                    base = repo.resolve(parent) if HEX40.match(parent.lower()) else base
                repo.meta["prCount"] = int(repo.meta.get("prCount", 0)) + 1
                repo.save_meta()
                pr_num = repo.meta["prCount"]
                ref = f"refs/pr/{pr_num}"
                head = base
                old = None
            else:
                head, ref = repo.branch_head(rev)
                if head is None:
                    raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
                if parent and not head.startswith(parent.lower()):
                    raise HubError(412, f"A commit has happened since. Please refresh and try again. "
                                        f"(parentCommit {parent} is not the head {head} of {rev})")
                old = head
            snap = repo.snapshot(head)
            changes, blobs_in, lfs_paths = self._plan_changes(repo, snap, ops)
            # write inline blobs + pointers in one git call
            keys = list(blobs_in.keys())
            oids = repo.write_blobs([blobs_in[k] for k in keys])
            for k, oid in zip(keys, oids):
                changes[k] = ("100644", oid)
            # make sure LFS paths are tracked in .gitattributes (the Hub does the same)
            if lfs_paths:
                attrs_path = ".gitattributes"
                if attrs_path in blobs_in:
                    attrs = blobs_in[attrs_path].decode("utf-8", "replace")
                elif changes.get(attrs_path, 1) is None:
                    attrs = ""
                else:
                    attrs = snap.text(attrs_path) or ""
                missing = [p for p in lfs_paths if not is_lfs_tracked(attrs, p)]
                if missing:
                    if attrs and not attrs.endswith("\n"):
                        attrs += "\n"
                    attrs += "".join(f"{gitattributes_escape(p)} filter=lfs diff=lfs merge=lfs -text\n"
                                     for p in missing)
                    changes[attrs_path] = ("100644", repo.write_blobs([attrs.encode()])[0])
            new = repo.make_commit(head, changes, message, ident.user)
            if not repo.update_ref(ref, new, old):
                raise HubError(412, "A commit has happened since. Please refresh and try again.")
        st.stats.commit(repo.id)
        base_url = self.repo_url(repo)
        out = {"commitOid": new, "commitUrl": f"{base_url}/commit/{new}", "hookOutput": "",
               "success": True}
        if create_pr:
            out["pullRequestUrl"] = f"{base_url}/discussions/{pr_num}"
        else:
            out["pullRequestUrl"] = None
        self.send_json(200, out)

    def _parse_ndjson(self, fh):
        header = None
        ops = []
        first = True
        for raw in fh:
            raw = raw.strip()
            if not raw:
                continue
            try:
                obj = json.loads(raw)
            except ValueError:
                raise HubError(400, "Malformed NDJSON line in commit payload")
            if not isinstance(obj, dict) or "key" not in obj:
                raise HubError(400, "Each NDJSON line must be an object with 'key' and 'value'")
            if first:
                if obj["key"] != "header":
                    raise HubError(400, "The first line of a commit payload must be the header")
                header = obj.get("value") or {}
                first = False
                continue
            ops.append((obj["key"], obj.get("value") or {}))
        if header is None:
            raise HubError(400, "Empty commit payload")
        return header, ops

    def _plan_changes(self, repo, snap, ops):
        changes = {}
        blobs = OrderedDict()
        lfs_paths = []
        limit = self.state.cfg.regular_limit
        too_big = []
        # view of the tree as modified by earlier operations of this commit
        def exists(p):
            if p in blobs or (p in changes and changes[p] is not None):
                return True
            if p in changes and changes[p] is None:
                return False
            e = snap.get(p)
            return e is not None and e.type == "blob"

        for key, v in ops:
            path = v.get("path")
            if key in ("file", "lfsFile", "deletedFile", "deletedFolder"):
                if not isinstance(path, str):
                    raise HubError(400, f"'{key}' needs a 'path'")
                if key == "deletedFolder":
                    path = path.rstrip("/")
                if not valid_repo_path(path):
                    raise HubError(400, f"Invalid path in repository: {path!r}")
            if key == "file":
                enc = v.get("encoding", "base64")
                content = v.get("content", "")
                try:
                    data = base64.b64decode(content, validate=False) if enc == "base64" else content.encode("utf-8")
                except (binascii.Error, ValueError, AttributeError):
                    raise HubError(400, f"Invalid content for {path}")
                if len(data) > limit:
                    too_big.append(path)
                blobs[path] = data
                changes.pop(path, None)
                if v.get("oldPath"):
                    old = v["oldPath"]
                    if valid_repo_path(old) and old != path:
                        changes[old] = None
            elif key == "lfsFile":
                oid = str(v.get("oid") or "").lower()
                algo = v.get("algo", "sha256")
                if algo != "sha256" or not HEX64.match(oid):
                    raise HubError(400, f"Invalid LFS oid for {path}")
                if not repo.lfs_has(oid):
                    raise HubError(422, f"LFS object {oid} for {path} was never uploaded: "
                                        f"upload it through the LFS batch API first")
                real = os.path.getsize(repo.lfs_path(oid))
                size = v.get("size")
                if size is not None and int(size) != real:
                    raise HubError(422, f"LFS object {oid} for {path} has size {real}, not {size}")
                blobs[path] = lfs_pointer(oid, real)
                changes.pop(path, None)
                lfs_paths.append(path)
            elif key == "deletedFile":
                if not exists(path):
                    raise HubError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
                blobs.pop(path, None)
                changes[path] = None
            elif key == "deletedFolder":
                prefix = path + "/"
                victims = [e.path for e in snap.files() if e.path.startswith(prefix)]
                victims += [p for p in blobs if p.startswith(prefix)]
                if not victims:
                    raise HubError(404, f"A folder with this name doesn't exist: {path}", "EntryNotFound")
                for p in victims:
                    blobs.pop(p, None)
                    changes[p] = None
            else:
                raise HubError(400, f"Unsupported commit operation: {key}")
        if too_big:
            raise HubError(400, "Your push was rejected because it contains files larger than "
                                f"{limit} bytes ({limit / MiB:g} MiB). Please use git-lfs to store large "
                                f"files. Offending files: {', '.join(too_big)}")
        lfs_paths = [p for p in lfs_paths if p in blobs]
        return changes, blobs, lfs_paths

    # ---- listings
    def _entry_json(self, repo, snap, e, expand):
        if e.type == "tree":
            d = {"type": "directory", "oid": e.oid, "size": 0, "path": e.path}
        else:
            d = {"type": "file", "oid": e.oid, "size": e.real_size, "path": e.path}
            if e.lfs:
                d["lfs"] = {"oid": e.lfs[0], "size": e.lfs[1], "pointerSize": e.size}
        if expand:
            # Limitation: lastCommit is computed with one `git log` per entry; correct but slow
            # for big pages, which is why expand pages are small (--tree-page-size-expand).
            out = repo.git("log", "-1", "--format=%H%x00%s%x00%ct", snap.sha, "--", e.path).decode()
            parts = out.strip().split("\0")
            if len(parts) == 3:
                d["lastCommit"] = {"id": parts[0], "title": parts[1], "date": now_iso(float(parts[2]))}
            if e.type == "blob":
                d["securityFileStatus"] = {"status": "unscanned"}
        return d

    def _paged(self, items, page_size):
        """Return (page, next_link or None)."""
        cursor = (self.query.get("cursor") or [""])[-1]
        try:
            start = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode()) if cursor else 0
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise HubError(400, "Invalid cursor")
        limit = page_size
        if self.query.get("limit"):
            try:
                limit = max(1, min(int(self.query["limit"][-1]), 1000))
            except ValueError:
                pass
        page = items[start:start + limit]
        link = None
        if start + limit < len(items):
            q = [(k, v) for k, vs in self.query.items() for v in vs if k != "cursor"]
            nxt = base64.urlsafe_b64encode(str(start + limit).encode()).decode().rstrip("=")
            q.append(("cursor", nxt))
            link = f'<{self.base_url()}{self.raw_path}?{urllib.parse.urlencode(q)}>; rel="next"'
        return page, link

    def resolve_split(self, repo, parts):
        """Resolve parts[0] as a revision; the rest is a path.  Some clients (huggingface.js
        listFiles/listCommits) put a branch name into the URL without encoding its '/', so when
        parts[0] is no revision, the longest run of leading segments naming a branch or tag wins
        (server-side heuristic; the Hub's own rule is unconfirmed)."""
        try:
            return repo.resolve(parts[0]), "/".join(parts[1:])
        except HubError as err:
            if len(parts) > 1:
                refs = repo.refs()
                for k in range(len(parts), 1, -1):
                    cand = "/".join(parts[:k])
                    if "refs/heads/" + cand in refs or "refs/tags/" + cand in refs:
                        return repo.resolve(cand), "/".join(parts[k:])
            raise err

    def h_tree(self, repo, sha, path):
        snap = repo.snapshot(sha)
        path = path.strip("/")
        recursive = self.qbool("recursive")
        expand = self.qbool("expand")
        if path:
            e = snap.get(path)
            if e is None:
                raise HubError(404, f"Entry not found: {path}", "EntryNotFound",
                               headers={"X-Repo-Commit": sha})
            if e.type != "tree":
                raise HubError(404, f"Entry is not a directory: {path}", "EntryNotFound",
                               headers={"X-Repo-Commit": sha})
        prefix = path + "/" if path else ""
        items = []
        for p, e in snap.entries.items():
            if not p.startswith(prefix):
                continue
            rest = p[len(prefix):]
            if not recursive and "/" in rest:
                continue
            items.append(e)
        page_size = self.state.cfg.tree_page_expand if expand else self.state.cfg.tree_page
        page, link = self._paged(items, page_size)
        headers = {"X-Repo-Commit": sha}
        if link:
            headers["Link"] = link
        self.send_json(200, [self._entry_json(repo, snap, e, expand) for e in page], headers)

    def h_paths_info(self, repo, rev):
        sha = repo.resolve(rev)
        snap = repo.snapshot(sha)
        ctype = (self.headers.get("Content-Type") or "").lower()
        raw = self.read_body()
        if "json" in ctype:
            try:
                doc = json.loads(raw or b"{}")
            except ValueError:
                raise HubError(400, "Invalid JSON body")
            paths = doc.get("paths") or []
            expand = bool(doc.get("expand"))
        else:
            form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
            paths = form.get("paths", []) + form.get("paths[]", [])
            expand = (form.get("expand") or ["false"])[-1].lower() in ("1", "true")
        if isinstance(paths, str):
            paths = [paths]
        if len(paths) > 1000:
            raise HubError(413, "Too many paths (max 1000)")
        out = []
        for p in paths:
            e = snap.get(str(p).strip("/"))
            if e is not None:
                out.append(self._entry_json(repo, snap, e, expand))
        self.send_json(200, out, {"X-Repo-Commit": sha})

    def h_commits(self, repo, sha):
        out = repo.git("log", "--format=%H%x1f%s%x1f%b%x1f%ct%x1f%an%x1f%P%x1e", sha).decode("utf-8", "replace")
        commits = []
        for rec in out.split("\x1e"):
            rec = rec.strip("\n")
            if not rec:
                continue
            h, subj, body, ct, an, parents = rec.split("\x1f")
            commits.append({"id": h, "title": subj, "message": body.strip("\n"),
                            "date": now_iso(float(ct)),
                            "authors": [{"user": an, "avatar": f"/avatars/{an}.svg"}],
                            "parents": parents.split()})
        page, link = self._paged(commits, self.state.cfg.commits_page)
        headers = {"X-Total-Count": str(len(commits)), "X-Repo-Commit": sha}
        if link:
            headers["Link"] = link
        self.send_json(200, page, headers)

    # ---- resolve
    def h_resolve(self, repo, rev, path, raw=False):
        sha = repo.resolve(rev)
        snap = repo.snapshot(sha)
        e = snap.get(path)
        if e is None or e.type != "blob":
            raise HubError(404, "Entry not found", "EntryNotFound", headers={"X-Repo-Commit": sha})
        headers = {"X-Repo-Commit": sha, "Accept-Ranges": "bytes"}
        if e.lfs and not raw:
            oid, size = e.lfs
            headers["ETag"] = f'"{oid}"'
            headers["X-Linked-Etag"] = f'"{oid}"'
            headers["X-Linked-Size"] = str(size)
            fpath = repo.lfs_path(oid)
            if not os.path.exists(fpath):
                raise HubError(404, f"LFS object {oid} is missing from the store", "EntryNotFound",
                               headers={"X-Repo-Commit": sha})
            if self.state.cfg.resolve_redirect:
                tok = self.state.store.new_download(repo, oid, size)
                headers["Location"] = f"{self.state.upload_base()}/lfs-download/{tok}"
                return self.send_bytes(302, b"", "text/plain; charset=utf-8", headers)
            headers["Content-Disposition"] = f"inline; filename*=UTF-8''{urllib.parse.quote(path.rsplit('/', 1)[-1])}"
            return serve_file(self, fpath, size, headers)
        data = snap.read(path)
        headers["ETag"] = f'"{e.oid}"'
        return serve_bytes(self, data, headers)

    # ---- git: LFS API + smart HTTP
    def route_git(self, method, repo, rest):
        path = "/".join(rest)
        if path == "info/lfs/objects/batch" and method == "POST":
            self.endpoint = "lfs_batch"
            self.apply_status_fault()
            return self.h_lfs_batch(repo)
        if path == "info/lfs/objects/verify" and method == "POST":
            self.endpoint = "lfs_verify"
            self.apply_status_fault()
            return self.h_lfs_verify(repo)
        if path == "info/lfs/complete_multipart" and method == "POST":
            self.endpoint = "lfs_complete"
            self.apply_status_fault()
            return self.h_lfs_complete(repo)
        if path.startswith("info/lfs/locks"):
            self.endpoint = "lfs_locks"
            self.read_body()
            self.get_lfs_repo(repo, "read")
            if path == "info/lfs/locks/verify":
                return self.send_json(200, {"ours": [], "theirs": []}, content_type=LFS_CT)
            return self.send_json(200, {"locks": []}, content_type=LFS_CT)
        if path in ("info/refs", "git-upload-pack", "git-receive-pack", "HEAD"):
            self.endpoint = "git_http" if path != "git-receive-pack" else "git_receive_pack"
            self.apply_status_fault()
            if not self.state.cfg.git_http:
                raise HubError(404, "git smart HTTP is disabled on this server")
            return self.h_git_http(repo, path)
        raise HubError(404, f"Not found: {self.raw_path}", lfs=True)

    def get_lfs_repo(self, repo, need):
        """Permission check for git/LFS endpoints (git clients need WWW-Authenticate on 401)."""
        try:
            ident = self.identity()
            return self.get_repo(repo.type, repo.ns, repo.name, need=need, ident=ident), ident
        except HubError as e:
            if e.status == 401:
                e.headers["WWW-Authenticate"] = 'Basic realm="hub-test-server"'
            e.lfs = True
            raise

    def h_lfs_batch(self, repo):
        body = self.read_json()
        op = body.get("operation")
        if op not in ("upload", "download"):
            raise HubError(400, "operation must be 'upload' or 'download'", lfs=True)
        repo, ident = self.get_lfs_repo(repo, "write" if op == "upload" else "read")
        transfers = body.get("transfers") or ["basic"]
        cfg = self.state.cfg
        multipart_ok = "multipart" in transfers
        objs = body.get("objects")
        if not isinstance(objs, list):
            raise HubError(400, "'objects' must be a list", lfs=True)
        out = []
        used_multipart = False
        base = self.base_url()
        repo_web = f"{base}/{WEB_PREFIX[repo.type]}{repo.ns}/{repo.name}.git"
        for o in objs:
            oid = str(o.get("oid", ""))
            size = o.get("size")
            if not HEX64.match(oid) or not isinstance(size, int) or size < 0:
                out.append({"oid": oid, "size": size if isinstance(size, int) else 0,
                            "error": {"code": 422, "message": "Invalid object: oid must be a sha256 and "
                                                              "size a non-negative integer"}})
                continue
            item = {"oid": oid, "size": size, "authenticated": True}
            if op == "download":
                if not repo.lfs_has(oid, size):
                    item["error"] = {"code": 404, "message": "Object does not exist"}
                else:
                    tok = self.state.store.new_download(repo, oid, size)
                    item["actions"] = {"download": {"href": f"{self.state.upload_base()}/lfs-download/{tok}",
                                                    "header": {}, "expires_in": 3600}}
                out.append(item)
                continue
            if repo.lfs_has(oid):
                if not repo.lfs_has(oid, size):
                    item["error"] = {"code": 422, "message": "Size does not match the stored object"}
                out.append(item)
                continue
            verify = {"href": f"{repo_web}/info/lfs/objects/verify", "header": {}}
            if multipart_ok and size > cfg.multipart_threshold and size > 0:
                used_multipart = True
                up = self.state.store.new_upload(repo, oid, size, cfg.chunk_size)
                header = {"chunk_size": str(cfg.chunk_size)}
                for n in range(1, up.nparts + 1):
                    header[str(n)] = f"{self.state.upload_base()}/lfs-upload/{up.token}/{n}"
                item["actions"] = {
                    "upload": {"href": f"{repo_web}/info/lfs/complete_multipart?uploadId={up.token}",
                               "header": header, "expires_in": 86400},
                    "verify": verify,
                }
            else:
                up = self.state.store.new_upload(repo, oid, size)
                item["actions"] = {
                    "upload": {"href": f"{self.state.upload_base()}/lfs-upload/{up.token}",
                               "header": {}, "expires_in": 86400},
                    "verify": verify,
                }
            out.append(item)
        resp = {"transfer": "multipart" if used_multipart else "basic", "objects": out,
                "hash_algo": "sha256"}
        self.send_json(200, resp, content_type=LFS_CT)

    def h_lfs_verify(self, repo):
        body = self.read_json()
        repo, _ = self.get_lfs_repo(repo, "read")
        oid = str(body.get("oid", ""))
        size = body.get("size")
        if not HEX64.match(oid) or not repo.lfs_has(oid):
            raise HubError(404, f"Object {oid} not found", lfs=True)
        if isinstance(size, int) and not repo.lfs_has(oid, size):
            raise HubError(422, f"Object {oid} has a different size", lfs=True)
        self.send_json(200, {"message": "Object verified"}, content_type=LFS_CT)

    def h_lfs_complete(self, repo):
        st = self.state
        if self.headers.get("Authorization"):
            st.stats.inc("lfs_complete_auth")
        body = self.read_json()
        tok = (self.query.get("uploadId") or [""])[-1]
        up = st.store.uploads.get(tok)
        if up is None or up.repo.path != repo.path or not up.chunk_size:
            raise HubError(404, "Unknown or expired multipart upload", lfs=True)
        if body.get("oid") != up.oid:
            raise HubError(400, "oid does not match the multipart upload", lfs=True)
        parts = body.get("parts")
        if not isinstance(parts, list) or len(parts) != up.nparts:
            raise HubError(400, f"expected {up.nparts} parts", lfs=True)
        with up.lock:
            if up.done and repo.lfs_has(up.oid, up.size):
                return self.send_json(200, {"message": "already complete"}, content_type=LFS_CT)
            for p in parts:
                n = p.get("partNumber")
                if up.parts.get(n) is None or up.parts[n] != p.get("etag"):
                    raise HubError(400, f"part {n}: missing or wrong etag", lfs=True)
            # hash whatever was not hashed on the fly (parts received out of order)
            if up.rewritten:
                up.hasher, up.hashed_upto = hashlib.sha256(), 0
            h = up.hasher.copy()
            with open(up.tmp, "rb") as f:
                f.seek(up.hashed_upto)
                remaining = up.size - up.hashed_upto
                while remaining > 0:
                    b = f.read(min(CHUNK * 4, remaining))
                    if not b:
                        break
                    h.update(b)
                    remaining -= len(b)
            if os.path.getsize(up.tmp) != up.size or h.hexdigest() != up.oid:
                raise HubError(400, "Uploaded parts do not hash to the announced oid/size", lfs=True)
            store_object(repo, up.tmp, up.oid)
            st.stats.inc("lfs_objects_stored")
            up.done = True  # kept (until expiry) so that a retried completion also gets 200
            up.tmp = None
        self.send_json(200, {"message": "Multipart upload complete"}, content_type=LFS_CT)

    def h_git_http(self, repo, path):
        service = (self.query.get("service") or [""])[-1]
        write = path == "git-receive-pack" or service == "git-receive-pack"
        repo, ident = self.get_lfs_repo(repo, "write" if write else "read")
        env = _git_env({
            "GIT_PROJECT_ROOT": os.path.dirname(os.path.dirname(repo.path)),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": f"/{repo.ns}/{repo.name}.git/{path}",
            "REQUEST_METHOD": self.method,
            "QUERY_STRING": self.query_string,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "REMOTE_ADDR": self.client_address[0],
            "SERVER_PROTOCOL": "HTTP/1.1",
            "GATEWAY_INTERFACE": "CGI/1.1",
        })
        if ident:
            env["REMOTE_USER"] = ident.user
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        if not self.chunked and self.content_length:
            env["CONTENT_LENGTH"] = str(self.content_length)
        proc = subprocess.Popen(["git", "http-backend"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        err_box = []

        def feed():
            try:
                if self.has_body:
                    for c in self.body_chunks():
                        proc.stdin.write(c)
            except Exception as ex:  # noqa: BLE001
                err_box.append(ex)
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        def drain_err():
            proc.stderr.read()

        t = threading.Thread(target=feed, daemon=True)
        t.start()
        te = threading.Thread(target=drain_err, daemon=True)
        te.start()
        # Limitation: the CGI output is spooled (memory up to 8 MiB, then a temp file) before it
        # is sent, so that the response has a Content-Length; fine for test repos, where big
        # content lives in LFS, but a huge clone starts streaming only once git has finished.
        spool = tempfile.SpooledTemporaryFile(max_size=8 * MiB, dir=self.state.store.tmp_dir)
        try:
            shutil.copyfileobj(proc.stdout, spool, CHUNK)
            proc.wait()
            t.join()
            te.join()
            if err_box:
                raise err_box[0]
            spool.seek(0)
            status, headers = 200, {}
            while True:
                line = spool.readline()
                if not line or line in (b"\r\n", b"\n"):
                    break
                k, _, v = line.decode("latin-1").rstrip("\r\n").partition(":")
                v = v.strip()
                if k.lower() == "status":
                    status = int(v.split()[0])
                else:
                    headers[k] = v
            body_start = spool.tell()
            spool.seek(0, os.SEEK_END)
            length = spool.tell() - body_start
            spool.seek(body_start)
            self.send_response(status)
            for k, v in headers.items():
                if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.status_sent = status
            if self.method != "HEAD":
                shutil.copyfileobj(spool, self.wfile, CHUNK)
        finally:
            spool.close()
            if proc.poll() is None:
                proc.kill()
        if path == "git-receive-pack":
            self.state.stats.inc("commits")


# --------------------------------------------------------------------------- file serving


def parse_range(header, size):
    """Return (start, end_inclusive) or None for no/ignored range; raise HubError 416."""
    if not header:
        return None
    m = re.match(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", header)
    if not m:
        return None  # multi-range or garbage: serve the whole file (allowed by RFC 9110)
    a, b = m.group(1), m.group(2)
    if a == "" and b == "":
        return None
    if a == "":
        n = int(b)
        if n == 0:
            raise HubError(416, "Range Not Satisfiable", headers={"Content-Range": f"bytes */{size}"})
        start = max(0, size - n)
        end = size - 1
    else:
        start = int(a)
        end = int(b) if b else size - 1
        if end >= size:
            end = size - 1
        if start >= size or start > end:
            raise HubError(416, "Range Not Satisfiable", headers={"Content-Range": f"bytes */{size}"})
    return start, end


def serve_bytes(h, data, headers):
    rng = parse_range(h.headers.get("Range"), len(data))
    if rng:
        a, b = rng
        headers["Content-Range"] = f"bytes {a}-{b}/{len(data)}"
        return h.send_bytes(206, data[a:b + 1], "application/octet-stream", headers)
    return h.send_bytes(200, data, "application/octet-stream", headers)


def serve_file(h, fpath, size, headers, count_stat=False):
    rng = parse_range(h.headers.get("Range"), size)
    status, start, length = 200, 0, size
    if rng:
        status, start, length = 206, rng[0], rng[1] - rng[0] + 1
        headers["Content-Range"] = f"bytes {rng[0]}-{rng[1]}/{size}"
    h.send_response(status)
    for k, v in headers.items():
        h.send_header(k, v)
    h.send_header("Content-Type", "application/octet-stream")
    h.send_header("Content-Length", str(length))
    h.end_headers()
    h.status_sent = status
    if h.method == "HEAD" or length == 0:
        return
    throttle = h.state.faults.throttle_for(h.endpoint)
    drop = h.drop_fault()  # cut the response after that many body bytes (tests resume)
    full = length
    if drop is not None:
        length = min(length, drop)
    with open(fpath, "rb") as f:
        sent = 0
        if not throttle:
            # socket.sendfile falls back to send() by itself where os.sendfile is missing;
            # connection errors propagate (the dispatcher closes the connection)
            sent = h.connection.sendfile(f, start, length) if length else 0
        else:
            f.seek(start)
            step = max(1024, min(CHUNK, throttle // 10)) if throttle else CHUNK
            t0 = time.monotonic()
            while sent < length:
                b = f.read(min(step, length - sent))
                if not b:
                    break
                h.wfile.write(b)
                sent += len(b)
                if throttle:
                    ahead = sent / throttle - (time.monotonic() - t0)
                    if ahead > 0:
                        time.sleep(ahead)
    if count_stat:
        h.state.stats.inc("lfs_download_bytes", sent)
    if sent < full:
        raise DropConnection()


def store_object(repo, tmp_path, oid):
    final = repo.lfs_path(oid)
    os.makedirs(os.path.dirname(final), exist_ok=True)
    os.chmod(tmp_path, 0o644)
    os.replace(tmp_path, final)


def parse_card(text):
    """Parse README YAML front matter.  Returns (dict|None, error|None)."""
    if not text:
        return None, None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None, None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return None, "Unterminated YAML front matter (missing closing ---)"
    block = "\n".join(lines[1:end])
    try:
        import yaml  # optional: PyYAML, when installed
    except ImportError:
        # Limitation: without PyYAML the model-card metadata is not parsed; validate-yaml
        # accepts any front matter and repo info has no cardData.
        return None, None
    try:
        doc = yaml.safe_load(block)
    except yaml.YAMLError as e:
        return None, f"Invalid YAML in model card metadata: {e}"
    if doc is None:
        return None, None
    if not isinstance(doc, dict):
        return None, "Model card metadata must be a YAML mapping"
    return json.loads(json.dumps(doc, default=str)), None


# --------------------------------------------------------------------------- upload host


class UploadHandler(BaseHandler):
    role = "upload"

    def route(self, method):
        st = self.state
        st.stats.inc("upload_host_requests")
        if self.headers.get("Authorization"):
            with st.stats.lock:
                st.stats.upload_host_auth += 1
                st.stats.upload_host_auth_paths.append(f"{method} {self.raw_path.split('/')[1] if '/' in self.raw_path else ''}")
        segs = split_segments(self.raw_path)
        if len(segs) in (2, 3) and segs[0] == "lfs-upload" and method == "PUT":
            up = st.store.uploads.get(segs[1])
            self.endpoint = "lfs_put" if len(segs) == 2 else "lfs_part_put"
            self.apply_status_fault()
            if up is None:
                raise HubError(404, "Unknown or expired upload URL", lfs=True)
            if len(segs) == 2:
                return self.h_put(up)
            try:
                n = int(segs[2])
            except ValueError:
                raise HubError(404, "bad part number", lfs=True)
            return self.h_part(up, n)
        if len(segs) == 2 and segs[0] == "lfs-download" and method in ("GET", "HEAD"):
            self.endpoint = "lfs_download"
            self.apply_status_fault()
            d = st.store.downloads.get(segs[1])
            if d is None:
                raise HubError(404, "Unknown or expired download URL", lfs=True)
            repo, oid, size, _ = d
            if not repo.lfs_has(oid, size):
                raise HubError(404, "Object does not exist", lfs=True)
            return serve_file(self, repo.lfs_path(oid), size, {"ETag": f'"{oid}"', "Accept-Ranges": "bytes"},
                              count_stat=True)
        if segs == ["_test", "health"]:
            self.endpoint = "test"
            return self.send_json(200, {"ok": True, "role": "upload"})
        self.endpoint = "upload_not_found"
        raise HubError(404, "Not found", lfs=True)

    def _receive(self, up, sink, expected, hasher=None):
        """Stream the body into sink(view, offset); returns bytes received."""
        if not self.chunked and self.content_length != expected:
            raise HubError(400, f"Content-Length {self.content_length} does not match the expected size "
                                f"{expected}", lfs=True)
        drop = self.drop_fault()
        throttle = self.state.faults.throttle_for(self.endpoint)
        got = 0
        try:
            for c in self.body_chunks(drop_after=drop, throttle=throttle):
                if got + len(c) > expected:
                    raise HubError(400, "Body larger than the announced size", lfs=True)
                if hasher is not None:
                    hasher.update(c)
                sink(c, got)
                got += len(c)
        finally:
            self.state.stats.lfs_received(up.oid, got)
        if got != expected:
            raise HubError(400, f"Received {got} bytes, expected {expected}", lfs=True)
        return got

    def h_put(self, up):
        st = self.state
        if up.chunk_size:
            raise HubError(400, "This upload is multipart: PUT the parts", lfs=True)
        fd, tmp = st.store.tmp_file()
        ok = False
        try:
            with os.fdopen(fd, "wb") as f:
                h = hashlib.sha256()
                self._receive(up, lambda c, off: f.write(c), up.size, h)
            if h.hexdigest() != up.oid:
                raise HubError(400, f"sha256 mismatch: body hashes to {h.hexdigest()}, expected {up.oid}",
                               lfs=True)
            store_object(up.repo, tmp, up.oid)
            ok = True
        finally:
            if not ok:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        st.stats.inc("lfs_puts")
        st.stats.inc("lfs_objects_stored")
        self.send_bytes(200, b"", "text/plain")

    def h_part(self, up, n):
        st = self.state
        if not up.chunk_size or n < 1 or n > up.nparts:
            raise HubError(404, f"No part {n} in this upload", lfs=True)
        offset = (n - 1) * up.chunk_size
        expected = min(up.chunk_size, up.size - offset)
        with up.lock:
            if up.done:
                raise HubError(409, "Upload already completed", lfs=True)
            if up.tmp is None:
                fd, up.tmp = st.store.tmp_file()
                os.ftruncate(fd, up.size)
                os.close(fd)
            if n in up.started_parts:
                up.rewritten = True
            up.started_parts.add(n)
            in_order = up.hashed_upto == offset and not up.rewritten
            h = up.hasher.copy() if in_order else None
            tmp = up.tmp
        fd = os.open(tmp, os.O_WRONLY)
        try:
            def sink(c, off):
                mv = c
                pos = offset + off
                while len(mv):
                    w = os.pwrite(fd, mv, pos)
                    mv = mv[w:]
                    pos += w
            self._receive(up, sink, expected, h)
        finally:
            os.close(fd)
        etag = '"' + hashlib.sha1(f"{up.token}:{n}:{expected}".encode()).hexdigest() + '"'
        with up.lock:
            up.parts[n] = etag
            if h is not None and up.hashed_upto == offset and not up.rewritten:
                up.hasher = h
                up.hashed_upto = offset + expected
        st.stats.inc("lfs_part_puts")
        self.send_bytes(200, b"", "text/plain", {"ETag": etag})


# --------------------------------------------------------------------------- server main


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, addr, handler):
        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        super().__init__(addr, handler)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError)):
            return
        super().handle_error(request, client_address)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Hugging Face Hub-compatible test server (loopback only)")
    p.add_argument("--data", required=True, help="data directory (repos, LFS objects, temp files)")
    p.add_argument("--host", default="127.0.0.1", help="API bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="API port (0 = pick a free port)")
    p.add_argument("--public-host", help="host name used in API URLs when the request has no Host header")
    p.add_argument("--upload-port", type=int, default=0, help="LFS upload-host port (0 = free port)")
    p.add_argument("--lfs-host", help="host name put in LFS upload/download URLs (default: --host); "
                                      "e.g. 'localhost' to make the upload host differ by name too")
    p.add_argument("--lfs-bind", help="bind address of the upload socket (default: --host)")
    p.add_argument("--port-file", help="write {api_port, upload_port, api_url, upload_url, pid} JSON here "
                                       "once both sockets listen")
    p.add_argument("--pid-file", help="write the server pid here")
    p.add_argument("--tokens", help="token file (JSON or lines 'TOKEN USER ROLE [ORG,ORG]')")
    p.add_argument("--token", action="append", default=[], metavar="TOKEN:USER:ROLE[:ORG,ORG]",
                   help="add a token (repeatable)")
    p.add_argument("--no-default-tokens", action="store_true",
                   help="do not add the built-in test tokens when no --tokens/--token is given")
    p.add_argument("--regular-file-limit", type=int, default=10 * MiB,
                   help="preupload says 'lfs' above this size; inline commit files above it get 400 "
                        "(default 10 MiB)")
    p.add_argument("--chunk-size", type=int, default=64 * MiB,
                   help="multipart part size offered to clients (default 64 MiB)")
    p.add_argument("--multipart-threshold", type=int, default=None,
                   help="objects larger than this use multipart when the client offers it "
                        "(default: --chunk-size)")
    p.add_argument("--tree-page-size", type=int, default=1000, help="tree entries per page (default 1000)")
    p.add_argument("--tree-page-size-expand", type=int, default=50,
                   help="tree entries per page with expand=true (default 50)")
    p.add_argument("--commits-page-size", type=int, default=50, help="commits per page (default 50)")
    p.add_argument("--resolve-redirect", action="store_true",
                   help="answer /resolve of LFS files with 302 to the upload host (like the Hub's CDN)")
    p.add_argument("--no-git-http", action="store_true", help="disable git smart HTTP")
    p.add_argument("--faults", help="initial fault spec (JSON text, or @FILE)")
    p.add_argument("--fault-429", action="append", default=[], metavar="ENDPOINT:K[:RETRY_AFTER]",
                   help="answer 429 (Retry-After) to the first K requests of ENDPOINT (fnmatch)")
    p.add_argument("--fault-500", action="append", default=[], metavar="ENDPOINT:K",
                   help="answer 500 to the first K requests of ENDPOINT")
    p.add_argument("--fault-drop", action="append", default=[], metavar="ENDPOINT:BYTES:K",
                   help="drop the connection after BYTES of body, first K requests of ENDPOINT: "
                        "request bodies of lfs_put/lfs_part_put, response bodies of LFS files "
                        "for resolve/lfs_download")
    p.add_argument("--body-limit", type=int, help="413 for API request bodies larger than this")
    p.add_argument("--throttle-bps", type=int,
                   help="read request bodies (and send LFS file bodies) at most this fast (bytes/s)")
    p.add_argument("--throttle-endpoint", default="*", help="endpoint pattern the throttle applies to")
    p.add_argument("--access-log", help="append an access log to this file")
    p.add_argument("--max-lifetime", type=float, default=0,
                   help="exit by itself after this many seconds (0 = never)")
    p.add_argument("--quiet", action="store_true", help="do not print the READY line")
    args = p.parse_args(argv)
    if args.multipart_threshold is None:
        args.multipart_threshold = args.chunk_size
    return args


def build_faults(args, faults: Faults):
    doc = {"rules": []}
    if args.faults:
        text = args.faults
        if text.startswith("@"):
            with open(text[1:]) as f:
                text = f.read()
        doc = json.loads(text)
        doc.setdefault("rules", [])
    for spec in args.fault_429:
        parts = spec.split(":")
        rule = {"endpoint": parts[0], "status": 429, "count": int(parts[1]) if len(parts) > 1 else 1,
                "message": "Too Many Requests (injected)"}
        rule["retry_after"] = int(parts[2]) if len(parts) > 2 else 1
        doc["rules"].append(rule)
    for spec in args.fault_500:
        parts = spec.split(":")
        doc["rules"].append({"endpoint": parts[0], "status": 500,
                             "count": int(parts[1]) if len(parts) > 1 else 1,
                             "message": "Internal Server Error (injected)"})
    for spec in args.fault_drop:
        parts = spec.split(":")
        doc["rules"].append({"endpoint": parts[0], "drop_after": int(parts[1]),
                             "count": int(parts[2]) if len(parts) > 2 else 1})
    if args.body_limit is not None:
        doc["body_limit"] = args.body_limit
    if args.throttle_bps:
        doc["throttle_bps"] = args.throttle_bps
        doc["throttle_endpoint"] = args.throttle_endpoint
    faults.configure(doc)


def main(argv=None):
    args = parse_args(argv)
    auth = Auth()
    if args.tokens:
        auth.load_file(args.tokens)
    for spec in args.token:
        parts = spec.split(":")
        if len(parts) < 3:
            raise SystemExit(f"--token wants TOKEN:USER:ROLE[:ORG,ORG], got {spec!r}")
        auth.add(parts[0], parts[1], parts[2], parts[3].split(",") if len(parts) > 3 and parts[3] else [])
    if not args.tokens and not args.token and not args.no_default_tokens:
        for tok, user, role, orgs in DEFAULT_TOKENS:
            auth.add(tok, user, role, orgs)

    cfg = Config(args)
    store = Store(args.data)
    state = State(cfg, store, auth)
    build_faults(args, state.faults)

    api_cls = type("Api", (ApiHandler,), {"state": state})
    up_cls = type("Up", (UploadHandler,), {"state": state})
    api = Server((args.host, args.port), api_cls)
    up = Server((cfg.lfs_bind, args.upload_port), up_cls)
    cfg.api_port = api.server_address[1]
    cfg.upload_port = up.server_address[1]
    api_url = f"http://{fmt_host(cfg.public_host)}:{cfg.api_port}"
    info = {"api_port": cfg.api_port, "upload_port": cfg.upload_port, "api_url": api_url,
            "upload_url": state.upload_base(), "pid": os.getpid(), "data": store.data}

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
               for s in (api, up)]
    for t in threads:
        t.start()
    if args.pid_file:
        with open(args.pid_file + ".tmp", "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(args.pid_file + ".tmp", args.pid_file)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            json.dump(info, f)
        os.replace(args.port_file + ".tmp", args.port_file)
    if not args.quiet:
        print("HUB_SERVER_READY " + json.dumps(info), flush=True)
    deadline = time.monotonic() + args.max_lifetime if args.max_lifetime > 0 else None
    while not stop.is_set():
        stop.wait(0.5)
        if deadline and time.monotonic() > deadline:
            print("hub_server: --max-lifetime reached, exiting", file=sys.stderr, flush=True)
            break
    api.shutdown()
    up.shutdown()
    api.server_close()
    up.server_close()
    for r in list(store.repo_objs.values()):
        r.close()
    shutil.rmtree(store.tmp_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
