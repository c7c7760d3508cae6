"""Reads a pushed version back from the Hub test server with the official huggingface_hub client."""

from __future__ import annotations

import os
import re
import tempfile

from conftest import model_files

HEX40 = re.compile(r"^[0-9a-f]{40}$")


def api(token: str):
    from huggingface_hub import HfApi
    return HfApi(endpoint=os.environ["HF_ENDPOINT"], token=token)


def branches(repo_id: str, token: str) -> dict:
    """Branch name -> head commit, or {} when the repository does not exist."""
    from huggingface_hub.utils import RepositoryNotFoundError
    try:
        refs = api(token).list_repo_refs(repo_id)
    except RepositoryNotFoundError:
        return {}
    return {b.name: b.target_commit for b in refs.branches}


def assert_branch_holds_model(repo_id: str, branch: str, commit_id: str, model_dir: str,
                              token: str) -> None:
    """The branch exists at commit_id and holds exactly the model's files, byte for byte."""
    from huggingface_hub import hf_hub_download
    heads = branches(repo_id, token)
    assert heads.get(branch) == commit_id, (branch, commit_id, heads)
    on_hub = set(api(token).list_repo_files(repo_id, revision=branch))
    local = model_files(model_dir)
    assert on_hub == set(local), (sorted(on_hub ^ set(local)))
    with tempfile.TemporaryDirectory() as cache:
        for rel, full in sorted(local.items()):
            got = hf_hub_download(repo_id, rel, revision=branch, cache_dir=cache, token=token)
            with open(got, "rb") as a, open(full, "rb") as b:
                assert a.read() == b.read(), f"{rel} differs on branch {branch}"
