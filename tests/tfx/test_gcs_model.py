"""A Model artifact on gs:// (fake-gcs-server on loopback): the executor hands the Trainer's
serving folder to modelpusher, whose gs source reads it, and the Hub branch holds it exactly.

fake-gcs-server comes from scripts/setup/cloud.sh; modelpusher finds it through
STORAGE_EMULATOR_HOST, as Google's own clients do.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import link_or_copy_tree
from hubcheck import assert_branch_holds_model

NOW = 1767398400  # pinned clock: 2026-01-03T00:00:00Z
BUCKET = "tfx-pipelines"
MODEL_PREFIX = "penguin/Trainer/model/9"


def _fake_gcs_binary() -> str:
    found = shutil.which("fake-gcs-server")
    if found:
        return found
    candidate = os.path.join(os.environ.get("GOPATH") or os.path.expanduser("~/go"), "bin",
                             "fake-gcs-server")
    assert os.access(candidate, os.X_OK), "fake-gcs-server missing: run scripts/setup/cloud.sh"
    return candidate


@pytest.fixture
def gcs_with_model(tmp_path, minilm_dir):
    """fake-gcs-server seeded with gs://BUCKET/MODEL_PREFIX/Format-Serving/<model files>."""
    data = tmp_path / "gcs-data"
    link_or_copy_tree(minilm_dir, str(data / BUCKET / MODEL_PREFIX / "Format-Serving"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "fake-gcs.log", "wb")
    proc = subprocess.Popen(
        [_fake_gcs_binary(), "-scheme", "http", "-host", "127.0.0.1", "-port", str(port),
         "-backend", "memory", "-data", str(data), "-public-host", f"127.0.0.1:{port}",
         "-external-url", url, "-log-level", "warn"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "fake-gcs.log").read_text()
            try:
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                with opener.open(f"{url}/storage/v1/b/{BUCKET}/o?maxResults=1", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "fake-gcs-server did not start"
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_model_on_gcs_is_pushed_from_its_serving_folder(tmp_path, monkeypatch, gcs_with_model,
                                                         minilm_dir, hf_token):
    from test_executor import _blessing, _props, _run
    from tfx.types import standard_artifacts
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_with_model)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("MODELPUSHER_NOW", str(NOW))
    model = standard_artifacts.Model()
    model.uri = f"gs://{BUCKET}/{MODEL_PREFIX}"
    pushed = _run(tmp_path, {"model": [model], "model_blessing": [_blessing(tmp_path, "BLESSED")]},
                  repo_name="minilm-from-gcs")
    p = _props(pushed)
    assert (p["pushed"], p["push_status"], p["pushed_version"]) == (1, "pushed", str(NOW))
    assert_branch_holds_model("alice/minilm-from-gcs", p["branch"], p["commit_id"], minilm_dir,
                              hf_token)
