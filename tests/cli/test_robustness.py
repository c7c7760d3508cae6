"""What a hostile-but-honest user tried: each case pins the fixed behaviour."""
import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import sys

from conftest import ROOT, binary, write_tree


def config(tmp_path, text):
    path = tmp_path / "push.yaml"
    path.write_text(text)
    return str(path)


def test_yaml_alias_bomb_is_refused_quickly(mp, tmp_path):
    lines = ["a: &a [" + ",".join(["x"] * 10) + "]"]
    for i in range(8):
        prev, cur = chr(97 + i), chr(98 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join(["*" + prev] * 10) + "]")
    cfg = config(tmp_path, "\n".join(lines) + "\n")
    start = time.monotonic()
    run = mp("validate", "--config", cfg, timeout=60)
    assert run.code == 2
    assert "expands to more than" in run.err
    assert time.monotonic() - start < 10


def test_nested_variables_are_refused_not_half_expanded(mp, tmp_path):
    cfg = config(tmp_path, "source: ./m\nregistries:\n  - type: filesystem\n"
                           "    path: ./r-${A_UNSET:-${B:-d}}\n")
    run = mp("validate", "--config", cfg)
    assert run.code == 2 and "nested variables" in run.err


def test_a_token_written_inline_is_never_echoed(mp, tmp_path):
    secret = "hf_inline_secret_never_echo_1234"
    cfg = config(tmp_path, f"""source: ./m
registries:
  - type: huggingface
    repo: alice/m
    endpoint: http://127.0.0.1:9
    token: {secret}
""")
    run = mp("push", "--config", cfg, "--json")
    assert run.code == 2
    assert secret not in run.err and secret not in run.out
    assert "{env: VARIABLE}" in run.err


def test_missing_credentials_exit_with_the_credentials_code(mp, tmp_path):
    write_tree(tmp_path / "m", {"a.bin": "x"})
    cfg = config(tmp_path, """source: ./m
registries:
  - type: huggingface
    repo: alice/m
    endpoint: http://127.0.0.1:9
    token: {env: MP_TEST_TOKEN_NOT_SET}
""")
    env = {k: v for k, v in os.environ.items() if k != "MP_TEST_TOKEN_NOT_SET"}
    run = mp("push", "--config", cfg, "--json", env=env)
    assert run.code == 3, run.err
    [r] = run.json
    assert r["error_code"] == "unauthenticated"
    assert "MP_TEST_TOKEN_NOT_SET" in r["error"]


def test_password_in_an_endpoint_never_reaches_results(mp, tmp_path):
    sys.path.insert(0, str(ROOT / "tests" / "hub_server"))
    import hubtest
    write_tree(tmp_path / "m", {"a.bin": "x"})
    with hubtest.HubServer(data_dir=str(tmp_path / "hub")) as hub:
        endpoint = hub.url.replace("http://", "http://user:s3cretpw@")
        cfg = config(tmp_path, f"""source: ./m
registries:
  - type: huggingface
    repo: alice/userinfo
    endpoint: {endpoint}
    token: {{env: MP_TEST_HUB_TOKEN}}
""")
        run = mp("push", "--config", cfg, "--json", env={"MP_TEST_HUB_TOKEN": hubtest.WRITE_TOKEN})
    assert run.code == 0, run.err
    [r] = run.json
    assert r["status"] == "pushed"
    assert r["repo_url"].startswith(hub.url + "/alice/userinfo")
    for text in (run.out, run.err):
        assert "s3cretpw" not in text


def test_bad_option_values_are_usage_errors(mp, tmp_path):
    cfg = config(tmp_path, "source: ./m\nregistries: [{type: filesystem, path: ./r}]\n")
    for args, words in [(["--jobs", "0"], "--jobs"), (["--jobs", "-3"], "--jobs"),
                        (["--push-index", "-1"], "--push-index"),
                        (["--push-index", "0", "--push", "default"], "not both")]:
        run = mp("push", "--config", cfg, "--json", *args)
        assert run.code == 2, args
        assert words in run.err, (args, run.err)
        assert json.loads(run.out)["results"] == []


def test_two_keys_in_one_blessing_rule_say_how_to_combine(mp, tmp_path):
    cfg = config(tmp_path, "source: ./m\nblessing: {tfx: ./a, infra: ./b}\n"
                           "registries: [{type: filesystem, path: ./r}]\n")
    run = mp("validate", "--config", cfg)
    assert run.code == 2 and "write all:" in run.err


def test_world_writable_plugin_folder_is_refused(mp, tmp_path):
    folder = tmp_path / "plugins"
    folder.mkdir()
    so = Path(binary()).resolve().parents[1] / "lib" / "modelpusher" / "plugins" / "registry_filesystem.so"
    (folder / "copy.so").write_bytes(so.read_bytes())
    folder.chmod(0o777)
    run = mp("plugins", "--plugin-dir", str(folder))
    assert run.code == 0
    assert "writable by everyone" in run.out
    assert str(folder / "copy.so") not in run.out.split("refused:")[0]


def test_sigterm_mid_push_cleans_up_and_still_reports(tmp_path):
    model = tmp_path / "m"
    model.mkdir()
    with open(model / "weights.bin", "wb") as f:
        f.truncate(768 << 20)  # sparse: cheap to make, slow enough to copy
    cfg = config(tmp_path, "source: ./m\nregistries: [{type: filesystem, path: ./r}]\n")
    proc = subprocess.Popen([binary(), "push", "--config", cfg, "--json"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, MODELPUSHER_NOW="1764860400"))
    # Wait until the version is named (hashing is done, publishing begins), then stop it.
    deadline = time.monotonic() + 120
    for line in proc.stderr:
        if " info version " in line or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    results = json.loads(out)["results"]
    if results[0]["status"] == "pushed":
        return  # The copy beat the signal: nothing to clean up, and nothing half-written.
    assert proc.returncode == 1, err
    assert results[0]["status"] == "failed"
    assert results[0]["error_code"] == "cancelled"
    registry = tmp_path / "r"
    leftovers = [p.name for p in registry.iterdir()] if registry.exists() else []
    assert not any(name.startswith(".staging") for name in leftovers), leftovers
    assert "1764860400" not in leftovers


def test_registry_inside_the_model_folder_is_refused(mp, tmp_path):
    write_tree(tmp_path / "m", {"a.bin": "x"})
    cfg = config(tmp_path, "source: ./m\nregistries: [{type: filesystem, path: ./m/registry}]\n")
    run = mp("push", "--config", cfg, "--json")
    assert run.code == 1
    assert "inside the model folder" in run.json[0]["error"]
    assert not (tmp_path / "m" / "registry").exists()


def test_staging_left_by_a_killed_push_is_removed_by_the_next(mp, tmp_path):
    model = tmp_path / "m"
    model.mkdir()
    with open(model / "weights.bin", "wb") as f:
        f.truncate(768 << 20)
    cfg = config(tmp_path, "source: ./m\nregistries: [{type: filesystem, path: ./r}]\n")
    proc = subprocess.Popen([binary(), "push", "--config", cfg], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, MODELPUSHER_NOW="1764860400"))
    for line in proc.stderr:
        if " info version " in line:
            break
    time.sleep(0.2)  # let the copy into the staging folder begin
    proc.kill()      # SIGKILL: no chance to clean up
    proc.wait(timeout=60)
    registry = tmp_path / "r"
    left = [p.name for p in registry.iterdir()] if registry.exists() else []
    (model / "weights.bin").unlink()
    write_tree(model, {"small.bin": "y"})
    run = mp("push", "--config", cfg, "--json", env={"MODELPUSHER_NOW": "1764860500"})
    assert run.code == 0, run.err
    after = [p.name for p in registry.iterdir()]
    assert not any(name.startswith(".staging") for name in after), (left, after)
