"""Fidelity tests: the official `huggingface_hub` client against the test server.

conftest.py started the session server and exported HF_ENDPOINT (loopback), HF_TOKEN (a fake
write token), HF_HUB_DISABLE_XET=1, HF_HUB_DISABLE_TELEMETRY=1 and HF_HOME (temp dir) before
this module imported huggingface_hub, so the client runs with its normal defaults.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import urllib.request
import uuid

import pytest

import huggingface_hub
from huggingface_hub import HfApi, CommitOperationAdd, CommitOperationCopy, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from hubtest import BOB_TOKEN, READ_TOKEN, WRITE_TOKEN

MiB = 1 << 20


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(MiB), b""):
            h.update(b)
    return h.hexdigest()


def uniq(prefix="m"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def git(*args, cwd=None, env=None, check=True):
    e = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1")
    e.update(env or {})
    return subprocess.run(["git", *args], cwd=cwd, env=e, check=check, capture_output=True, text=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http_status(method, url, headers=None, data=None):
    """One raw request (no redirects followed, no proxies): (status, headers, body)."""
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture
def api():
    return HfApi()


@pytest.fixture
def model_folder(tmp_path):
    """A folder with every kind of file the upload path distinguishes."""
    root = tmp_path / "model"
    (root / "variables").mkdir(parents=True)
    (root / "README.md").write_text("---\nlicense: apache-2.0\nlibrary_name: tfx\ntags: [penguins]\n---\n# Penguins\n")
    (root / "config.json").write_text(json.dumps({"hidden": 16, "layers": 2}))
    # LFS by .gitattributes pattern (*.safetensors), although tiny and text-free of NULs
    (root / "weights.safetensors").write_bytes(b"ABCD" * 300)
    # LFS because its sample contains a NUL byte
    (root / "variables" / "variables.index").write_bytes(b"\x00\x01index" * 40)
    # LFS because larger than the regular-file limit (4096 in the session server)
    (root / "vocab.txt").write_text("\n".join(f"token{i}" for i in range(2000)))
    # larger than the 1 MiB chunk size => multipart (3 parts)
    (root / "variables" / "variables.data-00000-of-00001").write_bytes(os.urandom(2 * MiB + 12345))
    return root


def test_client_is_pointed_at_loopback(hub):
    from huggingface_hub import constants

    assert constants.ENDPOINT == hub.url
    assert constants.ENDPOINT.startswith("http://127.0.0.1:")
    assert constants.HF_HUB_DISABLE_XET is True
    assert huggingface_hub.__version__  # recorded in requirements.txt


def test_whoami_and_bad_token(hub, api):
    me = api.whoami()
    assert me["name"] == "alice"
    assert [o["name"] for o in me["orgs"]] == ["acme"]
    assert me["auth"]["accessToken"]["role"] == "write"
    with pytest.raises(HfHubHTTPError) as ei:
        HfApi(token="hf_not_a_known_token").whoami()
    assert ei.value.response.status_code == 401


def test_create_repo_private_org_and_conflicts(hub, api):
    name = uniq()
    url = api.create_repo(f"alice/{name}", private=True)
    assert str(url) == f"{hub.url}/alice/{name}"
    assert url.repo_id == f"alice/{name}"
    info = api.repo_info(f"alice/{name}")
    assert info.private is True and len(info.sha) == 40
    assert [s.rfilename for s in info.siblings] == [".gitattributes"]
    # private => invisible to anonymous callers and to non-members
    with pytest.raises(RepositoryNotFoundError):
        HfApi(token=False).repo_info(f"alice/{name}")
    with pytest.raises(RepositoryNotFoundError):
        HfApi(token=BOB_TOKEN).repo_info(f"alice/{name}")
    # 409 on re-create, swallowed by exist_ok
    with pytest.raises(HfHubHTTPError) as ei:
        api.create_repo(f"alice/{name}")
    assert ei.value.response.status_code == 409
    assert api.create_repo(f"alice/{name}", exist_ok=True).repo_id == f"alice/{name}"
    # organisation repo: alice is a member of acme, bob is not
    org_name = uniq("org")
    assert api.create_repo(f"acme/{org_name}").repo_id == f"acme/{org_name}"
    assert api.repo_info(f"acme/{org_name}").private is False
    assert HfApi(token=False).repo_info(f"acme/{org_name}").id == f"acme/{org_name}"
    with pytest.raises(HfHubHTTPError) as ei:
        HfApi(token=BOB_TOKEN).create_repo(f"acme/{uniq()}")
    assert ei.value.response.status_code == 403
    # dataset repo + delete
    ds = api.create_repo(f"alice/{uniq('ds')}", repo_type="dataset")
    assert str(ds).startswith(f"{hub.url}/datasets/alice/")
    rows = os.urandom(9000)  # LFS (size > limit) through the datasets/ web prefix
    c = api.upload_file(path_or_fileobj=rows, path_in_repo="data/train.parquet", repo_id=ds.repo_id,
                        repo_type="dataset")
    assert c.commit_url == f"{hub.url}/datasets/{ds.repo_id}/commit/{c.oid}"
    got = hf_hub_download(ds.repo_id, "data/train.parquet", repo_type="dataset", cache_dir=hub.workdir + "/ds")
    assert open(got, "rb").read() == rows
    api.delete_repo(ds.repo_id, repo_type="dataset")
    assert not api.repo_exists(ds.repo_id, repo_type="dataset")
    api.delete_repo(ds.repo_id, repo_type="dataset", missing_ok=True)


def test_upload_folder_lfs_multipart_and_read_back(hub, api, model_folder, tmp_path):
    repo = f"acme/{uniq()}"
    api.create_repo(repo, private=True)
    before = hub.stats()
    info = api.upload_folder(repo_id=repo, folder_path=model_folder, commit_message="push v1")
    after = hub.stats()
    assert info.oid and len(info.oid) == 40
    assert info.commit_url == f"{hub.url}/{repo}/commit/{info.oid}"

    local = {p.relative_to(model_folder).as_posix(): p for p in model_folder.rglob("*") if p.is_file()}
    assert set(api.list_repo_files(repo)) == set(local) | {".gitattributes"}

    # which files went through LFS, with which sizes
    tree = {e.path: e for e in api.list_repo_tree(repo, recursive=True) if hasattr(e, "lfs")}
    lfs_expected = {"weights.safetensors", "variables/variables.index", "vocab.txt",
                    "variables/variables.data-00000-of-00001"}
    assert {p for p, e in tree.items() if e.lfs} == lfs_expected
    for p in lfs_expected:
        assert tree[p].lfs.sha256 == sha256_file(local[p])
        assert tree[p].size == local[p].stat().st_size
    assert tree["config.json"].lfs is None

    # every LFS byte went through the upload host, once; the big file used multipart
    big = "variables/variables.data-00000-of-00001"
    big_oid = sha256_file(local[big])
    received = after["lfs"]["bytes_received"]
    assert received.get(big_oid, 0) - before["lfs"]["bytes_received"].get(big_oid, 0) == local[big].stat().st_size
    assert after["lfs"]["part_puts"] - before["lfs"]["part_puts"] == 3
    assert after["requests"].get("lfs_complete", 0) - before["requests"].get("lfs_complete", 0) == 1
    assert after["lfs"]["puts"] - before["lfs"]["puts"] == 3
    assert after["commits"] - before["commits"] == 1
    assert after["upload_host"]["authorization_seen"] is False

    # read back: single files and a snapshot, byte for byte
    for p in (big, "config.json", "vocab.txt"):
        got = hf_hub_download(repo, p, cache_dir=tmp_path / "cache")
        assert sha256_file(got) == sha256_file(local[p])
    snap = snapshot_download(repo, cache_dir=tmp_path / "cache2")
    for p, src in local.items():
        assert sha256_file(os.path.join(snap, p)) == sha256_file(src), p

    # repo info: card metadata parsed from README.md, blobs=true gives LFS info
    ri = api.model_info(repo, files_metadata=True)
    assert ri.sha == info.oid
    assert ri.card_data["license"] == "apache-2.0"
    sib = {s.rfilename: s for s in ri.siblings}
    assert sib[big].lfs.sha256 == big_oid and sib[big].size == local[big].stat().st_size

    # the git tree holds genuine git-lfs pointers; the store holds the objects
    pointer = subprocess.run(["git", "--git-dir", hub.repo_dir(repo), "show", f"{info.oid}:{big}"],
                             capture_output=True, check=True).stdout.decode()
    assert pointer == (f"version https://git-lfs.github.com/spec/v1\noid sha256:{big_oid}\n"
                       f"size {local[big].stat().st_size}\n")
    obj = os.path.join(hub.repo_dir(repo), "lfs", "objects", big_oid[:2], big_oid[2:4], big_oid)
    assert sha256_file(obj) == big_oid


def test_reupload_is_a_noop_and_objects_are_not_resent(hub, api, model_folder):
    repo = f"alice/{uniq()}"
    api.create_repo(repo)
    first = api.upload_folder(repo_id=repo, folder_path=model_folder)
    s1 = hub.stats()
    again = api.upload_folder(repo_id=repo, folder_path=model_folder)
    s2 = hub.stats()
    assert again.oid == first.oid
    assert s2["commits"] == s1["commits"]
    assert s2["lfs"]["bytes_received_total"] == s1["lfs"]["bytes_received_total"]
    # same big content under a new path: the LFS batch says "already stored" => no bytes sent,
    # but a real commit is made
    big = model_folder / "variables" / "variables.data-00000-of-00001"
    c = api.upload_file(path_or_fileobj=str(big), path_in_repo="copy/of/data.bin", repo_id=repo)
    s3 = hub.stats()
    assert c.oid != first.oid
    assert s3["commits"] == s2["commits"] + 1
    assert s3["lfs"]["bytes_received_total"] == s2["lfs"]["bytes_received_total"]
    assert s3["requests"]["lfs_batch"] == s2["requests"].get("lfs_batch", 0) + 1


def test_branches_with_special_names(hub, api, tmp_path):
    repo = f"alice/{uniq()}"
    api.create_repo(repo)
    base = api.upload_file(path_or_fileobj=b"v0", path_in_repo="version.txt", repo_id=repo)
    for br in ("release/v1.2", "exp#1"):
        api.create_branch(repo, branch=br)
    with pytest.raises(HfHubHTTPError) as ei:
        api.create_branch(repo, branch="release/v1.2")
    assert ei.value.response.status_code == 409
    api.create_branch(repo, branch="exp#1", exist_ok=True)

    weights = os.urandom(50_000)
    c1 = api.upload_file(path_or_fileobj=weights, path_in_repo="w.bin", repo_id=repo, revision="release/v1.2")
    c2 = api.upload_file(path_or_fileobj=b"v2", path_in_repo="version.txt", repo_id=repo, revision="exp#1")
    refs = api.list_repo_refs(repo)
    br = {b.name: b.target_commit for b in refs.branches}
    assert br == {"main": base.oid, "release/v1.2": c1.oid, "exp#1": c2.oid}
    assert refs.tags == [] and refs.converts == []

    p = hf_hub_download(repo, "w.bin", revision="release/v1.2", cache_dir=tmp_path / "c")
    assert open(p, "rb").read() == weights
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(repo, "w.bin", revision="main", cache_dir=tmp_path / "c")
    p = hf_hub_download(repo, "version.txt", revision="exp#1", cache_dir=tmp_path / "c")
    assert open(p, "rb").read() == b"v2"
    snap = snapshot_download(repo, revision="release/v1.2", cache_dir=tmp_path / "s")
    assert sorted(os.listdir(snap)) == [".gitattributes", "version.txt", "w.bin"]
    assert open(os.path.join(snap, "w.bin"), "rb").read() == weights
    assert os.path.basename(snap) == c1.oid

    # commits never create branches
    with pytest.raises(RevisionNotFoundError):
        api.upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id=repo, revision="does-not-exist")
    # a branch started from another branch, then deleted
    api.create_branch(repo, branch="from-release", revision="release/v1.2")
    assert {b.name: b.target_commit for b in api.list_repo_refs(repo).branches}["from-release"] == c1.oid
    api.delete_branch(repo, branch="from-release")
    assert "from-release" not in {b.name for b in api.list_repo_refs(repo).branches}
    with pytest.raises(RevisionNotFoundError):
        api.create_branch(repo, branch="bad-start", revision="no-such-rev")


def test_tags_commits_and_paths_info(hub, api):
    repo = f"alice/{uniq()}"
    api.create_repo(repo)
    c1 = api.upload_file(path_or_fileobj=b"a", path_in_repo="a.txt", repo_id=repo, commit_message="add a",
                         commit_description="first file")
    c2 = api.upload_file(path_or_fileobj=os.urandom(10_000), path_in_repo="d/b.bin", repo_id=repo,
                         commit_message="add b")
    api.create_tag(repo, tag="v1", revision=c1.oid)
    api.create_tag(repo, tag="v2", tag_message="annotated")
    with pytest.raises(HfHubHTTPError) as ei:
        api.create_tag(repo, tag="v1")
    assert ei.value.response.status_code == 409
    tags = {t.name: t.target_commit for t in api.list_repo_refs(repo).tags}
    assert tags == {"v1": c1.oid, "v2": c2.oid}
    assert hf_hub_download(repo, "a.txt", revision="v1") and api.file_exists(repo, "a.txt", revision="v1")
    assert not api.file_exists(repo, "d/b.bin", revision="v1")
    api.delete_tag(repo, tag="v1")
    assert [t.name for t in api.list_repo_refs(repo).tags] == ["v2"]

    commits = api.list_repo_commits(repo)
    assert [c.title for c in commits] == ["add b", "add a", "initial commit"]
    assert commits[1].message == "first file"
    assert commits[0].commit_id == c2.oid and commits[0].authors == ["alice"]

    infos = {i.path: i for i in api.get_paths_info(repo, ["a.txt", "d/b.bin", "d", "missing"])}
    assert set(infos) == {"a.txt", "d/b.bin", "d"}
    assert infos["d/b.bin"].lfs.size == 10_000 and infos["a.txt"].lfs is None
    assert infos["d"].__class__.__name__ == "RepoFolder"

    # same-repo copies: paths-info (form-encoded) tells the client what to reuse
    api.create_commit(repo, commit_message="copy", operations=[
        CommitOperationCopy("d/b.bin", "e/b.bin"), CommitOperationCopy("a.txt", "e/a.txt", src_revision=c1.oid)])
    infos = {i.path: i for i in api.get_paths_info(repo, ["d/b.bin", "e/b.bin", "e/a.txt"])}
    assert infos["e/b.bin"].lfs.sha256 == infos["d/b.bin"].lfs.sha256
    assert infos["e/a.txt"].blob_id == hashlib.sha1(b"blob 1\0a").hexdigest()


def test_delete_file_and_folder(hub, api):
    repo = f"alice/{uniq()}"
    api.create_repo(repo)
    api.create_commit(repo, commit_message="files", operations=[
        CommitOperationAdd("logs/a.txt", b"a"), CommitOperationAdd("logs/sub/b.txt", b"b"),
        CommitOperationAdd("keep.txt", b"k")])
    api.delete_file("keep.txt", repo)
    api.delete_folder("logs", repo)
    assert api.list_repo_files(repo) == [".gitattributes"]
    with pytest.raises(EntryNotFoundError):
        api.delete_file("keep.txt", repo)


def test_parent_commit_mismatch_is_412(hub, api):
    repo = f"alice/{uniq()}"
    api.create_repo(repo)
    c1 = api.upload_file(path_or_fileobj=b"1", path_in_repo="f", repo_id=repo)
    api.upload_file(path_or_fileobj=b"2", path_in_repo="f", repo_id=repo, parent_commit=c1.oid)
    with pytest.raises(HfHubHTTPError) as ei:
        api.upload_file(path_or_fileobj=b"3", path_in_repo="f", repo_id=repo, parent_commit=c1.oid)
    assert ei.value.response.status_code == 412


def test_read_only_and_foreign_tokens_cannot_write(hub, api):
    repo = f"alice/{uniq()}"
    api.create_repo(repo)
    ro = HfApi(token=READ_TOKEN)
    assert ro.whoami()["auth"]["accessToken"]["role"] == "read"
    assert ro.list_repo_files(repo) == [".gitattributes"]  # reads are fine
    for call in (lambda: ro.upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id=repo),
                 lambda: ro.create_branch(repo, branch="b"),
                 lambda: ro.create_repo(f"alice/{uniq()}"),
                 lambda: HfApi(token=BOB_TOKEN).upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id=repo)):
        with pytest.raises(HfHubHTTPError) as ei:
            call()
        assert ei.value.response.status_code == 403
    assert api.list_repo_files(repo) == [".gitattributes"]


def test_missing_entry_revision_and_repo(hub, api, tmp_path):
    repo = f"alice/{uniq()}"
    api.create_repo(repo)
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(repo, "nope.txt", cache_dir=tmp_path)
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(repo, ".gitattributes", revision="nope", cache_dir=tmp_path)
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download(f"alice/{uniq()}", "x", cache_dir=tmp_path)
    # raw HTTP checks of the headers the clients rely on
    st, h, _ = http_status("HEAD", f"{hub.url}/{repo}/resolve/main/nope.txt")
    assert st == 404 and h["X-Error-Code"] == "EntryNotFound" and len(h["X-Repo-Commit"]) == 40


def test_resolve_headers_and_ranges(hub, api):
    repo = f"alice/{uniq()}"
    api.create_repo(repo)
    data = os.urandom(100_000)
    c = api.upload_file(path_or_fileobj=data, path_in_repo="dir with space/w.bin", repo_id=repo,
                        revision="main")
    url = f"{hub.url}/{repo}/resolve/{c.oid}/dir%20with%20space/w.bin"
    st, h, body = http_status("HEAD", url)
    oid = hashlib.sha256(data).hexdigest()
    assert st == 200 and h["X-Repo-Commit"] == c.oid
    assert h["X-Linked-Etag"] == f'"{oid}"' and h["X-Linked-Size"] == "100000" and h["ETag"] == f'"{oid}"'
    assert h["Content-Length"] == "100000" and body == b""
    assert not any(k.lower().startswith("x-xet") for k in h)
    st, h, body = http_status("GET", url, {"Range": "bytes=0-0"})
    assert st == 206 and h["Content-Range"] == "bytes 0-0/100000" and body == data[:1]
    st, h, body = http_status("GET", url, {"Range": "bytes=99990-"})
    assert st == 206 and h["Content-Range"] == "bytes 99990-99999/100000" and body == data[99990:]
    st, h, body = http_status("GET", url, {"Range": "bytes=200000-"})
    assert st == 416 and h["Content-Range"] == "bytes */100000"
    # regular file: ETag is the git blob id
    st, h, body = http_status("GET", f"{hub.url}/{repo}/resolve/main/.gitattributes")
    assert st == 200 and h["ETag"] == '"%s"' % hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest()


def test_tree_paging_follows_link_header(hub_factory):
    hub2 = hub_factory("--tree-page-size", "3", "--commits-page-size", "2")
    api2 = HfApi(endpoint=hub2.url, token=WRITE_TOKEN)
    repo = f"alice/{uniq()}"
    api2.create_repo(repo)
    ops = [CommitOperationAdd(f"f{i:02d}.txt", str(i).encode()) for i in range(10)]
    ops += [CommitOperationAdd(f"sub/g{i}.txt", b"g") for i in range(2)]
    api2.create_commit(repo, operations=ops, commit_message="many")
    for i in range(3):
        api2.upload_file(path_or_fileobj=str(i).encode(), path_in_repo="x.txt", repo_id=repo)
    files = api2.list_repo_files(repo)
    assert len(files) == 14 and "sub/g1.txt" in files  # .gitattributes + 10 + 2 + x.txt
    st, h, body = http_status("GET", f"{hub2.url}/api/models/{repo}/tree/main?recursive=true",
                              {"Authorization": f"Bearer {WRITE_TOKEN}"})
    assert st == 200 and len(json.loads(body)) == 3 and 'rel="next"' in h["Link"]
    top = [e.path for e in api2.list_repo_tree(repo)]
    assert "sub" in top and "sub/g0.txt" not in top
    assert [e.path for e in api2.list_repo_tree(repo, path_in_repo="sub")] == ["sub/g0.txt", "sub/g1.txt"]
    assert len(api2.list_repo_commits(repo)) == 5


def test_faults_retry_after_500_and_dropped_upload(hub_factory):
    hub2 = hub_factory("--regular-file-limit", "1024")
    api2 = HfApi(endpoint=hub2.url, token=WRITE_TOKEN)
    repo = f"alice/{uniq()}"
    api2.create_repo(repo)
    data = os.urandom(3 * MiB)
    hub2.set_faults({"rules": [
        {"endpoint": "preupload", "status": 429, "retry_after": 0, "count": 1},
        {"endpoint": "lfs_batch", "status": 500, "count": 1},
        {"endpoint": "lfs_put", "drop_after": MiB, "count": 1},
    ]})
    c = api2.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id=repo)
    st = hub2.stats()
    f = hub2.faults()
    assert f["triggered"] == {"status:preupload": 1, "status:lfs_batch": 1, "drop:lfs_put": 1}
    assert all(r["count"] == 0 for r in f["rules"])
    assert st["status"]["429"] == 1 and st["status"]["500"] == 1
    oid = hashlib.sha256(data).hexdigest()
    assert MiB + len(data) > st["lfs"]["bytes_received"][oid] >= len(data)  # partial first try + full retry
    assert st["lfs"]["puts"] == 1
    # a download cut after 1 MiB is retried by the client (it resumes from what it had
    # written: with its 10 MB read chunks that is 0 here) and still yields the right bytes
    gets = hub2.stats()["requests"].get("resolve", 0)
    hub2.set_faults({"rules": [{"endpoint": "resolve", "method": "GET", "drop_after": MiB, "count": 1}]})
    p = hf_hub_download(repo, "w.bin", revision=c.oid, endpoint=hub2.url, token=WRITE_TOKEN,
                        cache_dir=hub2.workdir + "/c")
    assert open(p, "rb").read() == data
    assert hub2.faults()["triggered"]["drop:resolve"] == 1
    assert hub2.stats()["requests"]["resolve"] == gets + 3  # HEAD, cut GET, GET again
    # the commit POST is not retried by the client: a 429 there surfaces as an error
    hub2.set_faults({"rules": [{"endpoint": "commit", "status": 429, "retry_after": 3, "count": 1}]})
    with pytest.raises(HfHubHTTPError) as ei:
        api2.upload_file(path_or_fileobj=b"small", path_in_repo="s.txt", repo_id=repo)
    assert ei.value.response.status_code == 429 and ei.value.response.headers["Retry-After"] == "3"
    # body limit => 413 on the commit
    hub2.reset_faults()
    hub2.set_faults({"body_limit": 1000})
    with pytest.raises(HfHubHTTPError) as ei:
        api2.upload_file(path_or_fileobj=b"y" * 900, path_in_repo="t.txt", repo_id=repo)
    assert ei.value.response.status_code == 413
    hub2.reset_faults()
    api2.upload_file(path_or_fileobj=b"y" * 900, path_in_repo="t.txt", repo_id=repo)


def test_redirected_lfs_download_drops_token(hub_factory, tmp_path):
    # LFS downloads 302 to the upload host, named "localhost" (another host than 127.0.0.1)
    hub2 = hub_factory("--resolve-redirect", "--lfs-host", "localhost", "--regular-file-limit", "1024")
    api2 = HfApi(endpoint=hub2.url, token=WRITE_TOKEN)
    repo = f"alice/{uniq()}"
    api2.create_repo(repo, private=True)
    data = os.urandom(300_000)
    api2.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id=repo)
    st, h, _ = http_status("HEAD", f"{hub2.url}/{repo}/resolve/main/w.bin",
                           {"Authorization": f"Bearer {WRITE_TOKEN}"})
    assert st == 302 and h["Location"].startswith(hub2.upload_url.replace("127.0.0.1", "localhost"))
    assert h["X-Linked-Size"] == str(len(data))
    p = hf_hub_download(repo, "w.bin", endpoint=hub2.url, token=WRITE_TOKEN, cache_dir=tmp_path)
    assert open(p, "rb").read() == data
    s = hub2.stats()
    assert s["requests"]["lfs_download"] >= 1
    assert s["upload_host"]["authorization_seen"] is False


def test_upload_host_never_saw_a_token(hub):
    # runs after the upload tests of this module (pytest keeps file order)
    s = hub.stats()
    assert s["upload_host"]["requests"] > 0
    assert s["upload_host"]["authorization_seen"] is False
    assert s["lfs_complete_authorization_count"] == 0
