"""HFModelPusher executor against the real modelpusher binary and the Hub test server.

Artifacts are real folders laid out as TFX writes them: a Model with its serving model under
Format-Serving holding all-MiniLM-L6-v2, ModelBlessing folders with BLESSED / NOT_BLESSED, an
InfraBlessing folder with INFRA_NOT_BLESSED.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys

import pytest

from conftest import link_or_copy_tree
from hubcheck import HEX40, assert_branch_holds_model, branches

NOW = 1767225600  # pinned clock (MODELPUSHER_NOW): 2026-01-01T00:00:00Z


def _module_from_installed_copy(installed_site):
    import modelpusher_tfx
    assert modelpusher_tfx.__file__.startswith(installed_site), modelpusher_tfx.__file__
    return modelpusher_tfx


@pytest.fixture
def trainer_model(tmp_path, minilm_dir):
    """A Model artifact as Trainer writes it: <uri>/Format-Serving/<model files>."""
    from tfx.types import standard_artifacts
    uri = tmp_path / "Trainer" / "model" / "7"
    link_or_copy_tree(minilm_dir, str(uri / "Format-Serving"))
    model = standard_artifacts.Model()
    model.uri = str(uri)
    return model


def _blessing(tmp_path, marker: str, kind: str = "ModelBlessing"):
    from tfx.types import standard_artifacts
    uri = tmp_path / kind / marker
    uri.mkdir(parents=True)
    (uri / marker).write_bytes(b"")
    artifact = getattr(standard_artifacts, kind)()
    artifact.uri = str(uri)
    return artifact


def _run(tmp_path, inputs, **props):
    from tfx.dsl.components.base import base_executor
    from tfx.proto.orchestration import pipeline_pb2
    from tfx.types import standard_artifacts
    from modelpusher_tfx.executor import Executor
    pushed = standard_artifacts.PushedModel()
    pushed.uri = str(tmp_path / "HFModelPusher" / "pushed_model")
    ctx = base_executor.BaseExecutor.Context(
        tmp_dir=str(tmp_path / "tmp"),
        pipeline_info=pipeline_pb2.PipelineInfo(id=props.pop("pipeline", "penguin")))
    exec_properties = {"username": "alice", **props}
    Executor(ctx).Do(inputs, {"pushed_model": [pushed]}, exec_properties)
    return pushed


def _props(artifact) -> dict:
    out = {}
    for key, value in artifact.mlmd_artifact.custom_properties.items():
        out[key] = value.int_value if value.HasField("int_value") else value.string_value
    return out


def test_blessed_model_is_pushed_to_a_new_branch_named_after_the_version(
        tmp_path, monkeypatch, trainer_model, hf_token, installed_site, caplog):
    _module_from_installed_copy(installed_site)
    monkeypatch.setenv("MODELPUSHER_NOW", str(NOW))
    caplog.set_level(logging.INFO)
    pushed = _run(tmp_path, {"model": [trainer_model],
                             "model_blessing": [_blessing(tmp_path, "BLESSED")]},
                  repo_name="minilm-blessed")
    p = _props(pushed)
    assert p["pushed"] == 1
    assert p["push_status"] == "pushed"
    assert p["pushed_version"] == str(NOW)
    assert p["branch"] == p["pushed_version"]
    assert p["repo_id"] == "alice/minilm-blessed"
    assert HEX40.match(p["commit_id"]), p["commit_id"]
    assert p["repo_url"] == f"{os.environ['HF_ENDPOINT']}/alice/minilm-blessed/tree/{NOW}"
    assert p["pushed_destination"] == p["repo_url"]
    assert p["blessing_rule"], p
    assert_branch_holds_model("alice/minilm-blessed", p["branch"], p["commit_id"],
                              os.path.join(trainer_model.uri, "Format-Serving"), hf_token)
    from hubcheck import api
    assert api(hf_token).repo_info("alice/minilm-blessed").private is True
    assert hf_token not in caplog.text
    assert hf_token not in json.dumps(p)


def test_not_blessed_model_is_not_pushed_and_the_run_succeeds(
        tmp_path, trainer_model, hf_token):
    pushed = _run(tmp_path, {"model": [trainer_model],
                             "model_blessing": [_blessing(tmp_path, "NOT_BLESSED")]},
                  repo_name="minilm-refused")
    p = _props(pushed)
    assert p["pushed"] == 0
    assert p["push_status"] == "not_blessed"
    assert p["repo_id"] == "alice/minilm-refused"
    assert p["blessing_reason"], p
    assert "branch" not in p and "commit_id" not in p
    assert not set(branches("alice/minilm-refused", hf_token)) - {"main"}


def test_infra_not_blessed_stops_a_model_blessed_by_the_evaluator(
        tmp_path, trainer_model, hf_token):
    pushed = _run(tmp_path, {"model": [trainer_model],
                             "model_blessing": [_blessing(tmp_path, "BLESSED")],
                             "infra_blessing": [_blessing(tmp_path, "INFRA_NOT_BLESSED",
                                                          "InfraBlessing")]},
                  repo_name="minilm-infra-refused")
    p = _props(pushed)
    assert (p["pushed"], p["push_status"]) == (0, "not_blessed")
    assert not set(branches("alice/minilm-infra-refused", hf_token)) - {"main"}


def test_no_blessing_input_pushes_a_plain_model_folder_to_the_pipeline_named_public_repo(
        tmp_path, monkeypatch, minilm_dir, hf_token):
    """No blessing channel means push; a Model folder without Format-Serving is pushed as is;
    repo_name defaults to the pipeline name; private=0 creates a public repository."""
    from tfx.types import standard_artifacts
    model = standard_artifacts.Model()
    model.uri = str(tmp_path / "imported-model")
    link_or_copy_tree(minilm_dir, model.uri)
    monkeypatch.setenv("MODELPUSHER_NOW", str(NOW + 5))
    pushed = _run(tmp_path, {"model": [model]}, pipeline="minilm-unvalidated", private=0)
    p = _props(pushed)
    assert (p["pushed"], p["pushed_version"], p["branch"]) == (1, str(NOW + 5), str(NOW + 5))
    assert p["repo_id"] == "alice/minilm-unvalidated"
    assert p["blessing_rule"] == "none"
    assert_branch_holds_model(p["repo_id"], p["branch"], p["commit_id"], model.uri, hf_token)
    from hubcheck import api
    assert api(hf_token).repo_info(p["repo_id"]).private is False


def test_repush_of_the_same_model_is_unchanged_and_keeps_the_existing_version(
        tmp_path, monkeypatch, trainer_model, hf_token):
    bless = _blessing(tmp_path, "BLESSED")
    monkeypatch.setenv("MODELPUSHER_NOW", str(NOW + 10))
    first = _props(_run(tmp_path / "a", {"model": [trainer_model], "model_blessing": [bless]},
                        repo_name="minilm-retry"))
    monkeypatch.setenv("MODELPUSHER_NOW", str(NOW + 20))
    second = _props(_run(tmp_path / "b", {"model": [trainer_model], "model_blessing": [bless]},
                         repo_name="minilm-retry"))
    assert first["push_status"] == "pushed"
    assert second["push_status"] == "unchanged"
    assert second["pushed"] == 1
    for key in ("pushed_version", "branch", "commit_id", "repo_url"):
        assert second[key] == first[key], key
    assert str(NOW + 20) not in branches("alice/minilm-retry", hf_token)


def test_modelpusher_failure_fails_the_executor_with_its_message_and_no_token(
        tmp_path, monkeypatch, trainer_model):
    from hubtest import WRITE_TOKEN
    from modelpusher_tfx.runner import ModelPusherError
    bad = "hf_madeUpInvalidToken_0123456789"
    monkeypatch.setenv("HF_TOKEN", bad)
    with pytest.raises(ModelPusherError) as err:
        _run(tmp_path, {"model": [trainer_model]}, repo_name="minilm-denied")
    message = str(err.value)
    assert "401" in message, message  # the server's answer, relayed in modelpusher's words
    assert "HF_TOKEN" in message, message
    assert bad not in message
    assert not set(branches("alice/minilm-denied", WRITE_TOKEN)) - {"main"}


def test_missing_token_is_refused_before_running_modelpusher(tmp_path, monkeypatch,
                                                             trainer_model):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("MODELPUSHER_BIN", "/nonexistent/modelpusher")  # must not be reached
    with pytest.raises(ValueError, match="HF_TOKEN"):
        _run(tmp_path, {"model": [trainer_model]}, repo_name="minilm-no-token")


SPY = """#!{python}
import json, os, shutil, sys
spy = {spy_dir!r}
cfg = sys.argv[sys.argv.index("--config") + 1]
shutil.copy(cfg, os.path.join(spy, "config.yaml"))
with open(os.path.join(spy, "call.json"), "w") as f:
    json.dump({{"argv": sys.argv, "hf_token": os.environ.get("HF_TOKEN")}}, f)
os.execv({real!r}, [{real!r}] + sys.argv[1:])
"""


def test_token_parameter_reaches_modelpusher_only_through_its_environment(
        tmp_path, monkeypatch, trainer_model, caplog):
    """A token passed as huggingface_access_token: in the child's env, not in argv/config/logs."""
    from hubtest import WRITE_TOKEN
    spy_dir = tmp_path / "spy"
    spy_dir.mkdir()
    spy = tmp_path / "modelpusher-spy"
    spy.write_text(SPY.format(python=sys.executable, spy_dir=str(spy_dir),
                              real=os.environ["MODELPUSHER_BIN"]))
    spy.chmod(spy.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("MODELPUSHER_BIN", str(spy))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("MODELPUSHER_NOW", str(NOW + 30))
    caplog.set_level(logging.DEBUG)
    pushed = _run(tmp_path, {"model": [trainer_model]}, repo_name="minilm-token-param",
                  huggingface_access_token=WRITE_TOKEN)
    call = json.loads((spy_dir / "call.json").read_text())
    config_text = (spy_dir / "config.yaml").read_text()
    assert call["hf_token"] == WRITE_TOKEN
    assert WRITE_TOKEN not in " ".join(call["argv"])
    assert WRITE_TOKEN not in config_text
    assert json.loads(config_text)["registries"][0]["token"] == {"env": "HF_TOKEN"}
    assert WRITE_TOKEN not in caplog.text
    p = _props(pushed)
    assert p["pushed"] == 1
    assert WRITE_TOKEN not in json.dumps(p)

