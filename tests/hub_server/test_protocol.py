"""Raw-protocol checks of what the official clients do not exercise (or not in error paths):
LFS rejections, percent-decoding of path segments, paths-info JSON, PRs, fault switches,
the upload host's Authorization detector, keep-alive framing.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import time
import urllib.parse
import uuid

import pytest

from hubtest import BOB_TOKEN, READ_TOKEN, WRITE_TOKEN

AUTH = {"Authorization": f"Bearer {WRITE_TOKEN}"}


class Conn:
    """A keep-alive HTTP/1.1 connection (reused across requests to prove framing is right)."""

    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.base = base
        self.c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

    def req(self, method, path, body=None, headers=None, url=None):
        h = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        if url:
            u = urllib.parse.urlsplit(url)
            assert f"{u.scheme}://{u.netloc}" == self.base, (url, self.base)
            path = u.path + ("?" + u.query if u.query else "")
        self.c.request(method, path, body=body, headers=h)
        r = self.c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def json(self, *a, **kw):
        st, h, data = self.req(*a, **kw)
        return st, h, (json.loads(data) if data else None)

    def close(self):
        self.c.close()


@pytest.fixture
def api(hub):
    c = Conn(hub.url)
    yield c
    c.close()


@pytest.fixture
def up(hub):
    c = Conn(hub.upload_url)
    yield c
    c.close()


def new_repo(api, ns="alice", private=False):
    name = f"p-{uuid.uuid4().hex[:10]}"
    st, _, body = api.json("POST", "/api/repos/create",
                           {"name": name, "organization": ns, "private": private}, AUTH)
    assert st == 200, body
    return f"{ns}/{name}"


def ndjson(*lines):
    return ("\n".join(json.dumps(x) for x in lines) + "\n").encode()


def commit(api, repo, ops, rev="main", summary="c", parent=None, query=""):
    header = {"summary": summary, "description": ""}
    if parent:
        header["parentCommit"] = parent
    body = ndjson({"key": "header", "value": header}, *ops)
    return api.json("POST", f"/api/models/{repo}/commit/{urllib.parse.quote(rev, safe='')}{query}", body,
                    {**AUTH, "Content-Type": "application/x-ndjson"})


def batch(api, repo, objects, transfers=("basic",), op="upload"):
    return api.json("POST", f"/{repo}.git/info/lfs/objects/batch",
                    {"operation": op, "transfers": list(transfers), "objects": objects, "hash_algo": "sha256"},
                    {**AUTH, "Content-Type": "application/vnd.git-lfs+json",
                     "Accept": "application/vnd.git-lfs+json"})


def test_create_repo_accepts_visibility_and_null_org(api):
    name = f"v-{uuid.uuid4().hex[:8]}"
    st, _, body = api.json("POST", "/api/repos/create",
                           {"name": name, "organization": None, "visibility": "private"}, AUTH)
    assert st == 200 and body["url"].endswith(f"/alice/{name}")
    st, _, info = api.json("GET", f"/api/models/alice/{name}", headers=AUTH)
    assert info["private"] is True and info["id"] == f"alice/{name}"
    st, h, body = api.json("GET", f"/api/models/alice/{name}")
    assert st == 401 and h["x-error-code"] == "RepoNotFound"
    st, h, _ = api.json("GET", f"/api/models/alice/{name}", headers={"Authorization": f"Bearer {BOB_TOKEN}"})
    assert st == 404 and h["x-error-code"] == "RepoNotFound"
    st, h, _ = api.json("GET", "/api/models/alice/nope-nope", headers=AUTH)
    assert st == 404 and h["x-error-code"] == "RepoNotFound"


def test_lfs_rejections_and_dedup(api, up, hub):
    repo = new_repo(api)
    data = os.urandom(70_000)
    oid = hashlib.sha256(data).hexdigest()
    # commit referencing an object that was never uploaded
    st, _, body = commit(api, repo, [{"key": "lfsFile", "value": {"path": "w.bin", "algo": "sha256", "oid": oid,
                                                                  "size": len(data)}}])
    assert st == 422 and "never uploaded" in body["error"]
    # bad oid in the batch => per-object error
    st, _, body = batch(api, repo, [{"oid": "xyz", "size": 1}])
    assert st == 200 and body["objects"][0]["error"]["code"] == 422
    # a PUT whose body does not hash to the oid is refused and nothing is stored
    st, _, body = batch(api, repo, [{"oid": oid, "size": len(data)}])
    href = body["objects"][0]["actions"]["upload"]["href"]
    assert href.startswith(hub.upload_url + "/lfs-upload/") and body["objects"][0]["actions"]["verify"]
    bad = bytearray(data)
    bad[5] ^= 1
    st, _, _ = up.req("PUT", None, bytes(bad), url=href)
    assert st == 400
    st, _, _ = up.req("PUT", None, data[:-1], url=href)  # wrong size
    assert st == 400
    assert not os.path.exists(os.path.join(hub.repo_dir(repo), "lfs", "objects", oid[:2], oid[2:4], oid))
    st, _, _ = api.json("POST", f"/{repo}.git/info/lfs/objects/verify", {"oid": oid, "size": len(data)}, AUTH)
    assert st == 404
    # the right bytes are accepted, verify passes, and the next batch has no actions
    st, _, _ = up.req("PUT", None, data, url=href)
    assert st == 200
    st, _, _ = api.json("POST", f"/{repo}.git/info/lfs/objects/verify", {"oid": oid, "size": len(data)}, AUTH)
    assert st == 200
    st, _, body = batch(api, repo, [{"oid": oid, "size": len(data)}])
    assert "actions" not in body["objects"][0]
    # an upload URL that was never handed out
    st, _, _ = up.req("PUT", "/lfs-upload/not-a-token", data)
    assert st == 404
    # download operation
    st, _, body = batch(api, repo, [{"oid": oid, "size": len(data)}], op="download")
    st, _, got = up.req("GET", None, url=body["objects"][0]["actions"]["download"]["href"])
    assert st == 200 and got == data
    st, _, body = batch(api, repo, [{"oid": "0" * 64, "size": 3}], op="download")
    assert body["objects"][0]["error"]["code"] == 404
    # read token cannot ask for upload actions
    st, h, body = api.json("POST", f"/{repo}.git/info/lfs/objects/batch",
                           {"operation": "upload", "objects": [{"oid": oid, "size": 1}]},
                           {"Authorization": f"Bearer {READ_TOKEN}"})
    assert st == 403 and "message" in body


def test_multipart_protocol_out_of_order_and_bad_etag(api, up, hub):
    repo = new_repo(api)
    chunk = 1 << 20
    data = os.urandom(2 * chunk + 100)
    oid = hashlib.sha256(data).hexdigest()
    st, _, body = batch(api, repo, [{"oid": oid, "size": len(data)}], transfers=("basic", "multipart"))
    assert body["transfer"] == "multipart"
    action = body["objects"][0]["actions"]["upload"]
    header = action["header"]
    assert int(header["chunk_size"]) == chunk and sorted(k for k in header if k.isdigit()) == ["1", "2", "3"]
    etags = {}
    for n in (3, 1, 2):  # out of order: hashing must still come out right
        part = data[(n - 1) * chunk:n * chunk]
        st, h2, _ = up.req("PUT", None, part, url=header[str(n)])
        assert st == 200 and h2["etag"]
        etags[n] = h2["etag"]
    complete = urllib.parse.urlsplit(action["href"])
    path = complete.path + "?" + complete.query
    bad = {"oid": oid, "parts": [{"partNumber": n, "etag": etags[n] + ("x" if n == 2 else "")} for n in (1, 2, 3)]}
    st, _, _ = api.req("POST", path, json.dumps(bad).encode(), {"Content-Type": "application/vnd.git-lfs+json"})
    assert st == 400
    good = {"oid": oid, "parts": [{"partNumber": n, "etag": etags[n]} for n in (1, 2, 3)]}
    st, _, _ = api.req("POST", path, json.dumps(good).encode(), {"Content-Type": "application/vnd.git-lfs+json"})
    assert st == 200
    obj = os.path.join(hub.repo_dir(repo), "lfs", "objects", oid[:2], oid[2:4], oid)
    with open(obj, "rb") as f:
        assert f.read() == data
    # a part sent again with other bytes after being hashed in order: the completion notices
    data3 = os.urandom(chunk + 10)
    oid3 = hashlib.sha256(data3).hexdigest()
    st, _, body = batch(api, repo, [{"oid": oid3, "size": len(data3)}], transfers=("multipart",))
    action = body["objects"][0]["actions"]["upload"]
    hdr = action["header"]
    et = {}
    for n, payload in ((1, data3[:chunk]), (2, data3[chunk:]), (1, bytes(chunk))):
        st, h3, _ = up.req("PUT", None, payload, url=hdr[str(n)])
        assert st == 200
        et[n] = h3["etag"]
    cu = urllib.parse.urlsplit(action["href"])
    done = {"oid": oid3, "parts": [{"partNumber": n, "etag": et[n]} for n in (1, 2)]}
    st, _, _ = api.req("POST", cu.path + "?" + cu.query, json.dumps(done).encode(),
                       {"Content-Type": "application/vnd.git-lfs+json"})
    assert st == 400
    st, _, _ = up.req("PUT", None, data3[:chunk], url=hdr["1"])  # repaired
    st, _, _ = api.req("POST", cu.path + "?" + cu.query, json.dumps(done).encode(),
                       {"Content-Type": "application/vnd.git-lfs+json"})
    assert st == 200
    st, _, _ = api.req("POST", cu.path + "?" + cu.query, json.dumps(done).encode(),
                       {"Content-Type": "application/vnd.git-lfs+json"})
    assert st == 200  # a retried completion is fine
    # client that does not offer multipart gets a single PUT even for large objects
    data2 = os.urandom(2 * chunk)
    st, _, body = batch(api, repo, [{"oid": hashlib.sha256(data2).hexdigest(), "size": len(data2)}])
    assert body["transfer"] == "basic" and "chunk_size" not in body["objects"][0]["actions"]["upload"]["header"]


def test_encoded_revisions_paths_info_json_and_pr(api):
    repo = new_repo(api)
    st, _, _ = api.json("POST", f"/api/models/{repo}/branch/release%2Fv1.2", {"startingPoint": "main"}, AUTH)
    assert st == 200
    content = base64.b64encode(b"hello").decode()
    st, _, body = commit(api, repo, [{"key": "file", "value": {"path": "a/b c.txt", "content": content,
                                                               "encoding": "base64"}}], rev="release/v1.2")
    assert st == 200, body
    sha = body["commitOid"]
    st, h, got = api.req("GET", f"/{repo}/resolve/release%2Fv1.2/a/b%20c.txt")
    assert st == 200 and got == b"hello" and h["x-repo-commit"] == sha
    st, _, tree = api.json("GET", f"/api/models/{repo}/tree/release%2Fv1.2/a?recursive=false", headers=AUTH)
    assert [e["path"] for e in tree] == ["a/b c.txt"]
    st, _, tree = api.json("GET", f"/api/models/{repo}/tree/{sha}/a%2Fb%20c.txt", headers=AUTH)
    assert st == 404  # a file is not a directory
    st, _, infos = api.json("POST", f"/api/models/{repo}/paths-info/release%2Fv1.2",
                            {"paths": ["a/b c.txt", "a", "nope"], "expand": True}, AUTH)
    assert [i["path"] for i in infos] == ["a/b c.txt", "a"] and infos[0]["lastCommit"]["id"] == sha
    st, _, infos = api.json("POST", f"/api/models/{repo}/paths-info/{sha}",
                            b"paths=a%2Fb+c.txt&expand=false",
                            {**AUTH, "Content-Type": "application/x-www-form-urlencoded"})
    assert [i["path"] for i in infos] == ["a/b c.txt"] and "lastCommit" not in infos[0]
    # parentCommit abbreviated, create_pr
    st, _, body = commit(api, repo, [{"key": "deletedFile", "value": {"path": "a/b c.txt"}}], rev="release/v1.2",
                         parent=sha[:8], query="?create_pr=1")
    assert st == 200 and body["pullRequestUrl"].endswith("/discussions/1")
    st, _, refs = api.json("GET", f"/api/models/{repo}/refs?include_prs=1", headers=AUTH)
    assert [p["ref"] for p in refs["pullRequests"]] == ["refs/pr/1"]
    assert {b["name"] for b in refs["branches"]} == {"main", "release/v1.2"}
    st, h, _ = api.req("GET", f"/{repo}/resolve/refs%2Fpr%2F1/a/b%20c.txt")
    assert st == 404 and h["x-error-code"] == "EntryNotFound"
    # inline file above the regular-file limit (4096 on the session server) is refused
    big = base64.b64encode(b"x" * 5000).decode()
    st, _, body = commit(api, repo, [{"key": "file", "value": {"path": "big.txt", "content": big,
                                                               "encoding": "base64"}}])
    assert st == 400 and "big.txt" in body["error"]
    # deletedFolder of something missing, malformed NDJSON, unknown branch
    st, h, _ = commit(api, repo, [{"key": "deletedFolder", "value": {"path": "nope/"}}])
    assert st == 404 and h["x-error-code"] == "EntryNotFound"
    st, _, _ = api.req("POST", f"/api/models/{repo}/commit/main", b"{not json}\n",
                       {**AUTH, "Content-Type": "application/x-ndjson"})
    assert st == 400
    st, h, _ = commit(api, repo, [], rev="no-such-branch")
    assert st == 404 and h["x-error-code"] == "RevisionNotFound"


def test_preupload_rules(api):
    repo = new_repo(api)
    content = base64.b64encode(b"v1").decode()
    st, _, c = commit(api, repo, [{"key": "file", "value": {"path": "keep.txt", "content": content}},
                                  {"key": "file", "value": {"path": ".gitignore",
                                                            "content": base64.b64encode(b"*.tmp\nlogs/\n").decode()}}])
    files = [
        {"path": "keep.txt", "size": 2, "sample": content},
        {"path": "big.txt", "size": 5000, "sample": base64.b64encode(b"text").decode()},
        {"path": "nul.dat", "size": 10, "sample": base64.b64encode(b"a\x00b").decode()},
        {"path": "deep/saved_model/variables/v.idx", "size": 10, "sample": base64.b64encode(b"abc").decode()},
        {"path": "saved_model/variables/v.idx", "size": 10, "sample": base64.b64encode(b"abc").decode()},
        {"path": "x.tmp", "size": 1, "sample": "eA=="},
        {"path": "logs/a.txt", "size": 1, "sample": "eA=="},
    ]
    st, _, body = api.json("POST", f"/api/models/{repo}/preupload/main", {"files": files}, AUTH)
    got = {f["path"]: f for f in body["files"]}
    assert got["keep.txt"] == {"path": "keep.txt", "uploadMode": "regular", "shouldIgnore": False,
                               "oid": hashlib.sha1(b"blob 2\0v1").hexdigest()}
    assert got["big.txt"]["uploadMode"] == "lfs" and "oid" not in got["big.txt"]
    assert got["nul.dat"]["uploadMode"] == "lfs"
    assert got["saved_model/variables/v.idx"]["uploadMode"] == "lfs"  # saved_model/**/* is anchored
    assert got["deep/saved_model/variables/v.idx"]["uploadMode"] == "regular"
    assert got["x.tmp"]["shouldIgnore"] is True and got["logs/a.txt"]["shouldIgnore"] is True
    assert all(f["shouldIgnore"] is False for p, f in got.items() if p not in ("x.tmp", "logs/a.txt"))
    # gitAttributes sent by the client (JS) override the repo's
    st, _, body = api.json("POST", f"/api/models/{repo}/preupload/main",
                           {"files": [{"path": "w.safetensors", "size": 3, "sample": "YWJj"}],
                            "gitAttributes": "*.txt filter=lfs\n"}, AUTH)
    assert body["files"][0]["uploadMode"] == "regular"
    st, h, _ = api.json("POST", f"/api/models/{repo}/preupload/nope", {"files": files}, AUTH)
    assert st == 404 and h["x-error-code"] == "RevisionNotFound"


def test_validate_yaml(api):
    st, _, body = api.json("POST", "/api/validate-yaml", {"content": "---\nlicense: mit\n---\nhi", "repoType": "model"},
                           AUTH)
    assert st == 200 and body == {"errors": [], "warnings": []}
    st, _, body = api.json("POST", "/api/validate-yaml", {"content": "---\nlicense: [mit\n---\n", "repoType": "model"},
                           AUTH)
    assert st == 400 and body["errors"][0]["message"]


def test_upload_host_detects_authorization(hub_factory):
    # proves the detector used by the "token never went to the upload host" assertions works
    hub2 = hub_factory()
    c = Conn(hub2.upload_url)
    try:
        st, _, _ = c.req("PUT", "/lfs-upload/unknown", b"x")
        assert st == 404
        assert hub2.stats()["upload_host"]["authorization_seen"] is False
        st, _, _ = c.req("PUT", "/lfs-upload/unknown", b"x", {"Authorization": f"Bearer {WRITE_TOKEN}"})
        s = hub2.stats()["upload_host"]
        assert s["authorization_seen"] is True and s["authorization_count"] == 1
    finally:
        c.close()


def test_fault_switches(hub_factory):
    hub2 = hub_factory("--fault-429", "whoami:2:7", "--body-limit", "100")
    c = Conn(hub2.url)
    try:
        for _ in range(2):
            st, h, _ = c.req("GET", "/api/whoami-v2", headers=AUTH)
            assert st == 429 and h["retry-after"] == "7"
        st, _, _ = c.req("GET", "/api/whoami-v2", headers=AUTH)
        assert st == 200
        # body limit on API endpoints (the connection stays usable afterwards)
        st, _, _ = c.req("POST", "/api/repos/create", json.dumps({"name": "x" * 200}).encode(), AUTH)
        assert st == 413
        st, _, _ = c.req("GET", "/api/whoami-v2", headers=AUTH)
        assert st == 200
        # run-time: 500 for one commit, matched by endpoint name and method
        hub2.set_faults({"rules": [{"endpoint": "comm*", "method": "POST", "status": 500, "count": 1}],
                         "body_limit": None})
        repo = new_repo(c)
        st, _, _ = commit(c, repo, [])
        assert st == 500
        st, _, _ = commit(c, repo, [])
        assert st == 200
        f = hub2.faults()
        assert f["triggered"]["status:commit"] == 1 and f["triggered"]["status:whoami"] == 2
        # throttle: 300 KB at 200 KB/s takes >= ~1.5 s
        hub2.set_faults({"throttle_bps": 200_000, "throttle_endpoint": "lfs_put"})
        data = os.urandom(300_000)
        oid = hashlib.sha256(data).hexdigest()
        st, _, body = batch(c, repo, [{"oid": oid, "size": len(data)}])
        u = Conn(hub2.upload_url)
        t = time.monotonic()
        st, _, _ = u.req("PUT", None, data, url=body["objects"][0]["actions"]["upload"]["href"])
        dt = time.monotonic() - t
        u.close()
        assert st == 200 and 1.3 < dt < 30
        hub2.reset_faults()
        assert hub2.faults()["rules"] == []
        st, _, _ = c.req("POST", "/_test/faults", json.dumps({"rules": [{"endpoint": "x"}]}).encode())
        assert st == 400
        hub2.reset_stats()
        assert hub2.stats()["requests_total"] == 0
    finally:
        c.close()


def test_keep_alive_many_requests_one_connection(api):
    repo = new_repo(api)
    for _ in range(20):
        st, h, _ = api.req("HEAD", f"/{repo}/resolve/main/.gitattributes")
        assert st == 200 and int(h["content-length"]) > 0
        st, _, body = api.req("GET", f"/{repo}/resolve/main/.gitattributes", headers={"Range": "bytes=0-9"})
        assert st == 206 and len(body) == 10
        st, _, _ = api.req("GET", f"/{repo}/resolve/main/nope")
        assert st == 404
