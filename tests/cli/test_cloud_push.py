"""End to end through the CLI: a model in an S3 or GCS bucket, pushed to the filesystem and
Hub registries, read back byte for byte (the Hub version with the official client).

The buckets are moto (S3) and fake-gcs-server (GCS), written by boto3 and
google-cloud-storage (tests/cloud/); the Hub is tests/hub_server. All on loopback.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, binary, tree_hashes

sys.path.insert(0, str(ROOT / "tests" / "hub_server"))
import hubtest  # noqa: E402

CLOUD = ROOT / "tests" / "cloud"


@pytest.fixture(scope="module")
def peers(tmp_path_factory):
    state = tmp_path_factory.mktemp("peers") / "state.json"
    out = subprocess.run([sys.executable, str(CLOUD / "peers.py"), "start", "--s3", "moto",
                          "--gcs", "--state", str(state), "--owner-pid", str(os.getpid())],
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    env = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    yield env
    subprocess.run([sys.executable, str(CLOUD / "peers.py"), "stop", "--state", str(state)],
                   timeout=60)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with hubtest.HubServer(data_dir=str(tmp_path_factory.mktemp("hub"))) as server:
        yield server


def write_fixtures(kind, endpoint, bucket, fixture_set, mirror):
    run = subprocess.run([sys.executable, str(CLOUD / "fixtures.py"), kind, "--endpoint",
                          endpoint, "--bucket", bucket, "--set", fixture_set, "--mirror",
                          str(mirror)], capture_output=True, text=True, timeout=180,
                         env=cloud_env({}))
    assert run.returncode == 0, run.stderr


def cloud_env(peers):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GOOGLE_"))}
    env.update({"AWS_EC2_METADATA_DISABLED": "true", "GCE_METADATA_HOST": "127.0.0.1:9",
                "AWS_REGION": "us-east-1", "MODELPUSHER_NOW": "1764860400"})
    if "MP_S3_ENDPOINT" in peers:
        env.update({"AWS_ENDPOINT_URL": peers["MP_S3_ENDPOINT"],
                    "AWS_ACCESS_KEY_ID": peers["MP_S3_ACCESS_KEY"],
                    "AWS_SECRET_ACCESS_KEY": peers["MP_S3_SECRET_KEY"]})
    if "MP_GCS_ENDPOINT" in peers:
        env["STORAGE_EMULATOR_HOST"] = peers["MP_GCS_ENDPOINT"]
    return env


def push(tmp_path, source, repo, hub, env):
    cfg = tmp_path / "push.yaml"
    cfg.write_text(f"""source: {source}
versioning: {{scheme: timestamp, ref: "v{{version}}"}}
registries:
  - type: filesystem
    path: ./registry
  - type: huggingface
    repo: {repo}
    endpoint: {hub.url}
    token: {{env: MP_TEST_HUB_TOKEN}}
""")
    env = dict(env, MP_TEST_HUB_TOKEN=hubtest.WRITE_TOKEN)
    run = subprocess.run([binary(), "push", "--config", str(cfg), "--json"], cwd=tmp_path,
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert hubtest.WRITE_TOKEN not in run.stderr + run.stdout
    return {r["type"]: r for r in json.loads(run.stdout)["results"]}


def hub_files(hub, repo, branch, tmp_path):
    code = f"""
import hashlib, json, os, sys
from huggingface_hub import snapshot_download
root = snapshot_download(repo_id={repo!r}, revision={branch!r}, local_dir={str(tmp_path / 'dl')!r})
out = {{}}
for folder, _, names in os.walk(root):
    for n in names:
        p = os.path.join(folder, n)
        rel = os.path.relpath(p, root)
        if rel.startswith('.cache') or rel in ('.gitattributes', 'README.md'):
            continue
        out[rel] = hashlib.sha256(open(p, 'rb').read()).hexdigest()
json.dump(out, sys.stdout)
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=hub.client_env(hubtest.WRITE_TOKEN), timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("kind", ["s3", "gcs"])
def test_tfx_savedmodel_from_a_bucket_reaches_both_registries(kind, peers, hub, tmp_path):
    bucket = f"e2e-{kind}-savedmodel"
    endpoint = peers["MP_S3_ENDPOINT" if kind == "s3" else "MP_GCS_ENDPOINT"]
    mirror = tmp_path / "mirror"
    write_fixtures(kind, endpoint, bucket, "savedmodel", mirror)
    scheme = "s3" if kind == "s3" else "gs"
    prefix = "pipelines/Trainer/model/12/Format-Serving"
    results = push(tmp_path, f"{scheme}://{bucket}/{prefix}", f"alice/e2e-{kind}-savedmodel",
                   hub, cloud_env(peers))

    expected = tree_hashes(mirror / prefix)
    assert len(expected) == 6, "five files and vocab.txt; no marker, nothing from -old"
    fs = results["filesystem"]
    assert fs["status"] == "pushed" and fs["pushed_version"] == "1764860400"
    assert tree_hashes(tmp_path / "registry" / "1764860400") == expected
    hf = results["huggingface"]
    assert hf["status"] == "pushed" and hf["branch"] == "v1764860400"
    assert hub_files(hub, hf["repo_id"], hf["branch"], tmp_path) == expected


@pytest.mark.parametrize("kind", ["s3", "gcs"])
def test_folder_whose_files_start_with_its_name_from_a_bucket(kind, peers, hub, tmp_path):
    bucket = f"e2e-{kind}-modelfolder"
    endpoint = peers["MP_S3_ENDPOINT" if kind == "s3" else "MP_GCS_ENDPOINT"]
    mirror = tmp_path / "mirror"
    write_fixtures(kind, endpoint, bucket, "modelfolder", mirror)
    scheme = "s3" if kind == "s3" else "gs"
    results = push(tmp_path, f"{scheme}://{bucket}/model", f"alice/e2e-{kind}-modelfolder",
                   hub, cloud_env(peers))
    expected = tree_hashes(mirror / "model")
    assert sorted(expected) == ["MLmodel", "conda.yaml", "model.pkl", "model/model.pkl",
                                "modelcard.md"]
    assert tree_hashes(tmp_path / "registry" / "1764860400") == expected
    hf = results["huggingface"]
    assert hub_files(hub, hf["repo_id"], hf["branch"], tmp_path) == expected
