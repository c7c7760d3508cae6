"""The server's storage is genuine git + git-lfs: checked with the git and git-lfs CLIs.

* a bare repository written through the Hub API clones with plain `git clone <dir>`;
  `git lfs ls-files` sees the LFS files, the checked-out pointers are exact git-lfs v1
  pointers, `git lfs pull` (local file remote) restores the bytes, and the LFS store holds
  objects whose sha256 is their name;
* over git smart HTTP (`git http-backend`), `git clone http://127.0.0.1:P/ns/name.git` and
  `git lfs pull` (LFS batch API, download) work, and a `git push` with a new LFS file is
  readable back through the Hub API.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid

import pytest

from huggingface_hub import HfApi, hf_hub_download

from hubtest import WRITE_TOKEN, READ_TOKEN

MiB = 1 << 20


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


@pytest.fixture
def git_env(tmp_path, git_lfs_available):
    """An isolated HOME with git-lfs installed (filters + hooks) and an identity."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1",
               GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="/bin/false", NO_PROXY="*", no_proxy="*")
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(k, None)

    def run(*args, cwd=None, check=True, extra=None):
        p = subprocess.run(args, cwd=cwd, env={**env, **(extra or {})}, capture_output=True, text=True,
                           timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return p

    run("git", "config", "--global", "user.name", "Tester")
    run("git", "config", "--global", "user.email", "tester@example.org")
    run("git", "config", "--global", "init.defaultBranch", "main")
    run("git", "config", "--global", "lfs.locksverify", "false")
    run("git", "lfs", "install", "--skip-repo")
    return run


@pytest.fixture
def pushed_repo(hub, tmp_path):
    api = HfApi()
    repo = f"alice/git-{uuid.uuid4().hex[:8]}"
    api.create_repo(repo)
    files = {
        "README.md": b"# git check\n",
        "model.safetensors": os.urandom(200_000),
        "saved_model/variables/variables.data-00000-of-00001": os.urandom(MiB + 5),
        "notes with space.txt": b"plain text\n",
        "tokens.txt": b"t\n" * 5000,  # LFS by size (> 4096), not by pattern => added to .gitattributes
    }
    folder = tmp_path / "src"
    for p, b in files.items():
        (folder / p).parent.mkdir(parents=True, exist_ok=True)
        (folder / p).write_bytes(b)
    info = api.upload_folder(repo_id=repo, folder_path=folder)
    return repo, files, info.oid


LFS_FILES = ("model.safetensors", "saved_model/variables/variables.data-00000-of-00001", "tokens.txt")


def test_bare_repo_clones_with_lfs_pointers(hub, pushed_repo, git_env, tmp_path):
    repo, files, head = pushed_repo
    bare = hub.repo_dir(repo)
    assert os.path.isfile(os.path.join(bare, "HEAD"))
    assert git_env("git", "--git-dir", bare, "rev-parse", "refs/heads/main").stdout.strip() == head
    git_env("git", "--git-dir", bare, "fsck", "--strict")

    work = tmp_path / "clone"
    git_env("git", "clone", "-q", bare, str(work), extra={"GIT_LFS_SKIP_SMUDGE": "1"})
    ls = git_env("git", "lfs", "ls-files", "-l", cwd=work).stdout
    listed = {line.split(" ", 2)[2].strip(): line.split(" ")[0] for line in ls.splitlines()}
    assert listed == {p: sha256_bytes(files[p]) for p in LFS_FILES}
    for p in LFS_FILES:
        oid = sha256_bytes(files[p])
        assert (work / p).read_bytes() == (f"version https://git-lfs.github.com/spec/v1\n"
                                           f"oid sha256:{oid}\nsize {len(files[p])}\n").encode()
        obj = os.path.join(bare, "lfs", "objects", oid[:2], oid[2:4], oid)
        with open(obj, "rb") as f:
            assert sha256_bytes(f.read()) == oid
    # regular files are plain blobs
    assert (work / "notes with space.txt").read_bytes() == files["notes with space.txt"]
    # the server tracked tokens.txt in .gitattributes as the Hub does for lfsFile entries
    attrs = (work / ".gitattributes").read_text()
    assert "/tokens.txt filter=lfs diff=lfs merge=lfs -text" in attrs
    assert "saved_model/**/* filter=lfs" in attrs

    # git lfs pull from the local bare repository restores the content
    git_env("git", "lfs", "pull", cwd=work)
    for p, b in files.items():
        assert sha256_bytes((work / p).read_bytes()) == sha256_bytes(b), p
    assert git_env("git", "status", "--porcelain", cwd=work).stdout == ""


def test_git_smart_http_clone_lfs_pull_and_push(hub, pushed_repo, git_env, tmp_path):
    repo, files, head = pushed_repo
    url = f"{hub.url}/{repo}.git"
    work = tmp_path / "http-clone"
    git_env("git", "clone", "-q", url, str(work))
    for p, b in files.items():  # smudge filter fetched LFS objects through the batch API
        assert sha256_bytes((work / p).read_bytes()) == sha256_bytes(b), p
    assert git_env("git", "rev-parse", "HEAD", cwd=work).stdout.strip() == head

    # anonymous push is refused; a read token is refused; the write token works
    new = os.urandom(300_000)
    (work / "extra.bin").write_bytes(new)  # *.bin is LFS-tracked by the Hub's .gitattributes
    git_env("git", "add", "extra.bin", cwd=work)
    git_env("git", "commit", "-q", "-m", "push over http", cwd=work)
    assert git_env("git", "push", "origin", "main", cwd=work, check=False).returncode != 0
    ro = url.replace("http://", f"http://alice:{READ_TOKEN}@")
    assert git_env("git", "push", ro, "main", cwd=work, check=False).returncode != 0
    rw = url.replace("http://", f"http://alice:{WRITE_TOKEN}@")
    git_env("git", "push", rw, "main", cwd=work)
    after = hub.stats()
    assert after["lfs"]["bytes_received"].get(sha256_bytes(new), 0) == len(new)
    assert after["upload_host"]["authorization_seen"] is False

    api = HfApi()
    tree = {e.path: e for e in api.list_repo_tree(repo, recursive=True)}
    assert tree["extra.bin"].lfs.sha256 == sha256_bytes(new)
    got = hf_hub_download(repo, "extra.bin", cache_dir=tmp_path / "c")
    assert open(got, "rb").read() == new
    assert api.list_repo_commits(repo)[0].title == "push over http"


def test_private_repo_needs_credentials_over_http(hub, git_env, tmp_path):
    api = HfApi()
    repo = f"acme/priv-{uuid.uuid4().hex[:8]}"
    api.create_repo(repo, private=True)
    api.upload_file(path_or_fileobj=os.urandom(50_000), path_in_repo="w.bin", repo_id=repo)
    url = f"{hub.url}/{repo}.git"
    assert git_env("git", "clone", "-q", url, str(tmp_path / "a"), check=False).returncode != 0
    git_env("git", "clone", "-q", url.replace("http://", f"http://alice:{READ_TOKEN}@"), str(tmp_path / "b"))
    assert len((tmp_path / "b" / "w.bin").read_bytes()) == 50_000
